"""Many helper processes at once make one API call; a writer killed mid-write breaks nothing.

Against tests/support/faultserver.py, whose token is valid until 2100 (see tests/support/helper.py
for why not moto: its 2015 tokens are never cached, so it cannot show single flight).
"""

from __future__ import annotations

import subprocess
import sys
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
