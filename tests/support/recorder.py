"""A registry on loopback that records every Authorization header it is sent.

It answers `/v2/` as a registry that wants basic auth: 401 with a Basic
challenge until a request carries credentials, then 200. The headers it saw
are the evidence of where a client sent a password.
"""

from __future__ import annotations

import http.server
import threading


class RecordingRegistry:
    """`http://127.0.0.1:PORT`, keeping every Authorization header in `authorizations`."""

    def __init__(self) -> None:
        self.authorizations: list[str] = []
        self.requests = 0
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                recorder.requests += 1
                header = self.headers.get("Authorization")
                if header is None:
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="recorder"')
                else:
                    recorder.authorizations.append(header)
                    self.send_response(200)
                self.send_header("Docker-Distribution-API-Version", "registry/2.0")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, format: str, *args: object) -> None:
                pass  # quiet: the test reads `authorizations`

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.host = f"127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()
