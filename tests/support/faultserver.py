"""The suite's one loopback GetAuthorizationToken endpoint, for what moto cannot do.

moto always answers correctly, with a token that expired in 2015 (so it is
never cached), a password without ':', and no ECR Public. Everything else
comes from this small server: tokens that expire in the future (caching,
single flight), any password, one password per region, ECR Public, and the
failures users meet (throttling, 5xx pages from a proxy, AccessDenied, a
broken body, a hung or refusing endpoint, a self-signed certificate). It
speaks the ECR and ECR Public JSON 1.1 protocol just far enough for botocore:
it reads `X-Amz-Target`, answers in that service's shape, and records every
call (target, headers, body, and the SigV4 scope it was signed for).

Each test opens its own *scenario*: a list of replies under a unique URL path
prefix (botocore keeps the path of `--endpoint-url`), so scenarios never see
each other's calls. The last reply repeats for every later call.

    server = FaultServer().start()
    scenario = server.scenario(throttle(), throttle(), token())
    ... run ecrlogin with --endpoint-url scenario.url ...
    assert scenario.calls == 3

`python -m tests.support.faultserver FAULT` serves one fault on a port for manual runs;
benchmarks/bench_helper.py imports it for its endpoint too.
"""

from __future__ import annotations

import base64
import datetime
import http.server
import ipaddress
import json
import re
import socket
import ssl
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ECR_TARGET = "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken"
PUBLIC_TARGET = "SpencerFrontendService.GetAuthorizationToken"
DEFAULT_ACCOUNT = "123456789012"
# Distinctive values, so a leak test can grep for them anywhere.
FAULT_USERNAME = "AWS"
FAULT_PASSWORD = "fAuLtPaSsWoRd.eyJwYXlsb2FkIjoic2VjcmV0In0.Zm9vYmFyYmF6cXV4"
FAULT_TOKEN = base64.b64encode(f"{FAULT_USERNAME}:{FAULT_PASSWORD}".encode()).decode()
# A fixed expiry far in the future (2100-01-01T00:00:00Z), so outputs are exact and caches keep it.
FAULT_EXPIRES_AT = 4102444800
HTML_PAGE = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)
# SigV4: Credential=AKID/20261127/eu-west-1/ecr/aws4_request
_SCOPE = re.compile(r"Credential=([^/]+)/\d{8}/([^/]+)/([^/]+)/")


@dataclass(frozen=True)
class Request:
    """One call the endpoint received."""

    path: str
    target: str
    headers: Mapping[str, str]
    body: bytes

    @property
    def public(self) -> bool:
        """True for an ECR Public call."""
        return self.target == PUBLIC_TARGET

    @property
    def scope(self) -> tuple[str, str, str]:
        """(access key ID, region, service) of the SigV4 credential scope; empty if unsigned."""
        match = _SCOPE.search(self.headers.get("Authorization", ""))
        return (match.group(1), match.group(2), match.group(3)) if match else ("", "", "")

    @property
    def region(self) -> str:
        """The region the request was signed for ("" if unsigned)."""
        return self.scope[1]

    @property
    def service(self) -> str:
        """The service the request was signed for: "ecr" or "ecr-public" ("" if unsigned)."""
        return self.scope[2]

    def json(self) -> Any:
        """The request body as JSON ({} if empty or not JSON)."""
        try:
            return json.loads(self.body or b"{}")
        except ValueError:
            return {}


@dataclass(frozen=True)
class Answer:
    """What goes back on the wire: a status, headers and a body."""

    status: int
    body: bytes
    content_type: str = "application/x-amz-json-1.1"


# A reply is "given this request, what answer?" -- or one of the two wire faults.
Reply = Callable[[Request], Answer]


def hang(request: Request) -> Answer:
    """Never answer (the handler waits until the server stops)."""
    raise _Hang


def drop(request: Request) -> Answer:
    """Close the connection without an answer."""
    raise _Drop


class _Hang(Exception):
    pass


class _Drop(Exception):
    pass


def _json(status: int, payload: object) -> Answer:
    return Answer(status, json.dumps(payload).encode())


def expiry_in(seconds: float) -> int:
    """An `expiresAt` `seconds` from now (a 12-hour token: `expiry_in(12 * 3600)`)."""
    return int(time.time() + seconds)


def token_data(
    request: Request,
    *,
    token: str = FAULT_TOKEN,
    expires_at: float | None = None,
) -> object:
    """The `authorizationData` ECR (a list, one per registry) or ECR Public (one object) sends.

    Each registry's proxyEndpoint names the region the request was signed for.
    """
    expiry = expires_at if expires_at is not None else FAULT_EXPIRES_AT
    if request.public:
        return {"authorizationToken": token, "expiresAt": expiry}
    accounts = request.json().get("registryIds") or [DEFAULT_ACCOUNT]
    region = request.region or "us-east-1"
    return [
        {
            "authorizationToken": token,
            "expiresAt": expiry,
            "proxyEndpoint": f"https://{account}.dkr.ecr.{region}.amazonaws.com",
        }
        for account in accounts
    ]


def token(
    *,
    password: str = FAULT_PASSWORD,
    username: str = FAULT_USERNAME,
    expires_at: float | None = None,
) -> Reply:
    """A correct answer for `username:password` (by default FAULT_TOKEN), valid until 2100."""
    encoded = base64.b64encode(f"{username}:{password}".encode()).decode()

    def reply(request: Request) -> Answer:
        data = token_data(request, token=encoded, expires_at=expires_at)
        return _json(200, {"authorizationData": data})

    return reply


def region_password(region: str) -> str:
    """The password `regional()` hands out for `region`: each region's is distinct."""
    return f"fault-password-for-{region}"


def regional(*, expires_at: float | None = None) -> Reply:
    """A correct answer whose password names the signed region (`region_password`)."""

    def reply(request: Request) -> Answer:
        return token(password=region_password(request.region), expires_at=expires_at)(request)

    return reply


def by_region(replies: Mapping[str, Reply], otherwise: Reply) -> Reply:
    """`replies[region]` for a request signed for that region, else `otherwise`."""
    return lambda request: replies.get(request.region, otherwise)(request)


def slow(reply: Reply, seconds: float) -> Reply:
    """`reply`, after `seconds` (so that concurrent clients all miss a cold cache)."""

    def delayed(request: Request) -> Answer:
        time.sleep(seconds)
        return reply(request)

    return delayed


def error(code: str, message: str, status: int = 400) -> Reply:
    """A modelled AWS JSON error such as ThrottlingException or AccessDeniedException."""

    def reply(request: Request) -> Answer:
        return _json(status, {"__type": code, "message": message})

    return reply


def throttle() -> Reply:
    """The error ECR sends when the caller exceeds its request rate."""
    return error("ThrottlingException", "Rate exceeded")


def access_denied() -> Reply:
    """The error ECR sends when the identity lacks ecr:GetAuthorizationToken."""
    return error(
        "AccessDeniedException",
        f"User: arn:aws:iam::{DEFAULT_ACCOUNT}:user/ci is not authorized to perform: "
        "ecr:GetAuthorizationToken on resource: * because no identity-based policy allows "
        "the ecr:GetAuthorizationToken action",
    )


def raw(status: int, body: bytes, content_type: str = "application/x-amz-json-1.1") -> Reply:
    """Exactly these bytes, whatever the request (e.g. a proxy's HTML error page)."""

    def reply(request: Request) -> Answer:
        return Answer(status, body, content_type)

    return reply


def html(status: int) -> Reply:
    """An HTML error page, as a load balancer or proxy in front of the endpoint sends."""
    return raw(
        status, HTML_PAGE.replace(b"502 Bad Gateway", f"{status} Error".encode()), "text/html"
    )


def data(payload: object) -> Reply:
    """A 200 answer whose `authorizationData` is `payload` (for broken shapes)."""
    return lambda request: _json(200, {"authorizationData": payload})


def entries(**fields: object) -> Reply:
    """A 200 answer whose one entry has these fields in place of the correct ones."""

    def reply(request: Request) -> Answer:
        good: Any = token_data(request)
        entry = dict(good if isinstance(good, dict) else good[0])
        entry.update(fields)
        return _json(200, {"authorizationData": entry if request.public else [entry]})

    return reply


def without(*names: str, **fields: object) -> Reply:
    """A 200 answer whose one entry lacks these fields (e.g. `expiresAt`, as AWS CLI v1
    tolerates), and has `fields` in place of the correct ones."""

    def reply(request: Request) -> Answer:
        good: Any = token_data(request)
        entry = dict(good if isinstance(good, dict) else good[0])
        for name in names:
            entry.pop(name, None)
        entry.update(fields)
        return _json(200, {"authorizationData": entry if request.public else [entry]})

    return reply


def escaped_keys(*, password: str = FAULT_PASSWORD) -> Reply:
    """A correct answer with its keys and token spelled in JSON `\\uXXXX` escapes, which any
    JSON reader decodes (so botocore serves it) but a redactor matching the plain
    spelling in the logged body would miss."""

    def spell(text: str) -> str:
        return "".join(f"\\u{ord(ch):04x}" if i % 3 == 0 else ch for i, ch in enumerate(text))

    def reply(request: Request) -> Answer:
        encoded = base64.b64encode(f"{FAULT_USERNAME}:{password}".encode()).decode()
        region = request.region or "us-east-1"
        endpoint = f"https://{DEFAULT_ACCOUNT}.dkr.ecr.{region}.amazonaws.com"
        body = (
            f'{{"{spell("authorizationData")}":[{{"{spell("authorizationToken")}":'
            f'"{spell(encoded)}","expiresAt":{FAULT_EXPIRES_AT},"proxyEndpoint":"{endpoint}"}}]}}'
        )
        return Answer(200, body.encode())

    return reply


# proxyEndpoint values a hostile or broken endpoint may send that would not stay one
# word, themselves, in get-login's eval'd line: every command refuses the answer.
HOSTILE_ENDPOINTS = {
    "white-space": "https://bad host.example.com",
    "shell-command": f"https://{DEFAULT_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com;touch${{IFS}}pwned",
    "line-break": f"https://{DEFAULT_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com\n--password=x",
    "terminal-escape": "https://\x1b]0;owned\x07.example.com",
    "leading-dash": "-https://registry.example.com",
    "huge": "https://" + "a" * 100_000 + ".example.com",
    "not-text": 12345,
}
# proxyEndpoint values that are one plain word but name no registry ecrlogin can vouch
# for: printed as AWS CLI v1/v2 print them, never a host a password is sent to (docker's
# argv for `login` without a target, a config file key, a cache key).
FOREIGN_ENDPOINTS = {
    "option-injection": "https://--password=INJECTED",
    "empty-host": "https:///",
    "user-info": f"https://evil@{DEFAULT_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com",
    "path": f"https://{DEFAULT_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/../../x",
    "docker-hub": "https://registry-1.docker.io",
    # AWS CLI's own functional tests answer with this one (no scheme, not ECR's).
    "scheme-less": "1235.ecr.us-east-1.io",
    # LocalStack and other ECR emulators.
    "emulator": "http://localhost:4566",
}
# Users a token may claim to be: each would become an option or more words in argv.
HOSTILE_USERNAMES = {
    "option": "--password=INJECTED",
    "white-space": "AWS extra",
    "shell": "AWS$(touch pwned)",
    "control": "AWS\x1b[2J",
}


@dataclass
class Scenario:
    """A scripted list of replies under its own URL; the last one repeats."""

    base_url: str
    prefix: str
    replies: list[Reply]
    requests: list[Request] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def url(self) -> str:
        """The endpoint URL to give ecrlogin (--endpoint-url / AWS_ENDPOINT_URL*)."""
        return f"{self.base_url}/{self.prefix}"

    @property
    def calls(self) -> int:
        """How many requests reached this scenario."""
        with self._lock:
            return len(self.requests)

    def _next(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            index = min(len(self.requests), len(self.replies)) - 1
            return self.replies[index]


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        prefix = self.path.strip("/").split("/", 1)[0]
        scenario = self.server.scenarios.get(prefix)
        if scenario is None:
            self._send(_json(404, {"__type": "UnknownScenario", "message": self.path}))
            return
        request = Request(
            path=self.path,
            target=self.headers.get("X-Amz-Target", ""),
            headers={k: v for k, v in self.headers.items()},
            body=body,
        )
        reply = scenario._next(request)
        try:
            answer = reply(request)
        except _Hang:
            self.server.stopping.wait()
            self.close_connection = True
            return
        except _Drop:
            self.close_connection = True
            return
        except Exception as exc:  # noqa: BLE001 - a broken script must show, not hang the client
            answer = _json(500, {"__type": "FaultServerScriptError", "message": repr(exc)})
        self._send(answer)

    def _send(self, answer: Answer) -> None:
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.body)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        self.end_headers()
        self.wfile.write(answer.body)

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: the tests assert on counts, not on access logs."""


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    # Room for a burst of concurrent clients (the 200-process load test).
    request_queue_size = 512

    def __init__(self, tls: ssl.SSLContext | None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.tls = tls
        self.scenarios: dict[str, Scenario] = {}
        self.stopping = threading.Event()

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = super().get_request()
        if self.tls is not None:
            # The handshake runs lazily in the handler thread, so a client that
            # rejects the certificate never blocks the accept loop.
            sock = self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that hang up or reject the certificate are expected here."""


class FaultServer:
    """The endpoint: plain HTTP, or HTTPS with `certificate` (cert, key) files."""

    def __init__(self, certificate: tuple[Path, Path] | None = None) -> None:
        tls = None
        if certificate is not None:
            tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            tls.load_cert_chain(str(certificate[0]), str(certificate[1]))
        self._server = _Server(tls)
        self.certificate = certificate[0] if certificate else None
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="faultserver", daemon=True
        )
        scheme = "https" if tls else "http"
        host = "localhost" if tls else "127.0.0.1"
        self.base_url = f"{scheme}://{host}:{self._server.server_address[1]}"

    def start(self) -> FaultServer:
        """Serve in a daemon thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Release hung handlers and stop serving."""
        self._server.stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def scenario(self, *replies: Reply) -> Scenario:
        """A new scenario answering with `replies` in turn (the last one repeats)."""
        if not replies:
            raise ValueError("a scenario needs at least one reply")
        prefix = uuid.uuid4().hex
        scenario = Scenario(self.base_url, prefix, list(replies))
        self._server.scenarios[prefix] = scenario
        return scenario


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """Write a self-signed certificate for localhost/127.0.0.1 and its key; return the paths."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ecrlogin fault server")])
    now = datetime.datetime.now(datetime.timezone.utc)
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path = directory / "fault-cert.pem"
    key_path = directory / "fault-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


FAULTS: dict[str, Callable[[], Reply]] = {
    "ok": token,
    "throttle": throttle,
    "access-denied": access_denied,
    "html-500": lambda: html(500),
    "html-502": lambda: html(502),
    "not-json": lambda: raw(200, b"{not json"),
    "empty": lambda: data([]),
    "not-base64": lambda: entries(authorizationToken="%%% not base64 %%%"),
    "no-colon": lambda: entries(authorizationToken=base64.b64encode(b"AWSpassword").decode()),
    "no-expiry": lambda: without("expiresAt"),
    "no-endpoint": lambda: entries(proxyEndpoint=""),
    "escaped-keys": escaped_keys,
    **{
        f"endpoint-{name}": (lambda value=value: entries(proxyEndpoint=value))  # type: ignore[misc]
        for name, value in {**HOSTILE_ENDPOINTS, **FOREIGN_ENDPOINTS}.items()
    },
    "hang": lambda: hang,
    "drop": lambda: drop,
}


def _main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("fault", choices=sorted(FAULTS))
    args = parser.parse_args()
    server = FaultServer()
    scenario = server.scenario(FAULTS[args.fault]())
    print(f"--endpoint-url {scenario.url}", flush=True)
    try:
        server._server.serve_forever()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    _main()
