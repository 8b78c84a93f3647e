"""`ecrlogin cache list|clear`: look into and empty the shared token cache."""

import sys
import time

import typer

from ecrlogin import cache, ui
from ecrlogin.cli import app, emit, run_guarded
from ecrlogin.errors import EcrloginError

cache_app = typer.Typer(
    name="cache",
    help="The shared token cache of the credential helper and `--cache`.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(cache_app)

_COLUMNS = ("Registry", "Region", "Profile", "Expires in")
Row = tuple[str, str, str, str]


def rows(entries: list[cache.Entry], now: float) -> list[Row]:
    """One row per cached registry, region and profile (the longest-lived token of several
    identities or requests): host, region, profile and time left; never a secret."""
    longest: dict[tuple[str, str, str], float] = {}
    for entry in entries:
        for host in entry.hosts:
            shown = (host, entry.region or "-", entry.profile or "-")
            longest[shown] = max(entry.expires, longest.get(shown, entry.expires))
    return [
        (*shown, cache.describe_duration(expires - now) if expires > now else "expired")
        for shown, expires in sorted(longest.items())
    ]


@cache_app.command("list")
def list_entries() -> None:
    """List the cached tokens: registry, region, profile and expiry (never the token)."""

    def body() -> None:
        store = cache.Store()
        table = rows(store.entries(), time.time())
        if not table:
            ui.note(f"The token cache in {store.directory} is empty.")
            return
        if sys.stdout.isatty():
            _print_table(table)
            return
        emit("".join("\t".join(row) + "\n" for row in table))

    run_guarded(False, body)


def _print_table(table: list[Row]) -> None:
    from rich.console import Console
    from rich.table import Table

    rendered = Table(*_COLUMNS, box=None, header_style="bold")
    for row in table:
        rendered.add_row(*row)
    Console(highlight=False).print(rendered)


@cache_app.command("clear")
def clear() -> None:
    """Remove every cached token (and the cache's lock and memo files)."""

    def body() -> None:
        store = cache.Store()
        try:
            removed = store.clear()
        except OSError as exc:
            raise EcrloginError(
                f"Cannot clear the token cache in {store.directory}: {exc.strerror or exc}",
                "Check the directory's permissions, or remove it by hand.",
            ) from None
        plural = "" if removed == 1 else "s"
        ui.note(f"Removed {removed} cached token{plural} from {store.directory}.")

    run_guarded(False, body)
