"""The one token type: a decoded, validated ECR authorization token.

Every value of a GetAuthorizationToken response is input, checked here once
for every command: the registry host is parsed by the same parser as a user's
target (`hosts.endpoint_host`), and the user name must be a plain word, because
both reach a client's argv and the command line `get-login` prints for `eval`.
A missing `expiresAt` or `proxyEndpoint` is not an error here (the AWS CLI
prints the password anyway): the token says it does not know, and the command
that needs the value refuses with `require_host()`; such a token is never cached.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from ecrlogin import basicauth
from ecrlogin.errors import ResponseError, shorten
from ecrlogin.hosts import endpoint_host

PUBLIC_PROXY_ENDPOINT = "https://public.ecr.aws"

# The characters a word may hold and stay one word, unquoted, in a POSIX shell
# (those shlex.quote leaves alone). A user name is "AWS"; a password is base64-like.
_WORD = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_@%+=:,./-")
_MAX_USERNAME = 256


@dataclass(frozen=True)
class AuthToken:
    """One registry's credentials; the secret fields never appear in repr()."""

    username: str
    password: str = field(repr=False)
    # None when the response names no registry (the command then needs a target).
    proxy_endpoint: str | None
    # None when the response says no expiry: served, never cached.
    expires_at: datetime | None
    token: str = field(repr=False)

    @property
    def host(self) -> str | None:
        """The registry host name (without scheme or path), or None if the response gave none."""
        if self.proxy_endpoint is None:
            return None
        return endpoint_host(self.proxy_endpoint)

    def require_host(self, why: str) -> str:
        """The registry host, or a ResponseError ending "..., so `why`"."""
        host = self.host
        if host is None:
            raise ResponseError(
                f"The GetAuthorizationToken response names no proxyEndpoint, so {why}",
                "Name the registry host (a TARGET), or check --endpoint-url / "
                "AWS_ENDPOINT_URL_ECR.",
            )
        return host

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every form of the secret a program may show: the password, the token as sent,
        and the base64 `USER:PASSWORD` that docker's `auths` entries hold."""
        return (self.password, self.token, basicauth.encode(self.username, self.password))

    @classmethod
    def from_authorization_data(
        cls, data: Mapping[str, Any], *, default_endpoint: str | None = None
    ) -> AuthToken:
        """Decode one `authorizationData` entry, raising ResponseError if it is unusable."""
        if not isinstance(data, Mapping):
            raise ResponseError("The authorization data is not an object")
        raw = data.get("authorizationToken")
        if not isinstance(raw, str) or not raw:
            raise ResponseError("The response holds no authorization token")
        try:
            username, password = basicauth.decode(raw)
        except basicauth.NotBase64:
            raise ResponseError("The authorization token is not valid base64 text") from None
        except basicauth.NotUserPassword:
            raise ResponseError(
                "The authorization token is not of the form USER:PASSWORD"
            ) from None
        check_word(username, "user name", limit=_MAX_USERNAME)
        return cls(
            username=username,
            password=password,
            proxy_endpoint=parse_endpoint(data.get("proxyEndpoint"), default_endpoint),
            expires_at=parse_expiry(data.get("expiresAt")),
            token=raw,
        )


def parse_endpoint(value: object, default: str | None = None) -> str | None:
    """The response's proxyEndpoint if it is a registry URL; None if it is absent or empty."""
    if value is None or value == "":
        return default
    if not isinstance(value, str) or endpoint_host(value) is None:
        raise ResponseError(
            f"The response's proxyEndpoint {shorten(value)} is not a registry URL "
            "(https://HOST[:PORT])"
        )
    return value


def check_word(value: str, what: str, *, limit: int | None = None) -> str:
    """`value` if it is one plain shell word (no white space, quotes, `$`, control
    characters, leading `-`); else a ResponseError naming `what`, never the value."""
    if (
        not value
        or value[0] == "-"
        or not set(value) <= _WORD
        or (limit is not None and len(value) > limit)
    ):
        raise ResponseError(
            f"The token's {what} is not a plain word (it is empty, starts with '-', or holds "
            "white space, quotes or other characters a command line would reinterpret)"
        )
    return value


def parse_expiry(value: object) -> datetime | None:
    """Turn the wire form of `expiresAt` (epoch number, ISO text or datetime) into UTC;
    None when the response has none."""
    if value is None or value == "":
        return None
    try:
        if isinstance(value, datetime):
            if value.tzinfo is None:
                return value.replace(tzinfo=timezone.utc)
            return value.astimezone(timezone.utc)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return datetime.fromtimestamp(value, tz=timezone.utc)
        if isinstance(value, str):
            text = value.strip()
            try:
                return datetime.fromtimestamp(float(text), tz=timezone.utc)
            except ValueError:
                parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
                return parse_expiry(parsed)
    except (ValueError, OverflowError, OSError):
        pass
    raise ResponseError("The token's expiresAt is not a time")
