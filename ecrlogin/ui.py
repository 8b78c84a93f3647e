"""What a person reads on stderr: errors, warnings and notes.

Every line is `ecrlogin: level: message`. On a terminal it goes through Rich
(the level in colour, honouring NO_COLOR); otherwise it is written plain, so
logs and CI output stay greppable and Rich is never imported on the
non-interactive path.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing itself is costly; the credential helper reports through here
if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from rich.console import Console

# Every line starts with it, on a terminal too: several programs may share that stderr.
PREFIX = "ecrlogin:"
_STYLES = {"error": "bold red", "warning": "yellow", "note": "cyan", "ok": "green"}
_console: Console | None = None


def stderr_is_terminal() -> bool:
    """True when stderr is an interactive terminal."""
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def console() -> Console:
    """The Rich console on stderr (created on first use)."""
    global _console
    if _console is None:
        from rich.console import Console

        _console = Console(stderr=True, highlight=False, soft_wrap=True)
    return _console


def say(level: str, message: str) -> None:
    """Write one line at `level` ("error", "warning" or "note") to stderr."""
    from ecrlogin.errors import MAX_LINE, redacted_line

    # Every line, however built: secrets redacted, a user's or a server's control
    # characters escaped (never raw on a terminal), and cut to a bounded length.
    message = redacted_line(message, limit=MAX_LINE)
    if stderr_is_terminal():
        from rich.markup import escape

        # The prefix stays: amid a client's own lines (`docker pull`), it says who spoke.
        console().print(f"{PREFIX} [{_STYLES.get(level, '')}]{level}:[/] {escape(message)}")
        return
    try:
        sys.stderr.write(f"{PREFIX} {level}: {message}\n")
        sys.stderr.flush()
    except (AttributeError, OSError, ValueError):  # no stderr, or it is closed
        pass


def error(message: str) -> None:
    """Report a failure."""
    say("error", message)


def warn(message: str) -> None:
    """Report something the user should act on, without failing."""
    say("warning", message)


def note(message: str) -> None:
    """Report progress or a fact the user may want."""
    say("note", message)


def ok(message: str) -> None:
    """Report that one step succeeded."""
    say("ok", message)


def status(message: str) -> AbstractContextManager[object]:
    """A spinner on stderr while waiting (terminal only; nothing otherwise)."""
    if not stderr_is_terminal():
        import contextlib

        return contextlib.nullcontext()
    return console().status(message)
