"""The commands that fetch a token, as rows the fault, leak and signal suites share.

Each `Fetcher` knows how to point one command at an endpoint, what it prints
when the endpoint answers FAULT_TOKEN, and what its failure contract is: for
the CLI commands the documented exit code, an empty stdout and exactly one
`ecrlogin: error:` line on stderr. A new command (the credential helper, say)
joins every suite by adding a row to FETCHERS.
"""

from __future__ import annotations

import base64
import json
import subprocess
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.support import faultserver as fs
from tests.support.env import ACCOUNT, SECRET_ACCESS_KEY, SESSION_TOKEN, fault_env_for
from tests.support.faultserver import (
    FAULT_EXPIRES_AT,
    FAULT_PASSWORD,
    FAULT_TOKEN,
    FaultServer,
    Scenario,
)
from tests.support.tools import BIN, run

PRIVATE_HOST = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com"
PRIVATE_ENDPOINT = f"https://{PRIVATE_HOST}"
HELPER_REPLY = (
    f'{{"ServerURL":"{PRIVATE_HOST}","Username":"AWS","Secret":"{FAULT_PASSWORD}"}}\n'.encode()
)
ERROR_PREFIX = "ecrlogin: error: "


class Unsupported(Exception):
    """A case's options have no equivalent for this command (e.g. flags for the helper)."""


@dataclass(frozen=True)
class Fetcher:
    """One command that fetches a token, and how to run and judge it.

    `helper` commands speak the docker credential-helper protocol: the server
    URL on stdin, no command-line flags (the CLI flags a case uses become their
    environment equivalents), and a failure is the message on stdout and exit 1.
    """

    name: str
    args: tuple[str, ...]
    public: bool = False
    # What stdout holds after a successful fetch of FAULT_TOKEN (None: judge `check_ok`).
    stdout: bytes | None = None
    check_ok: Callable[[subprocess.CompletedProcess[bytes], Path], None] | None = None
    # Files the command exists to write (relative to the run's home); secrets may be there.
    credential_stores: tuple[str, ...] = ()
    registry_ids_flag: str | None = None
    program: str = "ecrlogin"
    stdin: bytes | None = None
    helper: bool = False
    # True when the registry host names the region, so no configured region is needed.
    region_from_host: bool = False

    def invocation(
        self, endpoint: str | None, env: Mapping[str, str], extra: Sequence[str]
    ) -> tuple[list[str], dict[str, str]]:
        """The argv (program first) and environment that run this command as a case asks."""
        home = Path(env["HOME"])
        argv = [self.program, *(arg.replace("{home}", str(home)) for arg in self.args)]
        env = dict(env)
        if not self.helper:
            where = ["--endpoint-url", endpoint] if endpoint else []
            return [*argv, *where, *extra], env
        if endpoint:
            env["AWS_ENDPOINT_URL"] = endpoint
        flags = iter(extra)
        for flag in flags:
            if flag == "--debug":
                env["ECRLOGIN_DEBUG"] = "1"
            elif flag == "--ca-bundle":
                env["AWS_CA_BUNDLE"] = next(flags)
            elif flag == "--profile":
                env["AWS_PROFILE"] = next(flags)
            elif flag != "--cache":  # the helper always caches
                raise Unsupported(flag)
        return argv, env

    def supports(self, extra: Sequence[str]) -> bool:
        """Whether a case with these CLI options applies to this command."""
        try:
            self.invocation(None, {"HOME": "/"}, extra)
        except Unsupported:
            return False
        return True

    def run(
        self,
        endpoint: str | None,
        env: Mapping[str, str],
        *extra: str,
        timeout: float = 60,
    ) -> subprocess.CompletedProcess[bytes]:
        """Run the command against `endpoint` (None: whatever the environment says)."""
        argv, full_env = self.invocation(endpoint, env, extra)
        return run(argv[0], *argv[1:], env=full_env, input=self.stdin, timeout=timeout)

    def popen(
        self, endpoint: str | None, env: Mapping[str, str], *extra: str
    ) -> subprocess.Popen[bytes]:
        """Start the command in the background (its stdin already written and closed)."""
        argv, full_env = self.invocation(endpoint, env, extra)
        proc = subprocess.Popen(
            [str(BIN / argv[0]), *argv[1:]],
            env=full_env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert proc.stdin is not None
        proc.stdin.write(self.stdin or b"")
        proc.stdin.close()
        return proc

    def assert_ok(self, result: subprocess.CompletedProcess[bytes], home: Path) -> None:
        """The command succeeded with FAULT_TOKEN and printed what it should."""
        assert result.returncode == 0, result.stderr.decode(errors="replace")
        assert "Traceback" not in result.stderr.decode(errors="replace")
        if self.stdout is not None:
            assert result.stdout == self.stdout
        if self.check_ok is not None:
            self.check_ok(result, home)

    def assert_failed(
        self, result: subprocess.CompletedProcess[bytes], exit_code: int, *needles: str
    ) -> str:
        """This command's failure contract for a CLI exit code; returns the stderr line.

        The helper answers every failure but a signal with exit 1 and the same
        message on stdout that it writes on stderr.
        """
        if not self.helper:
            return assert_failed(result, exit_code, *needles)
        signalled = exit_code in (130, 143)
        line = _one_error_line(result, exit_code if signalled else 1, *needles)
        expected = b"" if signalled else line.removeprefix(ERROR_PREFIX).encode() + b"\n"
        assert result.stdout == expected, result.stdout
        return line


def assert_failed(result: subprocess.CompletedProcess[bytes], exit_code: int, *needles: str) -> str:
    """The CLI failure contract: the code, empty stdout, one clear stderr line; returns it."""
    line = _one_error_line(result, exit_code, *needles)
    assert result.stdout == b"", result.stdout
    return line


def _one_error_line(
    result: subprocess.CompletedProcess[bytes], exit_code: int, *needles: str
) -> str:
    stderr = result.stderr.decode(errors="replace")
    assert result.returncode == exit_code, stderr
    assert "Traceback" not in stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    line = lines[0]
    assert line.startswith(ERROR_PREFIX), line
    for needle in needles:
        assert needle in line, line
    assert leaked(result.stderr) == [], line
    assert leaked(result.stdout) == [], result.stdout
    return line


# Every secret a fetch handles, by name: the fault server's password and token, and the
# test credentials' secret access key and session token.
SECRETS = {
    "password": FAULT_PASSWORD,
    "token": FAULT_TOKEN,
    "secret access key": SECRET_ACCESS_KEY,
    "session token": SESSION_TOKEN,
}
CREDENTIALS = ("secret access key", "session token")


def leaked(data: bytes | str, names: Iterable[str] = SECRETS) -> list[str]:
    """The names of the secrets found in `data`."""
    text = data.decode(errors="replace") if isinstance(data, bytes) else data
    return [name for name in names if SECRETS[name] in text]


def _authorization_token_json(
    public: bool,
) -> Callable[[subprocess.CompletedProcess[bytes], Path], None]:
    def check(result: subprocess.CompletedProcess[bytes], home: Path) -> None:
        from botocore.utils import parse_timestamp

        # The default cli_timestamp_format (v2's iso8601): local time, as botocore parses it.
        expires_at = parse_timestamp(FAULT_EXPIRES_AT).isoformat()
        entry: dict[str, Any] = {"authorizationToken": FAULT_TOKEN, "expiresAt": expires_at}
        if not public:
            entry["proxyEndpoint"] = PRIVATE_ENDPOINT
        assert result.stdout.endswith(b"}\n")
        assert json.loads(result.stdout) == {"authorizationData": entry if public else [entry]}

    return check


def _config_written(result: subprocess.CompletedProcess[bytes], home: Path) -> None:
    assert result.stdout == b""
    config = json.loads((home / "login-config.json").read_text())
    auth = config["auths"][PRIVATE_HOST]["auth"]
    assert auth == FAULT_TOKEN


def _pull_secret_printed(result: subprocess.CompletedProcess[bytes], home: Path) -> None:
    secret = json.loads(result.stdout)
    assert (secret["kind"], secret["metadata"]) == ("Secret", {"name": "regcred"})
    config = json.loads(base64.b64decode(secret["data"][".dockerconfigjson"], validate=True))
    entry = {"username": "AWS", "password": FAULT_PASSWORD, "auth": FAULT_TOKEN}
    assert config == {"auths": {PRIVATE_HOST: entry}}


FETCHERS: Sequence[Fetcher] = (
    Fetcher(
        "get-login-password",
        ("get-login-password",),
        stdout=f"{FAULT_PASSWORD}\n".encode(),
        registry_ids_flag="--registry-id",
    ),
    Fetcher(
        "get-login",
        ("get-login", "--no-include-email"),
        stdout=f"docker login -u AWS -p {FAULT_PASSWORD} {PRIVATE_ENDPOINT}\n".encode(),
        registry_ids_flag="--registry-ids",
    ),
    Fetcher(
        "get-authorization-token",
        ("get-authorization-token", "--output", "json"),
        check_ok=_authorization_token_json(public=False),
        registry_ids_flag="--registry-ids",
    ),
    Fetcher(
        "ecr-public-get-login-password",
        ("ecr-public", "get-login-password"),
        public=True,
        stdout=f"{FAULT_PASSWORD}\n".encode(),
    ),
    Fetcher(
        "ecr-public-get-authorization-token",
        ("ecr-public", "get-authorization-token", "--output", "json"),
        public=True,
        check_ok=_authorization_token_json(public=True),
    ),
    Fetcher(
        "login",
        ("login", "--write-config", "--config-file", "{home}/login-config.json"),
        check_ok=_config_written,
        credential_stores=("login-config.json",),
    ),
    Fetcher("pull-secret", ("pull-secret", "regcred"), check_ok=_pull_secret_printed),
    Fetcher(
        "credential-helper-get",
        ("get",),
        program="docker-credential-ecrlogin",
        stdin=PRIVATE_HOST.encode(),
        stdout=HELPER_REPLY,
        helper=True,
        region_from_host=True,
    ),
)
# The same protocol under the main program: for a few cases, not the whole matrix.
HELPER_UNDER_ECRLOGIN = Fetcher(
    "ecrlogin-credential-helper-get",
    ("credential-helper", "get"),
    stdin=PRIVATE_HOST.encode(),
    stdout=HELPER_REPLY,
    helper=True,
    region_from_host=True,
)


def fetcher_id(fetcher: Fetcher) -> str:
    """The pytest id of a fetcher row."""
    return fetcher.name


def scenario_url(scenario: Scenario | None) -> str | None:
    """The default endpoint of a case: its own scenario on the fault server."""
    return scenario.url if scenario is not None else None


@dataclass(frozen=True)
class Case:
    """One run of one command against one scripted endpoint, in its own HOME."""

    id: str
    fetcher: Fetcher
    replies: tuple[fs.Reply, ...] = ()
    tls: bool = False
    endpoint: Callable[[Scenario | None], str | None] = scenario_url
    env: Mapping[str, str | None] = field(default_factory=dict)
    args: tuple[str, ...] = ()
    timeout: float = 60


@dataclass(frozen=True)
class Outcome:
    """What one case did: the finished process, the calls its endpoint saw, its HOME."""

    result: subprocess.CompletedProcess[bytes]
    scenario: Scenario | None
    home: Path
    endpoint: str | None = None

    @property
    def calls(self) -> int:
        """How many calls reached the case's scenario."""
        return self.scenario.calls if self.scenario is not None else 0


def run_cases(
    cases: Iterable[Case], plain: FaultServer, tls: FaultServer, root: Path, *, workers: int = 4
) -> dict[str, Outcome]:
    """Run the cases a few at a time (each process mostly waits or imports) and keep the outcomes.

    Each case gets a fresh HOME under `root`, so their files never mix. In its
    args and env values, `{home}` is that HOME and `{ca}` the TLS server's certificate.
    """

    def fill(text: str, home: Path) -> str:
        return text.replace("{home}", str(home)).replace("{ca}", str(tls.certificate))

    def run(index: int, case: Case) -> Outcome:
        home = root / f"case-{index}"
        env: dict[str, str] = fault_env_for(home)
        for key, value in case.env.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = fill(value, home)
        server = tls if case.tls else plain
        scenario = server.scenario(*case.replies) if case.replies else None
        endpoint = case.endpoint(scenario)
        args = [fill(arg, home) for arg in case.args]
        result = case.fetcher.run(endpoint, env, *args, timeout=case.timeout)
        return Outcome(result=result, scenario=scenario, home=home, endpoint=endpoint)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {case.id: pool.submit(run, i, case) for i, case in enumerate(cases)}
        return {key: future.result() for key, future in futures.items()}


class CaseSet:
    """The cases a test module declares, run together by its `outcomes` fixture."""

    def __init__(self) -> None:
        self.cases: list[Case] = []

    def case(
        self,
        name: str,
        fetcher: Fetcher,
        *replies: fs.Reply,
        tls: bool = False,
        endpoint: Callable[[Scenario | None], str | None] = scenario_url,
        env: Mapping[str, str | None] | None = None,
        args: tuple[str, ...] = (),
        timeout: float = 60,
    ) -> Case:
        """Declare a case (run later by `run_selected`) and return it."""
        declared = Case(
            f"{fetcher.name}/{name}",
            fetcher,
            tuple(replies),
            tls=tls,
            endpoint=endpoint,
            env=dict(env or {}),
            args=args,
            timeout=timeout,
        )
        self.cases.append(declared)
        return declared

    def cases_for(
        self,
        name: str,
        fetchers: Sequence[Fetcher],
        *replies: fs.Reply,
        tls: bool = False,
        endpoint: Callable[[Scenario | None], str | None] = scenario_url,
        env: Mapping[str, str | None] | None = None,
        args: tuple[str, ...] = (),
        timeout: float = 60,
    ) -> list[Case]:
        """The same case for each of `fetchers` that has these options."""
        return [
            self.case(
                name,
                fetcher,
                *replies,
                tls=tls,
                endpoint=endpoint,
                env=env,
                args=args,
                timeout=timeout,
            )
            for fetcher in fetchers
            if fetcher.supports(args)
        ]

    def run_selected(
        self, request: Any, plain: FaultServer, tls: FaultServer, root: Path
    ) -> dict[str, Outcome]:
        """Run the cases that the selected tests of `request.module` take as `case`."""
        wanted = {
            item.callspec.params["case"].id
            for item in request.session.items
            if getattr(item, "module", None) is request.module
            and hasattr(item, "callspec")
            and "case" in item.callspec.params
        }
        return run_cases([c for c in self.cases if c.id in wanted], plain, tls, root)

    def outcomes_fixture(self, name: str) -> Any:
        """The module's `outcomes` fixture: its selected cases, run once, under tmp `name`."""

        @pytest.fixture(scope="module", name="outcomes")
        def outcomes(
            request: pytest.FixtureRequest,
            fault_server: FaultServer,
            tls_fault_server: FaultServer,
            tmp_path_factory: pytest.TempPathFactory,
        ) -> Mapping[str, Outcome]:
            root = tmp_path_factory.mktemp(name)
            return self.run_selected(request, fault_server, tls_fault_server, root)

        return outcomes


def ids(cases: Iterable[Case]) -> list[str]:
    """pytest ids for a list of cases."""
    return [c.id for c in cases]


@dataclass(frozen=True)
class Fault:
    """A scripted endpoint behaviour and what every command must make of it."""

    name: str
    replies: tuple[fs.Reply, ...]
    exit_code: int
    needle: str
    calls: int
    env: Mapping[str, str] = field(default_factory=dict)


FAULTS = (
    # fault_env_for allows two attempts: a retryable fault is seen twice, then reported.
    Fault("throttled", (fs.throttle(),), 254, "ThrottlingException", calls=2),
    Fault("html-500", (fs.html(500),), 254, "HTTP 500", calls=2),
    Fault("html-502", (fs.html(502),), 254, "HTTP 502", calls=2),
    Fault("html-403-from-a-proxy", (fs.html(403),), 254, "HTTP 403", calls=1),
    Fault("access-denied", (fs.access_denied(),), 254, "ecr:GetAuthorizationToken", calls=1),
    Fault("not-json", (fs.raw(200, b"{not json"),), 255, "authorizationData", calls=1),
    Fault("wrong-shape", (fs.data("a string"),), 255, "not an ECR response", calls=1),
    Fault(
        "not-base64",
        (fs.entries(authorizationToken="%%% not base64 %%%"),),
        255,
        "not valid base64",
        calls=1,
    ),
    Fault(
        "no-colon",
        (fs.entries(authorizationToken=base64.b64encode(b"AWS-and-no-colon").decode()),),
        255,
        "USER:PASSWORD",
        calls=1,
    ),
    Fault("connection-closed", (fs.drop,), 255, "closed the connection", calls=2),
)
