"""The files and clients of `login` / `logout`: what each registry's login writes or runs.

A client's own login, an entry in docker's config.json or the containers
auth.json (locked, atomic, every other byte kept), the credential helper, and
`login --helper --store` with its note under the state folder. The targets and
their tokens come from ecrlogin.targets. No Typer, no Rich, no printing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ecrlogin import authfile, clients
from ecrlogin.config import (
    FALLBACK_VARIABLE,
    HELPER_NAME,
    Config,
    Edit,
    fallback_store,
    load,
    store_name_problem,
    undo,
    write_fallback,
)
from ecrlogin.errors import (
    ClientLoginError,
    ConfigurationError,
    EcrloginError,
    shorten,
)
from ecrlogin.files import LOCK_WAIT
from ecrlogin.targets import Method, RegistryResult, credentials, hosts

if TYPE_CHECKING:
    pass


def helper_logins(path: Path) -> list[RegistryResult]:
    """What `logout --helper` without a TARGET undoes, read from the file `path` with no
    AWS call: the `credHelpers` entries naming ecrlogin, which only ecrlogin's login (or
    the user naming it on purpose) writes. An `auths` password cannot be told apart from
    the user's own `docker login`, so the other kinds of logout need a TARGET or the
    default registry."""
    helpers = authfile.read(path).get("credHelpers")
    named = helpers if isinstance(helpers, dict) else {}
    return [
        RegistryResult(requested=key, host=key)
        for key, value in named.items()
        if value == HELPER_NAME
    ]


def client_login(
    results: Sequence[RegistryResult],
    client: str,
    extra_args: Sequence[str] = (),
    *,
    timeout: float | None = None,
) -> tuple[list[RegistryResult], list[str]]:
    """Run `client`'s own login for each registry that has a token, each stopped after
    `timeout` seconds (None: no limit); return the results and the warnings (output cut)."""

    def step(result: RegistryResult) -> Callable[[], str | None] | None:
        host, token = result.host, result.token
        if not result.ok or token is None or host is None:
            return None
        return lambda: clients.login(
            client, host, token.username, token.password, extra_args, timeout=timeout
        )

    return _client_steps(results, client, step)


def client_logout(
    results: Sequence[RegistryResult],
    client: str,
    extra_args: Sequence[str] = (),
    *,
    timeout: float | None = None,
) -> tuple[list[RegistryResult], list[str]]:
    """Run `client`'s own logout for each resolved registry, bounded as `client_login`."""

    def step(result: RegistryResult) -> Callable[[], str | None] | None:
        host = result.host
        if not result.ok or host is None:
            return None
        return lambda: clients.logout(client, host, extra_args, timeout=timeout)

    return _client_steps(results, client, step)


def _client_steps(
    results: Sequence[RegistryResult],
    client: str,
    step: Callable[[RegistryResult], Callable[[], str | None] | None],
) -> tuple[list[RegistryResult], list[str]]:
    """Run each result's client step (None: not ready, left as is), one after another;
    the results, and the warnings the steps returned or their failures carried."""
    out: list[RegistryResult] = []
    warnings: list[str] = []
    for result in results:
        run = step(result)
        if run is None:
            out.append(result)
            continue
        error: EcrloginError | None = None
        try:
            warning = run()
        except ClientLoginError as exc:
            warning, error = exc.warning, exc
        except EcrloginError as exc:
            warning, error = None, exc
        if warning is not None:
            warnings.append(warning)
        out.append(dataclasses.replace(result, method=Method.CLIENT, client=client, error=error))
    return out, warnings


def write_config(
    results: Sequence[RegistryResult], path: Path, *, fmt: str, wait: float | None = LOCK_WAIT
) -> tuple[list[RegistryResult], list[str]]:
    """Store every fetched password in `path` in one locked write; return results and warnings."""
    return _file_step(
        results,
        path,
        Method.CONFIG,
        lambda ready: authfile.store_passwords(path, credentials(ready), fmt=fmt, wait=wait),
        needs_token=True,
    )


def remove_config(
    results: Sequence[RegistryResult], path: Path, *, wait: float | None = LOCK_WAIT
) -> tuple[list[RegistryResult], list[str]]:
    """Remove the passwords `write_config` stored for these registries, and nothing else."""
    return _file_step(
        results,
        path,
        Method.CONFIG,
        lambda ready: authfile.remove_passwords(path, hosts(ready), wait=wait),
        removal=True,
    )


def set_helper(
    results: Sequence[RegistryResult], path: Path, *, fmt: str, wait: float | None = LOCK_WAIT
) -> tuple[list[RegistryResult], list[str]]:
    """Point `credHelpers[host]` at ecrlogin for each registry, in one locked write."""
    return _file_step(
        results,
        path,
        Method.HELPER,
        lambda ready: authfile.set_helpers(path, hosts(ready), HELPER_NAME, fmt=fmt, wait=wait),
    )


def remove_helper(
    results: Sequence[RegistryResult], path: Path, *, wait: float | None = LOCK_WAIT
) -> tuple[list[RegistryResult], list[str]]:
    """Remove the `credHelpers` entries `set_helper` wrote (value "ecrlogin") and nothing else."""
    return _file_step(
        results,
        path,
        Method.HELPER,
        lambda ready: authfile.remove_helpers(path, hosts(ready), HELPER_NAME, wait=wait),
        removal=True,
    )


def _file_step(
    results: Sequence[RegistryResult],
    path: Path,
    method: Method,
    change: Callable[[list[RegistryResult]], list[str]],
    *,
    needs_token: bool = False,
    removal: bool = False,
) -> tuple[list[RegistryResult], list[str]]:
    """Apply `change` to the registries ready for it, as one locked write of `path`.

    `change` gets those registries and returns the file's warnings, or for a
    `removal` the hosts it removed: the others are marked unchanged (nothing of
    ours was there).
    """
    ready = [
        r
        for r in results
        if r.ok and r.host is not None and (r.token is not None or not needs_token)
    ]
    if not ready:
        return list(results), []
    ready_ids = {id(r) for r in ready}
    try:
        answer = change(ready)
    except EcrloginError as error:  # the file is shared by every registry of this run
        return [
            dataclasses.replace(r, method=method, error=error) if id(r) in ready_ids else r
            for r in results
        ], []
    removed = set(answer)
    return [
        dataclasses.replace(
            r, method=method, where=str(path), changed=not removal or r.host in removed
        )
        if id(r) in ready_ids
        else r
        for r in results
    ], ([] if removal else answer)


@dataclass(frozen=True)
class StoreChange:
    """What `login --helper --store` or its logout did to `credsStore` in docker's config.json."""

    path: Path
    before: str | None
    after: str | None
    # login: the store kept as the fallback (None: there was none to keep).
    fallback: str | None = None
    # login: hosts whose passwords in `auths` docker ignores once credsStore is set.
    ignored: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        """False when the file already said what was asked."""
        return self.before != self.after


def _record_path(path: Path) -> str:
    """Where `login --helper --store` notes what it replaced in the client config `path`:
    one small file per config file, in ecrlogin's state folder."""
    import hashlib
    import os

    from ecrlogin.files import state_dir

    real = os.path.realpath(path)
    name = hashlib.sha256(real.encode("utf-8", "surrogateescape")).hexdigest()[:32]
    return os.path.join(state_dir(), "stores", name)


def _write_record(where: str, record: dict[str, object]) -> None:
    import json
    import os

    from ecrlogin import files

    # The user's, as their client config is (root with that user's HOME: sudo -E).
    files.make_private_dirs(os.path.dirname(where), keep_owner=True)
    files.write_private(where, json.dumps(record).encode(), keep_owner=True)


def _read_record(where: str) -> dict[str, object] | None:
    import json

    from ecrlogin import files

    try:
        data = files.read_bounded(where, 1 << 20, trusted=True)
        record = json.loads(data) if data is not None else None
    except (OSError, ValueError):
        return None  # unreadable: logout falls back to what the config says
    return record if isinstance(record, dict) else None


def _drop_record(where: str) -> None:
    import contextlib
    import os

    with contextlib.suppress(FileNotFoundError):
        os.unlink(where)


def _noted(where: str, record: dict[str, object]) -> tuple[str | None, Edit | None]:
    """The credsStore a note kept (None: there was none) and its edit of the ecrlogin
    config; ConfigurationError naming the note when it is damaged. The store name is
    checked as any store name is: it goes back into config.json."""
    import base64
    import binascii

    def damaged(what: str) -> ConfigurationError:
        return ConfigurationError(
            f"The note {where} that login --helper --store kept is damaged: {what}",
            "Remove that note and run this again (logout then puts back the ecrlogin "
            "config's [store] fallback).",
        )

    noted = record.get("credsStore")
    store = None
    if noted is not None and noted != "":  # None or "": there was no store to put back
        problem = store_name_problem(noted)
        if problem:
            raise damaged(f"credsStore {shorten(noted, 60)} is not a store name: {problem}")
        store = str(noted)
    edit = record.get("config")
    if edit is None:
        return store, None
    if not (
        isinstance(edit, dict)
        and isinstance(edit.get("path"), str)
        and isinstance(edit.get("after"), str)
        and isinstance(edit.get("before"), (str, type(None)))
    ):
        raise damaged("its config entry needs a path, before and after")
    try:
        before = None if edit["before"] is None else base64.b64decode(edit["before"], validate=True)
        after = base64.b64decode(edit["after"], validate=True)
    except (binascii.Error, ValueError):
        raise damaged("its config entry is not base64") from None
    return store, Edit(edit["path"], before, after)


def set_store(path: Path, config_path: str | None = None) -> StoreChange:
    """Make ecrlogin docker's `credsStore`, keeping the store named there before as
    ecrlogin's fallback (written to the ecrlogin config `config_path`, default
    `config_file()`, first, so nothing is ever lost).

    All under the client config's lock, the reading of the ecrlogin config too (a
    concurrent login may have just added the fallback): what was replaced (the old
    credsStore, the ecrlogin config's bytes) is noted, so that `logout --helper
    --store` puts back exactly that, whichever ecrlogin config it reads."""
    import base64

    fallback_store(Config())  # a bad ECRLOGIN_FALLBACK_STORE fails first
    where = _record_path(path)

    def change(data: dict[str, object]) -> tuple[str | None, str | None, tuple[str, ...]]:
        configured = fallback_store(load(config_path))
        before = data.get("credsStore")
        if before is not None and not isinstance(before, str):
            raise ConfigurationError(
                f"{path}: credsStore is not a string", "Fix or remove it, then run this again."
            )
        # Already ours, or nothing to keep: whatever fallback is configured (file or variable).
        fallback = configured[0] if configured else None
        if before == HELPER_NAME:
            return before, fallback, _ignored(data)
        edit = None
        if before:
            problem = store_name_problem(before)
            if problem:
                raise ConfigurationError(
                    f"{path}: credsStore {before!r} cannot be kept as the fallback store: "
                    f"{problem}",
                    "Fix credsStore there, or remove it, then run this again.",
                )
            edit = write_fallback(before, config_path)
            if configured is None or configured[1] != FALLBACK_VARIABLE:
                fallback = before  # the variable, when set, still wins over the file
        _write_record(
            where,
            {
                "credsStore": before,
                "config": None
                if edit is None
                else {
                    "path": edit.path,
                    "before": None
                    if edit.before is None
                    else base64.b64encode(edit.before).decode(),
                    "after": base64.b64encode(edit.after).decode(),
                },
            },
        )
        data["credsStore"] = HELPER_NAME
        return before, fallback, _ignored(data)

    before, fallback, ignored = authfile.update(path, change)
    return StoreChange(
        path=path, before=before, after=HELPER_NAME, fallback=fallback, ignored=ignored
    )


def _ignored(data: dict[str, object]) -> tuple[str, ...]:
    auths = data.get("auths")
    if not isinstance(auths, dict):
        return ()
    return tuple(
        sorted(
            host for host, entry in auths.items() if isinstance(entry, dict) and entry.get("auth")
        )
    )


def remove_store(path: Path, settings: Config) -> StoreChange:
    """Undo `set_store`: credsStore goes back to what it replaced (or away), if it is ours,
    and the ecrlogin config loses the fallback line that login added, if unchanged since."""
    where = _record_path(path)

    def change(data: dict[str, object]) -> tuple[str | None, str | None]:
        before = data.get("credsStore")
        record = _read_record(where)
        if before != HELPER_NAME:
            _drop_record(where)  # a login undone by hand: nothing of ours to put back
            return (before if isinstance(before, str) else None), None
        if record is None:
            # Set by an ecrlogin that kept no note: its config's fallback was the old store.
            old = settings.fallback
        else:
            old, edit = _noted(where, record)
            if edit is not None:
                undo(edit)
        if old:
            data["credsStore"] = old  # the same key, so it keeps its place in the file
        else:
            del data["credsStore"]
        _drop_record(where)
        return HELPER_NAME, old

    before, after = authfile.update(path, change, create=False)
    if before != HELPER_NAME:
        return StoreChange(path=path, before=before, after=before)
    return StoreChange(path=path, before=before, after=after)
