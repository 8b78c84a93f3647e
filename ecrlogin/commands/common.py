"""What every command shares: `@aws_command` (the global options), TARGET and `emit()`.

Command modules import this, never the module that builds the app
(`ecrlogin.cli`), so imports run one way: cli -> commands -> core.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from ecrlogin import ui
from ecrlogin.commands.awsargs import GlobalOptions as GlobalOptions
from ecrlogin.commands.stdout import emit as emit
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
    error edge (`ecrlogin.__main__.main`).
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
    """The global options `ecrlogin.__main__.main` parsed for this run (defaults if none were)."""
    found = ctx.find_root().obj
    return found if isinstance(found, GlobalOptions) else GlobalOptions(aws=ClientOptions())


def report(warnings: Iterable[CacheWarning]) -> None:
    """Tell a person what the token cache met, each warning once."""
    from ecrlogin import render

    for warning in dict.fromkeys(warnings):
        ui.warn(render.cache_warning(warning))
