"""`login` against a real distribution registry, then real clients use what it stored.

The registry (conftest `registry`) is a loopback host mapped in the ecrlogin
config to moto's account, so moto's token is the registry's htpasswd password.
It speaks plain HTTP, so each client gets `--tls-verify=false` through
`--client-arg` (skopeo login ignores registries.conf `insecure`).
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import pytest

from tests.support.env import ACCOUNT, MOTO_PASSWORD
from tests.support.registry import RegistryServer, list_tags, push_image
from tests.support.tools import BIN, ecrlogin, require_tool

pytestmark = pytest.mark.e2e

REPO = "ecrlogin-login/app"


@pytest.fixture(scope="module")
def pushed(registry: RegistryServer, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The registry with one tiny image pushed as REPO:1; returns the repository reference."""
    return push_image(registry, REPO, "1", tmp_path_factory.mktemp("oci") / "layout")


@pytest.fixture
def env(aws_env: dict[str, str], registry: RegistryServer, tmp_path: Path) -> dict[str, str]:
    """aws_env with the registry mapped in the ecrlogin config and a private auth file."""
    config = tmp_path / "ecrlogin.toml"
    config.write_text(
        f'[registries."{registry.host}"]\naccount = "{ACCOUNT}"\nregion = "eu-west-1"\n'
    )
    return {
        **aws_env,
        "ECRLOGIN_CONFIG": str(config),
        "REGISTRY_AUTH_FILE": str(tmp_path / "auth.json"),
        "TZ": "UTC",
    }


def tags(done: subprocess.CompletedProcess[str]) -> list[str]:
    assert done.returncode == 0, done.stderr
    result: list[str] = json.loads(done.stdout)["Tags"]
    return result


@pytest.mark.parametrize("client", ["skopeo", "podman", "buildah"])
def test_client_login_then_the_client_pulls_with_it(
    client: str, pushed: str, registry: RegistryServer, env: dict[str, str], tmp_path: Path
) -> None:
    require_tool(client)
    assert list_tags(pushed, env).returncode != 0  # the registry does demand a login
    result = ecrlogin(
        "login", "--client", client, "--client-arg=--tls-verify=false", registry.host, env=env
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == b""
    assert result.stderr.decode() == (
        f"ecrlogin: ok: {registry.host}: logged in with {client}, expired 2015-01-01 00:00 UTC\n"
    )
    assert tags(list_tags(pushed, env)) == ["1"]

    result = ecrlogin("logout", "--client", client, registry.host, env=env)
    assert result.returncode == 0, result.stderr
    assert list_tags(pushed, env).returncode != 0


def test_write_config_keeps_other_keys_and_skopeo_uses_it(
    pushed: str, registry: RegistryServer, env: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "docker" / "config.json"
    path.parent.mkdir()
    others = {
        "auths": {"registry.example": {"auth": "dXNlcjpwYXNz"}},
        "credHelpers": {"gcr.io": "gcloud"},
        "psFormat": "table {{.ID}}",
    }
    path.write_text(json.dumps(others))
    path.chmod(0o640)
    result = ecrlogin("login", "--write-config", "--config-file", str(path), registry.host, env=env)
    assert result.returncode == 0, result.stderr
    assert MOTO_PASSWORD.encode() not in result.stdout + result.stderr
    # The mode its owner gave it stays, as docker keeps it, with a warning of what it exposes.
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert b"the file's mode is 0640, so other users can read the password" in result.stderr
    data = json.loads(path.read_text())
    assert tags(list_tags(pushed, env, path)) == ["1"]
    ours = data["auths"].pop(registry.host)
    assert set(ours) == {"auth"}
    assert data == others

    result = ecrlogin(
        "logout", "--write-config", "--config-file", str(path), registry.host, env=env
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(path.read_text()) == others
    assert list_tags(pushed, env, path).returncode != 0


def test_containers_format_writes_the_file_podman_and_skopeo_read(
    pushed: str, registry: RegistryServer, env: dict[str, str]
) -> None:
    result = ecrlogin("login", "--write-config", "--format", "containers", registry.host, env=env)
    assert result.returncode == 0, result.stderr
    assert tags(list_tags(pushed, env)) == ["1"]  # from REGISTRY_AUTH_FILE
    path = Path(env["REGISTRY_AUTH_FILE"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert list(json.loads(path.read_text())["auths"]) == [registry.host]


def test_helper_setup_lets_skopeo_fetch_a_fresh_password_itself(
    pushed: str, registry: RegistryServer, env: dict[str, str], tmp_path: Path
) -> None:
    # skopeo runs docker-credential-ecrlogin (from this venv) for the host on every pull.
    env = {**env, "PATH": f"{BIN}{os.pathsep}{env['PATH']}"}
    path = tmp_path / "helper.json"
    result = ecrlogin("login", "--helper", "--config-file", str(path), registry.host, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stderr.decode() == (
        f"ecrlogin: ok: {registry.host}: credential helper ecrlogin set in {path}, never expires\n"
    )
    assert json.loads(path.read_text()) == {"credHelpers": {registry.host: "ecrlogin"}}
    assert tags(list_tags(pushed, env, path)) == ["1"]

    result = ecrlogin("logout", "--helper", "--config-file", str(path), registry.host, env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(path.read_text()) == {}  # the credHelpers it emptied goes too
    assert list_tags(pushed, env, path).returncode != 0
