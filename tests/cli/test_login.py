"""`login` / `logout` through the installed `ecrlogin`, against the suite's moto server.

The core (targets, grouping, results, what a person reads) is tested with plain
arguments in tests/unit/test_login.py.
"""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path
from typing import Any

import pytest

from tests.support import faultserver as fs
from tests.support.env import ACCOUNT, MOTO_PASSWORD
from tests.support.faultserver import FaultServer
from tests.support.tools import ecrlogin

EU = "111122223333.dkr.ecr.eu-west-1.amazonaws.com"
US = "111122223333.dkr.ecr.us-west-2.amazonaws.com"
# The CLI against moto.


@pytest.fixture
def env(aws_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    return {**aws_env, "TZ": "UTC", "DOCKER_CONFIG": str(tmp_path / "docker")}


def ours(password: str = MOTO_PASSWORD) -> dict[str, str]:
    return {"auth": base64.b64encode(f"AWS:{password}".encode()).decode()}


def test_write_config_default_file_modes_and_lines(env: dict[str, str], tmp_path: Path) -> None:
    result = ecrlogin("login", "--write-config", EU, US, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == b""
    path = tmp_path / "docker" / "config.json"
    assert json.loads(path.read_text()) == {"auths": {EU: ours(), US: ours()}}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    # moto's tokens always expired on 2015-01-01; the line still says so plainly.
    assert result.stderr.decode() == (
        f"ecrlogin: ok: {EU}: password written to {path}, expired 2015-01-01 00:00 UTC\n"
        f"ecrlogin: ok: {US}: password written to {path}, expired 2015-01-01 00:00 UTC\n"
    )


def test_write_config_containers_format_goes_to_the_runtime_dir(env: dict[str, str]) -> None:
    result = ecrlogin("login", "--write-config", "--format", "containers", EU, env=env)
    assert result.returncode == 0, result.stderr
    path = Path(env["XDG_RUNTIME_DIR"]) / "containers" / "auth.json"
    assert json.loads(path.read_text()) == {"auths": {EU: ours()}}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_no_target_logs_into_the_default_registry_of_the_region(env: dict[str, str]) -> None:
    result = ecrlogin(
        "login", "--write-config", "--region", "eu-north-1", "--output", "json", env=env
    )
    assert result.returncode == 0, result.stderr
    host = f"{ACCOUNT}.dkr.ecr.eu-north-1.amazonaws.com"
    assert result.stdout.decode() == (
        "[\n"
        "    {\n"
        f'        "registry": "{host}",\n'
        '        "region": "eu-north-1",\n'
        '        "method": "config",\n'
        '        "expiresAt": "2015-01-01T00:00:00+00:00"\n'
        "    }\n"
        "]\n"
    )


@pytest.mark.parametrize(
    ("extra", "github", "masked"),
    [
        ((), "true", True),
        (("--no-mask",), "true", False),
        ((), None, False),
        (("--mask",), None, True),
    ],
)
def test_github_actions_masks_come_first(
    env: dict[str, str], extra: tuple[str, ...], github: str | None, masked: bool
) -> None:
    if github:
        env = {**env, "GITHUB_ACTIONS": github}
    result = ecrlogin("login", "--write-config", "--output", "json", *extra, EU, env=env)
    assert result.returncode == 0, result.stderr
    masks = (
        f"::add-mask::{MOTO_PASSWORD}\n"
        f"::add-mask::{base64.b64encode(f'AWS:{MOTO_PASSWORD}'.encode()).decode()}\n"
    )
    # On stderr, where the runner reads workflow commands too; stdout is the JSON alone.
    assert result.stderr.startswith(masks.encode()) is masked
    assert json.loads(result.stdout)[0]["registry"] == EU
    assert MOTO_PASSWORD.encode() not in result.stdout


def test_one_bad_target_does_not_stop_the_others(env: dict[str, str], tmp_path: Path) -> None:
    result = ecrlogin("login", "--write-config", "--output", "json", "bad!host", EU, env=env)
    assert result.returncode == 252
    assert result.stdout == b""  # stdout stays empty on any failure
    assert json.loads((tmp_path / "docker" / "config.json").read_text()) == {"auths": {EU: ours()}}
    lines = result.stderr.decode().splitlines()
    assert lines[0].startswith("ecrlogin: error: bad!host: 'bad!host' is not an ECR registry host")
    assert lines[1].startswith(f"ecrlogin: ok: {EU}: password written to")
    assert lines[2] == (
        "ecrlogin: error: 1 of 2 registries failed: "
        "bad!host ('bad!host' is not an ECR registry host or image reference)"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--write-config", "--helper"),
            "--write-config and --helper cannot be combined. Pick one",
        ),
        (
            ("--write-config", "--client", "podman"),
            "--client/--client-arg do not apply with --write-config",
        ),
        (
            ("--config-file", "x.json"),
            "--format/--config-file apply only with --write-config or --helper",
        ),
    ],
)
def test_options_that_do_not_fit_together(
    env: dict[str, str], args: tuple[str, ...], message: str
) -> None:
    result = ecrlogin("login", *args, EU, env=env)
    assert result.returncode == 252
    assert result.stdout == b""
    assert result.stderr.decode().startswith(f"ecrlogin: error: {message}")


def test_an_unknown_client_is_a_usage_error(env: dict[str, str]) -> None:
    result = ecrlogin("login", "--client", "kaniko", EU, env=env)
    assert result.returncode == 252
    assert b"kaniko" in result.stderr


def test_helper_needs_no_credentials_for_named_targets(env: dict[str, str], tmp_path: Path) -> None:
    # A build image can be set up before it has any AWS credentials.
    env = {**env, "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}
    del env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
    path = tmp_path / "cfg" / "config.json"
    result = ecrlogin("login", "--helper", "--config-file", str(path), EU, US, env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(path.read_text()) == {"credHelpers": {EU: "ecrlogin", US: "ecrlogin"}}
    assert (
        f"ecrlogin: ok: {EU}: credential helper ecrlogin set in {path}, never expires".encode()
        in (result.stderr)
    )


def test_logout_removes_only_what_login_wrote(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "docker" / "config.json"
    path.parent.mkdir()
    foreign = {
        "auths": {US: {"auth": base64.b64encode(b"alice:pw").decode()}},
        "credHelpers": {"gcr.io": "gcloud", US: "ecr-login"},
        "psFormat": "x",
    }
    path.write_text(json.dumps(foreign))
    assert ecrlogin("login", "--write-config", EU, env=env).returncode == 0
    assert ecrlogin("login", "--helper", EU, env=env).returncode == 0
    result = ecrlogin("logout", "--write-config", EU, US, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stderr.decode() == (
        f"ecrlogin: ok: {EU}: password removed from {path}\n"
        f"ecrlogin: note: {US}: no password of ecrlogin's in {path}; nothing removed\n"
    )
    result = ecrlogin("logout", "--helper", EU, US, env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(path.read_text()) == foreign


def test_expiry_in_the_future_reads_in_hours_and_minutes(
    aws_env: dict[str, str], fault_server: FaultServer, tmp_path: Path
) -> None:
    # A stub, because moto's tokens always expired on 2015-01-01.
    stub = fault_server.scenario(fs.regional(expires_at=fs.expiry_in(12 * 3600)))
    env = {**aws_env, "AWS_ENDPOINT_URL": stub.url, "DOCKER_CONFIG": str(tmp_path)}
    result = ecrlogin("login", "--write-config", EU, env=env)
    assert result.returncode == 0, result.stderr
    line = result.stderr.decode()
    assert line.startswith(f"ecrlogin: ok: {EU}: password written to {tmp_path / 'config.json'}")
    assert line.endswith("(in 11h 59m)\n")
    auth = json.loads((tmp_path / "config.json").read_text())["auths"][EU]
    assert auth == ours(fs.region_password("eu-west-1"))


def test_json_output_for_the_helper_has_no_expiry(env: dict[str, str]) -> None:
    result = ecrlogin("login", "--helper", "--output", "json", EU, env=env)
    assert result.returncode == 0, result.stderr
    data: list[dict[str, Any]] = json.loads(result.stdout)
    assert data == [{"registry": EU, "region": "eu-west-1", "method": "helper", "expiresAt": None}]


def run_on_terminal(
    args: list[str], env: dict[str, str], program: str = "ecrlogin"
) -> tuple[int, bytes, str]:
    """Run `program` with stderr on a pseudo-terminal; return (code, stdout, terminal text)."""
    import os
    import pty
    import subprocess

    from tests.support.tools import BIN

    master, slave = pty.openpty()
    with subprocess.Popen(
        [str(BIN / program), *args],
        env={**env, "TERM": "xterm-256color"},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=slave,
    ) as proc:
        os.close(slave)
        seen = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
        stdout = proc.stdout.read() if proc.stdout else b""
        code = proc.wait(timeout=60)
    os.close(master)
    return code, stdout, seen.decode()


@pytest.mark.parametrize("no_color", [False, True])
def test_on_a_terminal_rich_shows_a_spinner_and_honours_no_color(
    env: dict[str, str], no_color: bool
) -> None:
    env = {key: value for key, value in env.items() if key != "NO_COLOR"}
    if no_color:
        env["NO_COLOR"] = "1"
    code, stdout, seen = run_on_terminal(["login", "--write-config", EU], env)
    assert (code, stdout) == (0, b"")
    assert "Fetching ECR authorization tokens" in seen  # the spinner's text
    assert f"{EU}: password written to" in seen
    assert ("ecrlogin: \x1b[32mok:" in seen) is not no_color  # Rich's colour, the same prefix
    assert ("ecrlogin: ok:" in seen) is no_color
    if no_color:
        assert "\x1b[3" not in seen  # no foreground colour at all


@pytest.mark.parametrize(
    ("program", "args", "words"),
    [
        ("ecrlogin", ["login", "--store"], "--store applies only with --helper"),
        ("docker-credential-ecrlogin", ["frobnicate"], "unknown action"),
    ],
)
def test_on_a_terminal_every_line_still_says_who_spoke(
    env: dict[str, str], program: str, args: list[str], words: str
) -> None:
    # During `docker pull` the helper's line lands among docker's own on the same
    # terminal: the colour is Rich's, the `ecrlogin:` prefix stays.
    env = {key: value for key, value in env.items() if key != "NO_COLOR"}
    code, stdout, seen = run_on_terminal(args, env, program)
    assert code != 0
    lines = [line for line in seen.splitlines() if line.strip()]
    assert len(lines) == 1, seen
    assert lines[0].startswith("ecrlogin: \x1b[1;31merror:\x1b[0m "), seen
    assert words in lines[0]
    if program != "ecrlogin":
        assert stdout.startswith(b"unknown action")  # the protocol's reply stays on stdout


def offline(env: dict[str, str]) -> dict[str, str]:
    """`env` with no AWS credentials at all and an endpoint nothing listens on."""
    return {
        **{key: value for key, value in env.items() if not key.startswith("AWS_ACCESS")},
        "AWS_SECRET_ACCESS_KEY": "",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "AWS_MAX_ATTEMPTS": "1",
    }


# As docker writes config.json (tabs; ecrlogin's writes end it with a newline), with what
# a user has there besides ECR: another registry's login, an ECR login that is not ecrlogin's.
DOCKER_CONFIG = (
    b'{\n\t"auths": {\n\t\t"ghcr.io": {\n\t\t\t"auth": "dXNlcjpwYXNz"\n\t\t},\n'
    b'\t\t"' + US.encode() + b'": {\n\t\t\t"auth": "YWxpY2U6cHc="\n\t\t}\n\t},\n'
    b'\t"credHelpers": {\n\t\t"gcr.io": "gcloud"\n\t}\n}\n'
)


def test_logout_without_targets_undoes_the_default_registry_and_helper_entries_offline(
    env: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "docker" / "config.json"
    path.parent.mkdir()
    path.write_bytes(DOCKER_CONFIG)
    default = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com"
    assert ecrlogin("login", "--write-config", EU, default, env=env).returncode == 0
    assert ecrlogin("login", "--helper", EU, US, env=env).returncode == 0
    assert path.read_bytes() != DOCKER_CONFIG
    # A password of the form ecrlogin writes may be the user's own `docker login`: without
    # a TARGET only the default registry (asked of AWS) is logged out of.
    result = ecrlogin("logout", "--write-config", env=env)
    assert (result.returncode, result.stdout) == (0, b""), result.stderr
    assert result.stderr.decode() == f"ecrlogin: ok: {default}: password removed from {path}\n"
    assert ecrlogin("logout", "--write-config", EU, env=env).returncode == 0
    # A credHelpers entry naming ecrlogin is provably ecrlogin's: with credentials gone and
    # the endpoint unreachable, as at the end of a session, `logout --helper` removes them all.
    result = ecrlogin("logout", "--helper", env=offline(env))
    assert (result.returncode, result.stdout) == (0, b""), result.stderr
    assert path.read_bytes() == DOCKER_CONFIG
    # Nothing of ecrlogin's left: a note, still exit 0, the file untouched.
    result = ecrlogin("logout", "--helper", env=offline(env))
    assert (result.returncode, result.stdout) == (0, b"")
    assert result.stderr.decode().startswith("ecrlogin: note: ")
    assert path.read_bytes() == DOCKER_CONFIG
