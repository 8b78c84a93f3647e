"""Load and a damaged cache: the helper answers every `get`, and the endpoint is called once.

Against tests/support/faultserver.py, whose token expires in 2100 so the helper caches
it (moto's 2015 tokens are never cached).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support import faultserver as fs
from tests.support.faults import FETCHERS, HELPER_REPLY, PRIVATE_HOST
from tests.support.faultserver import FaultServer
from tests.support.helper import release_together
from tests.support.tools import BIN

HELPER = next(f for f in FETCHERS if f.helper)
PROCESSES = 200


def test_200_helpers_on_a_cold_cache_all_answer_and_the_endpoint_sees_one_call(
    fault_server: FaultServer, fault_env: dict[str, str]
) -> None:
    # Slow enough that the processes overlap the one call in flight.
    scenario = fault_server.scenario(fs.slow(fs.token(), 1.0))
    env = {**fault_env, "AWS_ENDPOINT_URL": scenario.url}
    argv = [str(BIN / HELPER.program), "get"]
    results = release_together(argv, PRIVATE_HOST.encode(), env, PROCESSES)
    assert [code for code, _, _ in results] == [0] * PROCESSES
    assert {out for _, out, _ in results} == {HELPER_REPLY}
    assert {err for _, _, err in results} == {b""}
    assert scenario.calls == 1


def _get(env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    return HELPER.run(None, env)


def test_a_cache_file_full_of_garbage_is_replaced_not_served(
    fault_server: FaultServer, fault_env: dict[str, str]
) -> None:
    scenario = fault_server.scenario(fs.token())
    env = {**fault_env, "AWS_ENDPOINT_URL": scenario.url}
    assert _get(env).stdout == HELPER_REPLY
    (entry,) = (Path(env["XDG_CACHE_HOME"]) / "ecrlogin").glob("*.token")
    garbage = bytes(range(256)) * 64
    entry.write_bytes(garbage)
    result = _get(env)
    assert (result.returncode, result.stdout, result.stderr) == (0, HELPER_REPLY, b"")
    assert scenario.calls == 2  # the garbage was not served: a fresh token was fetched
    assert entry.read_bytes() != garbage  # ...and cached in its place
    assert _get(env).stdout == HELPER_REPLY
    assert scenario.calls == 2


@pytest.mark.parametrize("where", ["under-a-file", "ECRLOGIN_CACHE_DIR-is-a-file"])
def test_a_cache_directory_that_cannot_be_created_never_breaks_get(
    where: str, fault_server: FaultServer, fault_env: dict[str, str]
) -> None:
    scenario = fault_server.scenario(fs.token())
    blocker = Path(fault_env["HOME"]) / "not-a-directory"
    blocker.write_text("a file where the cache directory should be\n")
    env = {**fault_env, "AWS_ENDPOINT_URL": scenario.url}
    if where == "under-a-file":
        env["XDG_CACHE_HOME"] = str(blocker)
    else:
        env["ECRLOGIN_CACHE_DIR"] = str(blocker)
    for _ in range(2):
        result = _get(env)
        assert result.returncode == 0, result.stderr
        assert result.stdout == HELPER_REPLY
        assert b"Traceback" not in result.stderr
        # At most one warning that names the directory; never an error.
        lines = result.stderr.decode().splitlines()
        assert len(lines) <= 1
        assert all(
            line.startswith("ecrlogin: warning: ") and str(blocker) in line for line in lines
        )
    assert scenario.calls == 2  # without a cache, each get fetches


def test_a_failing_endpoint_behind_a_cold_cache_is_the_protocols_failure(
    fault_server: FaultServer, fault_env: dict[str, str]
) -> None:
    scenario = fault_server.scenario(fs.access_denied())
    result = HELPER.run(scenario.url, fault_env)
    HELPER.assert_failed(result, 254, "AccessDeniedException")
    assert not list((Path(fault_env["XDG_CACHE_HOME"]) / "ecrlogin").glob("*.token"))
