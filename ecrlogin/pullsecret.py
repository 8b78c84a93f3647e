"""The core of `pull-secret`: check the Kubernetes names, then fetch every target's token.

Targets, grouping, regions, per-registry profiles and per-registry errors are
`login`'s (ecrlogin.login); this module adds what a Secret needs: names that
Kubernetes accepts, and all or nothing, because a Secret missing one registry
would replace a working one in the cluster. No Typer, no Rich, no printing.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ecrlogin import targets
from ecrlogin.config import Config
from ecrlogin.errors import ParameterError, shorten
from ecrlogin.options import ClientOptions

if TYPE_CHECKING:
    from ecrlogin.cache import CacheWarning

# Kubernetes' own rules (apimachinery's IsDNS1123Subdomain and IsDNS1123Label):
# kubectl checks neither on the client, so a bad name would only fail at apply time.
_LABEL = r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
_NAMESPACE = re.compile(_LABEL)
MAX_NAME = 253
MAX_NAMESPACE = 63


@dataclass(frozen=True)
class PullSecret:
    """What `pull-secret` prints: the Secret's name, its namespaces, and each registry's result."""

    name: str
    namespaces: tuple[str, ...]
    results: tuple[targets.RegistryResult, ...]
    # What the token calls met that a person should be told (the token cache's warnings).
    warnings: tuple[CacheWarning, ...] = ()

    @property
    def ok(self) -> bool:
        """True when every registry has its token: only then is a Secret printed."""
        return all(result.ok and result.token is not None for result in self.results)

    @property
    def exit_code(self) -> int:
        """0, or the first failure's code (as `login`)."""
        return targets.exit_code(self.results)

    def credentials(self) -> dict[str, tuple[str, str]]:
        """(username, password) per registry host, in the order the targets were given."""
        return targets.credentials(self.results)


def check_name(name: str) -> str:
    """The Secret's name unchanged, or a ParameterError naming Kubernetes' rule."""
    if len(name) <= MAX_NAME and _SUBDOMAIN.fullmatch(name):
        return name
    raise ParameterError(
        f"Invalid Secret name {shorten(name)}: Kubernetes wants a DNS-1123 subdomain (lower-case "
        f"letters, digits, '-' and '.', starting and ending with a letter or digit, at most "
        f"{MAX_NAME} characters)",
        "Pick a name such as regcred or ecr-pull.",
    )


def check_namespaces(namespaces: Sequence[str]) -> tuple[str, ...]:
    """The namespaces in the order given, each once, or a ParameterError naming the bad one."""
    for namespace in namespaces:
        if len(namespace) > MAX_NAMESPACE or not _NAMESPACE.fullmatch(namespace):
            raise ParameterError(
                f"Invalid namespace {shorten(namespace)}: Kubernetes wants a DNS-1123 label "
                f"(lower-case letters, digits and '-', starting and ending with a letter or "
                f"digit, at most {MAX_NAMESPACE} characters)",
                "Pass the namespace as `kubectl get namespaces` lists it.",
            )
    return tuple(dict.fromkeys(namespaces))


def fetch(
    name: str,
    namespaces: Sequence[str],
    requested: Sequence[str],
    config: Config,
    options: ClientOptions,
    fetcher: targets.Fetcher,
    *,
    use_cache: bool = False,
) -> PullSecret:
    """Check the names first (a bad one costs no call), then fetch as `login` does."""
    secret_name = check_name(name)
    secret_namespaces = check_namespaces(namespaces)
    results, warnings = targets.fetch(
        targets.resolve_targets(requested, config),
        options,
        fetcher,
        use_cache=use_cache,
        settings=config,
    )
    where = f"Secret {secret_name}"
    if secret_namespaces:
        noun = "namespaces" if len(secret_namespaces) > 1 else "namespace"
        where += f" ({noun} {', '.join(secret_namespaces)})"
    return PullSecret(
        name=secret_name,
        namespaces=secret_namespaces,
        results=tuple(
            dataclasses.replace(result, method=targets.Method.SECRET, where=where)
            if result.ok
            else result
            for result in results
        ),
        warnings=tuple(warnings),
    )
