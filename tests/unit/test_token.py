"""AuthToken: decoding one authorizationData entry, called with plain arguments."""

from __future__ import annotations

import base64
import string
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


# The characters a user name may hold: one unquoted shell word, as it is printed into
# get-login's command line and passed in a client's argv.
WORD = string.ascii_letters + string.digits + "_@%+=,./-"


@given(
    username=st.text(alphabet=WORD, min_size=1, max_size=256).filter(
        lambda s: not s.startswith("-")
    ),
    password=st.text(min_size=1),
)
def test_any_plain_user_and_any_password_round_trip(username: str, password: str) -> None:
    token = AuthToken.from_authorization_data(entry(b64(f"{username}:{password}")))
    assert (token.username, token.password) == (username, password)


REFUSED_USER = (
    "The token's user name is not a plain word (it is empty, starts with '-', or holds white "
    "space, quotes or other characters a command line would reinterpret). Check that "
    "--endpoint-url / AWS_ENDPOINT_URL_ECR points at Amazon ECR."
)


@given(username=st.text(min_size=1).filter(lambda s: ":" not in s))
def test_a_user_name_that_is_not_one_plain_word_is_refused(username: str) -> None:
    data = entry(b64(f"{username}:pw"))
    if username[0] != "-" and set(username) <= set(WORD) and len(username) <= 256:
        assert AuthToken.from_authorization_data(data).username == username
        return
    with pytest.raises(ResponseError) as caught:
        AuthToken.from_authorization_data(data)
    assert caught.value.message == REFUSED_USER  # the same line whatever the value: never quoted


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://--password=INJECTED",
        "https:///",
        "https://",
        "https://host name.example.com",
        "https://123456789012.dkr.ecr.us-east-1.amazonaws.com; rm -rf ~",
        "https://123456789012.dkr.ecr.us-east-1.amazonaws.com\n",
        "https://123456789012.dkr.ecr.us-east-1.amazonaws.com/path",
        "https://user@123456789012.dkr.ecr.us-east-1.amazonaws.com",
        "https://123456789012.dkr.ecr.us-east-1.amazonaws.com:99999",
        "ftp://123456789012.dkr.ecr.us-east-1.amazonaws.com",
        "-https://x.example.com",
        "123456789012.dkr.ecr.us-east-1.amazonaws.com",
        "https://\x1b[31m.example.com",
        "https://" + "a" * 3000 + ".com",
        42,
        ["https://x.example.com"],
    ],
)
def test_a_proxy_endpoint_that_is_not_a_registry_url_is_refused(endpoint: object) -> None:
    # It would reach docker's argv (`login` with no target) and get-login's eval'd line.
    with pytest.raises(ResponseError) as caught:
        AuthToken.from_authorization_data(entry(proxyEndpoint=endpoint))
    assert "proxyEndpoint" in caught.value.message
    assert "is not a registry URL" in caught.value.message
    assert "INJECTED" not in caught.value.message or "--password" in caught.value.message
    assert caught.value.message.isprintable()
    assert len(caught.value.message) < 400


@pytest.mark.parametrize(
    ("endpoint", "host"),
    [
        (ENDPOINT, "111111111111.dkr.ecr.eu-west-1.amazonaws.com"),
        (ENDPOINT + "/", "111111111111.dkr.ecr.eu-west-1.amazonaws.com"),
        ("https://111111111111.dkr-ecr.eu-west-1.on.aws", "111111111111.dkr-ecr.eu-west-1.on.aws"),
        ("http://localhost:4566", "localhost:4566"),
        ("HTTPS://Registry.Example.COM:5000", "registry.example.com:5000"),
    ],
)
def test_a_registry_url_endpoint_gives_its_host(endpoint: str, host: str) -> None:
    assert AuthToken.from_authorization_data(entry(proxyEndpoint=endpoint)).host == host


@pytest.mark.parametrize("missing", [{"proxyEndpoint": ""}, {"proxyEndpoint": None}])
def test_a_missing_proxy_endpoint_leaves_the_host_unknown(missing: dict[str, Any]) -> None:
    # As the AWS CLI: the password is still served; what needs the host refuses then.
    data = {k: v for k, v in {**entry(), **missing}.items() if v is not None}
    token = AuthToken.from_authorization_data(data)
    assert (token.password, token.host) == (PASSWORD, None)
    with pytest.raises(ResponseError, match="names no proxyEndpoint, so get-login"):
        token.require_host("get-login has no registry to print")


def test_a_missing_expiry_is_unknown_not_an_error() -> None:
    data = {"authorizationToken": b64(f"AWS:{PASSWORD}"), "proxyEndpoint": ENDPOINT}
    token = AuthToken.from_authorization_data(data)
    assert (token.password, token.expires_at) == (PASSWORD, None)


def test_the_secrets_include_docker_s_auth_form() -> None:
    token = AuthToken.from_authorization_data(entry())
    assert token.secrets == (PASSWORD, b64(f"AWS:{PASSWORD}"), b64(f"AWS:{PASSWORD}"))


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
        (entry(expiresAt="soon"), "The token's expiresAt is not a time"),
        (entry(expiresAt=True), "expiresAt is not a time"),
        (entry(expiresAt=10**20), "expiresAt is not a time"),
        (entry(b64("-u:pw")), "user name is not a plain word"),
        (entry(b64("AWS x:pw")), "user name is not a plain word"),
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
