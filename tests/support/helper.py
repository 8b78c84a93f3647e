"""Support for the credential-helper and token-cache tests: run the helper, read the cache.

Their token endpoint is tests/support/faultserver.py (the `fault_server` fixture), not
moto: moto always answers with an `expiresAt` of 2015, and a token that has
already expired is (rightly) never cached, so moto cannot show a cache hit, a
half-life or single flight.
"""

from __future__ import annotations

import json
import socketserver
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from ecrlogin.cache import Entry, Store
from tests.support.tools import BIN, require_tool

HELPER = str(BIN / "docker-credential-ecrlogin")
NOT_FOUND_LINE = b"credentials not found in native keychain\n"


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


def release_together(
    argv: list[str],
    stdin: bytes | Sequence[bytes],
    env: Mapping[str, str],
    count: int,
    *,
    finished: list[float] | None = None,
    settle: float = 0.0,
) -> list[tuple[int, bytes, bytes]]:
    """Start `count` processes of `argv`, then give them all `stdin` at once (or each its
    own, when `stdin` is a list of `count` inputs).

    Each process is up and blocked reading stdin before any is released, so
    all of them meet a cold cache together. Returns (exit code, stdout, stderr)
    of each; a process still running at the end is killed. With `finished`, the
    `time.monotonic()` at which each one ended is appended to it, in the order they ended.
    `settle` seconds pass between starting them and releasing them, for a loaded machine
    to get every one of them to its read.
    """
    procs = [
        subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(env),
        )
        for _ in range(count)
    ]
    inputs = [stdin] * count if isinstance(stdin, bytes) else list(stdin)
    assert len(inputs) == count
    try:
        time.sleep(settle)
        for proc, data in zip(procs, inputs, strict=True):
            assert proc.stdin is not None
            proc.stdin.write(data)
            proc.stdin.close()
        if finished is not None:
            running, deadline = list(procs), time.monotonic() + 300
            while running and time.monotonic() < deadline:
                for proc in [proc for proc in running if proc.poll() is not None]:
                    finished.append(time.monotonic())
                    running.remove(proc)
                time.sleep(0.01)
        results = []
        for proc in procs:
            # Outputs are tiny: reading them one after the other cannot block a writer.
            assert proc.stdout is not None
            assert proc.stderr is not None
            out, err = proc.stdout.read(), proc.stderr.read()
            results.append((proc.wait(timeout=300), out, err))
        return results
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def age_past_half_life(store: Store) -> Entry:
    """Make the one cached entry eight hours into a twelve-hour token: past its half-life,
    still valid for four."""
    (entry,) = store.entries()
    now = time.time()
    aged = with_times(entry, issued=now - 8 * 3600, expires=now + 4 * 3600)
    assert store.write(aged)
    return aged


def with_times(entry: Entry, *, issued: float | None = None, expires: float | None = None) -> Entry:
    """`entry` as if issued and expiring at these times (epoch seconds)."""
    fields = {name: getattr(entry, name) for name in Entry.__slots__}
    fields["issued"] = entry.issued if issued is None else issued
    fields["expires"] = entry.expires if expires is None else expires
    return Entry(**fields)


def pass_list(env: Mapping[str, str]) -> dict[str, str]:
    """What docker-credential-pass itself lists for the `pass` store of `env`."""
    done = subprocess.run(
        [require_tool("docker-credential-pass"), "list"],
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    listed: dict[str, str] = json.loads(done.stdout)
    return listed
