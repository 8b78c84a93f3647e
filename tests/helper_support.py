"""Support for the credential-helper and token-cache tests: a counting token endpoint.

Why a stub and not moto: moto always answers with an `expiresAt` of 2015, and a
token that has already expired is (rightly) never cached, so moto cannot show
a cache hit, a half-life or single flight. This loopback endpoint speaks ECR's
and ECR Public's GetAuthorizationToken (JSON 1.1 over real HTTP, signed by the
real botocore), answers with a token that expires in the future, counts every
call, and can be made slow or failing on demand.
"""

from __future__ import annotations

import base64
import http.server
import json
import socketserver
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.conftest import BIN

ECR_TARGET = "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken"
PUBLIC_TARGET = "SpencerFrontendService.GetAuthorizationToken"
STUB_PASSWORD = "stub-password-0123456789"
HELPER = str(BIN / "docker-credential-ecrlogin")
NOT_FOUND_LINE = b"credentials not found in native keychain\n"


class TokenEndpoint:
    """A loopback GetAuthorizationToken endpoint that counts its calls."""

    def __init__(self, *, lifetime: float = 12 * 3600, password: str = STUB_PASSWORD) -> None:
        self.password = password
        # One fixed expiry per endpoint, so two answers print the same bytes.
        self.expires_at = int(time.time() + lifetime)
        self.delay = 0.0
        self.failure: tuple[int, str] | None = None
        self.bodies: list[dict[str, Any]] = []
        self.targets: list[str] = []
        # (access key ID, region, service) of each request's SigV4 credential scope.
        self.scopes: list[tuple[str, str, str]] = []
        self._lock = threading.Lock()
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def calls(self) -> int:
        """How many GetAuthorizationToken requests arrived."""
        with self._lock:
            return len(self.targets)

    def token_for(self, username: str = "AWS") -> str:
        """The base64 authorizationToken this endpoint hands out."""
        return base64.b64encode(f"{username}:{self.password}".encode()).decode()

    def answer(self, target: str, body: dict[str, Any]) -> dict[str, Any]:
        """The response body for one request."""
        if target == PUBLIC_TARGET:
            return {
                "authorizationData": {
                    "authorizationToken": self.token_for(),
                    "expiresAt": self.expires_at,
                }
            }
        accounts = body.get("registryIds") or ["123456789012"]
        return {
            "authorizationData": [
                {
                    "authorizationToken": self.token_for(),
                    "expiresAt": self.expires_at,
                    "proxyEndpoint": f"https://{account}.dkr.ecr.us-west-2.amazonaws.com",
                }
                for account in accounts
            ]
        }

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        endpoint = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                target = self.headers.get("X-Amz-Target", "")
                body = json.loads(raw or b"{}")
                credential = self.headers.get("Authorization", "").partition("Credential=")[2]
                # AKID/date/region/service/aws4_request
                parts = [*credential.split(",")[0].split("/"), "", "", ""]
                with endpoint._lock:
                    endpoint.targets.append(target)
                    endpoint.bodies.append(body)
                    endpoint.scopes.append((parts[0], parts[2], parts[3]))
                time.sleep(endpoint.delay)
                if endpoint.failure is not None:
                    status, code = endpoint.failure
                    payload = {"__type": code, "message": f"stub refuses: {code}"}
                else:
                    status, payload = 200, endpoint.answer(target, body)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def close(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()


class ConnectRecorder:
    """An HTTPS proxy that refuses every tunnel, recording the host:port each asked for.

    With HTTPS_PROXY pointing here, a real botocore client reveals which endpoint it
    resolved (FIPS, dual-stack, ECR Public in us-east-1) without any network, and no
    request with the tests' credentials ever leaves the machine.
    """

    def __init__(self) -> None:
        self.targets: list[str] = []
        recorder = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                line = self.rfile.readline(4096).decode("latin-1").split()
                if len(line) >= 2 and line[0] == "CONNECT":
                    recorder.targets.append(line[1])
                self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def env(self, base: Mapping[str, str]) -> dict[str, str]:
        """`base` with every HTTPS request sent through this proxy, and no retries."""
        env = {k: v for k, v in base.items() if k.lower() not in ("no_proxy", "http_proxy")}
        env.pop("AWS_ENDPOINT_URL", None)  # the endpoint botocore resolves is the point
        env.update({"HTTPS_PROXY": self.url, "https_proxy": self.url, "AWS_MAX_ATTEMPTS": "1"})
        return env

    def close(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def token_endpoint(**kwargs: Any) -> Iterator[TokenEndpoint]:
    """A running TokenEndpoint, closed afterwards."""
    endpoint = TokenEndpoint(**kwargs)
    try:
        yield endpoint
    finally:
        endpoint.close()


def helper(
    action: str, stdin: bytes | str = b"", *, env: Mapping[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[bytes]:
    """Run the installed docker-credential-ecrlogin with `stdin`."""
    data = stdin.encode() if isinstance(stdin, str) else stdin
    return subprocess.run(
        [HELPER, action],
        input=data,
        env=dict(env),
        capture_output=True,
        timeout=timeout,
        check=False,
    )


def credentials_json(server_url: str, password: str, username: str = "AWS") -> bytes:
    """The exact bytes `get` prints (the Go helpers' compact JSON and a newline)."""
    return (
        json.dumps(
            {"ServerURL": server_url, "Username": username, "Secret": password},
            separators=(",", ":"),
        )
        + "\n"
    ).encode()


def cache_files(env: Mapping[str, str], suffix: str = ".token") -> list[Path]:
    """The cache files of `env`'s cache directory with `suffix`."""
    directory = Path(env["XDG_CACHE_HOME"]) / "ecrlogin"
    return sorted(directory.glob(f"*{suffix}")) if directory.is_dir() else []


def write_config(env: Mapping[str, str], text: str) -> Path:
    """Write the ecrlogin config file where `env` makes ecrlogin look for it."""
    path = Path(env["XDG_CONFIG_HOME"]) / "ecrlogin" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
