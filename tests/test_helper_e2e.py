"""End to end: skopeo asks docker-credential-ecrlogin for the password of a real registry.

The distribution registry (htpasswd AWS / moto's password) stands in for ECR;
the ecrlogin config maps its `127.0.0.1:PORT` host to account 123456789012, so
the helper fetches that account's token from moto. skopeo finds the helper on
PATH through `credHelpers` in its auth file, exactly as docker and podman do.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import subprocess
import tarfile
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.conftest import ACCOUNT, BIN, MOTO_PASSWORD, RegistryServer, require_tool
from tests.helper_support import STUB_PASSWORD, cache_files, token_endpoint, write_config

pytestmark = pytest.mark.e2e

REPOSITORY = "ecrlogin-helper-e2e/app"


def _blob(layout: Path, data: bytes) -> dict[str, object]:
    digest = hashlib.sha256(data).hexdigest()
    (layout / "blobs" / "sha256" / digest).write_bytes(data)
    return {"digest": f"sha256:{digest}", "size": len(data)}


def build_oci_layout(layout: Path, tag: str) -> None:
    """A one-layer OCI image written by hand: a tiny tar layer, its config and manifest."""
    (layout / "blobs" / "sha256").mkdir(parents=True)
    tar_bytes = io.BytesIO()
    with tarfile.open(fileobj=tar_bytes, mode="w") as archive:
        content = b"pushed by ecrlogin's helper test\n"
        info = tarfile.TarInfo("hello.txt")
        info.size = len(content)
        info.mtime = 0
        archive.addfile(info, io.BytesIO(content))
    layer = tar_bytes.getvalue()
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "config": {},
            "rootfs": {
                "type": "layers",
                "diff_ids": [f"sha256:{hashlib.sha256(layer).hexdigest()}"],
            },
        }
    ).encode()
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                **_blob(layout, config),
            },
            "layers": [
                {
                    "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    **_blob(layout, gzip.compress(layer, mtime=0)),
                }
            ],
        }
    ).encode()
    index = {
        "schemaVersion": 2,
        "manifests": [
            {
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                **_blob(layout, manifest),
                "annotations": {"org.opencontainers.image.ref.name": tag},
            }
        ],
    }
    (layout / "index.json").write_text(json.dumps(index))
    (layout / "oci-layout").write_text(json.dumps({"imageLayoutVersion": "1.0.0"}))


def skopeo(*args: str, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [require_tool("skopeo"), "--insecure-policy", *args],
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def client_env(aws_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """aws_env with the venv's bin first on PATH (skopeo runs docker-credential-ecrlogin from
    there) and skopeo's runtime directory in tmp."""
    runtime = Path(aws_env["XDG_RUNTIME_DIR"])
    runtime.mkdir(parents=True, exist_ok=True)
    return {**aws_env, "PATH": f"{BIN}{os.pathsep}{aws_env.get('PATH', '')}"}


@pytest.fixture
def pushed(registry: RegistryServer, client_env: dict[str, str], tmp_path: Path) -> str:
    """The registry host, after pushing a small image to it with explicit credentials."""
    layout = tmp_path / "layout"
    build_oci_layout(layout, "v1")
    result = skopeo(
        "copy",
        "--dest-tls-verify=false",
        "--dest-creds",
        f"AWS:{MOTO_PASSWORD}",
        f"oci:{layout}:v1",
        f"docker://{registry.host}/{REPOSITORY}:v1",
        env=client_env,
    )
    assert result.returncode == 0, result.stderr
    return registry.host


def auth_file(tmp_path: Path, host: str) -> Path:
    path = tmp_path / "auth.json"
    path.write_text(json.dumps({"credHelpers": {host: "ecrlogin"}}))
    return path


def test_skopeo_lists_tags_through_the_helper(
    pushed: str, client_env: dict[str, str], tmp_path: Path
) -> None:
    write_config(
        client_env, f'[registries."{pushed}"]\naccount = "{ACCOUNT}"\nregion = "us-east-1"\n'
    )
    authfile = auth_file(tmp_path, pushed)
    result = skopeo(
        "list-tags",
        "--tls-verify=false",
        "--authfile",
        str(authfile),
        f"docker://{pushed}/{REPOSITORY}",
        env=client_env,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Tags"] == ["v1"]
    assert MOTO_PASSWORD not in result.stderr
    # The helper answered from moto's 2015 token, which is never cached.
    assert cache_files(client_env) == []
    # And skopeo stored nothing in the auth file: the helper is asked every time.
    assert json.loads(authfile.read_text()) == {"credHelpers": {pushed: "ecrlogin"}}


def test_a_mapping_to_another_account_fails_cleanly(
    pushed: str, client_env: dict[str, str], tmp_path: Path
) -> None:
    write_config(
        client_env, f'[registries."{pushed}"]\naccount = "210987654321"\nregion = "us-east-1"\n'
    )
    # The counting endpoint shows the helper asked for that account (moto cannot say).
    with token_endpoint() as endpoint:
        result = skopeo(
            "list-tags",
            "--tls-verify=false",
            "--authfile",
            str(auth_file(tmp_path, pushed)),
            f"docker://{pushed}/{REPOSITORY}",
            env={**client_env, "AWS_ENDPOINT_URL": endpoint.url},
        )
    assert endpoint.bodies == [{"registryIds": ["210987654321"]}]
    # The helper answered; the registry refuses that account's password.
    assert result.returncode != 0
    assert result.stdout == ""
    assert "unauthorized" in result.stderr.lower()
    assert "ecrlogin: error" not in result.stderr
    assert "Traceback" not in result.stderr
    assert STUB_PASSWORD not in result.stderr


def test_an_unmapped_host_falls_back_to_anonymous(
    pushed: str, client_env: dict[str, str], tmp_path: Path
) -> None:
    result = skopeo(
        "list-tags",
        "--tls-verify=false",
        "--authfile",
        str(auth_file(tmp_path, pushed)),
        f"docker://{pushed}/{REPOSITORY}",
        env=client_env,
    )
    # "credentials not found" lets skopeo go on without credentials: the registry says 401,
    # and the helper's one line says how to map the host.
    assert result.returncode != 0
    assert f"ecrlogin: error: {pushed} is not an Amazon ECR registry" in result.stderr
    assert "error getting credentials" not in result.stderr
    assert "unauthorized" in result.stderr.lower()
