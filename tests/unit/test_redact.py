"""The one redactor: a secret's escaped and encoded spellings, short secrets only as tokens,
and the message withheld when it holds a piece of a secret."""

from __future__ import annotations

import base64
import json
import logging
import re
import string
from collections.abc import Iterator
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ecrlogin import logs
from ecrlogin.errors import redacted_line
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
    assert redacted_line(line) == f"The registry answered: denied, {REDACTED}"


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


def _encoded(secret: str) -> dict[str, str]:
    raw = secret.encode()
    return {
        "base64": base64.b64encode(raw).decode(),
        "base64, no padding": base64.b64encode(raw).decode().rstrip("="),
        "URL-safe base64": base64.urlsafe_b64encode(raw).decode(),
        "URL-safe base64, no padding": base64.urlsafe_b64encode(raw).decode().rstrip("="),
        "percent": quote(secret, safe=""),
        "percent, form": quote_plus(secret),
    }


def _decodes_to(text: str, secret: str) -> bool:
    """True when some base64 run in `text`, at some offset, decodes to hold `secret`."""
    wanted = {secret.encode(), json.dumps(secret)[1:-1].encode()}
    for alphabet in ("+/", "-_"):
        for run in re.findall(rf"[A-Za-z0-9{re.escape(alphabet)}]{{4,}}", text):
            for start in range(4):
                part = run[start : len(run) - (len(run) - start) % 4]
                found = base64.b64decode(part, altchars=alphabet.encode())
                if any(item in found for item in wanted):
                    return True
    return False


LONG_SECRETS = st.text(alphabet=SECRET_CHARS, min_size=WHOLE_WORD_BELOW, max_size=40).filter(
    lambda s: s.strip() == s and len(s) >= WHOLE_WORD_BELOW
)


@settings(max_examples=200, deadline=None)
@given(secret=LONG_SECRETS, form=st.sampled_from(sorted(_encoded("x"))))
def test_no_encoded_form_of_a_long_secret_survives(secret: str, form: str) -> None:
    logs.forget_secrets()  # the fixture runs once for all the examples
    logs.register_secret(secret)
    encoded = _encoded(secret)[form]
    out = logs.redact(f"bad secret {encoded}, try again")
    assert encoded not in out
    assert out.endswith(", try again")


@settings(max_examples=200, deadline=None)
@given(
    secret=LONG_SECRETS,
    before=st.text(alphabet=string.printable, max_size=10),
    after=st.text(alphabet=string.printable, max_size=10),
)
def test_a_long_secret_in_a_base64_text_never_decodes_back(
    secret: str, before: str, after: str
) -> None:
    # A store printing its whole JSON input in base64: the secret at any alignment.
    logs.forget_secrets()
    logs.register_secret(secret)
    data = json.dumps({"ServerURL": before, "Username": after, "Secret": secret})
    out = logs.redact("could not keep " + base64.b64encode(data.encode()).decode())
    assert not _decodes_to(out, secret)


@settings(max_examples=200, deadline=None)
@given(
    secret=st.text(alphabet=string.ascii_letters + string.digits + "-.!", min_size=1, max_size=7),
    form=st.sampled_from(sorted(_encoded("x"))),
)
def test_an_encoded_short_secret_is_masked_as_a_token(secret: str, form: str) -> None:
    logs.forget_secrets()
    logs.register_secret(secret)
    encoded = _encoded(secret)[form]
    assert logs.redact(f"bad secret {encoded}") == f"bad secret {REDACTED}"


@settings(max_examples=200, deadline=None)
@given(secret=LONG_SECRETS, data=st.data())
def test_no_8_character_piece_of_a_secret_is_ever_quoted(secret: str, data: st.DataObject) -> None:
    logs.forget_secrets()
    logs.register_secret(secret)
    # FRAGMENT characters of it, white space not counted (it is taken out before looking).
    ends = [i for i, char in enumerate(secret) if not char.isspace()]
    assume(len(ends) >= logs.FRAGMENT)
    first = data.draw(st.integers(0, len(ends) - logs.FRAGMENT))
    piece = secret[ends[first] : ends[first + logs.FRAGMENT - 1] + 1]
    words = data.draw(st.lists(WORD, max_size=4))
    line = " ".join([*words, piece, *words])
    quoted = logs.quotable_line(line)
    assert quoted is None or piece not in quoted


@settings(max_examples=200, deadline=None)
@given(
    secret=LONG_SECRETS,
    cut=st.integers(1, WHOLE_WORD_BELOW - 1),
    form=st.sampled_from(["plain", *sorted(_encoded("x"))]),
    brk=st.sampled_from(["\n", "\r\n", "\r", " \n  "]),
)
def test_a_secret_broken_over_two_lines_is_withheld(
    secret: str, cut: int, form: str, brk: str
) -> None:
    # FRAGMENT characters are counted without white space: a secret with fewer is not
    # looked for in pieces.
    assume(len("".join(secret.split())) >= logs.FRAGMENT)
    logs.forget_secrets()
    logs.register_secret(secret)
    shown = secret if form == "plain" else _encoded(secret)[form]
    cut = min(cut, len(shown) - 1)
    out = logs.quotable_line(f"bad secret: {shown[:cut]}{brk}{shown[cut:]} end")
    assert out is None or "".join(out.split())[-cut:] != "".join(shown[:cut].split())


R = REDACTED


@pytest.mark.parametrize(
    ("secret", "line", "masked"),
    [
        ("x-pw", '{"message": "refused:\\nx-pw."}', '{"message": "refused:\\n<redacted>."}'),
        (
            "pw",
            "user:pw@host, [pw]; key=pw.",
            "user:<redacted>@host, [<redacted>]; key=<redacted>.",
        ),
        ("a.b", "got 'a.b' (a.b)\ta.b", "got '<redacted>' (<redacted>)\t<redacted>"),
        # Not inside a word, a name or a file name.
        ("x", "x-ray a.x.b x_y x.txt", "x-ray a.x.b x_y x.txt"),
        ("pw", "user-pw pw.txt pw_1", "user-pw pw.txt pw_1"),
    ],
)
def test_a_short_secret_is_masked_where_it_stands_on_its_own(
    secret: str, line: str, masked: str
) -> None:
    logs.register_secret(secret)
    assert logs.redact(line) == masked


@pytest.mark.parametrize("secret", ["hub-pass\r\nword-7f3a9c", "hub-pass\nword-7f3a9c"])
@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"])
def test_a_secret_with_a_line_break_is_masked_whatever_the_line_ending(
    secret: str, ending: str
) -> None:
    logs.register_secret(secret)
    shown = secret.replace("\r\n", "\n").replace("\n", ending)
    for line in (f"bad {shown} end", f"bad {json.dumps(shown)} end"):
        assert logs.redact(line) in (f"bad {REDACTED} end", f'bad "{REDACTED}" end')
        assert logs.quotable_line(line) in (f"bad {REDACTED} end", f'bad "{REDACTED}" end')


def test_a_message_without_a_secret_is_quoted_by_its_first_line() -> None:
    logs.register_secret("hub-password-7f3a9c")
    assert logs.quotable_line("\n  gpg: decryption failed  \nmore\n") == "gpg: decryption failed"
    assert logs.quotable_line(" \n") == ""


def test_only_the_start_of_a_long_message_is_looked_at_and_quoted() -> None:
    # A store may print a megabyte: what lies past the window is never shown, so its
    # secret does not withhold the line, and a secret straddling the window's end is
    # within the extra length that is looked at.
    secret = "hub-password-7f3a9c"
    logs.register_secret(secret)
    far = "boom\n" + "x " * logs.QUOTE_WINDOW + f"\n{secret[:9]}\n{secret[9:]}"
    assert logs.quotable_line(far) == "boom"
    edge = "boom " + "y" * (logs.QUOTE_WINDOW - 10) + f"{secret[:9]}\n{secret[9:]}"
    assert logs.quotable_line(edge) is None
