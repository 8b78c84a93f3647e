"""The `ecrlogin` program: builds the command tree, runs it, and maps its failures.

Every command is registered here, explicitly, by name (the tables below); the
command modules know nothing of this module. A command's module is imported and
its parameters converted only when that command runs, or when a `--help` lists
it, so `ecrlogin get-login-password` pays for one command's options and nothing
else. `fail()` is the one mapping from an exception to a stderr line and an exit
code; ecrlogin.__main__, the program's one error edge, calls it.
"""

import contextlib
import importlib
import sys
from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from ecrlogin import errors, ui
from ecrlogin.commands import awsargs

_TOKENS = "ecrlogin.commands.tokens"
_LOGIN = "ecrlogin.commands.login"
_CACHE = "ecrlogin.commands.cache"
# Each group's commands, in the order `--help` lists them: name -> "module:function".
_ECR_COMMANDS = {
    "get-login-password": "ecrlogin.commands.password:get_login_password",
    "get-login": f"{_TOKENS}:get_login",
    "get-authorization-token": f"{_TOKENS}:get_authorization_token",
}
ROOT_COMMANDS = {
    **_ECR_COMMANDS,
    "login": f"{_LOGIN}:login_command",
    "logout": f"{_LOGIN}:logout_command",
    "get-login-command": f"{_TOKENS}:get_login_command",
    "pull-secret": "ecrlogin.commands.pullsecret:pull_secret",
    "credential-helper": "ecrlogin.commands.helper:credential_helper",
    "doctor": "ecrlogin.commands.doctor:doctor",
}
ECR_COMMANDS = _ECR_COMMANDS
PUBLIC_COMMANDS = {
    "get-login-password": "ecrlogin.commands.password:public_get_login_password",
    "get-authorization-token": f"{_TOKENS}:public_get_authorization_token",
}
CACHE_COMMANDS = {
    "list": f"{_CACHE}:list_entries",
    "clear": f"{_CACHE}:clear",
}


def load_command(name: str, target: str) -> Any:
    """Import the function `target` names and build its click command (and only its)."""
    module_name, _, function = target.partition(":")
    func = getattr(importlib.import_module(module_name), function)
    one = typer.Typer(add_completion=False)
    cls = (
        (ApiOperation if name == "get-authorization-token" else AwsCommand)
        if getattr(func, "takes_aws_options", False)
        else None
    )
    one.command(name, cls=cls)(func)
    return typer.main.get_command(one)


def print_aws_options() -> None:
    """The "AWS options" panel that ends the help of every command that takes them.

    The global options are not the command parser's (awsargs takes them out of
    argv first), so their help is drawn here, once, from the same table: the
    ones ecrlogin honours one per row, the ones it only accepts in one line.
    """
    from rich import box
    from rich.console import Console
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text
    from typer import rich_utils

    make_console = getattr(rich_utils, "_get_rich_console", Console)
    console: Console = make_console()
    rows = Table.grid(padding=(0, 1), expand=False)
    rows.add_column(style="bold cyan", no_wrap=True)
    rows.add_column(ratio=1)
    for spec in awsargs.GLOBAL_OPTIONS:
        if spec.honoured and spec.help:
            name = spec.label or (f"{spec.name} {spec.metavar}" if spec.metavar else spec.name)
            env = f" Env: {spec.envvar}." if spec.envvar else ""
            rows.add_row(name, Text(spec.help + env))
    ignored = ", ".join(
        f"{spec.name} {spec.metavar}" if spec.metavar else spec.name
        for spec in awsargs.GLOBAL_OPTIONS
        if not spec.honoured
    )
    rows.add_row("", Text(f"Accepted and ignored, as in the AWS CLI: {ignored}."))
    title = "AWS options (anywhere on the line, as in the AWS CLI)"
    console.print(Panel(rows, title=title, title_align="left", border_style="dim", box=box.ROUNDED))


class AwsCommand(TyperCommand):
    """A command that takes the AWS global options: its help ends with their panel, and
    its own long options may be abbreviated, as the AWS CLI's argparse allows
    (`get-login --registry-id 1` is `--registry-ids 1` there)."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        super().format_help(ctx, formatter)
        print_aws_options()

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        # The help option is not one of self.params, but must never be read as the
        # abbreviation of another (`login --help` is not `--helper`).
        names = [
            name
            for param in self.get_params(ctx)
            for name in (*param.opts, *param.secondary_opts)
            if name.startswith("--")
        ]
        args = expand_multi_value([_unabbreviated(arg, names) for arg in args])
        return list(super().parse_args(ctx, args))


class ApiOperation(AwsCommand):
    """An API operation (get-authorization-token): the AWS CLI parses these with the
    service model, where one empty argument (`${IDS:-''}` unset) is ignored; a second
    one, or any other stray word, is the usual 252."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if "" in args:
            args = list(args)
            args.remove("")
        return super().parse_args(ctx, args)


def _unabbreviated(arg: str, names: list[str]) -> str:
    """`arg` with its option name written out when it abbreviates exactly one of `names`.

    An ambiguous one is left as it is, for click to refuse (252, "No such option").
    """
    name, equals, value = arg.partition("=")
    try:
        full = awsargs.unique_prefix(name, names)
    except awsargs.AmbiguousPrefix:
        return arg
    return arg if full is None else f"{full}{equals}{value}"


class _Commands(MutableMapping[str, Any]):
    """A group's commands: every name known at once, each command built on first use."""

    def __init__(self, eager: Mapping[str, Any], lazy: Mapping[str, str]) -> None:
        self._lazy = dict(lazy)
        self._built = dict(eager)

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            if name not in self._lazy:
                raise KeyError(name)
            self._built[name] = load_command(name, self._lazy[name])
        return self._built[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        self._lazy.pop(name, None)
        del self._built[name]

    def __iter__(self) -> Iterator[str]:
        yield from self._lazy
        yield from (name for name in self._built if name not in self._lazy)

    def __len__(self) -> int:
        return len(self._lazy.keys() | self._built.keys())


class LazyGroup(TyperGroup):
    """A Typer group whose commands (the class's `lazy` table) load only when used.

    `list_commands` names every command without loading one; `get_command`
    imports and builds only the one asked for (click's documented lazy group).
    """

    lazy: Mapping[str, str] = {}

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = _Commands(self.commands, self.lazy)

    def list_commands(self, ctx: Any) -> list[str]:
        """Every command's name, in the table's order, then the sub-groups."""
        return list(self.commands)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        """The command `cmd_name`, imported and built now; None if there is none."""
        return self.commands.get(cmd_name)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        super().format_help(ctx, formatter)
        if self.lazy is not CACHE_COMMANDS:
            print_aws_options()

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        """No command named: the help, on stderr (it is a mistake, exit 252, as `aws`)."""
        if not args and self.no_args_is_help and not ctx.resilient_parsing:
            with contextlib.redirect_stdout(sys.stderr):
                raise _NO_ARGS_IS_HELP(ctx)
        return list(super().parse_args(ctx, args))


def _lazy_group(table: Mapping[str, str]) -> type[LazyGroup]:
    return type("LazyGroup", (LazyGroup,), {"lazy": table})


def _root(ctx: typer.Context) -> None:
    """Log container tools into Amazon ECR."""


def build_app() -> Any:
    """The click command tree of `ecrlogin`: every group, and every command's name."""
    app = typer.Typer(
        name="ecrlogin",
        cls=_lazy_group(ROOT_COMMANDS),
        help="Log container tools into Amazon ECR: a fast, leak-free drop-in for `aws ecr`.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_show_locals=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(_root)
    groups = [
        (
            "ecr",
            ECR_COMMANDS,
            "The same commands under `ecr`, so `aws ecr ...` becomes `ecrlogin ecr ...`.",
        ),
        (
            "ecr-public",
            PUBLIC_COMMANDS,
            "Amazon ECR Public (public.ecr.aws); its token API is in us-east-1.",
        ),
        ("cache", CACHE_COMMANDS, "The shared token cache of the credential helper and `--cache`."),
    ]
    for name, table, help_text in groups:
        app.add_typer(
            typer.Typer(name=name, cls=_lazy_group(table), help=help_text, no_args_is_help=True)
        )
    return typer.main.get_command(app)


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


def main(opts: awsargs.GlobalOptions, args: list[str]) -> int:
    """Run the command `args` names with the run's global options; its exit status.

    `opts` and `args` are awsargs.split's answer (ecrlogin.__main__ reads the
    global options once per run); what the command raises goes back there, to
    the program's one error edge.
    """
    if opts.debug:
        from ecrlogin import logs

        logs.enable_debug()
    # Not standalone: usage errors and everything a command raises come back to the
    # edge, so Typer's multi-line panels and "Aborted!" never win.
    status = build_app().main(args=args, prog_name="ecrlogin", standalone_mode=False, obj=opts)
    return status if isinstance(status, int) else 0


def fail(exc: BaseException) -> int:
    """Report `exc` as one stderr line and return its exit code: the one mapping.

    With --debug an unexpected error's traceback goes to the debug log, which
    redacts secrets, rather than raw to stderr.
    """
    if isinstance(exc, _CLICK_ERROR):
        return _usage_error(exc)
    if isinstance(exc, typer.Abort):
        exc = errors.Interrupted("Aborted")
    error = errors.translate(exc)
    if error is not exc and isinstance(exc, Exception) and "logging" in sys.modules:
        import logging

        logging.getLogger("ecrlogin").debug("Unexpected error", exc_info=exc)
    ui.error(error.message)
    return error.exit_code


# click's ClickException (vendored inside newer Typer releases), found from a class
# every Typer exports, so the edge works whichever click Typer brings.
_CLICK_ERROR: type[Exception] = next(
    cls for cls in typer.BadParameter.__mro__ if cls.__name__ == "ClickException"
)


# Its NoArgsIsHelpError, from the module that holds BadParameter, for the same reason.
_NO_ARGS_IS_HELP: type[Exception] = importlib.import_module(
    typer.BadParameter.__module__
).NoArgsIsHelpError


def _usage_error(exc: Any) -> int:
    """One line for a command-line mistake, and AWS CLI v2's code for it (252)."""
    if type(exc).__name__ == "NoArgsIsHelpError":
        # The help is the answer (Typer has already printed it; click prints it here).
        if exc.format_message().strip():
            exc.show()
        return errors.PARAMETER
    ctx = getattr(exc, "ctx", None)
    where = ctx.command_path if ctx is not None else "ecrlogin"
    message = errors.redacted_line(exc.format_message()).rstrip(".")
    ui.error(f"{message}. Run `{where} --help` for usage.")
    return errors.PARAMETER
