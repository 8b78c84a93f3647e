"""Helpers for the login tests: a recording stand-in client and a counting ECR stub.

The stand-in replaces a container client (docker has no daemon here) and records
exactly what ecrlogin handed it: argv, environment and stdin. The ECR stub is
used only where moto cannot help: a token that expires in the future (moto's
always expired in 2015), counting token calls per region, and one region
refusing while another answers.
"""

from __future__ import annotations

import base64
import json
import stat
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

_RECORDER = """#!{python}
import json, os, sys, time
record = {{
    "argv": sys.argv,
    "env": dict(os.environ),
    "stdin": sys.stdin.buffer.read().decode("utf-8", "replace"),
}}
name = "%d-%d.json" % (time.monotonic_ns(), os.getpid())
with open(os.path.join({record_dir!r}, name), "w") as handle:
    json.dump(record, handle)
fail_for = {fail_for!r}
code = {exit_code} if fail_for is None or fail_for in sys.argv else 0
if code:
    sys.stderr.write({message!r})
sys.exit(code)
"""


@dataclass(frozen=True)
class Call:
    """One recorded run of a stand-in client."""

    argv: list[str]
    env: dict[str, str]
    stdin: str


def install_recorder(
    bin_dir: Path,
    name: str,
    record_dir: Path,
    *,
    exit_code: int = 0,
    message: str = "",
    fail_for: str | None = None,
) -> Path:
    """Write an executable stand-in `name` into `bin_dir` that records each run.

    It exits with `exit_code` and `message` on stderr (only for host `fail_for`, if given).
    """
    bin_dir.mkdir(parents=True, exist_ok=True)
    record_dir.mkdir(parents=True, exist_ok=True)
    script = bin_dir / name
    script.write_text(
        _RECORDER.format(
            python=sys.executable,
            record_dir=str(record_dir),
            message=message,
            exit_code=exit_code,
            fail_for=fail_for,
        )
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return script


def recorded(record_dir: Path) -> list[Call]:
    """The recorded runs, oldest first."""
    calls = []
    for path in sorted(record_dir.glob("*.json"), key=lambda p: int(p.name.split("-")[0])):
        data = json.loads(path.read_text())
        calls.append(Call(argv=data["argv"], env=data["env"], stdin=data["stdin"]))
    return calls


def stub_password(region: str) -> str:
    """The password the stub hands out for `region` (distinct per region)."""
    return f"stub-password-for-{region}"


@dataclass
class EcrStub:
    """A loopback GetAuthorizationToken endpoint that counts calls per region."""

    url: str = ""
    ttl: float = 12 * 3600
    account: str = "123456789012"
    refuse: set[str] = field(default_factory=set)
    calls: list[dict[str, Any]] = field(default_factory=list)

    def regions(self) -> list[str]:
        """The region of every call, in order."""
        return [call["region"] for call in self.calls]


def _region_of(authorization: str) -> str:
    # SigV4: Credential=AKID/20261127/eu-west-1/ecr/aws4_request
    scope = authorization.split("Credential=", 1)[1].split(",", 1)[0]
    return scope.split("/")[2]


def _handler(stub: EcrStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            region = _region_of(self.headers.get("Authorization", ""))
            stub.calls.append(
                {
                    "region": region,
                    "target": self.headers.get("X-Amz-Target"),
                    "body": body,
                }
            )
            if region in stub.refuse:
                self._send(
                    400,
                    {
                        "__type": "AccessDeniedException",
                        "message": f"not authorized in {region}",
                    },
                )
                return
            token = base64.b64encode(f"AWS:{stub_password(region)}".encode()).decode()
            self._send(
                200,
                {
                    "authorizationData": [
                        {
                            "authorizationToken": token,
                            "expiresAt": time.time() + stub.ttl,
                            "proxyEndpoint": (
                                f"https://{stub.account}.dkr.ecr.{region}.amazonaws.com"
                            ),
                        }
                    ]
                },
            )

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def serve_stub(stub: EcrStub) -> Iterator[EcrStub]:
    """Run `stub` on a loopback port for the duration of the generator."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stub))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    stub.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()


def write_oci_layout(root: Path, tag: str) -> None:
    """A one-layer OCI image layout, built by hand so no image build tool is needed."""
    import gzip
    import hashlib
    import io
    import tarfile

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
