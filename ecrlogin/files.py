"""Where ecrlogin's own files live, and the one way secrets are written to disk.

Imports nothing but `os`: the credential helper's cache-hit path uses it.
"""

from __future__ import annotations

import os

TEMP_SUFFIX = ".tmp"


def xdg_home(variable: str, fallback: str) -> str:
    """An XDG base directory: `$variable` when absolute (the spec ignores relative
    paths), else `~/fallback`."""
    base = os.environ.get(variable)
    if not base or not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), fallback)
    return base


def write_private(path: str, data: bytes) -> None:
    """Replace `path` with `data` atomically, mode 0600; raise OSError on failure.

    The bytes go to a temporary file in the same directory (created 0600 with
    O_EXCL, so nobody else can have it open), are fsynced, and are renamed over
    `path`, so a reader sees the old file or the new one, never half of one. The
    temporary file is removed if anything, a signal included, interrupts the write.
    """
    directory = os.path.dirname(path) or "."
    temp = os.path.join(
        directory,
        f".{os.path.basename(path)}.{os.getpid()}.{os.urandom(4).hex()}{TEMP_SUFFIX}",
    )
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(temp, flags, 0o600)
        try:
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
