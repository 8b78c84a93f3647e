"""The edge both protocol programs share: what ECRLOGIN_DEBUG means, for both of them.

`ECRLOGIN_DEBUG=false` (or no, off, 0, empty) must leave the debug log off: a CI job
that writes `ECRLOGIN_DEBUG: false` to be explicit must not get botocore's log in
every pull. Tokens come from moto.
"""

from __future__ import annotations

import pytest

from ecrlogin import protocol
from tests.support.env import ACCOUNT, MOTO_PASSWORD
from tests.support.helper import credentials_json, helper
from tests.support.provider import V1, provider, request, response_bytes

HOST = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com"
OFF = ["", "0", "false", "FALSE", "no", "off", " Off "]
ON = ["1", "true", "yes", "on", "debug"]


@pytest.mark.parametrize("value", OFF)
def test_these_debug_values_leave_the_log_off(value: str) -> None:
    assert not protocol.debug_asked({"ECRLOGIN_DEBUG": value})


@pytest.mark.parametrize("value", ON)
def test_any_other_debug_value_turns_it_on(value: str) -> None:
    assert protocol.debug_asked({"ECRLOGIN_DEBUG": value})


def test_unset_debug_is_off() -> None:
    assert not protocol.debug_asked({})


@pytest.mark.parametrize("value", ["false", "off"])
def test_the_helper_with_debug_false_writes_no_log(aws_env: dict[str, str], value: str) -> None:
    result = helper("get", HOST, env={**aws_env, "ECRLOGIN_DEBUG": value})
    assert (result.returncode, result.stdout) == (0, credentials_json(HOST, MOTO_PASSWORD))
    assert result.stderr == b""


def test_the_helper_with_debug_on_writes_the_log(aws_env: dict[str, str]) -> None:
    result = helper("get", HOST, env={**aws_env, "ECRLOGIN_DEBUG": "true"})
    assert (result.returncode, result.stdout) == (0, credentials_json(HOST, MOTO_PASSWORD))
    assert "GetAuthorizationToken" in result.stderr.decode()  # the check can see a log


@pytest.mark.parametrize("value", ["false", "no"])
def test_the_provider_with_debug_false_writes_no_log(aws_env: dict[str, str], value: str) -> None:
    result = provider(request(f"{HOST}/app:1"), env={**aws_env, "ECRLOGIN_DEBUG": value})
    assert (result.returncode, result.stdout) == (0, response_bytes(V1, HOST, MOTO_PASSWORD))
    assert result.stderr == b""
