"""The token core: every token that comes from AWS is fetched here, through the cache
and its lock (a fresh cached token is served by cache.py without this module).

It never prints and never imports Typer or Rich; it returns an `Answer` (the
response, its tokens and the warnings a person should read) or raises an
`EcrloginError`.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ecrlogin import identity, logs
from ecrlogin.awsclient import create_client
from ecrlogin.awsformat import json_default
from ecrlogin.errors import ParameterError, ResponseError, shorten, translate
from ecrlogin.hosts import is_account
from ecrlogin.options import ClientOptions
from ecrlogin.token import PUBLIC_PROXY_ENDPOINT, AuthToken

if TYPE_CHECKING:
    from ecrlogin.cache import CacheWarning, Entry

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Answer:
    """One GetAuthorizationToken answer: the response without its metadata, its decoded
    tokens, and what a person should be told about how it was got (cache warnings)."""

    response: dict[str, Any] = field(repr=False)
    tokens: list[AuthToken]
    warnings: tuple[CacheWarning, ...] = ()


def validate_registry_ids(registry_ids: Sequence[str]) -> list[str]:
    """Return the IDs unchanged, or raise ParameterError naming the first bad one."""
    for registry_id in registry_ids:
        if not is_account(registry_id):
            raise ParameterError(
                f"Invalid registry ID {shorten(registry_id)}: it must be a 12-digit AWS account ID",
                "Pass the account ID that owns the registry, e.g. 123456789012.",
            )
    return list(registry_ids)


def fetch(
    options: ClientOptions,
    registry_ids: Sequence[str] = (),
    *,
    public: bool = False,
    use_cache: bool = False,
) -> Answer:
    """Call GetAuthorizationToken once for the given registries (the caller's own by default).

    `registryIds` is sent only when IDs are given (ECR Public takes none). With
    `use_cache` (and ECRLOGIN_NO_CACHE unset), the shared token cache answers while
    its entry is fresh.
    """
    ids = validate_registry_ids(registry_ids)
    if public and ids:
        raise ParameterError(
            "ECR Public has no registry IDs", "Drop --registry-ids for ecr-public."
        )
    if use_cache:
        from ecrlogin import cache

        if cache.serves(options):
            return _through_cache(options, ids, public=public)
    return _call(options, ids, public=public)


def _call(options: ClientOptions, ids: list[str], *, public: bool) -> Answer:
    service = "ecr-public" if public else "ecr"
    try:
        # The secret key and session token are registered with the redactor before
        # anything (an error line, the debug log) can print them.
        client = create_client(service, options, on_secret=logs.register_secret)
        kwargs: dict[str, Any] = {"registryIds": ids} if ids else {}
        response: dict[str, Any] = client.get_authorization_token(**kwargs)
    except Exception as exc:  # translate() is the one place errors are mapped
        raise translate(exc) from exc
    response.pop("ResponseMetadata", None)
    for entry in _entries(response, public=public):
        if isinstance(entry, dict):
            logs.register_secret(entry.get("authorizationToken"))  # not a str: ignored
    # Decoded here, for every command, so `get-authorization-token` never prints a
    # token that cannot be used (an empty list, not base64, no ':') with exit 0.
    tokens = decode_tokens(response, public=public)
    log.debug("GetAuthorizationToken answered for %s", service)
    return Answer(response, tokens)


def decode_tokens(response: dict[str, Any], *, public: bool = False) -> list[AuthToken]:
    """Decode every entry of a GetAuthorizationToken response; never an IndexError."""
    entries = _entries(response, public=public)
    if not entries:
        raise ResponseError("The response holds no authorizationData")
    tokens = [
        AuthToken.from_authorization_data(
            entry, default_endpoint=PUBLIC_PROXY_ENDPOINT if public else None
        )
        for entry in entries
    ]
    for token in tokens:
        logs.register_secrets(token.secrets)
    return tokens


def peek(
    options: ClientOptions, registry_ids: Sequence[str] = (), *, public: bool = False
) -> Answer | None:
    """The shared cache's fresh answer to this call, read without writing or locking
    anything; None on a miss (or when ECRLOGIN_NO_CACHE turns the cache off)."""
    from ecrlogin import cache

    if not cache.serves(options):
        return None
    ids = validate_registry_ids(registry_ids)
    entry = cache.Store().read(identity.cache_key(options, ids, public=public))
    if entry is None or not entry.fresh(time.time()):
        return None
    try:
        return Answer(*_decode_entry(entry, public=public))
    except (ValueError, ResponseError):
        return None


def _decode_entry(entry: Entry, *, public: bool) -> tuple[dict[str, Any], list[AuthToken]]:
    """A cached entry's response and its tokens (validated, secrets registered)."""
    response = json.loads(entry.response)
    return dict(response), decode_tokens(response, public=public)


def _through_cache(options: ClientOptions, ids: list[str], *, public: bool) -> Answer:
    from ecrlogin import cache

    key = identity.cache_key(options, ids, public=public)
    fetched: list[Answer] = []

    def fetch() -> cache.Entry:
        answer = _call(options, ids, public=public)
        fetched.append(answer)
        return cache_entry(key, answer, options)

    budget = options.budget(os.environ.get("AWS_MAX_ATTEMPTS"))
    entry, warnings = cache.fetch_through(key, fetch, budget=budget)
    if fetched:
        return Answer(fetched[0].response, fetched[0].tokens, tuple(warnings))
    try:
        response, tokens = _decode_entry(entry, public=public)  # registers the secrets
    except (ValueError, ResponseError) as exc:
        log.debug("Ignoring an unusable cached response (%s); fetching", exc)
        return _call(options, ids, public=public)
    log.debug("GetAuthorizationToken answered from the token cache")
    return Answer(response, tokens, tuple(warnings))


def cache_entry(key: str, answer: Answer, options: ClientOptions) -> Entry:
    """The cache entry for a fresh answer: served until half the earliest token's validity."""
    from ecrlogin.cache import Entry

    tokens = answer.tokens
    # The hosts the helper's `list` and `erase` act on: only the registries a token may
    # be sent to (Amazon ECR hosts; the config is not read on this path).
    registries = [token.registry() for token in tokens]
    hosts = [target.host for target in registries if target is not None]
    region = options.region or next(
        (target.registry.region for target in registries if target is not None), ""
    )
    # A token whose expiry or registry is unknown (not in the response, or not one to
    # vouch for) is served but never stored: an already expired entry is never written.
    known = all(
        token.expires_at is not None and target is not None
        for token, target in zip(tokens, registries, strict=True)
    )
    profile = (
        options.profile or os.environ.get("AWS_PROFILE") or os.environ.get("AWS_DEFAULT_PROFILE")
    )
    return Entry(
        key=key,
        issued=time.time(),
        expires=min(token.expires_at.timestamp() for token in tokens if token.expires_at)
        if known
        else 0.0,
        region=region,
        profile=profile or "",
        hosts=hosts,
        tokens=[token.token for token in tokens],
        response=json.dumps(answer.response, separators=(",", ":"), default=json_default),
    )


def _entries(response: dict[str, Any], *, public: bool) -> list[Any]:
    data = response.get("authorizationData")
    if public and isinstance(data, dict):
        return [data]
    if isinstance(data, list):
        return data
    return []
