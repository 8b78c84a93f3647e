"""`emit()`: the one writer of a command's payload on stdout.

Its own small module, so `ecrlogin --version` can answer without loading the
command-line framework (see ecrlogin.__main__).
"""

from __future__ import annotations

import sys

from ecrlogin import errors, files


def emit(text: str) -> None:
    """Write a command's whole payload to stdout at once (the only writer of stdout), or
    raise OutputError.

    Encoded first and strictly, so an encoding that cannot hold the payload
    fails before a byte is written (and the error shows none of it), and no
    error handler can turn a password into a different one.
    """
    stream = sys.stdout
    if stream is None:  # started with stdout closed (`>&-`)
        raise errors.OutputError(
            "stdout is closed, so there is nowhere to write the output",
            "Run it with stdout open: redirect it to a file or a pipe instead of closing it.",
        )
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        data = text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        raise errors.OutputError(
            f"stdout's encoding ({errors.redacted_line(encoding, 40)}) cannot hold the output",
            "Set PYTHONIOENCODING=utf-8 or use a UTF-8 locale (e.g. LC_ALL=C.UTF-8).",
        ) from None
    buffer = getattr(stream, "buffer", None)
    try:
        if buffer is None:
            stream.write(text)
            stream.flush()
        else:
            stream.flush()
            buffer.write(data)
            buffer.flush()
    except BrokenPipeError:
        # The reader went away (e.g. `| head`); nothing more to say.
        files.silence(sys.stdout)
        sys.stderr.close()
    except (OSError, ValueError) as exc:
        files.silence(sys.stdout)
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "it is closed"
        raise errors.OutputError(
            f"Cannot write the output to stdout: {reason}",
            "Free space where stdout goes, or redirect it to a file or a pipe that accepts it.",
        ) from None
