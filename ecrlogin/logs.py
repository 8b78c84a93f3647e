"""The one redactor, and --debug logging on stderr through it.

Every channel a person or a log reads goes through `redact()`: error lines and
notes (`ui.say`, via `errors.redacted_line`), the credential helper's protocol
message, the relayed output of a container client or a `credential_process`,
the debug log and the tracebacks it carries. Secrets are masked by value
(each one ecrlogin learns is registered before anything can print it) and, for
what arrives before its value is known (a response body, a failing
`credential_process`), by the shape of the field that holds it. A program's
message that ecrlogin quotes goes through `quotable_line()`, which withholds it
whole when it still holds a piece of a secret that no spelling matched.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from typing import TextIO

REDACTED = "<redacted>"

# A secret shorter than this is masked only where it stands as its own token (see
# _ON_ITS_OWN): a one-character password must not turn every word of an error line into
# "<redacted>". Longer secrets are masked wherever they occur.
WHOLE_WORD_BELOW = 8

# A piece this long of a secret, or of one of its encodings, in a program's message (white
# space and escaped line breaks removed) means the program printed the secret in a shape no
# spelling matches whole, broken over two lines say: quotable_line() then withholds the
# message. A shorter piece is too likely to be an ordinary word to mean anything.
FRAGMENT = 8

# Each registered secret as given, and its spellings once escaped or encoded (see
# _spellings and _encodings), longest first so that a longer spelling is masked whole.
_secrets: set[str] = set()
_known_secrets: set[str] = set()
_ordered: list[str] = []
# The short ones, and the one pattern that finds them as tokens.
_short: set[str] = set()
_short_secrets: re.Pattern[str] | None = None
# Every FRAGMENT-long piece of the secrets and their encodings, made on first need.
_pieces: set[str] | None = None

# A short secret is a token where it is not next to a letter, digit, "_", "-" or "." (so a
# one-letter password is not taken out of "x-ray" or "a.b.c"), where an escaped line break
# or tab stands just before it ("\nx-pw" in a JSON message), and before a full stop that
# ends a sentence.
_ON_ITS_OWN = r"(?:(?<![\w.\-])|(?<=\\[nrt])){}(?![\w\-])(?!\.[\w\-])"

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
    global _short_secrets, _pieces
    if not isinstance(value, str) or not value.strip() or value in _secrets:
        return
    _secrets.add(value)
    _pieces = None
    if len(value) >= WHOLE_WORD_BELOW:
        _known_secrets.update(_spellings(value), _encodings(value), _byte_forms(value))
        _ordered[:] = sorted(_known_secrets, key=len, reverse=True)
        return
    _short.update(_spellings(value), _encodings(value, embedded=False))
    alternatives = "|".join(re.escape(item) for item in sorted(_short, key=len, reverse=True))
    _short_secrets = re.compile(_ON_ITS_OWN.format(f"(?:{alternatives})"))


def _spellings(secret: str) -> set[str]:
    """`secret` as it may appear in a line: plain, inside a JSON string (a store echoing
    its input, a response body), inside a Python repr (botocore's debug log of request
    parameters), and each of those escaped once more (JSON in a repr, a repr in JSON)."""
    import json

    forms = {secret}
    if "\r" in secret or "\n" in secret:
        # Its line breaks translated on the way (a store that reads and writes text).
        unix = secret.replace("\r\n", "\n").replace("\r", "\n")
        forms.update((unix, unix.replace("\n", "\r\n"), unix.replace("\n", "\r")))
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


def _encodings(secret: str, embedded: bool = True) -> set[str]:
    """`secret` as a program may print it encoded: base64 (standard and URL-safe, with and
    without padding) and percent-encoded (a path segment, a form value). With `embedded`,
    also the part of a longer base64 text that only the secret decides, at each of the
    three alignments it may sit at (a store printing its whole JSON input in base64),
    for the secret as it stands in that JSON."""
    import base64
    from urllib.parse import quote, quote_plus

    forms = {
        quote(secret, safe="", errors="surrogatepass"),
        quote(secret, errors="surrogatepass"),
        quote_plus(secret, errors="surrogatepass"),
    }
    data = secret.encode("utf-8", "surrogatepass")
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        whole = encode(data).decode()
        forms.update((whole, whole.rstrip("=")))
        if not embedded:
            continue
        for text in _json_spellings(secret):
            raw = text.encode("utf-8", "surrogatepass")
            for skip in range(3):
                # Character i of base64 holds bits 6i..6i+5: keep those within the secret's.
                inner = encode(bytes(skip) + raw).decode()
                part = inner[(8 * skip + 5) // 6 : 8 * (skip + len(raw)) // 6]
                if len(part) >= WHOLE_WORD_BELOW:
                    forms.add(part)
    return {form for form in forms if form}


def _byte_forms(secret: str) -> set[str]:
    """`secret`'s bytes (as given and as they stand in JSON, a store echoing its input) as
    a failing program may print them: hex (lower and upper case, a debug dump), UTF-16 LE
    and BE (a Windows console program) as they read once decoded leniently as UTF-8 and
    once more escaped as a line (escape_unprintable), and the decimal list Go's fmt prints
    for a []byte (`[112 119 ...]`, every docker store is Go). Long secrets only: a short
    one's hex or byte list ("61", "[97]") is an ordinary number."""
    forms: set[str] = set()
    for text in _json_spellings(secret):
        data = text.encode("utf-8", "surrogatepass")
        forms.update((data.hex(), data.hex().upper(), " ".join(str(byte) for byte in data)))
        for codec in ("utf-16-le", "utf-16-be"):
            wide = text.encode(codec, "surrogatepass").decode("utf-8", "replace")
            # Also without the NUL at its edge: LE's last and BE's first byte of a character.
            for form in (wide, wide.strip("\x00")):
                forms.update((form, escape_unprintable(form)))
    return {form for form in forms if form}


def escape_unprintable(text: str) -> str:
    """`text` with each character a terminal could act on written as its Python escape."""
    if text.isprintable():
        return text
    return "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape", "backslashreplace").decode()
        for ch in text
    )


def _json_spellings(secret: str) -> set[str]:
    """`secret` as it stands in a JSON string: as given, as Python writes it (ASCII), and as
    docker's Go writes it (UTF-8, with <, > and & escaped)."""
    import json

    utf8 = json.dumps(secret, ensure_ascii=False)[1:-1]
    go = utf8.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    go = go.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return {secret, json.dumps(secret)[1:-1], utf8, go}


# A JSON `\uXXXX` escape, as a response body may spell a key or a value
# (`"authorization\u0054oken"`), also with the doubled backslash of a bytes repr.
_JSON_ESCAPE = re.compile(r"\\{1,2}u([0-9a-fA-F]{4})")


def forget_secrets() -> None:
    """Forget every registered secret (a process that serves one request at a time)."""
    global _short_secrets, _pieces
    _secrets.clear()
    _known_secrets.clear()
    _ordered.clear()
    _short.clear()
    _short_secrets = None
    _pieces = None


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
    for secret in _ordered:
        if secret in text:
            text = text.replace(secret, REDACTED)
    if _short_secrets is not None:
        text = _short_secrets.sub(REDACTED, text)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group("key") + REDACTED, text)
    return text


def quotable_line(text: str) -> str | None:
    """The line of a program's message that ecrlogin may quote: `text` redacted whole, then
    its first non-blank line ("" if none). None when the redacted text still holds a
    secret, so that no part of the message may be shown: a FRAGMENT-long piece of it or
    of one of its encodings (white space and escaped line breaks removed: a secret broken
    over two lines), or base64 or percent-encoding that decodes to one.

    Only the first QUOTE_WINDOW characters from the first one printed, and as many again
    as the longest spelling of a secret, are looked at (and can be quoted): a program may
    print a megabyte, and redacting all of it would cost seconds."""
    start = len(text) - len(text.lstrip())
    clean = redact(text[: start + QUOTE_WINDOW + 2 * len(_ordered[0] if _ordered else "")])
    if _secrets and _holds_secret(clean):
        return None
    return next((line.strip() for line in clean.splitlines() if line.strip()), "")


# Far more than a quoted line can show: the first line is cut to a few hundred characters.
QUOTE_WINDOW = 64 * 1024

# What is taken out before looking for pieces: white space, and also escaped line breaks
# and tabs (a JSON message broken inside the secret); both ways, since a secret may hold
# a backslash and an "n" itself.
_BREAKS = (re.compile(r"\s+"), re.compile(r"\s+|\\{1,2}[nrt]"))
# A base64 text in each alphabet, also wrapped over lines.
_BASE64_RUNS = [
    re.compile(rf"[A-Za-z0-9{extra}]+(?:[ \t]*(?:\r\n|\r|\n)[ \t]*[A-Za-z0-9{extra}]+)*")
    for extra in ("+/", "_\\-")
]


def _holds_secret(text: str) -> bool:
    pieces = _all_pieces()
    for breaks in _BREAKS:
        flat = breaks.sub("", text)
        if any(flat[i : i + FRAGMENT] in pieces for i in range(len(flat) - FRAGMENT + 1)):
            return True
    return _decodes_to_secret(text)


def _all_pieces() -> set[str]:
    """Every FRAGMENT-long piece of each long secret's spellings and encodings, and of each
    short secret's encodings (a short secret's own spellings are too close to words)."""
    global _pieces
    if _pieces is None:
        _pieces = set()
        for secret in _secrets:
            forms = _encodings(secret, embedded=len(secret) >= WHOLE_WORD_BELOW)
            if len(secret) >= WHOLE_WORD_BELOW:
                forms |= _spellings(secret) | _byte_forms(secret)
            for form in forms:
                for breaks in _BREAKS:
                    flat = breaks.sub("", form)
                    _pieces.update(flat[i : i + FRAGMENT] for i in range(len(flat) - FRAGMENT + 1))
    return _pieces


# A secret shorter than this (in UTF-8) is not looked for in decoded text: any base64 text
# decodes to a given one or two bytes somewhere.
_DECODED_FROM = 3
# A shorter run of letters and digits is a word, not base64 worth decoding (a store's
# base64 of its JSON input is 60 characters or more; a short secret alone is masked whole).
_BASE64_FROM = 16


def _decodes_to_secret(text: str) -> bool:
    """True when base64 in `text` (at any offset, in either alphabet, wrapped or not), or
    percent-encoding, decodes to a secret that the text does not hold as is."""
    import base64
    import binascii
    from urllib.parse import unquote, unquote_plus

    wanted = {
        spelling
        for secret in _secrets
        if len(secret.encode("utf-8", "surrogatepass")) >= _DECODED_FROM
        for spelling in _json_spellings(secret)
    }
    if "%" in text or "+" in text:
        for decoded in (unquote(text), unquote_plus(text)):
            if any(decoded.count(item) > text.count(item) for item in wanted):
                return True
    raw = {item.encode("utf-8", "surrogatepass") for item in wanted}
    for runs, altchars in zip(_BASE64_RUNS, (b"+/", b"-_"), strict=True):
        for match in runs.finditer(text):
            run = "".join(match.group().split())
            if len(run) < _BASE64_FROM:
                continue
            for start in range(min(4, len(run))):
                part = run[start : len(run) - (len(run) - start) % 4]
                try:
                    found = base64.b64decode(part, altchars=altchars, validate=True)
                except (binascii.Error, ValueError):
                    continue
                if any(item in found for item in raw):
                    return True
    return False


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
