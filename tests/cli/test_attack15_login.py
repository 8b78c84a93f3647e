"""Issue #15, third review: `login`/`logout` attacks on today's fixes that got through.

Each test drives the installed programs against real files with real modes and the
suite's moto server on loopback.
"""

from __future__ import annotations

import base64
import fcntl
import json
import subprocess
from pathlib import Path

import pytest

from tests.support.env import MOTO_PASSWORD
from tests.support.tools import ecrlogin, require_tool

# Real file locks and the docker CLI: Linux only.
pytestmark = pytest.mark.linux


ECR_HOST = "123456789012.dkr.ecr.us-east-1.amazonaws.com"  # moto's: the default registry
# An ECR registry of another account: not the caller's default registry. A login to the
# default registry itself is what `logout` without a TARGET logs out of (a password of
# the form `login --write-config` writes cannot be told from the user's own).
USERS_ECR_HOST = "210987654321.dkr.ecr.eu-west-1.amazonaws.com"
# What docker 28 writes (tab-indented, no final newline) for a config with no login yet.
DOCKER_EMPTY = b'{\n\t"auths": {}\n}'


def _docker_config(
    aws_env: dict[str, str], tmp_path: Path, data: bytes
) -> tuple[dict[str, str], Path]:
    folder = tmp_path / "docker"
    folder.mkdir()
    path = folder / "config.json"
    path.write_bytes(data)
    path.chmod(0o600)
    return {**aws_env, "DOCKER_CONFIG": str(folder), "ECRLOGIN_NO_CACHE": "1"}, path


def test_logout_without_target_keeps_the_users_own_docker_login(
    aws_env: dict[str, str], tmp_path: Path
) -> None:
    """`aws ecr get-login-password | docker login --username AWS --password-stdin HOST`
    writes `{"auth": base64("AWS:...")}`, the very form `login --write-config` writes:
    docs/security.md says logout deletes "our entries only", yet it takes this one.
    (Adapted: the user's login is to an ECR registry other than the default one.)"""
    own = base64.b64encode(b"AWS:the-users-own-docker-login").decode()
    users = json.dumps({"auths": {USERS_ECR_HOST: {"auth": own}}}, indent="\t").encode()
    env, path = _docker_config(aws_env, tmp_path, users)
    done = ecrlogin("logout", "--write-config", env=env)
    assert done.returncode == 0, done.stderr
    assert path.read_bytes() == users, "logout removed a login ecrlogin never made"


def test_a_helper_round_trip_leaves_a_docker_written_config_as_it_was(
    aws_env: dict[str, str], tmp_path: Path
) -> None:
    env, path = _docker_config(aws_env, tmp_path, DOCKER_EMPTY)
    assert ecrlogin("login", "--helper", ECR_HOST, env=env).returncode == 0
    assert ecrlogin("logout", "--helper", env=env).returncode == 0
    assert path.read_bytes() == DOCKER_EMPTY


RECORDING_STORE = """#!/bin/sh
echo "$1 $(cat)" >> "$STORE_CALLS"
[ "$1" = get ] && { echo "credentials not found in native keychain"; exit 1; }
exit 0
"""


def test_logout_client_without_target_leaves_the_users_own_keychain_login(
    aws_env: dict[str, str], tmp_path: Path
) -> None:
    """The user's own `docker login` to ECR with a credsStore leaves `auths[HOST] = {}` and
    the password in the store; `ecrlogin logout --client docker` (no TARGET, "undo what
    ecrlogin's logins left") has docker erase it from the store, though ecrlogin never
    made that login. (Adapted: the user's login is to an ECR registry other than the
    default one.)"""
    docker = require_tool("docker")
    folder = tmp_path / "bin"
    folder.mkdir()
    store = folder / "docker-credential-keychain"
    store.write_text(RECORDING_STORE)
    store.chmod(0o755)
    users = (
        f'{{\n\t"auths": {{\n\t\t"{USERS_ECR_HOST}": {{}}\n\t}},\n\t"credsStore": "keychain"\n}}'
    )
    env, path = _docker_config(aws_env, tmp_path, users.encode())
    calls = tmp_path / "calls"
    env = {
        **env,
        "PATH": f"{folder}:{Path(docker).parent}:{env['PATH']}",
        "STORE_CALLS": str(calls),
    }
    done = ecrlogin("logout", "--client", "docker", env=env)
    assert done.returncode == 0, done.stderr
    erased = calls.read_text() if calls.exists() else ""
    # docker 28 asks its store to erase the default registry (logged in or not): that
    # one is what was asked for; the user's own login elsewhere stays.
    assert USERS_ECR_HOST not in erased, f"docker erased the user's own login: {erased!r}"
    assert path.read_bytes() == users.encode()


# A stand-in client (no real one can be made to echo its password on demand) that fails
# and prints the password it read on stdin broken over two lines, as a message wrapped
# to the terminal's width would.
ECHOING_CLIENT = """#!/bin/sh
pw=$(cat)
printf 'Error: login refused for password %s\\n%s\\n' \\
    "$(printf %s "$pw" | cut -c1-11)" "$(printf %s "$pw" | cut -c12-)" >&2
exit 1
"""


def login_through_a_docker_client(
    script: str, aws_env: dict[str, str], tmp_path: Path
) -> subprocess.CompletedProcess[bytes]:
    """`ecrlogin login --client docker` with `script` as the docker found first on PATH."""
    folder = tmp_path / "bin"
    folder.mkdir()
    client = folder / "docker"
    client.write_text(script)
    client.chmod(0o755)
    env = {
        **aws_env,
        "PATH": f"{folder}:{aws_env['PATH']}",
        "DOCKER_CONFIG": str(tmp_path / "docker"),
    }
    return ecrlogin("login", "--client", "docker", ECR_HOST, env=env)


def test_a_failing_client_that_wraps_the_password_over_two_lines_is_not_quoted(
    aws_env: dict[str, str], tmp_path: Path
) -> None:
    """The fallback store's message is withheld when it still holds a piece of the
    password; a failing client's is only redacted, then its lines joined with a space."""
    done = login_through_a_docker_client(ECHOING_CLIENT, aws_env, tmp_path)
    assert done.returncode == 1
    line = done.stderr.decode()
    assert "`docker login` failed with exit code 1" in line
    flat = "".join(line.split())
    assert MOTO_PASSWORD not in flat, f"the password is readable in: {line}"


def test_a_held_lock_on_the_client_config_is_waited_on_for_a_stated_time_only(
    aws_env: dict[str, str], tmp_path: Path
) -> None:
    """Another process holding config.json.lock (a hung run; with a 0666 lock file left in a
    shared folder, another user) makes `login --write-config` wait forever: docs/security.md
    says every wait has a bound, and no bound is stated for this one."""
    env, path = _docker_config(aws_env, tmp_path, DOCKER_EMPTY)
    with open(f"{path}.lock", "a+b") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        try:
            done = ecrlogin(
                "login", "--write-config", "--cli-read-timeout", "5", ECR_HOST, env=env, timeout=40
            )
        except subprocess.TimeoutExpired:
            pytest.fail("login --write-config waited on a held lock for 40 s")
    assert done.returncode != 0
    assert done.stderr.count(b"\n") == 1, done.stderr


def test_a_client_that_prints_more_than_is_kept_is_said_in_a_warning(
    aws_env: dict[str, str], tmp_path: Path
) -> None:
    """docs/security.md: of what a program it runs prints (a fallback store, a container
    client's login), at most 1 MiB per stream is kept, "saying so in one warning line that
    names the program": the store path says it, the client path does not."""
    chatty = "#!/bin/sh\ncat >/dev/null\nhead -c 2097152 /dev/zero | tr '\\0' x >&2\nexit 1\n"
    done = login_through_a_docker_client(chatty, aws_env, tmp_path)
    assert done.returncode == 1
    lines = done.stderr.decode().splitlines()
    assert any(line.startswith("ecrlogin: warning:") and "docker" in line for line in lines), lines
