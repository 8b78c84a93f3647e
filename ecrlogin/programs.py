"""Finding another program on PATH the way docker finds it: the one lookup ecrlogin uses.

Docker runs a credential store through Go's `exec.Command`, whose `exec.LookPath`
takes the first PATH entry holding an executable of that name (an empty entry
means the current folder, as in a shell) and, since Go 1.19, refuses a match
found through a relative entry with `exec.ErrDot`: with `PATH=":$PATH"` a
`docker-credential-pass` in a cloned repository would otherwise get every
password. This module answers the same, so ecrlogin never runs what docker
would refuse. Imports only `os`: the credential helper loads it before it runs
a fallback store.
"""

from __future__ import annotations

import os
import stat


class RelativePathEntry(Exception):
    """The first match for a program lies in a relative PATH entry (Go's exec.ErrDot)."""

    def __init__(self, name: str, path: str, entry: str) -> None:
        super().__init__(f"{name} was found as {path} through the relative PATH entry {entry!r}")
        self.name = name
        self.path = path
        # The PATH entry as written ("" for an empty one).
        self.entry = entry


def look_path(name: str, search: str | None = None) -> str | None:
    """The absolute path of the program `name` on PATH (or `search`), None when there is none.

    Raises RelativePathEntry when the first executable of that name is reached
    through an empty or relative PATH entry: like docker, the search stops there
    rather than going on to a later entry. A name holding `/` is not searched.
    PATH unset or empty finds nothing, as in Go.
    """
    if "/" in name:
        return name if _executable(name) else None
    path = os.environ.get("PATH", "") if search is None else search
    if not path:
        return None
    for entry in path.split(os.pathsep):
        candidate = os.path.join(entry or ".", name)
        # Go's filepath.Join cleans `..` as text: through a symlinked folder the kernel
        # would reach another file than the one docker runs.
        if not _executable(os.path.normpath(candidate)):
            continue
        if relative_entry(entry):
            raise RelativePathEntry(name, candidate, entry)
        return os.path.normpath(candidate)
    return None


def relative_entry(entry: str) -> bool:
    """Whether a PATH entry is empty (the current folder) or relative: docker never runs
    a program found through one."""
    return not os.path.isabs(entry or ".")


def without_relative_entries(path: str) -> str:
    """`path` (a PATH value) with its empty and relative entries left out."""
    return os.pathsep.join(entry for entry in path.split(os.pathsep) if not relative_entry(entry))


def _executable(path: str) -> bool:
    """A file (not a directory) this process may execute, as Go's findExecutable checks."""
    try:
        info = os.stat(path)
    except (OSError, ValueError):  # ValueError: a NUL in the name
        return False
    return not stat.S_ISDIR(info.st_mode) and os.access(path, os.X_OK)
