"""The core of `doctor`: why a client would say "no basic auth credentials" for a registry.

For each registry it follows what the clients themselves do: which entry of each
client config answers for the host (docker: `DOCKER_AUTH_CONFIG`, then
`credHelpers[host]`, then `credsStore`, then `auths`; podman, skopeo and buildah:
the first file of their search order with `credHelpers[host]` or an `auths` entry,
never `credsStore`), whether the helper it names is on PATH, whether a stored
password has expired; then who the AWS credentials are (STS GetCallerIdentity), a
token (the shared cache's when fresh, else one call, never written back), and a
live `GET /v2/` against the registry with and without it.

It reads and never writes: no config file, lock file or cache entry is created or
changed. No Typer, no Rich, no printing: it returns `Diagnosis` objects whose
`Problem`s carry a cause, its facts and the exact fix; the command renders them.
"""

from __future__ import annotations

import binascii
import json
import os
import shutil
import socket
import ssl
import stat
import sys
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path
from typing import Any

from ecrlogin import authfile, basicauth, core
from ecrlogin.awsclient import CallerIdentity, caller_identity, profile_settings
from ecrlogin.config import HELPER_NAME, Config, Target, config_file, resolve, store_program
from ecrlogin.errors import EcrloginError, ServiceError, redacted_line, shorten, translate
from ecrlogin.hosts import Registry, parse_registry, server_host
from ecrlogin.options import ClientOptions, connection_timeout

DEFAULT_TARGET = "default registry"
ENV_AUTH_CONFIG = "DOCKER_AUTH_CONFIG"
GO_HELPER_NAME = "ecr-login"
DOCKER = "docker"
CONTAINERS = "podman/skopeo/buildah"
_CONTAINERS_PROGRAMS = ("podman", "skopeo", "buildah")
# When the options give none: long enough for a slow registry, short enough for a person.
PROBE_TIMEOUT = 10.0


class Source(str, Enum):
    """Which kind of entry answers for a host in one client config."""

    ENV = ENV_AUTH_CONFIG
    CRED_HELPERS = "credHelpers"
    CREDS_STORE = "credsStore"
    AUTHS = "auths"


class HelperKind(str, Enum):
    """Whose credential helper a `credHelpers`/`credsStore` name runs."""

    ECRLOGIN = "ecrlogin"
    GO_ECR_LOGIN = "amazon-ecr-credential-helper"
    OTHER = "other"


class Severity(str, Enum):
    """An error means a client would fail; a warning means it works but should change."""

    ERROR = "error"
    WARNING = "warning"


class Cause(str, Enum):
    """Every cause `doctor` names: the one list the renderer and the JSON use."""

    NOT_ECR = "not-ecr"
    CONFIG_UNREADABLE = "config-unreadable"
    NO_ENTRY = "no-entry"
    HELPER_MISSING = "helper-missing"
    FOREIGN_HELPER = "foreign-helper"
    STORE_SHADOWS = "store-shadows"
    STORE_UNCHECKED = "store-unchecked"
    STORED_EXPIRED = "stored-expired"
    STORED_REFUSED = "stored-refused"
    LOOSE_MODE = "loose-mode"
    IDENTITY_FAILED = "identity-failed"
    TOKEN_DENIED = "token-denied"  # noqa: S105 - a cause's name
    TOKEN_FAILED = "token-failed"  # noqa: S105 - a cause's name
    ACCOUNT_MISMATCH = "account-mismatch"
    DNS = "dns"
    CONNECT = "connect"
    TLS = "tls"
    TIMEOUT = "timeout"
    NOT_A_REGISTRY = "not-a-registry"
    TOKEN_REFUSED = "token-refused"  # noqa: S105 - a cause's name
    DENIED = "denied"
    REGISTRY_ERROR = "registry-error"


@dataclass(frozen=True)
class Problem:
    """One thing wrong for a registry: its cause, the facts that name it, and the fix."""

    cause: Cause
    severity: Severity
    facts: Mapping[str, str]
    # The exact command (or, where no command exists, the one step) that fixes it.
    fix: str


def _error(cause: Cause, facts: Mapping[str, str], fix: str) -> Problem:
    """A problem that makes a client fail."""
    return Problem(cause, Severity.ERROR, facts, fix)


def _warning(cause: Cause, facts: Mapping[str, str], fix: str) -> Problem:
    """A problem a client works despite, but that should change."""
    return Problem(cause, Severity.WARNING, facts, fix)


@dataclass(frozen=True)
class Helper:
    """A `docker-credential-NAME` program named by a config, and where PATH finds it."""

    name: str
    program: str
    path: str | None
    kind: HelperKind


@dataclass(frozen=True)
class Stored:
    """A password stored in an `auths` entry, described without its value."""

    username: str | None
    # True when the password has the shape of an ECR token (then `expires_at` is its own).
    ecr_token: bool
    expires_at: datetime | None
    # An `identitytoken`: an OAuth refresh token, which ECR never issues.
    identity_token: bool = False

    def expired(self, now: datetime) -> bool:
        """True when the password's own expiry has passed."""
        return self.expires_at is not None and self.expires_at <= now


@dataclass(frozen=True)
class Resolution:
    """Which entry of one client's config answers for a host, and what it shadows."""

    client: str
    # The file read (or DOCKER_AUTH_CONFIG); the first file of the client's order when
    # no entry answers.
    config: str
    source: Source | None
    key: str | None = None
    helper: Helper | None = None
    stored: Stored | None = field(default=None, repr=False)
    shadows: tuple[str, ...] = ()
    # The permission bits of the file holding a stored password.
    mode: int | None = None
    # Why the file could not be read (the client fails on it too).
    error: str | None = None
    # The stored credentials themselves, only for the live check; never rendered.
    credentials: tuple[str, str] | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class Identity:
    """The AWS identity a registry's token is asked as."""

    profile: str | None
    account: str | None = None
    arn: str | None = None
    source: str | None = None
    error: EcrloginError | None = None
    # The region a command without a registry host uses (--region, AWS_REGION, the profile).
    region: str | None = None


@dataclass(frozen=True)
class TokenCheck:
    """The token `doctor` got for a registry (never its value)."""

    from_cache: bool = False
    expires_at: datetime | None = None
    error: EcrloginError | None = None

    @property
    def ok(self) -> bool:
        """True when a token was got."""
        return self.error is None


@dataclass(frozen=True)
class Probe:
    """The live `GET /v2/` against a registry: the statuses, or why there was none."""

    url: str
    anonymous: int | None = None
    with_token: int | None = None
    # With each client's stored password (None: it has none, or it expired), by client.
    with_stored: tuple[int | None, ...] = ()
    # A failure before any answer: "dns", "connect", "tls", "timeout".
    failure: Cause | None = None
    reason: str | None = None
    # What the registry's answer says when it is not a 2xx/401 (e.g. DENIED).
    error_code: str | None = None


@dataclass(frozen=True)
class Diagnosis:
    """Everything `doctor` found for one registry, and its problems in order."""

    requested: str
    host: str | None
    account: str | None = None
    region: str | None = None
    public: bool = False
    profile: str | None = None
    resolutions: tuple[Resolution, ...] = ()
    identity: Identity | None = None
    token: TokenCheck | None = None
    probe: Probe | None = None
    problems: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        """True when every client would get working credentials (warnings allowed)."""
        return not any(p.severity is Severity.ERROR for p in self.problems)

    @property
    def first(self) -> Problem | None:
        """The problem to fix first: the first error, else the first warning."""
        errors = [p for p in self.problems if p.severity is Severity.ERROR]
        ordered = errors or list(self.problems)
        return ordered[0] if ordered else None

    @property
    def name(self) -> str:
        """The host when known, else what was asked for."""
        return self.host or redacted_line(self.requested, 120)


# The client configs, read as each client finds them.


@dataclass(frozen=True)
class ConfigFile:
    """One client config file: its parsed content, or why it cannot be read."""

    path: str
    data: Mapping[str, Any] | None
    mode: int | None = None
    error: str | None = None
    # containers' legacy ~/.dockercfg: a bare map of host to entry.
    legacy: bool = False

    @property
    def exists(self) -> bool:
        """True when the file is there (readable or not)."""
        return self.data is not None or self.error is not None


@dataclass(frozen=True)
class ClientConfigs:
    """Every config a client reads credentials from, in each client's own order."""

    docker: ConfigFile
    # DOCKER_AUTH_CONFIG's `auths`, when the variable is set (docker only).
    env_auths: Mapping[str, Any] | None
    env_error: str | None
    containers: tuple[ConfigFile, ...]
    # Whether podman/skopeo/buildah are in use: one of their own files exists or one
    # of them is on PATH.
    containers_used: bool


def read_config(path: Path, *, legacy: bool = False) -> ConfigFile:
    """One client config file as a client would read it (missing: no entries)."""
    try:
        info = os.stat(path)
    except OSError:
        return ConfigFile(str(path), None, legacy=legacy)
    try:
        data = authfile.read(path)
    except EcrloginError as exc:
        return ConfigFile(str(path), None, stat.S_IMODE(info.st_mode), exc.cause, legacy=legacy)
    return ConfigFile(str(path), data, stat.S_IMODE(info.st_mode), legacy=legacy)


def containers_search_order(environ: Mapping[str, str] | None = None) -> list[tuple[Path, bool]]:
    """The files podman, skopeo and buildah read credentials from, in their order, each with
    whether it is the legacy format (containers/image's getAuthFilePaths).

    REGISTRY_AUTH_FILE alone when set; otherwise the runtime auth.json,
    $XDG_CONFIG_HOME/containers/auth.json, docker's config.json and ~/.dockercfg.
    """
    env = os.environ if environ is None else environ
    home = Path(env.get("HOME") or os.path.expanduser("~"))
    explicit = env.get("REGISTRY_AUTH_FILE")
    if explicit:
        return [(Path(explicit), False)]
    paths = [(authfile.containers_auth_path(), False)]
    xdg = env.get("XDG_CONFIG_HOME") or str(home / ".config")
    user = Path(xdg) / "containers" / "auth.json"
    if user != paths[0][0]:
        paths.append((user, False))
    docker_dir = env.get("DOCKER_CONFIG")
    paths.append(
        (
            Path(docker_dir) / "config.json" if docker_dir else home / ".docker" / "config.json",
            False,
        )
    )
    paths.append((home / ".dockercfg", True))
    return paths


def client_configs(environ: Mapping[str, str] | None = None) -> ClientConfigs:
    """Read every client config there is (nothing is created or locked)."""
    env = os.environ if environ is None else environ
    docker = read_config(authfile.docker_config_path())
    env_auths: Mapping[str, Any] | None = None
    env_error = None
    raw = env.get(ENV_AUTH_CONFIG)
    if raw:
        try:
            parsed = json.loads(raw)
        except (ValueError, RecursionError):
            parsed = None
        auths = parsed.get("auths") if isinstance(parsed, dict) else None
        if isinstance(auths, dict):
            env_auths = auths
        else:
            env_error = f"{ENV_AUTH_CONFIG} is not JSON with an `auths` object"
    order = containers_search_order(env)
    containers = tuple(
        docker if str(path) == docker.path else read_config(path, legacy=legacy)
        for path, legacy in order
    )
    own = [c for c in containers if c.path != docker.path and not c.legacy]
    used = any(c.exists for c in own) or any(shutil.which(p) for p in _CONTAINERS_PROGRAMS)
    return ClientConfigs(docker, env_auths, env_error, containers, used)


def configured_hosts(configs: ClientConfigs, settings: Config) -> list[str]:
    """The ECR registries (and mapped custom hosts) any client config or the ecrlogin config
    names, in first-named order."""
    found: dict[str, None] = {}
    files = [configs.docker, *configs.containers]
    for config in files:
        data = config.data or {}
        sections: list[object] = (
            [data] if config.legacy else [data.get("credHelpers"), data.get("auths")]
        )
        for section in sections:
            if isinstance(section, dict):
                for key in section:
                    target = resolve(str(key), settings) if isinstance(key, str) else None
                    if target is not None:
                        found.setdefault(target.host)
    for key in configs.env_auths or {}:
        target = resolve(str(key), settings)
        if target is not None:
            found.setdefault(target.host)
    for host in settings.registries:
        if resolve(host, settings) is not None:
            found.setdefault(host)
    return list(found)


def helper_info(name: str) -> Helper:
    """The helper `name`, found on PATH as the client would run it."""
    program = store_program(name)
    if name == HELPER_NAME:
        kind = HelperKind.ECRLOGIN
    elif name == GO_HELPER_NAME:
        kind = HelperKind.GO_ECR_LOGIN
    else:
        kind = HelperKind.OTHER
    # A name with a path separator is no program a client can run.
    path = shutil.which(program) if "/" not in name else None
    return Helper(name=name, program=program, path=path, kind=kind)


def _key_host(key: object) -> str | None:
    """An `auths` key as docker normalises it (scheme and path dropped), lower case."""
    return server_host(key) if isinstance(key, str) else None


def _auths_entry(auths: object, host: str) -> tuple[str, Any] | None:
    """The `auths` entry for `host`: the exact key first, then any key that normalises
    to it (`https://HOST/v1/`), as docker and containers/image look it up."""
    if not isinstance(auths, dict):
        return None
    if host in auths:
        return host, auths[host]
    return next(((k, v) for k, v in auths.items() if _key_host(k) == host), None)


def _stored(entry: object) -> tuple[Stored, tuple[str, str] | None] | None:
    """What an `auths` entry holds (no credentials: None) and the credentials for the live
    check."""
    if not isinstance(entry, dict):
        return None
    username = entry.get("username") if isinstance(entry.get("username"), str) else None
    password = entry.get("password") if isinstance(entry.get("password"), str) else None
    auth = entry.get("auth")
    if isinstance(auth, str) and auth:
        with suppress(ValueError):  # docker, too, then reads username/password
            username, password = basicauth.decode(auth)
    if entry.get("identitytoken"):
        return Stored(username, ecr_token=False, expires_at=None, identity_token=True), None
    if not password:
        return None
    expires = ecr_password_expiry(password)
    stored = Stored(username, ecr_token=expires is not None, expires_at=expires)
    return stored, (username or "", password)


def ecr_password_expiry(password: str) -> datetime | None:
    """When an ECR password expires, read from the password itself (base64 JSON with an
    `expiration` in epoch seconds); None when it is not an ECR token."""
    try:
        raw = binascii.a2b_base64(password + "=" * (-len(password) % 4))
        data = json.loads(raw)
    except (ValueError, binascii.Error, RecursionError):
        return None
    if not isinstance(data, dict) or "payload" not in data:
        return None
    expiration = data.get("expiration")
    if isinstance(expiration, bool) or not isinstance(expiration, (int, float)):
        return None
    try:
        return datetime.fromtimestamp(expiration, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


def _auths_resolution(
    client: str, config: ConfigFile, key: str, entry: object
) -> Resolution | None:
    """The resolution an `auths` entry gives (None: it holds no credentials)."""
    stored = _stored(entry)
    if stored is None:
        return None
    return Resolution(
        client,
        config.path,
        Source.AUTHS,
        key=key,
        stored=stored[0],
        credentials=stored[1],
        mode=config.mode,
    )


def _candidates(
    client: str, config: ConfigFile, host: str, *, store: bool
) -> list[tuple[str, Resolution]]:
    """The entries of one file that could answer for `host`, most specific first, each
    with how a person names it."""
    data = config.data or {}
    if config.legacy:
        helpers: object = None
        auths: object = data
    else:
        helpers, auths = data.get("credHelpers"), data.get("auths")
    named = helpers.get(host) if isinstance(helpers, dict) else None
    found: list[tuple[str, Resolution]] = []
    if isinstance(named, str) and named:
        found.append(
            (
                f"credHelpers {named!r} in {config.path}",
                Resolution(
                    client, config.path, Source.CRED_HELPERS, key=host, helper=helper_info(named)
                ),
            )
        )
    credstore = data.get("credsStore") if store else None
    if isinstance(credstore, str) and credstore:
        found.append(
            (
                f"credsStore {credstore!r} in {config.path}",
                Resolution(client, config.path, Source.CREDS_STORE, helper=helper_info(credstore)),
            )
        )
    entry = _auths_entry(auths, host)
    if entry is not None:
        resolution = _auths_resolution(client, config, entry[0], entry[1])
        if resolution is not None:
            found.append((f"the auths entry {entry[0]!r} in {config.path}", resolution))
    return found


def resolve_docker(configs: ClientConfigs, host: str) -> Resolution:
    """The entry docker uses for `host`: DOCKER_AUTH_CONFIG's, then credHelpers[host], then
    credsStore, then auths (docker/cli's GetCredentialsStore and its file store)."""
    config = configs.docker
    candidates = _candidates(DOCKER, config, host, store=True)
    env_entry = _auths_entry(configs.env_auths, host)
    if env_entry is not None:
        env_config = ConfigFile(ENV_AUTH_CONFIG, configs.env_auths)
        env = _auths_resolution(DOCKER, env_config, env_entry[0], env_entry[1])
        if env is not None:
            return replace(env, source=Source.ENV, shadows=tuple(t for t, _ in candidates))
    if config.error is not None:
        return Resolution(DOCKER, config.path, None, error=config.error)
    if configs.env_error is not None:
        return Resolution(DOCKER, ENV_AUTH_CONFIG, None, error=configs.env_error)
    if not candidates:
        return Resolution(DOCKER, config.path, None)
    return replace(candidates[0][1], shadows=tuple(t for t, _ in candidates[1:]))


def resolve_containers(configs: ClientConfigs, host: str) -> Resolution:
    """The entry podman, skopeo and buildah use for `host`: the first file of their search
    order whose credHelpers[host] or auths entry answers (containers/image reads no
    credsStore)."""
    found: list[tuple[str, Resolution]] = []
    for config in configs.containers:
        if config.error is not None and not found:
            return Resolution(CONTAINERS, config.path, None, error=config.error)
        found.extend(_candidates(CONTAINERS, config, host, store=False))
    if not found:
        return Resolution(CONTAINERS, configs.containers[0].path, None)
    return replace(found[0][1], shadows=tuple(t for t, _ in found[1:]))


# The live check.


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses: the only hosts that get plain HTTP."""
    import ipaddress

    if host.startswith("["):  # [v6]:port
        name = host[1 : host.find("]")]
    else:
        name = host.rpartition(":")[0] if host.count(":") == 1 else host
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class _Answer:
    status: int
    error_code: str | None = None
    # The WWW-Authenticate header of a 401.
    challenge: str | None = None
    body: bytes = field(default=b"", repr=False)


class _Failure(Exception):
    def __init__(self, cause: Cause, reason: str, *, certificate: bool = False) -> None:
        super().__init__(reason)
        self.cause = cause
        self.reason = reason
        # The server speaks TLS but its certificate is not trusted: never retried in clear.
        self.certificate = certificate


def _get(
    scheme: str,
    host: str,
    auth: tuple[str, str] | None,
    *,
    connect_timeout: float | None,
    read_timeout: float | None,
    tls: ssl.SSLContext,
    target: str = "/v2/",
    bearer: str | None = None,
) -> _Answer:
    """One GET of `target` on `host`; credentials (Basic `auth` or a `bearer` token) go
    only over TLS or to loopback."""
    import http.client

    if (auth is not None or bearer) and scheme != "https" and not is_loopback(host):
        raise _Failure(Cause.TLS, "will not send credentials over plain HTTP")
    name, _, port_text = host.partition(":")
    port = int(port_text) if port_text else None
    try:
        socket.getaddrinfo(
            name, port or (443 if scheme == "https" else 80), type=socket.SOCK_STREAM
        )
    except socket.gaierror as exc:
        raise _Failure(Cause.DNS, exc.strerror or str(exc)) from None
    connection: http.client.HTTPConnection
    if scheme == "https":
        connection = http.client.HTTPSConnection(name, port, timeout=connect_timeout, context=tls)
    else:
        connection = http.client.HTTPConnection(name, port, timeout=connect_timeout)
    headers = {"User-Agent": "ecrlogin-doctor", "Accept": "application/json"}
    if bearer:
        headers["Authorization"] = f"Bearer {bearer}"
    elif auth is not None:
        headers["Authorization"] = "Basic " + basicauth.encode(*auth)
    try:
        connection.connect()
        if connection.sock is not None:
            connection.sock.settimeout(read_timeout)
        connection.request("GET", target, headers=headers)
        response = connection.getresponse()
        body = response.read(64 * 1024)
        return _Answer(
            response.status, _error_code(body), response.getheader("WWW-Authenticate"), body
        )
    except ssl.SSLCertVerificationError as exc:
        reason = exc.verify_message or "certificate verify failed"
        raise _Failure(Cause.TLS, reason, certificate=True) from None
    except ssl.SSLError as exc:
        raise _Failure(Cause.TLS, exc.reason or str(exc)) from None
    except TimeoutError:
        raise _Failure(Cause.TIMEOUT, "timed out") from None
    except ConnectionRefusedError:
        raise _Failure(Cause.CONNECT, "connection refused") from None
    except (OSError, http.client.HTTPException) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise _Failure(Cause.CONNECT, reason) from None
    finally:
        connection.close()


def bearer_challenge(header: str | None) -> dict[str, str] | None:
    """The parameters of a `Bearer realm="...",service="...",scope="..."` challenge."""
    if not header or header[:7].lower() != "bearer ":
        return None
    import re

    params = {key.lower(): value for key, value in re.findall(r'([A-Za-z]+)="([^"]*)"', header[7:])}
    return params if params.get("realm") else None


def _with_credentials(
    scheme: str,
    host: str,
    credentials: tuple[str, str],
    challenge: dict[str, str] | None,
    **options: Any,
) -> _Answer:
    """GET /v2/ as a client does with these credentials: Basic, or, when the registry
    challenges for a Bearer token (ECR Public, token-auth registries), the token its realm
    issues for them."""
    if challenge is None:
        return _get(scheme, host, credentials, **options)
    from urllib.parse import urlencode, urlsplit

    realm = urlsplit(challenge["realm"])
    realm_host = realm.netloc.lower()
    if realm.scheme not in ("https", "http") or not realm_host:
        return _Answer(401, "UNSUPPORTED_REALM")
    query = urlencode({k: v for k, v in challenge.items() if k in ("service", "scope")})
    target = (realm.path or "/") + (f"?{query}" if query else "")
    issued = _get(realm.scheme, realm_host, credentials, target=target, **options)
    if issued.status != 200:
        return issued
    try:
        answer = json.loads(issued.body)
        token = answer.get("token") or answer.get("access_token")
    except (ValueError, AttributeError, RecursionError):
        token = None
    if not isinstance(token, str) or not token:
        return _Answer(401, "NO_TOKEN")
    from ecrlogin.logs import register_secret

    register_secret(token)
    return _get(scheme, host, None, bearer=token, **options)


def _error_code(body: bytes) -> str | None:
    """The first `errors[].code` of a registry's JSON answer (e.g. DENIED), if any."""
    try:
        data = json.loads(body)
        first = data["errors"][0]["code"]
    except (ValueError, KeyError, IndexError, TypeError, RecursionError):
        return None
    return redacted_line(str(first), 40) if first else None


# Where docker (the daemon, which does the pull) looks for a registry's own CA.
DOCKER_CERTS_DIR = "/etc/docker/certs.d"


def _tls_context(host: str) -> ssl.SSLContext:
    """Trust what docker trusts for `host`: the system's CAs and the `*.crt` files of
    /etc/docker/certs.d/HOST/ (not --ca-bundle, which is the AWS API's)."""
    context = ssl.create_default_context()
    directory = Path(DOCKER_CERTS_DIR) / host
    with suppress(OSError):
        for certificate in sorted(directory.glob("*.crt")):
            with suppress(ssl.SSLError, OSError):
                context.load_verify_locations(cafile=str(certificate))
    return context


def probe(
    host: str,
    options: ClientOptions,
    token: tuple[str, str] | None,
    stored: Sequence[tuple[str, str] | None] = (),
) -> Probe:
    """`GET /v2/` without credentials, with the token, and with each stored password.

    HTTPS first; a loopback host that does not speak TLS is asked over plain HTTP,
    as docker treats 127.0.0.0/8 as an insecure registry.
    """
    tls = _tls_context(host)
    timeouts: dict[str, Any] = {
        "connect_timeout": connection_timeout(options.connect_timeout, PROBE_TIMEOUT),
        "read_timeout": connection_timeout(options.read_timeout, PROBE_TIMEOUT),
    }
    scheme = "https"
    try:
        try:
            anonymous = _get(scheme, host, None, tls=tls, **timeouts)
        except _Failure as failure:
            if not (is_loopback(host) and failure.cause is Cause.TLS and not failure.certificate):
                raise
            scheme = "http"
            anonymous = _get(scheme, host, None, tls=tls, **timeouts)
        challenge = bearer_challenge(anonymous.challenge) if anonymous.status == 401 else None
        with_token = (
            _with_credentials(scheme, host, token, challenge, tls=tls, **timeouts)
            if token
            else None
        )
        answers: dict[tuple[str, str], int] = {}
        for credentials in stored:
            if credentials is not None and credentials not in answers:
                answers[credentials] = _with_credentials(
                    scheme, host, credentials, challenge, tls=tls, **timeouts
                ).status
    except _Failure as failure:
        return Probe(url=f"{scheme}://{host}/v2/", failure=failure.cause, reason=failure.reason)
    code = with_token.error_code if with_token else anonymous.error_code
    return Probe(
        url=f"{scheme}://{host}/v2/",
        anonymous=anonymous.status,
        with_token=with_token.status if with_token else None,
        with_stored=tuple(answers.get(c) if c else None for c in stored),
        error_code=code,
    )


# Putting it together.


def _identity(options: ClientOptions, base: ClientOptions) -> Identity:
    profile = _profile(options)
    region = _default_region(base, options.profile)
    try:
        found: CallerIdentity = caller_identity(options)
    except EcrloginError as error:
        return Identity(profile=profile, error=error, region=region)
    return Identity(
        profile=profile, account=found.account, arn=found.arn, source=found.source, region=region
    )


def _default_region(base: ClientOptions, profile: str | None) -> str | None:
    """The region `aws ecr get-login-password` would use: --region, AWS_REGION,
    AWS_DEFAULT_REGION, then the profile's."""
    for region in (base.region, os.environ.get("AWS_REGION"), os.environ.get("AWS_DEFAULT_REGION")):
        if region:
            return region
    try:
        return profile_settings(profile).get("region") or None
    except EcrloginError:
        return None


def _profile(options: ClientOptions) -> str | None:
    return options.profile or os.environ.get("AWS_PROFILE") or os.environ.get("AWS_DEFAULT_PROFILE")


def _token(
    options: ClientOptions, ids: Sequence[str], *, public: bool, fetch: Callable[..., core.Answer]
) -> tuple[TokenCheck, core.Answer | None]:
    """The shared cache's fresh token, else one GetAuthorizationToken (not stored).

    The cache is asked as the credential helper asks it (the registry's account) and
    as `get-login-password --cache` does (none): an ECR token serves every registry
    the identity may reach in the region.
    """
    try:
        cached = core.peek(options, ids, public=public)
        if cached is None and ids:
            cached = core.peek(options, (), public=public)
        if cached is not None:
            return TokenCheck(from_cache=True, expires_at=cached.tokens[0].expires_at), cached
        answer = fetch(options, ids, public=public)
    except Exception as exc:  # noqa: BLE001 - a failure is a finding, not the end
        return TokenCheck(error=translate(exc)), None
    return TokenCheck(expires_at=answer.tokens[0].expires_at), answer


def _is_sso(profile: str | None) -> bool:
    try:
        scoped = profile_settings(profile)
    except EcrloginError:
        return False
    return bool(scoped.get("sso_start_url") or scoped.get("sso_session"))


def _identity_fix(identity: Identity) -> str:
    profile = identity.profile
    error = identity.error
    code = error.code if isinstance(error, ServiceError) else ""
    if _is_sso(profile):
        return f"aws sso login --profile {profile}" if profile else "aws sso login"
    if code in ("ExpiredToken", "ExpiredTokenException"):
        return (
            "refresh the session credentials (AWS_SESSION_TOKEN), e.g. `aws sts get-session-token`"
        )
    if profile:
        return f"aws configure --profile {profile}"
    return "aws configure"


def _grant_fix(identity: Identity, partition: str, public: bool) -> str:
    """The command that grants the identity ECR's read-only policy."""
    policy = (
        "AmazonElasticContainerRegistryPublicReadOnly"
        if public
        else "AmazonEC2ContainerRegistryReadOnly"
    )
    policy_arn = f"arn:{partition}:iam::aws:policy/{policy}"
    arn = identity.arn or ""
    resource = arn.split(":", 5)[-1] if arn.count(":") >= 5 else ""
    kind, _, rest = resource.partition("/")
    if kind == "user" and rest:
        name = rest.rsplit("/", 1)[-1]
        return f"aws iam attach-user-policy --user-name {name} --policy-arn {policy_arn}"
    if kind in ("assumed-role", "role") and rest:
        # assumed-role/ROLE/SESSION; role/PATH/ROLE
        name = rest.split("/")[0] if kind == "assumed-role" else rest.rsplit("/", 1)[-1]
        return f"aws iam attach-role-policy --role-name {name} --policy-arn {policy_arn}"
    return f"grant {arn or 'the identity'} the policy {policy_arn}"


def _helper_fix(host: str, client: str) -> str:
    if client == CONTAINERS:
        return f"ecrlogin login --helper --format containers {host}"
    return f"ecrlogin login --helper {host}"


def _stored_fix(res: Resolution, host: str) -> str:
    """Replace a stored password that does not work: by the helper, which a credHelpers
    entry makes win, except over DOCKER_AUTH_CONFIG, which wins over every file."""
    if res.source is Source.ENV:
        return f"unset {ENV_AUTH_CONFIG}, or put a fresh password in it"
    return _helper_fix(host, res.client)


def _path_fix(helper: Helper, host: str, client: str) -> str:
    """ecrlogin's helper: put it on PATH (its directory when it sits next to this program).
    Any other: name ecrlogin for the host instead, which a credHelpers entry does."""
    if helper.kind is not HelperKind.ECRLOGIN:
        return _helper_fix(host, client)
    here = Path(sys.argv[0]).resolve().parent if sys.argv and sys.argv[0] else None
    for directory in (here, Path(sys.executable).parent):
        if directory is not None and (directory / helper.program).is_file():
            return f'export PATH="{directory}:$PATH"'
    return "pip install ecrlogin  # installs docker-credential-ecrlogin next to ecrlogin"


def _client_problems(res: Resolution, host: str, now: datetime) -> Iterable[Problem]:
    """What is wrong with how one client would get credentials for `host`."""
    facts = {"client": res.client, "config": res.config, "host": host}
    if res.error is not None:
        yield _error(
            Cause.CONFIG_UNREADABLE,
            {**facts, "reason": res.error},
            f"fix or remove {res.config}",
        )
        return
    if res.source is None:
        yield _error(Cause.NO_ENTRY, facts, _helper_fix(host, res.client))
        return
    if res.helper is not None:
        helper = res.helper
        facts = {
            **facts,
            "helper": helper.name,
            "program": helper.program,
            "source": res.source.value,
        }
        if helper.path is None:
            yield _error(Cause.HELPER_MISSING, facts, _path_fix(helper, host, res.client))
            return
        if helper.kind is HelperKind.OTHER:
            cause = Cause.STORE_SHADOWS if res.shadows else Cause.STORE_UNCHECKED
            if res.source is Source.CRED_HELPERS:
                cause = Cause.FOREIGN_HELPER
            yield _error(
                cause,
                {**facts, "shadows": "; ".join(res.shadows)},
                _helper_fix(host, res.client),
            )
        return
    stored = res.stored
    if stored is None:
        return
    facts = {**facts, "source": res.source.value, "key": res.key or host}
    if stored.expired(now) and stored.expires_at is not None:
        yield _error(
            Cause.STORED_EXPIRED,
            {**facts, "expired": stored.expires_at.isoformat()},
            _stored_fix(res, host),
        )
    if res.mode is not None and res.mode & 0o077:
        yield _warning(
            Cause.LOOSE_MODE,
            {**facts, "mode": f"{res.mode:04o}"},
            f"chmod 600 {res.config}",
        )


_RETRY = "retry later; the registry or a proxy in front of it is failing"


def _registry_error(
    facts: Mapping[str, str], status: int, code: str | None, fix: str = _RETRY
) -> Problem:
    """The registry answered `status` (and its error `code`) where it should not have."""
    return _error(Cause.REGISTRY_ERROR, {**facts, "status": str(status), "code": code or ""}, fix)


def _probe_problems(
    result: Probe, host: str, identity: Identity | None, token: TokenCheck | None
) -> Iterable[Problem]:
    facts = {"host": host, "url": result.url}
    if result.failure is not None:
        fixes = {
            Cause.DNS: f"check the host name and DNS: getent hosts {host.partition(':')[0]}",
            Cause.CONNECT: f"check that a registry listens at {host} and any firewall or proxy",
            Cause.TLS: f"give docker the registry's CA in /etc/docker/certs.d/{host}/ca.crt",
            Cause.TIMEOUT: "check the network, or raise --cli-connect-timeout / --cli-read-timeout",
        }
        yield _error(
            result.failure,
            {**facts, "reason": result.reason or ""},
            fixes.get(result.failure, "check the network"),
        )
        return
    anonymous = result.anonymous
    # A registry's /v2/ answers 401 (or 200, when open) before any credentials.
    if anonymous is not None and anonymous not in (200, 401, 403):
        if anonymous >= 500 and anonymous != 501:
            yield _registry_error(facts, anonymous, result.error_code)
        else:
            yield _error(
                Cause.NOT_A_REGISTRY,
                {**facts, "status": str(anonymous)},
                f"check that {host} is a registry (it answered /v2/ with {anonymous})",
            )
        return
    status = result.with_token
    if status is None or 200 <= status < 300:
        return
    who = (identity.arn if identity else None) or "the identity"
    if status == 401:
        yield _error(
            Cause.TOKEN_REFUSED,
            {**facts, "status": "401", "arn": who},
            "pick the profile of the registry's account: add "
            f'[registries."{host}"] profile = "PROFILE" to {config_file()}',
        )
    elif status == 403:
        yield _error(
            Cause.DENIED,
            {**facts, "status": "403", "arn": who, "code": result.error_code or ""},
            f"allow {who} in the repository policy (ecr:BatchGetImage, ecr:GetDownloadUrlForLayer)",
        )
    else:
        fix = _RETRY if status >= 500 else f"check that {host} is the registry's address"
        yield _registry_error(facts, status, result.error_code, fix)


def diagnose_one(
    requested: str,
    target: Target | None,
    configs: ClientConfigs,
    base: ClientOptions,
    *,
    check_live: bool = True,
    fetch: Callable[..., core.Answer] = core.fetch,
    identities: dict[tuple[str | None, str | None], Identity] | None = None,
    now: datetime | None = None,
    known: Collection[str] = (),
) -> Diagnosis | None:
    """Diagnose one registry (`target` None: the caller's default registry; None when that
    is one of the `known` hosts, already diagnosed)."""
    now = now or datetime.now(timezone.utc)
    identities = {} if identities is None else identities
    if target is None and requested != DEFAULT_TARGET:
        return Diagnosis(
            requested=requested,
            host=None,
            problems=(
                _error(
                    Cause.NOT_ECR,
                    {"requested": shorten(requested, 120)},
                    f'add [registries."HOST"] account = "123456789012" and region = "REGION" '
                    f"to {config_file()}",
                ),
            ),
        )
    if target is not None:
        named = target.registry
        options = base.aimed_at(
            named.region,
            target.profile or base.profile,
            fips=named.fips,
            dualstack=named.dualstack,
        )
        ids: tuple[str, ...] = () if named.public or not named.account else (named.account,)
        public = named.public
    else:
        options, ids, public = base, (), False
    key = (options.profile, options.region)
    if key not in identities:
        identities[key] = _identity(options, base)
    identity = identities[key]
    token, answer = _token(options, ids, public=public, fetch=fetch)
    host = target.host if target is not None else None
    if host is None and answer is not None:
        # The live check sends the token there: only to a host the token core vouches for.
        vouched = answer.tokens[0].registry()
        host = vouched.host if vouched is not None else None
        if host in known:
            return None
    if host is None:
        if identity.error is not None:
            found = [_identity_problem(identity, identity.error)]
        elif token.error is not None:
            found = [_token_problem(token.error, identity, "aws", public)]
        else:
            found = []
        return Diagnosis(
            requested=requested,
            host=None,
            profile=identity.profile,
            identity=identity,
            token=token,
            problems=tuple(found),
        )
    registry: Registry | None = target.registry if target is not None else parse_registry(host)
    resolutions = [resolve_docker(configs, host)]
    if configs.containers_used:
        resolutions.append(resolve_containers(configs, host))
    result = None
    if check_live:
        secret = (answer.tokens[0].username, answer.tokens[0].password) if answer else None
        stored = [
            r.credentials if r.credentials and r.stored and not r.stored.expired(now) else None
            for r in resolutions
        ]
        result = probe(host, options, secret, stored)
    problems: list[Problem] = []
    for index, res in enumerate(resolutions):
        problems.extend(_client_problems(res, host, now))
        status = result.with_stored[index] if result and result.with_stored else None
        if status == 401:
            problems.append(
                _error(
                    Cause.STORED_REFUSED,
                    {"host": host, "client": res.client, "config": res.config},
                    _stored_fix(res, host),
                )
            )
    if identity.error is not None:
        # With a token, STS alone failed (e.g. no route to it): worth knowing, not fatal.
        problem = _identity_problem(identity, identity.error)
        if token.ok:
            problem = replace(problem, severity=Severity.WARNING)
        problems.append(problem)
    elif token.error is not None:
        problems.append(
            _token_problem(token.error, identity, registry.partition if registry else "aws", public)
        )
    if (
        identity.account
        and registry is not None
        and registry.account
        and identity.account != registry.account
    ):
        problems.append(
            _warning(
                Cause.ACCOUNT_MISMATCH,
                {"host": host, "account": identity.account, "registry_account": registry.account},
                f'add [registries."{host}"] profile = "PROFILE" (a profile of account '
                f"{registry.account}) to {config_file()}, unless its repository policy allows "
                f"account {identity.account}",
            )
        )
    if result is not None:
        problems.extend(_probe_problems(result, host, identity, token))
    problems.sort(key=lambda p: p.severity is not Severity.ERROR)
    return Diagnosis(
        requested=requested,
        host=host,
        account=registry.account if registry else None,
        region=registry.region if registry else options.region,
        public=public,
        profile=identity.profile,
        resolutions=tuple(resolutions),
        identity=identity,
        token=token,
        probe=result,
        problems=tuple(problems),
    )


def _identity_problem(identity: Identity, error: EcrloginError) -> Problem:
    return _error(
        Cause.IDENTITY_FAILED,
        {"profile": identity.profile or "default", "reason": error.cause},
        _identity_fix(identity),
    )


def _token_problem(
    error: EcrloginError, identity: Identity, partition: str, public: bool
) -> Problem:
    code = error.code if isinstance(error, ServiceError) else ""
    # A bare 403 is a refusal whose body botocore could not read as ECR's JSON (an IAM
    # layer answering in XML, as moto's does).
    if code in ("AccessDeniedException", "AccessDenied", "403"):
        return _error(
            Cause.TOKEN_DENIED,
            {"arn": identity.arn or "the identity", "reason": error.cause},
            _grant_fix(identity, partition, public),
        )
    return _error(
        Cause.TOKEN_FAILED,
        {"reason": error.message},
        error.fix or "re-run with --debug",
    )


def diagnose(
    texts: Sequence[str],
    settings: Config,
    base: ClientOptions,
    *,
    check_live: bool = True,
    fetch: Callable[..., core.Answer] = core.fetch,
    configs: ClientConfigs | None = None,
) -> list[Diagnosis]:
    """Diagnose each TARGET; none: every registry the configs name, and the default one."""
    configs = configs or client_configs()
    identities: dict[tuple[str | None, str | None], Identity] = {}
    wanted: list[tuple[str, Target | None]] = []
    if texts:
        for text in texts:
            wanted.append((text, resolve(text, settings)))
    else:
        wanted = [(host, resolve(host, settings)) for host in configured_hosts(configs, settings)]
        wanted.append((DEFAULT_TARGET, None))
    results: list[Diagnosis] = []
    seen: set[str] = set()
    for text, target in wanted:
        if target is not None and target.host in seen:
            continue
        diagnosis = diagnose_one(
            text,
            target,
            configs,
            base,
            check_live=check_live,
            fetch=fetch,
            identities=identities,
            known=seen,
        )
        if diagnosis is None:
            continue  # the default registry is one the configs named already
        if diagnosis.host:
            seen.add(diagnosis.host)
        results.append(diagnosis)
    return results
