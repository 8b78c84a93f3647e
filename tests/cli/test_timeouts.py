"""A hung endpoint holds no one for long: the helper's short default timeouts, and the
ECRLOGIN_CLI_*_TIMEOUT variables shared by the helper and every CLI command.

The endpoint is tests/support/faultserver.py, a stub: moto always answers, and a hung
server is exactly what no real part can be asked to be.
"""

from __future__ import annotations

import pytest

from ecrlogin import credentials
from tests.support import faultserver as fs
from tests.support.env import ACCOUNT
from tests.support.faultserver import FAULT_PASSWORD, FaultServer
from tests.support.helper import helper
from tests.support.tools import ecrlogin

HOST = f"{ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com"


def test_the_helper_defaults_bound_a_hung_endpoint() -> None:
    # Docker waits on the helper before every pull: well under botocore's 60 s per attempt.
    assert credentials.TIMEOUTS == {
        "ECRLOGIN_CLI_CONNECT_TIMEOUT": 5.0,
        "ECRLOGIN_CLI_READ_TIMEOUT": 15.0,
    }


def test_helper_get_times_out_with_the_protocol_failure(
    fault_server: FaultServer, fault_env: dict[str, str]
) -> None:
    scenario = fault_server.scenario(fs.hang)
    env = {
        **fault_env,
        "AWS_ENDPOINT_URL": scenario.url,
        "AWS_MAX_ATTEMPTS": "1",
        "ECRLOGIN_CLI_READ_TIMEOUT": "1",
    }
    result = helper("get", HOST, env=env, timeout=30)
    err = result.stderr.decode()
    assert result.returncode == 1, err
    assert err.startswith("ecrlogin: error: Timed out waiting for "), err
    assert "ECRLOGIN_CLI_READ_TIMEOUT" in err
    assert err.count("\n") == 1
    assert result.stdout.decode() == err.removeprefix("ecrlogin: error: ")
    assert scenario.calls == 1


@pytest.mark.parametrize("value", ["soon", "-1", "nan", "inf", "1e300", "1e10"])
def test_helper_rejects_a_timeout_that_is_not_seconds(
    fault_server: FaultServer, fault_env: dict[str, str], value: str
) -> None:
    scenario = fault_server.scenario(fs.token())
    env = {**fault_env, "AWS_ENDPOINT_URL": scenario.url, "ECRLOGIN_CLI_CONNECT_TIMEOUT": value}
    result = helper("get", HOST, env=env)
    # The CLI's own line for the same variable (one reading of a timeout), as a protocol reply.
    expected = (
        f"ECRLOGIN_CLI_CONNECT_TIMEOUT is {value}, not a number of seconds. "
        "Give a number from 0 (no limit) to 1e+09.\n"
    )
    assert (result.returncode, result.stdout.decode()) == (1, expected)
    assert result.stderr.decode() == "ecrlogin: error: " + expected
    assert scenario.calls == 0


def test_the_cli_reads_the_same_variable(
    fault_server: FaultServer, fault_env: dict[str, str]
) -> None:
    scenario = fault_server.scenario(fs.hang)
    env = {**fault_env, "AWS_MAX_ATTEMPTS": "1", "ECRLOGIN_CLI_READ_TIMEOUT": "1"}
    result = ecrlogin(
        "get-login-password",
        "--region",
        "us-west-2",
        "--endpoint-url",
        scenario.url,
        env=env,
        timeout=30,
    )
    assert (result.returncode, result.stdout) == (255, b"")
    assert result.stderr.decode().startswith("ecrlogin: error: Timed out waiting for ")
    assert scenario.calls == 1


@pytest.mark.parametrize("value", ["1e300", "1e10", "inf", "nan", "-1"])
@pytest.mark.parametrize("option", ["--cli-read-timeout", "--cli-connect-timeout"])
def test_the_cli_refuses_a_timeout_the_socket_layer_cannot_hold(
    fault_server: FaultServer, fault_env: dict[str, str], option: str, value: str
) -> None:
    # 1e10 s overflowed Python's clock deep inside urllib3 ("Unexpected ..."); now it is
    # one line naming the option and its range, before any request is made, with AWS
    # CLI v2's code for a timeout it cannot use (255).
    scenario = fault_server.scenario(fs.token())
    result = ecrlogin(
        "get-login-password", "--endpoint-url", scenario.url, f"{option}={value}", env=fault_env
    )
    err = result.stderr.decode()
    assert (result.returncode, result.stdout) == (255, b""), err
    assert err.count("\n") == 1
    assert err.startswith(f"ecrlogin: error: {option} is {value}, not a number of seconds"), err
    assert "Unexpected" not in err
    assert scenario.calls == 0


def test_the_largest_timeout_still_works(
    fault_server: FaultServer, fault_env: dict[str, str]
) -> None:
    scenario = fault_server.scenario(fs.token())
    result = ecrlogin(
        "get-login-password",
        "--endpoint-url",
        scenario.url,
        "--cli-read-timeout=1e9",
        "--cli-connect-timeout=1e9",
        env=fault_env,
    )
    assert (result.returncode, result.stderr) == (0, b"")
    assert result.stdout == FAULT_PASSWORD.encode() + b"\n"
