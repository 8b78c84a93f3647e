"""A GitHub Actions runner, simulated where ecrlogin meets it: the step outputs file and the
workflow commands in a step's output, read the way actions/runner reads them.

- `read_outputs` follows `EnvFileKeyValuePairs` (src/Runner.Worker/FileCommandManager.cs,
  LF line ends as on Linux runners): `NAME=VALUE` lines, and `NAME<<DELIMITER` blocks
  whose value is every line up to the one equal to DELIMITER, the last line break
  excluded. What the runner rejects raises ValueError here.
- `commands` follows `ActionCommand.TryParseV2` (src/Runner.Common/ActionCommand.cs),
  which `OutputManager.OnDataReceived` applies to every line of stdout and of stderr.
- `masked` does what the runner's secret masker does to a log line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path


def runner_env(base: Mapping[str, str], directory: Path) -> tuple[dict[str, str], Path]:
    """`base` as a runner's step sees it: GITHUB_ACTIONS=true and an empty outputs file
    (the runner creates it before each step), and that file."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "set_output_step"
    path.write_bytes(b"")
    return {**base, "GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(path)}, path


def _read_line(text: str, index: int) -> tuple[str | None, int, bool]:
    """(the line at `index` or None at the end, the index after it, whether a LF ended it)."""
    if index >= len(text):
        return None, index, False
    end = text.find("\n", index)
    if end < 0:
        return text[index:], len(text), False
    return text[index:end], end + 1, True


def parse_outputs(text: str) -> list[tuple[str, str]]:
    """Every (name, value) in the file's order, as the runner reads them."""
    pairs: list[tuple[str, str]] = []
    line, index, _ = _read_line(text, 0)
    while line is not None:
        if line:
            equals, heredoc = line.find("="), line.find("<<")
            if equals >= 0 and (heredoc < 0 or equals < heredoc):
                name, _, value = line.partition("=")
            elif heredoc >= 0:
                name, _, delimiter = line.partition("<<")
                if not name or not delimiter:
                    raise ValueError(f"Invalid format {line!r}: empty name or delimiter")
                start = end = index
                found, index, newline = _read_line(text, index)
                while found != delimiter:
                    if found is None:
                        raise ValueError(f"Matching delimiter not found {delimiter!r}")
                    if not newline:
                        raise ValueError("EOF marker missing new line")
                    end = index - 1
                    found, index, newline = _read_line(text, index)
                value = text[start:end] if end > start else ""
            else:
                raise ValueError(f"Invalid format {line!r}")
            pairs.append((name, value))
        line, index, _ = _read_line(text, index)
    return pairs


def read_outputs(path: Path) -> dict[str, str]:
    """The step's outputs from the file (a later value of a name wins, as in the runner)."""
    # Bytes, decoded: read_text() would turn CR LF into LF, which the runner never does.
    return dict(parse_outputs(path.read_bytes().decode("utf-8")))


def _unescape(data: str) -> str:
    return data.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def commands(stream: bytes) -> list[tuple[int, str, str]]:
    """(line number, command, data) of every `::command::data` line of a step's stream."""
    found = []
    # The runner's readers split on LF alone (a CR before it is dropped by .NET's ReadLine).
    for number, raw in enumerate(stream.decode("utf-8").split("\n")):
        raw = raw.removesuffix("\r")
        message = raw.lstrip()
        if not message.startswith("::"):
            continue
        end = message.find("::", 2)
        if end < 0:
            continue
        name = message[2:end].partition(" ")[0]
        found.append((number, name.lower(), _unescape(message[end + 2 :])))
    return found


def masks(stream: bytes) -> list[str]:
    """The secrets a stream registers with `::add-mask::`, in order."""
    return [data for _, name, data in commands(stream) if name == "add-mask"]


def masked(line: str, secrets: Iterable[str]) -> str:
    """`line` as the runner logs it once `secrets` are registered (longest first, as its
    masker replaces overlapping values)."""
    for secret in sorted(secrets, key=len, reverse=True):
        line = line.replace(secret, "***")
    return line
