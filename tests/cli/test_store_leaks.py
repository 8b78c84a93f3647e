"""A failing fallback store that prints the password it was given, in any disguise.

docker-credential-ecrlogin quotes the first line a failing fallback store printed (so a
person sees why it failed). These stores print the password they were handed encoded,
broken over lines, as a short token or with its line endings changed: the real
`docker-credential-ecrlogin` must keep every form of it off stderr, pass the store's
stdout and exit code on unchanged, and still say in one line which store failed.

The store is a stand-in: no real store can be made to print its input this way on demand.
"""

from __future__ import annotations

import base64
import json
import re
import sys
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from tests.support.helper import helper

OTHER = "registry.example.com"
# A password whose base64 has both "+" and "/" (the URL-safe alphabet differs) and whose
# percent-encodings differ from it and from each other.
LONG = "hub pass/wörd+7f3a9c?>~"

# The stand-in reads the protocol's JSON on stdin and prints, on stderr, the line that
# STANDIN_SHOWS builds from it; its stdout is a plain refusal, its exit code 3.
STAND_IN = """#!{python}
import base64, json, os, sys
from urllib.parse import quote, quote_plus

data = sys.stdin.buffer.read()
secret = json.loads(data)["Secret"]
raw = secret.encode()
shows = {{
    "b64-input": lambda: "could not keep " + base64.b64encode(data).decode(),
    "b64-wrapped": lambda: base64.encodebytes(raw).decode(),
    "b64": lambda: "bad secret " + base64.b64encode(raw).decode(),
    "b64-bare": lambda: "bad secret " + base64.b64encode(raw).decode().rstrip("="),
    "b64-url": lambda: "bad secret " + base64.urlsafe_b64encode(raw).decode(),
    "b64-url-bare": lambda: "bad secret " + base64.urlsafe_b64encode(raw).decode().rstrip("="),
    "quote": lambda: "bad secret=" + quote(secret, safe="") + "&x=1",
    "quote-plus": lambda: "bad secret=" + quote_plus(secret) + "&x=1",
    "split-lf": lambda: "bad secret " + secret[:9] + "\\n" + secret[9:] + " end",
    "split-crlf": lambda: "bad secret " + secret[:9] + "\\r\\n" + secret[9:] + " end",
    "json-escaped-lf": lambda: json.dumps({{"message": "refused:\\n" + secret + "."}}),
    "raw": lambda: "bad secret " + secret + " end",
    "raw-crlf": lambda: "bad secret " + secret.replace("\\n", "\\r\\n") + " end",
    "raw-lf": lambda: "bad secret " + secret.replace("\\r\\n", "\\n") + " end",
    "raw-cr": lambda: "bad secret " + secret.replace("\\r\\n", "\\r") + " end",
    "stdin": lambda: "could not keep " + data.decode(),
    "tokens": lambda: (
        f"bad [{{secret}}] ({{secret}}) {{{{{{secret}}}}}} <{{secret}}> '{{secret}}' "
        f"key={{secret}}; user:{{secret}}, {{secret}}. \\t{{secret}}"
    ),
}}
sys.stdout.write("store refused\\n")
sys.stderr.write(shows[os.environ["STANDIN_SHOWS"]]() + "\\n")
sys.exit(3)
"""

PREFIX = "ecrlogin: error: The fallback credential store docker-credential-standin failed store "


@pytest.fixture
def store_env(aws_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """The helper's environment with the stand-in as its fallback store."""
    directory = tmp_path / "bin"
    directory.mkdir()
    script = directory / "docker-credential-standin"
    script.write_text(STAND_IN.format(python=sys.executable))
    script.chmod(0o755)
    return {
        **aws_env,
        "PATH": f"{directory}:{aws_env['PATH']}",
        "ECRLOGIN_FALLBACK_STORE": "standin",
    }


def _store(env: dict[str, str], shows: str, secret: str, username: str = "me") -> bytes:
    """Run `store` through the helper with a stand-in that shows `shows`; its stderr."""
    payload = json.dumps({"ServerURL": OTHER, "Username": username, "Secret": secret})
    done = helper("store", payload, env={**env, "STANDIN_SHOWS": shows})
    assert done.returncode == 3  # the store's exit code, unchanged
    assert done.stdout == b"store refused\n"  # its answer, unchanged
    assert done.stderr.count(b"\n") == 1
    assert done.stderr.decode().startswith(PREFIX + "(exit 3)")
    return done.stderr


def _decoded(text: str) -> list[bytes]:
    """Every base64 run in `text` decoded at each of the four offsets, in both alphabets."""
    found = []
    for alphabet in ("+/", "-_"):
        for run in re.findall(rf"[A-Za-z0-9{re.escape(alphabet)}]{{4,}}", text):
            for start in range(4):
                part = run[start:]
                part = part[: len(part) - len(part) % 4]
                found.append(base64.b64decode(part, altchars=alphabet.encode()))
    return found


def _fragments(text: str, size: int = 8) -> set[str]:
    return {text[i : i + size] for i in range(len(text) - size + 1)}


def assert_no_form_of(secret: str, stderr: bytes) -> None:
    """Nothing of `secret` in `stderr`: no 8-character piece of it or of its encodings,
    and no base64 in it that decodes to the secret (or, for a short one, no copy at all)."""
    text = stderr.decode()
    flat = "".join(text.split())
    raw = secret.encode()
    forms = {
        secret,
        json.dumps(secret)[1:-1],
        base64.b64encode(raw).decode(),
        base64.urlsafe_b64encode(raw).decode(),
        quote(secret, safe=""),
        quote_plus(secret),
    }
    for form in forms:
        flat_form = "".join(form.split())
        pieces = _fragments(flat_form) if len(secret) >= 8 else {flat_form}
        for piece in pieces:
            assert piece not in flat, (piece, text)
    spellings = {raw, json.dumps(secret)[1:-1].encode()}
    for decoded in _decoded(flat):
        assert not any(spelling in decoded for spelling in spellings), text


ENCODED = ["b64", "b64-bare", "b64-url", "b64-url-bare", "quote", "quote-plus"]


@pytest.mark.parametrize("shows", ENCODED)
@pytest.mark.parametrize("secret", [LONG, "x-pw y"])
def test_a_store_that_prints_the_password_encoded_never_shows_it(
    store_env: dict[str, str], shows: str, secret: str
) -> None:
    stderr = _store(store_env, shows, secret)
    assert_no_form_of(secret, stderr)


@pytest.mark.parametrize("username", ["me", "mee", "meee"])  # the three base64 alignments
@pytest.mark.parametrize("secret", [LONG, "x-pw"])
def test_a_store_that_prints_its_whole_input_in_base64_never_shows_the_password(
    store_env: dict[str, str], username: str, secret: str
) -> None:
    stderr = _store(store_env, "b64-input", secret, username)
    assert_no_form_of(secret, stderr)


@pytest.mark.parametrize(
    ("shows", "secret"),
    # A token of 69 characters: its base64 is wrapped after 76 columns.
    [("split-lf", LONG), ("split-crlf", LONG), ("b64-wrapped", LONG * 3)],
)
def test_a_password_broken_over_two_lines_is_withheld_whole(
    store_env: dict[str, str], shows: str, secret: str
) -> None:
    stderr = _store(store_env, shows, secret)
    assert_no_form_of(secret, stderr)
    assert stderr.decode() == (
        PREFIX + "(exit 3); its message is withheld because it contains the password "
        "(run docker-credential-standin yourself to read it).\n"
    )


def test_a_quoted_message_is_redacted_whole_before_its_first_line_is_taken(
    store_env: dict[str, str],
) -> None:
    # The password printed whole (and JSON-escaped) is masked and the message still quoted.
    stderr = _store(store_env, "stdin", LONG)
    assert_no_form_of(LONG, stderr)
    assert b'"Secret": "<redacted>"' in stderr or b'"Secret":"<redacted>"' in stderr


@pytest.mark.parametrize("secret", ["x-pw", "pw", "a.b"])
@pytest.mark.parametrize("shows", ["tokens", "json-escaped-lf", "raw"])
def test_a_short_password_is_masked_wherever_it_stands_as_a_token(
    store_env: dict[str, str], secret: str, shows: str
) -> None:
    stderr = _store(store_env, shows, secret)
    assert secret.encode() not in stderr
    assert stderr.count(b"<redacted>") >= 1


@pytest.mark.parametrize("shows", ["raw", "stdin", "raw-crlf", "raw-lf", "raw-cr", "split-lf"])
@pytest.mark.parametrize("secret", ["hub-pass\r\nword-7f3a9c", "hub-pass\nword-7f3a9c"])
def test_a_password_with_a_line_break_never_shows_either_part(
    store_env: dict[str, str], shows: str, secret: str
) -> None:
    stderr = _store(store_env, shows, secret)
    assert b"hub-pass" not in stderr
    assert b"word-7f3" not in stderr
