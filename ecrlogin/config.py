"""ecrlogin's own configuration file: per-registry profiles, custom host names, the fallback store.

`$ECRLOGIN_CONFIG`, else `$XDG_CONFIG_HOME/ecrlogin/config.toml`, else
`~/.config/ecrlogin/config.toml` (`%APPDATA%\\ecrlogin\\config.toml` on Windows: see
`files.config_dir`). A missing file is an empty configuration.

The credential helper reads this on every call, so nothing costly (`tomllib`,
`pathlib`, the error classes) is imported until a file is actually there.
"""

from __future__ import annotations

import os

from ecrlogin import files
from ecrlogin.hosts import (
    Registry,
    is_account,
    is_region,
    parse_registry,
    partition_of_region,
    server_host,
)
from ecrlogin.record import Record

TYPE_CHECKING = False  # typing itself is too costly to import on the helper's path
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from pathlib import Path
    from typing import Any

    from ecrlogin.errors import ConfigurationError

_KEYS = ("account", "region", "profile")
FALLBACK_VARIABLE = "ECRLOGIN_FALLBACK_STORE"
_STORE_PREFIX = "docker-credential-"
_KEY_FIX = {
    "account": "account is a 12-digit AWS account ID, in quotes.",
    "region": 'region is a region name such as "us-west-2".',
    "profile": "profile is the name of a profile in the AWS config files.",
}


class RegistryConfig(Record):
    """One `[registries."HOST"]` table."""

    __slots__ = ("host", "account", "region", "profile")  # noqa: RUF023 - the repr's order
    host: str
    account: str | None
    region: str | None
    profile: str | None

    def __init__(
        self,
        host: str,
        account: str | None = None,
        region: str | None = None,
        profile: str | None = None,
    ) -> None:
        self._set(host=host, account=account, region=region, profile=profile)


class Config(Record):
    """The parsed configuration file."""

    __slots__ = ("source", "registries", "fallback")  # noqa: RUF023 - the repr's order
    source: str | None
    registries: Mapping[str, RegistryConfig]
    # `[store] fallback`: the docker-credential-NAME store for hosts that are not ECR's.
    fallback: str | None

    def __init__(
        self,
        path: Path | str | None = None,
        registries: Mapping[str, RegistryConfig] | None = None,
        fallback: str | None = None,
    ) -> None:
        self._set(
            source=None if path is None else os.fspath(path),
            registries=dict(registries or {}),
            fallback=fallback,
        )

    @property
    def path(self) -> Path | None:
        """The file this came from; None when there was none."""
        if self.source is None:
            return None
        from pathlib import Path

        return Path(self.source)

    def lookup(self, host: str) -> RegistryConfig | None:
        """The table for `host` (`host[:port]`, lower case), if any."""
        return self.registries.get(host)

    def memo(self) -> dict[str, object]:
        """The validated tables as JSON values, for the helper's memo of this file."""
        rows = [
            [entry.host, entry.account, entry.region, entry.profile]
            for entry in self.registries.values()
        ]
        return {"fallback": self.fallback, "registries": rows}

    @classmethod
    def from_memo(cls, memo: object, path: str | None) -> Config:
        """The inverse of `memo()`; ValueError if `memo` is not its output."""
        rows = memo.get("registries") if type(memo) is dict else None
        fallback = memo.get("fallback") if type(memo) is dict else None
        if type(rows) is not list or not (fallback is None or type(fallback) is str):
            raise ValueError("not a memo of the configuration")
        registries = {}
        for row in rows:
            if type(row) is not list or len(row) != 4 or type(row[0]) is not str:
                raise ValueError("not a memo of the configuration")
            if not all(value is None or type(value) is str for value in row):
                raise ValueError("not a memo of the configuration")
            registries[row[0]] = RegistryConfig(*row)
        return cls(path=path, registries=registries, fallback=fallback)


# Registries that are not ECR and serve the public: a table mapping one of them to an
# ECR account sends that account's token to whoever runs it. ECR Public
# (public.ecr.aws) is ECR's own and is not here.
_PUBLIC_REGISTRIES = frozenset(
    {
        "docker.io",
        "registry-1.docker.io",
        "index.docker.io",
        "registry.hub.docker.com",
        "ghcr.io",
        "quay.io",
        "gcr.io",
        "mcr.microsoft.com",
        "registry.gitlab.com",
        "registry.k8s.io",
        "nvcr.io",
        "lscr.io",
    }
)


def is_public_registry(host: str) -> bool:
    """True for a well-known public registry (`host[:port]`) that is not ECR."""
    name = host.rpartition(":")[0] if host.rpartition(":")[2].isdigit() else host
    name = name.lower().rstrip(".")
    return (
        name in _PUBLIC_REGISTRIES
        or name.endswith((".pkg.dev", ".gcr.io"))
        or name.removeprefix("www.") in _PUBLIC_REGISTRIES
    )


class PublicMapping(Record):
    """A warning: the config maps a well-known public registry to an ECR token."""

    __slots__ = ("host", "source")
    host: str
    source: str

    def __init__(self, host: str, source: str) -> None:
        self._set(host=host, source=source)


def public_mappings(settings: Config) -> list[PublicMapping]:
    """A warning for each `[registries."HOST"]` table whose HOST is a public registry."""
    return [
        PublicMapping(host, settings.source or "")
        for host in settings.registries
        if is_public_registry(host)
    ]


class Target(Record):
    """A registry to serve: where its token comes from and as whom."""

    __slots__ = ("registry", "profile")  # noqa: RUF023 - the repr's order
    registry: Registry
    profile: str | None

    def __init__(self, registry: Registry, profile: str | None = None) -> None:
        self._set(registry=registry, profile=profile)

    @property
    def host(self) -> str:
        """The registry host (`host[:port]`) as the client names it."""
        return self.registry.host


def config_file() -> str:
    """Where the configuration file is looked for, as a string (no pathlib import)."""
    explicit = os.environ.get("ECRLOGIN_CONFIG")
    if explicit:
        return os.path.expanduser(explicit)
    return os.path.join(files.config_dir(), "config.toml")


# A handful of registry tables; this bounds a read of /dev/zero or a runaway file.
MAX_FILE_BYTES = 1 << 20


def read_bytes(path: str | os.PathLike[str] | None = None) -> bytes | None:
    """The configuration file's bytes, or None when there is no file."""
    name = os.fspath(path) if path is not None else config_file()
    try:
        # It decides which hosts get a token (root's, under the kubelet): only a file
        # that no one but its user (or root) can change is believed.
        return files.read_bounded(name, MAX_FILE_BYTES, trusted=True)
    except files.UntrustedLink as exc:
        raise _link_error(exc) from None
    except files.Untrusted as exc:
        raise _error(
            f"Refusing the ecrlogin config file {name}: {exc.strerror}, so another user "
            "could choose which hosts get your ECR token",
            "Make it yours and run chmod go-w on it, or point ECRLOGIN_CONFIG at such a file.",
        ) from None
    except files.UnsafeFile as exc:
        raise _error(
            f"Cannot read the ecrlogin config file {name}: {exc.strerror}",
            "Point ECRLOGIN_CONFIG at a regular TOML file (or unset it).",
        ) from None
    except OSError as exc:
        raise _error(
            f"Cannot read the ecrlogin config file {name}: {exc.strerror or exc}",
            "Fix its permissions, or point ECRLOGIN_CONFIG at another file.",
        ) from None


def _link_error(exc: files.UntrustedLink) -> ConfigurationError:
    return _error(
        f"Will not follow the symbolic link {exc.filename}: {exc.strerror}",
        "Remove that link (or make it yours), or point ECRLOGIN_CONFIG at a file of yours.",
    )


def load(path: Path | str | None = None) -> Config:
    """Read and validate the configuration file; a missing file is an empty config."""
    name = os.fspath(path) if path is not None else config_file()
    data = read_bytes(name)
    if data is None:
        return Config(path=None)
    return parse(data, name)


def parse(data: bytes, name: str) -> Config:
    """Validate the bytes of the configuration file `name`; errors name the file and line."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _error(f"{name}, line {line}: not UTF-8 text", "Save the file as UTF-8.") from None
    import sys

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _error(
            f"{name}: not valid TOML: {exc}", "Fix the syntax at that line and column."
        ) from None
    except RecursionError:
        raise _error(
            f"{name}: arrays or tables nest too deeply to be read",
            'Write plain [registries."HOST"] tables of strings.',
        ) from None
    where = _Locator(name, text)
    unknown = sorted(set(document) - {"registries", "store"})
    if unknown:
        raise where.error(
            f"unknown key {unknown[0]!r}",
            'Only [registries."HOST"] tables and a [store] table are read.',
            table=unknown[0],
        )
    return Config(
        path=name,
        registries=_registries(where, document),
        fallback=_fallback(where, document.get("store", {})),
    )


def _fallback(where: _Locator, table: object) -> str | None:
    """`[store] fallback`, checked: the name of a docker-credential-NAME program."""
    if not isinstance(table, dict):
        raise where.error(
            "`store` must be a table", 'Write [store] with fallback = "pass".', key="store"
        )
    for key in table:
        if key != "fallback":
            raise where.error(
                f"unknown key {key!r} in store", "Allowed key: fallback.", table="store", key=key
            )
    name = table.get("fallback")
    if name is None:
        return None
    problem = store_name_problem(name)
    if problem:
        raise where.error(
            f"store.fallback = {name!r} is not a credential store name: {problem}",
            _STORE_FIX,
            table="store",
            key="fallback",
        )
    return str(name)


_STORE_FIX = (
    'Name the store as in docker-credential-NAME on PATH, e.g. fallback = "pass" '
    '(or "secretservice", "osxkeychain", "wincred", "desktop").'
)


def store_name_problem(name: object) -> str | None:
    """Why `name` cannot name a docker-credential-NAME store, or None when it can.

    The name becomes part of a program name looked up on PATH: a path or an
    option must never get there, and ecrlogin cannot fall back to itself.
    """
    if not isinstance(name, str) or not name:
        return "it must be a non-empty string"
    if "/" in name or "\\" in name:
        return "it contains a path separator"
    if name.startswith("-"):
        return "it looks like a command-line option"
    if not all(char.isascii() and (char.isalnum() or char in "._-") for char in name):
        return "only letters, digits, '.', '_' and '-' are allowed"
    if name == "ecrlogin":
        return "that is ecrlogin itself, which would ask itself forever"
    return None


def fallback_store(settings: Config) -> tuple[str, str] | None:
    """The fallback store's name and where it was set: ECRLOGIN_FALLBACK_STORE, else the
    config file's `[store] fallback`; None when neither names one."""
    name = os.environ.get(FALLBACK_VARIABLE, "")
    if name:
        problem = store_name_problem(name)
        if problem:
            raise _error(
                f"{FALLBACK_VARIABLE}={name!r} is not a credential store name: {problem}",
                f"Set it to the NAME of docker-credential-NAME on PATH, e.g. "
                f"{FALLBACK_VARIABLE}=pass, or unset it.",
            )
        return name, FALLBACK_VARIABLE
    if settings.fallback:
        return settings.fallback, f"[store] fallback in {settings.source}"
    return None


# The name ecrlogin goes by in credHelpers and credsStore (docker-credential-ecrlogin).
HELPER_NAME = "ecrlogin"


def store_program(name: str) -> str:
    """The program that serves the credential store `name`."""
    return _STORE_PREFIX + name


def with_fallback(data: bytes | None, name: str, source: str) -> bytes | None:
    """The config file `source` (its bytes, None when missing) with `[store] fallback = name`
    added; None when it already says so. Every other line stays as it is."""
    text = "" if data is None else data.decode("utf-8", "replace")
    if data is not None:
        current = parse(data, source).fallback
        if current == name:
            return None
        if current is not None:
            raise _error(
                f"{source} already names the fallback store {current!r}, and the store to keep "
                f"is {name!r}",
                "Set [store] fallback there to the one that holds your other registries' "
                "credentials, then run this again.",
            )
    line = f'fallback = "{name}"\n'
    lines = text.splitlines(keepends=True)
    header = next((n for n, raw in enumerate(lines) if _header_names(raw.strip(), "store")), None)
    if header is not None:
        if not lines[header].endswith(("\n", "\r")):
            lines[header] += "\n"  # the file's last line, with no newline after it
        lines.insert(header + 1, line)
        updated = "".join(lines)
    else:
        separator = (
            "" if not text or text.endswith("\n\n") else ("\n" if text.endswith("\n") else "\n\n")
        )
        updated = f"{text}{separator}[store]\n{line}"
    result = updated.encode("utf-8")
    if parse(result, source).fallback != name:  # e.g. an inline `store = {}`: never guess
        raise _error(
            f"Cannot add [store] fallback = {name!r} to {source} safely",
            f'Add it there yourself: [store] with fallback = "{name}".',
        )
    return result


class Edit(Record):
    """One locked edit of the configuration file: its bytes before (None: there was no
    file) and after, so that the edit can be undone exactly."""

    __slots__ = ("path", "before", "after")  # noqa: RUF023 - the repr's order
    path: str
    before: bytes | None
    after: bytes

    def __init__(self, path: str, before: bytes | None, after: bytes) -> None:
        self._set(path=path, before=before, after=after)


def write_fallback(name: str, path: str | None = None) -> Edit | None:
    """Add `[store] fallback = name` to the configuration file, under its lock and
    atomically; the edit made, or None when it said so already."""
    target = os.path.expanduser(path) if path is not None else config_file()
    try:
        real = files.follow(target)  # never through a link another user left (in /tmp)
    except files.UntrustedLink as exc:
        raise _link_error(exc) from None
    except OSError as exc:
        raise _error(
            f"Cannot write the ecrlogin config file {target}: {exc.strerror or exc}",
            "Fix its permissions, or point ECRLOGIN_CONFIG at another file.",
        ) from None

    def change(data: bytes | None) -> bytes | None:
        return with_fallback(data, name, target)

    return _edit(real, target, change)


def undo(edit: Edit) -> bool:
    """Put back the bytes `edit` replaced, under the file's lock, if the file still holds
    exactly what the edit wrote (a file edited since is left alone); a file the edit
    created is removed. True when the file was restored."""
    try:
        with files.locked(edit.path):
            if read_bytes(edit.path) != edit.after:
                return False
            if edit.before is None:
                os.unlink(edit.path)
            else:
                files.write_private(edit.path, edit.before, keep_owner=True)
            return True
    except OSError as exc:
        raise _error(
            f"Cannot write the ecrlogin config file {edit.path}: {exc.strerror or exc}",
            "Fix its permissions, or point ECRLOGIN_CONFIG at another file.",
        ) from None


def _edit(real: str, shown: str, change: Callable[[bytes | None], bytes | None]) -> Edit | None:
    # The same lock as every other file ecrlogin edits: two logins never lose a line.
    try:
        files.make_private_dirs(os.path.dirname(real) or ".", keep_owner=True)
        with files.locked(real):
            before = read_bytes(real)
            after = change(before)
            if after is None:
                return None
            files.write_private(real, after, keep_owner=True)  # the user's own file
            return Edit(real, before, after)
    except OSError as exc:
        raise _error(
            f"Cannot write the ecrlogin config file {shown}: {exc.strerror or exc}",
            "Fix its permissions, or point ECRLOGIN_CONFIG at another file.",
        ) from None


def _registries(where: _Locator, document: dict[str, Any]) -> dict[str, RegistryConfig]:
    tables = document.get("registries", {})
    if not isinstance(tables, dict):
        raise where.error(
            "`registries` must be a table", 'Write [registries."HOST"] tables.', key="registries"
        )
    result: dict[str, RegistryConfig] = {}
    for title, table in tables.items():
        host = server_host(title)
        if host is None:
            raise where.error(
                f"{title!r} is not a registry host name",
                'Name the host as the client does, e.g. [registries."registry.example.com"].',
                table=title,
            )
        if not isinstance(table, dict):
            raise where.error(
                f"registries.{title!r} must be a table",
                'Write [registries."HOST"] with account, region and profile keys.',
                table=title,
            )
        if host in result:
            raise where.error(
                f"registry {host!r} is configured twice", "Keep one table per host.", table=title
            )
        for key, value in table.items():
            if key not in _KEYS:
                raise where.error(
                    f"unknown key {key!r} in registries.{title!r}",
                    "Allowed keys: account, region, profile.",
                    table=title,
                    key=key,
                )
            if not _valid(key, value):
                raise where.error(
                    f"registries.{title!r}.{key} = {value!r} is not valid",
                    _KEY_FIX[key],
                    table=title,
                    key=key,
                )
        entry = RegistryConfig(
            host=host,
            account=table.get("account"),
            region=table.get("region"),
            profile=table.get("profile"),
        )
        if parse_registry(host) is None and (entry.account is None or entry.region is None):
            raise where.error(
                f"custom registry {title!r} needs both account and region",
                'Add account = "123456789012" and region = "us-west-2" (the registry behind it).',
                table=title,
            )
        result[host] = entry
    return result


def _valid(key: str, value: object) -> bool:
    if not isinstance(value, str) or not value:
        return False
    if key == "account":
        return is_account(value)
    if key == "region":
        return is_region(value)
    return value.isprintable() and value == value.strip()


class _Locator:
    """Finds the line of a table or key, so an error can name it (tomllib gives no positions)."""

    def __init__(self, name: str, text: str) -> None:
        self.name = name
        self.lines = text.splitlines()

    def error(
        self, cause: str, fix: str, *, table: str | None = None, key: str | None = None
    ) -> ConfigurationError:
        line = self.line_of(table, key)
        where = f"{self.name}, line {line}" if line else self.name
        return _error(f"{where}: {cause}", fix)

    def line_of(self, table: str | None, key: str | None) -> int | None:
        header_line = None
        inside = table is None  # a top-level key
        for number, raw in enumerate(self.lines, 1):
            row = raw.strip()
            if row.startswith("["):
                inside = table is not None and _header_names(row, table)
                if inside and header_line is None:
                    header_line = number
                    if key is None:
                        return number
                continue
            if inside and key is not None and _assigns(row, key):
                return number
        # Inline tables and dotted keys: fall back to the first line that mentions it.
        for needle in (key, table):
            if needle:
                found = next((n for n, raw in enumerate(self.lines, 1) if needle in raw), None)
                if found:
                    return found
        return header_line


def _header_names(row: str, table: str) -> bool:
    # A comment after the header (`[store] # mine`) is not part of its name.
    inner = row.partition("#")[0].strip().strip("[]")
    inner = inner.replace('"', "").replace("'", "").replace(" ", "")
    return inner in (table, f"registries.{table}")


def _assigns(row: str, key: str) -> bool:
    name = row.partition("=")[0].strip().strip("\"'")
    return "=" in row and name == key


def _error(cause: str, fix: str) -> ConfigurationError:
    from ecrlogin.errors import ConfigurationError

    return ConfigurationError(cause, fix)


def resolve(server_url: str, config: Config) -> Target | None:
    """What serves `server_url`: an ECR host, or a custom host mapped in the config."""
    host = server_host(server_url)
    if host is None:
        return None
    entry = config.lookup(host)
    registry = parse_registry(host)
    if registry is None:
        if entry is None or entry.account is None or entry.region is None:
            return None
        registry = Registry(
            host=host,
            account=entry.account,
            region=entry.region,
            partition=partition_of_region(entry.region),
        )
    elif entry is not None and (entry.account or entry.region):
        registry = Registry(
            host=registry.host,
            account=entry.account or registry.account,
            region=entry.region or registry.region,
            partition=registry.partition
            if entry.region is None
            else partition_of_region(entry.region),
            fips=registry.fips,
            dualstack=registry.dualstack,
            public=registry.public,
        )
    return Target(registry=registry, profile=entry.profile if entry else None)
