"""The one token type: a decoded, validated ECR authorization token.

Every value of a GetAuthorizationToken response is input, checked here once
for every command, in two steps:

- printed: the user name and the `proxyEndpoint` are kept as sent when each is one
  plain shell word (`check_word`), because `get-login` prints both into the line
  scripts `eval`. Anything else is printed as AWS CLI v1 and v2 print it: a
  scheme-less endpoint, `http://localhost:4566`, an unusual but harmless name.
- acted on: a command that sends a password to the token's registry (`login` and
  `pull-secret` without a TARGET) asks `registry()`, the one place a server's
  endpoint becomes a host, which vouches for Amazon ECR hosts and hosts the
  ecrlogin config maps, and for nothing else (Docker Hub, another company's registry).

A missing `expiresAt` or `proxyEndpoint` is not an error here (the AWS CLI prints
the password anyway): the token says it does not know, and the command that needs
the value refuses; such a token is never cached.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from ecrlogin import basicauth
from ecrlogin.errors import ResponseError, shorten
from ecrlogin.hosts import endpoint_host

if TYPE_CHECKING:
    from ecrlogin.config import Config, Target

PUBLIC_PROXY_ENDPOINT = "https://public.ecr.aws"

# What a POSIX shell (sh, bash, zsh) reinterprets inside an unquoted word: quotes and
# escapes, expansions, globs, braces, redirections, separators, comments, history.
# White space and control characters are refused by isprintable() and isspace().
_SHELL_SPECIAL = frozenset("'\"`\\$|&;<>()*?[]{}#~!^")
# A leading '-' makes an option of the word; a leading '=' is a path lookup in zsh.
_LEADING = frozenset("-=")
_MAX_USERNAME = 256
# No registry URL is longer (docker and the host parser stop at the same length).
_MAX_ENDPOINT = 2048


@dataclass(frozen=True)
class AuthToken:
    """One registry's credentials; the secret fields never appear in repr()."""

    username: str
    password: str = field(repr=False)
    # The response's proxyEndpoint exactly as sent (one plain shell word): what the
    # printing commands print. Acting commands go through registry(). None: absent.
    proxy_endpoint: str | None
    # None when the response says no expiry: served, never cached.
    expires_at: datetime | None
    token: str = field(repr=False)

    def endpoint(self, why: str) -> str:
        """The proxyEndpoint as sent, or a ResponseError ending "..., so `why`"."""
        if self.proxy_endpoint is None:
            raise ResponseError(
                f"The GetAuthorizationToken response names no proxyEndpoint, so {why}",
                "Name the registry host (a TARGET), or check --endpoint-url / "
                "AWS_ENDPOINT_URL_ECR.",
            )
        return self.proxy_endpoint

    def registry(self, settings: Config | None = None) -> Target | None:
        """The registry a command may send this token's password to: the proxyEndpoint's
        host when it is an Amazon ECR host or one `settings` maps; else None."""
        # Imported here: the commands that only print (get-login-password) never need it.
        from ecrlogin.config import Config, resolve

        host = endpoint_host(self.proxy_endpoint) if self.proxy_endpoint else None
        return resolve(host, settings or Config()) if host else None

    def require_registry(self, settings: Config, why: str) -> Target:
        """registry(), or a ResponseError naming the endpoint's host and the fix."""
        endpoint = self.endpoint(why)
        target = self.registry(settings)
        if target is not None:
            return target
        from ecrlogin.config import config_file

        named = endpoint_host(endpoint) or shorten(endpoint, 80)
        raise ResponseError(
            f"The GetAuthorizationToken response's proxyEndpoint names {named}, which is not "
            f"an Amazon ECR host nor mapped in the ecrlogin config, so {why}",
            "Name the registry as a TARGET, e.g. `ecrlogin login "
            "123456789012.dkr.ecr.us-east-1.amazonaws.com` (an emulator's host must be mapped "
            f'first: [registries."HOST"] with account and region in {config_file()}).',
        )

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
    """The response's proxyEndpoint as sent, if it is one plain shell word; None (or
    `default`) if it is absent or empty; else a ResponseError quoting it, escaped and short."""
    if value is None or value == "":
        return default
    if not isinstance(value, str) or not is_shell_word(value, limit=_MAX_ENDPOINT):
        raise ResponseError(
            f"The response's proxyEndpoint {shorten(value)} is not one plain word (it starts "
            "with '-' or '=', or holds white space, quotes or other characters a command "
            "line would reinterpret)"
        )
    return value


def is_shell_word(value: str, *, limit: int | None = None) -> bool:
    """True if `value` stays one word, itself, unquoted in a POSIX shell's command line:
    printable, no white space or shell special character, no leading '-' or '='."""
    return (
        value != ""
        and (limit is None or len(value) <= limit)
        and value[0] not in _LEADING
        and value.isprintable()
        and not any(ch.isspace() or ch in _SHELL_SPECIAL for ch in value)
    )


def check_word(value: str, what: str, *, limit: int | None = None) -> str:
    """`value` if it is one plain shell word (`is_shell_word`); else a ResponseError naming
    `what`, never the value (a user name or password may be a secret)."""
    if not is_shell_word(value, limit=limit):
        raise ResponseError(
            f"The token's {what} is not a plain word (it is empty, starts with '-' or '=', or "
            "holds white space, quotes or other characters a command line would reinterpret)"
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
