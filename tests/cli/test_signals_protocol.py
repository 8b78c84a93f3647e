"""`kill` while the credential helper waits on its fallback store: the store's whole process
group ends with it, and the helper exits 143 (SIGTERM) / 129 (SIGHUP) with one line.

The store is a real program on PATH that starts a child of its own and then waits;
it writes its pid (its process group's id) once both are running, and the signal is
sent to the helper then.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.support.env import isolated_env
from tests.support.helper import HELPER

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX signals and process groups")

# docker login's payload for a host ecrlogin does not serve: it goes to the fallback store.
STORE_PAYLOAD = b'{"ServerURL":"registry.example.com","Username":"u","Secret":"s3cret-value"}'
HOST = b"registry.example.com\n"
ACTIONS = [
    pytest.param("get", HOST, id="get"),
    pytest.param("store", STORE_PAYLOAD, id="store"),
    pytest.param("erase", HOST, id="erase"),
    pytest.param("list", b"", id="list"),
]
SIGNALS = [
    pytest.param(signal.SIGTERM, 143, "Terminated", id="SIGTERM"),
    pytest.param(signal.SIGHUP, 129, "Hangup", id="SIGHUP"),
]

# A store that never answers: a child in its own group, then its pid, then a wait.
SLOW_STORE = """#!/bin/sh
sleep 300 &
echo $$ > "$STORE_PID_FILE.tmp" && mv "$STORE_PID_FILE.tmp" "$STORE_PID_FILE"
wait
"""


def group_members(pgid: int) -> list[int]:
    """The live (not zombie) processes whose process group is `pgid`, read from /proc."""
    found = []
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat_file.read_text()
        except OSError:
            continue  # it ended while we looked
        # pid (comm) state ppid pgrp ...: comm may hold spaces, so split after its ")".
        state, _ppid, pgrp = text.rpartition(")")[2].split()[:3]
        if int(pgrp) == pgid and state != "Z":
            found.append(int(stat_file.parent.name))
    return found


@pytest.fixture
def store_env(tmp_path: Path) -> dict[str, str]:
    """An isolated environment whose fallback store is SLOW_STORE."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    store = bin_dir / "docker-credential-slow"
    store.write_text(SLOW_STORE)
    store.chmod(0o755)
    env = isolated_env(tmp_path / "home")
    env.update(
        {
            "PATH": f"{bin_dir}{os.pathsep}{env['PATH']}",
            "ECRLOGIN_FALLBACK_STORE": "slow",
            "ECRLOGIN_CLI_READ_TIMEOUT": "120",
            "STORE_PID_FILE": str(tmp_path / "store.pid"),
        }
    )
    return env


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process groups in /proc")
@pytest.mark.parametrize(("signum", "exit_code", "word"), SIGNALS)
@pytest.mark.parametrize(("action", "stdin"), ACTIONS)
def test_a_signal_during_the_fallback_store_ends_its_group_and_is_one_line(
    store_env: dict[str, str], action: str, stdin: bytes, signum: int, exit_code: int, word: str
) -> None:
    pid_file = Path(store_env["STORE_PID_FILE"])
    proc = subprocess.Popen(
        [HELPER, action],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=store_env,
    )
    pgid = 0
    try:
        assert proc.stdin is not None
        proc.stdin.write(stdin)
        proc.stdin.close()
        deadline = time.monotonic() + 30
        while not pid_file.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert pid_file.exists(), "the fallback store never started"
        pgid = int(pid_file.read_text())
        assert len(group_members(pgid)) >= 2  # the store and its child, both running
        proc.send_signal(signum)
        assert proc.stdout is not None
        assert proc.stderr is not None
        stdout, stderr = proc.stdout.read(), proc.stderr.read()  # tiny: never a full pipe
        assert proc.wait(timeout=30) == exit_code
        assert stdout == b""
        assert stderr.decode() == f"ecrlogin: error: {word}\n"
        # The helper killed the group before it exited; the kernel may take a moment to
        # take the store's child out of the process table.
        deadline = time.monotonic() + 10
        while group_members(pgid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert group_members(pgid) == []
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if pgid:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pgid, signal.SIGKILL)
