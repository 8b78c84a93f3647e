"""End to end: skopeo asks docker-credential-ecrlogin for the password of a real registry.

The distribution registry (htpasswd AWS / moto's password) stands in for ECR;
the ecrlogin config maps its `127.0.0.1:PORT` host to account 123456789012, so
the helper fetches that account's token from moto. skopeo finds the helper on
PATH through `credHelpers` in its auth file, exactly as docker and podman do.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.support import faultserver as fs
from tests.support.env import ACCOUNT, MOTO_PASSWORD
from tests.support.faultserver import FAULT_PASSWORD, FaultServer
from tests.support.helper import cache_files, write_config
from tests.support.registry import RegistryServer, list_tags, push_image
from tests.support.tools import BIN

pytestmark = pytest.mark.e2e

REPOSITORY = "ecrlogin-helper-e2e/app"


@pytest.fixture
def client_env(aws_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """aws_env with the venv's bin first on PATH (skopeo runs docker-credential-ecrlogin from
    there) and skopeo's runtime directory in tmp."""
    runtime = Path(aws_env["XDG_RUNTIME_DIR"])
    runtime.mkdir(parents=True, exist_ok=True)
    return {**aws_env, "PATH": f"{BIN}{os.pathsep}{aws_env.get('PATH', '')}"}


@pytest.fixture
def pushed(registry: RegistryServer, client_env: dict[str, str], tmp_path: Path) -> str:
    """The registry host, after pushing a small image to it with explicit credentials."""
    push_image(registry, REPOSITORY, "v1", tmp_path / "layout", client_env)
    return registry.host


def auth_file(tmp_path: Path, host: str) -> Path:
    path = tmp_path / "auth.json"
    path.write_text(json.dumps({"credHelpers": {host: "ecrlogin"}}))
    return path


def test_skopeo_lists_tags_through_the_helper(
    pushed: str, client_env: dict[str, str], tmp_path: Path
) -> None:
    write_config(
        client_env, f'[registries."{pushed}"]\naccount = "{ACCOUNT}"\nregion = "us-east-1"\n'
    )
    authfile = auth_file(tmp_path, pushed)
    result = list_tags(f"{pushed}/{REPOSITORY}", client_env, authfile)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Tags"] == ["v1"]
    assert MOTO_PASSWORD not in result.stderr
    # The helper answered from moto's 2015 token, which is never cached.
    assert cache_files(client_env) == []
    # And skopeo stored nothing in the auth file: the helper is asked every time.
    assert json.loads(authfile.read_text()) == {"credHelpers": {pushed: "ecrlogin"}}


def test_a_mapping_to_another_account_fails_cleanly(
    pushed: str, client_env: dict[str, str], tmp_path: Path, fault_server: FaultServer
) -> None:
    write_config(
        client_env, f'[registries."{pushed}"]\naccount = "210987654321"\nregion = "us-east-1"\n'
    )
    # A recording endpoint shows the helper asked for that account (moto cannot say).
    endpoint = fault_server.scenario(fs.token())
    result = list_tags(
        f"{pushed}/{REPOSITORY}",
        {**client_env, "AWS_ENDPOINT_URL": endpoint.url},
        auth_file(tmp_path, pushed),
    )
    assert [request.json() for request in endpoint.requests] == [{"registryIds": ["210987654321"]}]
    # The helper answered; the registry refuses that account's password.
    assert result.returncode != 0
    assert result.stdout == ""
    assert "unauthorized" in result.stderr.lower()
    assert "ecrlogin: error" not in result.stderr
    assert "Traceback" not in result.stderr
    assert FAULT_PASSWORD not in result.stderr


def test_an_unmapped_host_falls_back_to_anonymous(
    pushed: str, client_env: dict[str, str], tmp_path: Path
) -> None:
    result = list_tags(f"{pushed}/{REPOSITORY}", client_env, auth_file(tmp_path, pushed))
    # "credentials not found" lets skopeo go on without credentials: the registry says 401.
    # A host that is not ECR is docker's normal "no credentials", so the helper says nothing.
    assert result.returncode != 0
    assert "ecrlogin:" not in result.stderr
    assert "error getting credentials" not in result.stderr
    assert "unauthorized" in result.stderr.lower()
