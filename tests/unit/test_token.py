"""AuthToken: decoding one authorizationData entry, called with plain arguments."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecrlogin.core import decode_tokens
from ecrlogin.errors import GENERAL, ResponseError
from ecrlogin.token import PUBLIC_PROXY_ENDPOINT, AuthToken, parse_expiry

ENDPOINT = "https://111111111111.dkr.ecr.eu-west-1.amazonaws.com"
EXPIRY = 1_893_456_000  # 2030-01-01T00:00:00Z
PASSWORD = "eyJwYXlsb2FkIjoiZGF0YSJ9:with:colons"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def entry(token: str | None = None, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "authorizationToken": b64(f"AWS:{PASSWORD}") if token is None else token,
        "expiresAt": EXPIRY,
        "proxyEndpoint": ENDPOINT,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_decodes_user_password_endpoint_and_expiry() -> None:
    token = AuthToken.from_authorization_data(entry())
    assert token.username == "AWS"
    assert token.password == PASSWORD
    assert token.proxy_endpoint == ENDPOINT
    assert token.host == "111111111111.dkr.ecr.eu-west-1.amazonaws.com"
    assert token.expires_at == datetime(2030, 1, 1, tzinfo=timezone.utc)
    assert token.token == b64(f"AWS:{PASSWORD}")


def test_password_keeps_every_colon_after_the_first() -> None:
    # The AWS CLI's split(':') crashes here; partition(':') keeps the password whole.
    token = AuthToken.from_authorization_data(entry(b64("AWS:a:b::c:")))
    assert (token.username, token.password) == ("AWS", "a:b::c:")


@given(
    username=st.text(min_size=1).filter(lambda s: ":" not in s),
    password=st.text(min_size=1),
)
def test_any_user_and_password_round_trip(username: str, password: str) -> None:
    token = AuthToken.from_authorization_data(entry(b64(f"{username}:{password}")))
    assert (token.username, token.password) == (username, password)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (entry("not base64!"), "The authorization token is not valid base64 text"),
        (entry(base64.b64encode(b"\xff\xfe:x").decode()), "not valid base64 text"),
        # Strict base64, as docker's own decoder: no padding beyond the last quad.
        (entry(b64("AWS:pw") + "="), "not valid base64 text"),
        (entry(b64("AWS-no-colon")), "is not of the form USER:PASSWORD"),
        (entry(b64(":password")), "is not of the form USER:PASSWORD"),
        (entry(b64("AWS:")), "is not of the form USER:PASSWORD"),
        (entry(""), "The response holds no authorization token"),
        ({"expiresAt": EXPIRY, "proxyEndpoint": ENDPOINT}, "holds no authorization token"),
        ({"authorizationToken": 42, "proxyEndpoint": ENDPOINT}, "holds no authorization token"),
        (entry(proxyEndpoint=""), "The response holds no proxy endpoint"),
        ({"authorizationToken": b64("AWS:x"), "expiresAt": EXPIRY}, "holds no proxy endpoint"),
        ({"authorizationToken": b64("AWS:x"), "proxyEndpoint": ENDPOINT}, "expiresAt is missing"),
        (entry(expiresAt="soon"), "The token's expiresAt is missing or not a time"),
        (entry(expiresAt=True), "expiresAt is missing or not a time"),
        (entry(expiresAt=10**20), "expiresAt is missing or not a time"),
    ],
)
def test_unusable_entry_is_a_response_error_naming_the_fix(
    data: dict[str, Any], message: str
) -> None:
    with pytest.raises(ResponseError) as caught:
        AuthToken.from_authorization_data(data)
    assert message in caught.value.message
    assert "--endpoint-url" in caught.value.message  # the fix
    assert caught.value.exit_code == GENERAL


@pytest.mark.parametrize(
    "response",
    [
        {"authorizationData": []},
        {},
        {"authorizationData": None},
        {"authorizationData": "a string"},
        {"authorizationData": {"authorizationToken": b64("AWS:x")}},  # ECR's is a list
    ],
)
def test_response_without_entries_is_a_response_error_not_an_index_error(
    response: dict[str, Any],
) -> None:
    with pytest.raises(ResponseError, match="holds no authorizationData"):
        decode_tokens(response)


def test_entry_that_is_not_an_object_is_a_response_error() -> None:
    with pytest.raises(ResponseError, match="not an object"):
        decode_tokens({"authorizationData": ["QVdTOng="]})


def test_decode_tokens_keeps_every_registry_in_order() -> None:
    second = "https://222222222222.dkr.ecr.eu-west-1.amazonaws.com"
    tokens = decode_tokens(
        {"authorizationData": [entry(), entry(b64("AWS:two"), proxyEndpoint=second)]}
    )
    assert [(t.password, t.proxy_endpoint) for t in tokens] == [
        (PASSWORD, ENDPOINT),
        ("two", second),
    ]


def test_ecr_public_entry_is_one_object_on_public_ecr_aws() -> None:
    data = {"authorizationToken": b64("AWS:public-pass"), "expiresAt": EXPIRY}
    [token] = decode_tokens({"authorizationData": data}, public=True)
    assert token.password == "public-pass"
    assert token.proxy_endpoint == PUBLIC_PROXY_ENDPOINT
    assert token.host == "public.ecr.aws"


def test_repr_and_str_never_show_the_secrets() -> None:
    token = AuthToken.from_authorization_data(entry())
    for text in (repr(token), str(token), repr([token]), f"{token!r}"):
        assert PASSWORD not in text
        assert token.token not in text
        assert "with:colons" not in text
    assert "username='AWS'" in repr(token)
    assert ENDPOINT in repr(token)


def test_errors_never_quote_the_token() -> None:
    secret = b64("no-colon-secret-value")
    with pytest.raises(ResponseError) as caught:
        AuthToken.from_authorization_data(entry(secret))
    assert secret not in str(caught.value)
    assert "no-colon-secret-value" not in str(caught.value)


@pytest.mark.parametrize(
    "value",
    [
        EXPIRY,
        float(EXPIRY),
        str(EXPIRY),
        "2030-01-01T00:00:00Z",
        "2030-01-01T01:00:00+01:00",
        datetime(2030, 1, 1),
        datetime(2030, 1, 1, 2, tzinfo=timezone(timedelta(hours=2))),
    ],
)
def test_expiry_in_every_wire_form_becomes_utc(value: object) -> None:
    moment = parse_expiry(value)
    assert moment == datetime(2030, 1, 1, tzinfo=timezone.utc)
    assert moment.utcoffset() == timedelta(0)
