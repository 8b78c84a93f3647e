"""Servers the suite and the benchmarks start on loopback: moto, and waiting for a port."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class ServerFailed(RuntimeError):
    """A server exited early or never listened."""


def free_port() -> int:
    """A TCP port that is free on loopback right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(
    port: int, proc: subprocess.Popen[bytes], timeout: float = 30.0, log: Path | None = None
) -> None:
    """Wait until something listens on 127.0.0.1:port, or raise with the server's output
    (its stdout pipe, or the `log` file it writes)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
            if log is not None:
                out += log.read_text(errors="replace")
            raise ServerFailed(f"server exited early ({proc.returncode}):\n{out}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise ServerFailed(f"nothing listened on port {port} within {timeout}s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Terminate a server process and reap it."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def moto_server(log: Path) -> Iterator[str]:
    """A moto server on loopback for the duration of the block: its URL.

    It logs to the file `log`, not to a pipe nobody reads: moto logs a line per
    request, and once a pipe's 64 KiB are full (about a thousand requests) the
    server blocks and every client hangs.
    """
    port = free_port()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(port, proc, log=log)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)
