"""The core of `login` / `logout`: resolve targets, fetch one token per group, act per registry.

A target is a registry host or an image reference; none means the caller's
default registry, learned from the token's proxyEndpoint. Targets are grouped
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
from datetime import datetime, timezone
from pathlib import Path

from ecrlogin import authfile, clients
from ecrlogin.awsclient import ClientOptions
from ecrlogin.config import Config, Target, resolve
from ecrlogin.errors import EcrloginError, ParameterError, one_line, translate
from ecrlogin.hosts import parse_registry
from ecrlogin.token import AuthToken

DEFAULT_TARGET = "default registry"
HELPER_NAME = "ecrlogin"

# The signature of core.fetch_tokens, so tests can count or stub the calls.
Fetcher = Callable[..., list[AuthToken]]
# (region, profile, partition, fips, dualstack, public); None for the default registry.
GroupKey = tuple[str | None, str | None, str | None, bool, bool, bool]


@dataclass(frozen=True)
class RegistryResult:
    """One registry's way through login or logout; `error` is set when it failed."""

    requested: str
    target: Target | None = None
    host: str | None = None
    region: str | None = None
    token: AuthToken | None = field(default=None, repr=False)
    method: str | None = None
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
        return self.host or self.requested

    @property
    def expires_at(self) -> datetime | None:
        """When the stored password stops working (None: it never expires)."""
        if self.method == "helper" or self.token is None:
            return None
        return self.token.expires_at

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
                        f"{text!r} is not an ECR registry host or image reference",
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


def group_key(target: Target | None, base: ClientOptions) -> GroupKey:
    """What one token call is shared by: targets with the same key share one token."""
    if target is None:
        return (None, None, None, False, False, False)
    registry = target.registry
    return (
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
    region, profile, _, fips, dualstack, _ = key
    if region is None:
        return base
    return dataclasses.replace(
        base,
        region=region,
        profile=profile,
        use_fips=True if fips else base.use_fips,
        use_dualstack=True if dualstack else base.use_dualstack,
    )


def fetch(
    results: Sequence[RegistryResult],
    base: ClientOptions,
    fetcher: Fetcher,
    *,
    use_cache: bool = False,
    tokens_needed: bool = True,
) -> list[RegistryResult]:
    """Give each pending result its token (one call per group) or that call's error.

    With `tokens_needed=False` (helper set-up, logout) only the default registry,
    whose host is unknown until asked, costs a call.
    """
    pending: dict[GroupKey, list[int]] = {}
    for index, result in enumerate(results):
        if not result.ok or (not tokens_needed and result.target is not None):
            continue
        pending.setdefault(group_key(result.target, base), []).append(index)
    answers = _call_groups(
        {
            key: (group_options(key, base), bool(key[5]))
            for key in pending  # key[5]: public
        },
        fetcher,
        use_cache=use_cache,
    )
    out = list(results)
    for key, indexes in pending.items():
        answer = answers[key]
        for index in indexes:
            if isinstance(answer, EcrloginError):
                out[index] = out[index].failed(answer)
            else:
                out[index] = _with_token(out[index], answer[0], group_options(key, base))
    return out


def _with_token(result: RegistryResult, token: AuthToken, options: ClientOptions) -> RegistryResult:
    if result.target is not None:
        return dataclasses.replace(result, token=token)
    # The default registry: its host (and so its region) comes from the token.
    registry = parse_registry(token.host)
    region = registry.region if registry else options.region
    return dataclasses.replace(result, token=token, host=token.host, region=region)


def _call_groups(
    groups: Mapping[GroupKey, tuple[ClientOptions, bool]], fetcher: Fetcher, *, use_cache: bool
) -> dict[GroupKey, list[AuthToken] | EcrloginError]:
    answers: dict[GroupKey, list[AuthToken] | EcrloginError] = {}

    def call(key: GroupKey, options: ClientOptions, public: bool) -> None:
        try:
            answers[key] = fetcher(options, public=public, use_cache=use_cache)
        except Exception as exc:  # noqa: BLE001 - per group: one bad group must not stop the others
            answers[key] = translate(exc)

    if len(groups) <= 1:
        for key, (options, public) in groups.items():
            call(key, options, public)
        return answers
    # Daemon threads: regions answer in parallel, and Ctrl-C is not held up by a slow one.
    threads = [
        threading.Thread(
            target=call, args=(key, options, public), name=f"token-{key[0]}", daemon=True
        )
        for key, (options, public) in groups.items()
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def passwords(results: Iterable[RegistryResult]) -> list[str]:
    """Every distinct secret fetched (password and base64 token), in first-seen order."""
    seen: dict[str, None] = {}
    for result in results:
        if result.token is not None:
            seen.setdefault(result.token.password)
            seen.setdefault(result.token.token)
    return list(seen)


def client_login(
    results: Sequence[RegistryResult], client: str, extra_args: Sequence[str] = ()
) -> list[RegistryResult]:
    """Run `client`'s own login for each registry that has a token."""
    out: list[RegistryResult] = []
    for result in results:
        if not result.ok or result.token is None or result.host is None:
            out.append(result)
            continue
        try:
            clients.login(
                client, result.host, result.token.username, result.token.password, extra_args
            )
        except EcrloginError as exc:
            out.append(dataclasses.replace(result, method=client, error=exc))
            continue
        out.append(dataclasses.replace(result, method=client, where=client))
    return out


def client_logout(
    results: Sequence[RegistryResult], client: str, extra_args: Sequence[str] = ()
) -> list[RegistryResult]:
    """Run `client`'s own logout for each resolved registry."""
    out: list[RegistryResult] = []
    for result in results:
        if not result.ok or result.host is None:
            out.append(result)
            continue
        try:
            clients.logout(client, result.host, extra_args)
        except EcrloginError as exc:
            out.append(dataclasses.replace(result, method=client, error=exc))
            continue
        out.append(dataclasses.replace(result, method=client, where=client))
    return out


def write_config(
    results: Sequence[RegistryResult], path: Path, *, fmt: str
) -> tuple[list[RegistryResult], list[str]]:
    """Store every fetched password in `path` in one locked write; return results and warnings."""
    return _file_step(
        results,
        path,
        "config",
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
        "config",
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
        "helper",
        lambda ready: authfile.set_helpers(path, _hosts(ready), HELPER_NAME, fmt=fmt),
    )


def remove_helper(
    results: Sequence[RegistryResult], path: Path
) -> tuple[list[RegistryResult], list[str]]:
    """Remove the `credHelpers` entries `set_helper` wrote (value "ecrlogin") and nothing else."""
    return _file_step(
        results,
        path,
        "helper",
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
    method: str,
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


def exit_code(results: Sequence[RegistryResult]) -> int:
    """0 when every registry succeeded, else the first failure's exit code."""
    return next((r.error.exit_code for r in results if r.error is not None), 0)


def remaining(expires_at: datetime, now: datetime | None = None) -> str:
    """How long until `expires_at`, as "in 11 h 59 m", or "expired"."""
    now = now or datetime.now(timezone.utc)
    minutes = int((expires_at - now).total_seconds() // 60)
    if (expires_at - now).total_seconds() <= 0:
        return "expired"
    if minutes < 1:
        return "in under a minute"
    hours, minutes = divmod(minutes, 60)
    return f"in {hours} h {minutes} m" if hours else f"in {minutes} m"


def local_time(moment: datetime) -> str:
    """`moment` in the local time zone, e.g. "2026-11-28 09:41 CET"."""
    local = moment.astimezone()
    return f"{local:%Y-%m-%d %H:%M} {local.tzname() or local.strftime('%z')}"


def expiry_text(expires_at: datetime | None, now: datetime | None = None) -> str:
    """The expiry part of a result line."""
    if expires_at is None:
        return "never expires"
    left = remaining(expires_at, now)
    if left == "expired":
        return f"expired {local_time(expires_at)}"
    return f"expires {local_time(expires_at)} ({left})"


def describe(result: RegistryResult, *, logout: bool = False, now: datetime | None = None) -> str:
    """The stderr line a person reads for one registry that did not fail."""
    host = result.name
    if logout:
        if result.method == "config":
            if not result.changed:
                return f"{host}: no password of ecrlogin's in {result.where}; nothing removed"
            return f"{host}: password removed from {result.where}"
        if result.method == "helper":
            if not result.changed:
                return f"{host}: no ecrlogin credential helper in {result.where}; nothing removed"
            return f"{host}: credential helper removed from {result.where}"
        return f"{host}: logged out with {result.method}"
    expiry = expiry_text(result.expires_at, now)
    if result.method == "config":
        return f"{host}: password written to {result.where}, {expiry}"
    if result.method == "helper":
        return f"{host}: credential helper {HELPER_NAME} set in {result.where}, {expiry}"
    if result.method == "secret":
        return f"{host}: password in {result.where}, {expiry}"
    return f"{host}: logged in with {result.method}, {expiry}"


def summary(results: Sequence[RegistryResult]) -> str:
    """One line naming every registry that failed and why ("" when none did)."""
    failed = [r for r in results if r.error is not None]
    if not failed:
        return ""
    noun = "registry" if len(results) == 1 else "registries"
    reasons = "; ".join(f"{r.name} ({one_line(r.error.cause, 120)})" for r in failed if r.error)
    return f"{len(failed)} of {len(results)} {noun} failed: {reasons}"
