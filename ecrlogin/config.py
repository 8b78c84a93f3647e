"""ecrlogin's own configuration file: per-registry profiles and custom host names.

`$ECRLOGIN_CONFIG`, else `$XDG_CONFIG_HOME/ecrlogin/config.toml`, else
`~/.config/ecrlogin/config.toml`. A missing file is an empty configuration.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ecrlogin.errors import ConfigurationError
from ecrlogin.hosts import Registry, parse_registry, server_host

_ACCOUNT = re.compile(r"^[0-9]{12}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z0-9]+)+-[0-9]+$")
_KEYS = {"account": _ACCOUNT, "region": _REGION, "profile": None}


@dataclass(frozen=True)
class RegistryConfig:
    """One `[registries."HOST"]` table."""

    host: str
    account: str | None = None
    region: str | None = None
    profile: str | None = None


@dataclass(frozen=True)
class Config:
    """The parsed configuration file."""

    path: Path | None = None
    registries: Mapping[str, RegistryConfig] = field(default_factory=dict)

    def lookup(self, host: str) -> RegistryConfig | None:
        """The table for `host` (`host[:port]`, lower case), if any."""
        return self.registries.get(host)


@dataclass(frozen=True)
class Target:
    """A registry to serve: where its token comes from and as whom."""

    registry: Registry
    profile: str | None = None

    @property
    def host(self) -> str:
        """The registry host (`host[:port]`) as the client names it."""
        return self.registry.host


def config_path() -> Path:
    """Where the configuration file is looked for."""
    explicit = os.environ.get("ECRLOGIN_CONFIG")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "ecrlogin" / "config.toml"


def load(path: Path | None = None) -> Config:
    """Read and validate the configuration file; a missing file is an empty config."""
    path = path or config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config(path=None)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigurationError(
            f"Cannot read the ecrlogin config file {path}: {exc}",
            "Fix its permissions or encoding, or point ECRLOGIN_CONFIG elsewhere.",
        ) from None
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(
            f"{path}: not valid TOML: {exc}", "Fix the syntax at that line."
        ) from None
    return Config(path=path, registries=_registries(path, text, data))


def _registries(path: Path, text: str, data: dict[str, Any]) -> dict[str, RegistryConfig]:
    unknown = sorted(set(data) - {"registries"})
    if unknown:
        raise _bad(
            path, text, unknown[0], f"unknown key {unknown[0]!r}", "Only [registries] is read."
        )
    tables = data.get("registries", {})
    if not isinstance(tables, dict):
        raise _bad(path, text, "registries", "`registries` must be a table", None)
    result: dict[str, RegistryConfig] = {}
    for name, table in tables.items():
        host = server_host(name)
        if host is None:
            raise _bad(path, text, name, f"{name!r} is not a registry host name", None)
        if not isinstance(table, dict):
            raise _bad(path, text, name, f"registries.{name!r} must be a table", None)
        for key, value in table.items():
            if key not in _KEYS:
                raise _bad(
                    path,
                    text,
                    key,
                    f"unknown key {key!r} in registries.{name!r}",
                    "Allowed: account, region, profile.",
                )
            pattern = _KEYS[key]
            if not isinstance(value, str) or not value or (pattern and not pattern.match(value)):
                raise _bad(
                    path,
                    text,
                    key,
                    f"registries.{name!r}.{key} = {value!r} is not valid",
                    "account is 12 digits, region like us-west-2, profile a profile name.",
                )
        entry = RegistryConfig(
            host=host,
            account=table.get("account"),
            region=table.get("region"),
            profile=table.get("profile"),
        )
        if parse_registry(host) is None and (entry.account is None or entry.region is None):
            raise _bad(
                path, text, name, f"custom registry {name!r} needs both account and region", None
            )
        result[host] = entry
    return result


def _bad(path: Path, text: str, needle: str, cause: str, fix: str | None) -> ConfigurationError:
    line = next((n for n, row in enumerate(text.splitlines(), 1) if needle in row), None)
    where = f"{path}, line {line}" if line else str(path)
    return ConfigurationError(f"{where}: {cause}", fix or "Fix the ecrlogin config file.")


def partition_of_region(region: str) -> str:
    """The partition a region belongs to, for custom host names."""
    prefixes = (
        ("cn-", "aws-cn"),
        ("us-gov-", "aws-us-gov"),
        ("us-isof-", "aws-iso-f"),
        ("us-isob-", "aws-iso-b"),
        ("us-iso-", "aws-iso"),
        ("eu-isoe-", "aws-iso-e"),
        ("eusc-", "aws-eusc"),
    )
    return next((p for prefix, p in prefixes if region.startswith(prefix)), "aws")


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
            partition=registry.partition,
            fips=registry.fips,
            dualstack=registry.dualstack,
            public=registry.public,
        )
    return Target(registry=registry, profile=entry.profile if entry else None)
