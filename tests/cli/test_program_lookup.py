"""Finding a fallback store or a client as docker finds it: never through a relative PATH entry.

A real file named docker-credential-evil sits in the current folder, and PATH
starts with an empty or `.` entry. Docker (Go's exec.LookPath, ErrDot) refuses
to run it; ecrlogin must refuse as well, with one line, before the file ever
runs. The file records every run, so "it did not run" is seen, not assumed.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecrlogin import clients, programs
from ecrlogin.errors import ClientLoginError
from tests.support.env import isolated_env
from tests.support.helper import HELPER
from tests.support.tools import BIN, require_tool

SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"
PAYLOAD = b'{"ServerURL":"registry.example.com","Username":"me","Secret":"hub-password-7f3a9c"}'


def plant_store(folder: Path, name: str = "docker-credential-evil") -> Path:
    """An executable in `folder` that records each run (its arguments and stdin) in ran.log."""
    log = folder / "ran.log"
    script = folder / name
    script.write_text(f'#!/bin/sh\necho "ran $*" >> {log}\ncat >> {log}\necho "{{}}"\n')
    script.chmod(0o755)
    return log


def run_in(
    folder: Path, argv: list[str], env: dict[str, str], stdin: bytes = b""
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        argv, cwd=folder, env=env, input=stdin, capture_output=True, timeout=60, check=False
    )


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A cloned repository, say: the current folder, holding a planted store."""
    clone = tmp_path / "clone"
    clone.mkdir()
    return clone


@pytest.mark.parametrize("path", [f":{BIN}:{SYSTEM_PATH}", f".:{BIN}:{SYSTEM_PATH}"])
@pytest.mark.parametrize("action", ["store", "get", "list", "erase"])
def test_a_store_in_the_current_folder_never_runs(
    folder: Path, tmp_path: Path, path: str, action: str
) -> None:
    log = plant_store(folder)
    env = {
        **isolated_env(tmp_path / "home"),
        "ECRLOGIN_FALLBACK_STORE": "evil",
        "PATH": path,
    }
    stdin = PAYLOAD if action == "store" else b"registry.example.com"
    result = run_in(folder, [HELPER, action], env, b"" if action == "list" else stdin)
    assert result.returncode == 1
    line = result.stderr.decode()
    assert line.count("\n") == 1, line
    assert line.startswith(
        "ecrlogin: error: The fallback credential store docker-credential-evil (set by "
        "ECRLOGIN_FALLBACK_STORE) was found as "
    ), line
    assert "relative PATH entry" in line
    assert "remove empty and relative entries from PATH" in line
    assert "hub-password" not in line
    assert not log.exists(), log.read_text()


def test_docker_refuses_the_same_store_and_runs_it_from_an_absolute_entry(
    folder: Path, tmp_path: Path
) -> None:
    # The reference behaviour, from the docker CLI itself: `docker login` asks its
    # credsStore for stored credentials before it talks to any daemon.
    docker = require_tool("docker")
    log = plant_store(folder)
    config = tmp_path / "docker-config"
    config.mkdir()
    (config / "config.json").write_text('{"credsStore": "evil"}\n')
    base = {
        **isolated_env(tmp_path / "home"),
        "DOCKER_CONFIG": str(config),
        "DOCKER_HOST": f"unix://{tmp_path / 'no-daemon.sock'}",
    }
    argv = [docker, "login", "registry.example.com"]
    for path in (f":{SYSTEM_PATH}", f".:{SYSTEM_PATH}"):
        run_in(folder, argv, {**base, "PATH": path})
        assert not log.exists(), f"docker ran the store through PATH={path}"
    run_in(folder, argv, {**base, "PATH": f"{folder}:{SYSTEM_PATH}"})
    assert log.read_text().startswith("ran get\n")  # the check can see a run

    # ecrlogin runs it from the same absolute entry too.
    log.unlink()
    env = {**isolated_env(tmp_path / "home"), "ECRLOGIN_FALLBACK_STORE": "evil"}
    env["PATH"] = f"{folder}:{BIN}:{SYSTEM_PATH}"
    result = run_in(folder, [HELPER, "get"], env, b"registry.example.com")
    assert (result.returncode, result.stdout) == (0, b"{}\n"), result.stderr
    assert log.read_text() == "ran get\nregistry.example.com"


def test_a_relative_entry_without_the_program_is_passed_over(folder: Path, tmp_path: Path) -> None:
    # As in Go: only a match found through a relative entry is refused.
    store_dir = tmp_path / "bin"
    store_dir.mkdir()
    log = plant_store(store_dir)
    env = {**isolated_env(tmp_path / "home"), "ECRLOGIN_FALLBACK_STORE": "evil"}
    env["PATH"] = f":.:{store_dir}:{BIN}:{SYSTEM_PATH}"
    result = run_in(folder, [HELPER, "get"], env, b"registry.example.com")
    assert (result.returncode, result.stdout) == (0, b"{}\n"), result.stderr
    assert log.read_text() == "ran get\nregistry.example.com"


def test_a_client_in_the_current_folder_is_not_run(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = plant_store(folder, "docker")
    monkeypatch.chdir(folder)
    monkeypatch.setenv("PATH", f":{SYSTEM_PATH}")
    with pytest.raises(ClientLoginError) as info:
        clients.login("docker", "registry.example.com", "AWS", "pw")
    assert "relative PATH entry ''" in info.value.message
    assert "Remove empty and relative entries from PATH" in info.value.message
    assert not log.exists()


ENTRIES = st.sampled_from(["", ".", "rel", "./rel", "../up", "abs1", "abs2", "abs3"])


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=60)
@given(
    entries=st.lists(ENTRIES, min_size=0, max_size=6),
    holders=st.sets(ENTRIES, max_size=4),
    data=st.data(),
)
def test_the_lookup_is_the_first_match_and_never_a_relative_one(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    entries: list[str],
    holders: set[str],
    data: st.DataObject,
) -> None:
    root = tmp_path / f"case-{os.urandom(4).hex()}"
    cwd = root / "cwd"
    cwd.mkdir(parents=True)
    monkeypatch.chdir(cwd)

    def where(entry: str) -> Path:
        return root / entry if entry.startswith("abs") else cwd / (entry or ".")

    for entry in holders:
        where(entry).mkdir(parents=True, exist_ok=True)
        program = where(entry) / "docker-credential-x"
        program.write_text("#!/bin/sh\n")
        # Some holders have the file without the execute bit: Go passes those over.
        program.chmod(0o755 if data.draw(st.booleans()) else 0o644)
    spelled = [str(root / e) if e.startswith("abs") else e for e in entries]
    if not os.pathsep.join(spelled):
        entries = []  # an empty PATH has no entries at all (Go's filepath.SplitList)
    first = next((e for e in entries if os.access(where(e) / "docker-credential-x", os.X_OK)), None)
    search = os.pathsep.join(spelled)
    if first is not None and not first.startswith("abs"):
        # Refused exactly when the first executable match came through a relative entry.
        with pytest.raises(programs.RelativePathEntry) as info:
            programs.look_path("docker-credential-x", search)
        assert info.value.entry == first
    elif first is None:
        assert programs.look_path("docker-credential-x", search) is None
    else:
        expected = str(where(first) / "docker-credential-x")
        assert programs.look_path("docker-credential-x", search) == expected


def test_login_helper_warns_when_clients_would_refuse_the_helper(
    folder: Path, tmp_path: Path
) -> None:
    # The helper only in the current folder, reached through an empty PATH entry: docker
    # would refuse to run it, so `login --helper` says so (and still writes the file).
    log = plant_store(folder, "docker-credential-ecrlogin")
    env = {**isolated_env(tmp_path / "home"), "PATH": f":{SYSTEM_PATH}"}
    config = tmp_path / "config.json"
    host = "123456789012.dkr.ecr.us-west-2.amazonaws.com"
    argv = [str(BIN / "ecrlogin"), "login", "--helper", "--config-file", str(config), host]
    result = run_in(folder, argv, env)
    assert result.returncode == 0, result.stderr
    assert (
        "ecrlogin: warning: docker-credential-ecrlogin is found as ./docker-credential-ecrlogin "
        "only through the relative PATH entry '', which clients refuse"
    ) in result.stderr.decode()
    assert not log.exists()


def test_a_path_entry_with_dot_dot_is_read_as_docker_reads_it(tmp_path: Path) -> None:
    # Go's exec.LookPath joins each entry with filepath.Join, which cleans `..` as text:
    # PATH=/home/me/link/../bin means /home/me/bin even when `link` is a symlink to
    # /opt/x/deep, where the kernel would read /opt/x/bin. Docker runs the first; so
    # must ecrlogin, or the fallback store it runs is not the one docker would.
    home = tmp_path / "home"
    (home / "bin").mkdir(parents=True)
    elsewhere = tmp_path / "opt"
    (elsewhere / "deep").mkdir(parents=True)
    (elsewhere / "bin").mkdir()
    (home / "link").symlink_to(elsewhere / "deep")
    plant_store(home / "bin", "docker-credential-x")
    plant_store(elsewhere / "bin", "docker-credential-x")
    found = programs.look_path("docker-credential-x", f"{home}/link/../bin")
    assert found == str(home / "bin" / "docker-credential-x")
    # Where docker finds nothing (a home without bin), nothing is found either.
    (tmp_path / "home2").mkdir()
    (tmp_path / "home2" / "link").symlink_to(elsewhere / "deep")
    assert programs.look_path("docker-credential-x", f"{tmp_path}/home2/link/../bin") is None
