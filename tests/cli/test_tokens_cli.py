"""The token commands as a user runs them: stdout, stderr and exit codes.

Most run the console script against the suite's moto server. ECR Public, a
future expiry and a password with ':' come from tests/support/faultserver.py, a
loopback endpoint of our own, because moto has none of them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ecrlogin.cli import expand_multi_value
from tests.support import faultserver as fs
from tests.support.env import ACCOUNT, MOTO_PASSWORD, SECRET_ACCESS_KEY, basic_token
from tests.support.faultserver import PUBLIC_TARGET, FaultServer, Scenario
from tests.support.tools import ecrlogin, run

HOST = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com"
MOTO_TOKEN = basic_token("AWS", MOTO_PASSWORD)
STUB_PASSWORD = "stub:pass:word-0123456789"
PASSWORD_WARNING = (
    "ecrlogin: warning: The printed command carries the password, which other users can see "
    "in process lists and shell history. Use instead: "
)
EMAIL_WARNING = (
    "ecrlogin: warning: Docker 17.06 and later reject `-e none` (unknown shorthand flag: 'e'); "
    "pass --no-include-email."
)


@pytest.fixture
def stub(fault_server: FaultServer) -> Scenario:
    """A password with ':' and an expiry in 2100 (moto has neither), and ECR Public."""
    return fault_server.scenario(fs.token(password=STUB_PASSWORD))


def stderr_lines(result: subprocess.CompletedProcess[bytes]) -> list[str]:
    return result.stderr.decode().splitlines()


# --- get-login's warnings --------------------------------------------------------------


def test_get_login_prints_the_command_and_warns_on_stderr(aws_env: dict[str, str]) -> None:
    result = ecrlogin("get-login", env=aws_env)
    assert result.returncode == 0
    assert result.stdout == (
        f"docker login -u AWS -p {MOTO_PASSWORD} -e none https://{HOST}\n".encode()
    )
    assert stderr_lines(result) == [
        PASSWORD_WARNING
        + f"ecrlogin get-login-password | docker login --username AWS --password-stdin {HOST}",
        EMAIL_WARNING,
    ]


def test_get_login_without_email_warns_only_about_the_password(aws_env: dict[str, str]) -> None:
    result = ecrlogin(
        "get-login",
        "--no-include-email",
        "--region",
        "eu-west-1",
        "--registry-ids",
        "111111111111",
        "222222222222",
        env=aws_env,
    )
    assert result.returncode == 0
    assert result.stdout == (
        b"docker login -u AWS -p 111111111111-auth-token "
        b"https://111111111111.dkr.ecr.eu-west-1.amazonaws.com\n"
        b"docker login -u AWS -p 222222222222-auth-token "
        b"https://222222222222.dkr.ecr.eu-west-1.amazonaws.com\n"
    )
    assert stderr_lines(result) == [
        PASSWORD_WARNING + "ecrlogin get-login-password --region eu-west-1 --registry-id "
        "111111111111 | docker login --username AWS --password-stdin "
        "111111111111.dkr.ecr.eu-west-1.amazonaws.com "
        "(and the same with --registry-id for each other registry)"
    ]


def test_get_login_warning_never_shows_the_password(aws_env: dict[str, str]) -> None:
    result = ecrlogin("get-login", "--include-email", env=aws_env)
    assert result.returncode == 0
    assert MOTO_PASSWORD.encode() not in result.stderr
    assert len(stderr_lines(result)) == 2


def test_get_login_json_is_for_programs_and_stays_quiet(
    aws_env: dict[str, str], stub: Scenario
) -> None:
    result = ecrlogin("get-login-command", "--endpoint-url", stub.url, env=aws_env)
    assert result.returncode == 0, result.stderr
    assert result.stderr == b""
    assert json.loads(result.stdout) == [
        {
            "Username": "AWS",
            "Password": STUB_PASSWORD,
            "ProxyEndpoint": f"https://{HOST}",
            "Endpoint": HOST,
            "ExpiresAt": "2100-01-01T00:00:00+00:00",
            "Command": f"docker login -u AWS -p {STUB_PASSWORD} https://{HOST}",
        }
    ]


def test_password_with_colons_survives(aws_env: dict[str, str], stub: Scenario) -> None:
    # The AWS CLI's split(':') raises here; ecrlogin keeps everything after the first ':'.
    result = ecrlogin("get-login-password", "--endpoint-url", stub.url, env=aws_env)
    assert (result.returncode, result.stdout) == (0, f"{STUB_PASSWORD}\n".encode())
    result = ecrlogin("get-login", "--no-include-email", "--endpoint-url", stub.url, env=aws_env)
    assert result.stdout == f"docker login -u AWS -p {STUB_PASSWORD} https://{HOST}\n".encode()


# --- --debug ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["get-login-password", "--debug"],
        ["--debug", "get-login"],
        ["ecr", "get-authorization-token", "--debug"],
        ["get-authorization-token", "--output", "text", "--debug"],
    ],
    ids=["password", "login", "token-json", "token-text"],
)
def test_debug_logs_botocore_on_stderr_without_secrets(
    aws_env: dict[str, str], args: list[str]
) -> None:
    plain = ecrlogin(*[a for a in args if a != "--debug"], env=aws_env)
    debug = ecrlogin(*args, env=aws_env)
    assert debug.returncode == plain.returncode == 0
    assert debug.stdout == plain.stdout
    log = debug.stderr.decode()
    assert "botocore.endpoint - DEBUG - Sending http request" in log
    assert "botocore.parsers - DEBUG - Response body" in log
    assert "<redacted>" in log
    for secret in (MOTO_PASSWORD, MOTO_TOKEN, SECRET_ACCESS_KEY):
        assert secret not in log


# --- registry-id validation ------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["get-login", "--registry-ids", "111111111111", "12345"],
        ["get-authorization-token", "--registry-ids", "abcdefghijkl"],
        ["get-login-password", "--registry-id", "1234567890123"],
        ["ecr", "get-login", "--registry-ids", "12345"],
    ],
)
def test_bad_registry_id_exits_252_with_one_line(aws_env: dict[str, str], args: list[str]) -> None:
    result = ecrlogin(*args, env=aws_env)
    assert result.returncode == 252
    assert result.stdout == b""
    [line] = stderr_lines(result)
    assert line.startswith("ecrlogin: error: Invalid registry ID '")
    assert "it must be a 12-digit AWS account ID" in line


# --- ECR Public ------------------------------------------------------------------------


def test_ecr_public_password_comes_from_us_east_1_by_default(
    aws_env: dict[str, str], stub: Scenario
) -> None:
    env = {**aws_env, "AWS_DEFAULT_REGION": "eu-west-1", "AWS_REGION": "eu-west-1"}
    result = ecrlogin("ecr-public", "get-login-password", "--endpoint-url", stub.url, env=env)
    assert (result.returncode, result.stdout) == (0, f"{STUB_PASSWORD}\n".encode())
    assert [(r.target, r.service, r.region, r.json()) for r in stub.requests] == [
        (PUBLIC_TARGET, "ecr-public", "us-east-1", {})
    ]


def test_ecr_public_honours_region(aws_env: dict[str, str], stub: Scenario) -> None:
    result = ecrlogin(
        "--region",
        "us-west-2",
        "ecr-public",
        "get-login-password",
        "--endpoint-url",
        stub.url,
        env=aws_env,
    )
    assert result.returncode == 0, result.stderr
    assert [r.region for r in stub.requests] == ["us-west-2"]


@pytest.mark.compat
@pytest.mark.parametrize(
    "args",
    [
        ["get-authorization-token"],
        ["get-authorization-token", "--output", "text"],
        [
            "get-authorization-token",
            "--output",
            "text",
            "--query",
            "authorizationData.authorizationToken",
        ],
    ],
)
def test_ecr_public_api_output_matches_the_aws_cli(
    aws_env: dict[str, str], stub: Scenario, args: list[str]
) -> None:
    common = ["--endpoint-url", stub.url, "--region", "us-east-1"]
    # AWS CLI v1 prints timestamps as sent; ecrlogin, as v2, does with `wire`.
    Path(aws_env["AWS_CONFIG_FILE"]).write_text("[default]\ncli_timestamp_format = wire\n")
    aws = run("aws", "ecr-public", *args, *common, env=aws_env)
    ours = ecrlogin("ecr-public", *args, *common, env=aws_env)
    assert aws.returncode == ours.returncode == 0, ours.stderr
    assert ours.stdout == aws.stdout


@pytest.mark.compat
def test_ecr_public_password_matches_the_aws_cli(
    aws_env: dict[str, str], fault_server: FaultServer
) -> None:
    # A password without ':' so that the AWS CLI's split(':') copes.
    plain = fault_server.scenario(fs.token(password="public-password-0123"))
    common = ["get-login-password", "--endpoint-url", plain.url, "--region", "us-east-1"]
    aws = run("aws", "ecr-public", *common, env=aws_env)
    ours = ecrlogin("ecr-public", *common, env=aws_env)
    assert aws.returncode == ours.returncode == 0
    assert ours.stdout == aws.stdout == b"public-password-0123\n"


# --- --registry-ids A B ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["get-login", "--registry-ids", "1", "2", "3"],
            ["get-login", "--registry-ids", "1", "--registry-ids", "2", "--registry-ids", "3"],
        ),
        (
            ["get-login", "--registry-ids", "1", "2", "--no-include-email"],
            ["get-login", "--registry-ids", "1", "--registry-ids", "2", "--no-include-email"],
        ),
        (
            ["get-login", "--registry-ids", "1", "--registry-ids", "2"],
            ["get-login", "--registry-ids", "1", "--registry-ids", "2"],
        ),
        (
            ["--region", "eu-west-1", "get-login", "--registry-ids", "1"],
            ["--region", "eu-west-1", "get-login", "--registry-ids", "1"],
        ),
        (
            ["get-login", "--registry-ids", "1", "--", "2"],
            ["get-login", "--registry-ids", "1", "--", "2"],
        ),
        (["get-login", "--registry-ids=1", "2"], ["get-login", "--registry-ids=1", "2"]),
        (["get-login", "--registry-ids"], ["get-login", "--registry-ids"]),
    ],
)
def test_expand_multi_value(argv: list[str], expected: list[str]) -> None:
    assert expand_multi_value(argv) == expected


def test_registry_ids_without_a_value_is_a_usage_error(aws_env: dict[str, str]) -> None:
    result = ecrlogin("get-login", "--registry-ids", env=aws_env)
    assert result.returncode == 252
    assert result.stdout == b""
    assert b"--registry-ids" in result.stderr


def test_python_dash_m_is_the_same_command(aws_env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ecrlogin", "ecr", "get-login-password"],
        env=aws_env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert (result.returncode, result.stdout) == (0, f"{MOTO_PASSWORD}\n".encode())
