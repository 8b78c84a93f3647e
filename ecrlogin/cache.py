"""The shared token cache: one small file per key, served until half its validity.

`$ECRLOGIN_CACHE_DIR`, else `$AWS_ECR_CACHE_DIR/ecrlogin` (the Go helper's setting:
see cache_dir), else `$XDG_CACHE_HOME/ecrlogin`, else `~/.cache/ecrlogin`
(`%LOCALAPPDATA%\\ecrlogin\\cache` on Windows: see `files.cache_dir`); a directory
it creates is 0700 and every file 0600, written atomically (a temporary file in
the same directory, then `os.replace`), so a reader sees a
whole entry or none. Processes that miss the same key at once take a lock on it,
and only the first one calls the API (single flight); the others wait for it no
longer than their own call could take, and share its failure rather than
queueing behind it for a try of their own (a `.failed` note beside the lock).

The cache touches only what it created: files named `<32 hex digits>.token`
(`.lock`, `.memo`, `.failed`) and its own temporary files. It never chmods a directory it
did not make. A directory that is shared (another user's, or writable by others)
is not used itself: the cache keeps to its own private subfolder
`ecrlogin-<uid>` inside it, and says so (a `Shared` warning).

The credential helper reads an entry on every cache hit, so this module imports
nothing costly at module level: its files are JSON, read and written with
ecrlogin.jsontext (`json` imports `re`, which would take the helper's hit from
about 1.5x to 2.2x `python -c pass`), and the key comes from `ecrlogin.identity`.
"""

from __future__ import annotations

import os
import stat
import sys
import time

from ecrlogin import basicauth, files, jsontext
from ecrlogin.files import TEMP_SUFFIX
from ecrlogin.record import Record
from ecrlogin.switches import switch

TYPE_CHECKING = False  # typing itself is too costly to import on the helper's path
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from types import TracebackType
    from typing import Any, TypeAlias

    from filelock import BaseFileLock

    from ecrlogin.config import PublicMapping
    from ecrlogin.options import ClientOptions

    # What the cache (or the config it memoizes) has to tell a person; the command
    # layer reports it (see render).
    CacheWarning: TypeAlias = "Unwritable | ServedStale | Shared | PublicMapping"

FORMAT = "ecrlogin-token-cache 2"
ENTRY_SUFFIX = ".token"
LOCK_SUFFIX = ".lock"
# The last failed fetch of a key, read by the processes that waited for it.
FAILED_SUFFIX = ".failed"
FAILED_FORMAT = "ecrlogin-failed-fetch 2"
# Derived data the helper would otherwise recompute on every call (the parsed config file).
MEMO_SUFFIX = ".memo"
MEMO_FORMAT = "ecrlogin-memo 2"
# How long a process without a timeout of its own waits for another one's fetch
# before fetching itself.
LOCK_TIMEOUT = 60.0
# A token past its half-life is served when the API fails only with this much life left.
STALE_MARGIN = 60.0
_MAX_ENTRY_BYTES = 1 << 20
_TEMP_MAX_AGE = 600.0
_ENTRY_MAX_AGE = 13 * 3600.0  # ECR tokens live 12 hours
_NAME_LENGTH = 32  # hex digits of the key in a file name
_HEX = frozenset("0123456789abcdef")
_SUFFIXES = (ENTRY_SUFFIX, LOCK_SUFFIX, MEMO_SUFFIX, FAILED_SUFFIX)


def disabled() -> bool:
    """True when the cache is off: ECRLOGIN_NO_CACHE set to anything but 0, false, no or off;
    or, when ECRLOGIN_NO_CACHE is unset or empty, AWS_ECR_DISABLE_CACHE set to anything at
    all, as amazon-ecr-credential-helper reads it (ecr-login/cache/build.go)."""
    own = switch("ECRLOGIN_NO_CACHE")
    if own is not None:  # ecrlogin's own setting, when given, decides
        return own
    return os.environ.get("AWS_ECR_DISABLE_CACHE", "") != ""


def serves(options: ClientOptions) -> bool:
    """True when the cache may answer this token call: the cache is on, and the call is one
    AWS would be asked at all (`--region ''` is refused before any call, in awsclient, so a
    cached token must not answer it either)."""
    return not disabled() and options.region != ""


def cache_dir() -> str:
    """The cache directory: ECRLOGIN_CACHE_DIR, else AWS_ECR_CACHE_DIR/ecrlogin, else
    the platform's folder (`files.cache_dir`).

    AWS_ECR_CACHE_DIR is where the Go helper keeps its `cache.json` and `log/`;
    people set it where HOME cannot be written. ecrlogin keeps its own files in
    a folder of its own there, so neither program ever reads the other's files.
    """
    explicit = os.environ.get("ECRLOGIN_CACHE_DIR")
    if explicit:
        return os.path.expanduser(explicit)
    go_helper = os.environ.get("AWS_ECR_CACHE_DIR")
    if go_helper:
        return os.path.join(os.path.expanduser(go_helper), "ecrlogin")
    return files.cache_dir()


def _debug(message: str) -> None:
    # Debug logging is on only if something imported and configured logging;
    # importing it here just to drop the message would cost the fast path.
    if "logging" in sys.modules:
        import logging

        logging.getLogger(__name__).debug("%s", message)


class Unwritable(Record):
    """A warning: the cache directory cannot be written, so the run goes on without it."""

    __slots__ = ("directory", "reason")
    directory: str
    reason: str

    def __init__(self, directory: str, reason: str) -> None:
        self._set(directory=directory, reason=reason)


class ServedStale(Record):
    """A warning: the API failed with `cause`, so a cached token still valid is served."""

    __slots__ = ("hosts", "cause", "seconds_left")  # noqa: RUF023 - the repr's order
    hosts: tuple[str, ...]
    cause: str
    seconds_left: float

    def __init__(self, hosts: Iterable[str], cause: str, seconds_left: float) -> None:
        self._set(hosts=tuple(hosts), cause=cause, seconds_left=seconds_left)


class Shared(Record):
    """A warning: the cache directory `given` is shared, so the cache keeps to `own` inside it."""

    __slots__ = ("given", "owner", "mode", "own")  # noqa: RUF023 - the repr's order
    given: str
    owner: int
    mode: int
    own: str

    def __init__(self, given: str, owner: int, mode: int, own: str) -> None:
        self._set(given=given, owner=owner, mode=mode, own=own)


class Failed(Record):
    """A fetch that failed: when (`time.time()`), its exit code and its one line."""

    __slots__ = ("at", "exit_code", "message")
    at: float
    exit_code: int
    message: str

    def __init__(self, at: float, exit_code: int, message: str) -> None:
        self._set(at=at, exit_code=exit_code, message=message)


def _is_key_name(name: str) -> bool:
    stem, dot, suffix = name.partition(".")
    return len(stem) == _NAME_LENGTH and set(stem) <= _HEX and f"{dot}{suffix}" in _SUFFIXES


def is_own_file(name: str, suffixes: tuple[str, ...] = (*_SUFFIXES, TEMP_SUFFIX)) -> bool:
    """True if `name` is one the cache creates: `<32 hex><suffix>`, or the temporary file
    `files.write_private` makes for one (`.<that name>.<pid>.<8 hex>.tmp`)."""
    if not name.endswith(suffixes):
        return False
    if _is_key_name(name):
        return True
    if not (name.startswith(".") and name.endswith(TEMP_SUFFIX) and TEMP_SUFFIX in suffixes):
        return False
    parts = name[1 : -len(TEMP_SUFFIX)].rsplit(".", 2)
    if len(parts) != 3:
        return False
    final, pid, nonce = parts
    return _is_key_name(final) and pid.isdigit() and len(nonce) == 8 and set(nonce) <= _HEX


def _shared(info: os.stat_result, where: str) -> bool:
    """True if someone but this user may create or delete files in the directory."""
    if files.WINDOWS or not hasattr(os, "geteuid"):  # no owner in st_uid (files.is_private)
        return False
    # Not even root's directory: the cache writes there, and must own what it writes into.
    return files.others_may_write(info, owners=(os.geteuid(),), where=where) is not None


class Entry(Record):
    """One cached GetAuthorizationToken answer; its secrets never appear in repr()."""

    __slots__ = ("key", "issued", "expires", "region", "profile", "hosts", "tokens", "response")  # noqa: RUF023 - the repr's order
    key: str
    issued: float
    expires: float
    region: str
    profile: str
    hosts: tuple[str, ...]
    tokens: tuple[str, ...]
    response: str

    def __init__(
        self,
        key: str,
        issued: float,
        expires: float,
        region: str,
        profile: str,
        hosts: Iterable[str],
        tokens: Iterable[str],
        response: str,
    ) -> None:
        self._set(
            key=key,
            issued=float(issued),
            expires=float(expires),
            region=region,
            profile=profile,
            hosts=tuple(hosts),
            tokens=tuple(tokens),
            response=response,
        )

    def __repr__(self) -> str:
        return (
            f"Entry(key={self.key[:12]!r}..., hosts={self.hosts!r}, region={self.region!r}, "
            f"profile={self.profile!r}, issued={self.issued!r}, expires={self.expires!r})"
        )

    def fresh(self, now: float) -> bool:
        """True until half the token's validity has passed (and never once expired)."""
        return now < self.issued + (self.expires - self.issued) / 2 and now < self.expires

    def usable(self, now: float) -> bool:
        """True while the token is still valid for a while; served only if the API fails."""
        return now < self.expires - STALE_MARGIN

    def credentials(self, index: int = 0) -> tuple[str, str]:
        """The username and password of token `index`; ValueError if it does not decode."""
        token = self.tokens[index] if index < len(self.tokens) else ""
        try:
            return basicauth.decode(token)
        except ValueError as exc:
            raise ValueError(f"unusable token: {exc}") from None

    def dumps(self) -> str:
        """The file form: one JSON object tagged with FORMAT, then a newline."""
        fields = {name: getattr(self, name) for name in self.__slots__}
        return jsontext.dumps({"format": FORMAT, **fields}) + "\n"

    @classmethod
    def loads(cls, text: str) -> Entry:
        """Parse the file form; ValueError for anything truncated, corrupt or foreign."""
        fields = _json_object(text, FORMAT)
        typed = (
            set(fields) == {"format", *cls.__slots__}
            and all(type(fields[name]) is str for name in ("key", "region", "profile", "response"))
            and all(type(fields[name]) in (int, float) for name in ("issued", "expires"))
            and all(_strings(fields[name]) for name in ("hosts", "tokens"))
            and bool(fields["tokens"])
        )
        if not typed:
            raise ValueError("missing, extra or mistyped fields")
        del fields["format"]
        entry = cls(**fields)
        if entry.issued - entry.issued != 0 or entry.expires - entry.expires != 0:
            raise ValueError("a time is not finite")  # 1e999 reads as infinity
        return entry


def _strings(value: object) -> bool:
    return type(value) is list and all(type(item) is str for item in value)


def _json_object(text: str | bytes, form: str) -> dict[str, Any]:
    """The JSON object of one of the cache's files, checked to be of `form`; ValueError if
    it is truncated (no final newline), not UTF-8 JSON, or another form."""
    if text[-1:] not in ("\n", b"\n"):
        raise ValueError("truncated")
    try:
        value = jsontext.loads(text if isinstance(text, str) else text.decode("utf-8"))
    except RecursionError:
        raise ValueError("nested too deeply") from None
    if type(value) is not dict or value.get("format") != form:
        raise ValueError("not an ecrlogin cache file of this version")
    return value


class Store:
    """The cache directory: read, write, lock, list and remove entries."""

    def __init__(self, directory: str | None = None) -> None:
        self.given = directory or cache_dir()
        # What went wrong that the caller should tell a person (once each).
        self.warnings: list[CacheWarning] = []
        # Why the directory cannot be used at all (a planted subfolder): nothing is read,
        # listed or removed there, and a write reports it.
        self.refused: OSError | None = None
        self.directory = self._choose(self.given)

    def _choose(self, given: str) -> str:
        """`given` itself, or its private subfolder when `given` is shared (with a warning)."""
        try:
            info = os.stat(given)
        except OSError:
            return given  # made (0700) on the first write, or reported then
        if not stat.S_ISDIR(info.st_mode) or not _shared(info, given):
            return given
        own = os.path.join(given, f"ecrlogin-{os.geteuid()}")
        try:
            mine = os.lstat(own)
        except FileNotFoundError:
            pass
        else:
            # In a shared directory anyone could have put a symlink or a directory there first.
            if (
                not stat.S_ISDIR(mine.st_mode)
                or mine.st_uid != os.geteuid()
                or mine.st_mode & 0o077
            ):
                self.refused = PermissionError(
                    13, "not a private directory of this user (0700, not a symlink)", own
                )
        self.warnings.append(Shared(given, info.st_uid, stat.S_IMODE(info.st_mode), own))
        return own

    def _unwritable(self, exc: OSError) -> None:
        warning = Unwritable(self.directory, exc.strerror or str(exc))
        if warning not in self.warnings:
            self.warnings.append(warning)

    def _path(self, key: str, suffix: str) -> str:
        return os.path.join(self.directory, key[:_NAME_LENGTH] + suffix)

    def read(self, key: str) -> Entry | None:
        """The entry for `key`, fresh or not; None if absent, unreadable, corrupt or foreign."""
        entry = self._read_file(self._path(key, ENTRY_SUFFIX))
        if entry is not None and entry.key != key:
            _debug(f"Ignoring the cache file of another key for {key[:12]}...")
            return None
        return entry

    def _read_file(self, path: str) -> Entry | None:
        data = self._read_private(path)
        if data is None:
            return None
        try:
            return Entry.loads(data.decode("utf-8"))
        except ValueError as exc:  # UnicodeDecodeError is a ValueError
            _debug(f"Ignoring the corrupt cache file {path} ({exc}); it will be replaced")
            return None

    def _read_private(self, path: str) -> bytes | None:
        """A file's bytes if it is ours, private and small; None (with a debug note) if not."""
        if self.refused is not None:
            return None
        try:
            # Never through a symlink, and never waiting on a FIFO put in its place.
            flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
            fd = os.open(path, flags | files.BINARY)
        except FileNotFoundError:
            return None
        except OSError as exc:
            _debug(f"Ignoring the cache file {path}: {exc.strerror or exc}")
            return None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or not files.is_private(info):
                _debug(f"Ignoring the cache file {path}: not a private regular file of this user")
                return None
            data = os.read(fd, _MAX_ENTRY_BYTES + 1)
        except OSError as exc:
            _debug(f"Ignoring the cache file {path}: {exc.strerror or exc}")
            return None
        finally:
            os.close(fd)
        if len(data) > _MAX_ENTRY_BYTES:
            _debug(f"Ignoring the cache file {path}: too large")
            return None
        return data

    def _ensure_directory(self) -> None:
        # Created 0700; an existing directory is used as it is, never chmodded, but
        # must be this user's own and private when it is the subfolder of a shared one.
        if self.refused is not None:
            raise self.refused
        files.make_private_dirs(self.directory)
        info = os.lstat(self.directory)
        if not stat.S_ISDIR(info.st_mode):
            raise NotADirectoryError(20, "not a directory", self.directory)
        if not files.is_mine(info):
            raise PermissionError(13, "owned by another user", self.directory)
        if self.directory != self.given and not files.is_private(info):
            raise PermissionError(13, "not a private directory (mode 0700)", self.directory)

    def write(self, entry: Entry) -> bool:
        """Store `entry` atomically; on failure note a warning and return False, never raise."""
        try:
            data = entry.dumps().encode("utf-8")
        except (ValueError, UnicodeError) as exc:
            _debug(f"Not caching the token: {exc}")
            return False
        return self._write_private(self._path(entry.key, ENTRY_SUFFIX), data)

    def _write_private(self, final: str, data: bytes) -> bool:
        try:
            self._ensure_directory()
            files.write_private(final, data)
        except OSError as exc:
            self._unwritable(exc)
            return False
        self._sweep()
        return True

    def _sweep(self) -> None:
        # Leftovers of killed writers, old failure notes and long-expired entries, of ours
        # only; best effort. Never a lock file: its age says nothing about whether it is
        # held (taking a lock does not touch it), and removing a held one would let a
        # second process lock a new file of the same name while the first still fetches.
        now = time.time()
        try:
            with os.scandir(self.directory) as scan:
                for item in scan:
                    name = item.name
                    if not is_own_file(name) or name.endswith(LOCK_SUFFIX):
                        continue
                    short = name.endswith((TEMP_SUFFIX, FAILED_SUFFIX))
                    limit = _TEMP_MAX_AGE if short else _ENTRY_MAX_AGE
                    if now - item.stat(follow_symlinks=False).st_mtime > limit:
                        os.unlink(item.path)
        except OSError as exc:
            _debug(f"Could not tidy the cache directory: {exc}")

    def read_memo(self, digest: str) -> object:
        """The value memoized under `digest` (a hash of everything it was derived from);
        None if there is none."""
        data = self._read_private(self._path(digest, MEMO_SUFFIX))
        try:
            note = None if data is None else _json_object(data, MEMO_FORMAT)
        except ValueError:
            note = None
        if note is None or note.get("key") != digest:
            return None
        return note.get("value")

    def write_memo(self, digest: str, value: object) -> bool:
        """Memoize a JSON `value` under `digest`, atomically; False (with a warning noted)
        if it cannot."""
        return self._write_json(MEMO_SUFFIX, MEMO_FORMAT, digest, {"value": value})

    def _write_json(self, suffix: str, form: str, key: str, fields: dict[str, object]) -> bool:
        text = jsontext.dumps({"format": form, "key": key, **fields}) + "\n"
        return self._write_private(self._path(key, suffix), text.encode())

    def lock(self, key: str, wait: float | None = None) -> Lock:
        """An exclusive lock on `key` across processes, waited for up to `wait` seconds
        (LOCK_TIMEOUT when None); a no-op where it cannot be taken."""
        return Lock(self, self._path(key, LOCK_SUFFIX), LOCK_TIMEOUT if wait is None else wait)

    def read_failure(self, key: str) -> Failed | None:
        """The last failed fetch of `key` noted by `write_failure`, if any."""
        data = self._read_private(self._path(key, FAILED_SUFFIX))
        try:
            note = None if data is None else _json_object(data, FAILED_FORMAT)
            if note is None or note.get("key") != key:
                return None
            return Failed(float(note["at"]), int(note["exit_code"]), str(note["message"]))
        except (ValueError, TypeError, KeyError):
            _debug(f"Ignoring a corrupt failure note for {key[:12]}...")
            return None

    def write_failure(self, key: str, failed: Failed) -> bool:
        """Note that the fetch of `key` failed, for the processes waiting on its lock."""
        fields = {"at": failed.at, "exit_code": failed.exit_code, "message": failed.message}
        return self._write_json(FAILED_SUFFIX, FAILED_FORMAT, key, dict(fields))

    def entries(self) -> list[Entry]:
        """Every readable entry, expired or not."""
        found = []
        for path in self._files((ENTRY_SUFFIX,)):
            entry = self._read_file(path)
            if entry is not None:
                found.append(entry)
        return found

    def _files(self, suffixes: tuple[str, ...]) -> list[str]:
        """The paths of the cache's own files with these suffixes (never anyone else's)."""
        if self.refused is not None:
            return []
        try:
            with os.scandir(self.directory) as scan:
                return sorted(item.path for item in scan if is_own_file(item.name, suffixes))
        except (FileNotFoundError, NotADirectoryError):
            return []

    def remove(self, *, keys: Iterable[str] = (), hosts: Iterable[str] = ()) -> int:
        """Drop the entries of these keys and every entry serving one of these hosts."""
        names = {key[:_NAME_LENGTH] + ENTRY_SUFFIX for key in keys}
        wanted = set(hosts)
        removed = 0
        for path in self._files((ENTRY_SUFFIX,)):
            if os.path.basename(path) not in names:
                entry = self._read_file(path)
                if entry is None or not wanted.intersection(entry.hosts):
                    continue
            removed += files.remove(path)
        return removed

    def clear(self) -> int:
        """Remove every entry, lock, memo and leftover temporary file of the cache's own
        (nothing else in the directory); the number of entries removed."""
        removed = 0
        for path in self._files((*_SUFFIXES, TEMP_SUFFIX)):
            try:
                gone = files.remove(path)
            except PermissionError:
                if not (files.WINDOWS and path.endswith(LOCK_SUFFIX)):
                    raise
                continue  # Windows: another process holds this lock; it removes it itself
            removed += gone and path.endswith(ENTRY_SUFFIX)
        return removed


class Lock:
    """`with store.lock(key, wait) as lock:` an exclusive lock on the key's lock file
    (`files.lock`), waited for up to `wait` seconds.

    `held` says whether it was taken (not when the directory cannot be written or
    the file system refuses locks: the caller goes on without it), `waited` whether
    another process had it first, `since` when this one started asking, and
    `timed_out` whether `wait` ran out first.
    """

    def __init__(self, store: Store, path: str, wait: float) -> None:
        self.store = store
        self.path = path
        self.wait = wait
        self.since = time.time()
        self.held = False
        self.waited = False
        self.timed_out = False
        self._lock: BaseFileLock | None = None

    def __enter__(self) -> Lock:
        self.since = time.time()
        try:
            self.store._ensure_directory()
            lock = files.lock(self.path)
        except OSError as exc:
            self.store._unwritable(exc)
            return self
        from filelock import Timeout

        try:
            try:
                lock.acquire(timeout=0)
            except Timeout:
                self.waited = True
                lock.acquire(timeout=self.wait, poll_interval=0.02)
        except Timeout:
            _debug(f"Gave up waiting for {self.path} after {self.wait:g} s")
            self.timed_out = True
            return self
        except OSError as exc:  # e.g. ENOLCK on a network file system
            _debug(f"Cannot lock {self.path}: {exc.strerror or exc}")
            return self
        self._lock = lock
        self.held = True
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None
            self.held = False


class Credentials(Record):
    """A registry's username and password, and when its token expires (epoch seconds;
    None: unknown)."""

    __slots__ = ("username", "password", "expires")  # noqa: RUF023 - the repr's order
    username: str
    password: str
    expires: float | None

    def __init__(self, username: str, password: str, expires: float | None) -> None:
        self._set(username=username, password=password, expires=expires)

    def __repr__(self) -> str:  # never the password
        return f"Credentials(username={self.username!r}, expires={self.expires!r})"


def cached_credentials(
    options: ClientOptions,
    registry_ids: Sequence[str],
    *,
    public: bool,
    store: Store | None = None,
) -> Credentials | None:
    """The credentials of the fresh cached token for this token call; None when the cache
    is off or has none (absent, past its half-life, or not decodable: the caller fetches,
    which replaces it).

    The one cache hit of the credential helper, the kubelet provider and
    `get-login-password --cache`: no botocore, no JSON, nothing the token core would load.
    """
    if not serves(options):
        return None
    from ecrlogin.identity import cache_key

    entry = (store or Store()).read(cache_key(options, registry_ids, public=public))
    if entry is None or not entry.fresh(time.time()):
        return None
    try:
        username, password = entry.credentials()
    except ValueError:
        return None
    return Credentials(username, password, entry.expires)


def fetch_through(
    key: str,
    fetch: Callable[[], Entry],
    *,
    store: Store | None = None,
    now: float | None = None,
    budget: float | None = None,
) -> tuple[Entry, list[CacheWarning]]:
    """The entry for `key` and the warnings for a person: from the cache while fresh, else
    from `fetch()` (one process at a time per key), stored unless already expired. If
    `fetch()` fails while a cached token is still valid, that token is served with a
    ServedStale warning.

    A process that finds another one fetching waits for it at most `budget` seconds
    (what its own call could take), then fails with a line saying so; without a
    budget (no timeout) it waits LOCK_TIMEOUT and then fetches itself. When the
    fetch it waited for failed, it fails at once with that failure's line (or serves
    the stale token as that process did) instead of queueing for a try of its own:
    N callers behind a hung endpoint take one timeout, not N.
    """
    store = store or Store()
    cached = store.read(key)
    if cached is not None and cached.fresh(time.time() if now is None else now):
        return cached, store.warnings
    from ecrlogin.errors import EcrloginError, EndpointError, Interrupted, SharedFailure

    with store.lock(key, budget) as lock:
        if lock.timed_out and budget is not None:
            raise EndpointError(
                f"Timed out after {budget:g} s waiting for another ecrlogin process's "
                "GetAuthorizationToken call for the same registry and identity",
                "That call is still waiting on the endpoint: check the network and the "
                "endpoint, or raise --cli-read-timeout / --cli-connect-timeout "
                "(ECRLOGIN_CLI_READ_TIMEOUT / ECRLOGIN_CLI_CONNECT_TIMEOUT).",
            )
        # Another process may have fetched while this one waited for the lock.
        cached = store.read(key)
        moment = time.time() if now is None else now
        if cached is not None and cached.fresh(moment):
            return cached, store.warnings
        failed = store.read_failure(key) if lock.waited else None
        try:
            if failed is not None and failed.at >= lock.since:
                # The fetch this process waited for failed while it waited: share its line.
                raise SharedFailure(failed.message, exit_code=failed.exit_code)
            try:
                entry = fetch()
            except EcrloginError as exc:
                if not isinstance(exc, Interrupted) and lock.held:
                    store.write_failure(key, Failed(time.time(), exc.exit_code, exc.message))
                raise
        except EcrloginError as exc:
            if isinstance(exc, Interrupted) or cached is None or not cached.usable(moment):
                raise
            stale = ServedStale(cached.hosts, exc.message, cached.expires - moment)
            return cached, [*store.warnings, stale]
        if entry.expires > (time.time() if now is None else now):
            store.write(entry)
        else:
            _debug("Not caching a token that has already expired")
        return entry, store.warnings
