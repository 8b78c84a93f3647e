"""Many helper processes at once make one API call; a writer killed mid-write breaks nothing.

Against tests/support/faultserver.py, whose token is valid until 2100 (see tests/support/helper.py
for why not moto: its 2015 tokens are never cached, so it cannot show single flight).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from ecrlogin.cache import Store
from tests.support import faultserver as fs
from tests.support.env import ACCOUNT
from tests.support.faultserver import FAULT_PASSWORD, FaultServer
from tests.support.helper import (
    HELPER,
    age_past_half_life,
    cache_files,
    credentials_json,
    helper,
    release_together,
)
from tests.support.tools import ecrlogin

HOST = f"{ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com"
PROCESSES = 50


def test_fifty_processes_on_a_cold_cache_make_one_call(
    aws_env: dict[str, str], fault_server: FaultServer
) -> None:
    # Slow enough that every process misses while the first one's call is in flight.
    endpoint = fault_server.scenario(fs.slow(fs.token(), 1.0))
    env = {**aws_env, "AWS_ENDPOINT_URL": endpoint.url}
    results = release_together([HELPER, "get"], HOST.encode(), env, PROCESSES)
    assert endpoint.calls == 1
    assert [code for code, _, _ in results] == [0] * PROCESSES
    assert {out for _, out, _ in results} == {credentials_json(HOST, FAULT_PASSWORD)}
    assert {err for _, _, err in results} == {b""}
    assert len(cache_files(env)) == 1


def killer(hook: str) -> str:
    """A helper process that SIGKILLs itself inside the cache write (`hook`)."""
    return (
        "import os, signal, sys\n"
        "real_write = os.write\n"
        "def half_then_die(fd, data):\n"
        "    real_write(fd, bytes(data)[: len(data) // 2])\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        "def die(*args, **kwargs):\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        f"os.{hook} = {'half_then_die' if hook == 'write' else 'die'}\n"
        "sys.argv = ['docker-credential-ecrlogin', 'get']\n"
        "from ecrlogin.helper import main\n"
        "main()\n"
    )


@pytest.mark.posix  # SIGKILL
@pytest.mark.parametrize("hook", ["write", "replace"], ids=["mid-write", "before-rename"])
@pytest.mark.parametrize("warm", [False, True], ids=["cold", "warm"])
def test_a_writer_killed_mid_write_leaves_a_readable_cache(
    aws_env: dict[str, str], fault_server: FaultServer, hook: str, warm: bool
) -> None:
    endpoint = fault_server.scenario(fs.token())
    env = {**aws_env, "AWS_ENDPOINT_URL": endpoint.url}
    store = Store(str(Path(env["XDG_CACHE_HOME"]) / "ecrlogin"))
    before = None
    if warm:
        assert helper("get", HOST, env=env).returncode == 0
        before = age_past_half_life(store)  # so the killed process fetches and rewrites it
    killed = subprocess.run(
        [sys.executable, "-c", killer(hook)],
        input=HOST.encode(),
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert killed.returncode == -9, killed.stderr
    # The entry is the old one, whole, or there is none; never a torn file.
    assert [e.key for e in store.entries()] == ([before.key] if before else [])
    assert store.entries() == ([before] if before else [])
    # The dead writer's lock is gone with it: the next process neither waits nor fails.
    calls = endpoint.calls
    again = helper("get", HOST, env=env, timeout=30)
    assert (again.returncode, again.stdout) == (0, credentials_json(HOST, FAULT_PASSWORD))
    assert endpoint.calls == calls + 1
    assert helper("get", HOST, env=env).stdout == credentials_json(HOST, FAULT_PASSWORD)
    assert endpoint.calls == calls + 1
    listed = ecrlogin("cache", "list", env=env)
    assert listed.returncode == 0
    assert listed.stdout.decode().startswith(f"{HOST}\tus-west-2\t-\t")
    directory = Path(env["XDG_CACHE_HOME"]) / "ecrlogin"
    leftovers = list(directory.glob(".*.tmp"))
    assert len(leftovers) == 1  # the dead writer's temporary file, never read
    assert ecrlogin("cache", "clear", env=env).returncode == 0
    assert list(directory.iterdir()) == []


# --- a hung endpoint: waiting is bounded by each caller's own budget ---------------------

HANG_TIMEOUT = 2.0  # each caller's read timeout, in seconds
# Start-up of several processes at once on a loaded machine (each loads botocore on a
# miss), and the release_together settle time.
SLACK = 9.0


def test_callers_behind_a_hung_endpoint_share_its_failure_instead_of_queueing(
    fault_env: dict[str, str], fault_server: FaultServer
) -> None:
    # Before: each waiter took the lock in turn and tried again, so the sixth of six
    # callers with a 2 s timeout ended about 10 s after the first (six calls in all).
    endpoint = fault_server.scenario(fs.hang)
    env = {
        **fault_env,
        "AWS_ENDPOINT_URL": endpoint.url,
        "AWS_MAX_ATTEMPTS": "1",
        "ECRLOGIN_CLI_READ_TIMEOUT": f"{HANG_TIMEOUT:g}",
    }
    ended: list[float] = []
    started = time.monotonic()
    results = release_together([HELPER, "get"], HOST.encode(), env, 6, finished=ended, settle=1.0)
    ends = [round(t - started, 2) for t in ended]
    assert endpoint.calls == 1, ends
    # The first to end is the one that called; the others end as soon as it failed,
    # within one more timeout of it however slowly the machine runs them (queued, the
    # last would end five timeouts after the first, six after the release).
    assert ended[-1] - ended[0] < HANG_TIMEOUT, ends
    assert ended[-1] - started < 6 * HANG_TIMEOUT, ends
    for code, out, err in results:
        line = err.decode()
        assert code == 1, line
        assert line.startswith("ecrlogin: error: Timed out waiting for "), line
        assert line.count("\n") == 1
        assert out.decode() == line.removeprefix("ecrlogin: error: ")
    assert cache_files(env) == []


def test_a_caller_waits_no_longer_than_its_own_budget_for_another_call(
    fault_env: dict[str, str], fault_server: FaultServer
) -> None:
    # The first caller allows itself 30 s; the others, 1 s to connect and 1 s to read,
    # one attempt: they give up on its call after their own 2 s, with a line that says why.
    endpoint = fault_server.scenario(fs.hang)
    env = {**fault_env, "AWS_ENDPOINT_URL": endpoint.url, "AWS_MAX_ATTEMPTS": "1"}
    patient = subprocess.Popen(
        [HELPER, "get"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**env, "ECRLOGIN_CLI_READ_TIMEOUT": "30"},
    )
    try:
        assert patient.stdin is not None
        patient.stdin.write(HOST.encode())
        patient.stdin.close()
        deadline = time.monotonic() + 30
        while endpoint.calls == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert endpoint.calls == 1  # it holds the lock, waiting on the endpoint
        hurried = {**env, "ECRLOGIN_CLI_READ_TIMEOUT": "1", "ECRLOGIN_CLI_CONNECT_TIMEOUT": "1"}
        started = time.monotonic()
        results = release_together([HELPER, "get"], HOST.encode(), hurried, 3)
        elapsed = time.monotonic() - started
    finally:
        patient.kill()
        patient.wait()
    assert 2.0 <= elapsed < 2.0 + SLACK, elapsed  # the call it waited for is still going
    assert endpoint.calls == 1
    for code, out, err in results:
        line = err.decode()
        assert code == 1, line
        assert line.startswith(
            "ecrlogin: error: Timed out after 2 s waiting for another ecrlogin process's "
            "GetAuthorizationToken call"
        ), line
        assert "ECRLOGIN_CLI_READ_TIMEOUT" in line
        assert out.decode() == line.removeprefix("ecrlogin: error: ")
