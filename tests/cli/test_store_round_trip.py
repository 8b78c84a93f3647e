"""`login --helper --store` then `logout --helper --store` puts back every byte it changed:
docker's config.json and the ecrlogin config, alone or 20 processes at once."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecrlogin import config, login
from ecrlogin.errors import ConfigurationError
from tests.support.env import isolated_env
from tests.support.files import one_error_line
from tests.support.tools import BIN, ecrlogin

ECR = "123456789012.dkr.ecr.us-west-2.amazonaws.com"
MAPPING = f'[registries."{ECR}"]\nprofile = "prod"\n'


def docker_json(data: dict[str, object]) -> bytes:
    # As docker and ecrlogin write it: any edit of the file rewrites it in this form.
    return (json.dumps(data, indent="\t", ensure_ascii=False) + "\n").encode()


def setup(home: Path, docker: dict[str, object], toml: str | None) -> tuple[Path, Path]:
    path = home / "docker" / "config.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(docker_json(docker))
    ecrlogin_config = home / "ecrlogin.toml"
    if toml is not None:
        ecrlogin_config.write_text(toml)
        ecrlogin_config.chmod(0o600)
    return path, ecrlogin_config


def envs(aws_env: dict[str, str], path: Path, ecrlogin_config: Path) -> dict[str, str]:
    return {**aws_env, "DOCKER_CONFIG": str(path.parent), "ECRLOGIN_CONFIG": str(ecrlogin_config)}


def test_a_fallback_the_user_set_never_becomes_a_credsstore(
    aws_env: dict[str, str], tmp_path: Path
) -> None:
    # The README tells users to set [store] fallback; logout used to write it as credsStore.
    path, own = setup(tmp_path, {"psFormat": "table"}, MAPPING + '\n[store]\nfallback = "pass"\n')
    before = (path.read_bytes(), own.read_bytes())
    env = envs(aws_env, path, own)
    assert ecrlogin("login", "--helper", "--store", env=env).returncode == 0
    assert json.loads(path.read_text())["credsStore"] == "ecrlogin"
    done = ecrlogin("logout", "--helper", "--store", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stderr.decode() == f"ecrlogin: ok: credsStore 'ecrlogin' removed from {path}\n"
    assert (path.read_bytes(), own.read_bytes()) == before


def test_logout_reading_another_config_still_puts_the_old_store_back(
    aws_env: dict[str, str], tmp_path: Path
) -> None:
    path, own = setup(tmp_path, {"credsStore": "pass", "auths": {}}, MAPPING)
    before = (path.read_bytes(), own.read_bytes())
    assert ecrlogin("login", "--helper", "--store", env=envs(aws_env, path, own)).returncode == 0
    assert own.read_text().endswith('[store]\nfallback = "pass"\n')
    other = tmp_path / "other.toml"  # e.g. a shell where ECRLOGIN_CONFIG points elsewhere
    done = ecrlogin("logout", "--helper", "--store", env=envs(aws_env, path, other))
    assert done.returncode == 0, done.stderr
    assert done.stderr.decode() == f"ecrlogin: ok: credsStore in {path} is 'pass' again\n"
    assert (path.read_bytes(), own.read_bytes()) == before
    assert not other.exists()


def test_the_fallback_named_is_the_variable_when_it_is_set(
    aws_env: dict[str, str], tmp_path: Path
) -> None:
    path, own = setup(tmp_path, {"credsStore": "pass"}, None)
    env = {**envs(aws_env, path, own), "ECRLOGIN_FALLBACK_STORE": "secretservice"}
    done = ecrlogin("login", "--helper", "--store", env=env)
    assert done.returncode == 0, done.stderr
    assert (
        done.stderr.decode()
        .splitlines()[0]
        .endswith("every other registry goes to its fallback store docker-credential-secretservice")
    )
    assert own.read_text() == '[store]\nfallback = "pass"\n'  # the old store is still kept
    assert ecrlogin("logout", "--helper", "--store", env=env).returncode == 0
    assert path.read_bytes() == docker_json({"credsStore": "pass"})
    assert not own.exists()  # login made it; logout takes it away again


ROUND_TRIP = """
import subprocess, sys
for action in ("login", "logout"):
    done = subprocess.run([sys.argv[1], action, "--helper", "--store"], capture_output=True)
    if done.returncode:
        sys.exit(action + ": " + done.stderr.decode())
"""


@pytest.mark.parametrize("shared_docker_config", [True, False])
def test_twenty_concurrent_round_trips_leave_every_byte_as_it_was(
    aws_env: dict[str, str], tmp_path: Path, shared_docker_config: bool
) -> None:
    own = tmp_path / "ecrlogin.toml"
    own.write_text(MAPPING)
    own.chmod(0o600)
    paths = []
    for n in range(1 if shared_docker_config else 20):
        path = tmp_path / f"d{n}" / "config.json"
        path.parent.mkdir()
        path.write_bytes(docker_json({"credsStore": "pass", "auths": {}, "n": n}))
        paths.append(path)
    before = {path: path.read_bytes() for path in [*paths, own]}
    runs = [
        subprocess.Popen(
            ["python3", "-c", ROUND_TRIP, str(BIN / "ecrlogin")],
            env=envs(aws_env, paths[n % len(paths)], own),
            stderr=subprocess.PIPE,
        )
        for n in range(20)
    ]
    for run in runs:
        _, err = run.communicate(timeout=300)
        assert run.returncode == 0, err
    assert {path: path.read_bytes() for path in before} == before


# --- the same round trip over generated files, in-process --------------------------------

STORES = st.sampled_from(["pass", "secretservice", "osxkeychain", "ecrlogin"])
OTHER_KEYS: st.SearchStrategy[dict[str, object]] = st.dictionaries(
    st.sampled_from(["auths", "psFormat", "credHelpers", "zz", "HttpHeaders"]),
    st.just({}) | st.text(max_size=5),
    max_size=3,
)


def test_concurrent_logins_all_name_the_fallback_store_the_first_one_kept(
    aws_env: dict[str, str], tmp_path: Path
) -> None:
    # Each run used to read the ecrlogin config before taking the lock: all but the first
    # found no fallback yet and warned that other registries had none.
    path, own = setup(tmp_path, {"credsStore": "pass"}, None)
    env = envs(aws_env, path, own)
    runs = [
        subprocess.Popen(
            [str(BIN / "ecrlogin"), "login", "--helper", "--store"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(10)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0] * 10, outputs
    assert own.read_text() == '[store]\nfallback = "pass"\n'
    for _, stderr in outputs:
        assert b"no fallback store" not in stderr, stderr
        assert b"docker-credential-pass" in stderr, stderr


@pytest.mark.parametrize(
    "note",
    [
        {"credsStore": "pass", "config": {}},
        {"credsStore": "pass", "config": {"path": "x", "before": None, "after": "%%"}},
        {"credsStore": "../../../tmp/evil", "config": None},
        {"credsStore": "--help", "config": None},
    ],
    ids=["no-path", "bad-base64", "a-path", "an-option"],
)
def test_a_damaged_note_is_one_line_naming_it_and_nothing_is_written(
    aws_env: dict[str, str], tmp_path: Path, note: dict[str, object]
) -> None:
    path, own = setup(tmp_path, {"credsStore": "pass"}, None)
    env = envs(aws_env, path, own)
    assert ecrlogin("login", "--helper", "--store", env=env).returncode == 0
    (kept,) = (tmp_path / "home").rglob("stores/*")
    kept.write_text(json.dumps(note))
    before = (path.read_bytes(), own.read_bytes())
    done = ecrlogin("logout", "--helper", "--store", env=env)
    assert (done.returncode, done.stdout) == (253, b"")
    line = one_error_line(done.stderr)
    assert line.startswith(f"The note {kept} that login --helper --store kept is damaged")
    assert "Remove that note" in line
    assert (path.read_bytes(), own.read_bytes()) == before


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("ECRLOGIN_FALLBACK_STORE", raising=False)
    return tmp_path


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    others=OTHER_KEYS,
    store=st.none() | STORES,
    position=st.integers(min_value=0, max_value=3),
    toml=st.sampled_from(
        [
            None,
            "",
            MAPPING,
            MAPPING.rstrip("\n"),
            '[store]\nfallback = "pass"\n',
            "# mine\n[store]\n",
        ]
    ),
)
def test_any_round_trip_restores_both_files_exactly(
    state: Path, others: dict[str, object], store: str | None, position: int, toml: str | None
) -> None:
    items = list(others.items())
    if store is not None:
        items.insert(min(position, len(items)), ("credsStore", store))
    home = state / os.urandom(4).hex()
    path, own = setup(home, dict(items), toml)
    before = (path.read_bytes(), own.read_bytes() if own.exists() else None)
    try:
        login.set_store(path, str(own))
    except ConfigurationError:  # e.g. the config names another fallback: nothing changed
        assert (path.read_bytes(), own.read_bytes() if own.exists() else None) == before
        return
    login.remove_store(path, config.load(home / "elsewhere.toml"))
    if store == "ecrlogin":  # already logged in: nothing to restore, and logout undoes that
        assert "credsStore" not in json.loads(path.read_bytes())
        return
    assert (path.read_bytes(), own.read_bytes() if own.exists() else None) == before


OTHER_UID, OTHER_GID = 4242, 4343  # nobody on this machine: "another user"


@pytest.fixture
def open_place() -> Iterator[Path]:
    """A folder every user may enter (tmp_path's parents are root's 0700)."""
    directory = Path(tempfile.mkdtemp(prefix="ecrlogin-store-"))
    directory.chmod(0o755)
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


@pytest.mark.needs_root("only root can give a symbolic link to another user")
def test_a_link_another_user_left_in_a_sticky_folder_is_not_written_through(
    aws_env: dict[str, str], open_place: Path
) -> None:
    sticky = open_place / "tmp"  # as /tmp: anyone may add a name, only its owner remove it
    sticky.mkdir()
    sticky.chmod(0o1777)
    victim = open_place / "victim.toml"  # a file of root's the link's owner wants changed
    victim.write_text("# root's own\n")
    link = sticky / "ecrlogin.toml"
    link.symlink_to(victim)
    os.lchown(link, OTHER_UID, OTHER_GID)
    path, _ = setup(open_place / "home", {"credsStore": "pass"}, None)
    before = path.read_bytes()
    done = ecrlogin("login", "--helper", "--store", env=envs(aws_env, path, link))
    assert (done.returncode, done.stdout) == (253, b"")
    line = one_error_line(done.stderr)
    assert line.startswith(f"Will not follow the symbolic link {link}: ")
    assert f"belongs to uid {OTHER_UID}" in line
    assert "Remove that link" in line
    assert victim.read_text() == "# root's own\n"
    assert path.read_bytes() == before
    assert not list(open_place.glob("home/.local/state/**/stores/*"))


@pytest.mark.needs_root("only root can give a symbolic link to another user")
def test_a_docker_config_link_another_user_left_in_a_sticky_folder_is_not_written_through(
    aws_env: dict[str, str], open_place: Path
) -> None:
    sticky = open_place / "tmp"
    sticky.mkdir()
    sticky.chmod(0o1777)
    victim = open_place / "victim.json"  # root's own config.json elsewhere
    victim.write_bytes(docker_json({"credsStore": "pass"}))
    before = victim.read_bytes()
    link = sticky / "config.json"
    link.symlink_to(victim)
    os.lchown(link, OTHER_UID, OTHER_GID)
    own = open_place / "ecrlogin.toml"
    done = ecrlogin("login", "--helper", "--store", env=envs(aws_env, link, own))
    assert (done.returncode, done.stdout) == (253, b"")
    line = one_error_line(done.stderr)
    assert line.startswith(f"Will not follow the symbolic link {link}: ")
    assert f"belongs to uid {OTHER_UID}" in line
    assert victim.read_bytes() == before
    assert not own.exists()
    assert link.is_symlink()


@pytest.mark.needs_root("only root can run with another user's HOME")
def test_root_with_a_users_home_leaves_the_user_owning_what_it_made(
    moto_url: str, open_place: Path
) -> None:
    # sudo -E ecrlogin login --helper --store: HOME (and no XDG_*) is the user's.
    home = open_place / "home"
    env = {**isolated_env(home), "AWS_ENDPOINT_URL": moto_url}
    for variable in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_RUNTIME_DIR"):
        env.pop(variable, None)
    path = home / ".docker" / "config.json"
    path.parent.mkdir(parents=True)
    path.write_bytes(docker_json({"credsStore": "pass"}))
    for users in (home, path.parent, path):
        os.chown(users, OTHER_UID, OTHER_GID)
    done = ecrlogin("login", "--helper", "--store", env=env)
    assert done.returncode == 0, done.stderr
    own = home / ".config" / "ecrlogin" / "config.toml"
    assert own.read_text() == '[store]\nfallback = "pass"\n'
    notes = list((home / ".local" / "state" / "ecrlogin" / "stores").iterdir())
    assert len(notes) == 1
    made: list[Path] = [own, *notes, path]
    made += [item for item in home.rglob("*") if item.is_dir()]
    made += list(home.rglob("*.lock"))
    wrong = {
        str(item.relative_to(home)): (item.stat().st_uid, item.stat().st_gid)
        for item in made
        if (item.stat().st_uid, item.stat().st_gid) != (OTHER_UID, OTHER_GID)
    }
    assert wrong == {}
    assert stat.S_IMODE(own.stat().st_mode) == 0o600
