"""Every program imports and runs without the POSIX-only modules, as on Windows.

Windows has no `fcntl`, `pwd`, `grp`, `termios` or `resource`. The suite cannot run
Windows itself, so here each installed program runs with those modules hidden: a
`sitecustomize.py` on PYTHONPATH sets them to None in `sys.modules`, so any import of
one fails as it would there (0.2.0 exited 255 with "import of fcntl halted"). The
programs talk to moto and the suite's fault server as usual. What the platform
changes beyond imports (paths, file checks, replaces) is in tests/unit/test_files.py;
.github/workflows/portable.yml runs the portable part of the suite on real Windows
and macOS runners.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import faultserver as fs
from tests.support.env import ACCOUNT, MOTO_PASSWORD
from tests.support.faultserver import FAULT_PASSWORD, FaultServer
from tests.support.helper import HELPER, cache_files, credentials_json, helper
from tests.support.provider import PROVIDER, V1, provider, request
from tests.support.tools import ecrlogin

HIDDEN = ("fcntl", "pwd", "grp", "termios", "resource")
MOTO_HOST = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com"
FAULT_HOST = f"{ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com"


def without_posix(env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """`env` with a sitecustomize.py on PYTHONPATH that hides the POSIX-only modules."""
    folder = tmp_path / "no-posix"
    folder.mkdir(exist_ok=True)
    (folder / "sitecustomize.py").write_text(
        "import sys\n"
        f"for name in {HIDDEN!r}:\n"
        "    sys.modules[name] = None  # `import name` now raises ImportError\n",
        encoding="utf-8",
    )
    return {**env, "PYTHONPATH": str(folder)}


@pytest.fixture
def env(aws_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """The moto environment, with the POSIX-only modules hidden."""
    return without_posix(aws_env, tmp_path)


def test_the_modules_are_really_hidden(env: dict[str, str]) -> None:
    for name in HIDDEN:
        done = subprocess.run(
            [sys.executable, "-c", f"import {name}"],
            env=env,
            capture_output=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 1
        assert f"import of {name} halted".encode() in done.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("login", "--help"),
        ("logout", "--help"),
        ("pull-secret", "--help"),
    ],
    ids=["help", "login", "logout", "pull-secret"],
)
def test_help_runs(env: dict[str, str], args: tuple[str, ...]) -> None:
    result = ecrlogin(*args, env=env)
    assert (result.returncode, result.stderr) == (0, b"")
    assert b"Usage: ecrlogin" in result.stdout


def test_version_runs(env: dict[str, str]) -> None:
    result = ecrlogin("--version", env=env)
    assert (result.returncode, result.stderr) == (0, b"")
    assert result.stdout.startswith(b"ecrlogin ")


def test_get_login_password_fetches_from_moto(env: dict[str, str]) -> None:
    result = ecrlogin("get-login-password", env=env)
    assert (result.returncode, result.stderr) == (0, b"")
    assert result.stdout == MOTO_PASSWORD.encode() + b"\n"


def test_login_writes_a_config_file_under_its_lock(env: dict[str, str], tmp_path: Path) -> None:
    config = tmp_path / "docker" / "config.json"
    result = ecrlogin("login", "--write-config", "--config-file", str(config), env=env)
    assert result.returncode == 0, result.stderr
    assert MOTO_HOST in json.loads(config.read_text())["auths"]
    result = ecrlogin("logout", "--write-config", "--config-file", str(config), env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(config.read_text())["auths"] == {}


def test_pull_secret_prints_the_secret(env: dict[str, str]) -> None:
    result = ecrlogin("pull-secret", "regcred", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith(f"ecrlogin: ok: {MOTO_HOST}: password in Secret".encode())
    secret = json.loads(result.stdout)
    assert secret["kind"] == "Secret"
    assert secret["type"] == "kubernetes.io/dockerconfigjson"


def test_the_helper_fetches_caches_and_lists(
    fault_env: dict[str, str], fault_server: FaultServer, tmp_path: Path
) -> None:
    # The fault server's token is valid until 2100, so the cache (and its lock) is used.
    endpoint = fault_server.scenario(fs.token())
    env = without_posix({**fault_env, "AWS_ENDPOINT_URL": endpoint.url}, tmp_path)
    for _ in range(2):
        result = helper("get", FAULT_HOST, env=env)
        assert (result.returncode, result.stderr) == (0, b"")
        assert result.stdout == credentials_json(FAULT_HOST, FAULT_PASSWORD)
    assert endpoint.calls == 1  # the second answer came from the cache
    assert len(cache_files(env)) == 1
    listed = helper("list", env=env)
    assert (listed.returncode, listed.stderr) == (0, b"")
    assert json.loads(listed.stdout) == {FAULT_HOST: "AWS"}
    version = subprocess.run(
        [HELPER, "version"], env=env, capture_output=True, timeout=60, check=False
    )
    assert (version.returncode, version.stderr) == (0, b"")
    assert version.stdout.startswith(b"docker-credential-ecrlogin (ecrlogin) ")


def test_the_kubelet_plugin_answers_a_request(env: dict[str, str]) -> None:
    result = provider(request(f"{MOTO_HOST}/app:1"), env=env)
    assert (result.returncode, result.stderr) == (0, b""), PROVIDER
    answer = json.loads(result.stdout)
    assert answer["apiVersion"] == V1
    assert answer["kind"] == "CredentialProviderResponse"
    (auth,) = answer["auth"].values()
    assert auth == {"username": "AWS", "password": MOTO_PASSWORD}
