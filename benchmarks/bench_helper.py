"""Time docker-credential-ecrlogin's `get`: a cache hit against `python -c pass`, a cache miss
against `aws ecr get-login-password`, both on one loopback token endpoint.

Targets (issue 3): a hit at most 2x the same interpreter's `python -c pass`; a
miss at most 0.6x `aws ecr get-login-password`.

ecrlogin is measured from a wheel installed into a fresh virtual environment,
not from the editable development install: an editable install adds an import
hook (a `.pth` finder) that slows every interpreter start, `python -c pass`
included. The wheel is built from this checkout; its dependencies (botocore)
are found through a plain path line to the running interpreter's
site-packages. Runs alternate between the two commands of a pair, so drift in
machine load hits both alike, and the figure is the median of the per-pair
ratios. The endpoint is the test suite's stub (tests/support/faultserver.py) because
moto's tokens expired in 2015 and are never cached; it answers at once, so the
miss figures are client-side time.

    python benchmarks/bench_helper.py              # 30 pairs each
    python benchmarks/bench_helper.py --runs 100
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# `python benchmarks/bench_helper.py` puts benchmarks/ on sys.path, not the checkout.
sys.path.insert(0, str(ROOT))
from tests.support import faultserver  # noqa: E402 - needs ROOT on sys.path

HOST = "123456789012.dkr.ecr.us-west-2.amazonaws.com"
PASSWORD = "bench-password"  # noqa: S105 - the stub's fake token
HIT_TARGET = 2.0
MISS_TARGET = 0.6
FLOOR = (
    "import botocore.session\n"
    "client = botocore.session.Session().create_client('ecr', region_name='us-west-2')\n"
    "client.get_authorization_token(registryIds=['123456789012'])\n"
)


# pip writes console scripts without `import re` from 25.2 on (as uv does); an older
# pip's wrapper imports `re` before ecrlogin runs, which users of today's installers
# do not pay.
PIP_AT_LEAST = (25, 2)


def install_wheel(venv: Path) -> Path:
    """Build a wheel of this checkout and install it (no editable hook) into a new venv."""
    import pip

    # The leading digits of each part: "26.0b1" is (26, 0).
    parts = [
        part[: len(part) - len(part.lstrip("0123456789"))] or "0"
        for part in pip.__version__.split(".")
    ]
    if tuple(int(part) for part in parts[:2]) < PIP_AT_LEAST:
        raise SystemExit(
            f"pip {pip.__version__} writes console scripts that import re; the figures need "
            "pip >= 25.2, as users get today: python -m pip install --upgrade 'pip>=25.2'"
        )
    wheels = venv.parent / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(ROOT), "-w", str(wheels)],
        check=True,
    )
    # Without pip or setuptools: nothing but ecrlogin's own files in its site-packages.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    (wheel,) = wheels.glob("ecrlogin-*.whl")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "-q",
            "--no-deps",
            str(wheel),
        ],
        check=True,
    )
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(site, "zz_bench_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv / "bin"


def bench_env(home: Path, **endpoints: str) -> dict[str, str]:
    """An isolated environment in `home`: static credentials in us-west-2, its own AWS and
    XDG files, no instance metadata, and the given AWS_ENDPOINT_URL* variables."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "AWS_ACCESS_KEY_ID": "AKIABENCHBENCHBENCH1",
        "AWS_SECRET_ACCESS_KEY": "bench-secret",
        "AWS_DEFAULT_REGION": "us-west-2",
        "AWS_CONFIG_FILE": str(home / "aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        **endpoints,
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_CONFIG_HOME": str(home / ".config"),
    }


def timed(argv: list[str], env: Mapping[str, str], stdin: bytes, expect: bytes) -> float:
    """Wall time of one run, in seconds; the run must succeed and print `expect`."""
    start = time.perf_counter()
    result = subprocess.run(argv, input=stdin, env=dict(env), capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0 or expect not in result.stdout:
        raise SystemExit(f"{argv} failed: {result.returncode} {result.stderr.decode()}")
    return elapsed


def pairs(
    runs: int,
    first: Callable[[], float],
    second: Callable[[], float],
    before_first: Callable[[], None] = lambda: None,
) -> tuple[list[float], list[float]]:
    """Alternate the two measurements `runs` times (after 3 warm-up pairs)."""
    a: list[float] = []
    b: list[float] = []
    for index in range(runs + 3):
        before_first()
        x = first()
        y = second()
        if index >= 3:
            a.append(x)
            b.append(y)
    return a, b


def report(name: str, a: list[float], b: list[float], target: float, versus: str) -> None:
    ratio = statistics.median(x / y for x, y in zip(a, b, strict=True))
    verdict = "meets" if ratio <= target else "MISSES"
    print(
        f"{name:<10} {statistics.median(a) * 1000:7.1f} ms   {versus:<32} "
        f"{statistics.median(b) * 1000:7.1f} ms   ratio {ratio:4.2f} ({verdict} <= {target})"
    )


def main() -> None:
    """Build, serve, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="measured pairs per comparison")
    args = parser.parse_args()
    aws = shutil.which("aws", path=str(Path(sys.executable).parent)) or shutil.which("aws")
    if aws is None:
        raise SystemExit("the AWS CLI is needed (pip install awscli)")
    with tempfile.TemporaryDirectory(prefix="bench-helper-") as tmp, ExitStack() as cleanup:
        server = faultserver.FaultServer().start()
        cleanup.callback(server.stop)
        url = server.scenario(faultserver.token(password=PASSWORD)).url
        bin_dir = install_wheel(Path(tmp) / "venv")
        home = Path(tmp) / "home"
        home.mkdir()
        env = bench_env(home, AWS_ENDPOINT_URL=url)
        python = str(bin_dir / "python")
        helper = [str(bin_dir / "docker-credential-ecrlogin"), "get"]
        stdin = HOST.encode()
        expect = PASSWORD.encode()
        cache_dir = home / ".cache" / "ecrlogin"

        def clear() -> None:
            shutil.rmtree(cache_dir, ignore_errors=True)

        print(f"python {sys.version.split()[0]}, {args.runs} pairs each, endpoint {url}\n")
        timed(helper, env, stdin, expect)  # warm the cache
        hit, bare = pairs(
            args.runs,
            lambda: timed(helper, env, stdin, expect),
            lambda: timed([python, "-c", "pass"], env, b"", b""),
        )
        report("cache hit", hit, bare, HIT_TARGET, "python -c pass (same interpreter)")
        aws_cmd = [aws, "ecr", "get-login-password"]
        miss, cli = pairs(
            args.runs,
            lambda: timed(helper, env, stdin, expect),
            lambda: timed(aws_cmd, env, b"", expect),
            before_first=clear,
        )
        report("cache miss", miss, cli, MISS_TARGET, "aws ecr get-login-password")
        floor, cli2 = pairs(
            max(5, args.runs // 3),
            lambda: timed([python, "-c", FLOOR], env, b"", b""),
            lambda: timed(aws_cmd, env, b"", expect),
        )
        report("floor", floor, cli2, MISS_TARGET, "aws ecr get-login-password")
        print(
            "\nfloor: the same interpreter importing botocore, creating an ECR client and making "
            "one call; no botocore-based helper can miss faster."
        )


if __name__ == "__main__":
    main()
