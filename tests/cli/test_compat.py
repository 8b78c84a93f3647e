"""Drop-in: `aws ecr ...` (AWS CLI v1) and `ecrlogin ...` print the same bytes.

Both run as real console scripts against the same moto server. Each AWS CLI
answer is computed once per distinct command line and shared between the
ecrlogin spellings that must match it.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.env import ACCOUNT
from tests.support.tools import ecrlogin, run

pytestmark = pytest.mark.compat

ONE = "111111111111"
TWO = "222222222222"
RECIPE = ["--output", "text", "--query", "authorizationData[].authorizationToken"]

_aws_answers: dict[tuple[str, ...], bytes] = {}


@pytest.fixture(autouse=True)
def v1_timestamps(aws_env: dict[str, str]) -> None:
    """Timestamps as sent: AWS CLI v1's default, which ecrlogin (as v2) needs spelled out."""
    with open(aws_env["AWS_CONFIG_FILE"], "w") as config:
        config.write("[default]\ncli_timestamp_format = wire\n")


def aws_stdout(args: list[str], env: Mapping[str, str], variant: str = "") -> bytes:
    """stdout of `aws ARGS`, which must succeed (cached per command line and env variant)."""
    key = (variant, *args)
    if key not in _aws_answers:
        result = run("aws", *args, env=env)
        assert result.returncode == 0, result.stderr.decode()
        assert result.stdout, "the AWS CLI printed nothing"
        _aws_answers[key] = result.stdout
    return _aws_answers[key]


def ours(args: list[str], env: Mapping[str, str]) -> subprocess.CompletedProcess[bytes]:
    result = ecrlogin(*args, env=env)
    assert result.returncode == 0, result.stderr.decode()
    return result


def assert_same(
    aws_args: list[str], our_args: list[str], env: Mapping[str, str], variant: str = ""
) -> bytes:
    """Both exit 0 and print the same bytes; returns them."""
    # The two processes run side by side: the AWS CLI is the slow one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        ours_running = pool.submit(ours, our_args, env)
        expected = aws_stdout(aws_args, env, variant)
        assert ours_running.result().stdout == expected
    return expected


def test_get_login_password(aws_env: dict[str, str]) -> None:
    out = assert_same(["ecr", "get-login-password"], ["get-login-password"], aws_env)
    assert out == f"{ACCOUNT}-auth-token\n".encode()


@pytest.mark.parametrize("email", [[], ["--include-email"], ["--no-include-email"]])
@pytest.mark.parametrize(
    "ids", [[], ["--registry-ids", ONE], ["--registry-ids", ONE, TWO]], ids=["none", "one", "two"]
)
def test_get_login(aws_env: dict[str, str], email: list[str], ids: list[str]) -> None:
    args = ["get-login", *ids, *email]
    out = assert_same(["ecr", *args], args, aws_env)
    accounts = ids[1:] or [ACCOUNT]
    # registryIds is sent only when given: without it moto answers for the caller's account.
    assert [line.split()[-1] for line in out.decode().splitlines()] == [
        f"https://{account}.dkr.ecr.us-east-1.amazonaws.com" for account in accounts
    ]
    assert all(
        (b" -e none " in line) == (email != ["--no-include-email"]) for line in out.splitlines()
    )


@pytest.mark.parametrize("email", [[], ["--no-include-email"]])
def test_get_login_repeated_registry_ids_flag_matches_the_one_flag_form(
    aws_env: dict[str, str], email: list[str]
) -> None:
    assert_same(
        ["ecr", "get-login", "--registry-ids", ONE, TWO, *email],
        ["get-login", "--registry-ids", ONE, "--registry-ids", TWO, *email],
        aws_env,
    )


@pytest.mark.parametrize(
    "fmt",
    [[], ["--output", "json"], ["--output", "text"], RECIPE],
    ids=["default", "json", "text", "recipe"],
)
@pytest.mark.parametrize("ids", [[], ["--registry-ids", ONE, TWO]], ids=["none", "two"])
def test_get_authorization_token(aws_env: dict[str, str], fmt: list[str], ids: list[str]) -> None:
    args = ["get-authorization-token", *ids, *fmt]
    assert_same(["ecr", *args], args, aws_env)


def test_the_recipe_prints_the_base64_token(aws_env: dict[str, str]) -> None:
    out = assert_same(
        ["ecr", "get-authorization-token", *RECIPE], ["get-authorization-token", *RECIPE], aws_env
    )
    assert out == b"QVdTOjEyMzQ1Njc4OTAxMi1hdXRoLXRva2Vu\n"  # base64 of AWS:<moto password>


@pytest.mark.parametrize(
    "args",
    [
        ["get-login-password"],
        ["get-login", "--no-include-email", "--registry-ids", ONE, TWO],
        ["get-authorization-token", *RECIPE],
    ],
    ids=["password", "login", "recipe"],
)
def test_ecr_prefix_is_the_same_command(aws_env: dict[str, str], args: list[str]) -> None:
    expected = aws_stdout(["ecr", *args], aws_env)
    assert ours(["ecr", *args], aws_env).stdout == expected
    assert ours(args, aws_env).stdout == expected


@pytest.mark.parametrize(
    "our_args",
    [
        ["--region", "eu-west-1", "get-login", "--no-include-email"],
        ["get-login", "--no-include-email", "--region", "eu-west-1"],
        ["--region=eu-west-1", "get-login", "--no-include-email"],
        ["get-login", "--region=eu-west-1", "--no-include-email"],
        ["--region", "eu-west-1", "ecr", "get-login", "--no-include-email"],
        ["ecr", "get-login", "--no-include-email", "--region=eu-west-1"],
    ],
)
def test_global_options_before_or_after_the_command(
    aws_env: dict[str, str], our_args: list[str]
) -> None:
    out = assert_same(
        ["--region", "eu-west-1", "ecr", "get-login", "--no-include-email"], our_args, aws_env
    )
    assert out.endswith(b" https://123456789012.dkr.ecr.eu-west-1.amazonaws.com\n")


@pytest.mark.parametrize(
    "our_args",
    [
        ["--endpoint-url", "{url}", "get-authorization-token", "--output", "text"],
        ["get-authorization-token", "--endpoint-url={url}", "--output=text"],
    ],
)
def test_endpoint_url_option(aws_env: dict[str, str], moto_url: str, our_args: list[str]) -> None:
    env = {k: v for k, v in aws_env.items() if k != "AWS_ENDPOINT_URL"}
    args = [arg.format(url=moto_url) for arg in our_args]
    assert_same(
        ["ecr", "get-authorization-token", "--endpoint-url", moto_url, "--output", "text"],
        args,
        env,
        variant="no-env-endpoint",
    )


def test_profile_region_and_output_come_from_the_config_file(aws_env: dict[str, str]) -> None:
    with open(aws_env["AWS_CONFIG_FILE"], "w") as config:
        config.write(
            "[profile ci]\nregion = ap-south-1\noutput = text\ncli_timestamp_format = wire\n"
        )
    with open(aws_env["AWS_SHARED_CREDENTIALS_FILE"], "w") as credentials:
        credentials.write(
            "[ci]\n"
            f"aws_access_key_id = {aws_env['AWS_ACCESS_KEY_ID']}\n"
            f"aws_secret_access_key = {aws_env['AWS_SECRET_ACCESS_KEY']}\n"
        )
    env = {
        k: v
        for k, v in aws_env.items()
        if k not in ("AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
    }
    out = assert_same(
        ["ecr", "get-authorization-token", "--profile", "ci"],
        ["get-authorization-token", "--profile", "ci"],
        env,
        variant="profile",
    )
    assert out.startswith(b"AUTHORIZATIONDATA\t")
    out = assert_same(
        ["ecr", "get-login", "--profile", "ci", "--no-include-email"],
        ["--profile=ci", "get-login", "--no-include-email"],
        env,
        variant="profile",
    )
    assert out.endswith(b".dkr.ecr.ap-south-1.amazonaws.com\n")


def test_default_output_from_the_environment(aws_env: dict[str, str]) -> None:
    env = {**aws_env, "AWS_DEFAULT_OUTPUT": "text"}
    out = assert_same(
        ["ecr", "get-authorization-token"], ["get-authorization-token"], env, variant="text"
    )
    assert out.startswith(b"AUTHORIZATIONDATA\t")


def test_cli_timestamp_format_iso8601(aws_env: dict[str, str]) -> None:
    with open(aws_env["AWS_CONFIG_FILE"], "w") as config:
        config.write("[default]\ncli_timestamp_format = iso8601\n")
    out = assert_same(
        ["ecr", "get-authorization-token", "--output", "text"],
        ["get-authorization-token", "--output", "text"],
        aws_env,
        variant="iso8601",
    )
    assert b"\t2015-01-01T00:00:00+00:00\t" in out
