"""Only our files: what ecrlogin replaces, locks, chmods and deletes, tried with real files.

Device nodes, FIFOs, sockets and symlinks where a config file or a lock should be;
files owned by another user (as root); a shared cache folder full of other
programs' files; and JSON that cannot be written back as it was read. Each
failure is one stderr line with exit 253 and an empty stdout, and nothing in
the scratch tree but the named file changes (see tests/support/files.py).
"""

from __future__ import annotations

import json
import math
import os
import socket
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecrlogin import authfile, files, render
from ecrlogin.cache import Entry, Shared, Store, Unwritable
from ecrlogin.errors import ConfigurationError
from tests.support.env import ACCOUNT, basic_token
from tests.support.files import one_error_line, tree_state
from tests.support.tools import IS_ROOT, ecrlogin

HOST = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com"  # moto's default registry
OTHER_UID, OTHER_GID = 4242, 4343  # nobody on this machine: a file of "another user"


def login_into(path: Path, env: dict[str, str]) -> Any:
    """`ecrlogin login --write-config --config-file path` against moto."""
    return ecrlogin("login", "--write-config", "--config-file", str(path), env=env, timeout=60)


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """A scratch tree with a bystander file in it, so "nothing else changed" means something."""
    root = tmp_path / "scratch"
    root.mkdir()
    (root / "bystander.json").write_text('{"auths": {}}\n')
    return root


# --- a file we would replace must be a regular file or absent ----------------------------


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _socket(path: Path) -> None:
    # Bound by a relative name: a socket's path is limited to 107 bytes.
    here = os.getcwd()
    os.chdir(path.parent)
    try:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.bind(path.name)
    finally:
        os.chdir(here)


def _device(path: Path) -> None:
    os.mknod(path, 0o600 | stat.S_IFCHR, os.makedev(1, 3))  # a second /dev/null


SPECIAL = {
    "fifo": (_fifo, "a FIFO (named pipe)"),
    "socket": (_socket, "a socket"),
    "device": (_device, "a character device"),
}


@pytest.mark.parametrize("kind", list(SPECIAL))
def test_a_special_file_as_config_file_is_refused_untouched(
    kind: str, scratch: Path, aws_env: dict[str, str]
) -> None:
    # Before: a FIFO hung forever, and a device node was replaced by a regular file
    # holding the password.
    if kind == "device" and not IS_ROOT:
        pytest.skip("needs root: only root can make a device node (the /dev/null test runs)")
    make, words = SPECIAL[kind]
    target = scratch / "config.json"
    make(target)
    before = tree_state(scratch)
    result = login_into(target, aws_env)
    assert (result.returncode, result.stdout) == (253, b"")
    line = one_error_line(result.stderr)
    assert f"Will not replace {target}: it is {words}, not a regular file" in line
    assert "--config-file" in line
    assert tree_state(scratch) == before  # not even a lock file next to it


def test_dev_null_as_config_file_is_refused_and_stays_a_device(aws_env: dict[str, str]) -> None:
    result = login_into(Path(os.devnull), aws_env)
    assert (result.returncode, result.stdout) == (253, b"")
    assert "Will not replace /dev/null: it is a character device" in one_error_line(result.stderr)
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)
    assert not os.path.lexists("/dev/null.lock")


def test_a_symlink_to_a_device_is_refused_too(scratch: Path, aws_env: dict[str, str]) -> None:
    # config.json is followed through a symlink (dotfiles), but only to a regular file.
    (scratch / "config.json").symlink_to(os.devnull)
    before = tree_state(scratch)
    result = login_into(scratch / "config.json", aws_env)
    assert (result.returncode, result.stdout) == (253, b"")
    assert "Will not replace /dev/null" in one_error_line(result.stderr)
    assert tree_state(scratch) == before


# --- lock files: never through a symlink, never waiting on a FIFO ------------------------


def test_a_lock_file_symlink_is_not_followed(
    scratch: Path, tmp_path: Path, aws_env: dict[str, str]
) -> None:
    victim = tmp_path / "elsewhere" / "victim"
    victim.parent.mkdir()
    (scratch / "config.json.lock").symlink_to(victim)
    before = tree_state(scratch)
    result = login_into(scratch / "config.json", aws_env)
    assert (result.returncode, result.stdout) == (253, b"")
    line = one_error_line(result.stderr)
    assert "Cannot update" in line
    assert "symbolic links" in line
    assert not victim.exists()  # before: created by following the link
    assert tree_state(scratch) == before


def test_a_fifo_as_lock_file_is_refused_without_hanging(
    scratch: Path, aws_env: dict[str, str]
) -> None:
    os.mkfifo(scratch / "config.json.lock")
    before = tree_state(scratch)
    result = login_into(scratch / "config.json", aws_env)
    assert (result.returncode, result.stdout) == (253, b"")
    assert "it is a FIFO (named pipe), not a regular file" in one_error_line(result.stderr)
    assert tree_state(scratch) == before


def _access_modes(path: Path) -> list[int]:
    """The access mode (O_RDONLY, O_WRONLY, O_RDWR) of each descriptor this process has
    open on `path`, read from /proc."""
    import fcntl

    modes = []
    for name in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{name}") == str(path):
                modes.append(fcntl.fcntl(int(name), fcntl.F_GETFL) & os.O_ACCMODE)
        except OSError:
            continue  # the descriptor listdir itself used, closed since
    return modes


@pytest.mark.linux  # reads descriptors from /proc
def test_a_held_lock_is_open_for_writing(tmp_path: Path) -> None:
    # Before: the lock file was opened read-only and then locked exclusively, which
    # flock(2) refuses on NFS and SMB (EBADF), where it becomes a POSIX write lock.
    store = Store(str(tmp_path / "cache"))
    with store.lock("a" * 64) as lock:
        assert lock.held
        assert _access_modes(tmp_path / "cache" / f"{'a' * 32}.lock") == [os.O_RDWR]
    config = tmp_path / "config.json"
    taken = []

    def change(data: dict[str, Any]) -> None:
        taken.append(_access_modes(tmp_path / "config.json.lock"))

    authfile.update(config, change)
    assert taken == [[os.O_RDWR]]
    assert stat.S_IMODE((tmp_path / "config.json.lock").stat().st_mode) == 0o600


def test_a_lock_file_symlink_is_refused(tmp_path: Path) -> None:
    (tmp_path / "link.lock").symlink_to(tmp_path / "x.lock")
    with pytest.raises(OSError, match="symbolic links"):
        files.lock(str(tmp_path / "link.lock"))
    assert not (tmp_path / "x.lock").exists()


def test_a_held_lock_survives_the_sweep(tmp_path: Path) -> None:
    # Before: the sweep removed `.lock` files 13 hours old even while one was held, so
    # a second process could lock a new file of the same name and fetch at the same time.
    folder = tmp_path / "cache"
    store = Store(str(folder))
    expired = an_entry()
    expired_path = folder / f"{'a' * 32}.token"
    lock_path = folder / f"{'b' * 32}.lock"
    with store.lock("b" * 64) as held:
        assert held.held
        assert store.write(expired)
        day_ago = time.time() - 24 * 3600
        for path in (expired_path, lock_path):
            os.utime(path, (day_ago, day_ago))
        inode = lock_path.stat().st_ino
        # Any write sweeps: the day-old entry goes, the day-old lock in use stays.
        assert store.write_memo("c" * 64, "memo\n")
        assert not expired_path.exists()
        assert lock_path.stat().st_ino == inode
        with Store(str(folder)).lock("b" * 64, wait=0.2) as other:
            assert (other.held, other.waited, other.timed_out) == (False, True, True)
    with Store(str(folder)).lock("b" * 64, wait=0.2) as after:
        assert after.held


# --- an existing file keeps its owner, group and mode --------------------------------------


def test_a_rewritten_file_keeps_its_mode_and_a_new_one_is_0600(
    scratch: Path, aws_env: dict[str, str]
) -> None:
    kept = scratch / "kept.json"
    kept.write_text("{}\n")
    kept.chmod(0o640)
    result = login_into(kept, aws_env)
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640
    assert "the file's mode is 0640, so other users can read the password" in (
        result.stderr.decode()
    )
    fresh = scratch / "new" / "deeper" / "config.json"
    assert login_into(fresh, aws_env).returncode == 0
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o600
    assert stat.S_IMODE(fresh.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(fresh.parent.parent.stat().st_mode) == 0o700


@pytest.mark.needs_root("only root can rewrite a file that belongs to another user")
def test_root_rewriting_another_users_file_leaves_it_theirs(
    scratch: Path, aws_env: dict[str, str]
) -> None:
    # Before: the rewritten config.json became root's 0600, so its owner could not read it.
    target = scratch / "config.json"
    target.write_text('{"psFormat": "table"}\n')
    target.chmod(0o600)
    os.chown(target, OTHER_UID, OTHER_GID)
    result = login_into(target, aws_env)
    assert result.returncode == 0, result.stderr
    info = target.stat()
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (OTHER_UID, OTHER_GID, 0o600)
    assert HOST in json.loads(target.read_text())["auths"]
    # The lock root made for it is theirs too, so their own next login can take it.
    lock = (scratch / "config.json.lock").stat()
    assert (lock.st_uid, lock.st_gid) == (OTHER_UID, OTHER_GID)


@pytest.mark.skipif(IS_ROOT, reason="root may give files away; the unprivileged pass runs this")
def test_a_user_will_not_take_over_another_users_file(scratch: Path) -> None:
    # The unprivileged user cannot make a file of someone else's, so the check is tried on
    # a file of its own while pretending to be another uid: fchown to root must fail.
    target = scratch / "config.json"
    target.write_text("{}\n")
    existing = os.stat(target)
    fake = os.stat_result((existing.st_mode, *existing[1:4], 0, 0, *existing[6:]))
    fd = os.open(scratch / "temp", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        with pytest.raises(PermissionError, match="belongs to uid 0"):
            files._copy_owner_and_mode(fd, fake, str(target))
    finally:
        os.close(fd)


# --- valid in, valid out: JSON we cannot write back exactly is refused --------------------

NOT_EXACT = {
    "overflowing-number": ('{"a": 1e999, "auths": {}}', "the number 1e999 is too large"),
    "negative-overflow": ('{"a": [-1e400]}', "the number -1e400 is too large"),
    "nan": ('{"a": NaN}', "NaN is not a JSON number"),
    "infinity": ('{"a": Infinity}', "Infinity is not a JSON number"),
    "duplicate-auths": (
        '{"auths": {"a.example": {}}, "auths": {"b.example": {}}}',
        'the key "auths" appears twice in one object',
    ),
    "nested-duplicate": (
        '{"auths": {"a.example": {"auth": "x", "auth": "y"}}}',
        'the key "auth" appears twice',
    ),
    "deep-arrays": ("[" * 100_000 + "]" * 100_000, "nests JSON too deeply"),
    "deep-objects": ('{"a":' * 5_000 + "1" + "}" * 5_000, "nests JSON too deeply"),
}


@pytest.mark.parametrize("case", list(NOT_EXACT))
def test_json_that_cannot_be_written_back_is_refused_untouched(tmp_path: Path, case: str) -> None:
    text, words = NOT_EXACT[case]
    path = tmp_path / "config.json"
    path.write_text(text)
    before = tree_state(tmp_path, skip=[tmp_path / "config.json.lock"])
    with pytest.raises(ConfigurationError) as info:
        authfile.store_passwords(path, {HOST: ("AWS", "pw")}, fmt="docker")
    assert str(path) in info.value.message
    assert words in info.value.message
    assert info.value.exit_code == 253
    assert tree_state(tmp_path, skip=[tmp_path / "config.json.lock"]) == before


@pytest.mark.parametrize(
    ("text", "escape"),
    [('{"psFormat": "\\ud800"}', "\\ud800"), ('{"\\udfff": 1}', "\\udfff"),
     ('{"a": ["x\\udc00y"]}', "x\\udc00y")],
)  # fmt: skip
def test_a_lone_surrogate_escape_in_another_value_is_kept_as_written(
    tmp_path: Path, text: str, escape: str
) -> None:
    # Not a character (docker reads U+FFFD), so it could not be re-encoded; every string
    # ecrlogin leaves alone is written back as the very text it was read as instead.
    path = tmp_path / "config.json"
    path.write_text(text)
    authfile.store_passwords(path, {HOST: ("AWS", "pw")}, fmt="docker")
    assert escape in path.read_text()
    authfile.remove_passwords(path, [HOST])
    assert escape in path.read_text()
    assert json.loads(path.read_text()) == {**json.loads(text), "auths": {}}


# JSON that Python's json.loads(bytes) reads but docker's Go reader (encoding/json, UTF-8
# only, no byte order mark) refuses: rewriting it would silently re-encode the whole file.
NOT_UTF8_JSON = {
    "utf-8-bom": b'\xef\xbb\xbf{"auths": {}, "psFormat": "x"}\n',
    "utf-16": '{"auths": {}, "psFormat": "x"}\n'.encode("utf-16"),
    "utf-32-le": '{"auths": {}}'.encode("utf-32-le"),
}


@pytest.mark.parametrize("case", list(NOT_UTF8_JSON))
def test_json_docker_cannot_read_is_refused_untouched(tmp_path: Path, case: str) -> None:
    path = tmp_path / "config.json"
    path.write_bytes(NOT_UTF8_JSON[case])
    before = tree_state(tmp_path, skip=[tmp_path / "config.json.lock"])
    with pytest.raises(ConfigurationError) as info:
        authfile.store_passwords(path, {HOST: ("AWS", "pw")}, fmt="docker")
    assert f"{path} is not valid JSON" in info.value.message
    assert info.value.exit_code == 253
    assert tree_state(tmp_path, skip=[tmp_path / "config.json.lock"]) == before


def test_the_cli_refuses_a_duplicate_key_with_one_line(
    scratch: Path, aws_env: dict[str, str]
) -> None:
    # Before: the first "auths" block was silently lost.
    target = scratch / "config.json"
    target.write_text('{"auths": {"a.example": {}}, "auths": {"b.example": {}}}\n')
    before = tree_state(scratch, skip=[scratch / "config.json.lock"])
    result = login_into(target, aws_env)
    assert (result.returncode, result.stdout) == (253, b"")
    line = one_error_line(result.stderr)
    assert f'{target} cannot be rewritten exactly: the key "auths" appears twice' in line
    assert tree_state(scratch, skip=[scratch / "config.json.lock"]) == before


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)
HAZARDS = st.sampled_from(["1e999", "-1e999", "NaN", "Infinity", "-Infinity"])


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=60)
@given(document=st.dictionaries(st.text(), JSON_VALUES, max_size=5))
def test_valid_json_is_written_back_as_it_was_read(
    tmp_path: Path, document: dict[str, Any]
) -> None:
    # Valid in, valid out: every key and value but our entry survives, exactly.
    document.pop("auths", None)
    path = tmp_path / "valid.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8", errors="strict")
    authfile.store_passwords(path, {HOST: ("AWS", "pw")}, fmt="docker")
    written = json.loads(path.read_text(encoding="utf-8"))
    assert written.pop("auths") == {HOST: {"auth": basic_token("AWS", "pw")}}
    assert written == document
    assert all(not isinstance(v, float) or math.isfinite(v) for v in _leaves(written))


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=60)
@given(
    document=st.dictionaries(st.text(min_size=1), JSON_VALUES, min_size=1, max_size=4),
    hazard=HAZARDS,
    where=st.integers(min_value=0),
)
def test_a_hazard_anywhere_leaves_the_file_and_the_tree_untouched(
    tmp_path: Path, document: dict[str, Any], hazard: str, where: int
) -> None:
    # The hazard goes in as the value of one of the keys, at any depth of nesting.
    keys = list(document)
    key = keys[where % len(keys)]
    text = json.dumps({k: ("HAZARD" if k == key else v) for k, v in document.items()})
    text = text.replace('"HAZARD"', hazard, 1)
    scratch = tmp_path / f"case-{os.urandom(4).hex()}"
    scratch.mkdir()
    path = scratch / "config.json"
    path.write_text(text)
    before = tree_state(scratch, skip=[scratch / "config.json.lock"])
    with pytest.raises(ConfigurationError, match="cannot be rewritten exactly"):
        authfile.store_passwords(path, {HOST: ("AWS", "pw")}, fmt="docker")
    assert tree_state(scratch, skip=[scratch / "config.json.lock"]) == before


def _leaves(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


# --- the cache touches only what it created ----------------------------------------------


def an_entry(key: str = "a" * 64) -> Entry:
    """A cache entry that stays fresh for a day."""
    import time

    now = time.time()
    return Entry(
        key=key,
        issued=now,
        expires=now + 86400,
        region="us-east-1",
        profile="",
        hosts=[HOST],
        tokens=[basic_token("AWS", "cached-secret")],
        response="{}",
    )


FOREIGN = ["other.lock", "job.tmp", "session.token", "notes.memo", ".x.token.1.abcdefgh.tmp"]


@pytest.fixture
def shared_folder(tmp_path: Path) -> Path:
    """A world-writable sticky folder (like /tmp) holding other programs' files."""
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o1777)
    for name in FOREIGN:
        (folder / name).write_text("not ecrlogin's\n")
    return folder


def test_a_shared_folder_gets_a_private_subfolder_and_one_warning(shared_folder: Path) -> None:
    # Before: `cache clear` deleted other programs' *.lock/*.tmp files there, and a
    # helper call chmodded the folder to 0700.
    before = tree_state(shared_folder)
    store = Store(str(shared_folder))
    own = shared_folder / f"ecrlogin-{os.geteuid()}"
    assert store.directory == str(own)
    assert store.write(an_entry())
    with store.lock("a" * 64):
        pass
    cached = Store(str(shared_folder)).read("a" * 64)
    assert cached is not None
    assert cached.credentials() == ("AWS", "cached-secret")
    assert Store(str(shared_folder)).clear() == 1
    assert stat.S_IMODE(shared_folder.stat().st_mode) == 0o1777
    assert stat.S_IMODE(own.stat().st_mode) == 0o700
    assert list(own.iterdir()) == []
    after = tree_state(shared_folder)
    assert after.pop(own.name)[0] & 0o7777 == 0o700
    assert after == before
    assert store.warnings == [Shared(str(shared_folder), os.geteuid(), 0o1777, str(own))]
    line = render.cache_warning(store.warnings[0])
    assert line.startswith(f"The token cache directory {shared_folder} is shared with other users")
    assert f"its own subfolder {own}" in line


def test_cache_clear_in_its_own_folder_spares_files_that_only_look_like_its_own(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "mine"
    folder.mkdir(mode=0o700)
    for name in FOREIGN:
        (folder / name).write_text("not ecrlogin's\n")
    store = Store(str(folder))
    store.write(an_entry())
    store.write_memo("d" * 64, "memo\n")
    with store.lock("a" * 64):
        pass
    assert store.clear() == 1
    assert sorted(p.name for p in folder.iterdir()) == sorted(FOREIGN)


def test_a_planted_subfolder_in_a_shared_folder_is_not_used(
    shared_folder: Path, tmp_path: Path
) -> None:
    # Someone else (or a symlink) got there first: nothing is read, written or removed in it.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    decoy = elsewhere / f"{'a' * 32}.token"
    decoy.write_text(an_entry().dumps())
    decoy.chmod(0o600)
    (shared_folder / f"ecrlogin-{os.geteuid()}").symlink_to(elsewhere)
    store = Store(str(shared_folder))
    assert store.read("a" * 64) is None
    assert store.entries() == []
    assert store.clear() == 0
    assert store.write(an_entry()) is False
    assert sorted(p.name for p in elsewhere.iterdir()) == [decoy.name]
    lines = [render.cache_warning(warning) for warning in store.warnings]
    assert len(lines) == 2, lines
    assert "is shared" in lines[0]
    assert "cannot be written (not a private directory of this user" in lines[1]


def test_a_fifo_in_place_of_a_cache_file_does_not_hang(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    folder.mkdir(mode=0o700)
    os.mkfifo(folder / f"{'a' * 32}.token")
    os.mkfifo(folder / f"{'a' * 32}.lock")
    store = Store(str(folder))
    assert store.read("a" * 64) is None
    with store.lock("a" * 64) as lock:
        assert not lock.held  # refused, fetched without the lock
    assert store.write(an_entry()) is False  # a FIFO is not replaced either
    assert stat.S_ISFIFO((folder / f"{'a' * 32}.token").lstat().st_mode)
    assert store.warnings == [
        Unwritable(str(folder), "it is a FIFO (named pipe), not a regular file")
    ]


def test_a_group_writable_folder_of_the_users_own_group_is_not_shared(tmp_path: Path) -> None:
    # umask-002 systems give every user a private group: that is not sharing.
    folder = tmp_path / "upg"
    folder.mkdir()
    folder.chmod(0o770)
    os.chown(folder, -1, os.getegid())
    assert Store(str(folder)).directory == str(folder)
