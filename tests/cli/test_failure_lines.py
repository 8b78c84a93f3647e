"""Every failure has its line: cases that once ended in "Unexpected ... report it".

stdout closed, full or unable to encode the password; a credential_process
that prints garbage; JSON and TOML nested too deeply; config files that are
huge or endless. Each is run through the installed programs, where streams,
devices and limits are real, and must give an empty stdout, exactly one
stderr line with a cause and a fix, and the documented exit code.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import faultserver as fs
from tests.support.faults import PRIVATE_HOST
from tests.support.faultserver import FAULT_PASSWORD, FaultServer
from tests.support.files import one_error_line
from tests.support.tools import BIN, ecrlogin

HELPER = str(BIN / "docker-credential-ecrlogin")
PROVIDER = str(BIN / "ecrlogin-credential-provider")


def run_with_stdout(
    argv: list[str], stdout: int | None, env: dict[str, str], stdin: bytes = b""
) -> subprocess.CompletedProcess[bytes]:
    """Run `argv` with fd 1 set to `stdout` (None: closed, as `>&-` leaves it)."""
    if stdout is None:
        # The shell closes fd 1 for the program only, exactly as `cmd >&-` does.
        argv = ["/bin/sh", "-c", 'exec "$@" >&-', "sh", *argv]
    return subprocess.run(
        argv,
        input=stdin,
        stdout=subprocess.DEVNULL if stdout is None else stdout,
        stderr=subprocess.PIPE,
        env=env,
        timeout=60,
        check=False,
    )


@pytest.fixture
def closed_pipe() -> Iterator[int]:
    """The write end of a pipe whose reader has already gone."""
    read, write = os.pipe()
    os.close(read)
    yield write
    os.close(write)


@pytest.fixture
def dev_full() -> Iterator[int]:
    """/dev/full: every write fails with ENOSPC, like a full disk."""
    if not os.path.exists("/dev/full"):
        pytest.fail("/dev/full is missing: this is a Linux test")
    fd = os.open("/dev/full", os.O_WRONLY)
    yield fd
    os.close(fd)


def token_env(
    fault_server: FaultServer, fault_env: dict[str, str], password: str = FAULT_PASSWORD
) -> dict[str, str]:
    """fault_env with the endpoint answering a token for `password` every time."""
    scenario = fault_server.scenario(*[fs.token(password=password)] * 4)
    return {**fault_env, "AWS_ENDPOINT_URL": scenario.url}


# --- stdout: closed, full, or the wrong encoding ------------------------------------------

COMMANDS = {
    "get-login-password": ["get-login-password"],
    "get-authorization-token": ["get-authorization-token", "--output", "json"],
    "version": ["--version"],
}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_closed_stdout_is_one_line_and_255(
    command: str, fault_server: FaultServer, fault_env: dict[str, str]
) -> None:
    env = token_env(fault_server, fault_env)
    result = run_with_stdout([str(BIN / "ecrlogin"), *COMMANDS[command]], None, env)
    assert result.returncode == 255, result.stderr
    assert one_error_line(result.stderr) == (
        "stdout is closed, so there is nowhere to write the output. Run it with stdout open: "
        "redirect it to a file or a pipe instead of closing it."
    )


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_full_stdout_is_one_line_and_255(
    command: str, fault_server: FaultServer, fault_env: dict[str, str], dev_full: int
) -> None:
    # One line: the unwritten rest must not fail again when Python flushes at exit.
    env = token_env(fault_server, fault_env)
    result = run_with_stdout([str(BIN / "ecrlogin"), *COMMANDS[command]], dev_full, env)
    assert result.returncode == 255, result.stderr
    assert one_error_line(result.stderr) == (
        "Cannot write the output to stdout: No space left on device. Free space where stdout "
        "goes, or redirect it to a file or a pipe that accepts it."
    )


NON_ASCII_PASSWORD = "pässwörd-€-" + FAULT_PASSWORD


def test_an_encoding_that_cannot_hold_the_password_shows_none_of_it(
    fault_server: FaultServer, fault_env: dict[str, str]
) -> None:
    env = {
        **token_env(fault_server, fault_env, password=NON_ASCII_PASSWORD),
        "PYTHONIOENCODING": "ascii",
    }
    result = ecrlogin("get-login-password", env=env)
    assert (result.returncode, result.stdout) == (255, b"")
    line = one_error_line(result.stderr)
    assert line == (
        "stdout's encoding (ascii) cannot hold the output. Set PYTHONIOENCODING=utf-8 or use "
        "a UTF-8 locale (e.g. LC_ALL=C.UTF-8)."
    )
    # Before, the message quoted the character that failed: a piece of the password.
    assert FAULT_PASSWORD not in line
    assert not {"ä", "ö", "€"} & set(result.stderr.decode("ascii", "backslashreplace"))
    assert b"\\xe4" not in result.stderr
    assert b"\\u20ac" not in result.stderr


def test_the_same_password_prints_with_a_utf8_stdout(
    fault_server: FaultServer, fault_env: dict[str, str]
) -> None:
    env = {
        **token_env(fault_server, fault_env, password=NON_ASCII_PASSWORD),
        "PYTHONIOENCODING": "utf-8",
    }
    result = ecrlogin("get-login-password", env=env)
    assert (result.returncode, result.stderr) == (0, b"")
    assert result.stdout == NON_ASCII_PASSWORD.encode() + b"\n"


# --- the credential helper exits 1 when its answer was not delivered ---------------------


KUBELET_REQUEST = json.dumps(
    {
        "apiVersion": "credentialprovider.kubelet.k8s.io/v1",
        "kind": "CredentialProviderRequest",
        "image": f"{PRIVATE_HOST}/app:1",
    }
)
# Each protocol program, how it is asked for a token, and who it says got nothing.
ANSWERING = {
    "helper": ([HELPER, "get"], PRIVATE_HOST, "the client"),
    "kubelet-provider": ([PROVIDER], KUBELET_REQUEST, "kubelet"),
}


@pytest.mark.parametrize("program", list(ANSWERING))
@pytest.mark.parametrize(
    ("where", "reason"),
    [
        ("closed", "stdout is closed"),
        ("full", "No space left on device"),
        ("gone", "the client closed the pipe"),
    ],
)
def test_a_protocol_program_exits_1_when_its_answer_is_not_delivered(
    program: str,
    where: str,
    reason: str,
    fault_server: FaultServer,
    fault_env: dict[str, str],
    request: pytest.FixtureRequest,
) -> None:
    argv, stdin, reader = ANSWERING[program]
    env = token_env(fault_server, fault_env)
    stdout: int | None = None
    if where == "full":
        stdout = request.getfixturevalue("dev_full")
    elif where == "gone":
        stdout = request.getfixturevalue("closed_pipe")
    result = run_with_stdout(argv, stdout, env, stdin=stdin.encode())
    assert result.returncode == 1, result.stderr
    assert one_error_line(result.stderr) == (
        f"Could not write the answer to stdout ({reason}); {reader} got nothing."
    )


def test_the_helper_version_on_a_full_stdout_exits_1(dev_full: int) -> None:
    result = run_with_stdout([HELPER, "version"], dev_full, dict(os.environ))
    assert result.returncode == 1
    assert "No space left on device" in one_error_line(result.stderr)


# --- a credential_process that prints garbage --------------------------------------------

GARBAGE_SECRET = "GaRbAgE-SeCrEt-0123456789"
GARBAGE = {
    "not-json": f"here is {GARBAGE_SECRET}",
    "not-utf8": "\udcff\udcfe",  # printed as raw bytes 0xff 0xfe
    "a-list": f'["{GARBAGE_SECRET}"]',
    "deeply-nested": "[" * 100_000,
    "numbers-for-keys": '{"Version": 1, "AccessKeyId": 1, "SecretAccessKey": 2}',
    "bad-expiration": (
        '{"Version": 1, "AccessKeyId": "AKIAX", "SecretAccessKey": "'
        + GARBAGE_SECRET
        + '", "Expiration": "'
        + GARBAGE_SECRET
        + '"}'
    ),
}


@pytest.mark.parametrize("case", list(GARBAGE))
def test_a_credential_process_printing_garbage_is_a_configuration_error(
    case: str, tmp_path: Path, fault_server: FaultServer, fault_env: dict[str, str]
) -> None:
    script = tmp_path / "creds.py"
    script.write_text(f"import os, sys\nsys.stdout.buffer.write(os.fsencode({GARBAGE[case]!r}))\n")
    config = tmp_path / "aws-config"
    config.write_text(f"[default]\ncredential_process = {sys.executable} {script}\n")
    env = {
        key: value
        for key, value in token_env(fault_server, fault_env).items()
        if key not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
    }
    env["AWS_CONFIG_FILE"] = str(config)
    result = ecrlogin("get-login-password", env=env)
    assert (result.returncode, result.stdout) == (253, b""), result.stderr
    line = one_error_line(result.stderr)
    assert "credential" in line
    assert GARBAGE_SECRET not in line  # what it printed may be a secret: never quoted


# --- nesting and size: bounded reads --------------------------------------------------------


def _limit_memory() -> None:
    # A regression to an unbounded read of /dev/zero fails this test instead of the machine.
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


def test_an_endless_ecrlogin_config_is_refused(aws_env: dict[str, str]) -> None:
    result = subprocess.run(
        [str(BIN / "ecrlogin"), "login", "--write-config"],
        env={**aws_env, "ECRLOGIN_CONFIG": "/dev/zero"},
        capture_output=True,
        timeout=60,
        preexec_fn=_limit_memory,
        check=False,
    )
    assert (result.returncode, result.stdout) == (253, b"")
    assert one_error_line(result.stderr) == (
        "Cannot read the ecrlogin config file /dev/zero: it is a character device, not a "
        "regular file. Point ECRLOGIN_CONFIG at a regular TOML file (or unset it)."
    )


@pytest.mark.parametrize(
    ("variable", "size", "words"),
    [
        ("ECRLOGIN_CONFIG", (1 << 20) + 1, "is larger than 1024 KiB"),
        ("AWS_CONFIG_FILE", (16 << 20) + 1, "too large to be a config or credentials file"),
        ("AWS_SHARED_CREDENTIALS_FILE", 1 << 30, "is 1024 MiB, too large"),
    ],
)
def test_a_huge_config_file_is_refused_without_reading_it_whole(
    variable: str, size: int, words: str, tmp_path: Path, aws_env: dict[str, str]
) -> None:
    huge = tmp_path / "huge"
    with huge.open("wb") as handle:
        handle.truncate(size)  # sparse: no disk used
    result = ecrlogin("get-login-password", env={**aws_env, variable: str(huge)})
    if variable == "ECRLOGIN_CONFIG":  # read only by the commands that resolve targets
        result = ecrlogin("login", "--write-config", env={**aws_env, variable: str(huge)})
    assert (result.returncode, result.stdout) == (253, b"")
    line = one_error_line(result.stderr)
    assert str(huge) in line
    assert words in line


def test_a_huge_docker_config_is_refused_untouched(tmp_path: Path, aws_env: dict[str, str]) -> None:
    huge = tmp_path / "config.json"
    with huge.open("wb") as handle:
        handle.truncate((4 << 20) + 1)
    result = ecrlogin("login", "--write-config", "--config-file", str(huge), env=aws_env)
    assert (result.returncode, result.stdout) == (253, b"")
    assert f"Will not replace {huge}: it is larger than 4096 KiB" in one_error_line(result.stderr)
    assert huge.stat().st_size == (4 << 20) + 1


def test_a_deeply_nested_ecrlogin_config_is_one_line(
    tmp_path: Path, aws_env: dict[str, str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("a = " + "[" * 100_000 + "]" * 100_000 + "\n")
    result = ecrlogin("login", "--write-config", env={**aws_env, "ECRLOGIN_CONFIG": str(config)})
    assert (result.returncode, result.stdout) == (253, b"")
    assert one_error_line(result.stderr) == (
        f'{config}: arrays or tables nest too deeply to be read. Write plain [registries."HOST"] '
        "tables of strings."
    )


def test_a_deeply_nested_answer_from_the_endpoint_is_one_line(
    fault_server: FaultServer, fault_env: dict[str, str]
) -> None:
    body = b'{"authorizationData":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    scenario = fault_server.scenario(fs.raw(200, body), fs.raw(200, body))
    result = ecrlogin("get-login-password", "--endpoint-url", scenario.url, env=fault_env)
    assert (result.returncode, result.stdout) == (255, b"")
    assert one_error_line(result.stderr).startswith("The endpoint's answer is not an ECR response")
