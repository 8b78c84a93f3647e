"""A loopback GetAuthorizationToken endpoint for what moto cannot do.

moto has no ECR Public and always answers with a 2015 expiry and a password
without ':'. This endpoint answers ECR's and ECR Public's GetAuthorizationToken
(JSON 1.1, told apart by X-Amz-Target) with one fixed token that expires in the
future, and records each request's target, signed region and body, so tests can
run real console scripts (ours and the AWS CLI) against it over real HTTP.
"""

from __future__ import annotations

import base64
import http.server
import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any

ECR_TARGET = "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken"
PUBLIC_TARGET = "SpencerFrontendService.GetAuthorizationToken"
EXPIRES_AT = 1893456000  # 2030-01-01T00:00:00Z
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/")


@dataclass(frozen=True)
class Seen:
    """One request the endpoint received."""

    target: str
    region: str
    service: str
    body: dict[str, Any]


@dataclass
class TokenStub:
    """The running endpoint: its URL, its token and what it was asked."""

    password: str
    username: str = "AWS"
    seen: list[Seen] = field(default_factory=list)
    url: str = ""
    _server: http.server.ThreadingHTTPServer | None = None

    @property
    def token(self) -> str:
        """The base64 authorizationToken this endpoint hands out."""
        return base64.b64encode(f"{self.username}:{self.password}".encode()).decode()

    def answer(self, target: str, region: str, body: dict[str, Any]) -> dict[str, Any]:
        """The response body for one request."""
        if target == PUBLIC_TARGET:
            return {
                "authorizationData": {"authorizationToken": self.token, "expiresAt": EXPIRES_AT}
            }
        accounts = body.get("registryIds") or ["123456789012"]
        return {
            "authorizationData": [
                {
                    "authorizationToken": self.token,
                    "expiresAt": EXPIRES_AT,
                    "proxyEndpoint": f"https://{account}.dkr.ecr.{region}.amazonaws.com",
                }
                for account in accounts
            ]
        }

    def start(self) -> TokenStub:
        """Serve on a free loopback port in a daemon thread."""
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                body = json.loads(raw or b"{}")
                target = self.headers.get("X-Amz-Target", "")
                scope = _SCOPE.search(self.headers.get("Authorization", ""))
                region, service = scope.groups() if scope else ("", "")
                stub.seen.append(Seen(target, region, service, body))
                if target not in (ECR_TARGET, PUBLIC_TARGET):
                    self.send_error(400, "unknown target")
                    return
                payload = json.dumps(stub.answer(target, region, body)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep the test output clean

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
