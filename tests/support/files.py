"""Scratch trees for the "only our files" tests: a hash of everything but the named files."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable
from pathlib import Path


def tree_state(root: Path, *, skip: Iterable[Path] = ()) -> dict[str, tuple[int, int, int, str]]:
    """Every entry below `root` (not following symlinks) but `skip`: its mode, owner, group and
    a digest of its bytes (or of its link target), keyed by its path relative to `root`."""
    skipped = {os.fspath(path) for path in skip}
    state: dict[str, tuple[int, int, int, str]] = {}
    for directory, names, filenames in os.walk(root):
        for name in [*names, *filenames]:
            path = os.path.join(directory, name)
            if path in skipped:
                continue
            info = os.lstat(path)
            if stat.S_ISREG(info.st_mode):
                with open(path, "rb") as handle:
                    digest = hashlib.sha256(handle.read()).hexdigest()
            elif stat.S_ISLNK(info.st_mode):
                digest = "-> " + os.readlink(path)
            else:
                digest = ""
            state[os.path.relpath(path, root)] = (
                info.st_mode,
                info.st_uid,
                info.st_gid,
                digest,
            )
    return state


def one_error_line(stderr: bytes) -> str:
    """The single `ecrlogin: error:` line of `stderr`, asserting there is exactly one line."""
    text = stderr.decode()
    assert text.count("\n") == 1, text
    assert text.startswith("ecrlogin: error: "), text
    assert "Unexpected" not in text, text
    return text.removeprefix("ecrlogin: error: ").rstrip("\n")
