"""Where ecrlogin's own files live, and the one way they are read, locked and replaced.

Every file ecrlogin replaces (a client's config.json or auth.json, a cache
entry) must be a regular file or absent: a device node, a FIFO, a socket or a
directory under that name is refused, never replaced or waited on. Reads are
bounded, locks never follow a symbolic link, and a file that is rewritten
keeps its owner, group and mode; new files are 0600 and new directories 0700.

Imports nothing but `os` and `stat`: the credential helper's cache-hit path uses it.
"""

from __future__ import annotations

import os
import stat

TEMP_SUFFIX = ".tmp"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


class UnsafeFile(OSError):
    """A path ecrlogin would read or replace is not a regular file, or is too large."""


class Untrusted(UnsafeFile):
    """A file that steers tokens may be changed by someone but this user (or root)."""


def others_may_write(info: os.stat_result, *, owners: tuple[int, ...] | None = None) -> str | None:
    """Why someone but this user may change the file or directory `info` describes, in
    words; None when nobody else may. `owners` are the trusted owners (default: this
    user and root). A group-writable one is fine when the group is the user's own
    (the private per-user group of umask-002 systems)."""
    if not hasattr(os, "geteuid"):  # pragma: no cover - not POSIX: ACLs, not modes
        return None
    if info.st_uid not in (owners if owners is not None else (os.geteuid(), 0)):
        return f"it belongs to uid {info.st_uid}"
    mode = stat.S_IMODE(info.st_mode)
    if mode & stat.S_IWOTH:
        return f"anyone may write it (mode {mode:04o})"
    if mode & stat.S_IWGRP and info.st_gid != os.getegid():
        return f"group {info.st_gid} may write it (mode {mode:04o})"
    return None


def describe_kind(mode: int) -> str:
    """What a non-regular file is, in words: "a FIFO", "a character device", ..."""
    for test, name in (
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISLNK, "a symbolic link"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def _not_regular(path: str, mode: int) -> UnsafeFile:
    return UnsafeFile(22, f"it is {describe_kind(mode)}, not a regular file", path)


def xdg_home(variable: str, fallback: str) -> str:
    """An XDG base directory: `$variable` when absolute (the spec ignores relative
    paths), else `~/fallback`."""
    base = os.environ.get(variable)
    if not base or not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), fallback)
    return base


def check_replaceable(path: str) -> None:
    """Raise UnsafeFile unless `path` is absent or a regular file (not even a symlink)."""
    info = _lstat(path)
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise _not_regular(path, info.st_mode)


def read_bounded(path: str, limit: int, *, trusted: bool = False) -> bytes | None:
    """The bytes of the regular file `path` (None when absent); UnsafeFile when it is larger
    than `limit` bytes or is not a regular file; with `trusted`, Untrusted when someone
    but this user or root may write it (others_may_write).

    Opened without blocking, so a FIFO is refused instead of waited on, and read
    at most `limit + 1` bytes, so /dev/zero or a runaway file cannot fill memory.
    The null device reads as empty: `FILE=/dev/null` is the usual way to say "none".
    """
    try:
        fd = os.open(path, os.O_RDONLY | _NONBLOCK | _CLOEXEC)
    except FileNotFoundError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            if stat.S_ISCHR(info.st_mode) and _is_null_device(info):
                return b""
            raise _not_regular(path, info.st_mode)
        reason = others_may_write(info) if trusted else None
        if reason is not None:
            raise Untrusted(1, reason, path)
        chunks = []
        left = limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    finally:
        os.close(fd)
    if left <= 0:
        raise UnsafeFile(27, f"it is larger than {limit // 1024} KiB", path)
    return b"".join(chunks)


def _is_null_device(info: os.stat_result) -> bool:
    try:
        null = os.stat(os.devnull)
    except OSError:
        return False
    return stat.S_ISCHR(null.st_mode) and info.st_rdev == null.st_rdev


def open_lock(path: str, *, like: str | None = None) -> int:
    """A read-only descriptor of the lock file `path`, created 0600 if missing, for `flock`.

    Never through a symbolic link and never blocking (a FIFO is refused). A new
    lock made by root for a file of another user (`like`) is given that file's
    owner, so the user's own next login can still take it.
    """
    fd = os.open(path, os.O_RDONLY | os.O_CREAT | _NOFOLLOW | _NONBLOCK | _CLOEXEC, 0o600)
    try:
        _check_lock(fd, path, like)
    except BaseException:
        os.close(fd)
        raise
    return fd


def locked(path: str) -> _Locked:
    """`with files.locked(path):` holds the exclusive lock of `path` (its side file
    `path.lock`, made by open_lock) for a read-modify-write of `path`. The one lock
    of every file ecrlogin edits."""
    return _Locked(path)


class _Locked:
    def __init__(self, path: str) -> None:
        self._path = path
        self._fd = -1

    def __enter__(self) -> None:
        import fcntl  # only when a file is edited: the helper's cache hit never locks here

        # A side file, because the real one is replaced by rename and a lock on it
        # would be held on an inode that is no longer the file.
        self._fd = open_lock(f"{self._path}.lock", like=self._path)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        except BaseException:
            os.close(self._fd)
            raise

    def __exit__(self, *exc: object) -> None:
        os.close(self._fd)  # closing releases the lock


def _check_lock(fd: int, path: str, like: str | None) -> None:
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        raise _not_regular(path, info.st_mode)
    if like is None or not info.st_uid == os.geteuid() == 0:
        return
    owner = _lstat(like)
    if owner is not None and (owner.st_uid, owner.st_gid) != (info.st_uid, info.st_gid):
        os.fchown(fd, owner.st_uid, owner.st_gid)


def _lstat(path: str) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None


def make_private_dirs(directory: str) -> list[str]:
    """Create `directory` and any missing parents, each 0700; return those created."""
    missing = []
    while not os.path.lexists(directory):
        missing.append(directory)
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    created = []
    for item in reversed(missing):
        try:
            os.mkdir(item, 0o700)
        except FileExistsError:  # another process made it first: not ours to chmod
            continue
        created.append(item)
        if stat.S_IMODE(os.stat(item).st_mode) != 0o700:
            # A umask can only take bits away, and an owner who cannot enter is no use.
            os.chmod(item, 0o700)
    return created


def write_private(path: str, data: bytes, *, keep_owner: bool = False) -> None:
    """Replace `path` with `data` atomically; raise OSError (UnsafeFile) on failure.

    `path` must be absent or a regular file. The bytes go to a temporary file in
    the same directory (created 0600 with O_EXCL, so nobody else can have it
    open), are fsynced, and are renamed over `path`, so a reader sees the old
    file or the new one, never half of one. With `keep_owner` (a file that is the
    user's, not ecrlogin's), the new file takes the owner, group and mode of the
    one it replaces: root rewriting a user's file must not leave it root's. The
    temporary file is removed if anything, a signal included, interrupts the write.
    """
    check_replaceable(path)
    existing = _lstat(path) if keep_owner else None
    directory = os.path.dirname(path) or "."
    temp = os.path.join(
        directory,
        f".{os.path.basename(path)}.{os.getpid()}.{os.urandom(4).hex()}{TEMP_SUFFIX}",
    )
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC
    try:
        fd = os.open(temp, flags, 0o600)
        try:
            if existing is not None:
                _copy_owner_and_mode(fd, existing, path)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, path)
    except BaseException:
        import contextlib  # only on failure: the helper's path stays lean

        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _sync_directory(directory)


def _copy_owner_and_mode(fd: int, existing: os.stat_result, path: str) -> None:
    mine = os.fstat(fd)
    if (existing.st_uid, existing.st_gid) != (mine.st_uid, mine.st_gid):
        try:
            os.fchown(fd, existing.st_uid, existing.st_gid)
        except PermissionError:
            # Only root may give a file away: replacing it would take it from its owner.
            raise PermissionError(
                1,
                f"it belongs to uid {existing.st_uid} (gid {existing.st_gid}), and a rewrite "
                "by this user could not keep that owner",
                path,
            ) from None
    # Owner, group and other bits only: set-id bits have no business on a config file.
    os.fchmod(fd, stat.S_IMODE(existing.st_mode) & 0o777)


def _sync_directory(directory: str) -> None:
    # Makes the rename itself durable; best effort (not every file system allows it).
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def reserve_standard_streams() -> None:
    """Open the null device on any of fds 0-2 that is closed (e.g. `>&-`).

    Otherwise the next file ecrlogin opens (a lock, a temporary config file)
    would get that number, and a client run with inherited streams would write
    into it. Python has already set the matching sys.stdin/stdout/stderr to
    None, so output meant for a closed stream still fails as it should.
    """
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:  # lower descriptors are open, so this is rare
                os.dup2(null, fd)
                os.close(null)


def silence(stream: object) -> None:
    """Point the descriptor of a stream that failed (stdout) at the null device.

    Python flushes stdout again at exit: the unwritten rest then neither fails a
    second time ("Exception ignored ...") nor changes the exit status.
    """
    try:
        fd = stream.fileno()  # type: ignore[attr-defined]
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, fd)
        os.close(null)
    except (AttributeError, OSError, ValueError):
        pass
