"""`ecrlogin doctor` against the real docker: its verdict is docker's, and its fix works.

docker (the suite's own dockerd) fails a pull, doctor names the cause, the fix doctor
printed is run as printed, doctor then says the registry works, and docker's pull
succeeds. The registry is the suite's (htpasswd user AWS, moto's password).
"""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path
from typing import Any

import pytest

from tests.support.docker import FILE_STORE, DockerDaemon, assert_pulled, docker, docker_env
from tests.support.helper import write_config
from tests.support.registry import RegistryServer, bash, push_image
from tests.support.tools import BIN, ecrlogin

pytestmark = [pytest.mark.e2e, pytest.mark.needs_root("dockerd runs only as root")]


def doctor(env: dict[str, str], host: str) -> tuple[int, dict[str, Any]]:
    done = ecrlogin("doctor", host, "--output", "json", env=env)
    assert done.stdout, done.stderr
    return done.returncode, json.loads(done.stdout)


def without_bin(env: dict[str, str]) -> dict[str, str]:
    """`env` whose PATH lacks this venv's bin (where docker-credential-ecrlogin is)."""
    kept = [p for p in env["PATH"].split(os.pathsep) if p and Path(p) != BIN]
    return {**env, "PATH": os.pathsep.join(kept)}


@pytest.fixture
def image(
    registry: RegistryServer,
    aws_env: dict[str, str],
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> str:
    """An image in the registry (pushed with skopeo and explicit credentials), and the
    registry mapped to moto's account in the ecrlogin config."""
    write_config(
        aws_env,
        f'[registries."{registry.host}"]\naccount = "123456789012"\nregion = "us-east-1"\n',
    )
    repository = f"doctor-e2e/{request.node.name.lower()}"
    return push_image(registry, repository, "1", tmp_path / "layout") + ":1"


def test_no_entry_then_the_printed_fix(
    registry: RegistryServer,
    dockerd: DockerDaemon,
    aws_env: dict[str, str],
    tmp_path: Path,
    image: str,
) -> None:
    env = docker_env(aws_env, dockerd, tmp_path / "docker", FILE_STORE)
    pull = docker("pull", image, env=env)
    assert pull.returncode == 1
    assert pull.stderr.splitlines()[-1].endswith("no basic auth credentials"), pull.stderr

    code, report = doctor(env, registry.host)
    assert code == 1
    entry = report["registries"][0]
    assert entry["cause"] == "no-entry"
    assert entry["fix"] == f"ecrlogin login --helper {registry.host}"
    fixed = bash(shlex.join([str(BIN / "ecrlogin"), *shlex.split(entry["fix"])[1:]]), env)
    assert fixed.returncode == 0, fixed.stderr

    code, report = doctor(env, registry.host)
    assert code == 0, report
    assert_pulled(docker("pull", image, env=env), image)


def test_helper_off_docker_path_then_the_printed_fix(
    registry: RegistryServer,
    dockerd: DockerDaemon,
    aws_env: dict[str, str],
    tmp_path: Path,
    image: str,
) -> None:
    config = {**FILE_STORE, "credHelpers": {registry.host: "ecrlogin"}}
    env = without_bin(docker_env(aws_env, dockerd, tmp_path / "docker", config))
    pull = docker("pull", image, env=env)
    assert pull.returncode == 1
    # docker says only this: the helper's absence is not mentioned at all.
    assert pull.stderr.splitlines()[-1].endswith("no basic auth credentials"), pull.stderr

    code, report = doctor(env, registry.host)
    assert code == 1
    entry = report["registries"][0]
    assert entry["cause"] == "helper-missing"
    assert entry["fix"] == f'export PATH="{BIN}:$PATH"'
    # The fix, as a shell runs it, then docker's pull in that same shell.
    done = bash(f"{entry['fix']} && docker pull {shlex.quote(image)}", env)
    assert done.returncode == 0, done.stderr
    code, report = doctor({**env, "PATH": f"{BIN}:{env['PATH']}"}, registry.host)
    assert code == 0, report
