"""Time ecrlogin's start-up against `python -c pass`, AWS CLI v1, AWS CLI v2 and botocore.

Three comparisons, each printed as the median of per-round ratios:

- `ecrlogin --version` against `python -c pass` of the same interpreter (target <= 5x);
- a fresh `ecrlogin get-login-password` against `aws ecr get-login-password` of AWS CLI
  v1 (pip's awscli, target <= 0.72x) and v2 (/usr/bin/aws, Debian's awscli, target
  <= 0.58x), all on one moto server on loopback, with the floor no botocore-based
  tool can go below (import botocore, create an ECR client, make one call);
- `ecrlogin get-login-password --cache` answered from the token cache against
  `python -c pass` (target <= 6x), on the suite's stub endpoint (tests/support/faultserver.py),
  because moto's tokens expired in 2015 and are never cached. The benchmark also
  checks that the hit imports no botocore.

ecrlogin runs from a wheel in a fresh virtual environment (an editable install
adds an import hook that slows every start). Each round runs every command of a
comparison once, in turn, so drift in the machine's load hits them alike; wall
time is what is compared, and CPU time (user + system) is printed beside it.

    tox -e bench                   # or: python benchmarks/bench.py --runs 30
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# `python benchmarks/bench.py` puts benchmarks/ on sys.path, not the checkout.
sys.path.insert(0, str(ROOT))
from bench_helper import install_wheel  # noqa: E402 - benchmarks/ is on sys.path

from tests.support import faultserver  # noqa: E402 - needs ROOT on sys.path
from tests.support.servers import moto_server  # noqa: E402

VERSION_TARGET = 5.0
V1_TARGET = 0.72
V2_TARGET = 0.58
HIT_TARGET = 6.0
AWS_V2 = "/usr/bin/aws"
PASSWORD = "bench-password"  # noqa: S105 - the stub's fake token
FLOOR = (
    "import sys, botocore.session\n"
    "client = botocore.session.Session().create_client('ecr', endpoint_url=sys.argv[1])\n"
    "client.get_authorization_token()\n"
)


class Timing:
    """Wall and CPU seconds of each run of one command."""

    def __init__(self, name: str, argv: Sequence[str], expect: bytes = b"") -> None:
        self.name = name
        self.argv = list(argv)
        self.expect = expect
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def run(self, env: Mapping[str, str], *, record: bool = True) -> None:
        """Run once; the run must succeed and print `expect`."""
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        result = subprocess.run(
            self.argv, env=dict(env), capture_output=True, timeout=120, check=False
        )
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if result.returncode != 0 or self.expect not in result.stdout:
            raise SystemExit(f"{' '.join(self.argv)} failed:\n{result.stderr.decode()}")
        if record:
            self.wall.append(wall)
            self.cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)


def rounds(timings: Sequence[Timing], env: Mapping[str, str], runs: int, warmup: int) -> None:
    """Run every command once per round, in turn, `warmup` untimed rounds first."""
    for index in range(warmup + runs):
        for timing in timings:
            timing.run(env, record=index >= warmup)


def ratio(a: Timing, b: Timing, *, cpu: bool = False) -> float:
    """The median of a's time over b's, round by round."""
    xs, ys = (a.cpu, b.cpu) if cpu else (a.wall, b.wall)
    return statistics.median(x / y for x, y in zip(xs, ys, strict=True))


def line(a: Timing, b: Timing, target: float | None = None) -> str:
    """One comparison: both medians, the wall-time ratio (against its target) and CPU's."""
    verdict = ""
    if target is not None:
        verdict = f" ({'meets' if ratio(a, b) <= target else 'MISSES'} <= {target})"
    return (
        f"{a.name:<38} {statistics.median(a.wall) * 1000:7.1f} ms   "
        f"{b.name:<30} {statistics.median(b.wall) * 1000:7.1f} ms   "
        f"ratio {ratio(a, b):5.2f}{verdict}; CPU {ratio(a, b, cpu=True):5.2f}"
    )


def env_for(home: Path, bin_dir: Path) -> dict[str, str]:
    """Static test credentials, no AWS config files, the wheel's venv first on PATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ECRLOGIN_"))}
    env.update(
        PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        HOME=str(home),
        AWS_ACCESS_KEY_ID="AKIABENCHBENCHBENCH1",
        AWS_SECRET_ACCESS_KEY="bench/secret/access/key/0123456789abcdef",  # noqa: S106 - fake
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=str(home / "aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "aws-credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        AWS_PAGER="",
        XDG_CACHE_HOME=str(home / "cache"),
        XDG_CONFIG_HOME=str(home / "config"),
    )
    return env


def hit_imports(argv: Sequence[str], env: Mapping[str, str]) -> set[str]:
    """The modules one cache hit imports (from -X importtime)."""
    result = subprocess.run(
        [argv[0], "-X", "importtime", *argv[1:]],
        env=dict(env),
        capture_output=True,
        check=True,
    )
    return {
        row.rpartition("|")[2].strip()
        for row in result.stderr.decode().splitlines()
        if row.startswith("import time:")
    }


def main() -> None:
    """Build, serve, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="timed rounds (at least 10)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed rounds first")
    args = parser.parse_args()
    runs = max(args.runs, 10)
    aws_v1 = shutil.which("aws", path=str(Path(sys.executable).parent))
    if aws_v1 is None:
        raise SystemExit("AWS CLI v1 is needed in this environment (pip install awscli)")
    if not os.access(AWS_V2, os.X_OK):
        raise SystemExit(f"AWS CLI v2 is needed at {AWS_V2} (apt-get install awscli)")
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp, ExitStack() as cleanup:
        bin_dir = install_wheel(Path(tmp) / "venv")
        home = Path(tmp) / "home"
        home.mkdir()
        env = env_for(home, bin_dir)
        python = str(bin_dir / "python")
        ecrlogin = str(bin_dir / "ecrlogin")
        load = os.getloadavg()
        print(
            f"python {sys.version.split()[0]}, {runs} rounds, {os.cpu_count()} CPUs, "
            f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}\n"
        )

        bare = Timing("python -c pass", [python, "-c", "pass"])
        version = Timing("ecrlogin --version", [ecrlogin, "--version"], b"ecrlogin ")
        rounds([version, bare], env, runs, args.warmup)
        print(line(version, bare, VERSION_TARGET))

        endpoint = cleanup.enter_context(moto_server(Path(tmp) / "moto.log"))
        url = ["--endpoint-url", endpoint]
        ours = Timing("ecrlogin get-login-password", [ecrlogin, "get-login-password", *url])
        v1 = Timing("aws v1 ecr get-login-password", [aws_v1, "ecr", "get-login-password", *url])
        v2 = Timing("aws v2 ecr get-login-password", [AWS_V2, "ecr", "get-login-password", *url])
        floor = Timing("botocore alone (import, client, call)", [python, "-c", FLOOR, endpoint])
        rounds([ours, v1, v2, floor], env, runs, args.warmup)
        print(line(ours, v1, V1_TARGET))
        print(line(ours, v2, V2_TARGET))
        print(line(floor, v1))
        print(line(floor, v2))

        server = faultserver.FaultServer().start()
        cleanup.callback(server.stop)
        stub = server.scenario(faultserver.token(password=PASSWORD)).url
        cached = [ecrlogin, "get-login-password", "--cache", "--endpoint-url", stub]
        hit = Timing("ecrlogin get-login-password --cache (hit)", cached, PASSWORD.encode())
        hit.run(env, record=False)  # fills the cache
        bare_again = Timing(bare.name, bare.argv)
        rounds([hit, bare_again], env, runs, args.warmup)
        print(line(hit, bare_again, HIT_TARGET))
        heavy = {"botocore", "urllib3"} & hit_imports([python, ecrlogin, *cached[1:]], env)
        shown = "YES: " + ", ".join(sorted(heavy)) if heavy else "no"
        print(f"\na cache hit imports botocore: {shown}")


if __name__ == "__main__":
    main()
