"""Drop-in for AWS CLI v2 too: `/usr/bin/aws` (Debian's awscli, v2) and ecrlogin agree.

Both run as real programs against the suite's moto server (ECR Public against
the fault server: moto has none), and print the same bytes with the same exit
status in every output format, with and without --query, with v2's default
`cli_timestamp_format` (iso8601, in the local time zone) and with `wire`.
v2 has no `get-login`.
"""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.support import faultserver as fs
from tests.support.env import ACCOUNT
from tests.support.faultserver import FaultServer
from tests.support.tools import ecrlogin

pytestmark = pytest.mark.compat

RECIPE = ["--output", "text", "--query", "authorizationData[].authorizationToken"]
OUTPUTS = ["json", "text", "table", "yaml", "yaml-stream"]
# No query, a string, a list of objects, null (tests/unit/test_awsformat.py runs v2's
# own formatter on many more).
QUERIES = [None, "authorizationData[0].proxyEndpoint", "authorizationData", "nothing"]
# A zone away from UTC, so iso8601's local time shows its offset (+05:30).
ZONE = "Asia/Kolkata"


def aws_v2(v2: Path, args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([str(v2), *args], env=env, capture_output=True, timeout=120, check=False)


def assert_same(
    v2: Path, args: list[str], env: dict[str, str], *, status: int = 0
) -> subprocess.CompletedProcess[bytes]:
    """`aws ARGS` and `ecrlogin ARGS` exit with `status` and print the same stdout; on
    a failure, ecrlogin says why in one stderr line. Returns ecrlogin's result."""
    # Side by side: each takes about a second of start-up.
    with ThreadPoolExecutor(max_workers=1) as pool:
        running = pool.submit(ecrlogin, *args, env=env)
        theirs = aws_v2(v2, args, env)
        ours = running.result()
    assert theirs.returncode == status, theirs.stderr.decode()
    assert (ours.returncode, ours.stdout) == (status, theirs.stdout), ours.stderr.decode()
    if status:
        assert len(ours.stderr.decode().splitlines()) == 1, ours.stderr.decode()
    return ours


def write_config(env: dict[str, str], text: str) -> None:
    Path(env["AWS_CONFIG_FILE"]).write_text(f"[default]\n{text}")


@pytest.mark.parametrize(
    "args",
    [
        ["get-login-password"],
        ["get-authorization-token", *RECIPE],
        [
            "get-authorization-token",
            *("--registry-ids", "111111111111", "222222222222", "--output", "table"),
        ],
    ],
    ids=["password", "recipe", "two-registries-table"],
)
def test_the_same_bytes_as_aws_cli_v2(
    aws_env: dict[str, str], moto_url: str, v2: Path, args: list[str]
) -> None:
    # AWS CLI 2.9 predates AWS_ENDPOINT_URL, so both are given the endpoint as an option.
    result = assert_same(v2, ["ecr", *args, "--endpoint-url", moto_url], aws_env)
    assert result.stdout
    if args[0] == "get-login-password":
        assert result.stdout == f"{ACCOUNT}-auth-token\n".encode()


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("timestamps", ["iso8601", "wire"])
@pytest.mark.parametrize("output", OUTPUTS)
def test_every_output_format_as_aws_cli_v2(
    aws_env: dict[str, str],
    moto_url: str,
    v2: Path,
    output: str,
    timestamps: str,
    query: str | None,
) -> None:
    # iso8601 is v2's default: the config only says so for wire.
    write_config(aws_env, "cli_timestamp_format = wire\n" if timestamps == "wire" else "")
    env = {**aws_env, "TZ": ZONE}
    args = ["ecr", "get-authorization-token", "--endpoint-url", moto_url, "--output", output]
    result = assert_same(v2, [*args, *(["--query", query] if query else [])], env)
    if query is None:
        expiry = b"1420070400" if timestamps == "wire" else b"2015-01-01T05:30:00+05:30"
        assert expiry in result.stdout


@pytest.mark.parametrize("output", OUTPUTS)
def test_ecr_public_as_aws_cli_v2(
    aws_env: dict[str, str], fault_server: FaultServer, v2: Path, output: str
) -> None:
    # A stub endpoint of the suite's own: moto does not serve ECR Public. Its
    # expiry is in 2100, shown in local time (v2's default iso8601).
    stub = fault_server.scenario(fs.token())
    args = ["ecr-public", "get-authorization-token", "--endpoint-url", stub.url]
    result = assert_same(v2, [*args, "--output", output], {**aws_env, "TZ": ZONE})
    assert b"2100-01-01T05:30:00+05:30" in result.stdout


@pytest.mark.parametrize("output", ["table", "yaml"])
def test_the_profiles_output_is_used_as_by_aws_cli_v2(
    aws_env: dict[str, str], moto_url: str, v2: Path, output: str
) -> None:
    write_config(aws_env, f"output = {output}\n")
    args = ["ecr", "get-authorization-token", "--endpoint-url", moto_url]
    result = assert_same(v2, args, aws_env)
    assert result.stdout.startswith(b"---" if output == "table" else b"authorizationData:\n")


def test_aws_default_output_beats_the_profile_as_in_aws_cli_v2(
    aws_env: dict[str, str], moto_url: str, v2: Path
) -> None:
    write_config(aws_env, "output = table\n")
    env = {**aws_env, "AWS_DEFAULT_OUTPUT": "yaml-stream"}
    args = ["ecr", "get-authorization-token", "--endpoint-url", moto_url]
    assert assert_same(v2, args, env).stdout.startswith(b"- authorizationData:\n")


def test_an_unknown_output_option_exits_252_as_in_aws_cli_v2(
    aws_env: dict[str, str], moto_url: str, v2: Path
) -> None:
    args = ["ecr", "get-authorization-token", "--endpoint-url", moto_url, "--output", "xml"]
    result = assert_same(v2, args, aws_env, status=252)
    assert b"--output" in result.stderr
    assert b"yaml-stream" in result.stderr


@pytest.mark.parametrize("where", ["environment", "profile"])
def test_an_unknown_configured_output_exits_255_as_in_aws_cli_v2(
    aws_env: dict[str, str], moto_url: str, v2: Path, where: str
) -> None:
    env = aws_env
    if where == "environment":
        env = {**aws_env, "AWS_DEFAULT_OUTPUT": "xml"}
    else:
        write_config(aws_env, "output = xml\n")
    args = ["ecr", "get-authorization-token", "--endpoint-url", moto_url]
    result = assert_same(v2, args, env, status=255)
    assert b"'xml'" in result.stderr
    # get-login-password prints no response, so neither reads the format.
    assert_same(v2, ["ecr", "get-login-password", "--endpoint-url", moto_url], env)


def test_an_unknown_timestamp_format_exits_253_as_in_aws_cli_v2(
    aws_env: dict[str, str], moto_url: str, v2: Path
) -> None:
    # get-login-password too: v2 checks the setting whatever the command.
    write_config(aws_env, "cli_timestamp_format = epoch\n")
    args = ["ecr", "get-login-password", "--endpoint-url", moto_url]
    result = assert_same(v2, args, aws_env, status=253)
    assert b"cli_timestamp_format" in result.stderr


def test_a_query_the_table_cannot_lay_out_exits_255_as_in_aws_cli_v2(
    aws_env: dict[str, str], moto_url: str, v2: Path
) -> None:
    query = "[authorizationData[0].proxyEndpoint, authorizationData[0]]"
    args = ["ecr", "get-authorization-token", "--endpoint-url", moto_url]
    assert_same(v2, [*args, "--output", "table", "--query", query], aws_env, status=255)
