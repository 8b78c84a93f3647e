"""An API response as the AWS CLI v2 prints it: `--output json|text|table|yaml|yaml-stream`,
`--query` and `cli_timestamp_format`.

`format_response()` is pure: a response in, the text for stdout out. The
rules are learned from aws/aws-cli v2 (`awscli/formatter.py`, `text.py`,
`table.py`) and checked byte for byte against it; the code is our own.
A YAML library is imported only when YAML is asked for.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any, Literal

from ecrlogin.errors import FormatError, ParameterError

# The AWS CLI v2's output formats, in the order its --help lists them.
OUTPUTS = ("json", "text", "table", "yaml", "yaml-stream")

TimestampFormat = Literal["iso8601", "wire"]

# The members of ECR's and ECR Public's GetAuthorizationToken responses that their
# service models type as timestamps (a test reads the models to keep this true).
TIMESTAMP_MEMBERS = frozenset({"expiresAt"})

# The AWS CLI's table title: the operation's name (the same for ECR and ECR Public).
OPERATION = "GetAuthorizationToken"

# The table width when stdout is not a terminal, as in the AWS CLI.
DEFAULT_WIDTH = 80


def format_response(
    data: Any,
    *,
    output: str,
    query: str | None,
    timestamp_format: TimestampFormat,
    title: str = OPERATION,
    width: int = DEFAULT_WIDTH,
) -> str:
    """What `aws --output OUTPUT [--query QUERY]` prints for a response ("" for nothing).

    `data` holds timestamps as sent (epoch seconds); `timestamp_format` is the
    profile's `cli_timestamp_format`; `width` is the terminal's width, which
    decides when a table turns its one-row sections on end.
    """
    data = _timestamps(data, timestamp_format)
    if query is not None:
        data = _search(query, data)
    if output == "json":
        return "" if data == {} else _json(data, indent=4) + "\n"
    if output == "text":
        lines: list[str] = []
        _text(data, lines, identifier=None, scalar_keys=None)
        return "".join(line + "\n" for line in lines)
    if output == "table":
        return _table(title, data, width)
    if output == "yaml":
        return "" if data == {} else _yaml(data)
    if output == "yaml-stream":
        # Each response is a one-item list, so a paginated stream is a list of pages.
        return "" if data == {} else _yaml([data])
    raise ValueError(f"unknown output format {output!r}")


def terminal_width(default: int = DEFAULT_WIDTH) -> int:
    """stdout's terminal width, or `default` when stdout is not a terminal (as the AWS CLI)."""
    import os
    import sys

    try:
        return os.get_terminal_size(sys.stdout.fileno()).columns
    except (AttributeError, ValueError, OSError):
        return default


# --- timestamps and the query ---------------------------------------------------------


def _timestamps(value: Any, timestamp_format: TimestampFormat) -> Any:
    """`value` with its timestamp members as the AWS CLI shows them: as sent (wire), or as
    ISO 8601 in the local time zone (iso8601), which is what botocore's parser gives v2."""
    if timestamp_format == "wire":
        return value
    if isinstance(value, dict):
        return {
            key: _iso8601(item)
            if key in TIMESTAMP_MEMBERS and item is not None
            else _timestamps(item, timestamp_format)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_timestamps(item, timestamp_format) for item in value]
    return value


def _iso8601(value: Any) -> Any:
    if isinstance(value, (dict, list, bool)):
        return value
    from botocore.utils import parse_timestamp  # the AWS CLI v2's own parser

    try:
        return parse_timestamp(value).isoformat()
    except (ValueError, TypeError, OverflowError, OSError, RuntimeError):
        # Not a time (the core has already refused one that a token needs): as sent.
        return value


def _search(query: str, data: Any) -> Any:
    import jmespath
    from jmespath.exceptions import JMESPathError

    try:
        return jmespath.search(query, data)
    except JMESPathError as exc:
        raise ParameterError(
            f"Bad value for --query {query}: {' '.join(str(exc).split())}",
            "Check the JMESPath expression (see https://jmespath.org).",
        ) from None


def json_default(value: object) -> str:
    """`json.dumps(default=...)` for a parsed response: a datetime as ISO 8601, as v2's
    JSON encoder writes it."""
    from datetime import datetime

    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def _json(value: Any, indent: int | None = None) -> str:
    return json.dumps(value, indent=indent, ensure_ascii=False, default=json_default)


def _is_scalar(value: object) -> bool:
    return not isinstance(value, (dict, list))


def _mixed_list(output: str) -> FormatError:
    # The AWS CLI v2 fails on these too (exit 255), having printed part of the text.
    return FormatError(
        f"The {output} format cannot lay out this result: a list mixes objects with other values",
        "Use --output json, or a --query that gives only objects.",
    )


# --- text: a dict's scalar values on one tab-separated line, led by the upper-cased
# key it came from; nested lists and dicts follow on lines of their own -------------------


def _text(
    item: Any, lines: list[str], identifier: str | None, scalar_keys: list[str] | None
) -> None:
    if isinstance(item, dict):
        _text_dict(item, lines, identifier, scalar_keys)
    elif isinstance(item, list):
        _text_list(item, lines, identifier)
    else:
        lines.append(str(item))


def _text_list(items: list[Any], lines: list[str], identifier: str | None) -> None:
    if not items:
        return
    if any(isinstance(item, dict) for item in items):
        if not all(isinstance(item, dict) for item in items):
            raise _mixed_list("text")
        keys = sorted({k for item in items for k, v in item.items() if _is_scalar(v)})
        for item in items:
            _text(item, lines, identifier, keys)
        return
    scalars = [item for item in items if _is_scalar(item)]
    nested = [item for item in items if not _is_scalar(item)]
    if scalars:
        if identifier is None:
            lines.append("\t".join(str(item) for item in scalars))
        else:
            lines.extend(f"{identifier.upper()}\t{item}" for item in scalars)
    for item in nested:
        _text(item, lines, identifier, None)


def _text_dict(
    item: dict[str, Any], lines: list[str], identifier: str | None, scalar_keys: list[str] | None
) -> None:
    if scalar_keys is None:
        scalars = [str(v) for _, v in sorted(item.items()) if _is_scalar(v)]
        nested = [(k, v) for k, v in sorted(item.items()) if not _is_scalar(v)]
    else:
        scalars = [str(item.get(key, "")) for key in scalar_keys]
        nested = [(k, item[k]) for k in sorted(set(item) - set(scalar_keys))]
    if scalars:
        if identifier is not None:
            scalars.insert(0, identifier.upper())
        lines.append("\t".join(scalars))
    for key, value in nested:
        _text(value, lines, key, None)


# --- yaml: ruamel.yaml's safe dumper in block style, as the AWS CLI v2 configures it --------


def _yaml(value: Any) -> str:
    if value is None or isinstance(value, (bool, int, float, str)):
        # A bare scalar would end in YAML's "..." document marker: JSON instead, as v2 does.
        return _json(value) + "\n"
    import io

    from ruamel.yaml import YAML

    # typ="safe" uses libyaml's emitter (ruamel.yaml.clib) when it is installed, as
    # v2 does: the pure-Python emitter quotes and wraps some strings differently.
    dumper = YAML(typ="safe")
    dumper.encoding = None  # type: ignore[assignment]  # text out, as v2 sets it
    dumper.representer.default_flow_style = False
    stream = io.StringIO()
    dumper.dump(value, stream)
    return stream.getvalue()


# --- table: boxed sections, one per object or list of objects, nested ones indented
# by a `|` on each side; a table wider than the terminal turns one-row sections on end ---


def _cell_width(text: str) -> int:
    """Columns `text` takes on a terminal: East Asian wide, full-width and ambiguous
    characters take two, as the AWS CLI counts them."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(char) in "WFA" else 1 for char in text)


class _Section:
    """One box of a table: a title, optional column headers, rows of cells."""

    def __init__(self, title: str | None, indent: int) -> None:
        self.title = title
        self.indent = indent
        self.headers: list[str] = []
        self.rows: list[list[str]] = []
        self.columns: int | None = None
        self.widths: list[int] = []  # the widest cell (or header) of each column

    def set_headers(self, headers: list[str]) -> None:
        self._widen(headers)
        if self.columns is None:
            self.columns = len(headers)
        self.headers = headers

    def add_row(self, cells: Iterable[Any]) -> None:
        row = [str(cell) for cell in cells]
        if self.columns is None:
            self.columns = len(row)
        if len(row) != self.columns:
            raise FormatError(
                f"The table format cannot lay out this --query result: a row of {len(row)} "
                f"cells in a table of {self.columns} columns",
                "Use --output json, or a query whose rows have the same columns.",
            )
        self.rows.append(row)
        self._widen(row)

    def _widen(self, cells: list[str]) -> None:
        if not self.widths:
            self.widths = [_cell_width(cell) for cell in cells]
            return
        if len(cells) > len(self.widths):
            raise FormatError(
                "The table format cannot lay out this --query result: more headers than columns",
                "Use --output json, or a query whose rows have the same columns.",
            )
        for index, cell in enumerate(cells):
            self.widths[index] = max(self.widths[index], _cell_width(cell))

    def outer_width(self) -> int:
        """The width this section needs, borders and indentation included."""
        columns = sum(width + 4 for width in self.widths) + 2 + 2 * self.indent
        return max(_cell_width(str(self.title)) + 2 + 2 * self.indent, columns)

    def column_widths(self, width: int) -> list[int]:
        """Each column's share of `width`, in proportion to its padded content."""
        padded = [column + 4 for column in self.widths]
        if not padded:
            return []
        scale = width / sum(padded)
        shares = [round(scale * column) for column in padded]
        excess = sum(shares) - width
        # Rounding leaves the sum a little off: take from the first columns, or give
        # to the last ones, one at a time.
        while excess:
            order = range(len(shares)) if excess > 0 else reversed(range(len(shares)))
            for index in order:
                step = 1 if excess > 0 else -1
                shares[index] -= step
                excess -= step
                if not excess:
                    break
        return shares

    def on_end(self) -> _Section:
        """A one-row section as a two-column list of header and value."""
        turned = _Section(self.title, self.indent)
        for header, cell in zip(self.headers, self.rows[0], strict=False):
            turned.add_row([header, cell])
        return turned

    def lines(self, width: int) -> list[str]:
        """The lines of this section, `width` wide (its indentation is the caller's)."""
        out = []
        if self.title:
            out.append(_centered(self.title, width, "|", "|"))
            if not self.headers and not self.rows:
                out.append("+" + "-" * (width - 2) + "+")
        widths = self.column_widths(width)
        if self.headers:
            out.append(_rule(widths))
            out.append(_cells(widths, self.headers, _centered))
        if self.rows and widths:
            out.append(_rule(widths))
            out.extend(_cells(widths, row, _left) for row in self.rows)
            out.append(_rule(widths))
        return out


def _cells(widths: list[int], texts: list[str], fit: Callable[[str, int, str, str], str]) -> str:
    """One line of cells, each fitted to its column; only the first has a left edge."""
    return "".join(
        fit(text, width, "" if index else "|", "|")
        for index, (width, text) in enumerate(zip(widths, texts, strict=False))
    )


def _rule(widths: list[int]) -> str:
    """`+-----+------+`: the line above and below headers and rows."""
    return "".join(
        ("+" + "-" * (width - 2) if index == 0 else "-" * (width - 1)) + "+"
        for index, width in enumerate(widths)
    )


def _centered(text: str, width: int, left: str, right: str) -> str:
    # The AWS CLI's centring: left of centre by half the text, one column less
    # for the left edge; the rest of the width is padding before the right edge.
    size = _cell_width(text)
    before = width // 2 - size // 2 - 1
    after = width - len(right) - (len(left) + before + size)
    return left + " " * before + text + " " * after + right


def _left(text: str, width: int, left: str, right: str) -> str:
    size = _cell_width(text)
    pad = 2 if width - (size + 2 + len(left) + len(right)) >= 0 else 0
    return left + " " * pad + text + " " * (width - (len(left) + pad + size) - len(right)) + right


class _TableBuilder:
    """Lays a response out in sections, as the AWS CLI's table formatter walks it."""

    def __init__(self) -> None:
        self.sections: list[_Section] = []

    @property
    def current(self) -> _Section:
        return self.sections[-1]

    def new_section(self, title: str | None, indent: int) -> None:
        self.sections.append(_Section(title, indent))

    def add(self, title: str | None, value: Any, indent: int = 0) -> bool:
        """Lay out `value` in a section titled `title` (None: in the current section);
        False when there is nothing to show."""
        if not value:
            return False
        if title is not None:
            self.new_section(title, indent)
        if isinstance(value, list):
            if isinstance(value[0], dict):
                self._objects(value, title, indent)
            else:
                for item in value:
                    if _is_scalar(item):
                        self.current.add_row([item])
                    elif all(_is_scalar(cell) for cell in item):
                        # An object here gives its keys, as iterating it does in v2.
                        self.current.add_row(item)
                    else:
                        self.add(None, item)
        if isinstance(value, dict):
            self._object(value, indent)
        return True

    def _object(self, value: dict[str, Any], indent: int) -> None:
        scalars = sorted(key for key, item in value.items() if _is_scalar(item))
        nested = sorted(key for key, item in value.items() if not _is_scalar(item))
        if len(scalars) == 1:
            self.current.add_row([scalars[0], value[scalars[0]]])
        elif scalars:
            self.current.set_headers(scalars)
            self.current.add_row([value[key] for key in scalars])
        for key in nested:
            self.add(key, value[key], indent + 1)

    def _objects(self, items: list[Any], title: str | None, indent: int) -> None:
        if not all(isinstance(item, dict) for item in items):
            raise _mixed_list("table")
        headers = sorted({k for item in items for k, v in item.items() if _is_scalar(v)})
        nested = sorted({k for item in items for k, v in item.items() if not _is_scalar(v)})
        self.current.set_headers(headers)
        for index, item in enumerate(items):
            if index and nested:
                # An object with nested parts gets a section of its own.
                self.new_section(title, indent)
                self.current.set_headers(headers)
            self.current.add_row([item.get(header, "") for header in headers])
            for key in nested:
                if key in item:
                    self.add(key, item[key], indent + 1)


def _table(title: str, data: Any, width: int) -> str:
    builder = _TableBuilder()
    if not builder.add(title, data):
        return ""
    sections = builder.sections
    total = max(section.outer_width() for section in sections)
    if total > width:
        sections = [
            section.on_end() if len(section.rows) == 1 and section.headers else section
            for section in sections
        ]
        total = max(section.outer_width() for section in sections)
    lines = ["-" * total]
    for section in sections:
        edge = "|" * section.indent
        lines.extend(edge + line + edge for line in section.lines(total - 2 * section.indent))
    return "".join(line + "\n" for line in lines)
