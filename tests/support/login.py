"""Helpers for the login tests: a counting token fetcher and a recording stand-in client.

The counting fetcher stands in for core.fetch where the core is called
with plain arguments: it records each call's options and answers per region.

The stand-in replaces a container client and records exactly what ecrlogin
handed it: argv, environment and stdin (a real client cannot show that the
password was on stdin only). Where moto cannot
help (a token that expires in the future, counting token calls per region, one
region refusing while another answers) the tests use tests/support/faultserver.py.
"""

from __future__ import annotations

import base64
import json
import stat
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from ecrlogin.core import Answer
from ecrlogin.errors import ServiceError
from ecrlogin.options import ClientOptions
from ecrlogin.token import AuthToken
from tests.support.env import ACCOUNT

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)


def token(region: str = "us-east-1", *, expires: datetime = NOW + timedelta(hours=12)) -> AuthToken:
    """A token of `region` whose password is "password-REGION"."""
    password = f"password-{region}"
    return AuthToken(
        username="AWS",
        password=password,
        proxy_endpoint=f"https://{ACCOUNT}.dkr.ecr.{region}.amazonaws.com",
        expires_at=expires,
        token=base64.b64encode(f"AWS:{password}".encode()).decode(),
    )


class CountingFetcher:
    """Stands in for core.fetch: records each call's options, answers per region."""

    def __init__(self, refuse: set[str] | None = None) -> None:
        self.calls: list[tuple[ClientOptions, bool, bool]] = []
        self.refuse = refuse or set()

    def __call__(
        self, options: ClientOptions, *, public: bool = False, use_cache: bool = False
    ) -> Answer:
        self.calls.append((options, public, use_cache))
        region = options.region or "us-east-1"
        if region in self.refuse:
            raise ServiceError("GetAuthorizationToken was refused with AccessDenied", "Grant it.")
        return Answer({}, [token(region)])


_RECORDER = """#!{python}
import json, os, sys, time
record = {{
    "argv": sys.argv,
    "env": dict(os.environ),
    "stdin": sys.stdin.buffer.read().decode("utf-8", "replace"),
}}
name = "%d-%d.json" % (time.monotonic_ns(), os.getpid())
with open(os.path.join({record_dir!r}, name), "w") as handle:
    json.dump(record, handle)
fail_for = {fail_for!r}
code = {exit_code} if fail_for is None or fail_for in sys.argv else 0
if code:
    sys.stderr.write({message!r})
sys.exit(code)
"""


@dataclass(frozen=True)
class Call:
    """One recorded run of a stand-in client."""

    argv: list[str]
    env: dict[str, str]
    stdin: str


def install_recorder(
    bin_dir: Path,
    name: str,
    record_dir: Path,
    *,
    exit_code: int = 0,
    message: str = "",
    fail_for: str | None = None,
) -> Path:
    """Write an executable stand-in `name` into `bin_dir` that records each run.

    It exits with `exit_code` and `message` on stderr (only for host `fail_for`, if given).
    """
    bin_dir.mkdir(parents=True, exist_ok=True)
    record_dir.mkdir(parents=True, exist_ok=True)
    script = bin_dir / name
    script.write_text(
        _RECORDER.format(
            python=sys.executable,
            record_dir=str(record_dir),
            message=message,
            exit_code=exit_code,
            fail_for=fail_for,
        )
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return script


def recorded(record_dir: Path) -> list[Call]:
    """The recorded runs, oldest first."""
    calls = []
    for path in sorted(record_dir.glob("*.json"), key=lambda p: int(p.name.split("-")[0])):
        data = json.loads(path.read_text())
        calls.append(Call(argv=data["argv"], env=data["env"], stdin=data["stdin"]))
    return calls
