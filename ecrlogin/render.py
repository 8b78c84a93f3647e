"""Renderers: every byte a command prints on stdout, and every sentence a person reads.

Commands hand what the core returned (tokens, responses, per-registry results,
cache warnings) to these functions and write the text: stdout through
`emit()`, stderr through `ecrlogin.ui`. Nothing here writes anything.
"""

from __future__ import annotations

import binascii
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from ecrlogin import basicauth
from ecrlogin.errors import redacted_line

if TYPE_CHECKING:
    from ecrlogin.cache import CacheWarning, Entry
    from ecrlogin.github_actions import OutputFile
    from ecrlogin.login import StoreChange
    from ecrlogin.targets import RegistryResult
    from ecrlogin.token import AuthToken


def password(tokens: Sequence[AuthToken]) -> str:
    """`get-login-password`: the first token's password and a newline."""
    return password_line(tokens[0].password)


def password_line(secret: str) -> str:
    """`get-login-password` for a password known without its token (a cache hit)."""
    return secret + "\n"


def docker_login_command(token: AuthToken, *, include_email: bool) -> str:
    """The `docker login` command line that AWS CLI v1's `get-login` prints for a token.

    Scripts `eval` this line, so each word is checked to be one plain shell word
    (the user name and the endpoint already were, when the token was decoded); the
    endpoint is printed as sent, with or without a scheme, as the AWS CLI prints it.
    """
    from ecrlogin.token import check_word  # not at import: the cache-hit path skips it

    endpoint = token.endpoint("get-login has no registry to print")
    words = ["docker", "login", "-u", token.username, "-p", check_word(token.password, "password")]
    if include_email:
        words += ["-e", "none"]
    words.append(endpoint)
    return " ".join(words)


def shown_host(endpoint: str) -> str | None:
    """The host part of a printed proxyEndpoint, as a person would type it after
    `docker login`; None if it has none. Printed only: a host to act on comes from
    `AuthToken.registry()`."""
    from ecrlogin.hosts import server_host

    return server_host(endpoint)


def get_login_text(tokens: Sequence[AuthToken], *, include_email: bool) -> str:
    """`get-login --output text`: one `docker login` line per registry."""
    return "".join(
        docker_login_command(token, include_email=include_email) + "\n" for token in tokens
    )


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC, e.g. 2015-01-01T00:00:00+00:00."""
    return moment.astimezone(timezone.utc).isoformat()


def get_login_json(tokens: Sequence[AuthToken], *, include_email: bool) -> str:
    """`get-login --output json`: the objects PowerShell's Get-ECRLoginCommand returns."""
    items = [
        {
            "Username": token.username,
            "Password": token.password,
            "ProxyEndpoint": token.proxy_endpoint,
            "Endpoint": shown_host(token.proxy_endpoint) if token.proxy_endpoint else None,
            "ExpiresAt": iso_utc(token.expires_at) if token.expires_at else None,
            "Command": docker_login_command(token, include_email=include_email),
        }
        for token in tokens
    ]
    return json.dumps(items, indent=4, ensure_ascii=False) + "\n"


def login_json(results: Sequence[RegistryResult]) -> str:
    """`login --output json`: a list of {registry, region, method, expiresAt}."""
    items = [
        {
            "registry": result.host,
            "region": result.region,
            "method": method_name(result),
            "expiresAt": iso_utc(result.expires_at) if result.expires_at else None,
        }
        for result in results
    ]
    return json.dumps(items, indent=4, ensure_ascii=False) + "\n"


def github_outputs_skipped(state: OutputFile) -> str:
    """Why no step outputs were written (state NOT_ACTIONS or NO_FILE)."""
    if state.value == "no-file":
        return (
            "GITHUB_OUTPUT is not set, so no step outputs were written; this runner is too old "
            "for the outputs file (2.297.0 or newer sets it), or an earlier command unset it."
        )
    return "Not in GitHub Actions (GITHUB_ACTIONS is not true), so no step outputs were written."


def method_name(result: RegistryResult) -> str | None:
    """How a registry was logged in, as `login --output json` names it: the client's name,
    "config" or "helper"."""
    from ecrlogin.targets import Method  # login's modules load only for login's lines

    if result.method is Method.CLIENT:
        return result.client
    return result.method.value if result.method is not None else None


# Go's encoding/json (what kubectl writes) escapes these inside strings, so HTML
# cannot be smuggled through JSON; the same escapes give kubectl's exact bytes.
_GO_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def go_json(value: Any) -> str:
    """Compact JSON as Go's json.Marshal writes it (keys in the order given)."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    # Only strings can hold these characters, so replacing them everywhere is safe.
    for char, escape in _GO_ESCAPES.items():
        text = text.replace(char, escape)
    return text


def docker_config_json(credentials: Mapping[str, tuple[str, str]]) -> str:
    """The `.dockerconfigjson` of a pull secret, as `kubectl create secret docker-registry`
    writes it: hosts sorted (Go sorts map keys), then username, password, auth."""
    auths = {
        host: {
            "username": username,
            "password": password,
            "auth": basicauth.encode(username, password),
        }
        for host, (username, password) in sorted(credentials.items())
    }
    return go_json({"auths": auths})


def pull_secret(
    name: str, namespaces: Sequence[str], credentials: Mapping[str, tuple[str, str]]
) -> str:
    """`pull-secret`: a `kubernetes.io/dockerconfigjson` Secret, or a v1 List of one per namespace.

    Laid out as `kubectl create secret docker-registry --dry-run=client -o json` prints
    it, less its meaningless `creationTimestamp: null`; no namespace means kubectl's
    current one, as with `kubectl create secret`.
    """
    data = binascii.b2a_base64(docker_config_json(credentials).encode(), newline=False).decode()

    def secret(namespace: str | None) -> dict[str, Any]:
        metadata = {"name": name} if namespace is None else {"name": name, "namespace": namespace}
        return {
            "kind": "Secret",
            "apiVersion": "v1",
            "metadata": metadata,
            "data": {".dockerconfigjson": data},
            "type": "kubernetes.io/dockerconfigjson",
        }

    if len(namespaces) <= 1:
        document = secret(namespaces[0] if namespaces else None)
    else:
        document = {"apiVersion": "v1", "kind": "List", "items": [secret(ns) for ns in namespaces]}
    return json.dumps(document, indent=4) + "\n"


# The sentences a person reads on stderr.


def duration(seconds: float) -> str:
    """A short duration such as `5h 59m`, `12m` or `40s`: the one form every message uses."""
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m"
    return f"{secs}s"


def local_time(moment: datetime) -> str:
    """`moment` in the local time zone, e.g. "2026-11-28 09:41 CET"."""
    local = moment.astimezone()
    return f"{local:%Y-%m-%d %H:%M} {local.tzname() or local.strftime('%z')}"


def expiry_text(expires_at: datetime | None, now: datetime | None = None) -> str:
    """The expiry part of a result line: "expires 2026-11-28 09:41 CET (in 11h 59m)"."""
    if expires_at is None:
        return "never expires"
    left = (expires_at - (now or datetime.now(timezone.utc))).total_seconds()
    if left <= 0:
        return f"expired {local_time(expires_at)}"
    return f"expires {local_time(expires_at)} (in {duration(left)})"


def registry_line(
    result: RegistryResult, *, logout: bool = False, now: datetime | None = None
) -> str:
    """The stderr line for one registry that did not fail."""
    from ecrlogin.config import HELPER_NAME
    from ecrlogin.targets import Method

    host = result.name
    if logout:
        if result.method is Method.CONFIG:
            if not result.changed:
                return f"{host}: no password of ecrlogin's in {result.where}; nothing removed"
            return f"{host}: password removed from {result.where}"
        if result.method is Method.HELPER:
            if not result.changed:
                return f"{host}: no ecrlogin credential helper in {result.where}; nothing removed"
            return f"{host}: credential helper removed from {result.where}"
        return f"{host}: logged out with {result.client}"
    expiry = expiry_text(result.expires_at, now) if result.expiry_known else "expiry unknown"
    if result.method is Method.CONFIG:
        return f"{host}: password written to {result.where}, {expiry}"
    if result.method is Method.HELPER:
        return f"{host}: credential helper {HELPER_NAME} set in {result.where}, {expiry}"
    if result.method is Method.SECRET:
        return f"{host}: password in {result.where}, {expiry}"
    return f"{host}: logged in with {result.client}, {expiry}"


def failed_line(result: RegistryResult) -> str:
    """The stderr line for one registry that failed."""
    message = result.error.message if result.error is not None else "failed"
    return f"{result.name}: {message}"


def summary(results: Sequence[RegistryResult]) -> str:
    """One line naming every registry that failed and why ("" when none did)."""
    failed = [r for r in results if r.error is not None]
    if not failed:
        return ""
    noun = "registry" if len(results) == 1 else "registries"
    reasons = "; ".join(
        f"{r.name} ({redacted_line(r.error.cause, 120)})" for r in failed if r.error
    )
    return f"{len(failed)} of {len(results)} {noun} failed: {reasons}"


def store_line(change: StoreChange, *, logout: bool = False) -> str:
    """The stderr line for `login --helper --store` or its logout."""
    from ecrlogin.config import HELPER_NAME, store_program

    if logout:
        if not change.changed:
            return f"no credsStore of ecrlogin's in {change.path}; nothing removed"
        if change.after:
            return f"credsStore in {change.path} is {change.after!r} again"
        return f"credsStore {HELPER_NAME!r} removed from {change.path}"
    if change.fallback:
        other = f"every other registry goes to its fallback store {store_program(change.fallback)}"
    else:
        other = "there is no fallback store for other registries"
    state = "set" if change.changed else "already set"
    return (
        f"credsStore {HELPER_NAME!r} {state} in {change.path}: ECR registries get tokens, {other}"
    )


def store_warnings(change: StoreChange, config_file: str) -> list[str]:
    """What a person must know after `login --helper --store`: no fallback, ignored auths."""
    from ecrlogin.config import FALLBACK_VARIABLE

    warnings = []
    if change.fallback is None:
        warnings.append(
            "docker login to a registry that is not ECR now fails (nothing is lost) until you "
            f'set a fallback store: [store] fallback = "pass" in {config_file}, or '
            f"{FALLBACK_VARIABLE}=pass (any docker-credential-NAME on PATH)."
        )
    if change.ignored:
        shown = ", ".join(change.ignored[:3]) + (" ..." if len(change.ignored) > 3 else "")
        warnings.append(
            f"{change.path}: docker ignores the passwords in auths once credsStore is set "
            f"({shown}); log in to those registries again to keep them in the store."
        )
    return warnings


def cache_warning(warning: CacheWarning) -> str:
    """The warning line for something the token cache met."""
    from ecrlogin.cache import ServedStale, Shared
    from ecrlogin.config import PublicMapping

    if isinstance(warning, PublicMapping):
        return (
            f"{warning.source} maps the public registry {warning.host} to an Amazon ECR "
            f"token, so every login to {warning.host} is sent your ECR password; remove "
            f'[registries."{warning.host}"] unless you run that host yourself.'
        )
    if isinstance(warning, Shared):
        return (
            f"The token cache directory {warning.given} is shared with other users (owned by "
            f"uid {warning.owner}, mode {warning.mode:04o}); ecrlogin keeps its files in its "
            f"own subfolder {warning.own}. Point ECRLOGIN_CACHE_DIR at a private directory "
            "to silence this."
        )
    if isinstance(warning, ServedStale):
        return (
            f"Could not refresh the cached token for {', '.join(warning.hosts)}: "
            f"{warning.cause} Serving the cached one, still valid for "
            f"{duration(warning.seconds_left)}."
        )
    return (
        f"The token cache directory {warning.directory} cannot be written ({warning.reason}); "
        "continuing without the cache. Fix its permissions or set ECRLOGIN_CACHE_DIR "
        "(ECRLOGIN_NO_CACHE=1 turns the cache off)."
    )


def cache_rows(entries: Iterable[Entry], now: float) -> list[tuple[str, str, str, str]]:
    """`cache list`: one row per cached registry, region and profile (the longest-lived token
    of several identities or requests): host, region, profile and time left; never a secret."""
    longest: dict[tuple[str, str, str], float] = {}
    for entry in entries:
        for host in entry.hosts:
            # What a cache file says is shown escaped and short: it came from a server,
            # or from whoever could write the file.
            shown = (_cell(host), _cell(entry.region) or "-", _cell(entry.profile) or "-")
            longest[shown] = max(entry.expires, longest.get(shown, entry.expires))
    return [
        (*shown, duration(expires - now) if expires > now else "expired")
        for shown, expires in sorted(longest.items())
    ]


def _cell(text: str) -> str:
    return redacted_line(text, 256)


def cache_list(rows: Iterable[Sequence[str]]) -> str:
    """`cache list` on a pipe: the rows as tab-separated lines."""
    return "".join("\t".join(row) + "\n" for row in rows)
