"""`ecrlogin cache list|clear`: look into and empty the shared token cache."""

import sys
import time

from ecrlogin import cache, render, ui
from ecrlogin.commands.common import emit
from ecrlogin.errors import EcrloginError

_COLUMNS = ("Registry", "Region", "Profile", "Expires in")


def list_entries() -> None:
    """List the cached tokens: registry, region, profile and expiry (never the token)."""
    store = cache.Store()
    table = render.cache_rows(store.entries(), time.time())
    if not table:
        ui.note(f"The token cache in {store.directory} is empty.")
        return
    emit(_terminal_table(table) if sys.stdout.isatty() else render.cache_list(table))


def _terminal_table(table: list[tuple[str, str, str, str]]) -> str:
    """The rows as a Rich table for a person at a terminal (emit writes it, as every payload)."""
    import io
    import shutil

    from rich.console import Console
    from rich.table import Table

    rendered = Table(*_COLUMNS, box=None, header_style="bold")
    for row in table:
        rendered.add_row(*row)
    text = io.StringIO()
    width = shutil.get_terminal_size().columns
    Console(file=text, highlight=False, force_terminal=True, width=width).print(rendered)
    return text.getvalue()


def clear() -> None:
    """Remove every cached token (and the cache's lock and memo files)."""
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
