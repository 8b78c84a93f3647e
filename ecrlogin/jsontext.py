"""JSON for the protocol programs' cache-hit answers, without `import json`.

`json` imports `re`, which alone costs about 12 ms here (`python -X importtime`): half
the kubelet plugin's whole cache-hit budget. `loads` runs the standard library's own C
scanner (`_json`, the one `json.loads` runs) under the rules `json.JSONDecoder.decode`
adds around it (white space, a byte-order mark, trailing data); `dumps` writes the
compact form of `json.dumps(value, separators=(",", ":"))` with `_json`'s string
encoder. Every error, every other type and every Python without `_json` go to `json`
itself, so each result and each error is `json`'s (tests/unit/test_jsontext.py).
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing itself is too costly to import on the cache-hit path
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

try:
    import _json
except ImportError:  # not CPython's accelerator: json's own pure-Python code serves
    _json = None  # type: ignore[assignment]

_WHITE_SPACE = " \t\n\r"  # json.decoder.WHITESPACE
_CONSTANTS = {"-Infinity": float("-inf"), "Infinity": float("inf"), "NaN": float("nan")}


class _Settings:
    """What `json.JSONDecoder()` hands the C scanner by default."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = _CONSTANTS.__getitem__


_scan: Callable[[str, int], tuple[Any, int]] | None = (
    None if _json is None else _json.make_scanner(_Settings())  # type: ignore[arg-type]
)
_string: Callable[[str], str] | None = None if _json is None else _json.encode_basestring_ascii


def _skip(text: str, index: int) -> int:
    while index < len(text) and text[index] in _WHITE_SPACE:
        index += 1
    return index


def loads(text: str) -> Any:
    """`json.loads(text)`: the same value, or the same error."""
    if _scan is not None and not text.startswith("\ufeff"):
        try:
            value, end = _scan(text, _skip(text, 0))
        except (StopIteration, SystemError):
            # StopIteration: no value where one must start. SystemError: the scanner raises
            # json.decoder's error class, only found once `json` is loaded. Either way,
            # json.loads below raises json's own error.
            pass
        else:
            if _skip(text, end) == len(text):
                return value
    import json

    return json.loads(text)


def dumps(value: object) -> str:
    """`json.dumps(value, separators=(",", ":"))`: ASCII, compact, keys in their order."""
    if _string is not None:
        try:
            return _compact(value, _string)
        except TypeError:
            pass  # a type other than str and objects of them: json writes it
    import json

    return json.dumps(value, separators=(",", ":"))


def _compact(value: object, string: Callable[[str], str]) -> str:
    if type(value) is str:
        return string(value)
    if type(value) is not dict:
        raise TypeError(type(value).__name__)
    return "{" + ",".join(f"{string(k)}:{_compact(v, string)}" for k, v in value.items()) + "}"
