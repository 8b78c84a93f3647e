"""Support for the end-to-end tests with the real docker CLI and the suite's own dockerd.

Every docker run gets its own DOCKER_CONFIG holding an explicit credentials
setting. That matters here: with `docker-credential-pass` installed, the docker
CLI picks `pass` as its store for any config.json that names no credentials at
all (no `auths` entry, `credHelpers` or `credsStore`), and a plain `docker
login` then fails with `pass not initialized`.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import tarfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.tools import BIN, require_tool

# One entry for a host no test uses: the CLI then keeps passwords in config.json (its
# file store), as it does on a machine without docker-credential-pass.
FILE_STORE: dict[str, Any] = {"auths": {"unused.example.invalid": {}}}


def docker_env(
    base: Mapping[str, str], daemon: DockerDaemon, directory: Path, config: Mapping[str, Any]
) -> dict[str, str]:
    """`base` pointed at `daemon`, with `config` as the CLI's config.json in `directory`
    and this venv's bin (ecrlogin, docker-credential-ecrlogin) first on PATH."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config.json").write_text(json.dumps(config))
    return {
        **base,
        "DOCKER_HOST": daemon.host,
        "DOCKER_CONFIG": str(directory),
        "PATH": f"{BIN}{os.pathsep}{base.get('PATH', os.defpath)}",
    }


def docker_config(env: Mapping[str, str]) -> dict[str, Any]:
    """The CLI's config.json as it is now."""
    data: dict[str, Any] = json.loads((Path(env["DOCKER_CONFIG"]) / "config.json").read_text())
    return data


def docker(
    *args: str, env: Mapping[str, str], input: str | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """Run the first `docker` on PATH (the CLI under test) with `args`."""
    return subprocess.run(
        [require_tool("docker"), *args],
        env=dict(env),
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        stdin=None if input is not None else subprocess.DEVNULL,
    )


def import_image(reference: str, env: Mapping[str, str]) -> None:
    """Create a one-file image named `reference` in the daemon (`docker import`, no network)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        content = f"hello from ecrlogin: {reference}\n".encode()
        info = tarfile.TarInfo("hello.txt")
        info.size = len(content)
        tar.addfile(info, io.BytesIO(content))
    done = subprocess.run(
        [require_tool("docker"), "import", "-", reference],
        env=dict(env),
        input=raw.getvalue(),
        capture_output=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")


def remove_image(reference: str, env: Mapping[str, str]) -> None:
    """Remove `reference` from the daemon, so that a pull must fetch it from the registry."""
    done = docker("rmi", reference, env=env)
    assert done.returncode == 0, done.stderr


def pushed_line(done: subprocess.CompletedProcess[str], tag: str) -> str:
    """The last line of a successful `docker push`: `TAG: digest: sha256:... size: N`."""
    assert done.returncode == 0, done.stderr
    last = done.stdout.splitlines()[-1]
    assert last.startswith(f"{tag}: digest: sha256:"), done.stdout
    return last


def assert_pulled(done: subprocess.CompletedProcess[str], reference: str) -> None:
    """A pull that fetched `reference` from the registry (not a local copy)."""
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert f"Status: Downloaded newer image for {reference}" in lines, done.stdout
    assert lines[-1] == reference


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
