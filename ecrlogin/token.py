"""The one token type: a decoded, validated ECR authorization token."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from ecrlogin import basicauth
from ecrlogin.errors import ResponseError
from ecrlogin.hosts import authority

PUBLIC_PROXY_ENDPOINT = "https://public.ecr.aws"


@dataclass(frozen=True)
class AuthToken:
    """One registry's credentials; the secret fields never appear in repr()."""

    username: str
    password: str = field(repr=False)
    proxy_endpoint: str
    expires_at: datetime
    token: str = field(repr=False)

    @property
    def host(self) -> str:
        """The registry host name, without scheme or path."""
        return authority(self.proxy_endpoint)

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
        endpoint = data.get("proxyEndpoint", default_endpoint)
        if not isinstance(endpoint, str) or not endpoint:
            raise ResponseError("The response holds no proxy endpoint")
        return cls(
            username=username,
            password=password,
            proxy_endpoint=endpoint,
            expires_at=parse_expiry(data.get("expiresAt")),
            token=raw,
        )


def parse_expiry(value: object) -> datetime:
    """Turn the wire form of `expiresAt` (epoch number, ISO text or datetime) into UTC."""
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
    raise ResponseError("The token's expiresAt is missing or not a time")
