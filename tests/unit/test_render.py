"""The renderers: exact stdout text (API responses: see test_awsformat.py)."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from ecrlogin import render
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
