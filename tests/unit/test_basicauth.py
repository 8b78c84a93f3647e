"""The base64 `USER:PASSWORD` form: the hand-written strict decoder (kept off `re` for the
helper's cache hit, see ecrlogin.cache) reads exactly what the standard library's strict
decoder reads."""

from __future__ import annotations

import base64

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ecrlogin import basicauth

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def standard(token: str) -> str | None:
    """The standard library's reading: strict base64 of UTF-8 text, or None."""
    if len(token) % 4:
        return None
    try:
        return base64.b64decode(token, validate=True).decode("utf-8")
    except ValueError:  # binascii.Error, UnicodeError, non-ASCII text
        return None


def ours(token: str) -> str | None:
    try:
        return basicauth.decode_text(token)
    except basicauth.NotBase64:
        return None


NEAR_BASE64 = st.text(alphabet=ALPHABET + "=-_ \n\té:", max_size=24)
ENCODED = st.binary(max_size=24).map(lambda raw: base64.b64encode(raw).decode())


@given(st.one_of(NEAR_BASE64, ENCODED, st.text(max_size=24)))
@example("QVdTOnNlY3JldA==")
@example("QVdTOnNlY3JldA=")  # padding short of a whole quad
@example("QV=TOnNlY3JldA==")  # padding inside
@example("QVdTOnNlY3JldA==\n")
@example("QVdT OnNlY3JldA=")  # a stray space, which a lenient decoder skips
@example("/w==")  # base64 of a byte that is not UTF-8
def test_the_decoder_reads_what_the_standard_librarys_strict_decoder_reads(token: str) -> None:
    assert ours(token) == standard(token)


@pytest.mark.parametrize(("user", "password"), [("AWS", "a:b:c"), ("u", "é"), ("AWS", "x" * 3000)])
def test_a_round_trip_splits_at_the_first_colon(user: str, password: str) -> None:
    assert basicauth.decode(basicauth.encode(user, password)) == (user, password)


@pytest.mark.parametrize("text", ["", ":secret", "AWS:", "AWS"])
def test_a_missing_user_or_password_is_refused(text: str) -> None:
    with pytest.raises(basicauth.NotUserPassword):
        basicauth.decode(base64.b64encode(text.encode()).decode())
