"""Issue #15, third review: signals, encoded secrets, $GITHUB_OUTPUT and what botocore
loads or runs on its own. Real programs, real files and the suite's moto server."""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.cli.test_config_trust import OTHER_UID
from tests.support.helper import HELPER, helper
from tests.support.hostile import steering_file, without_keys
from tests.support.tools import ecrlogin

# Real users, /proc, FIFOs and the helper's process groups: Linux only.
pytestmark = pytest.mark.linux


# A failing fallback store that prints the password it was handed in encodings programs
# really use: UTF-16 (a Windows console program), hex (a debug dump of its input), and
# the decimal byte list Go's fmt prints for a []byte (every docker store is written in
# Go). The store is a stand-in: no real store can be made to fail this way on demand.
PROBE = """#!{python}
import json, os, sys

data = sys.stdin.buffer.read()
raw = json.loads(data)["Secret"].encode()
shows = {{
    "utf-16": lambda: ("bad secret " + raw.decode()).encode("utf-16-le"),
    "hex": lambda: b"bad secret " + raw.hex().encode(),
    "go-bytes": lambda: b"invalid input [" + " ".join(map(str, data)).encode() + b"]",
}}
sys.stdout.write("store refused\\n")
sys.stderr.buffer.write(shows[os.environ["PROBE_SHOWS"]]() + b"\\n")
sys.exit(3)
"""
STORED = "Tr0ub4dor&3-horse-battery"


@pytest.mark.parametrize(
    ("shows", "readable"),
    [
        ("utf-16", lambda line: line.replace("\\x00", "")),
        ("hex", lambda line: line.lower()),
        ("go-bytes", lambda line: line),
    ],
    ids=["utf-16", "hex", "go-bytes"],
)
def test_a_failing_store_printing_the_password_encoded_is_not_quoted(
    aws_env: dict[str, str], tmp_path: Path, shows: str, readable: Callable[[str], str]
) -> None:
    directory = tmp_path / "bin"
    directory.mkdir()
    script = directory / "docker-credential-probe"
    script.write_text(PROBE.format(python=sys.executable))
    script.chmod(0o755)
    env = {
        **aws_env,
        "PATH": f"{directory}:{aws_env['PATH']}",
        "ECRLOGIN_FALLBACK_STORE": "probe",
        "PROBE_SHOWS": shows,
    }
    payload = json.dumps({"ServerURL": "registry.example.com", "Username": "me", "Secret": STORED})
    done = helper("store", payload, env=env)
    assert (done.returncode, done.stdout) == (3, b"store refused\n")
    line = readable(done.stderr.decode())
    raw = STORED.encode()
    for form in (STORED, raw.hex(), " ".join(str(byte) for byte in raw)):
        assert form not in line, f"the password is readable on stderr as {form!r}: {line}"


def test_a_fifo_as_github_output_is_one_line_never_a_hang(
    aws_env: dict[str, str], tmp_path: Path
) -> None:
    """docs/security.md: every other file it touches is refused when it is a FIFO, never
    waited on; $GITHUB_OUTPUT is opened for writing without O_NONBLOCK and so blocks."""
    fifo = tmp_path / "github-output"
    os.mkfifo(fifo)
    env = {**aws_env, "GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(fifo)}
    try:
        done = ecrlogin("get-login-password", "--github-output", env=env, timeout=20)
    except subprocess.TimeoutExpired:
        pytest.fail("ecrlogin waited on a FIFO at $GITHUB_OUTPUT for 20 s")
    assert done.returncode != 0
    assert done.stdout == b""


@pytest.mark.needs_root("only root can give a symbolic link to another user")
def test_github_output_is_not_written_through_a_link_another_user_left(
    aws_env: dict[str, str], place: Path
) -> None:
    """$GITHUB_OUTPUT decides where the password goes: like every other such file it must
    not be followed through a symbolic link another user left in a sticky folder (the
    kernel's protected_symlinks rule, which docs/security.md says ecrlogin keeps even
    where that switch is off)."""
    sticky = place / "sticky"
    sticky.mkdir()
    sticky.chmod(0o1777)
    victim = place / "victims-file"
    victim.write_text("mine\n")
    victim.chmod(0o600)
    link = sticky / "github-output"
    link.symlink_to(victim)
    os.chown(link, OTHER_UID, OTHER_UID, follow_symlinks=False)
    env = {**aws_env, "GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(link)}
    ecrlogin("get-login-password", "--github-output", env=env)
    assert victim.read_text() == "mine\n", "the password went where another user's link points"


HANGING_STORE = """#!/bin/sh
# A store that hangs (a keyring prompt), with a child of its own.
sleep 300 &
echo $$ $! > "$STORE_PIDS"
wait
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat_file:
            return stat_file.read().split()[2] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False


@contextlib.contextmanager
def helper_in_a_hanging_store(
    aws_env: dict[str, str], tmp_path: Path, name: str
) -> Iterator[tuple[subprocess.Popen[bytes], list[int]]]:
    """The helper's `store` waiting on HANGING_STORE as its fallback: (the helper, the
    store's and its child's pids). Everything is killed on the way out."""
    folder = tmp_path / "bin"
    folder.mkdir(exist_ok=True)
    store = folder / "docker-credential-hangs"
    store.write_text(HANGING_STORE)
    store.chmod(0o755)
    pids_file = tmp_path / f"pids-{name}"
    env = {
        **aws_env,
        "PATH": f"{folder}:{aws_env['PATH']}",
        "ECRLOGIN_FALLBACK_STORE": "hangs",
        "STORE_PIDS": str(pids_file),
    }
    request = tmp_path / "request"
    request.write_text(
        json.dumps({"ServerURL": "registry.example.com", "Username": "me", "Secret": STORED})
    )
    with request.open("rb") as stdin:
        proc = subprocess.Popen(
            [HELPER, "store"], stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
        )
    pids: list[int] = []
    try:
        deadline = time.monotonic() + 30
        while not (pids_file.exists() and pids_file.read_text().strip()):
            assert time.monotonic() < deadline, "the store never started"
            time.sleep(0.02)
        pids = [int(pid) for pid in pids_file.read_text().split()]
        yield proc, pids
    finally:
        proc.kill()
        proc.wait()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize(
    "signum",
    [signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT],  # SIGQUIT: Ctrl-\ at a terminal
    ids=["SIGTERM", "SIGHUP", "SIGQUIT"],
)
def test_a_signal_to_the_helper_ends_the_fallback_store_it_runs(
    aws_env: dict[str, str], tmp_path: Path, signum: int
) -> None:
    """docs/security.md: programs it runs are in their own process group, and the whole
    group is ended when its time is up. The helper killed by docker or a CI runner
    (SIGTERM, SIGHUP) must not leave that store and its children running on their own."""
    with helper_in_a_hanging_store(aws_env, tmp_path, "one") as (proc, pids):
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=30)
        deadline = time.monotonic() + 5
        while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        left = [pid for pid in pids if _alive(pid)]
        assert not left, f"the store's processes {left} outlived the helper"
        assert stderr.count(b"\n") <= 1, stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_second_signal_while_the_first_is_handled_is_still_one_line(
    aws_env: dict[str, str], tmp_path: Path
) -> None:
    """systemd (SendSIGHUP=yes) sends SIGTERM and at once SIGHUP; a terminal that closes
    sends SIGHUP after Ctrl-C. The second signal lands while the edge turns the first into
    its line (loading the error module): the helper must still end in one line, never a
    traceback."""
    said = []
    for attempt, gap in enumerate([0.002, 0.004, 0.006, 0.002, 0.004]):
        with helper_in_a_hanging_store(aws_env, tmp_path, str(attempt)) as (proc, _):
            proc.send_signal(signal.SIGTERM)
            time.sleep(gap)
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGHUP)
            _, stderr = proc.communicate(timeout=30)
            said.append(stderr.decode(errors="replace"))
    broken = [text for text in said if "Traceback" in text or text.count("\n") != 1]
    assert not broken, broken[0]


def test_a_service_model_others_may_write_cannot_send_the_signed_call_elsewhere(
    aws_env: dict[str, str], tmp_path: Path
) -> None:
    """botocore loads service models and endpoint rules from ~/.aws/models and AWS_DATA_PATH
    before its own: a rule set in a folder anyone may write sends the signed
    GetAuthorizationToken call (access key id, session token, signature) to a host of
    that user's choice, and its answer becomes the password the helper hands out."""
    seen: list[str] = []

    class Catch(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            seen.append(self.headers.get("Authorization", ""))
            self.send_response(500)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Catch)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        models = tmp_path / "models" / "ecr" / "2015-09-21"
        models.mkdir(parents=True)
        rules = {
            "version": "1.0",
            "parameters": {
                "Region": {"builtIn": "AWS::Region", "required": False, "type": "String"},
                "UseDualStack": {
                    "builtIn": "AWS::UseDualStack", "required": True, "default": False,
                    "type": "Boolean",
                },
                "UseFIPS": {
                    "builtIn": "AWS::UseFIPS", "required": True, "default": False,
                    "type": "Boolean",
                },
                "Endpoint": {"builtIn": "SDK::Endpoint", "required": False, "type": "String"},
            },
            "rules": [
                {
                    "conditions": [],
                    "endpoint": {"url": f"http://127.0.0.1:{server.server_port}"},
                    "type": "endpoint",
                }
            ],
        }  # fmt: skip
        steering_file(models, "endpoint-rule-set-1.json", json.dumps(rules))
        env = {
            key: value for key, value in aws_env.items() if key != "AWS_ENDPOINT_URL"
        }  # the rule set decides the endpoint, as for a user with no override
        env.update({"AWS_DATA_PATH": str(tmp_path / "models"), "AWS_MAX_ATTEMPTS": "1"})
        ecrlogin("get-login-password", env=env, timeout=60)
    finally:
        server.shutdown()
        server.server_close()
    assert not seen, f"the signed call went to a host a file anyone may write chose: {seen[0]}"


def test_a_credential_process_found_through_an_empty_path_entry_is_not_run(
    aws_env: dict[str, str], tmp_path: Path
) -> None:
    """docs/security.md: it runs no program that is found first through an empty or
    relative PATH entry (`PATH=":$PATH"`), like docker. botocore runs the profile's
    credential_process for it, and finds it in the current folder (a checkout docker
    builds, say)."""
    folder = tmp_path / "checkout"
    folder.mkdir()
    marker = tmp_path / "ran"
    tool = folder / "credtool"
    tool.write_text(f"#!/bin/sh\ntouch {marker}\n")
    tool.chmod(0o755)
    config = tmp_path / "aws-config"
    config.write_text("[default]\ncredential_process = credtool\n")
    config.chmod(0o600)
    env = {
        **without_keys(aws_env),
        "PATH": f":{aws_env['PATH']}",
        "AWS_CONFIG_FILE": str(config),
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "ECRLOGIN_NO_CACHE": "1",
    }
    done = subprocess.run(
        [str(Path(sys.executable).parent / "ecrlogin"), "get-login-password"],
        cwd=folder,
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert not marker.exists(), "a credential_process in the current folder ran"
    assert done.returncode != 0
