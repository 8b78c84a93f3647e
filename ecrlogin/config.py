"""ecrlogin's own configuration file: per-registry profiles and custom host names.

`$ECRLOGIN_CONFIG`, else `$XDG_CONFIG_HOME/ecrlogin/config.toml`, else
`~/.config/ecrlogin/config.toml`. A missing file is an empty configuration.

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
    from collections.abc import Mapping
    from pathlib import Path
    from typing import Any

    from ecrlogin.errors import ConfigurationError

_KEYS = ("account", "region", "profile")
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

    __slots__ = ("source", "registries")  # noqa: RUF023 - the repr's order
    source: str | None
    registries: Mapping[str, RegistryConfig]

    def __init__(
        self,
        path: Path | str | None = None,
        registries: Mapping[str, RegistryConfig] | None = None,
    ) -> None:
        self._set(
            source=None if path is None else os.fspath(path), registries=dict(registries or {})
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

    def dumps(self) -> str:
        """The validated tables as tab-separated lines, for the helper's memo of this file."""
        return "".join(
            f"{entry.host}\t{entry.account or ''}\t{entry.region or ''}\t{entry.profile or ''}\n"
            for entry in self.registries.values()
        )

    @classmethod
    def loads(cls, text: str, path: str | None) -> Config:
        """The inverse of `dumps()`; ValueError if `text` is not its output."""
        registries = {}
        for line in text.splitlines():
            host, account, region, profile = line.split("\t")
            registries[host] = RegistryConfig(
                host=host, account=account or None, region=region or None, profile=profile or None
            )
        return cls(path=path, registries=registries)


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
    return os.path.join(files.xdg_home("XDG_CONFIG_HOME", ".config"), "ecrlogin", "config.toml")


def read_bytes(path: str | os.PathLike[str] | None = None) -> bytes | None:
    """The configuration file's bytes, or None when there is no file."""
    name = os.fspath(path) if path is not None else config_file()
    try:
        with open(name, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _error(
            f"Cannot read the ecrlogin config file {name}: {exc.strerror or exc}",
            "Fix its permissions, or point ECRLOGIN_CONFIG at another file.",
        ) from None


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
    return Config(path=name, registries=_registries(name, text, document))


def _registries(name: str, text: str, document: dict[str, Any]) -> dict[str, RegistryConfig]:
    where = _Locator(name, text)
    unknown = sorted(set(document) - {"registries"})
    if unknown:
        raise where.error(
            f"unknown key {unknown[0]!r}",
            'Only [registries."HOST"] tables are read.',
            table=unknown[0],
        )
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
    inner = row.strip("[]").replace('"', "").replace("'", "").replace(" ", "")
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
