"""The core of `login` / `logout`: resolve targets, fetch one token per group, act per registry.

A target is a registry host or an image reference; none means the caller's
default registry, learned from the token's proxyEndpoint when the token can vouch
for it (`AuthToken.require_registry`). Targets are grouped
by what selects the token API call (region, profile, partition, FIPS,
dual-stack, public), because one GetAuthorizationToken answer serves every
registry the principal can reach there. Every failure is kept per registry so
one bad target never stops the others. No Typer, no Rich, no printing.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from ecrlogin import authfile, clients
from ecrlogin.config import (
    FALLBACK_VARIABLE,
    Config,
    Edit,
    Target,
    fallback_store,
    load,
    resolve,
    store_name_problem,
    undo,
    write_fallback,
)
from ecrlogin.errors import (
    ConfigurationError,
    EcrloginError,
    ParameterError,
    redacted_line,
    shorten,
    translate,
)
from ecrlogin.options import ClientOptions
from ecrlogin.token import AuthToken

if TYPE_CHECKING:
    from ecrlogin.cache import CacheWarning
    from ecrlogin.core import Answer

DEFAULT_TARGET = "default registry"
HELPER_NAME = "ecrlogin"

# The signature of core.fetch, so tests can count or stub the calls.
Fetcher = Callable[..., "Answer"]


class Method(str, Enum):
    """How a registry is logged in: a client's own login, a config file entry, or the helper."""

    CLIENT = "client"
    CONFIG = "config"
    HELPER = "helper"
    # pull-secret: the password goes into a Kubernetes Secret on stdout.
    SECRET = "secret"  # noqa: S105 - a method's name, not a password


class GroupKey(NamedTuple):
    """What selects one token call; targets with equal keys share one token.

    All None/False for the default registry, whose host is unknown until asked.
    """

    region: str | None
    profile: str | None
    partition: str | None
    fips: bool
    dualstack: bool
    public: bool


_DEFAULT_GROUP = GroupKey(None, None, None, False, False, False)


@dataclass(frozen=True)
class RegistryResult:
    """One registry's way through login or logout; `error` is set when it failed."""

    requested: str
    target: Target | None = None
    host: str | None = None
    region: str | None = None
    token: AuthToken | None = field(default=None, repr=False)
    method: Method | None = None
    # The container client that logged in or out (method CLIENT).
    client: str | None = None
    # The file that was changed (methods CONFIG and HELPER).
    where: str | None = None
    error: EcrloginError | None = None
    # logout: False when there was nothing of ours to remove.
    changed: bool = True

    @property
    def ok(self) -> bool:
        """True when this registry has not failed."""
        return self.error is None

    @property
    def name(self) -> str:
        """The host when known, else what the user asked for."""
        return self.host or redacted_line(self.requested, 120)

    @property
    def expires_at(self) -> datetime | None:
        """When the stored password stops working (None: it never expires, or the response
        did not say; see `expiry_known`)."""
        if self.method is Method.HELPER or self.token is None:
            return None
        return self.token.expires_at

    @property
    def expiry_known(self) -> bool:
        """False when the token's response gave no expiresAt."""
        return (
            self.method is Method.HELPER or self.token is None or self.token.expires_at is not None
        )

    def failed(self, error: EcrloginError) -> RegistryResult:
        """This result with `error` recorded."""
        return dataclasses.replace(self, error=error)


def resolve_targets(texts: Sequence[str], config: Config) -> list[RegistryResult]:
    """Resolve each TARGET through the shared parser and config; none = the default registry."""
    if not texts:
        return [RegistryResult(requested=DEFAULT_TARGET)]
    results: list[RegistryResult] = []
    seen: set[str] = set()
    for text in texts:
        target = resolve(text, config)
        if target is None:
            results.append(
                RegistryResult(
                    requested=text,
                    error=ParameterError(
                        f"{shorten(text, 120)} is not an ECR registry host or image reference",
                        "Name a host such as 123456789012.dkr.ecr.eu-west-1.amazonaws.com, or "
                        'map a custom host in the ecrlogin config ([registries."HOST"] with '
                        "account and region).",
                    ),
                )
            )
            continue
        if target.host in seen:
            continue  # two images of one registry need one login
        seen.add(target.host)
        results.append(
            RegistryResult(
                requested=text, target=target, host=target.host, region=target.registry.region
            )
        )
    return results


def logged_in(path: Path, config: Config, method: Method) -> list[RegistryResult]:
    """What `logout` without a TARGET undoes, read from the file `path` with no AWS call:
    the `credHelpers` entries naming ecrlogin (HELPER), the `auths` passwords of the form
    `login --write-config` writes (CONFIG), or for a client's own logout (CLIENT) the
    `auths` entries its login left; those two for ECR hosts (and hosts `config` maps) only."""
    import copy

    data = authfile.read(path)
    if method is Method.HELPER:
        helpers = data.get("credHelpers")
        named = helpers if isinstance(helpers, dict) else {}
        return [
            RegistryResult(requested=key, host=key)
            for key, value in named.items()
            if value == HELPER_NAME
        ]
    auths = data.get("auths")
    keys = [key for key in auths if isinstance(key, str)] if isinstance(auths, dict) else []
    if method is Method.CONFIG:
        keys = authfile.drop_passwords(copy.deepcopy(data), keys)  # only the ones it would drop
    results: list[RegistryResult] = []
    for key in keys:
        target = resolve(key, config)
        if target is None:
            continue  # another registry's login: not ours to undo
        # A client is asked by the host it logged into; the file's entry keeps its key.
        host = target.host if method is Method.CLIENT else key
        results.append(
            RegistryResult(requested=key, target=target, host=host, region=target.registry.region)
        )
    return results


def group_key(target: Target | None, base: ClientOptions) -> GroupKey:
    """What one token call is shared by: targets with the same key share one token."""
    if target is None:
        return _DEFAULT_GROUP
    registry = target.registry
    return GroupKey(
        registry.region,
        target.profile or base.profile,
        registry.partition,
        registry.fips,
        registry.dualstack,
        registry.public,
    )


def group_options(key: GroupKey, base: ClientOptions) -> ClientOptions:
    """The client options of one group: its region and profile, FIPS/dual-stack when the host
    says so (otherwise the AWS configuration decides)."""
    if key.region is None:
        return base
    return base.aimed_at(key.region, key.profile, fips=key.fips, dualstack=key.dualstack)


def fetch(
    results: Sequence[RegistryResult],
    base: ClientOptions,
    fetcher: Fetcher,
    *,
    use_cache: bool = False,
    tokens_needed: bool = True,
    settings: Config | None = None,
) -> tuple[list[RegistryResult], list[CacheWarning]]:
    """Give each pending result its token (one call per group) or that call's error; return
    the results and the calls' warnings (each once).

    With `tokens_needed=False` (helper set-up, logout) only the default registry,
    whose host is unknown until asked, costs a call. `settings` (the ecrlogin
    config) may map the host the default registry's token names.
    """
    pending: dict[GroupKey, list[int]] = {}
    for index, result in enumerate(results):
        if not result.ok or (not tokens_needed and result.target is not None):
            continue
        pending.setdefault(group_key(result.target, base), []).append(index)
    answers = _call_groups(
        {key: group_options(key, base) for key in pending}, fetcher, use_cache=use_cache
    )
    out = list(results)
    warnings: dict[CacheWarning, None] = {}
    for key, indexes in pending.items():
        answer = answers[key]
        if not isinstance(answer, EcrloginError):
            warnings.update(dict.fromkeys(answer.warnings))
        for index in indexes:
            if isinstance(answer, EcrloginError):
                out[index] = out[index].failed(answer)
            else:
                out[index] = _with_token(out[index], answer.tokens[0], settings)
    return out, list(warnings)


def _with_token(
    result: RegistryResult, token: AuthToken, settings: Config | None
) -> RegistryResult:
    if result.target is not None:
        return dataclasses.replace(result, token=token)
    # The default registry: the token's proxyEndpoint, if the token can vouch for it
    # (an ECR host, or one the config maps); nothing is sent anywhere else.
    try:
        target = token.require_registry(settings or Config(), "the default registry is unknown")
    except EcrloginError as error:
        return result.failed(error)
    return dataclasses.replace(
        result, token=token, target=target, host=target.host, region=target.registry.region
    )


def _call_groups(
    groups: Mapping[GroupKey, ClientOptions], fetcher: Fetcher, *, use_cache: bool
) -> dict[GroupKey, Answer | EcrloginError]:
    answers: dict[GroupKey, Answer | EcrloginError] = {}

    def call(key: GroupKey, options: ClientOptions) -> None:
        try:
            answers[key] = fetcher(options, public=key.public, use_cache=use_cache)
        except Exception as exc:  # noqa: BLE001 - per group: one bad group must not stop the others
            answers[key] = translate(exc)

    if len(groups) <= 1:
        for key, options in groups.items():
            call(key, options)
        return answers
    # Daemon threads: regions answer in parallel, and Ctrl-C is not held up by a slow one.
    threads = [
        threading.Thread(target=call, args=(key, options), name=f"token-{key.region}", daemon=True)
        for key, options in groups.items()
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def passwords(results: Iterable[RegistryResult]) -> list[str]:
    """Every distinct form of every secret fetched (AuthToken.secrets), in first-seen order."""
    seen: dict[str, None] = {}
    for result in results:
        if result.token is not None:
            seen.update(dict.fromkeys(result.token.secrets))
    return list(seen)


def client_login(
    results: Sequence[RegistryResult],
    client: str,
    extra_args: Sequence[str] = (),
    *,
    timeout: float | None = None,
) -> list[RegistryResult]:
    """Run `client`'s own login for each registry that has a token, each stopped after
    `timeout` seconds (None: no limit)."""
    out: list[RegistryResult] = []
    for result in results:
        if not result.ok or result.token is None or result.host is None:
            out.append(result)
            continue
        try:
            clients.login(
                client,
                result.host,
                result.token.username,
                result.token.password,
                extra_args,
                timeout=timeout,
            )
        except EcrloginError as exc:
            out.append(dataclasses.replace(result, method=Method.CLIENT, client=client, error=exc))
            continue
        out.append(dataclasses.replace(result, method=Method.CLIENT, client=client))
    return out


def client_logout(
    results: Sequence[RegistryResult],
    client: str,
    extra_args: Sequence[str] = (),
    *,
    timeout: float | None = None,
) -> list[RegistryResult]:
    """Run `client`'s own logout for each resolved registry, bounded as `client_login`."""
    out: list[RegistryResult] = []
    for result in results:
        if not result.ok or result.host is None:
            out.append(result)
            continue
        try:
            clients.logout(client, result.host, extra_args, timeout=timeout)
        except EcrloginError as exc:
            out.append(dataclasses.replace(result, method=Method.CLIENT, client=client, error=exc))
            continue
        out.append(dataclasses.replace(result, method=Method.CLIENT, client=client))
    return out


def write_config(
    results: Sequence[RegistryResult], path: Path, *, fmt: str
) -> tuple[list[RegistryResult], list[str]]:
    """Store every fetched password in `path` in one locked write; return results and warnings."""
    return _file_step(
        results,
        path,
        Method.CONFIG,
        lambda ready: authfile.store_passwords(path, credentials(ready), fmt=fmt),
        needs_token=True,
    )


def remove_config(
    results: Sequence[RegistryResult], path: Path
) -> tuple[list[RegistryResult], list[str]]:
    """Remove the passwords `write_config` stored for these registries, and nothing else."""
    return _file_step(
        results,
        path,
        Method.CONFIG,
        lambda ready: authfile.remove_passwords(path, _hosts(ready)),
        removal=True,
    )


def set_helper(
    results: Sequence[RegistryResult], path: Path, *, fmt: str
) -> tuple[list[RegistryResult], list[str]]:
    """Point `credHelpers[host]` at ecrlogin for each registry, in one locked write."""
    return _file_step(
        results,
        path,
        Method.HELPER,
        lambda ready: authfile.set_helpers(path, _hosts(ready), HELPER_NAME, fmt=fmt),
    )


def remove_helper(
    results: Sequence[RegistryResult], path: Path
) -> tuple[list[RegistryResult], list[str]]:
    """Remove the `credHelpers` entries `set_helper` wrote (value "ecrlogin") and nothing else."""
    return _file_step(
        results,
        path,
        Method.HELPER,
        lambda ready: authfile.remove_helpers(path, _hosts(ready), HELPER_NAME),
        removal=True,
    )


def _hosts(ready: Sequence[RegistryResult]) -> list[str]:
    return [r.host for r in ready if r.host]


def credentials(ready: Sequence[RegistryResult]) -> dict[str, tuple[str, str]]:
    """(username, password) per host of every result that has a token, in order."""
    return {r.host: (r.token.username, r.token.password) for r in ready if r.host and r.token}


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


def exit_code(results: Sequence[RegistryResult]) -> int:
    """0 when every registry succeeded, else the first failure's exit code."""
    return next((r.error.exit_code for r in results if r.error is not None), 0)
