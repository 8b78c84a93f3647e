"""The platform rules in `ecrlogin.files`: where files live, which are private, how a
replace survives a reader, on Linux, macOS and Windows.

Each rule takes the platform as an argument, so both branches run here on Linux.
Where Windows behaves differently underneath (a rename refused while another
process has the file open), the test makes that failure happen the way Windows
reports it (PermissionError) and says so; .github/workflows/portable.yml runs this
module on real Windows and macOS runners too.
"""

from __future__ import annotations

import functools
import os
import stat
from pathlib import Path

import pytest

from ecrlogin import authfile, files, identity
from ecrlogin.cache import Entry, Store
from tests.support.env import ACCOUNT, basic_token

HOME = "/home/me"
PROFILE = "/users/me"


def stat_of(mode: int, uid: int) -> os.stat_result:
    """A stat result as the platform reports it (mode and owner; the rest zero)."""
    return os.stat_result((mode, 0, 0, 1, uid, 0, 0, 0, 0, 0))


# --- the home folder: USERPROFILE on Windows, as botocore and docker read it ---------------


def test_windows_takes_userprofile_over_home() -> None:
    # Git Bash sets HOME; botocore (os.path.expanduser) and docker read USERPROFILE.
    environ = {"HOME": "/git/home", "USERPROFILE": PROFILE}
    assert files.home(environ, windows=True) == PROFILE
    assert files.home(environ, windows=False) == "/git/home"
    assert files.home({"HOMEDRIVE": "C:", "HOMEPATH": "/Users/me"}, windows=True) == "C:/Users/me"


def test_the_cache_key_reads_the_aws_files_botocore_reads() -> None:
    home = PROFILE if files.WINDOWS else HOME
    config, credentials = identity.aws_files({"HOME": HOME, "USERPROFILE": PROFILE})
    assert config == os.path.join(home, ".aws", "config")
    assert credentials == os.path.join(home, ".aws", "credentials")
    assert identity.aws_files(os.environ)[0] == os.path.expanduser(
        os.environ.get("AWS_CONFIG_FILE") or "~/.aws/config"
    )


# --- where ecrlogin keeps its config and its cache --------------------------------------


@pytest.mark.parametrize("windows", [False, True], ids=["posix", "windows"])
def test_an_absolute_xdg_folder_wins_everywhere(windows: bool) -> None:
    environ = {
        "HOME": HOME,
        "USERPROFILE": PROFILE,
        "XDG_CONFIG_HOME": "/xdg/config",
        "XDG_CACHE_HOME": "/xdg/cache",
        "APPDATA": "/appdata/roaming",
        "LOCALAPPDATA": "/appdata/local",
    }
    assert files.config_dir(environ, windows=windows) == "/xdg/config/ecrlogin"
    assert files.cache_dir(environ, windows=windows) == "/xdg/cache/ecrlogin"


def test_linux_and_macos_default_to_dot_config_and_dot_cache() -> None:
    environ = {"HOME": HOME, "XDG_CONFIG_HOME": "relative/ignored"}
    assert files.config_dir(environ, windows=False) == f"{HOME}/.config/ecrlogin"
    assert files.cache_dir(environ, windows=False) == f"{HOME}/.cache/ecrlogin"


def test_windows_defaults_to_appdata_and_localappdata() -> None:
    environ = {"USERPROFILE": PROFILE, "APPDATA": "/r", "LOCALAPPDATA": "/l"}
    assert files.config_dir(environ, windows=True) == os.path.join("/r", "ecrlogin")
    assert files.cache_dir(environ, windows=True) == os.path.join("/l", "ecrlogin", "cache")
    bare = {"USERPROFILE": PROFILE}
    roaming = os.path.join(PROFILE, "AppData", "Roaming", "ecrlogin")
    local = os.path.join(PROFILE, "AppData", "Local", "ecrlogin", "cache")
    assert (files.config_dir(bare, windows=True), files.cache_dir(bare, windows=True)) == (
        roaming,
        local,
    )


# --- which files are private --------------------------------------------------------------


@pytest.mark.posix  # needs a user ID to compare owners with
def test_posix_privacy_is_the_owner_and_the_mode() -> None:
    me = os.geteuid()
    assert files.is_private(stat_of(0o100600, me), windows=False)
    assert not files.is_private(stat_of(0o100640, me), windows=False)
    assert not files.is_private(stat_of(0o100600, me + 1), windows=False)


def test_windows_privacy_rests_on_the_folder_acl() -> None:
    # Windows reports every writable file as 0o666 and owner 0: that is no sign of sharing.
    assert files.is_private(stat_of(0o100666, 0), windows=True)
    assert files.is_mine(stat_of(0o100666, 0), windows=True)


def test_the_cache_serves_an_entry_windows_reports_as_0666(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 0.2.0 refused every cache file on Windows, so every call was a miss.
    store = Store(str(tmp_path))
    now = 1_800_000_000.0
    entry = Entry(
        key="k" * 64,
        issued=now,
        expires=now + 43200,
        region="us-west-2",
        profile="",
        hosts=[f"{ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com"],
        tokens=[basic_token("AWS", "pw")],
        response="{}",
    )
    assert store.write(entry)
    (path,) = tmp_path.glob("*.token")
    path.chmod(0o666)
    windows_rule = functools.partial(files.is_private, windows=True)
    if not files.WINDOWS:
        assert store.read("k" * 64) is None  # on POSIX, 0666 is another user's to change
        monkeypatch.setattr(files, "is_private", windows_rule)
    assert store.read("k" * 64) == entry


# --- bytes and replaces ---------------------------------------------------------------------


def test_files_are_written_and_read_as_bytes(tmp_path: Path) -> None:
    # Without O_BINARY, Windows would write "\n" as "\r\n" and stop reading at "\x1a".
    data = b"a\nb\r\nc\x1ad\x00e\n"
    path = tmp_path / "f"
    files.write_private(str(path), data)
    assert path.read_bytes() == data
    assert files.read_bounded(str(path), 1024) == data


class _Holder:
    """os.replace as Windows answers it while another process has the target open:
    PermissionError (ERROR_SHARING_VIOLATION) until the holder closes it."""

    def __init__(self, refusals: int) -> None:
        self.refusals = refusals
        self.calls = 0

    def __call__(self, source: str, target: str) -> None:
        self.calls += 1
        if self.calls <= self.refusals:
            raise PermissionError(13, "The process cannot access the file", target)
        os.rename(source, target)


def test_windows_retries_a_replace_while_the_file_is_held(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source, target = tmp_path / "new", tmp_path / "old"
    source.write_bytes(b"new")
    target.write_bytes(b"old")
    holder = _Holder(refusals=3)
    monkeypatch.setattr(os, "replace", holder)
    files.replace(str(source), str(target), windows=True)
    assert (holder.calls, target.read_bytes()) == (4, b"new")


def test_a_replace_gives_up_after_a_second_on_windows_and_at_once_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source, target = str(tmp_path / "new"), str(tmp_path / "old")
    held = _Holder(refusals=10**6)
    monkeypatch.setattr(os, "replace", held)
    with pytest.raises(PermissionError):
        files.replace(source, target, windows=False)
    assert held.calls == 1
    monkeypatch.setattr(files, "_REPLACE_PATIENCE", 0.2)
    with pytest.raises(PermissionError):
        files.replace(source, target, windows=True)
    assert 1 < held.calls < 50


def test_a_rewrite_keeping_the_owner_works_where_there_are_no_owners(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Windows has no os.fchown (and os.fchmod only from 3.13): keep_owner has nothing to keep.
    path = tmp_path / "config.json"
    path.write_bytes(b"{}\n")
    if hasattr(os, "fchown"):
        monkeypatch.delattr(os, "fchown")
    files.write_private(str(path), b'{"auths": {}}\n', keep_owner=True)
    assert path.read_bytes() == b'{"auths": {}}\n'
    if not files.WINDOWS:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600  # the new file's own mode


def test_windows_retries_a_removal_while_the_file_is_held(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `cache clear` and `logout` remove entries another process may be reading.
    path = tmp_path / "entry"
    path.write_bytes(b"x")
    unlink, calls = os.unlink, []

    def held(name: str) -> None:
        calls.append(name)
        if len(calls) <= 2:
            raise PermissionError(13, "The process cannot access the file", name)
        unlink(name)

    monkeypatch.setattr(os, "unlink", held)
    assert files.remove(str(path), windows=True)
    assert (len(calls), path.exists()) == (3, False)
    assert files.remove(str(path), windows=True) is False  # already gone


@pytest.mark.parametrize("windows", [False, True], ids=["posix", "windows"])
def test_a_readable_mode_is_warned_about_only_where_modes_mean_something(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, windows: bool
) -> None:
    # Windows reports 0666 for every file: a warning there would be about nothing.
    path = tmp_path / "config.json"
    path.write_text("{}\n")
    path.chmod(0o644)
    monkeypatch.setattr(files, "WINDOWS", windows)
    host = f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com"
    warnings = authfile.store_passwords(path, {host: ("AWS", "pw")}, fmt="docker")
    readable = [w for w in warnings if "other users can read the password" in w]
    assert len(readable) == (0 if windows or files.WINDOWS else 1)


# --- following symbolic links: as realpath, never through another user's link -----------


@pytest.mark.posix
def test_follow_resolves_the_users_own_links_as_realpath(tmp_path: Path) -> None:
    (tmp_path / "real" / "deep").mkdir(parents=True)
    (tmp_path / "real" / "deep" / "config.toml").write_text("")
    (tmp_path / "absolute").symlink_to(tmp_path / "real")
    (tmp_path / "real" / "relative").symlink_to("deep")
    (tmp_path / "real" / "up").symlink_to("../real/relative")
    (tmp_path / "chain").symlink_to("absolute/up")
    for name in (
        "chain/config.toml",
        "absolute/relative/../deep/config.toml",
        "chain/missing/tail",
        "absolute/./up/config.toml",
    ):
        path = str(tmp_path / name)
        assert files.follow(path) == os.path.realpath(path), name


@pytest.mark.posix
def test_follow_refuses_a_loop_of_links(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    with pytest.raises(files.UnsafeFile, match="too many symbolic links"):
        files.follow(str(tmp_path / "a"))


# --- root in another user's folder (sudo -E with that user's HOME) -----------------------


@pytest.mark.needs_root("only root can make files for another user")
def test_root_gives_what_it_makes_in_a_users_folder_to_that_user_but_not_the_cache(
    tmp_path: Path,
) -> None:
    user = (4242, 4343)  # nobody on this machine: "another user"
    home = tmp_path / "home"
    home.mkdir()
    os.chown(home, *user)
    config = home / ".config" / "ecrlogin"
    files.make_private_dirs(str(config), keep_owner=True)
    files.write_private(str(config / "config.toml"), b"", keep_owner=True)
    with files.locked(str(config / "other.toml")):  # a lock of a file not made yet
        pass
    for made in (home / ".config", config, config / "config.toml", config / "other.toml.lock"):
        assert (made.stat().st_uid, made.stat().st_gid) == user, made
    # Root's tokens never become the user's: the cache stays root's, even in that HOME.
    cache = home / ".cache" / "ecrlogin"
    files.make_private_dirs(str(cache))
    files.write_private(str(cache / "entry.token"), b"root's token")
    for made in (home / ".cache", cache, cache / "entry.token"):
        assert (made.stat().st_uid, made.stat().st_gid) == (0, 0), made
