"""Time `ecrlogin get-login-password` against `aws ecr get-login-password`.

Both talk to one moto server on loopback, started here, with the same isolated
environment. Runs alternate (ecrlogin, aws, ecrlogin, aws, ...) so that drift
in machine load hits both alike; the figure reported is the median of the
per-pair ratios. For context it also times the floor no botocore-based tool can
go below: importing botocore, creating an ECR client and making one call.

    tox -e bench                 # or: python benchmarks/bench.py --runs 20
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

BIN = Path(sys.executable).parent
TARGET = 0.6
FLOOR = (
    "import botocore.session\n"
    "client = botocore.session.Session().create_client('ecr')\n"
    "client.get_authorization_token()\n"
)


def free_port() -> int:
    """A TCP port that is free on loopback right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def moto_server() -> Iterator[str]:
    """A moto server on loopback for the duration of the block."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("moto did not start (is moto[server] installed?)")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def isolated_env(home: Path, endpoint: str) -> dict[str, str]:
    """Static test credentials, no config files, moto as the endpoint."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ECRLOGIN_"))}
    env.update(
        HOME=str(home),
        AWS_ACCESS_KEY_ID="AKIABENCHBENCHBENCH1",
        AWS_SECRET_ACCESS_KEY="bench/secret/access/key/0123456789abcdef",  # noqa: S106 (moto)
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=str(home / "aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "aws-credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        AWS_ENDPOINT_URL=endpoint,
        XDG_CACHE_HOME=str(home / "cache"),
        XDG_CONFIG_HOME=str(home / "config"),
    )
    return env


def script(name: str) -> str:
    """The console script `name` of this environment (or, failing that, on PATH)."""
    path = BIN / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} is not installed (pip install -e '.[test]')")
    return found


def timed(argv: Sequence[str], env: dict[str, str]) -> float:
    """Wall-clock seconds of one run, which must succeed."""
    start = time.perf_counter()
    result = subprocess.run(argv, env=env, capture_output=True, timeout=60, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{result.stderr.decode()}")
    return elapsed


def main() -> None:
    """Run the benchmark and print the medians and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs of each (at least 10)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed runs of each first")
    args = parser.parse_args()
    runs = max(args.runs, 10)

    ours = [script("ecrlogin"), "get-login-password"]
    aws = [script("aws"), "ecr", "get-login-password"]
    floor = [sys.executable, "-c", FLOOR]
    with tempfile.TemporaryDirectory() as tmp, moto_server() as endpoint:
        env = isolated_env(Path(tmp), endpoint)
        for _ in range(args.warmup):
            for argv in (ours, aws, floor):
                timed(argv, env)
        ours_times: list[float] = []
        aws_times: list[float] = []
        floor_times: list[float] = []
        for _ in range(runs):
            ours_times.append(timed(ours, env))
            aws_times.append(timed(aws, env))
            floor_times.append(timed(floor, env))

    ratios = [o / a for o, a in zip(ours_times, aws_times, strict=True)]
    ratio = statistics.median(ratios)
    aws_median = statistics.median(aws_times)
    floor_median = statistics.median(floor_times)
    print(f"ecrlogin get-login-password      median {statistics.median(ours_times):.3f} s")
    print(f"aws ecr get-login-password       median {aws_median:.3f} s")
    print(
        f"botocore alone (import, client, call) median {floor_median:.3f} s"
        f" = {floor_median / aws_median:.2f} of aws"
    )
    verdict = "meets" if ratio <= TARGET else "misses"
    print(
        f"ratio ecrlogin/aws: median of {runs} pairs {ratio:.2f} ({verdict} the target <= {TARGET})"
    )


if __name__ == "__main__":
    main()
