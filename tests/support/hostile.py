"""Run `ecrlogin` in this process against the fault server, for property tests.

A property test runs a command for each of many generated values: a new
interpreter each time (about a second) would allow a handful, so these run the
real entry point, `ecrlogin.__main__.main`, in-process, with this process's environment,
stdout and stderr replaced for the run and restored after. The subprocess
tests in tests/cli/test_hostile.py check the same contracts through the installed
programs for the named cases.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import signal
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from ecrlogin.__main__ import main as ecrlogin_main
from tests.support.faults import ERROR_PREFIX, leaked


@dataclass(frozen=True)
class Ran:
    """What one in-process run did."""

    code: int
    stdout: str
    stderr: str

    @property
    def lines(self) -> list[str]:
        """The stderr lines."""
        return self.stderr.splitlines()


@contextlib.contextmanager
def _environment(env: Mapping[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def ecrlogin_in_process(*args: str, env: Mapping[str, str]) -> Ran:
    """Run `ecrlogin ARGS` through its entry point; its exit code, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    loggers = [logging.getLogger(name) for name in ("botocore", "ecrlogin", "urllib3", "filelock")]
    before = {logger.name: (list(logger.handlers), logger.level) for logger in loggers}
    code = 0
    try:
        with _environment(env), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                ecrlogin_main(list(args))
            except SystemExit as exit_:
                code = exit_.code if isinstance(exit_.code, int) else 1
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
        for logger in loggers:  # --debug adds a handler and a level; take them back
            logger.handlers[:], logger.level = before[logger.name]
    return Ran(code=code, stdout=out.getvalue(), stderr=err.getvalue())


def tree_digest(root: Path, *, skip: Iterable[Path] = ()) -> dict[str, tuple[int, str]]:
    """Every path under `root` (but `skip`) with its mode and content hash, to compare."""
    skipped = {path.resolve() for path in skip}
    found: dict[str, tuple[int, str]] = {}
    for path in sorted(root.rglob("*")):
        if path.resolve() in skipped:
            continue
        info = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
        found[str(path.relative_to(root))] = (info.st_mode, digest)
    return found


def assert_one_failure_line(ran: Ran, exit_code: int, *secrets: str) -> str:
    """The failure contract: the code, nothing on stdout, one printable bounded stderr
    line, and none of `secrets` (nor the suite's own) anywhere."""
    assert ran.code == exit_code, ran.stderr
    assert ran.stdout == ""
    assert len(ran.lines) == 1, ran.stderr
    [line] = ran.lines
    assert line.startswith(ERROR_PREFIX), line
    assert line.isprintable(), line
    assert len(line) <= 2100, len(line)
    assert "Traceback" not in ran.stderr
    assert_no_secret(ran, *secrets)
    return line


def assert_no_secret(ran: Ran, *secrets: str) -> None:
    """Neither stream holds one of `secrets` or a credential of the suite's environment."""
    for secret in secrets:
        assert secret not in ran.stderr
        assert secret not in ran.stdout
    assert leaked(ran.stderr, ("secret access key", "session token")) == []
    assert leaked(ran.stdout, ("secret access key", "session token")) == []


def in_any_file(root: Path, *secrets: str) -> list[str]:
    """The files under `root` holding one of `secrets`."""
    found = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes().decode("utf-8", "replace")
            if any(secret in data for secret in secrets):
                found.append(str(path.relative_to(root)))
    return found


def steering_file(folder: Path, name: str, text: str) -> Path:
    """A file anyone may write (mode 0666): what the trust check must refuse."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    path.chmod(0o666)
    return path


def without_keys(env: dict[str, str]) -> dict[str, str]:
    """`env` without the static AWS keys, so botocore looks through its files."""
    return {
        key: value
        for key, value in env.items()
        if key not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
    }
