"""The base64 `USER:PASSWORD` form shared by ECR tokens and docker's `auths` entries."""

from __future__ import annotations

import base64


class NotBase64(ValueError):
    """The text is not strict base64 of UTF-8 text."""


class NotUserPassword(ValueError):
    """The decoded text is not `USER:PASSWORD` with both parts present."""


def encode(username: str, password: str) -> str:
    """base64 of `username:password`."""
    return base64.b64encode(f"{username}:{password}".encode()).decode("ascii")


def decode_text(token: str) -> str:
    """The UTF-8 text inside strict base64: whole quads, padding only at the end, no
    stray characters (which a lenient decoder would skip)."""
    if len(token) % 4:
        raise NotBase64("not base64")
    try:
        return base64.b64decode(token, validate=True).decode("utf-8")
    except ValueError:  # binascii.Error, UnicodeError, and non-ASCII text
        raise NotBase64("not base64 of UTF-8 text") from None


def decode(token: str) -> tuple[str, str]:
    """(username, password) from the token; split at the first ':' so a password may hold ':'."""
    username, sep, password = decode_text(token).partition(":")
    if not sep or not username or not password:
        raise NotUserPassword("not USER:PASSWORD")
    return username, password
