"""Root making the folders of a user's file (`sudo -E`, the user's HOME) is never steered
outside that user's folder.

`files.make_private_dirs(..., keep_owner=True)` makes each missing folder, then chmods
it and gives it to the owner of the folder it was made in. That user owns the folder,
so between root's mkdir and the next step they can rename the new folder away and leave
a symbolic link of theirs in its place. The moment the user wins that race is injected
here (os.mkdir wrapped): no real scheduler can be made to lose it on demand.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from ecrlogin import files

OTHER_UID = 4242  # the user whose HOME root writes in


@pytest.fixture
def homes() -> Iterator[tuple[Path, Path]]:
    """The user's folder (theirs), and a folder of root's they must not reach."""
    base = Path(tempfile.mkdtemp(prefix="ecrlogin-attack15-"))
    base.chmod(0o755)
    users, roots = base / "user", base / "root-only"
    users.mkdir()
    roots.mkdir()
    os.chown(users, OTHER_UID, OTHER_UID)
    roots.chmod(0o755)
    yield users, roots
    shutil.rmtree(base, ignore_errors=True)


@pytest.mark.needs_root("root makes folders in another user's folder")
@pytest.mark.skipif(not hasattr(os, "lchown"), reason="POSIX owners")
def test_root_never_gives_away_or_chmods_what_a_swapped_in_link_points_at(
    homes: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    users, roots = homes
    first = users / "a"
    real_mkdir = os.mkdir

    def mkdir_then_user_swaps(path: str, mode: int = 0o777, *, dir_fd: int | None = None) -> None:
        real_mkdir(path, mode, dir_fd=dir_fd)
        where = os.path.join(os.readlink(f"/proc/self/fd/{dir_fd}"), path) if dir_fd else path
        if where == str(first):  # the user, owner of `users`, wins the race here
            os.rename(where, f"{where}.moved")
            os.symlink(roots, where)
            os.lchown(where, OTHER_UID, OTHER_UID)

    monkeypatch.setattr(os, "mkdir", mkdir_then_user_swaps)
    with contextlib.suppress(OSError):  # refusing is fine; reaching outside is not
        files.make_private_dirs(str(first / ".local" / "bin"), keep_owner=True)
    assert stat.S_IMODE(roots.stat().st_mode) == 0o755, "root chmodded the link's target"
    made = roots / ".local"
    assert not made.exists() or made.stat().st_uid == 0, (
        "root made a folder in its own folder and gave it to the user"
    )
