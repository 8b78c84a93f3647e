"""Docker's `config.json` and the containers `auth.json`: merge our entries, keep everything else.

Every change is a read-modify-write under an exclusive lock (`files.lock`) on a
side file (`<file>.lock`), so concurrent logins into one file lose nothing, and the
file is replaced atomically through `files.write_private` (a new file is 0600;
an existing one keeps its owner, group and mode). Only a regular file is read
or replaced, and only JSON that can be written back exactly: a file holding
non-finite numbers, duplicate keys or lone surrogates is refused untouched.
Every number is written back as the text it was read as.
Keys are bare `host[:port]`, which podman requires.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import suppress
from pathlib import Path
from typing import Any, TypeVar

from ecrlogin import basicauth, files
from ecrlogin.errors import ConfigurationError

DOCKER = "docker"
CONTAINERS = "containers"

R = TypeVar("R")

# A config.json is a few KiB; this bounds a read of /dev/zero or a runaway file.
MAX_FILE_BYTES = 4 << 20
_LOOSE_BITS = 0o077


def docker_config_path() -> Path:
    """`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json` (as docker reads it)."""
    directory = os.environ.get("DOCKER_CONFIG")
    if directory:
        return Path(directory) / "config.json"
    return Path(files.home()) / ".docker" / "config.json"


def containers_auth_path() -> Path:
    """`$REGISTRY_AUTH_FILE`, else the per-user `auth.json` podman, buildah and skopeo read:
    `$XDG_RUNTIME_DIR/containers/auth.json` on Linux, `~/.config/containers/auth.json` on
    every other system (containers/image, pkg/docker/config/config.go)."""
    explicit = os.environ.get("REGISTRY_AUTH_FILE")
    if explicit:
        return Path(explicit)
    if not sys.platform.startswith("linux"):
        return Path(files.home()) / ".config" / "containers" / "auth.json"
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        return Path(runtime) / "containers" / "auth.json"
    return Path(f"/run/containers/{os.getuid()}/auth.json")


def default_path(fmt: str) -> Path:
    """The file `--write-config` / `--helper` change for `--format fmt`."""
    return containers_auth_path() if fmt == CONTAINERS else docker_config_path()


def basic_auth(username: str, password: str) -> str:
    """The `auth` value of an `auths` entry: base64 of `user:password`."""
    return basicauth.encode(username, password)


# Pure changes on the parsed file (a dict), shared by the file functions and the tests.


def merge_passwords(data: dict[str, Any], creds: Mapping[str, tuple[str, str]]) -> None:
    """Set `auths[host] = {"auth": ...}` for each host; every other key and entry stays."""
    auths = _section(data, "auths", create=True)
    for host, (username, password) in creds.items():
        # The whole entry is replaced: a stale identitytoken would win over the password.
        auths[host] = {"auth": basic_auth(username, password)}


def drop_passwords(data: dict[str, Any], hosts: Iterable[str], username: str = "AWS") -> list[str]:
    """Remove the `auths` entries `merge_passwords` would have written; return those removed.

    An entry that is not exactly `{"auth": base64("AWS:...")}` was not written by
    ecrlogin and is left alone.
    """
    auths = _section(data, "auths", create=False)
    removed = []
    for host in hosts:
        if _is_ours(auths.get(host), username):
            del auths[host]
            removed.append(host)
    return removed


def merge_helpers(data: dict[str, Any], hosts: Iterable[str], helper: str) -> None:
    """Set `credHelpers[host] = helper` for each host; every other key and entry stays."""
    helpers = _section(data, "credHelpers", create=True)
    for host in hosts:
        helpers[host] = helper


def drop_helpers(data: dict[str, Any], hosts: Iterable[str], helper: str) -> list[str]:
    """Remove `credHelpers[host]` where it names `helper`; return the hosts removed.

    A `credHelpers` these removals empty goes too: docker writes none until a helper is
    set and reads a missing one as empty, so a login then logout gives its file back as it
    was. (`auths` stays, empty or not: docker always writes it.)
    """
    helpers = _section(data, "credHelpers", create=False)
    removed = []
    for host in hosts:
        if helpers.get(host) == helper:
            del helpers[host]
            removed.append(host)
    if removed and not helpers:
        del data["credHelpers"]
    return removed


def shadowing(data: Mapping[str, Any], host: str, *, fmt: str, helper: str | None = None) -> str:
    """Why a client would not use what was written for `host` ("" when nothing shadows it)."""
    helpers = data.get("credHelpers")
    named = helpers.get(host) if isinstance(helpers, dict) else None
    if helper is not None:
        return ""  # credHelpers[host] is the most specific setting there is
    if isinstance(named, str):
        return (
            f"credHelpers names {named!r} for {host}, so clients ask that helper and ignore "
            "the stored password; remove that entry, or use --helper"
        )
    store = data.get("credsStore")
    # containers/image reads only credHelpers; docker also obeys credsStore.
    if fmt == DOCKER and isinstance(store, str) and store:
        return (
            f"credsStore is {store!r}, so docker reads {host}'s password from that store "
            "and ignores the one in auths; remove credsStore, or use the client login "
            "(--client docker)"
        )
    return ""


def _is_ours(entry: object, username: str) -> bool:
    if not isinstance(entry, dict) or set(entry) != {"auth"} or not isinstance(entry["auth"], str):
        return False
    try:
        decoded = basicauth.decode_text(entry["auth"])
    except basicauth.NotBase64:
        return False
    return decoded.partition(":")[0] == username


def _section(data: dict[str, Any], key: str, *, create: bool) -> dict[str, Any]:
    section = data.get(key)
    if section is None:
        if not create:
            return {}
        section = data[key] = {}
    if not isinstance(section, dict):
        raise ConfigurationError(
            f"{key!r} in the config file is a {type(section).__name__}, not an object",
            "Fix the file by hand; ecrlogin does not overwrite what it cannot merge.",
        )
    return section


# The file: locked read-modify-write with an atomic replace.


def store_passwords(
    path: Path,
    creds: Mapping[str, tuple[str, str]],
    *,
    fmt: str,
    wait: float | None = files.LOCK_WAIT,
) -> list[str]:
    """Merge passwords into the file at `path`; return a warning per shadowed host."""

    def change(data: dict[str, Any]) -> list[str]:
        merge_passwords(data, creds)
        return [w for host in creds if (w := shadowing(data, host, fmt=fmt))]

    warnings = update(path, change, wait=wait)
    with suppress(OSError):
        mode = stat.S_IMODE(os.stat(path).st_mode)
        # Windows reports every file as 0666, whoever may read it (see files.is_private).
        if mode & _LOOSE_BITS and not files.WINDOWS:
            # The file keeps the mode its owner gave it, but should know what that exposes.
            warnings.append(
                f"the file's mode is {mode:04o}, so other users can read the password now in "
                f"it; run `chmod 600 {path}` to keep it private"
            )
    return warnings


def remove_passwords(
    path: Path, hosts: Iterable[str], *, wait: float | None = files.LOCK_WAIT
) -> list[str]:
    """Remove our `auths` entries for `hosts` from `path`; return the hosts removed."""
    return update(path, lambda data: drop_passwords(data, list(hosts)), create=False, wait=wait)


def set_helpers(
    path: Path,
    hosts: Iterable[str],
    helper: str,
    *,
    fmt: str,
    wait: float | None = files.LOCK_WAIT,
) -> list[str]:
    """Point `credHelpers[host]` at `helper` in `path`; return warnings."""
    hosts = list(hosts)

    def change(data: dict[str, Any]) -> list[str]:
        helpers = data.get("credHelpers")
        replaced = [
            f"credHelpers for {host} named {helpers[host]!r}; it now names {helper!r}"
            for host in hosts
            if isinstance(helpers, dict) and helpers.get(host) not in (None, helper)
        ]
        merge_helpers(data, hosts, helper)
        return replaced

    return update(path, change, wait=wait)


def remove_helpers(
    path: Path, hosts: Iterable[str], helper: str, *, wait: float | None = files.LOCK_WAIT
) -> list[str]:
    """Remove `credHelpers[host] == helper` entries from `path`; return the hosts removed."""
    return update(
        path, lambda data: drop_helpers(data, list(hosts), helper), create=False, wait=wait
    )


def read(path: Path) -> dict[str, Any]:
    """The JSON object in `path`, read without a lock and never written ({} when missing):
    for callers that only look, such as `doctor`. Raises ConfigurationError as `update` does."""
    try:
        return _read(path)[0]  # through a symlink, as the clients read it
    except files.UnsafeFile as exc:
        raise ConfigurationError(
            f"Will not read {path}: {exc.strerror}",
            "Point DOCKER_CONFIG / REGISTRY_AUTH_FILE at a regular JSON file.",
        ) from None
    except OSError as exc:
        raise ConfigurationError(
            f"Cannot read {path}: {exc.strerror or exc}",
            "Check the file's and its directory's permissions.",
        ) from None


def update(
    path: Path,
    change: Callable[[dict[str, Any]], R],
    *,
    create: bool = True,
    wait: float | None = files.LOCK_WAIT,
) -> R:
    """Apply `change` to the JSON object in `path` under the lock and write it back atomically.

    A missing file is an empty object (and is not created when `create` is
    False and nothing changed). A file that is not a regular file, or not a JSON
    object that can be written back exactly, is never overwritten. The lock is
    waited for at most `wait` seconds (None: no limit).
    """
    try:
        # Write through a symlink (e.g. a dotfiles-managed config.json), as docker does,
        # but never through one another user left (in /tmp): its owner picks the file.
        path = Path(files.follow(str(path)))
        files.check_replaceable(str(path))  # before a lock file or directory is made for it
        if not create and not path.exists():
            return change({})  # nothing to remove: create neither the file nor its lock
        files.make_private_dirs(str(path.parent), keep_owner=True)
        with files.locked(str(path), wait):
            data, ending = _read(path)
            before = _dumps(data, path, ending)
            result = change(data)
            after = _dumps(data, path, ending)
            if after != before or (create and ending is None):
                files.write_private(str(path), after.encode("utf-8"), keep_owner=True)
            return result
    except files.UntrustedLink as exc:
        raise ConfigurationError(
            f"Will not follow the symbolic link {exc.filename}: {exc.strerror}",
            "Remove that link (or make it yours), or pass --config-file with a path of yours.",
        ) from None
    except TimeoutError:  # filelock's Timeout: another process holds the lock
        raise ConfigurationError(
            f"{path} stayed locked by another process for {wait:g} s ({path}.lock is held, "
            "by another ecrlogin login or logout still running)",
            "Let that run finish or stop it, then retry; or raise --cli-read-timeout "
            "(0: no limit).",
        ) from None
    except files.UnsafeFile as exc:
        raise ConfigurationError(
            f"Will not replace {path}: {exc.strerror}",
            "Point --config-file (or DOCKER_CONFIG / REGISTRY_AUTH_FILE) at a regular JSON "
            "file, or at a path that does not exist yet.",
        ) from None
    except OSError as exc:
        raise ConfigurationError(
            f"Cannot update {path}: {exc.strerror or exc}",
            "Check the file's and its directory's permissions, or pass --config-file.",
        ) from None


class _NotExact(ValueError):
    """JSON that Python reads but cannot write back as it was."""


class _Text(str):
    """A JSON string kept with the text it was read as (its quotes and escapes), so a value
    ecrlogin leaves alone is written back byte for byte: a typed `&` stays `&`, docker's
    `\\u0026` stays that."""

    __slots__ = ("text",)
    text: str


def _string_literals(text: str) -> Iterator[str]:
    """Every string literal of the JSON document `text`, as written, in document order
    (outside a string, a quote can only open one)."""
    at = 0
    while (start := text.find('"', at)) != -1:
        end = text.index('"', start + 1)
        while (end - len(text[start + 1 : end].rstrip("\\")) - start - 1) % 2:
            end = text.index('"', end + 1)  # an escaped quote: the string goes on
        yield text[start : end + 1]
        at = end + 1


def _with_sources(value: Any, literals: Iterator[str]) -> Any:
    """`value` (as json.loads read it) with each string and key a _Text holding its literal;
    objects and arrays are walked in document order, as the literals come."""
    if isinstance(value, str):
        kept = _Text(value)
        kept.text = next(literals)
        if json.loads(kept.text) != value:  # never: the walk and the literals agree
            raise _NotExact("a string could not be matched to its text")
        return kept
    if isinstance(value, dict):
        sourced = {}
        for key, item in value.items():
            name = _with_sources(key, literals)
            sourced[name] = _with_sources(item, literals)
        return sourced
    if isinstance(value, list):
        return [_with_sources(item, literals) for item in value]
    return value


class _Number:
    """A JSON number kept as the text it was read as, so it is written back byte for byte:
    `0.30000000000000000001` stays that, where a float would become `0.3`."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Number) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)

    def __repr__(self) -> str:
        return self.text


def _number(text: str) -> _Number:
    """A number with a fraction or an exponent, refused when no double can hold it."""
    value = float(text)
    if value - value != 0:  # infinity: no JSON reader (docker's Go included) can hold it
        raise _NotExact(f"the number {text[:40]} is too large to be written back")
    return _Number(text)


def _constant(name: str) -> object:
    raise _NotExact(f"{name} is not a JSON number")


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key, value in pairs:
        if key in data:
            # Python would keep the last and drop the first: rewriting would lose an entry.
            raise _NotExact(f"the key {json.dumps(key)[:60]} appears twice in one object")
        data[key] = value
    return data


def _read(path: Path) -> tuple[dict[str, Any], str | None]:
    """The JSON object in `path`, and the whitespace that ends the file (None: no file).

    docker writes no final newline, an editor adds one: a rewrite keeps what was there.
    """
    raw = files.read_bounded(str(path), MAX_FILE_BYTES)
    if raw is None:
        return {}, None
    if not raw.strip():
        return {}, "\n"
    ending = raw[len(raw.rstrip()) :].decode("ascii", "replace")
    try:
        # Decoded as UTF-8 first: json.loads(bytes) would also take a byte order mark or
        # UTF-16/32, which docker's reader (Go's encoding/json) refuses, and rewriting such
        # a file would re-encode every byte of it.
        text = raw.decode("utf-8")
        data = json.loads(
            text,
            parse_float=_number,
            parse_int=_Number,
            parse_constant=_constant,
            object_pairs_hook=_unique,
        )
        data = _with_sources(data, _string_literals(text))
    except _NotExact as exc:
        raise ConfigurationError(
            f"{path} cannot be rewritten exactly: {exc}",
            "Fix that value by hand; ecrlogin leaves the file untouched rather than change it.",
        ) from None
    except RecursionError:
        raise _too_deep(path) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ConfigurationError(
            f"{path} is not valid JSON ({exc})",
            "Fix or remove it; ecrlogin does not overwrite a file it cannot read.",
        ) from None
    if not isinstance(data, dict):
        raise ConfigurationError(
            f"{path} holds a JSON {type(data).__name__}, not an object",
            "Fix or remove it; ecrlogin does not overwrite a file it cannot merge.",
        )
    return data, ending


def _too_deep(path: Path) -> ConfigurationError:
    return ConfigurationError(
        f"{path} nests JSON too deeply to be read and written back",
        "Fix or remove it; a client config file is a few levels deep.",
    )


def _dumps(data: dict[str, Any], path: Path, ending: str | None = "\n") -> str:
    """The file's text as it would be written, ending as the file it replaces did (a new
    file with a newline); raises if that would not be what was read."""
    try:
        text = "".join(_encode(data, "\n")) + ("\n" if ending is None else ending)
        text.encode("utf-8")
    except RecursionError:
        raise _too_deep(path) from None
    except UnicodeEncodeError:
        raise ConfigurationError(
            f"{path} cannot be rewritten exactly: it holds a lone surrogate escape "
            "(such as \\ud800), which is not a character and cannot be written as UTF-8",
            "Fix that string by hand; ecrlogin leaves the file untouched rather than change it.",
        ) from None
    return text


# What Go's encoding/json (docker's and podman's writer) escapes that Python's does not:
# HTML's <, > and & and the two JavaScript line separators. Written as Go writes them,
# a file docker wrote comes back byte for byte, as docker's own next write would leave it.
_GO_ESCAPES = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


def _string(text: str) -> str:
    """`text` as a JSON string: as it was read, else as Go's encoding/json writes it."""
    if isinstance(text, _Text):
        return text.text
    return json.dumps(text, ensure_ascii=False).translate(_GO_ESCAPES)


def _encode(value: object, newline: str) -> Iterator[str]:
    """`value` as Go's `json.MarshalIndent(value, "", "\\t")` writes it (docker's own form),
    except that a number read from the file is written as the very text it was read as."""
    if isinstance(value, _Number):
        yield value.text
    elif isinstance(value, dict):
        if not value:
            yield "{}"
            return
        inner = newline + "\t"
        yield "{"
        for index, (key, item) in enumerate(value.items()):
            yield ("," if index else "") + inner + _string(key) + ": "
            yield from _encode(item, inner)
        yield newline + "}"
    elif isinstance(value, list):
        if not value:
            yield "[]"
            return
        inner = newline + "\t"
        yield "["
        for index, item in enumerate(value):
            yield ("," if index else "") + inner
            yield from _encode(item, inner)
        yield newline + "]"
    elif isinstance(value, str):
        yield _string(value)
    else:
        yield json.dumps(value, ensure_ascii=False)
