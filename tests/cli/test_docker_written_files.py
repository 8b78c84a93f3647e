"""A config.json exactly as the docker CLI writes it comes back byte for byte after a
login and a logout: Go's escapes (<, > and & as \\u003c, \\u003e, \\u0026), its indentation
and its missing final newline. The real docker CLI writes the file; no daemon is needed."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.support.tools import ecrlogin, require_tool

ECR_HOST = "123456789012.dkr.ecr.us-east-1.amazonaws.com"


def test_a_round_trip_keeps_the_escapes_docker_writes_in_other_values(
    aws_env: dict[str, str], tmp_path: Path
) -> None:
    docker = require_tool("docker")
    folder = tmp_path / "docker"
    folder.mkdir()
    path = folder / "config.json"
    path.write_bytes(b'{\n\t"auths": {},\n\t"psFormat": "table {{.ID}} <&> {{.Names}}"\n}')
    env = {**aws_env, "DOCKER_CONFIG": str(folder), "ECRLOGIN_NO_CACHE": "1"}
    for args in (
        ["context", "create", "roundtrip", "--docker", "host=unix:///nonexistent"],
        ["context", "use", "roundtrip"],
        ["context", "use", "default"],
    ):
        subprocess.run([docker, *args], env=env, check=True, capture_output=True, timeout=60)
    written = path.read_bytes()
    assert b"\\u003c\\u0026\\u003e" in written  # docker's own rewrite of the file
    assert ecrlogin("login", "--write-config", ECR_HOST, env=env).returncode == 0
    assert b"\\u003c\\u0026\\u003e" in path.read_bytes()
    assert ecrlogin("logout", "--write-config", ECR_HOST, env=env).returncode == 0
    assert path.read_bytes() == written


def test_a_round_trip_keeps_a_hand_written_ampersand_as_it_was(
    aws_env: dict[str, str], tmp_path: Path
) -> None:
    # A value a person typed (a proxy password with `&`), in the tab-indented form docker
    # writes: every string ecrlogin leaves alone keeps its own text, escapes and all.
    typed = (
        b'{\n\t"auths": {},\n\t"proxies": {\n\t\t"default": {\n'
        b'\t\t\t"httpProxy": "http://me:p&ss<1>@proxy:3128",\n'
        b'\t\t\t"noProxy": "caf\\u00e9.example,\\u0026"\n\t\t}\n\t}\n}\n'
    )
    folder = tmp_path / "docker"
    folder.mkdir()
    path = folder / "config.json"
    path.write_bytes(typed)
    env = {**aws_env, "DOCKER_CONFIG": str(folder), "ECRLOGIN_NO_CACHE": "1"}
    assert ecrlogin("login", "--write-config", ECR_HOST, env=env).returncode == 0
    assert b'"http://me:p&ss<1>@proxy:3128"' in path.read_bytes()
    assert ecrlogin("logout", "--write-config", ECR_HOST, env=env).returncode == 0
    assert path.read_bytes() == typed
