"""Running the installed programs (ecrlogin, aws, ...) and finding external tools."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# CI runs the suite as root and again unprivileged; tests that need root are marked needs_root.
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0  # never on Windows


# AWS CLI v2 (Debian's awscli); `aws` in the venv is v1.
AWS_V2 = Path("/usr/bin/aws")


def require_aws_v2() -> Path:
    """AWS CLI v2 (Debian's awscli at /usr/bin/aws, the reference for all but get-login);
    missing, it fails the run in CI and skips locally."""
    return Path(require_tool(str(AWS_V2)))


def require_tool(name: str) -> str:
    """Path of an external tool; a missing tool fails the run in CI and skips locally."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (.ci/run installs it)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


AWS_V2 = Path("/usr/bin/aws")


def run(
    command: str,
    *args: str,
    env: Mapping[str, str],
    input: bytes | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[bytes]:
    """Run an installed console script (`ecrlogin`, `aws`, ...) from this venv."""
    executable = BIN / command
    path = str(executable) if executable.exists() else require_tool(command)
    return subprocess.run(
        [path, *args],
        env=dict(env),
        input=input,
        capture_output=True,
        timeout=timeout,
        check=False,
    )


def ecrlogin(
    *args: str, env: Mapping[str, str], input: bytes | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[bytes]:
    """Run the installed `ecrlogin` console script."""
    return run("ecrlogin", *args, env=env, input=input, timeout=timeout)


def aws_v2_and_ecrlogin(
    v2: Path, argv: Sequence[str], env: Mapping[str, str], endpoint: str
) -> tuple[subprocess.CompletedProcess[bytes], subprocess.CompletedProcess[bytes]]:
    """(AWS CLI v2, ecrlogin) on one argv, side by side, each aimed at `endpoint` unless
    argv names one (AWS CLI v2 ignores AWS_ENDPOINT_URL)."""
    given = any(arg.startswith("--endpoint-url") for arg in argv)
    full = [*argv] if given else [*argv, "--endpoint-url", endpoint]

    def theirs() -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [str(v2), *full], env=env, capture_output=True, timeout=120, check=False
        )

    with ThreadPoolExecutor(2) as pool:
        reference = pool.submit(theirs)
        ours = pool.submit(ecrlogin, *full, env=env)
        return reference.result(), ours.result()


def assert_both_print(
    v2: Path, argv: Sequence[str], env: Mapping[str, str], endpoint: str, expected: bytes
) -> None:
    """AWS CLI v2 and ecrlogin both exit 0 on `argv` with exactly `expected` on stdout."""
    theirs, ours = aws_v2_and_ecrlogin(v2, argv, env, endpoint)
    assert (theirs.returncode, theirs.stdout) == (0, expected), theirs.stderr.decode()
    assert (ours.returncode, ours.stdout) == (0, expected), ours.stderr.decode()


def http_status(url: str, headers: Mapping[str, str] | None = None) -> int:
    """The HTTP status of a GET, without raising for 4xx/5xx."""
    request = urllib.request.Request(url, headers=dict(headers or {}))  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
