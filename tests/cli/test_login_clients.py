"""`login --client`: each client's own login gets the password on stdin and nowhere else.

A recording stand-in named after the client sits first on PATH and records
argv, environment and stdin: the one thing a real client cannot show is that
the password never reached its argv or environment. What the user sees with
the real docker CLI and daemon is in tests/e2e/test_docker_e2e.py.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ecrlogin import clients, logs
from ecrlogin.errors import ClientLoginError
from tests.support import faultserver as fs
from tests.support.env import ACCOUNT, MOTO_PASSWORD
from tests.support.faultserver import ECR_TARGET, FaultServer
from tests.support.login import Call, install_recorder, recorded
from tests.support.tools import ecrlogin

EU = "111122223333.dkr.ecr.eu-west-1.amazonaws.com"
EU2 = "444455556666.dkr.ecr.eu-west-1.amazonaws.com"
US = "111122223333.dkr.ecr.us-west-2.amazonaws.com"


def leaks(call: Call, secret: str) -> list[str]:
    """Where the secret shows up outside stdin."""
    places = [f"argv[{n}]" for n, arg in enumerate(call.argv) if secret in arg]
    places += [f"env[{key}]" for key, value in call.env.items() if secret in value or secret in key]
    return places


@pytest.fixture
def client_env(aws_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """aws_env with tmp/bin (the stand-ins) first on PATH."""
    return {**aws_env, "PATH": f"{tmp_path / 'bin'}{os.pathsep}{aws_env['PATH']}", "TZ": "UTC"}


def test_docker_two_registries_in_two_regions_password_only_on_stdin(
    client_env: dict[str, str], tmp_path: Path
) -> None:
    install_recorder(tmp_path / "bin", "docker", tmp_path / "calls")
    result = ecrlogin("login", EU, f"{US}/app:1", env=client_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == b""
    calls = recorded(tmp_path / "calls")
    assert [call.argv[1:] for call in calls] == [
        ["login", "--username", "AWS", "--password-stdin", EU],
        ["login", "--username", "AWS", "--password-stdin", US],
    ]
    for call in calls:
        assert call.stdin == f"{MOTO_PASSWORD}\n"
        assert leaks(call, MOTO_PASSWORD) == []
    assert result.stderr.decode() == (
        f"ecrlogin: ok: {EU}: logged in with docker, expired 2015-01-01 00:00 UTC\n"
        f"ecrlogin: ok: {US}: logged in with docker, expired 2015-01-01 00:00 UTC\n"
    )


def test_one_token_call_per_region_and_each_registry_gets_its_regions_password(
    client_env: dict[str, str], fault_server: FaultServer, tmp_path: Path
) -> None:
    # A stub, to count the calls and to tell the regions' passwords apart.
    install_recorder(tmp_path / "bin", "docker", tmp_path / "calls")
    stub = fault_server.scenario(fs.regional(expires_at=fs.expiry_in(12 * 3600)))
    env = {**client_env, "AWS_ENDPOINT_URL": stub.url}
    result = ecrlogin("login", EU, US, EU2, env=env)
    assert result.returncode == 0, result.stderr
    assert sorted(call.region for call in stub.requests) == ["eu-west-1", "us-west-2"]
    # No registryIds: one token serves every registry the principal reaches there.
    assert [call.json() for call in stub.requests] == [{}, {}]
    assert {call.target for call in stub.requests} == {ECR_TARGET}
    stdin = {call.argv[-1]: call.stdin for call in recorded(tmp_path / "calls")}
    assert stdin == {
        EU: fs.region_password("eu-west-1") + "\n",
        EU2: fs.region_password("eu-west-1") + "\n",
        US: fs.region_password("us-west-2") + "\n",
    }
    assert "(in 11h 59m)" in result.stderr.decode()


def test_a_refused_region_does_not_stop_the_other(
    client_env: dict[str, str], fault_server: FaultServer, tmp_path: Path
) -> None:
    install_recorder(tmp_path / "bin", "docker", tmp_path / "calls")
    # A stub: moto cannot refuse one region and answer another.
    stub = fault_server.scenario(fs.by_region({"us-west-2": fs.access_denied()}, fs.regional()))
    result = ecrlogin("login", US, EU, env={**client_env, "AWS_ENDPOINT_URL": stub.url})
    assert result.returncode == 254
    assert [call.argv[-1] for call in recorded(tmp_path / "calls")] == [EU]
    lines = result.stderr.decode().splitlines()
    assert lines[0].startswith(
        f"ecrlogin: error: {US}: GetAuthorizationToken was refused with AccessDeniedException"
    )
    assert lines[1].startswith(f"ecrlogin: ok: {EU}: logged in with docker, expires ")
    assert lines[2].startswith(f"ecrlogin: error: 1 of 2 registries failed: {US} (")


def test_a_client_failure_comes_back_with_its_message_and_exit_code(
    client_env: dict[str, str], tmp_path: Path
) -> None:
    install_recorder(
        tmp_path / "bin",
        "docker",
        tmp_path / "calls",
        exit_code=3,
        message=f"Error response from daemon: login attempt to https://{US}/v2/ failed\n",
        fail_for=US,
    )
    result = ecrlogin("login", "--output", "json", US, EU, env=client_env)
    assert result.returncode == 3
    assert result.stdout == b""
    lines = result.stderr.decode().splitlines()
    assert lines[:2] == [
        f"ecrlogin: error: {US}: `docker login` failed with exit code 3: "
        f"Error response from daemon: login attempt to https://{US}/v2/ failed",
        f"ecrlogin: ok: {EU}: logged in with docker, expired 2015-01-01 00:00 UTC",
    ]
    assert lines[2].startswith(
        f"ecrlogin: error: 1 of 2 registries failed: {US} (`docker login` failed with exit code 3"
    )
    assert len(lines) == 3


def test_a_missing_client_says_how_to_do_without(client_env: dict[str, str]) -> None:
    env = {**client_env, "PATH": "/nonexistent"}
    result = ecrlogin("login", "--client", "finch", EU, env=env)
    assert result.returncode == 255
    assert result.stderr.decode() == (
        f"ecrlogin: error: {EU}: finch is not installed or not on PATH. Install finch, pick "
        "another --client, or use --write-config (no client needed).\n"
    )


def test_client_args_go_before_the_host(client_env: dict[str, str], tmp_path: Path) -> None:
    install_recorder(tmp_path / "bin", "podman", tmp_path / "calls")
    result = ecrlogin(
        "login",
        "--client",
        "podman",
        "--client-arg=--tls-verify=false",
        "--client-arg",
        "--authfile=/tmp/a.json",
        EU,
        env=client_env,
    )
    assert result.returncode == 0, result.stderr
    [call] = recorded(tmp_path / "calls")
    assert call.argv[1:] == [
        "login",
        "--username",
        "AWS",
        "--password-stdin",
        "--tls-verify=false",
        "--authfile=/tmp/a.json",
        EU,
    ]


def test_logout_runs_the_clients_logout_without_a_token(
    client_env: dict[str, str], tmp_path: Path
) -> None:
    install_recorder(tmp_path / "bin", "helm", tmp_path / "calls")
    env = {**client_env, "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}  # nothing listens
    result = ecrlogin("logout", "--client", "helm", EU, US, env=env)
    assert result.returncode == 0, result.stderr
    assert [call.argv[1:] for call in recorded(tmp_path / "calls")] == [
        ["registry", "logout", EU],
        ["registry", "logout", US],
    ]
    assert result.stderr.decode() == (
        f"ecrlogin: ok: {EU}: logged out with helm\necrlogin: ok: {US}: logged out with helm\n"
    )


@pytest.mark.parametrize(
    ("name", "prefix"),
    [
        ("docker", []),
        ("podman", []),
        ("nerdctl", []),
        ("finch", []),
        ("buildah", []),
        ("skopeo", []),
        ("helm", ["registry"]),
        ("oras", []),
    ],
)
def test_every_client_reads_the_password_from_stdin(
    name: str, prefix: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_recorder(tmp_path / "bin", name, tmp_path / "calls")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    clients.login(name, EU, "AWS", "s3cret-password")
    clients.logout(name, EU)
    login, logout = recorded(tmp_path / "calls")
    assert login.argv[1:] == [*prefix, "login", "--username", "AWS", "--password-stdin", EU]
    assert login.stdin == "s3cret-password\n"
    assert leaks(login, "s3cret-password") == []
    assert logout.argv[1:] == [*prefix, "logout", EU]
    assert logout.stdin == ""


def test_a_client_echoing_the_password_is_redacted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_recorder(
        tmp_path / "bin", "oras", tmp_path / "calls", exit_code=1, message="bad password s3cret-pw"
    )
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    # Only this login's password: an earlier test's ("s3cret-password") would have the
    # message withheld for the 8 characters "password" it shares with it.
    logs.forget_secrets()
    with pytest.raises(ClientLoginError) as info:
        clients.login("oras", EU, "AWS", "s3cret-pw")
    assert info.value.exit_code == 1
    assert info.value.message == "`oras login` failed with exit code 1: bad password <redacted>"


def install_hanging_client(bin_dir: Path, name: str, pid_file: Path) -> None:
    """A stand-in `name` that notes its and its child's pid, then never answers.

    A stub, because no real client can be made to hang on cue; the child shows that
    the whole process group is stopped, not only the client ecrlogin started.
    """
    bin_dir.mkdir(parents=True, exist_ok=True)
    script = bin_dir / name
    script.write_text(f"#!/bin/sh\nsleep 300 &\necho $$ $! > {pid_file}\nsleep 300\n")
    script.chmod(0o755)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie is gone for our purpose
        return stat.read().rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.parametrize(
    ("name", "args", "words"),
    [
        ("docker", ["--cli-read-timeout", "2"], "`docker login` did not finish within 2 s"),
        ("helm", ["--client", "helm"], "`helm registry login` did not finish within 1.5 s"),
    ],
)
def test_a_hung_client_login_is_stopped_after_the_read_timeout_with_one_line(
    client_env: dict[str, str], tmp_path: Path, name: str, args: list[str], words: str
) -> None:
    pids = tmp_path / "pids"
    install_hanging_client(tmp_path / "bin", name, pids)
    env = {**client_env, "ECRLOGIN_CLI_READ_TIMEOUT": "1.5"}
    result = ecrlogin("login", *args, EU, env=env, timeout=60)
    assert (result.returncode, result.stdout) == (255, b"")
    [line] = result.stderr.decode().splitlines()
    assert line.startswith(f"ecrlogin: error: {EU}: {words}"), line
    assert "--cli-read-timeout" in line
    assert MOTO_PASSWORD not in line
    # The client and what it started are gone, not left behind holding the password.
    assert not any(alive(int(pid)) for pid in pids.read_text().split())


def test_logout_without_targets_runs_the_clients_logout_for_the_default_registry_only(
    client_env: dict[str, str], tmp_path: Path
) -> None:
    install_recorder(tmp_path / "bin", "docker", tmp_path / "calls")
    install_recorder(tmp_path / "bin", "helm", tmp_path / "calls")
    docker_config = tmp_path / "docker" / "config.json"
    docker_config.parent.mkdir()
    # What `docker login` leaves with a credsStore: bare entries, the passwords in the store.
    # They may be the user's own logins: only the default registry (asked of AWS) is undone.
    users = json.dumps({"auths": {EU: {}, "ghcr.io": {}, US: {}}})
    docker_config.write_text(users)
    env = {**client_env, "DOCKER_CONFIG": str(docker_config.parent)}
    for args in ([], ["--client", "helm"]):
        result = ecrlogin("logout", *args, env=env)
        assert (result.returncode, result.stdout) == (0, b""), result.stderr
    default = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com"
    assert [call.argv[1:] for call in recorded(tmp_path / "calls")] == [
        ["logout", default],
        ["registry", "logout", default],
    ]
    assert result.stderr.decode() == f"ecrlogin: ok: {default}: logged out with helm\n"
    assert docker_config.read_text() == users
