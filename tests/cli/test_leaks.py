"""No secret escapes: not in --debug output, not in error lines, not in any file.

The fault server hands out a known password and token; the environment holds a
known secret access key and session token. Every fetching command runs with
`--debug`, answering and failing in every way test_faults.py knows. Then:

- stderr holds none of the four secrets, nor the request's SigV4 signature;
- stdout holds the password or token only for a command that exists to print
  it, and never the secret access key or session token;
- no file under HOME holds a secret, except the credential stores the command
  exists to write (login's config file, the token cache), and those never hold
  the secret access key or session token;
- what the tool writes is 0600, and its own directories are 0700.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.support import faultserver as fs
from tests.support.env import SESSION_TOKEN
from tests.support.faults import (
    CREDENTIALS,
    FAULTS,
    FETCHERS,
    PRIVATE_HOST,
    SECRETS,
    Case,
    CaseSet,
    Outcome,
    ids,
    leaked,
)
from tests.support.faultserver import FAULT_PASSWORD, FaultServer
from tests.support.login import install_recorder, recorded
from tests.support.tools import run

CASES = CaseSet()
_DEBUG = ("--debug",)
_SIGNATURE = re.compile(r"Signature=([0-9a-f]{64})")

LEAK_CASES: list[Case] = [
    *CASES.cases_for("answered", FETCHERS, fs.token(), args=_DEBUG),
    *CASES.cases_for("answered-through-the-cache", FETCHERS, fs.token(), args=(*_DEBUG, "--cache")),
    *(
        c
        for fault in FAULTS
        for c in CASES.cases_for(fault.name, FETCHERS, *fault.replies, args=_DEBUG)
    ),
    *CASES.cases_for(
        "never-answers",
        FETCHERS,
        fs.hang,
        env={"AWS_MAX_ATTEMPTS": "1"},
        args=(*_DEBUG, "--cli-read-timeout", "1"),
    ),
    *CASES.cases_for("self-signed", FETCHERS, fs.token(), tls=True, args=_DEBUG),
]


outcomes = CASES.outcomes_fixture("leaks")


def _signatures(outcome: Outcome) -> list[str]:
    if outcome.scenario is None:
        return []
    found = (
        _SIGNATURE.search(r.headers.get("Authorization", "")) for r in outcome.scenario.requests
    )
    return [match.group(1) for match in found if match]


def _cache_dir(outcome: Outcome) -> Path:
    return outcome.home / ".cache" / "ecrlogin"


def _stores(case: Case, outcome: Outcome) -> set[Path]:
    """The files this command exists to write secrets to."""
    stores = {outcome.home / name for name in case.fetcher.credential_stores}
    cache = _cache_dir(outcome)
    if cache.is_dir():
        stores |= {path for path in cache.iterdir() if path.name.endswith(".token")}
    return stores


@pytest.mark.parametrize("case", LEAK_CASES, ids=ids(LEAK_CASES))
def test_debug_output_holds_no_secret(case: Case, outcomes: Mapping[str, Outcome]) -> None:
    outcome = outcomes[case.id]
    stderr = outcome.result.stderr.decode(errors="replace")
    assert "DEBUG" in stderr  # --debug was on, so there was something to leak
    assert leaked(stderr) == []
    for signature in _signatures(outcome):
        assert signature not in stderr
    if outcome.scenario is not None and outcome.scenario.requests:
        # The session token really was in play: it went out on the request.
        sent = outcome.scenario.requests[0].headers.get("X-Amz-Security-Token")
        assert sent == SESSION_TOKEN


@pytest.mark.parametrize("case", LEAK_CASES, ids=ids(LEAK_CASES))
def test_stdout_holds_only_what_the_command_prints(
    case: Case, outcomes: Mapping[str, Outcome]
) -> None:
    outcome = outcomes[case.id]
    assert leaked(outcome.result.stdout, CREDENTIALS) == []
    if outcome.result.returncode != 0:
        # The CLI prints nothing on failure; the helper its message, which holds no secret.
        assert leaked(outcome.result.stdout) == []
    if case.fetcher.name == "login":
        assert outcome.result.stdout == b""


@pytest.mark.parametrize("case", LEAK_CASES, ids=ids(LEAK_CASES))
def test_no_file_holds_a_secret_except_the_credential_stores(
    case: Case, outcomes: Mapping[str, Outcome]
) -> None:
    outcome = outcomes[case.id]
    stores = _stores(case, outcome)
    for path in outcome.home.rglob("*"):
        if path.is_file():
            # A store may hold the password and token; nothing holds the AWS credentials.
            forbidden = CREDENTIALS if path in stores else tuple(SECRETS)
            assert leaked(path.read_bytes(), forbidden) == [], path


@pytest.mark.parametrize("case", LEAK_CASES, ids=ids(LEAK_CASES))
def test_what_the_tool_writes_is_private(case: Case, outcomes: Mapping[str, Outcome]) -> None:
    outcome = outcomes[case.id]
    for path in _stores(case, outcome):
        if path.exists():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    cache = _cache_dir(outcome)
    if cache.exists():
        assert stat.S_IMODE(cache.stat().st_mode) == 0o700
        for path in cache.iterdir():
            assert stat.S_IMODE(path.lstat().st_mode) == 0o600, path


CACHED = [c for c in LEAK_CASES if c.id.endswith("/answered-through-the-cache")]


@pytest.mark.parametrize("case", CACHED, ids=ids(CACHED))
def test_the_cache_cases_really_wrote_the_cache(
    case: Case, outcomes: Mapping[str, Outcome]
) -> None:
    # Otherwise the checks above would pass for having nothing to look at.
    outcome = outcomes[case.id]
    case.fetcher.assert_ok(outcome.result, outcome.home)
    assert any(p.name.endswith(".token") for p in _stores(case, outcome))


# -- commands that show or hand over what was fetched ----------------------------------------


def test_cache_listings_and_their_debug_logs_show_no_secret(
    fault_server: FaultServer, fault_env: dict[str, str]
) -> None:
    scenario = fault_server.scenario(fs.token())
    env = {**fault_env, "AWS_ENDPOINT_URL": scenario.url}
    first = run("ecrlogin", "get-login-password", "--cache", env=env)
    assert first.returncode == 0
    listings = [
        run("ecrlogin", "cache", "list", env=env),
        run("docker-credential-ecrlogin", "list", env={**env, "ECRLOGIN_DEBUG": "1"}),
    ]
    for listing in listings:
        assert listing.returncode == 0, listing.stderr
        assert PRIVATE_HOST.encode() in listing.stdout  # it did list the cached registry
        assert leaked(listing.stdout) == []
        assert leaked(listing.stderr) == []
    assert scenario.calls == 1


def test_login_through_a_client_hands_the_password_over_stdin_only(
    fault_server: FaultServer, fault_env: dict[str, str], tmp_path: Path
) -> None:
    # docker has no daemon here: a stand-in records what ecrlogin handed it.
    records = tmp_path / "records"
    install_recorder(tmp_path / "bin", "docker", records)
    scenario = fault_server.scenario(fs.token())
    env = {**fault_env, "PATH": f"{tmp_path / 'bin'}:{fault_env['PATH']}"}
    result = run("ecrlogin", "login", "--debug", "--endpoint-url", scenario.url, env=env)
    assert result.returncode == 0, result.stderr
    assert leaked(result.stdout) == []
    assert leaked(result.stderr) == []
    (call,) = recorded(records)
    assert call.stdin.strip() == SECRETS["password"]
    assert leaked(" ".join(call.argv)) == []
    # The client inherits the caller's environment as any child does (its own credential
    # helpers may need AWS_*); the password is never added to it.
    assert FAULT_PASSWORD not in " ".join(call.env.values())
    assert [p for p in Path(env["HOME"]).rglob("*") if p.is_file() and leaked(p.read_bytes())] == []
