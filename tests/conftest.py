"""Shared fixtures: a real moto server and a real distribution registry on loopback.

Every test that fetches a token talks over real HTTP to the moto server this
suite starts; the end-to-end tests drive real clients against the registry.
"""

from __future__ import annotations

import base64
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

from tests.faultserver import FaultServer, self_signed_certificate

ACCOUNT = "123456789012"  # moto's default account
MOTO_PASSWORD = f"{ACCOUNT}-auth-token"
SECRET_ACCESS_KEY = "tEsT+SeCrEt/AccessKey0123456789abcdefSECRET"
ACCESS_KEY_ID = "AKIATESTTESTTEST1234"
BIN = Path(sys.executable).parent
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# No per-example deadline: a loaded 2-core machine is slow, not wrong. In CI the
# examples are derandomized, so a red run is reproducible and never a coin toss;
# locally they stay random, to keep exploring.
settings.register_profile("ecrlogin", deadline=None)
settings.register_profile("ecrlogin-ci", deadline=None, derandomize=True, print_blob=True)
settings.load_profile("ecrlogin-ci" if IN_CI else "ecrlogin")


def require_tool(name: str) -> str:
    """Path of an external tool; a missing tool fails the run in CI and skips locally."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (.ci/run installs it)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


def free_port() -> int:
    """A TCP port that is free on loopback right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    """Wait until something listens on 127.0.0.1:port, or fail with the server's output."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
            pytest.fail(f"server exited early ({proc.returncode}):\n{out}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    proc.kill()
    pytest.fail(f"nothing listened on port {port} within {timeout}s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Terminate a server process and reap it."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    """A moto server on loopback: the ECR endpoint every fetching test talks to."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    wait_for_port(port, proc)
    yield f"http://127.0.0.1:{port}"
    stop(proc)


def isolated_env(home: Path) -> dict[str, str]:
    """This process's environment with HOME, the AWS config files and the XDG directories in
    `home`, static test credentials in us-east-1, and no AWS_, ECRLOGIN_, XDG_, DOCKER_ or CI
    settings of the developer's machine: nothing leaks in and nothing leaks out."""
    home.mkdir(parents=True, exist_ok=True)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "ECRLOGIN_", "XDG_", "DOCKER_", "REGISTRY_AUTH"))
        and key not in ("CI", "GITHUB_ACTIONS")
    }
    env.update(
        {
            "HOME": str(home),
            "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": str(home / "aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(home / "aws-credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "XDG_RUNTIME_DIR": str(home / "run"),
            "NO_COLOR": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    return env


@pytest.fixture
def aws_env(tmp_path: Path, moto_url: str) -> dict[str, str]:
    """An isolated environment (see isolated_env) in tmp_path, moto as the ECR endpoint."""
    return {**isolated_env(tmp_path / "home"), "AWS_ENDPOINT_URL": moto_url}


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


@dataclass(frozen=True)
class RegistryServer:
    """A running distribution registry with htpasswd user AWS and moto's password."""

    host: str
    password: str
    root: Path

    @property
    def url(self) -> str:
        return f"http://{self.host}"


def basic_token(username: str, password: str) -> str:
    """The base64 token ECR returns for these credentials."""
    return base64.b64encode(f"{username}:{password}".encode()).decode()


@pytest.fixture(scope="session")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryServer]:
    """Debian's `docker-registry` (the CNCF distribution registry) with htpasswd auth."""
    binary = require_tool("docker-registry")
    htpasswd = require_tool("htpasswd")
    root = tmp_path_factory.mktemp("registry")
    subprocess.run(
        [htpasswd, "-Bbc", str(root / "htpasswd"), "AWS", MOTO_PASSWORD],
        check=True,
        capture_output=True,
    )
    port = free_port()
    (root / "config.yml").write_text(
        f"""version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: {root / "data"}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:{port}
auth:
  htpasswd:
    realm: ecrlogin-tests
    path: {root / "htpasswd"}
"""
    )
    proc = subprocess.Popen(
        [binary, "serve", str(root / "config.yml")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    wait_for_port(port, proc)
    yield RegistryServer(host=f"127.0.0.1:{port}", password=MOTO_PASSWORD, root=root)
    stop(proc)


def http_status(url: str, headers: Mapping[str, str] | None = None) -> int:
    """The HTTP status of a GET, without raising for 4xx/5xx."""
    request = urllib.request.Request(url, headers=dict(headers or {}))  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


SESSION_TOKEN = "IQoJb3JpZ2luX2VjEXAMPLE+SessionToken/0123456789abcdefSESSION=="


@pytest.fixture(scope="session")
def fault_server() -> Iterator[FaultServer]:
    """A plain-HTTP GetAuthorizationToken endpoint whose answers each test scripts."""
    server = FaultServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def tls_fault_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultServer]:
    """The same endpoint over HTTPS with a self-signed certificate (`.certificate`)."""
    server = FaultServer(self_signed_certificate(tmp_path_factory.mktemp("tls"))).start()
    yield server
    server.stop()


def fault_env_for(home: Path) -> dict[str, str]:
    """isolated_env in `home`, plus a session token, two attempts per call and no endpoint.

    Each fault test names its own endpoint, so nothing reaches moto by accident.
    """
    return {
        **isolated_env(home),
        "AWS_SESSION_TOKEN": SESSION_TOKEN,
        # Bounded retries: a failing endpoint sees exactly two calls.
        "AWS_MAX_ATTEMPTS": "2",
    }


@pytest.fixture
def fault_env(tmp_path: Path) -> dict[str, str]:
    """An isolated environment for talking to the fault server (see fault_env_for)."""
    return fault_env_for(tmp_path / "home")
