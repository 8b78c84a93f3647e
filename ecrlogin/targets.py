"""Targets: registry hosts or image references, grouped by the token call that serves them.

A target is a registry host or an image reference; none means the caller's
default registry, learned from the token's proxyEndpoint when the token can vouch
for it (`AuthToken.require_registry`). Targets are grouped by what selects the
token API call (region, profile, partition, FIPS, dual-stack, public), because one
GetAuthorizationToken answer serves every registry the principal can reach there.
Every failure is kept per registry so one bad target never stops the others.
`login`, `logout` and `pull-secret` share it; it touches no file. No Typer, no
Rich, no printing.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, NamedTuple

from ecrlogin.config import (
    Config,
    Target,
    resolve,
)
from ecrlogin.errors import (
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


def hosts(ready: Sequence[RegistryResult]) -> list[str]:
    """The hosts of `ready`, in order."""
    return [r.host for r in ready if r.host]


def credentials(ready: Sequence[RegistryResult]) -> dict[str, tuple[str, str]]:
    """(username, password) per host of every result that has a token, in order."""
    return {r.host: (r.token.username, r.token.password) for r in ready if r.host and r.token}


def exit_code(results: Sequence[RegistryResult]) -> int:
    """0 when every registry succeeded, else the first failure's exit code."""
    return next((r.error.exit_code for r in results if r.error is not None), 0)
