"""The one redactor: a secret's escaped spellings, and short secrets only as whole words."""

from __future__ import annotations

import json
import logging
import string
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecrlogin import logs
from ecrlogin.errors import one_line
from ecrlogin.logs import REDACTED, WHOLE_WORD_BELOW


@pytest.fixture(autouse=True)
def _forget() -> Iterator[None]:
    logs.forget_secrets()
    yield
    logs.forget_secrets()


# What a fallback store or botocore may do with a password on its way to a line.
CONTEXTS = [
    lambda s: f"boom: could not keep {json.dumps({'ServerURL': 'h', 'Secret': s})}",
    lambda s: f"API call with params { ({'registryIds': ['1'], 'password': s})!r}",
    lambda s: f"body={json.dumps(s).encode()!r}",
    lambda s: f"logged {json.dumps({'p': s}, ensure_ascii=False)!r}",
    lambda s: f"as bytes {s.encode()!r}",
    lambda s: f"plain {s} end",
]


@pytest.mark.parametrize(
    "secret", ['pa"ss\\word', "back\\slash\\\\", "quo'te\"both\\", 'é"ü\\xyz9']
)
@pytest.mark.parametrize("context", range(len(CONTEXTS)))
def test_an_escaped_password_is_masked_whole(secret: str, context: int) -> None:
    line = CONTEXTS[context](secret)
    logs.register_secret(secret)
    out = logs.redact(line)
    assert REDACTED in out
    for piece in ("pass", "word", "slash", "both", "xyz9"):
        assert piece not in out or piece in line.replace(secret, "")


SECRET_CHARS = string.ascii_letters + string.digits + "\"\\'/+=é-_ \n\t{}"


@settings(max_examples=200, deadline=None)
@given(
    secret=st.text(alphabet=SECRET_CHARS, min_size=WHOLE_WORD_BELOW, max_size=40).filter(
        lambda s: s.strip() == s and len(s) >= WHOLE_WORD_BELOW
    ),
    context=st.integers(min_value=0, max_value=len(CONTEXTS) - 1),
)
def test_no_spelling_of_a_long_secret_survives(secret: str, context: int) -> None:
    logs.forget_secrets()  # the fixture runs once for all the examples
    line = CONTEXTS[context](secret)
    logs.register_secret(secret)
    out = logs.redact(line)
    for spelling in (secret, json.dumps(secret)[1:-1], repr(secret)[1:-1]):
        assert spelling not in out
    assert REDACTED in out


WORD = st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=8)


@settings(max_examples=200, deadline=None)
@given(
    secret=st.text(alphabet=string.ascii_letters + string.digits + "!#%", min_size=1, max_size=7),
    before=WORD,
    after=WORD,
)
def test_a_short_secret_is_masked_as_a_word_and_never_inside_one(
    secret: str, before: str, after: str
) -> None:
    logs.forget_secrets()  # the fixture runs once for all the examples
    logs.register_secret(secret)
    inside = f"{before}{secret}{after}"
    line = f"error: {inside} ({secret})"
    out = logs.redact(line)
    assert out.endswith(f"({REDACTED})")
    assert inside in out or secret == "error"


def test_a_one_character_password_leaves_an_error_line_readable() -> None:
    logs.register_secret("e")
    line = "The registry answered: denied, e"
    assert one_line(line) == f"The registry answered: denied, {REDACTED}"


def test_botocore_debug_of_a_quoted_password_is_masked(caplog: pytest.LogCaptureFixture) -> None:
    secret = 'p"w\\d-7f3a9c'
    logs.register_secret(secret)
    record = logging.LogRecord(
        "botocore.endpoint",
        logging.DEBUG,
        __file__,
        1,
        "Making request with params %r",
        ({"body": {"password": secret}, "raw": json.dumps({"Secret": secret})},),
        None,
    )
    logs.RedactingFilter().filter(record)
    text = record.getMessage()
    assert "7f3a9c" not in text
    assert text.count(REDACTED) == 2
