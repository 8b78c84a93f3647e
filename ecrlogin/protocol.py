"""The edge both protocol programs share: one request on stdin, one answer on stdout.

`docker-credential-ecrlogin` (ecrlogin.helper) and `ecrlogin-credential-provider`
(ecrlogin.provider) each answer one request per process. `run()` is their one
error edge: it installs the signal handlers (so a fallback store or a token
call in its own process group ends with us), turns on the debug log when
ECRLOGIN_DEBUG asks for it, reads the request with a bound, maps any exception
to (reply on stdout, one line on stderr, exit code), reports the token cache's
warnings once, writes the answer and reports an answer that could not be
written. Each program keeps only its actions and its reply formats.

It is on the cache-hit path of both programs: it imports neither `typing` nor
`signal` (which brings `enum`), and loads `ui`, `errors` and the redactor only
when there is something to say.
"""

from __future__ import annotations

import os
import sys

from ecrlogin import files
from ecrlogin.switches import switch

TYPE_CHECKING = False  # typing itself is too costly to import on the cache-hit path
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import BinaryIO

    from ecrlogin.cache import CacheWarning

    # A program's actions: (arguments, stdin, warnings for a person) -> its answer.
    Actions = Callable[[list[str], BinaryIO | None, list[CacheWarning]], "str | Delegated"]

DEBUG_VARIABLE = "ECRLOGIN_DEBUG"


class Program:
    """What the edge needs to know of a protocol program."""

    __slots__ = ("name", "reader", "replies")

    def __init__(self, name: str, reader: str, *, replies: bool) -> None:
        self.name = name  # as a person runs it, e.g. in "Unexpected ... in NAME"
        self.reader = reader  # who reads stdout, e.g. "the client" or "kubelet"
        # Whether a failure's reply goes to stdout: the credential-helper protocol says
        # why on stdout; kubelet reads nothing there but a response.
        self.replies = replies


class Delegated:
    """Another program's answer, passed on unchanged: its stdout and its exit code."""

    __slots__ = ("exit_code", "stdout")

    def __init__(self, stdout: bytes, exit_code: int) -> None:
        self.stdout = stdout
        self.exit_code = exit_code


class Failure(Exception):
    """A protocol failure: `reply` goes to stdout where the program replies (None: nothing),
    `detail` is the one line on stderr (None: an expected "no", such as docker's "credentials
    not found" for a host that is not ours, which a person need not read)."""

    def __init__(self, reply: str | None, detail: str | None, exit_code: int = 1) -> None:
        super().__init__(detail or reply)
        self.reply = reply
        self.detail = detail
        self.exit_code = exit_code


def debug_asked(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether ECRLOGIN_DEBUG turns the debug log on (read as every on/off setting is)."""
    return switch(DEBUG_VARIABLE, environ) is True


def run(
    program: Program,
    actions: Actions,
    args: list[str],
    stdin: BinaryIO | None = None,
    stdout: BinaryIO | None = None,
) -> int:
    """Perform one request of `program` with `actions`; returns the exit status."""
    from ecrlogin.signals import handle_signals

    # For every action: a signal then unwinds through the edge below (a fallback
    # store's process group killed, temporary files removed, 143) instead of
    # killing the process mid-write.
    handle_signals()
    if debug_asked():
        from ecrlogin import logs

        logs.enable_debug()
    source = stdin if stdin is not None else getattr(sys.stdin, "buffer", None)
    sink = stdout if stdout is not None else getattr(sys.stdout, "buffer", None)
    warnings: list[CacheWarning] = []
    try:
        reply = actions(args, source, warnings)
    except BaseException as exc:  # the edge: a reply and a line, never a traceback
        report(warnings)
        failure = _failure(program, exc)
        if failure is None:
            raise
        if program.replies and failure.reply is not None:
            write_answer(sink, failure.reply + "\n")
        if failure.detail is not None:
            say("error", failure.detail)
        return failure.exit_code
    report(warnings)
    if isinstance(reply, Delegated):
        problem, status = _write_bytes(sink, reply.stdout), reply.exit_code
    else:
        problem, status = write_answer(sink, reply), 0
    if problem:
        # The answer is read from stdout: without it, the call failed.
        say(
            "error",
            f"Could not write the answer to stdout ({problem}); {program.reader} got nothing.",
        )
        return 1
    return status


def _failure(program: Program, exc: BaseException) -> Failure | None:
    """How `exc` ends the request: the one mapping (None: not ours to handle)."""
    if isinstance(exc, Failure):
        return exc
    from ecrlogin import errors

    if isinstance(exc, (KeyboardInterrupt, errors.Signalled)):
        # A signal (see handle_signals): 130/143/129/131 and one line, like the CLI.
        interrupted = errors.translate(exc)
        return Failure(None, interrupted.message, interrupted.exit_code)
    if isinstance(exc, errors.EcrloginError):
        exit_code = exc.exit_code if isinstance(exc, errors.Interrupted) else 1
        return Failure(exc.message, exc.message, exit_code)
    if not isinstance(exc, Exception):
        return None
    if "logging" in sys.modules:
        import logging

        logging.getLogger("ecrlogin").debug("Unexpected error", exc_info=exc)
    detail = (
        f"Unexpected {type(exc).__name__} in {program.name}. "
        f"Re-run with {DEBUG_VARIABLE}=1 for details, and report it."
    )
    return Failure(detail, detail)


def read(source: BinaryIO | None, limit: int, too_long: Failure) -> bytes:
    """The request on stdin, at most `limit` bytes; `too_long` is raised for a longer one."""
    if source is None:
        return b""
    data = source.read(limit + 1)
    if len(data) > limit:
        raise too_long
    return data


def report(warnings: list[CacheWarning]) -> None:
    """Tell a person what the token cache met, each warning once."""
    if warnings:
        from ecrlogin import render

        for warning in dict.fromkeys(warnings):
            say("warning", render.cache_warning(warning))


# Secrets from the request (a workload's token), masked in every line written on stderr.
_secrets: list[str] = []


def keep_secret(value: str) -> None:
    """Mask `value` in every line from now on; the redactor is loaded only to say something."""
    _secrets.append(value)
    if "ecrlogin.logs" in sys.modules:  # debug logging is on: mask it there too
        from ecrlogin import logs

        logs.register_secret(value)


def mask(text: str) -> str:
    """`text` with every secret of the request masked."""
    if not _secrets:  # the usual request has none: the redactor's module stays unloaded
        return text
    from ecrlogin import logs

    logs.register_secrets(_secrets)
    return logs.redact(text)


def say(level: str, message: str) -> None:
    """One line on stderr, in the CLI's own format (Rich only on a terminal), every secret
    of the request masked."""
    from ecrlogin import ui  # only when there is something to say

    ui.say(level, mask(message))


def quote(text: str, limit: int = 40) -> str:
    """`text` quoted for a message, secrets masked before it is cut (a cut secret no longer
    matches its value), at most `limit` characters."""
    from ecrlogin.errors import shorten  # only when there is something to say

    return shorten(mask(text), limit)


def write_answer(sink: BinaryIO | None, text: str) -> str:
    """Write `text` to the reader; "" when done, else why it could not be."""
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        return "the answer is not valid UTF-8"
    return _write_bytes(sink, data)


def _write_bytes(sink: BinaryIO | None, data: bytes) -> str:
    """Write `data` to the reader; "" when done, else why it could not be."""
    if not data:
        return ""
    if sink is None:
        return "stdout is closed"
    try:
        sink.write(data)
        sink.flush()
    except BrokenPipeError:
        files.silence(sink)
        return "the client closed the pipe"
    except (OSError, ValueError) as exc:
        files.silence(sink)
        return (exc.strerror if isinstance(exc, OSError) else None) or "stdout is closed"
    return ""
