"""Ctrl-C and `kill` mid-fetch: exit 130 / 143, nothing on stdout, one line, no files left.

The endpoint never answers (tests/support/faultserver.py's `hang`), so when the
endpoint has seen the call the process is certainly inside botocore's
request; the signal is sent then.
"""

from __future__ import annotations

import signal
import stat
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from ecrlogin import cli, errors
from ecrlogin.__main__ import main as ecrlogin_main
from tests.support import faultserver as fs
from tests.support.faults import FETCHERS, Fetcher, assert_failed, fetcher_id
from tests.support.faultserver import FaultServer, Scenario

SIGNALS = [
    pytest.param(signal.SIGINT, 130, "Interrupted", id="SIGINT"),
    pytest.param(signal.SIGTERM, 143, "Terminated", id="SIGTERM"),
]


@contextmanager
def running(
    fetcher: Fetcher, scenario: Scenario, env: dict[str, str], *extra: str
) -> Iterator[subprocess.Popen[bytes]]:
    """The command, started against `scenario`; killed on the way out if still running."""
    proc = fetcher.popen(scenario.url, env, *extra)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def interrupt_mid_fetch(
    fetcher: Fetcher, scenario: Scenario, env: dict[str, str], signum: int, *extra: str
) -> subprocess.CompletedProcess[bytes]:
    """Start the command, wait until the endpoint has its call, send `signum`, collect."""
    with running(fetcher, scenario, env, *extra) as proc:
        deadline = time.monotonic() + 30
        while scenario.calls == 0 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert scenario.calls == 1, "the command never reached the endpoint"
        proc.send_signal(signum)
        stdout = proc.stdout.read() if proc.stdout else b""
        stderr = proc.stderr.read() if proc.stderr else b""
        proc.wait(timeout=30)
        return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


def files_under(root: Path) -> list[str]:
    """Every file below `root`, relative, except lock files (which are meant to stay)."""
    return sorted(
        str(path.relative_to(root))
        for path in root.rglob("*")
        if path.is_file() and not path.name.endswith(".lock")
    )


@pytest.mark.parametrize(("signum", "exit_code", "word"), SIGNALS)
@pytest.mark.parametrize("fetcher", FETCHERS, ids=fetcher_id)
def test_signal_mid_fetch(
    fetcher: Fetcher,
    signum: int,
    exit_code: int,
    word: str,
    fault_server: FaultServer,
    fault_env: dict[str, str],
) -> None:
    scenario = fault_server.scenario(fs.hang)
    result = interrupt_mid_fetch(fetcher, scenario, fault_env, signum)
    fetcher.assert_failed(result, exit_code, word)
    # Nothing was fetched, so nothing may have been written: no temporary files either.
    assert files_under(Path(fault_env["HOME"])) == []
    if (Path(fault_env["XDG_CACHE_HOME"]) / "ecrlogin").exists():
        assert (
            stat.S_IMODE((Path(fault_env["XDG_CACHE_HOME"]) / "ecrlogin").stat().st_mode) == 0o700
        )


@pytest.mark.parametrize(("signum", "exit_code", "word"), SIGNALS)
def test_signal_mid_fetch_through_the_cache_leaves_no_temporary_file(
    signum: int,
    exit_code: int,
    word: str,
    fault_server: FaultServer,
    fault_env: dict[str, str],
) -> None:
    scenario = fault_server.scenario(fs.hang)
    result = interrupt_mid_fetch(FETCHERS[0], scenario, fault_env, signum, "--cache")
    assert_failed(result, exit_code, word)
    # The cache directory may exist (with its lock), but holds no entry and no temporary file.
    assert files_under(Path(fault_env["HOME"])) == []


def test_signal_with_debug_still_ends_in_one_error_line(
    fault_server: FaultServer, fault_env: dict[str, str]
) -> None:
    scenario = fault_server.scenario(fs.hang)
    result = interrupt_mid_fetch(FETCHERS[0], scenario, fault_env, signal.SIGINT, "--debug")
    assert result.returncode == 130
    assert result.stdout == b""
    stderr = result.stderr.decode()
    assert "Traceback" not in stderr
    assert stderr.splitlines()[-1] == "ecrlogin: error: Interrupted"


# -- the edge itself, in-process: a signal outside any command still gets one line ----------


@pytest.mark.parametrize(
    ("raised", "exit_code", "line"),
    [
        (errors.Signalled(130), 130, "ecrlogin: error: Interrupted\n"),
        (errors.Signalled(143), 143, "ecrlogin: error: Terminated\n"),
        (KeyboardInterrupt(), 130, "ecrlogin: error: Interrupted\n"),
    ],
    ids=["SIGINT", "SIGTERM", "KeyboardInterrupt"],
)
def test_main_reports_a_signal_before_any_command_runs(
    raised: BaseException,
    exit_code: int,
    line: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def interrupted() -> None:
        raise raised

    # Keep pytest's own signal handlers; only the edge is under test here.
    monkeypatch.setattr(errors, "handle_signals", lambda: None)
    monkeypatch.setattr(cli, "build_app", interrupted)
    with pytest.raises(SystemExit) as exited:
        ecrlogin_main(["get-login-password"])
    assert exited.value.code == exit_code
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", line)


def test_handle_signals_makes_each_signal_raise_signalled_with_its_code() -> None:
    expected = [(signal.SIGTERM, 143, "Terminated"), (signal.SIGINT, 130, "Interrupted")]
    if hasattr(signal, "SIGHUP"):  # not on Windows
        expected += [(signal.SIGHUP, 129, "Hangup"), (signal.SIGQUIT, 131, "Quit")]
    previous = {sig: signal.getsignal(sig) for sig, _, _ in expected}
    try:
        for sig, code, word in expected:
            errors.handle_signals()  # every program installs them per call
            with pytest.raises(errors.Signalled) as raised:
                signal.raise_signal(sig)
            assert raised.value.exit_code == code
            assert errors.translate(raised.value).message == word
            # The first signal decides: a second one while the edge unwinds is ignored.
            signal.raise_signal(signal.SIGTERM)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def test_ctrl_c_while_the_program_loads_is_the_same_line_and_code(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import builtins

    real_import = builtins.__import__

    def interrupted_import(name: str, *args: object, **kwargs: object) -> object:
        if name == "ecrlogin.cli":
            raise KeyboardInterrupt
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(errors, "handle_signals", lambda: None)  # keep pytest's own
    monkeypatch.setattr(builtins, "__import__", interrupted_import)
    with pytest.raises(SystemExit) as exited:
        ecrlogin_main(["get-login-password"])
    assert exited.value.code == 130
    assert capsys.readouterr() == ("", "ecrlogin: error: Interrupted\n")
