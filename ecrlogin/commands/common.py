"""What every command shares: the AWS global options, `@aws_command` and `emit()`.

Command modules import this, never the module that builds the app
(`ecrlogin.cli`), so imports run one way: cli -> commands -> core.
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from ecrlogin import errors, files, ui
from ecrlogin.options import MAX_TIMEOUT, ClientOptions, valid_timeout

if TYPE_CHECKING:
    from ecrlogin.cache import CacheWarning

F = TypeVar("F", bound=Callable[..., Any])

AWS_PANEL = "AWS options (also accepted before the command name)"

# The registries a command acts on, as `login`, `logout` and `pull-secret` take them.
Targets = Annotated[
    list[str] | None,
    typer.Argument(
        help="Registry hosts or image references (default: your own registry in the region).",
        show_default=False,
        metavar="TARGET",
    ),
]


def _seconds(value: float | None) -> float | None:
    """A timeout option's value, checked: click's range lets NaN through."""
    if value is not None and not valid_timeout(value):
        raise typer.BadParameter(f"{value} is not a number of seconds from 0 (no limit) to 1e9.")
    return value


@dataclass(frozen=True)
class GlobalOptions:
    """The options every command takes, merged from before and after the command name."""

    aws: ClientOptions
    debug: bool = False
    # --cache: serve the token from the shared cache while it is fresh (off unless asked).
    cache: bool = False


# The AWS CLI's global options, declared once and added to the root callback and
# to every command, so `ecrlogin --region X cmd` and `ecrlogin cmd --region X` agree.
_GLOBAL_OPTIONS: list[tuple[str, Any, Any]] = [
    (
        "region",
        str | None,
        typer.Option(
            "--region",
            help="AWS region (default: AWS_REGION / the profile).",
            rich_help_panel=AWS_PANEL,
            show_default=False,
        ),
    ),
    (
        "profile",
        str | None,
        typer.Option(
            "--profile",
            help="Named profile from the AWS config files.",
            rich_help_panel=AWS_PANEL,
            show_default=False,
        ),
    ),
    (
        "endpoint_url",
        str | None,
        typer.Option(
            "--endpoint-url",
            help="Use this URL instead of the service endpoint.",
            rich_help_panel=AWS_PANEL,
            show_default=False,
        ),
    ),
    (
        "no_verify_ssl",
        bool,
        typer.Option(
            "--no-verify-ssl",
            help="Do not verify the endpoint's TLS certificate.",
            rich_help_panel=AWS_PANEL,
        ),
    ),
    (
        "ca_bundle",
        str | None,
        typer.Option(
            "--ca-bundle",
            help="CA bundle to verify the endpoint's certificate with.",
            rich_help_panel=AWS_PANEL,
            show_default=False,
        ),
    ),
    (
        "cli_read_timeout",
        float | None,
        typer.Option(
            "--cli-read-timeout",
            help="Socket read timeout in seconds (0: none; default 60; at most 1e9).",
            envvar="ECRLOGIN_CLI_READ_TIMEOUT",
            rich_help_panel=AWS_PANEL,
            show_default=False,
            min=0,
            max=MAX_TIMEOUT,
            callback=_seconds,
        ),
    ),
    (
        "cli_connect_timeout",
        float | None,
        typer.Option(
            "--cli-connect-timeout",
            help="Connect timeout in seconds (0: none; default 60; at most 1e9).",
            envvar="ECRLOGIN_CLI_CONNECT_TIMEOUT",
            rich_help_panel=AWS_PANEL,
            show_default=False,
            min=0,
            max=MAX_TIMEOUT,
            callback=_seconds,
        ),
    ),
    (
        "debug",
        bool,
        typer.Option(
            "--debug",
            help="Log botocore's debug output on stderr, secrets redacted.",
            rich_help_panel=AWS_PANEL,
        ),
    ),
    (
        "cache",
        bool | None,
        typer.Option(
            "--cache/--no-cache",
            help="Serve the token from the shared token cache while it is fresh (default: a "
            "fresh token each call, as the AWS CLI does). ECRLOGIN_NO_CACHE=1 overrides.",
            rich_help_panel=AWS_PANEL,
            show_default=False,
        ),
    ),
]
# What each global option is when not given: a plain flag is False, anything else
# (a value, or an on/off pair such as --cache/--no-cache) is None.
_GLOBAL_DEFAULTS: dict[str, Any] = {
    name: False if kind is bool else None for name, kind, _ in _GLOBAL_OPTIONS
}
_GLOBAL_NAMES = list(_GLOBAL_DEFAULTS)


def with_global_options(func: F, signature: inspect.Signature) -> F:
    """Give `func` the global options as keyword parameters after `signature`'s own, so
    Typer declares them on its command (the one place a signature is rewritten)."""
    extra = [
        inspect.Parameter(
            name,
            inspect.Parameter.KEYWORD_ONLY,
            default=_GLOBAL_DEFAULTS[name],
            annotation=Annotated[kind, info],
        )
        for name, kind, info in _GLOBAL_OPTIONS
    ]
    func.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*signature.parameters.values(), *extra]
    )
    return func


def merge_globals(ctx: typer.Context, given: dict[str, Any]) -> GlobalOptions:
    # An option given after the command name wins over the same one before it.
    root = ctx.find_root().params
    merged = {
        name: root.get(name) if given.get(name) == default else given.get(name)
        for name, default in _GLOBAL_DEFAULTS.items()
    }
    aws = ClientOptions(
        region=merged["region"],
        profile=merged["profile"],
        endpoint_url=merged["endpoint_url"],
        verify_ssl=not merged["no_verify_ssl"],
        ca_bundle=merged["ca_bundle"],
        read_timeout=merged["cli_read_timeout"],
        connect_timeout=merged["cli_connect_timeout"],
    )
    return GlobalOptions(aws=aws, debug=bool(merged["debug"]), cache=bool(merged["cache"]))


def aws_command(func: F) -> F:
    """Give a command the AWS global options, merged from before and after its name.

    The wrapped function receives `ctx` and `opts: GlobalOptions` in place of the
    individual global options. Errors it raises go to the program's one error edge
    (`ecrlogin.cli.main`).
    """
    signature = inspect.signature(func)
    own = signature.replace(
        parameters=[p for p in signature.parameters.values() if p.name != "opts"]
    )

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        given = {name: kwargs.pop(name, None) for name in _GLOBAL_NAMES}
        ctx: typer.Context = kwargs["ctx"]
        opts = merge_globals(ctx, given)
        if opts.debug:
            from ecrlogin import logs

            logs.enable_debug()
        func(*args, opts=opts, **kwargs)

    return with_global_options(wrapper, own)  # type: ignore[return-value]


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
