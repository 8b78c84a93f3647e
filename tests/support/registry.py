"""Support for the end-to-end tests against the real registry: push an image, list its tags.

The image is an OCI image layout written by hand (one tiny tar layer, its
config, manifest and index), so no image build tool is needed; skopeo copies
it into the registry with explicit credentials.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import subprocess
import tarfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.env import (
    MOTO_PASSWORD,
)
from tests.support.servers import free_port, wait_for_port
from tests.support.tools import require_tool


def write_oci_layout(root: Path, tag: str) -> None:
    """A one-layer OCI image layout in `root`, its manifest named `tag`."""
    blobs = root / "blobs" / "sha256"
    blobs.mkdir(parents=True)

    def blob(data: bytes) -> dict[str, Any]:
        digest = hashlib.sha256(data).hexdigest()
        (blobs / digest).write_bytes(data)
        return {"digest": f"sha256:{digest}", "size": len(data)}

    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        content = b"hello from ecrlogin\n"
        info = tarfile.TarInfo("hello.txt")
        info.size = len(content)
        tar.addfile(info, io.BytesIO(content))
    layer = raw.getvalue()
    config = {
        "architecture": "amd64",
        "os": "linux",
        "config": {},
        "rootfs": {"type": "layers", "diff_ids": [f"sha256:{hashlib.sha256(layer).hexdigest()}"]},
    }
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            **blob(json.dumps(config).encode()),
        },
        "layers": [
            {
                "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                **blob(gzip.compress(layer, mtime=0)),
            }
        ],
    }
    index = {
        "schemaVersion": 2,
        "manifests": [
            {
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                **blob(json.dumps(manifest).encode()),
                "annotations": {"org.opencontainers.image.ref.name": tag},
            }
        ],
    }
    (root / "index.json").write_text(json.dumps(index))
    (root / "oci-layout").write_text(json.dumps({"imageLayoutVersion": "1.0.0"}))


def push_image(
    registry: RegistryServer,
    repository: str,
    tag: str,
    layout: Path,
    env: Mapping[str, str] | None = None,
) -> str:
    """Write a small image to `layout` and push it as `repository:tag`; return host/repository."""
    write_oci_layout(layout, tag)
    reference = f"{registry.host}/{repository}"
    done = subprocess.run(
        [
            require_tool("skopeo"),
            "--insecure-policy",
            "copy",
            "--dest-tls-verify=false",
            "--dest-creds",
            f"AWS:{registry.password}",
            f"oci:{layout}:{tag}",
            f"docker://{reference}:{tag}",
        ],
        env=dict(env) if env is not None else None,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return reference


def list_tags(
    reference: str, env: Mapping[str, str], authfile: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """`skopeo list-tags` of a plain-HTTP registry, with `authfile` or REGISTRY_AUTH_FILE's."""
    return subprocess.run(
        [
            require_tool("skopeo"),
            "list-tags",
            "--tls-verify=false",
            *(("--authfile", str(authfile)) if authfile else ()),
            f"docker://{reference}",
        ],
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def bash(script: str, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """Run `script` as `bash -o pipefail -c`, bounded in time."""
    return subprocess.run(
        ["bash", "-o", "pipefail", "-c", script],
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        stdin=subprocess.DEVNULL,
    )


@dataclass(frozen=True)
class RegistryServer:
    """A running distribution registry with htpasswd user AWS and moto's password."""

    host: str
    password: str
    root: Path

    @property
    def url(self) -> str:
        return f"http://{self.host}"


def start_registry(
    root: Path, *, anonymous: bool = False
) -> tuple[RegistryServer, subprocess.Popen[bytes]]:
    """Start Debian's `docker-registry` with its data and htpasswd file in `root`
    (`anonymous`: no auth at all, as a public registry serves a pull)."""
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
"""
    )
    if not anonymous:
        with (root / "config.yml").open("a") as config:
            config.write(
                f"auth:\n  htpasswd:\n    realm: ecrlogin-tests\n    path: {root / 'htpasswd'}\n"
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
