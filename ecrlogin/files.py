"""Where ecrlogin's own files live, and the one way they are read, locked and replaced.

Every file ecrlogin replaces (a client's config.json or auth.json, a cache
entry) must be a regular file or absent: a device node, a FIFO, a socket or a
directory under that name is refused, never replaced or waited on. Reads are
bounded, locks never follow a symbolic link, and a file that is rewritten
keeps its owner, group and mode; new files are 0600 and new directories 0700.

It is also the one place that knows the platform (Linux, macOS, Windows):
where the config and the cache live, which user's files are private, how files
are opened (binary mode on Windows), how a lock is taken (`filelock`: `flock`
on POSIX, `LockFileEx` on Windows) and how a replace survives a reader that
holds the file open (Windows). Each rule takes the platform as an argument
(`windows=`), so the tests run both branches on any machine.

Imports nothing but `errno`, `os` and `stat` (`pwd` and `grp` only for a group-writable
file): the credential helper's cache-hit path uses it
(`filelock` is imported only when a lock is taken, on a cache miss).
"""

from __future__ import annotations

import errno
import os
import stat

TYPE_CHECKING = False  # typing itself is too costly to import on the helper's path
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from filelock import BaseFileLock

TEMP_SUFFIX = ".tmp"
WINDOWS = os.name == "nt"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
# Windows opens a descriptor in text mode unless told: "\n" would be written as "\r\n".
BINARY = getattr(os, "O_BINARY", 0)
# How long a replace is retried while another process holds the file open (Windows only).
_REPLACE_PATIENCE = 1.0


class UnsafeFile(OSError):
    """A path ecrlogin would read or replace is not a regular file, or is too large."""


class Untrusted(UnsafeFile):
    """A file that steers tokens may be changed by someone but this user (or root)."""


def trusted_owners() -> tuple[int, ...]:
    """Who may own a file that steers tokens: this user and root, and for root also the
    owner of $HOME: root running with a user's home (`sudo -E`) already acts on that user's
    AWS files, docker config and PATH, as the AWS CLI and docker do."""
    uid = os.geteuid()
    if uid != 0:
        return (uid, 0)
    try:
        home = os.stat(os.environ["HOME"]).st_uid
    except (KeyError, OSError, ValueError):
        return (0,)
    return (0, home) if home != 0 else (0,)


def others_may_write(
    info: os.stat_result,
    *,
    owners: tuple[int, ...] | None = None,
    where: str | int | None = None,
) -> str | None:
    """Why someone but this user may change the file or directory `info` describes, in
    words; None when nobody else may. `owners` are the trusted owners (default:
    `trusted_owners()`); `where` (its path or an open descriptor) lets its POSIX ACL be read.

    A group-writable one is fine only when the group is this user's own and everyone
    in it is a trusted owner (the private per-user group of umask-002 systems, not a
    shared `users`). An ACL that lets a named user or group write is never fine: its
    mask then shows in the group bits, which alone would look like the owner's group.
    """
    if not hasattr(os, "geteuid"):  # pragma: no cover - not POSIX: ACLs, not modes
        return None
    trusted = owners if owners is not None else trusted_owners()
    if info.st_uid not in trusted:
        return f"it belongs to uid {info.st_uid}"
    mode = stat.S_IMODE(info.st_mode)
    if mode & stat.S_IWOTH:
        return f"anyone may write it (mode {mode:04o})"
    if not mode & stat.S_IWGRP:
        return None
    if info.st_gid != os.getegid() and info.st_gid != _main_group(info.st_uid):
        return f"group {info.st_gid} may write it (mode {mode:04o})"
    acl = _acl_writer(where) if where is not None else None
    if acl is not None:
        return f"its ACL lets {acl} write it"
    member = _other_member(info.st_gid, trusted)
    if member is not None:
        return f"group {info.st_gid} may write it (mode {mode:04o}) and {member} is in it"
    return None


def folder_problem(path: str) -> str | None:
    """Why someone but this user (or root) could put another file at `path`, a resolved
    path: a folder on the way that another user may write, unless it is sticky (as /tmp),
    where no one may rename what is not theirs. None when no such folder is on the way.
    For files another program opens again after ecrlogin's check (botocore's)."""
    folder = os.path.dirname(path)
    while True:
        try:
            info = os.stat(folder)
        except OSError:
            return None  # whoever opens the file reports what is missing
        if not info.st_mode & stat.S_ISVTX:
            reason = others_may_write(info, where=folder)
            if reason is not None:
                return f"its folder {folder}: {reason}"
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


# POSIX ACL as Linux stores it (the `system.posix_acl_access` attribute): a 4-byte
# version, then 8-byte entries (tag u16, perm u16, id u32, little-endian).
_ACL_USER, _ACL_GROUP, _ACL_MASK = 0x02, 0x08, 0x10
_ACL_WRITE = 0x02
_ACL_MISSING = frozenset(
    {getattr(errno, name, -1) for name in ("ENODATA", "ENOTSUP", "EOPNOTSUPP")}
)


def _acl_writer(where: str | int) -> str | None:
    """Who, besides the owner and the owning group, the ACL of `where` lets write
    ("uid 1001", "gid 100"); None when it has no such entry (or no ACL at all)."""
    getxattr = getattr(os, "getxattr", None)
    if getxattr is None:  # not Linux: no ACL in this attribute
        return None
    try:
        data = getxattr(where, "system.posix_acl_access")
    except OSError as exc:
        if exc.errno in _ACL_MISSING:
            return None
        return "someone it cannot tell (the ACL cannot be read)"
    entries = [
        (
            int.from_bytes(data[at : at + 2], "little"),
            int.from_bytes(data[at + 2 : at + 4], "little"),
            int.from_bytes(data[at + 4 : at + 8], "little"),
        )
        for at in range(4, len(data) - 7, 8)
    ]
    mask = next((perm for tag, perm, _ in entries if tag == _ACL_MASK), _ACL_WRITE)
    for tag, perm, number in entries:
        if tag in (_ACL_USER, _ACL_GROUP) and perm & mask & _ACL_WRITE:
            return f"{'uid' if tag == _ACL_USER else 'gid'} {number}"
    return None


def _other_member(gid: int, trusted: tuple[int, ...]) -> str | None:
    """A user of group `gid` who is not a trusted owner ("uid 1001 (bob)"), as the user
    and group databases list them (a member, or a user whose main group it is)."""
    try:
        import grp
        import pwd
    except ImportError:  # pragma: no cover - no user database (Windows): the mode rule only
        return None

    # Every entry for the gid (a second name may list other members), and what the shadow
    # group file adds: members, administrators, or a password with which anyone may join.
    groups = [entry for entry in grp.getgrall() if entry.gr_gid == gid]
    names = {name for entry in groups for name in entry.gr_mem}
    joinable = _shadow_members({entry.gr_name for entry in groups}, names)
    if joinable is not None:
        return joinable
    users = {entry.pw_name: entry for entry in pwd.getpwall()}
    names.update(name for name, entry in users.items() if entry.pw_gid == gid)
    for name in sorted(names):
        uid = users[name].pw_uid if name in users else None
        if uid not in trusted:
            return f"{name}" if uid is None else f"uid {uid} ({name})"
    return None


def _main_group(uid: int) -> int | None:
    """The main group of user `uid` (None when unknown or there is no user database)."""
    try:
        import pwd

        return pwd.getpwuid(uid).pw_gid
    except (ImportError, KeyError):
        return None


def _shadow_members(groups: set[str], names: set[str]) -> str | None:
    """Add to `names` the members and administrators /etc/gshadow gives `groups`; a reason
    when one of them has a password (anyone who knows it joins with `sg`/`newgrp`). Only
    root can read the file; elsewhere there is nothing more to learn, and nothing to add."""
    try:
        with open("/etc/gshadow", encoding="utf-8", errors="replace") as shadow:
            lines = shadow.read(MAX_SHADOW).splitlines()
    except OSError:
        return None
    for line in lines:
        fields = line.split(":")
        if len(fields) < 4 or fields[0] not in groups:
            continue
        password, admins, members = fields[1], fields[2], fields[3]
        if password not in ("", "!", "*", "!!") and not password.startswith("!"):
            return f"group {fields[0]} has a password, so anyone who knows it may join it"
        names.update(name for name in (*admins.split(","), *members.split(",")) if name)
    return None


MAX_SHADOW = 4 * 1024 * 1024


class UntrustedLink(Untrusted):
    """A symbolic link on the way to a file belongs to someone but this user or root."""


_MAX_LINKS = 40  # as Linux's ELOOP limit


def follow(path: str) -> str:
    """`os.path.realpath(path)`, except that a symbolic link owned neither by this user
    nor by root is never followed: UntrustedLink names it. That is the kernel's
    `protected_symlinks` rule for sticky folders such as /tmp, kept everywhere (and on
    machines where that switch is off), because realpath would follow such a link."""
    if not hasattr(os, "geteuid"):  # not POSIX: links have no owner to judge
        return os.path.realpath(path)
    trusted = trusted_owners()
    pending = list(reversed(os.path.join(os.getcwd(), path).split(os.sep)))
    resolved = os.sep
    hops = 0
    while pending:
        part = pending.pop()
        if part in ("", "."):
            continue
        if part == "..":
            resolved = os.path.dirname(resolved)
            continue
        candidate = os.path.join(resolved, part)
        try:
            info: os.stat_result | None = os.lstat(candidate)
        except OSError:  # missing, or under a file: whoever opens it reports that
            info = None
        if info is None or not stat.S_ISLNK(info.st_mode):
            resolved = candidate  # a missing part is kept as it is, as realpath keeps it
            continue
        if info.st_uid not in trusted:
            raise UntrustedLink(
                errno.EPERM,
                f"it is a symbolic link that belongs to uid {info.st_uid}, not to this "
                "user or root, so its owner chooses the file it points at",
                candidate,
            )
        hops += 1
        if hops > _MAX_LINKS:
            raise UnsafeFile(errno.ELOOP, "it goes through too many symbolic links", path)
        target = os.readlink(candidate)
        if os.path.isabs(target):
            resolved = os.sep
        pending.extend(reversed(target.split(os.sep)))
    return resolved


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


def not_regular(path: str, mode: int) -> UnsafeFile:
    """UnsafeFile for `path`, which is not a regular file but what `mode` says."""
    return UnsafeFile(22, f"it is {describe_kind(mode)}, not a regular file", path)


def home(environ: Mapping[str, str] | None = None, *, windows: bool = WINDOWS) -> str:
    """The user's home folder as botocore and docker find it: `os.path.expanduser("~")`,
    which is `%USERPROFILE%` on Windows (never `$HOME`, which Git Bash sets) and `$HOME`
    elsewhere. Given `environ`, the same rule read from that mapping."""
    if environ is None or environ is os.environ:
        return os.path.expanduser("~")
    if windows:
        profile = environ.get("USERPROFILE")
        if profile:
            return profile
        drive, path = environ.get("HOMEDRIVE", ""), environ.get("HOMEPATH")
        if path:
            return drive + path
    elif environ.get("HOME"):
        return environ["HOME"]
    return os.path.expanduser("~")


def config_dir(environ: Mapping[str, str] | None = None, *, windows: bool = WINDOWS) -> str:
    """The folder of ecrlogin's config file: `$XDG_CONFIG_HOME/ecrlogin` when that is set
    (any platform), else `%APPDATA%\\ecrlogin` on Windows and `~/.config/ecrlogin`
    elsewhere (macOS too, as most command-line tools there)."""
    return _user_dir(environ, windows, "XDG_CONFIG_HOME", ".config", "APPDATA", "Roaming")


def cache_dir(environ: Mapping[str, str] | None = None, *, windows: bool = WINDOWS) -> str:
    """The default token cache folder: `$XDG_CACHE_HOME/ecrlogin` when that is set (any
    platform), else `%LOCALAPPDATA%\\ecrlogin\\cache` on Windows (never roamed to other
    machines) and `~/.cache/ecrlogin` elsewhere, macOS included."""
    folder = _user_dir(environ, windows, "XDG_CACHE_HOME", ".cache", "LOCALAPPDATA", "Local")
    if windows and _xdg(environ, "XDG_CACHE_HOME") is None:
        return os.path.join(folder, "cache")
    return folder


def state_dir(environ: Mapping[str, str] | None = None, *, windows: bool = WINDOWS) -> str:
    """ecrlogin's state folder (the notes `login --helper --store` keeps):
    `$XDG_STATE_HOME/ecrlogin` when that is set, else `%LOCALAPPDATA%\\ecrlogin` on
    Windows and `~/.local/state/ecrlogin` elsewhere."""
    return _user_dir(environ, windows, "XDG_STATE_HOME", ".local/state", "LOCALAPPDATA", "Local")


def _xdg(environ: Mapping[str, str] | None, variable: str) -> str | None:
    # The XDG spec ignores a relative path.
    base = (os.environ if environ is None else environ).get(variable)
    return base if base and os.path.isabs(base) else None


def _user_dir(
    environ: Mapping[str, str] | None,
    windows: bool,
    xdg: str,
    fallback: str,
    windows_variable: str,
    windows_fallback: str,
) -> str:
    base = _xdg(environ, xdg)
    if base is None and windows:
        base = (os.environ if environ is None else environ).get(windows_variable)
        if not base:
            base = os.path.join(home(environ, windows=windows), "AppData", windows_fallback)
    if base is None:
        base = os.path.join(home(environ, windows=windows), fallback)
    return os.path.join(base, "ecrlogin")


def is_private(info: os.stat_result, *, windows: bool = WINDOWS) -> bool:
    """True if the file or folder of `info` is this user's and closed to everyone else.

    POSIX: owned by this user, no group or other bits. Windows reports every file as
    0o666 and owner 0, so its mode says nothing: there the answer is True, and privacy
    rests on the folder's ACL (the user's profile, `%LOCALAPPDATA%`, is open only to
    the user, SYSTEM and Administrators). That is weaker than the POSIX check, and
    the README says so.
    """
    if windows or not hasattr(os, "geteuid"):
        return True
    return info.st_uid == os.geteuid() and not info.st_mode & 0o077


def is_mine(info: os.stat_result, *, windows: bool = WINDOWS) -> bool:
    """True if this user owns the file of `info` (always on Windows, see is_private)."""
    if windows or not hasattr(os, "geteuid"):
        return True
    return info.st_uid == os.geteuid()


def check_replaceable(path: str) -> None:
    """Raise UnsafeFile unless `path` is absent or a regular file (not even a symlink)."""
    info = _lstat(path)
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise not_regular(path, info.st_mode)


def read_bounded(path: str, limit: int, *, trusted: bool = False) -> bytes | None:
    """The bytes of the regular file `path` (None when absent); UnsafeFile when it is larger
    than `limit` bytes or is not a regular file; with `trusted`, Untrusted when someone
    but this user or root may write it (others_may_write).

    Opened without blocking, so a FIFO is refused instead of waited on, and read
    at most `limit + 1` bytes, so /dev/zero or a runaway file cannot fill memory.
    The null device reads as empty: `FILE=/dev/null` is the usual way to say "none".
    With `trusted`, a symbolic link of another user is not followed (`follow`).
    """
    try:
        fd = os.open(follow(path) if trusted else path, os.O_RDONLY | _NONBLOCK | _CLOEXEC | BINARY)
    except FileNotFoundError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            if stat.S_ISCHR(info.st_mode) and is_null_device(info):
                return b""
            raise not_regular(path, info.st_mode)
        reason = others_may_write(info, where=fd) if trusted else None
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


def is_null_device(info: os.stat_result) -> bool:
    """True if `info` is the null device's (`FILE=/dev/null` says "none")."""
    try:
        null = os.stat(os.devnull)
    except OSError:
        return False
    return stat.S_ISCHR(null.st_mode) and info.st_rdev == null.st_rdev


def lock(path: str, *, like: str | None = None, wait: float | None = None) -> BaseFileLock:
    """The exclusive lock on the lock file `path`, not yet taken: `with files.lock(p):`.

    `filelock` takes it (`flock` on POSIX, `LockFileEx` on Windows) on a
    descriptor open for writing, which `flock(2)` needs for an exclusive lock on
    NFS and SMB. On POSIX the file is made here first, 0600, never through a
    symbolic link and never blocking (a FIFO is refused); a new lock made by
    root for a file of another user (`like`, else the lock's folder) is given that
    user (`give_away`), so the user's own next login can still take it. `with` waits
    for it at most `wait` seconds (None: no limit), then raises TimeoutError.
    """
    import warnings

    with warnings.catch_warnings():
        # Without fcntl (only where POSIX modules are missing) filelock warns at import
        # that it locks by creating the file instead: true, and not for a user to read.
        warnings.simplefilter("ignore")
        import filelock

    if filelock.has_fcntl:
        _make_lock_file(path, like)
    return filelock.FileLock(path, mode=0o600, timeout=-1 if wait is None else wait)


def _make_lock_file(path: str, like: str | None) -> None:
    # Read-write: a FIFO then opens without waiting (and is refused), and the file is
    # one filelock can open for writing too.
    fd = os.open(path, os.O_RDWR | os.O_CREAT | _NOFOLLOW | _NONBLOCK | _CLOEXEC, 0o600)
    try:
        _check_lock(fd, path, like)
    finally:
        os.close(fd)


# How long an edit waits for another process's lock on the same file by default: the
# read timeout's default, since a held lock is another run's wait, never this one's.
LOCK_WAIT = 60.0


def locked(path: str, wait: float | None = LOCK_WAIT) -> BaseFileLock:
    """`with files.locked(path):` holds the exclusive lock of `path` for a
    read-modify-write of it: the one lock of every file ecrlogin edits. Waiting
    for it ends after `wait` seconds (None: no limit) with TimeoutError."""
    # A side file, because the real one is replaced by rename and a lock on it
    # would be held on an inode that is no longer the file.
    return lock(f"{path}.lock", like=path, wait=wait)


def _check_lock(fd: int, path: str, like: str | None) -> None:
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        raise not_regular(path, info.st_mode)
    if like is not None:  # the lock of a user's file (locked()), not of a cache entry
        give_away(fd, info, _lstat(like) or _lstat(os.path.dirname(path) or "."))


def give_away(made: int | str, info: os.stat_result, model: os.stat_result | None) -> None:
    """Give what root just made (`made`: a descriptor or a path; `info`: its stat) to the
    user who owns `model`: the file it stands for, or the folder it was made in.

    Root running with a user's HOME (`sudo -E`) must not leave root's files in that
    user's folders: the user's own next run could not change or lock them. Nothing is
    done unless this is root and `model` belongs to someone else.
    """
    if model is None or not hasattr(os, "geteuid") or not info.st_uid == os.geteuid() == 0:
        return
    if model.st_uid != 0 and (model.st_uid, model.st_gid) != (info.st_uid, info.st_gid):
        if isinstance(made, int):
            os.fchown(made, model.st_uid, model.st_gid)
        else:
            os.chown(made, model.st_uid, model.st_gid, follow_symlinks=False)


def _lstat(path: str) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None


def make_private_dirs(directory: str, *, keep_owner: bool = False) -> list[str]:
    """Create `directory` and any missing parents, each 0700; return those created. With
    `keep_owner` (the folders of a user's file, not of the token cache), each takes the
    owner of the folder it is made in (`give_away`)."""
    missing = []
    while not os.path.lexists(directory):
        missing.append(directory)
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    if os.name == "posix":  # descriptors for folders (mkdir and open at a folder)
        return _make_dirs_at(list(reversed(missing)), keep_owner=keep_owner)
    created = []  # pragma: no cover - Windows: no descriptors for folders, no owners
    for item in reversed(missing):
        try:
            os.mkdir(item, 0o700)
        except FileExistsError:  # another process made it first: not ours to chmod
            continue
        created.append(item)
        if stat.S_IMODE(os.lstat(item).st_mode) != 0o700:
            os.chmod(item, 0o700)
    return created


def _make_dirs_at(missing: list[str], *, keep_owner: bool) -> list[str]:
    """Make each of `missing` (outermost first) inside the one made before it, through
    descriptors: a folder swapped for a link after mkdir is never followed, chmodded or
    given away (O_NOFOLLOW refuses it), nor is anything made inside its target."""
    created: list[str] = []
    if not missing:
        return created
    parent = os.open(os.path.dirname(missing[0]) or ".", os.O_RDONLY | os.O_DIRECTORY)
    try:
        for item in missing:
            name = os.path.basename(item)
            try:
                os.mkdir(name, 0o700, dir_fd=parent)
            except FileExistsError:  # another process made it first: not ours to chmod
                pass
            else:
                created.append(item)
            flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
            made = os.open(name, flags, dir_fd=parent)  # ELOOP/ENOTDIR: swapped, refused
            model = os.fstat(parent) if keep_owner else None
            os.close(parent)
            parent = made
            if item in created:
                info = os.fstat(made)
                if stat.S_IMODE(info.st_mode) != 0o700:
                    # A umask can only take bits away, and an owner who cannot enter is no use.
                    os.fchmod(made, 0o700)
                if keep_owner:
                    give_away(made, info, model)
    finally:
        os.close(parent)
    return created


def write_private(path: str, data: bytes, *, keep_owner: bool = False) -> None:
    """Replace `path` with `data` atomically; raise OSError (UnsafeFile) on failure.

    `path` must be absent or a regular file. The bytes go to a temporary file in
    the same directory (created 0600 with O_EXCL, so nobody else can have it
    open), are fsynced, and are renamed over `path`, so a reader sees the old
    file or the new one, never half of one. With `keep_owner` (a file that is the
    user's, not ecrlogin's), the new file takes the owner, group and mode of the
    one it replaces: root rewriting a user's file must not leave it root's; a new
    one takes the owner of its folder (`give_away`). Without it (the token cache),
    the file is this user's. The
    temporary file is removed if anything, a signal included, interrupts the write.
    """
    check_replaceable(path)
    existing = _lstat(path) if keep_owner else None
    directory = os.path.dirname(path) or "."
    temp = os.path.join(
        directory,
        f".{os.path.basename(path)}.{os.getpid()}.{os.urandom(4).hex()}{TEMP_SUFFIX}",
    )
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC | BINARY
    try:
        fd = os.open(temp, flags, 0o600)
        try:
            if existing is not None:
                _copy_owner_and_mode(fd, existing, path)
            elif keep_owner:  # a new file: the folder's owner's (root with a user's HOME)
                give_away(fd, os.fstat(fd), _lstat(directory))
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        replace(temp, path)
    except BaseException:
        import contextlib  # only on failure: the helper's path stays lean

        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _sync_directory(directory)


def replace(source: str, target: str, *, windows: bool = WINDOWS) -> None:
    """`os.replace`, retried for up to a second on Windows while another process holds
    `target` open (a reader of the same cache entry): Windows refuses the rename then
    (access denied, sharing violation), where POSIX replaces at once."""
    _patiently(windows, os.replace, source, target)


def remove(path: str, *, windows: bool = WINDOWS) -> bool:
    """`os.unlink`, retried like `replace` on Windows; False when `path` is already gone."""
    try:
        _patiently(windows, os.unlink, path)
    except FileNotFoundError:
        return False
    return True


def _patiently(windows: bool, operation: Callable[..., None], *paths: str) -> None:
    if not windows:
        operation(*paths)
        return
    import time

    deadline = time.monotonic() + _REPLACE_PATIENCE
    delay = 0.01
    while True:
        try:
            operation(*paths)
        except PermissionError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.1)
        else:
            return


def _copy_owner_and_mode(fd: int, existing: os.stat_result, path: str) -> None:
    if not hasattr(os, "fchown"):
        # Windows: no owner to copy, and its only mode bit (read-only) would stop the
        # rename; os.fchmod exists there only from Python 3.13.
        return
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
