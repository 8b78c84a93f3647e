"""The one redactor, and --debug logging on stderr through it.

Every channel a person or a log reads goes through `redact()`: error lines and
notes (`ui.say`, via `errors.one_line`), the credential helper's protocol
message, the relayed output of a container client or a `credential_process`,
the debug log and the tracebacks it carries. Secrets are masked by value
(each one ecrlogin learns is registered before anything can print it) and, for
what arrives before its value is known (a response body, a failing
`credential_process`), by the shape of the field that holds it.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from typing import TextIO

REDACTED = "<redacted>"

# A secret shorter than this is masked only where it stands as a whole word (not
# next to a letter, digit or "_"): a one-character password must not turn every
# word of an error line into "<redacted>". Longer secrets are masked wherever they occur.
WHOLE_WORD_BELOW = 8

# Each registered secret and the spellings it takes once escaped (see _spellings).
_known_secrets: set[str] = set()
# The short ones, and the one pattern that finds them as whole words.
_short: set[str] = set()
_short_secrets: re.Pattern[str] | None = None

# Shapes in which botocore (or we) may log a secret before we know its value:
# the response body, parsed dicts, request headers and the protocol's JSON.
_PATTERNS = [
    re.compile(
        r"""(?P<key>["']?(?:authorizationToken|password|Password|Secret|secret|"""
        r"""SecretAccessKey|SessionToken|aws_secret_access_key|aws_session_token|"""
        r"""auth|identitytoken|registrytoken)["']?\s*[:=]\s*b?["'])(?P<value>[^"']*)"""
    ),
    # The same fields unquoted (`SecretAccessKey: abc`, `aws_session_token=abc`), as a
    # failing credential_process or a client may print them: only the names that can
    # mean nothing but a secret, so a message such as "password: wrong" stays readable.
    re.compile(
        r"""(?P<key>\b(?:authorizationToken|SecretAccessKey|SessionToken|"""
        r"""aws_secret_access_key|aws_session_token|secret_access_key|session_token)"""
        r"""\s*[:=]\s*)(?P<value>[^\s"',;}{]+)""",
        re.IGNORECASE,
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
    """Remember a secret so that any later line containing it, plain or escaped, is masked."""
    global _short_secrets
    if not isinstance(value, str) or not value.strip():
        return
    if len(value) >= WHOLE_WORD_BELOW:
        _known_secrets.update(_spellings(value))
        return
    _short.update(_spellings(value))
    alternatives = "|".join(re.escape(item) for item in sorted(_short, key=len, reverse=True))
    _short_secrets = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


def _spellings(secret: str) -> set[str]:
    """`secret` as it may appear in a line: plain, inside a JSON string (a store echoing
    its input, a response body), inside a Python repr (botocore's debug log of request
    parameters), and each of those escaped once more (JSON in a repr, a repr in JSON)."""
    import json

    forms = {secret}
    for _ in range(2):
        for form in list(forms):
            forms.add(json.dumps(form)[1:-1])
            forms.add(json.dumps(form, ensure_ascii=False)[1:-1])
            # repr() escapes ' only when the whole string also holds a " (then it quotes
            # with '): the `"` appended forces that spelling; the plain repr gives the other.
            forms.add(repr(form)[1:-1])
            forms.add(repr(form + '"')[1:-2])
            data = form.encode("utf-8", "backslashreplace")
            forms.add(repr(data)[2:-1])
            forms.add(repr(data + b'"')[2:-2])
    return {form for form in forms if form}


# A JSON `\uXXXX` escape, as a response body may spell a key or a value
# (`"authorization\u0054oken"`), also with the doubled backslash of a bytes repr.
_JSON_ESCAPE = re.compile(r"\\{1,2}u([0-9a-fA-F]{4})")


def forget_secrets() -> None:
    """Forget every registered secret (a process that serves one request at a time)."""
    global _short_secrets
    _known_secrets.clear()
    _short.clear()
    _short_secrets = None


def register_secrets(values: Iterable[str | None]) -> None:
    """register_secret() for each value."""
    for value in values:
        register_secret(value)


def redact(text: str) -> str:
    """Mask every known secret and every secret-shaped field in `text`.

    Text holding JSON escapes is read unescaped (printable characters only), so a
    key or a value spelled with them is masked like its plain spelling.
    """
    text = _mask(text)
    if "u" in text and _JSON_ESCAPE.search(text):
        text = _mask(_JSON_ESCAPE.sub(_unescape, text))
    return text


def _mask(text: str) -> str:
    for secret in sorted(_known_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, REDACTED)
    if _short_secrets is not None:
        text = _short_secrets.sub(REDACTED, text)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group("key") + REDACTED, text)
    return text


def _unescape(match: re.Match[str]) -> str:
    char = chr(int(match.group(1), 16))
    # A control character stays escaped: unescaping must not put one in a log.
    return char if char.isprintable() else match.group(0)


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
