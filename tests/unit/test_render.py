"""The renderers: exact stdout text, checked against AWS CLI v1's own formatters."""

from __future__ import annotations

import argparse
import copy
import io
import json
from datetime import datetime, timezone
from typing import Any

import jmespath
import pytest
from awscli.formatter import JSONFormatter, TextFormatter
from hypothesis import given, settings
from hypothesis import strategies as st

from ecrlogin import render
from ecrlogin.errors import ParameterError
from ecrlogin.token import AuthToken

EXPIRY = datetime(2030, 1, 1, 12, 30, tzinfo=timezone.utc)


def token(account: str, password: str, region: str = "eu-west-1") -> AuthToken:
    return AuthToken(
        username="AWS",
        password=password,
        proxy_endpoint=f"https://{account}.dkr.ecr.{region}.amazonaws.com",
        expires_at=EXPIRY,
        token="unused",
    )


TWO = [token("111111111111", "pw-one"), token("222222222222", "pw:two")]


def test_password_is_the_first_password_and_a_newline() -> None:
    assert render.password(TWO) == "pw-one\n"


def test_get_login_text_includes_email_by_default_shape() -> None:
    assert render.get_login_text(TWO, include_email=True) == (
        "docker login -u AWS -p pw-one -e none https://111111111111.dkr.ecr.eu-west-1.amazonaws.com\n"
        "docker login -u AWS -p pw:two -e none https://222222222222.dkr.ecr.eu-west-1.amazonaws.com\n"
    )


def test_get_login_text_without_email() -> None:
    assert render.get_login_text(TWO[:1], include_email=False) == (
        "docker login -u AWS -p pw-one https://111111111111.dkr.ecr.eu-west-1.amazonaws.com\n"
    )


@pytest.mark.parametrize("include_email", [True, False])
def test_get_login_json_is_get_ecr_login_command_objects(include_email: bool) -> None:
    text = render.get_login_json(TWO, include_email=include_email)
    assert text.endswith("]\n")
    email = " -e none" if include_email else ""
    assert json.loads(text) == [
        {
            "Username": "AWS",
            "Password": "pw-one",
            "ProxyEndpoint": "https://111111111111.dkr.ecr.eu-west-1.amazonaws.com",
            "Endpoint": "111111111111.dkr.ecr.eu-west-1.amazonaws.com",
            "ExpiresAt": "2030-01-01T12:30:00+00:00",
            "Command": "docker login -u AWS -p pw-one"
            + email
            + " https://111111111111.dkr.ecr.eu-west-1.amazonaws.com",
        },
        {
            "Username": "AWS",
            "Password": "pw:two",
            "ProxyEndpoint": "https://222222222222.dkr.ecr.eu-west-1.amazonaws.com",
            "Endpoint": "222222222222.dkr.ecr.eu-west-1.amazonaws.com",
            "ExpiresAt": "2030-01-01T12:30:00+00:00",
            "Command": "docker login -u AWS -p pw:two"
            + email
            + " https://222222222222.dkr.ecr.eu-west-1.amazonaws.com",
        },
    ]
    assert list(json.loads(text)[0]) == [
        "Username",
        "Password",
        "ProxyEndpoint",
        "Endpoint",
        "ExpiresAt",
        "Command",
    ]


def test_get_login_json_expiry_is_utc_whatever_the_token_zone() -> None:
    from datetime import timedelta

    local = datetime(2030, 1, 1, 14, 30, tzinfo=timezone(timedelta(hours=2)))
    item = AuthToken("AWS", "p", "https://public.ecr.aws", local, "t")
    [obj] = json.loads(render.get_login_json([item], include_email=False))
    assert obj["ExpiresAt"] == "2030-01-01T12:30:00+00:00"
    assert obj["Endpoint"] == "public.ecr.aws"


@pytest.mark.parametrize(
    ("endpoint", "host"),
    [
        ("1235.ecr.us-east-1.io", "1235.ecr.us-east-1.io"),
        ("http://localhost:4566", "localhost:4566"),
        ("https://--password=X", None),
    ],
)
def test_get_login_prints_any_endpoint_as_sent_and_its_host_where_it_has_one(
    endpoint: str, host: str | None
) -> None:
    # As AWS CLI v1 prints it, with or without a scheme; Endpoint is only ever printed.
    item = AuthToken("AWS", "p", endpoint, EXPIRY, "t")
    assert (
        render.get_login_text([item], include_email=False)
        == f"docker login -u AWS -p p {endpoint}\n"
    )
    [obj] = json.loads(render.get_login_json([item], include_email=False))
    assert (obj["ProxyEndpoint"], obj["Endpoint"]) == (endpoint, host)


# --- get-authorization-token: the AWS CLI's json and text formats ---------------------

RESPONSE = {
    "authorizationData": [
        {
            "authorizationToken": "QVdTOnB3LW9uZQ==",
            "expiresAt": 1893501000,
            "proxyEndpoint": "https://111111111111.dkr.ecr.eu-west-1.amazonaws.com",
        },
        {
            "authorizationToken": "QVdTOnB3OnR3bw==",
            "expiresAt": 1893501000,
            "proxyEndpoint": "https://222222222222.dkr.ecr.eu-west-1.amazonaws.com",
        },
    ]
}
QUERIES = [
    None,
    "authorizationData[].authorizationToken",
    "authorizationData[0].authorizationToken",
    "authorizationData[0]",
    "authorizationData[].[proxyEndpoint, expiresAt]",
    "authorizationData[?expiresAt > `0`].{e: proxyEndpoint, t: expiresAt}",
    "length(authorizationData)",
    "nothing.here",
    "authorizationData[?false]",
    "`{}`",
    '`[[1, [2, 3]], "s", [{"k": 3}]]`',
]


def aws_cli_prints(data: Any, output: str, query: str | None) -> str:
    """What AWS CLI v1's own formatter writes for this response."""
    args = argparse.Namespace(query=jmespath.compile(query) if query else None)
    formatter = JSONFormatter(args) if output == "json" else TextFormatter(args)
    stream = io.StringIO()
    formatter("get-authorization-token", copy.deepcopy(data), stream)
    return stream.getvalue()


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("output", ["json", "text"])
def test_api_response_matches_the_aws_cli(output: str, query: str | None) -> None:
    expected = aws_cli_prints(RESPONSE, output, query)
    assert render.api_response(RESPONSE, output=output, query=query) == expected


def test_the_documented_recipe_prints_tokens_one_per_tab() -> None:
    # `--output text --query 'authorizationData[].authorizationToken'`: one line, tab-separated.
    text = render.api_response(
        RESPONSE, output="text", query="authorizationData[].authorizationToken"
    )
    assert text == "QVdTOnB3LW9uZQ==\tQVdTOnB3OnR3bw==\n"


def test_text_of_a_response_with_no_entries_is_empty() -> None:
    assert render.api_response({"authorizationData": []}, output="text", query=None) == ""
    assert render.api_response({}, output="json", query=None) == ""
    assert render.api_response([], output="json", query=None) == "[]\n"


def test_json_renders_datetimes_as_iso_like_the_aws_cli() -> None:
    data = {"authorizationData": [{"expiresAt": EXPIRY}]}
    assert render.api_response(data, output="json", query=None) == aws_cli_prints(
        data, "json", None
    )


def test_bad_query_is_a_parameter_error_naming_the_expression() -> None:
    with pytest.raises(ParameterError) as caught:
        render.api_response(RESPONSE, output="json", query="authorizationData[")
    assert caught.value.exit_code == 252
    assert "--query authorizationData[" in caught.value.message
    assert "\n" not in caught.value.message


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
)


def homogeneous(items: list[Any]) -> bool:
    """Lists in API responses hold all objects or no objects (the AWS CLI relies on it)."""
    dicts = [isinstance(item, dict) for item in items]
    return all(dicts) or not any(dicts)


json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4).filter(homogeneous),
        st.dictionaries(st.text(max_size=6), inner, max_size=4),
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(data=st.dictionaries(st.text(max_size=6), json_values, max_size=4))
def test_any_response_renders_like_the_aws_cli(data: dict[str, Any]) -> None:
    for output in ("json", "text"):
        assert render.api_response(data, output=output, query=None) == aws_cli_prints(
            data, output, None
        )
