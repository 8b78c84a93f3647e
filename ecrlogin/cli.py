"""The command line: parses arguments, calls the core, writes stdout, maps errors.

Commands stay thin: each declares its own options, gets the shared AWS
options through `@aws_command`, calls the token core and hands the rendered
bytes to `emit()`. `aws_command` is also the one edge where an
`EcrloginError` becomes a stderr line and an exit code.
"""

import functools
import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import typer

from ecrlogin import __version__, errors, ui
from ecrlogin.awsclient import ClientOptions

F = TypeVar("F", bound=Callable[..., Any])

AWS_PANEL = "AWS options (also accepted before the command name)"


@dataclass(frozen=True)
class GlobalOptions:
    """The options every command takes, merged from before and after the command name."""

    client: ClientOptions
    debug: bool = False
    # --cache / --no-cache; None means the command's default (helper: on, CLI: off).
    cache: bool | None = None


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
            help="Socket read timeout in seconds (0: none; default 60).",
            envvar="ECRLOGIN_CLI_READ_TIMEOUT",
            rich_help_panel=AWS_PANEL,
            show_default=False,
            min=0,
        ),
    ),
    (
        "cli_connect_timeout",
        float | None,
        typer.Option(
            "--cli-connect-timeout",
            help="Connect timeout in seconds (0: none; default 60).",
            envvar="ECRLOGIN_CLI_CONNECT_TIMEOUT",
            rich_help_panel=AWS_PANEL,
            show_default=False,
            min=0,
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


def _global_parameters() -> list[inspect.Parameter]:
    return [
        inspect.Parameter(
            name,
            inspect.Parameter.KEYWORD_ONLY,
            default=_GLOBAL_DEFAULTS[name],
            annotation=Annotated[kind, info],
        )
        for name, kind, info in _GLOBAL_OPTIONS
    ]


def _merge_globals(ctx: typer.Context, given: dict[str, Any]) -> GlobalOptions:
    # An option given after the command name wins over the same one before it.
    root = ctx.find_root().params
    merged = {
        name: root.get(name) if given.get(name) == default else given.get(name)
        for name, default in _GLOBAL_DEFAULTS.items()
    }
    client = ClientOptions(
        region=merged["region"],
        profile=merged["profile"],
        endpoint_url=merged["endpoint_url"],
        verify_ssl=not merged["no_verify_ssl"],
        ca_bundle=merged["ca_bundle"],
        read_timeout=merged["cli_read_timeout"],
        connect_timeout=merged["cli_connect_timeout"],
    )
    return GlobalOptions(client=client, debug=bool(merged["debug"]), cache=merged["cache"])


def run_guarded(debug: bool, body: Callable[[], None]) -> None:
    """Run a command body; the one place errors become a stderr line and an exit code."""
    try:
        body()
    except (typer.Exit, typer.Abort):
        raise
    except (Exception, KeyboardInterrupt, errors.Signalled) as exc:  # noqa: BLE001 - all of them
        raise typer.Exit(fail(exc, debug=debug)) from None


def fail(exc: BaseException, *, debug: bool = False) -> int:
    """Report `exc` as one stderr line and return its exit code.

    With --debug an unexpected error's traceback goes to the debug log, which
    redacts secrets, rather than raw to stderr.
    """
    error = errors.translate(exc)
    if debug and isinstance(exc, Exception) and not isinstance(exc, errors.EcrloginError):
        import logging

        logging.getLogger("ecrlogin").debug("Unexpected error", exc_info=exc)
    ui.error(error.message)
    return error.exit_code


def aws_command(func: F) -> F:
    """Give a command the AWS global options and the error edge.

    The wrapped function receives `ctx` and `opts: GlobalOptions` in place of the
    individual global options.
    """
    signature = inspect.signature(func)
    own = [p for p in signature.parameters.values() if p.name != "opts"]

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        given = {name: kwargs.pop(name, None) for name in _GLOBAL_NAMES}
        ctx: typer.Context = kwargs["ctx"]
        opts = _merge_globals(ctx, given)
        if opts.debug:
            from ecrlogin import logs

            logs.enable_debug()
        run_guarded(opts.debug, lambda: func(*args, opts=opts, **kwargs))

    wrapper.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*own, *_global_parameters()]
    )
    return wrapper  # type: ignore[return-value]


def emit(text: str) -> None:
    """Write a command's whole payload to stdout at once."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (e.g. `| head`); nothing more to say.
        sys.stderr.close()


app = typer.Typer(
    name="ecrlogin",
    help="Log container tools into Amazon ECR: a fast, leak-free drop-in for `aws ecr`.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
ecr_app = typer.Typer(
    name="ecr",
    help="The same commands under `ecr`, so `aws ecr ...` becomes `ecrlogin ecr ...`.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
public_app = typer.Typer(
    name="ecr-public",
    help="Amazon ECR Public (public.ecr.aws); its token API is in us-east-1.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


def _version(value: bool) -> None:
    if value:
        emit(f"ecrlogin {__version__}\n")
        raise typer.Exit()


def _root(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
    **_: Any,
) -> None:
    """Log container tools into Amazon ECR."""


_root.__signature__ = inspect.signature(_root).replace(  # type: ignore[attr-defined]
    parameters=[
        *(p for p in inspect.signature(_root).parameters.values() if p.name != "_"),
        *_global_parameters(),
    ]
)
app.callback()(_root)


def command(*apps: typer.Typer, name: str) -> Callable[[F], F]:
    """Register one command function under several apps (e.g. `ecrlogin X` and `ecrlogin ecr X`)."""

    def register(func: F) -> F:
        for target in apps:
            target.command(name)(func)
        return func

    return register


app.add_typer(ecr_app)
app.add_typer(public_app)

# Options that take several values after one flag, as the AWS CLI's nargs='+'.
_MULTI_VALUE_OPTIONS = ("--registry-ids",)


def expand_multi_value(argv: list[str]) -> list[str]:
    """Rewrite `--registry-ids A B` as `--registry-ids A --registry-ids B` for the parser."""
    out: list[str] = []
    current: str | None = None
    for arg in argv:
        if arg == "--":
            current = None
            out.append(arg)
        elif arg in _MULTI_VALUE_OPTIONS:
            current = arg
            out.append(arg)
        elif current is not None and not arg.startswith("-"):
            if out and out[-1] != current:
                out.append(current)
            out.append(arg)
        else:
            current = None
            out.append(arg)
    return out


def _load_commands() -> None:
    # Each command module registers itself on `app` when imported.
    from ecrlogin.commands import cache, helper, login, pullsecret, tokens  # noqa: F401


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `ecrlogin` console script."""
    # SIGINT (130) and SIGTERM (143) raise errors.Signalled wherever we are;
    # run_guarded or the handler below turns it into one line and the code.
    errors.handle_signals()
    given = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in given
    try:
        _load_commands()
        args = expand_multi_value(given)
        # Not standalone: usage errors and anything that escapes a command come
        # back here, so Typer's multi-line panels and "Aborted!" never win.
        status = app(args=args, prog_name="ecrlogin", standalone_mode=False)
    except _CLICK_ERROR as exc:
        status = _usage_error(exc)
    except typer.Abort:
        status = fail(errors.Interrupted("Aborted"))
    except (Exception, KeyboardInterrupt, errors.Signalled) as exc:  # noqa: BLE001 - all of them
        status = fail(exc, debug=debug)
    sys.exit(status if isinstance(status, int) else 0)


# click's ClickException (vendored inside newer Typer releases), found from a class
# every Typer exports, so the edge works whichever click Typer brings.
_CLICK_ERROR: type[Exception] = next(
    cls for cls in typer.BadParameter.__mro__ if cls.__name__ == "ClickException"
)


def _usage_error(exc: Any) -> int:
    """One line for a command-line mistake (exit 2): what was wrong and where to look."""
    if type(exc).__name__ == "NoArgsIsHelpError":
        # The help is the answer (Typer has already printed it; click prints it here).
        if exc.format_message().strip():
            exc.show()
        return int(exc.exit_code)
    ctx = getattr(exc, "ctx", None)
    where = ctx.command_path if ctx is not None else "ecrlogin"
    message = errors.one_line(exc.format_message()).rstrip(".")
    ui.error(f"{message}. Run `{where} --help` for usage.")
    return int(exc.exit_code)
