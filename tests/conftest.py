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


def wait_for_port(
    port: int, proc: subprocess.Popen[bytes], timeout: float = 30.0, log: Path | None = None
) -> None:
    """Wait until something listens on 127.0.0.1:port, or fail with the server's output
    (its stdout pipe, or the `log` file it writes)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
            if log is not None:
                out += log.read_text(errors="replace")
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
def moto_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A moto server on loopback: the ECR endpoint every fetching test talks to."""
    port = free_port()
    # A log file, not a pipe nobody reads: moto logs a line per request, and once a pipe's
    # 64 KiB are full (about a thousand requests) the server blocks and every test hangs.
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    wait_for_port(port, proc, log=log)
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


def start_registry(root: Path) -> tuple[RegistryServer, subprocess.Popen[bytes]]:
    """Start Debian's `docker-registry` with its data and htpasswd file in `root`."""
    binary = require_tool("docker-registry")
    htpasswd = require_tool("htpasswd")
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
    # A log file, not a pipe: nobody reads a pipe while tests run, and a registry whose
    # warnings fill it (docker's pushes and pulls make many) blocks and hangs every client.
    log = root / "registry.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [binary, "serve", str(root / "config.yml")], stdout=out, stderr=subprocess.STDOUT
        )
    wait_for_port(port, proc, log=log)
    return RegistryServer(host=f"127.0.0.1:{port}", password=MOTO_PASSWORD, root=root), proc


@pytest.fixture(scope="session")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryServer]:
    """Debian's `docker-registry` (the CNCF distribution registry) with htpasswd auth."""
    server, proc = start_registry(tmp_path_factory.mktemp("registry"))
    yield server
    stop(proc)


@pytest.fixture(scope="session")
def second_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryServer]:
    """A second, separate registry like `registry`, for logins to two registries at once."""
    server, proc = start_registry(tmp_path_factory.mktemp("registry2"))
    yield server
    stop(proc)


@dataclass(frozen=True)
class DockerDaemon:
    """A running dockerd of this test session: its socket (`host`, for DOCKER_HOST) and log."""

    host: str
    root: Path
    log: Path

    def log_tail(self, lines: int = 40) -> str:
        """The end of the daemon's log, for a failing test's report."""
        try:
            text = self.log.read_text(errors="replace")
        except OSError as exc:
            return f"(no log: {exc})"
        return "\n".join(text.splitlines()[-lines:])


def _docker_ping(socket_path: Path) -> bool:
    """True once the daemon answers `GET /_ping` on its unix socket."""
    try:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(2)
            sock.connect(str(socket_path))
            sock.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
            return sock.recv(64).split(b"\r\n", 1)[0].endswith(b" 200 OK")
    except OSError:
        return False


@pytest.fixture(scope="session")
def dockerd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DockerDaemon]:
    """Debian's dockerd with its own data root, exec root, socket, pidfile and config, so it
    touches nothing of the machine's docker; stopped and removed at the end of the session."""
    binary = require_tool("dockerd")
    require_tool("docker")
    root = tmp_path_factory.mktemp("dockerd")
    socket_path = root / "docker.sock"
    (root / "daemon.json").write_text("{}\n")
    log = root / "dockerd.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                binary,
                f"--config-file={root / 'daemon.json'}",  # not /etc/docker/daemon.json
                f"--data-root={root / 'data'}",
                f"--exec-root={root / 'exec'}",
                f"--host=unix://{socket_path}",
                f"--pidfile={root / 'docker.pid'}",
                # No networks, no firewall rules, no overlay mounts: nothing outside `root`.
                "--iptables=false",
                "--ip-masq=false",
                "--bridge=none",
                "--storage-driver=vfs",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={"PATH": os.environ.get("PATH", os.defpath), "HOME": str(root)},
        )
    daemon = DockerDaemon(host=f"unix://{socket_path}", root=root, log=log)
    deadline = time.monotonic() + 60
    while not _docker_ping(socket_path):
        if proc.poll() is not None or time.monotonic() > deadline:
            stop(proc)
            pytest.fail(f"dockerd did not start ({proc.returncode}):\n{daemon.log_tail()}")
        time.sleep(0.1)
    yield daemon
    proc.terminate()
    try:
        proc.wait(timeout=30)  # dockerd stops its containerd before it exits
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    for name in ("data", "exec"):
        shutil.rmtree(root / name, ignore_errors=True)


GPG_USER = "ecrlogin-tests@example.invalid"


def succeed(argv: list[str], env: Mapping[str, str], timeout: float = 120) -> None:
    """Run a set-up command; it must succeed (its stderr is the failure's message)."""
    done = subprocess.run(argv, env=dict(env), capture_output=True, timeout=timeout, check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")


@pytest.fixture(scope="session")
def gnupg_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A throw-away GnuPG home with one key without a passphrase, for `pass` stores; its
    gpg-agent is stopped at the end of the session."""
    gpg = require_tool("gpg")
    home = tmp_path_factory.mktemp("gnupg")
    home.chmod(0o700)
    env = {"PATH": os.environ.get("PATH", os.defpath), "GNUPGHOME": str(home)}
    succeed([gpg, "--batch", "--passphrase", "", "--quick-gen-key", GPG_USER, "default",
             "default", "never"], env)  # fmt: skip
    yield home
    gpgconf = shutil.which("gpgconf")
    if gpgconf:
        subprocess.run([gpgconf, "--kill", "gpg-agent"], env=env, timeout=30, check=False)


@pytest.fixture
def pass_env(aws_env: dict[str, str], gnupg_home: Path, tmp_path: Path) -> dict[str, str]:
    """aws_env with a fresh, initialised `pass` store of its own (docker-credential-pass
    keeps docker's credentials there)."""
    require_tool("docker-credential-pass")
    env = {
        **aws_env,
        "GNUPGHOME": str(gnupg_home),
        "PASSWORD_STORE_DIR": str(tmp_path / "password-store"),
    }
    succeed([require_tool("pass"), "init", GPG_USER], env)
    return env


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip tests marked needs_root, with the reason, when the suite does not run as root."""
    if item.get_closest_marker("needs_root") and os.geteuid() != 0:
        pytest.skip("needs root: dockerd runs only as root (.ci/run runs the suite as root)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Attach the dockerd log to the report of a failing test that used the daemon."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    daemon = getattr(item, "funcargs", {}).get("dockerd")
    if report.failed and isinstance(daemon, DockerDaemon):
        report.sections.append(("dockerd log (last 40 lines)", daemon.log_tail()))


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Which docker CLI and dockerd the end-to-end tests use (the first on PATH)."""
    lines = []
    for name in ("docker", "dockerd"):
        path = shutil.which(name)
        if path is None:
            lines.append(f"{name}: not installed")
            continue
        try:
            done = subprocess.run(
                [path, "--version"], capture_output=True, text=True, timeout=30, check=False
            )
            version = done.stdout.strip() or done.stderr.strip()
        except (OSError, subprocess.TimeoutExpired) as exc:
            version = f"cannot run: {exc}"
        lines.append(f"{name}: {path}: {version}")
    return lines


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
