"""Drop-in for AWS CLI v2 too: `/usr/bin/aws` (Debian's awscli, v2) and ecrlogin agree.

v2 has no `get-login`, and its default `cli_timestamp_format` is iso8601 where v1's
(and so ecrlogin's) is wire; with iso8601 set in the profile both print the same
bytes. Both run as real programs against the suite's moto server.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support.env import ACCOUNT
from tests.support.tools import aws_v2, ecrlogin

pytestmark = pytest.mark.compat

RECIPE = ["--output", "text", "--query", "authorizationData[].authorizationToken"]


@pytest.fixture
def v2() -> Path:
    """The AWS CLI v2 program; missing, it fails the run in CI and skips locally."""
    return aws_v2()


@pytest.mark.parametrize(
    "args",
    [
        ["get-login-password"],
        ["get-authorization-token", *RECIPE],
        ["get-authorization-token", "--output", "json"],
        ["get-authorization-token", "--output", "text"],
        ["get-authorization-token", "--registry-ids", "111111111111", "222222222222"],
    ],
    ids=["password", "recipe", "json", "text", "two-registries"],
)
def test_the_same_bytes_as_aws_cli_v2(
    aws_env: dict[str, str], moto_url: str, v2: Path, args: list[str]
) -> None:
    Path(aws_env["AWS_CONFIG_FILE"]).write_text("[default]\ncli_timestamp_format = iso8601\n")
    # AWS CLI 2.9 predates AWS_ENDPOINT_URL, so both are given the endpoint as an option.
    args = [*args, "--endpoint-url", moto_url]
    theirs = subprocess.run(
        [str(v2), "ecr", *args], env=aws_env, capture_output=True, timeout=120, check=False
    )
    assert theirs.returncode == 0, theirs.stderr.decode()
    assert theirs.stdout
    result = ecrlogin(*args, env=aws_env)
    assert (result.returncode, result.stdout) == (0, theirs.stdout), result.stderr.decode()
    if args[0] == "get-login-password":
        assert result.stdout == f"{ACCOUNT}-auth-token\n".encode()
