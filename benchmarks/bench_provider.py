"""Time ecrlogin-credential-provider: a cache hit against `python -c pass`, a miss against
botocore's own floor, and a miss with a per-workload role against botocore's floor for
the same two calls (STS AssumeRoleWithWebIdentity, then ECR GetAuthorizationToken).

Targets (issues 11 and 16): a hit at most 2.0x the same interpreter's `python -c pass`; a miss
within 0.05 s of the floor; a miss with a role within 0.05 s of the two-call floor.

As in bench_helper.py (whose wheel install and alternating pairs this reuses): ecrlogin
runs from a wheel in a fresh virtual environment, each pair of commands alternates so
drift in machine load hits both, and a figure is the median over pairs. ECR is the test
suite's stub (tests/faultserver.py), because moto's tokens expired in 2015 and are never
cached; STS is a moto server, the only endpoint here that speaks it. Both ends of every
pair call the same endpoints, so the gap is client-side time.

    python benchmarks/bench_provider.py              # 30 pairs each
    python benchmarks/bench_provider.py --runs 100
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import statistics
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

# bench_helper puts the checkout on sys.path, for `tests.support`.
from bench_helper import bench_env, install_wheel, pairs, report, timed

from tests.support import faultserver
from tests.support.servers import moto_server

IMAGE = "123456789012.dkr.ecr.us-west-2.amazonaws.com/app:1.0"
ROLE = "arn:aws:iam::123456789012:role/bench-pull"
PASSWORD = "bench-password"  # noqa: S105 - the stub's fake token
HIT_TARGET = 2.0
GAP_TARGET = 0.05
FLOOR = (
    "import botocore.session\n"
    "client = botocore.session.Session().create_client('ecr', region_name='us-west-2')\n"
    "client.get_authorization_token(registryIds=['123456789012'])\n"
)
ROLE_FLOOR = (
    "import botocore.session, sys\n"
    "session = botocore.session.Session()\n"
    "sts = session.create_client('sts', region_name='us-west-2')\n"
    "role = sts.assume_role_with_web_identity(RoleArn=sys.argv[1],\n"
    "    RoleSessionName='ecrlogin-credential-provider', WebIdentityToken=sys.argv[2])\n"
    "c = role['Credentials']\n"
    "client = session.create_client('ecr', region_name='us-west-2',\n"
    "    aws_access_key_id=c['AccessKeyId'], aws_secret_access_key=c['SecretAccessKey'],\n"
    "    aws_session_token=c['SessionToken'])\n"
    "client.get_authorization_token(registryIds=['123456789012'])\n"
)


def service_account_token() -> str:
    """A JWT-shaped service-account token (moto does not check its signature)."""

    def part(value: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    claims = {"iss": "https://oidc.example", "sub": "system:serviceaccount:default:bench"}
    return f"{part({'alg': 'RS256'})}.{part(claims)}.c2ln"


def report_gap(name: str, a: list[float], b: list[float], limit: float, versus: str) -> None:
    """The median over pairs of `a - b`, against `limit` seconds."""
    gap = statistics.median(x - y for x, y in zip(a, b, strict=True))
    verdict = "meets" if gap <= limit else "MISSES"
    print(
        f"{name:<15} {statistics.median(a) * 1000:7.1f} ms   {versus:<34} "
        f"{statistics.median(b) * 1000:7.1f} ms   gap {gap * 1000:+6.1f} ms "
        f"({verdict} <= {limit * 1000:.0f} ms)"
    )


def main() -> None:
    """Build, serve, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="measured pairs per comparison")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-provider-") as tmp, ExitStack() as cleanup:
        server = faultserver.FaultServer().start()
        cleanup.callback(server.stop)
        ecr_url = server.scenario(faultserver.token(password=PASSWORD)).url
        sts_url = cleanup.enter_context(moto_server(Path(tmp) / "moto.log"))
        bin_dir = install_wheel(Path(tmp) / "venv")
        home = Path(tmp) / "home"
        home.mkdir()
        env = bench_env(home, AWS_ENDPOINT_URL_ECR=ecr_url, AWS_ENDPOINT_URL_STS=sts_url)
        python = str(bin_dir / "python")
        plugin = [str(bin_dir / "ecrlogin-credential-provider")]
        kind = {"apiVersion": "credentialprovider.kubelet.k8s.io/v1"}
        kind["kind"] = "CredentialProviderRequest"
        plain = json.dumps({**kind, "image": IMAGE}).encode()
        token = service_account_token()
        with_role = json.dumps(
            {
                **kind,
                "image": IMAGE,
                "serviceAccountToken": token,
                "serviceAccountAnnotations": {"eks.amazonaws.com/ecr-role-arn": ROLE},
            }
        ).encode()
        expect = PASSWORD.encode()
        cache_dir = home / ".cache" / "ecrlogin"

        def clear() -> None:
            shutil.rmtree(cache_dir, ignore_errors=True)

        load = os.getloadavg()
        print(
            f"python {sys.version.split()[0]}, {args.runs} pairs each, load average "
            f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, ECR {ecr_url}, STS {sts_url}\n"
        )
        timed(plugin, env, plain, expect)  # warm the cache
        hit, bare = pairs(
            args.runs,
            lambda: timed(plugin, env, plain, expect),
            lambda: timed([python, "-c", "pass"], env, b"", b""),
        )
        report("cache hit", hit, bare, HIT_TARGET, "python -c pass (same interpreter)")
        miss, floor = pairs(
            args.runs,
            lambda: timed(plugin, env, plain, expect),
            lambda: timed([python, "-c", FLOOR], env, b"", b""),
            before_first=clear,
        )
        report_gap("miss", miss, floor, GAP_TARGET, "botocore floor (one call)")
        role_miss, role_floor = pairs(
            args.runs,
            lambda: timed(plugin, env, with_role, expect),
            lambda: timed([python, "-c", ROLE_FLOOR, ROLE, token], env, b"", b""),
            before_first=clear,
        )
        report_gap("miss with role", role_miss, role_floor, GAP_TARGET, "botocore floor (STS+ECR)")
        load = os.getloadavg()
        print(
            f"\nload average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}. floor: the same "
            "interpreter importing botocore, creating the clients and making the same calls; "
            "no botocore-based plugin can miss faster."
        )


if __name__ == "__main__":
    main()
