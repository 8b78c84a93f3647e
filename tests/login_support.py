"""Helpers for the login tests: a recording stand-in client.

The stand-in replaces a container client (docker has no daemon here) and records
exactly what ecrlogin handed it: argv, environment and stdin. Where moto cannot
help (a token that expires in the future, counting token calls per region, one
region refusing while another answers) the tests use tests/faultserver.py.
"""

from __future__ import annotations

import json
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

_RECORDER = """#!{python}
import json, os, sys, time
record = {{
    "argv": sys.argv,
    "env": dict(os.environ),
    "stdin": sys.stdin.buffer.read().decode("utf-8", "replace"),
}}
name = "%d-%d.json" % (time.monotonic_ns(), os.getpid())
with open(os.path.join({record_dir!r}, name), "w") as handle:
    json.dump(record, handle)
fail_for = {fail_for!r}
code = {exit_code} if fail_for is None or fail_for in sys.argv else 0
if code:
    sys.stderr.write({message!r})
sys.exit(code)
"""


@dataclass(frozen=True)
class Call:
    """One recorded run of a stand-in client."""

    argv: list[str]
    env: dict[str, str]
    stdin: str


def install_recorder(
    bin_dir: Path,
    name: str,
    record_dir: Path,
    *,
    exit_code: int = 0,
    message: str = "",
    fail_for: str | None = None,
) -> Path:
    """Write an executable stand-in `name` into `bin_dir` that records each run.

    It exits with `exit_code` and `message` on stderr (only for host `fail_for`, if given).
    """
    bin_dir.mkdir(parents=True, exist_ok=True)
    record_dir.mkdir(parents=True, exist_ok=True)
    script = bin_dir / name
    script.write_text(
        _RECORDER.format(
            python=sys.executable,
            record_dir=str(record_dir),
            message=message,
            exit_code=exit_code,
            fail_for=fail_for,
        )
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return script


def recorded(record_dir: Path) -> list[Call]:
    """The recorded runs, oldest first."""
    calls = []
    for path in sorted(record_dir.glob("*.json"), key=lambda p: int(p.name.split("-")[0])):
        data = json.loads(path.read_text())
        calls.append(Call(argv=data["argv"], env=data["env"], stdin=data["stdin"]))
    return calls
