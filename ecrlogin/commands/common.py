"""What every command shares: `@aws_command` (the global options), TARGET and `emit()`.

Command modules import this, never the module that builds the app
(`ecrlogin.cli`), so imports run one way: cli -> commands -> core.
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from ecrlogin import errors, files, ui
from ecrlogin.commands.awsargs import GlobalOptions as GlobalOptions
from ecrlogin.options import ClientOptions

if TYPE_CHECKING:
    from ecrlogin.cache import CacheWarning

F = TypeVar("F", bound=Callable[..., Any])

# The registries a command acts on, as `login`, `logout` and `pull-secret` take them.
Targets = Annotated[
    list[str] | None,
    typer.Argument(
        help="Registry hosts or image references (default: your own registry in the region).",
        show_default=False,
        metavar="TARGET",
    ),
]


def aws_command(func: F) -> F:
    """Give a command the run's global options (`ecrlogin.commands.awsargs`).

    The wrapped function receives `ctx` and `opts: GlobalOptions`; the options
    were taken out of the command line before the command parser ran, so they
    are accepted in every position. Errors it raises go to the program's one
    error edge (`ecrlogin.cli.main`).
    """
    signature = inspect.signature(func)
    own = signature.replace(
        parameters=[p for p in signature.parameters.values() if p.name != "opts"]
    )

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        ctx: typer.Context = kwargs["ctx"]
        func(*args, opts=global_options(ctx), **kwargs)

    wrapper.__signature__ = own  # type: ignore[attr-defined]
    wrapper.takes_aws_options = True  # type: ignore[attr-defined]  # its help shows them
    return wrapper  # type: ignore[return-value]


def global_options(ctx: typer.Context) -> GlobalOptions:
    """The global options `ecrlogin.cli.main` parsed for this run (defaults if none were)."""
    found = ctx.find_root().obj
    return found if isinstance(found, GlobalOptions) else GlobalOptions(aws=ClientOptions())


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
            f"stdout's encoding ({errors.one_line(encoding, 40)}) cannot hold the output",
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


def report(warnings: Iterable[CacheWarning]) -> None:
    """Tell a person what the token cache met, each warning once."""
    from ecrlogin import render

    for warning in dict.fromkeys(warnings):
        ui.warn(render.cache_warning(warning))
