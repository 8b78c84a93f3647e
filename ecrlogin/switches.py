"""ecrlogin's on/off environment variables (ECRLOGIN_NO_CACHE, ECRLOGIN_DEBUG): one reading.

Unset, empty or blank: not given. `0`, `false`, `no` or `off` (in any case,
surrounding space ignored): off. Anything else: on, so `1`, `true`, `yes` and
whatever a person typed to turn it on all do. Cheap to import: the credential
helper reads these on every call.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing itself is too costly to import on the cache-hit path
if TYPE_CHECKING:
    from collections.abc import Mapping

OFF = ("0", "false", "no", "off")


def switch(name: str, environ: Mapping[str, str] = os.environ) -> bool | None:
    """The on/off variable `name`: True (on), False (off) or None (unset, empty or blank)."""
    value = environ.get(name, "").strip().lower()
    if not value:
        return None
    return value not in OFF
