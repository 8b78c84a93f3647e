"""Fixtures: a real moto server and a real distribution registry on loopback, and more.

What they build on (and what tests import) lives in tests/support/.

Every test that fetches a token talks over real HTTP to the moto server this
suite starts; the end-to-end tests drive real clients against the registry.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from hypothesis import settings

from tests.support.docker import DockerDaemon
from tests.support.env import (
    fault_env_for,
    isolated_env,
)
from tests.support.faultserver import FaultServer, self_signed_certificate
from tests.support.registry import RegistryServer, start_registry
from tests.support.servers import moto_server, stop
from tests.support.tools import IN_CI, IS_ROOT, require_aws_v2, require_tool

# No per-example deadline: a loaded 2-core machine is slow, not wrong. In CI the
# examples are derandomized, so a red run is reproducible and never a coin toss;
# locally they stay random, to keep exploring.
settings.register_profile("ecrlogin", deadline=None)
settings.register_profile("ecrlogin-ci", deadline=None, derandomize=True, print_blob=True)
settings.load_profile("ecrlogin-ci" if IN_CI else "ecrlogin")


# What the Windows and macOS runners of .github/workflows/portable.yml lack, by module:
# `linux` needs Linux (its tools: dockerd, docker-registry, podman, pass, kubectl,
# /usr/bin/aws; or /proc, /dev/full), `posix` needs POSIX files and processes (modes
# and owners, FIFOs, signals, scripts run by their #! line). A test can also carry
# either marker itself.
_LINUX_MODULES = {"test_compat_v2.py", "test_failure_lines.py"}
_POSIX_MODULES = {
    "test_abuse.py",
    "test_authfile.py",
    "test_authfile_concurrency.py",
    "test_cache.py",
    "test_leaks.py",
    "test_login.py",
    "test_login_clients.py",
    "test_own_files.py",
    "test_signals.py",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every end-to-end test `linux`, and the modules listed above."""
    for item in items:
        path = item.path
        if path.parent.name == "e2e" or path.name in _LINUX_MODULES:
            item.add_marker(pytest.mark.linux)
        elif path.name in _POSIX_MODULES:
            item.add_marker(pytest.mark.posix)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip a `needs_root` test when not root, naming why it needs root.

    CI runs the suite twice, as root and as an unprivileged user (see .ci/run);
    this is a deliberate, visible skip in the second pass, not a missing tool.
    """
    marker = item.get_closest_marker("needs_root")
    if marker is not None and not IS_ROOT:
        reason = marker.args[0] if marker.args else marker.kwargs.get("reason", "")
        pytest.skip(f"needs root: {reason}" if reason else "needs root")


@pytest.fixture(scope="session")
def v2() -> Path:
    """AWS CLI v2 (Debian's awscli at /usr/bin/aws), the reference for every command but
    get-login; missing, it fails the run in CI and skips locally."""
    return require_aws_v2()


@pytest.fixture(scope="session")
def moto_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A moto server on loopback: the ECR endpoint every fetching test talks to."""
    with moto_server(tmp_path_factory.mktemp("moto") / "moto.log") as url:
        yield url


@pytest.fixture
def aws_env(tmp_path: Path, moto_url: str) -> dict[str, str]:
    """An isolated environment (see isolated_env) in tmp_path, moto as the ECR endpoint."""
    return {**isolated_env(tmp_path / "home"), "AWS_ENDPOINT_URL": moto_url}


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


@pytest.fixture
def fault_env(tmp_path: Path) -> dict[str, str]:
    """An isolated environment for talking to the fault server (see fault_env_for)."""
    return fault_env_for(tmp_path / "home")


@pytest.fixture
def place() -> Iterator[Path]:
    """A folder every user may enter, for files another (throw-away) user must reach:
    tmp_path's parents are root's 0700."""
    import tempfile

    directory = Path(tempfile.mkdtemp(prefix="ecrlogin-place-"))
    directory.chmod(0o755)
    yield directory
    shutil.rmtree(directory, ignore_errors=True)
