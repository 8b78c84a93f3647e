"""--debug logging on stderr, with every token, password and key redacted."""

from __future__ import annotations

import logging
import re
import sys
from typing import TextIO

REDACTED = "<redacted>"

_known_secrets: set[str] = set()

# Shapes in which botocore (or we) may log a secret before we know its value:
# the response body, parsed dicts, request headers and the protocol's JSON.
_PATTERNS = [
    re.compile(
        r"""(?P<key>["']?(?:authorizationToken|password|Password|Secret|secret|"""
        r"""SecretAccessKey|SessionToken|aws_secret_access_key|aws_session_token|"""
        r"""auth|identitytoken|registrytoken)["']?\s*[:=]\s*b?["'])(?P<value>[^"']*)"""
    ),
    re.compile(
        r"""(?P<key>["']?(?:X-Amz-Security-Token|x-amz-security-token)["']?\s*:\s*b?["'])"""
        r"""(?P<value>[^"']*)"""
    ),
    # A SigV4 signature can be replayed for minutes: botocore.auth logs it as
    # `Signature:\n<hex>` as well as in the Authorization header.
    re.compile(r"(?P<key>Signature(?:=|:\s*))(?P<value>[0-9a-fA-F]{16,})"),
    re.compile(r"(?P<key>Authorization: Basic )(?P<value>[A-Za-z0-9+/=]+)"),
    # STS answers in XML: botocore logs the body before any value is known to us.
    re.compile(r"(?P<key><(?:SecretAccessKey|SessionToken)>)(?P<value>[^<]*)"),
    # The workload's token in an AssumeRoleWithWebIdentity request body.
    re.compile(r"(?P<key>WebIdentityToken=)(?P<value>[^&'\s]*)"),
]


def register_secret(value: str | None) -> None:
    """Remember a secret so that any later log line containing it is masked."""
    if value and len(value) >= 4:
        _known_secrets.add(value)


def redact(text: str) -> str:
    """Mask every known secret and every secret-shaped field in `text`."""
    for secret in sorted(_known_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, REDACTED)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group("key") + REDACTED, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrite each record (message, arguments and traceback) with secrets masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
            record.exc_text = None
        record.msg = redact(message)
        record.args = None
        return True


def enable_debug(stream: TextIO | None = None) -> logging.Handler:
    """Send botocore's and ecrlogin's debug logs to stderr through the redactor."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        logging.Formatter("%(asctime)s - %(threadName)s - %(name)s - %(levelname)s - %(message)s")
    )
    handler.addFilter(RedactingFilter())
    for name in ("botocore", "ecrlogin", "urllib3", "filelock"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
    return handler
