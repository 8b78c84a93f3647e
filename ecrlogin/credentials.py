"""A registry's credentials, from the token cache or from AWS: the one path of the two
protocol programs (docker-credential-ecrlogin and ecrlogin-credential-provider).

`credentials(target)` answers from the cache while its token is fresh, without
botocore, and otherwise through the token core under short timeouts. The
settings (the ecrlogin config) are parsed once per content and memoized in the
cache, because importing `tomllib` alone costs more than a whole cache-hit answer.
"""

from __future__ import annotations

import os
import sys

from ecrlogin import cache, config, identity
from ecrlogin.options import ClientOptions

TYPE_CHECKING = False  # typing itself is too costly to import on the cache-hit path
if TYPE_CHECKING:
    from ecrlogin.cache import CacheWarning
    from ecrlogin.config import Target
    from ecrlogin.token import AuthToken

    # A workload's role: (role ARN, the service-account token to assume it with).
    Role = tuple[str, str]

# A client waits on the helper before every pull and push: a hung endpoint must
# not hold it for botocore's 60 s per attempt. The CLI's environment variables
# for --cli-connect-timeout / --cli-read-timeout override these.
TIMEOUTS = {"ECRLOGIN_CLI_CONNECT_TIMEOUT": 5.0, "ECRLOGIN_CLI_READ_TIMEOUT": 15.0}


def settings(warnings: list[CacheWarning]) -> config.Config:
    """The configuration, parsed once per content: later calls read the cache's memo of it,
    because importing `tomllib` alone costs more than a whole cache-hit answer."""
    name = config.config_file()
    data = config.read_bytes(name)
    if data is None:
        return config.Config()
    if cache.disabled():
        settings = config.parse(data, name)
        warnings.extend(config.public_mappings(settings))
        return settings
    from ecrlogin import __version__

    store = cache.Store()
    digest = identity.digest(b"config", __version__.encode(), name.encode(), data)
    memo = store.read_memo(digest)
    if memo is not None:
        try:
            settings = config.Config.from_memo(memo, name)
        except ValueError:
            pass  # not what memo() wrote: parse the file again and replace it
        else:
            warnings.extend(config.public_mappings(settings))
            return settings
    settings = config.parse(data, name)  # a bad file raises and is never memoized
    store.write_memo(digest, settings.memo())
    warnings.extend(store.warnings)
    warnings.extend(config.public_mappings(settings))
    return settings


def registry_ids(target: Target) -> tuple[str, ...]:
    registry = target.registry
    return () if registry.public or not registry.account else (registry.account,)


def options_for(target: Target, role: Role | None = None) -> ClientOptions:
    """The options of the token call that serves `target` (timeouts aside: see fetch_token),
    as the workload's role if one is given."""
    registry = target.registry
    options = ClientOptions().aimed_at(
        registry.region, target.profile, fips=registry.fips, dualstack=registry.dualstack
    )
    if role is None:
        return options
    return options.replace(role_arn=role[0], web_identity_token=role[1])


def cache_key(target: Target, role: Role | None = None) -> str:
    """The key the token core uses for the same call, computed without botocore."""
    return identity.cache_key(
        options_for(target, role), registry_ids(target), public=target.registry.public
    )


def credentials(
    target: Target, warnings: list[CacheWarning], role: Role | None = None
) -> cache.Credentials:
    """`target`'s credentials (as the workload's `role`, if given): from the token cache
    while fresh, else from AWS. The one way both protocol programs get them."""
    options, ids = options_for(target, role), registry_ids(target)
    hit = cache.cached_credentials(options, ids, public=target.registry.public)
    if hit is not None:
        if "logging" in sys.modules:  # the debug log is on
            import logging

            logging.getLogger("ecrlogin.credentials").debug(
                "Answering %s from the token cache", target.host
            )
        return hit
    token = fetch_token(target, warnings, use_cache=not cache.disabled(), role=role)
    expires = token.expires_at.timestamp() if token.expires_at is not None else None
    return cache.Credentials(token.username, token.password, expires)


def fetch_token(
    target: Target,
    warnings: list[CacheWarning],
    *,
    use_cache: bool,
    role: Role | None = None,
) -> AuthToken:
    """The cache-miss path: the token core, which takes the lock and calls the API once
    (as the workload's `role`, if given), under the protocol programs' short timeouts."""
    from ecrlogin import core

    connect_timeout, read_timeout = (timeout(name) for name in TIMEOUTS)
    options = options_for(target, role).replace(
        connect_timeout=connect_timeout, read_timeout=read_timeout
    )
    answer = core.fetch(
        options, registry_ids(target), public=target.registry.public, use_cache=use_cache
    )
    warnings.extend(answer.warnings)
    return answer.tokens[0]


def timeout(name: str) -> float:
    """Seconds from the environment variable `name` (read as the CLI reads it), else the
    protocol programs' default."""
    from ecrlogin.options import parse_seconds

    text = os.environ.get(name, "").strip()
    return parse_seconds(text, name) if text else TIMEOUTS[name]
