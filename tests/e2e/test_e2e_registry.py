"""End to end: the documented pipelines log real clients into a real registry.

The registry is Debian's `docker-registry` with htpasswd user AWS and moto's
password, so a token that moto issues for account 123456789012 is exactly
what it accepts. Every pipeline runs in a real `bash -o pipefail`, as a CI
step would, and skopeo writes to an auth file in tmp (never the real home).
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from tests.support.env import basic_token
from tests.support.registry import RegistryServer, bash
from tests.support.tools import BIN, require_tool

pytestmark = pytest.mark.e2e

ECRLOGIN = shlex.quote(str(BIN / "ecrlogin"))
RECIPE = "--output text --query 'authorizationData[].authorizationToken'"


@pytest.fixture
def e2e_env(aws_env: dict[str, str]) -> dict[str, str]:
    """aws_env plus the runtime directory skopeo wants."""
    run_dir = Path(aws_env["XDG_RUNTIME_DIR"])
    run_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    return aws_env


def skopeo_login(host: str, authfile: Path) -> str:
    skopeo = shlex.quote(require_tool("skopeo"))
    return (
        f"{skopeo} login --authfile {shlex.quote(str(authfile))} --username AWS "
        f"--password-stdin --tls-verify=false {host}"
    )


def test_get_login_password_pipes_into_skopeo_login(
    registry: RegistryServer, e2e_env: dict[str, str], tmp_path: Path
) -> None:
    authfile = tmp_path / "auth.json"
    result = bash(
        f"{ECRLOGIN} get-login-password --region us-east-1 "
        f"| {skopeo_login(registry.host, authfile)}",
        e2e_env,
    )
    assert result.returncode == 0, result.stderr
    assert "Login Succeeded" in result.stdout
    auths = json.loads(authfile.read_text())["auths"]
    assert auths == {registry.host: {"auth": basic_token("AWS", registry.password)}}
    # Only the given auth file was written, not skopeo's or docker's default ones.
    assert not (Path(e2e_env["XDG_RUNTIME_DIR"]) / "containers" / "auth.json").exists()
    assert not (Path(e2e_env["HOME"]) / ".docker" / "config.json").exists()


def test_wrong_password_is_refused_by_the_registry(
    registry: RegistryServer, e2e_env: dict[str, str], tmp_path: Path
) -> None:
    # Another account's token: a valid ECR password, but not this registry's.
    authfile = tmp_path / "auth.json"
    result = bash(
        f"{ECRLOGIN} get-login-password --registry-id 111111111111 "
        f"| {skopeo_login(registry.host, authfile)}",
        e2e_env,
    )
    assert result.returncode != 0
    assert "invalid username/password" in result.stderr
    assert not authfile.exists() or registry.host not in authfile.read_text()


def test_a_failing_ecrlogin_says_why_before_the_client_complains(
    registry: RegistryServer, e2e_env: dict[str, str], tmp_path: Path
) -> None:
    # The AWS CLI's classic trap: the login fails with "non TTY" and nobody says why.
    result = bash(
        f"{ECRLOGIN} get-login-password --registry-id 12345 "
        f"| {skopeo_login(registry.host, tmp_path / 'auth.json')}",
        e2e_env,
    )
    assert result.returncode != 0
    assert (
        "ecrlogin: error: Invalid registry ID '12345': it must be a 12-digit AWS account ID"
        in result.stderr
    )


def test_authorization_token_recipe_authenticates_curl(
    registry: RegistryServer, e2e_env: dict[str, str]
) -> None:
    curl = shlex.quote(require_tool("curl"))
    status = f"{curl} -s -o /dev/null -w '%{{http_code}}'"
    result = bash(
        "set -eu\n"
        f"TOKEN=$({ECRLOGIN} get-authorization-token {RECIPE})\n"
        f'{status} -H "Authorization: Basic $TOKEN" {registry.url}/v2/\n'
        "echo\n"
        f"{status} {registry.url}/v2/\n",
        e2e_env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["200", "401"]
