"""The base64 `USER:PASSWORD` form shared by ECR tokens and docker's `auths` entries.

Imports only `binascii` (the `base64` module imports `re`, see ecrlogin.cache): the
credential helper decodes a cached token with it on its cache-hit path. It agrees
with `base64.b64decode(validate=True)` plus a length check (tests/unit/test_basicauth.py).
"""

from __future__ import annotations

import binascii

_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


class NotBase64(ValueError):
    """The text is not strict base64 of UTF-8 text."""


class NotUserPassword(ValueError):
    """The decoded text is not `USER:PASSWORD` with both parts present."""


def encode(username: str, password: str) -> str:
    """base64 of `username:password`."""
    return binascii.b2a_base64(f"{username}:{password}".encode(), newline=False).decode("ascii")


def decode_text(token: str) -> str:
    """The UTF-8 text inside strict base64: whole quads, padding only at the end, no
    stray characters (which a lenient decoder would skip)."""
    body = token.rstrip("=")
    if len(token) % 4 or len(token) - len(body) > 2 or not set(body) <= _ALPHABET:
        raise NotBase64("not base64")
    try:
        return binascii.a2b_base64(token.encode("ascii")).decode("utf-8")
    except (binascii.Error, UnicodeError):
        raise NotBase64("not base64 of UTF-8 text") from None


def decode(token: str) -> tuple[str, str]:
    """(username, password) from the token; split at the first ':' so a password may hold ':'."""
    username, sep, password = decode_text(token).partition(":")
    if not sep or not username or not password:
        raise NotUserPassword("not USER:PASSWORD")
    return username, password
