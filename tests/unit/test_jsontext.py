"""ecrlogin.jsontext reads and writes exactly what `json` does, value for value and error
for error: it only skips `import json` (and with it `re`) on the cache-hit paths."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ecrlogin import jsontext

ROOT = Path(__file__).resolve().parents[2]

SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
# Strings and objects of them: what the programs write (dumps' own path).
OBJECTS = st.recursive(
    st.text(), lambda inner: st.dictionaries(st.text(), inner, max_size=4), max_leaves=12
)
JSONISH = st.text(alphabet='{}[]",:0123456789.eE+-truefalsnNaIiy \t\n\r\\u\ufeffé', max_size=40)


def outcome(read: object, text: str) -> tuple[str, str]:
    """What reading `text` gives: the value (written by json, so NaN equals NaN) or the error."""
    try:
        value = read(text)  # type: ignore[operator]
    except (ValueError, RecursionError) as exc:
        return type(exc).__name__, str(exc)
    return "value", json.dumps(value)


@given(
    st.one_of(
        VALUES.map(json.dumps), VALUES.map(lambda v: f" \n{json.dumps(v, indent=1)}\r\t"), JSONISH
    )
)
@example("")
@example("  ")
@example("\ufeff{}")
@example("{} x")
@example('{"a": 1} {"b": 2}')
@example("[1, 2")
@example("NaN")
@example("-Infinity")
@example('"\\ud800"')
@example('{"a": 1, "a": 2}')
@example("1" * 5000)  # past int's digit limit: json's ValueError
@example("\u00a0{}")  # white space json does not skip
def test_loads_gives_jsons_value_or_jsons_error(text: str) -> None:
    assert outcome(jsontext.loads, text) == outcome(json.loads, text)


@given(st.one_of(OBJECTS, VALUES))
@example({"ServerURL": "h\u2028", "Secret": 'a"b\\c\x00é'})
@example({1: "int key"})
def test_dumps_writes_what_json_writes(value: object) -> None:
    try:
        expected = json.dumps(value, separators=(",", ":"))
    except ValueError:
        return  # (none here: floats stay NaN-capable) json's own refusal
    assert jsontext.dumps(value) == expected


def test_deep_nesting_is_jsons_recursion_error() -> None:
    deep = "[" * 100_000 + "]" * 100_000
    with pytest.raises(RecursionError):
        json.loads(deep)
    with pytest.raises(RecursionError):
        jsontext.loads(deep)


BAD = ("{x}", "", "[1,", '"\\x"', "{} x", "\ufeff{}")


def test_in_a_fresh_process_it_imports_neither_json_nor_re_and_errors_are_jsons() -> None:
    # -S: no site-packages, whose .pth files may import re themselves.
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r}); from ecrlogin import jsontext\n"
        "assert jsontext.loads(jsontext.dumps({'a': {'b': 'c'}})) == {'a': {'b': 'c'}}\n"
        "print(sorted({'json', 're'} & set(sys.modules)))\n"
        f"for bad in {BAD!r}:\n"
        "    try:\n"
        "        jsontext.loads(bad)\n"
        "    except ValueError as exc:\n"
        "        print(type(exc).__name__, exc)\n"
    )
    done = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True)
    lines = done.stdout.splitlines()
    assert (done.returncode, lines[:1]) == (0, ["[]"]), done.stderr
    expected = []
    for bad in BAD:
        with pytest.raises(json.JSONDecodeError) as caught:
            json.loads(bad)
        expected.append(f"JSONDecodeError {caught.value}")
    assert lines[1:] == expected
