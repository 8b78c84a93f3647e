"""AuthToken: decoding one authorizationData entry, called with plain arguments."""

from __future__ import annotations

import base64
import string
import subprocess
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from ecrlogin.config import Config, RegistryConfig
from ecrlogin.core import decode_tokens
from ecrlogin.errors import GENERAL, ResponseError
from ecrlogin.token import PUBLIC_PROXY_ENDPOINT, AuthToken, is_shell_word, parse_expiry

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
    target = token.registry()
    assert target is not None
    assert target.host == "111111111111.dkr.ecr.eu-west-1.amazonaws.com"
    assert token.expires_at == datetime(2030, 1, 1, tzinfo=timezone.utc)
    assert token.token == b64(f"AWS:{PASSWORD}")


def test_password_keeps_every_colon_after_the_first() -> None:
    # The AWS CLI's split(':') crashes here; partition(':') keeps the password whole.
    token = AuthToken.from_authorization_data(entry(b64("AWS:a:b::c:")))
    assert (token.username, token.password) == ("AWS", "a:b::c:")


def words_a_shell_reads(text: str, shell: str, directory: Path) -> list[str]:
    """The arguments `shell` gives a command when `text` is pasted unquoted into its line,
    run in `directory` (whose files a glob would match)."""
    line = f"for w in {text}; do printf '%s\\0' \"$w\"; done"
    result = subprocess.run(
        [shell, "-c", line], cwd=directory, capture_output=True, timeout=10, check=False
    )
    if result.returncode != 0:
        return ["<failed>"]
    return result.stdout.decode(errors="surrogateescape").split("\0")[:-1]


# Text with the characters that matter to a shell among ordinary ones.
SHELLISH = st.lists(
    st.one_of(
        st.sampled_from(list("|&;<>()$`\\\"' \t\n*?[]{}#~!^=-%+:,./@_\u00e9\u00a0\u200b\x1b")),
        st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=4),
    ),
    min_size=1,
    max_size=8,
).map("".join)


@settings(max_examples=60, deadline=None)
@given(text=st.one_of(SHELLISH, st.text(min_size=1, max_size=12)))
@example(text="AWS")
@example(text="Ünïcødé-user")
@example(text="*")
@example(text="=ls")
def test_a_shell_word_is_exactly_one_argument_to_sh_and_bash(text: str) -> None:
    # The rule is checked against real shells: every value it accepts, pasted into a
    # command line unquoted, is exactly one argument equal to itself.
    assume("\x00" not in text)
    if not is_shell_word(text):
        return
    with tempfile.TemporaryDirectory() as directory:
        for name in ("a", "ab", "AWS", "x.y"):
            (Path(directory) / name).touch()
        for shell in ("sh", "bash"):
            assert words_a_shell_reads(text, shell, Path(directory)) == [text], (shell, text)


@pytest.mark.parametrize(
    "word",
    ["", "-u", "=x", "a b", "a\tb", "a\nb", "a\u00a0b", "a\u200bb", "a\x1bb", "$(id)", "a;b",
     "a|b", "a&b", "a>b", "'a'", '"a"', "a`b`", "a\\b", "a*", "a?", "[ab]", "{a,b}", "#a",
     "~root", "!1", "^a"],
)  # fmt: skip
def test_what_a_shell_would_reinterpret_is_not_a_word(word: str) -> None:
    assert not is_shell_word(word)


@given(
    username=st.text(alphabet=string.ascii_letters + string.digits + "_@%+=,./-:\u00e9",
                     min_size=1, max_size=256)
    .filter(lambda s: s[0] not in "-=" and ":" not in s),
    password=st.text(min_size=1),
)  # fmt: skip
def test_any_plain_user_and_any_password_round_trip(username: str, password: str) -> None:
    token = AuthToken.from_authorization_data(entry(b64(f"{username}:{password}")))
    assert (token.username, token.password) == (username, password)


REFUSED_USER = (
    "The token's user name is not a plain word (it is empty, starts with '-' or '=', or holds "
    "white space, quotes or other characters a command line would reinterpret). Check that "
    "--endpoint-url / AWS_ENDPOINT_URL_ECR points at Amazon ECR."
)


@given(username=st.text(min_size=1).filter(lambda s: ":" not in s))
def test_a_user_name_that_is_not_one_plain_word_is_refused(username: str) -> None:
    data = entry(b64(f"{username}:pw"))
    if is_shell_word(username) and len(username) <= 256:
        assert AuthToken.from_authorization_data(data).username == username
        return
    with pytest.raises(ResponseError) as caught:
        AuthToken.from_authorization_data(data)
    assert caught.value.message == REFUSED_USER  # the same line whatever the value: never quoted


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://host name.example.com",
        "https://123456789012.dkr.ecr.us-east-1.amazonaws.com; rm -rf ~",
        "https://123456789012.dkr.ecr.us-east-1.amazonaws.com\n",
        "https://123456789012.dkr.ecr.us-east-1.amazonaws.com$(id)",
        "-https://x.example.com",
        "https://\x1b[31m.example.com",
        "https://" + "a" * 3000 + ".com",
        42,
        ["https://x.example.com"],
    ],
)
def test_a_proxy_endpoint_a_shell_would_reinterpret_is_refused(endpoint: object) -> None:
    # get-login prints it into the line scripts `eval`: it must stay one word, itself.
    with pytest.raises(ResponseError) as caught:
        AuthToken.from_authorization_data(entry(proxyEndpoint=endpoint))
    assert "proxyEndpoint" in caught.value.message
    assert "is not one plain word" in caught.value.message
    assert caught.value.message.isprintable()
    assert len(caught.value.message) < 400


@pytest.mark.parametrize(
    "endpoint",
    [
        # As AWS CLI v1/v2 print them: any one plain word, with or without a scheme.
        "1235.ecr.us-east-1.io",
        "123456789012.dkr.ecr.us-east-1.amazonaws.com",
        "http://localhost:4566",
        "https://registry-1.docker.io",
        "https://--password=INJECTED",
        "https:///",
        "https://",
        "https://123456789012.dkr.ecr.us-east-1.amazonaws.com/path",
        "https://user@123456789012.dkr.ecr.us-east-1.amazonaws.com",
        "https://123456789012.dkr.ecr.us-east-1.amazonaws.com:99999",
        "ftp://123456789012.dkr.ecr.us-east-1.amazonaws.com",
    ],
)
def test_any_plain_word_endpoint_is_kept_as_sent_but_vouched_for_only_as_ecr(
    endpoint: str,
) -> None:
    token = AuthToken.from_authorization_data(entry(proxyEndpoint=endpoint))
    assert token.proxy_endpoint == endpoint
    assert token.endpoint("get-login has no registry to print") == endpoint
    assert token.registry() is None  # nothing to act on: not exactly https://ECR-HOST
    with pytest.raises(ResponseError) as caught:
        token.require_registry(Config(), "the default registry is unknown")
    line = caught.value.message
    assert "is not an Amazon ECR host" in line
    assert "so the default registry is unknown" in line
    assert "Name the registry as a TARGET" in line
    assert caught.value.exit_code == GENERAL


MAPPED = Config(
    registries={
        host: RegistryConfig(host=host, account="000000000000", region="us-east-1")
        for host in ("localhost:4566", "registry.example.com:5000")
    }
)


@pytest.mark.parametrize(
    ("endpoint", "host", "mapped"),
    [
        (ENDPOINT, "111111111111.dkr.ecr.eu-west-1.amazonaws.com", False),
        (ENDPOINT + "/", "111111111111.dkr.ecr.eu-west-1.amazonaws.com", False),
        ("https://111111111111.dkr-ecr.eu-west-1.on.aws", "111111111111.dkr-ecr.eu-west-1.on.aws",
         False),
        ("http://localhost:4566", "localhost:4566", True),
        ("HTTPS://Registry.Example.COM:5000", "registry.example.com:5000", True),
    ],
)  # fmt: skip
def test_the_registry_to_act_on_is_an_ecr_host_or_one_the_config_maps(
    endpoint: str, host: str, mapped: bool
) -> None:
    token = AuthToken.from_authorization_data(entry(proxyEndpoint=endpoint))
    target = token.require_registry(MAPPED, "the default registry is unknown")
    assert target.host == host
    if mapped:
        assert target.registry.account == "000000000000"
        assert token.registry() is None  # without the config, nothing vouches for it
    else:
        assert token.registry() == target


def test_an_unvouched_registry_is_named_in_the_error() -> None:
    token = AuthToken.from_authorization_data(entry(proxyEndpoint="https://Registry-1.Docker.io"))
    with pytest.raises(ResponseError) as caught:
        token.require_registry(MAPPED, "the default registry is unknown")
    assert caught.value.message.startswith(
        "The GetAuthorizationToken response's proxyEndpoint names registry-1.docker.io, which"
    )


@pytest.mark.parametrize("missing", [{"proxyEndpoint": ""}, {"proxyEndpoint": None}])
def test_a_missing_proxy_endpoint_leaves_the_host_unknown(missing: dict[str, Any]) -> None:
    # As the AWS CLI: the password is still served; what needs the host refuses then.
    data = {k: v for k, v in {**entry(), **missing}.items() if v is not None}
    token = AuthToken.from_authorization_data(data)
    assert (token.password, token.proxy_endpoint, token.registry()) == (PASSWORD, None, None)
    with pytest.raises(ResponseError, match="names no proxyEndpoint, so get-login"):
        token.endpoint("get-login has no registry to print")
    with pytest.raises(ResponseError, match="names no proxyEndpoint, so the default"):
        token.require_registry(MAPPED, "the default registry is unknown")


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
    target = token.registry()
    assert target is not None
    assert (target.host, target.registry.public) == ("public.ecr.aws", True)


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
