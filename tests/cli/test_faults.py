"""Every fetching command meets every endpoint fault with the documented exit code.

The endpoint is tests/support/faultserver.py, a loopback stand-in for ECR: moto always
answers correctly, and these are the answers (and silences) users meet in
practice. For each command and fault: the exit code, an empty stdout, exactly
one clear stderr line (no traceback), and the number of calls the endpoint saw;
every process is bounded by a subprocess timeout.

Each case is one real `ecrlogin` process. They are declared below as data and
run a few at a time by the module's `outcomes` fixture (only those the
selected tests need); each test then judges its own case.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pytest

from tests.support import faultserver as fs
from tests.support.faults import (
    FAULTS,
    FETCHERS,
    HELPER_UNDER_ECRLOGIN,
    Case,
    CaseSet,
    Fault,
    Outcome,
    ids,
)
from tests.support.faultserver import Scenario
from tests.support.servers import free_port

CASES = CaseSet()
case = CASES.case
cases_for = CASES.cases_for
outcomes = CASES.outcomes_fixture("faults")


# -- faults in the answer -----------------------------------------------------------------


FAULT_CASES = [
    (fault, case(fault.name, fetcher, *fault.replies, env=fault.env))
    for fetcher in FETCHERS
    for fault in FAULTS
]


@pytest.mark.parametrize(("fault", "case"), FAULT_CASES, ids=[c.id for _, c in FAULT_CASES])
def test_fault(fault: Fault, case: Case, outcomes: Mapping[str, Outcome]) -> None:
    outcome = outcomes[case.id]
    case.fetcher.assert_failed(outcome.result, fault.exit_code, fault.needle)
    assert outcome.calls == fault.calls


# ECR sends a list and ECR Public one object: "empty" is [] for one and no object for the other.
EMPTY = [
    case("empty-authorization-data", f, fs.raw(200, b"{}") if f.public else fs.data([]))
    for f in FETCHERS
]


@pytest.mark.parametrize("case", EMPTY, ids=ids(EMPTY))
def test_empty_authorization_data(case: Case, outcomes: Mapping[str, Outcome]) -> None:
    case.fetcher.assert_failed(
        outcomes[case.id].result, 255, "no authorizationData", "--endpoint-url"
    )


RETRIED = cases_for(
    "throttled-twice-then-answered",
    FETCHERS,
    fs.throttle(),
    fs.throttle(),
    fs.token(),
    env={"AWS_MAX_ATTEMPTS": "3"},
)


@pytest.mark.parametrize("case", RETRIED, ids=ids(RETRIED))
def test_throttled_twice_then_answered_succeeds(
    case: Case, outcomes: Mapping[str, Outcome]
) -> None:
    outcome = outcomes[case.id]
    case.fetcher.assert_ok(outcome.result, outcome.home)
    assert outcome.calls == 3  # botocore's retries did the work


# -- an endpoint that never answers, or is not there ---------------------------------------

HUNG = cases_for(
    "never-answers",
    FETCHERS,
    fs.hang,
    env={"AWS_MAX_ATTEMPTS": "1"},
    args=("--cli-read-timeout", "2"),
    timeout=30,
)


@pytest.mark.parametrize("case", HUNG, ids=ids(HUNG))
def test_endpoint_that_never_answers_times_out(case: Case, outcomes: Mapping[str, Outcome]) -> None:
    outcome = outcomes[case.id]
    case.fetcher.assert_failed(outcome.result, 255, "Timed out", "--cli-read-timeout")
    assert outcome.calls == 1


HUNG_WITH_RETRIES = case(
    "never-answers-default-retries",
    FETCHERS[0],
    fs.hang,
    env={"AWS_MAX_ATTEMPTS": None},
    args=("--cli-read-timeout", "2"),
    # botocore's standard mode: three attempts of two seconds, plus backoff.
    timeout=40,
)


@pytest.mark.parametrize("case", [HUNG_WITH_RETRIES], ids=ids([HUNG_WITH_RETRIES]))
def test_never_answering_endpoint_with_default_retries_gives_up_within_the_timeout(
    case: Case, outcomes: Mapping[str, Outcome]
) -> None:
    outcome = outcomes[case.id]
    case.fetcher.assert_failed(outcome.result, 255, "Timed out")
    assert outcome.calls == 3


def _refused(scenario: Scenario | None) -> str:
    return f"http://127.0.0.1:{free_port()}"


REFUSED = cases_for("connection-refused", FETCHERS, endpoint=_refused)


@pytest.mark.parametrize("case", REFUSED, ids=ids(REFUSED))
def test_connection_refused(case: Case, outcomes: Mapping[str, Outcome]) -> None:
    outcome = outcomes[case.id]
    assert outcome.endpoint is not None
    case.fetcher.assert_failed(outcome.result, 255, "Could not connect", outcome.endpoint)


# -- TLS ------------------------------------------------------------------------------------

SELF_SIGNED = cases_for("self-signed", FETCHERS, fs.token(), tls=True)


@pytest.mark.parametrize("case", SELF_SIGNED, ids=ids(SELF_SIGNED))
def test_self_signed_certificate_is_refused_with_a_message_about_it(
    case: Case, outcomes: Mapping[str, Outcome]
) -> None:
    outcome = outcomes[case.id]
    line = case.fetcher.assert_failed(
        outcome.result, 255, "TLS certificate", "--ca-bundle", "--no-verify-ssl"
    )
    assert "self-signed" in line or "self signed" in line
    assert outcome.calls == 0


# `{ca}` is the TLS server's certificate, known once it runs.
TRUSTED = [
    *cases_for(
        "self-signed-no-verify-ssl", FETCHERS, fs.token(), tls=True, args=("--no-verify-ssl",)
    ),
    *cases_for(
        "self-signed-ca-bundle", FETCHERS, fs.token(), tls=True, args=("--ca-bundle", "{ca}")
    ),
    case(
        "self-signed-AWS_CA_BUNDLE",
        FETCHERS[0],
        fs.token(),
        tls=True,
        env={"AWS_CA_BUNDLE": "{ca}"},
    ),
]


@pytest.mark.parametrize("case", TRUSTED, ids=ids(TRUSTED))
def test_self_signed_certificate_is_accepted_when_told(
    case: Case, outcomes: Mapping[str, Outcome]
) -> None:
    outcome = outcomes[case.id]
    case.fetcher.assert_ok(outcome.result, outcome.home)
    assert outcome.calls == 1
    assert b"InsecureRequestWarning" not in outcome.result.stderr


MISSING_BUNDLE = case(
    "missing-ca-bundle",
    FETCHERS[0],
    fs.token(),
    tls=True,
    args=("--ca-bundle", "/nonexistent/ecrlogin-test-bundle.pem"),
)


@pytest.mark.parametrize("case", [MISSING_BUNDLE], ids=ids([MISSING_BUNDLE]))
def test_a_missing_ca_bundle_is_named_as_such(case: Case, outcomes: Mapping[str, Outcome]) -> None:
    case.fetcher.assert_failed(outcomes[case.id].result, 255, "CA bundle", "PEM file")


def _https_to_plain(scenario: Scenario | None) -> str | None:
    return scenario.url.replace("http://", "https://") if scenario else None


PLAIN_AS_TLS = case("https-to-plain-http", FETCHERS[0], fs.token(), endpoint=_https_to_plain)


@pytest.mark.parametrize("case", [PLAIN_AS_TLS], ids=ids([PLAIN_AS_TLS]))
def test_plain_http_endpoint_spoken_to_over_https_is_a_tls_error(
    case: Case, outcomes: Mapping[str, Outcome]
) -> None:
    case.fetcher.assert_failed(outcomes[case.id].result, 255, "TLS handshake", "speaks HTTPS")


DEAD_PROXY = case(
    "dead-proxy",
    FETCHERS[0],
    fs.token(),
    env={
        "HTTP_PROXY": "http://127.0.0.1:9",
        "http_proxy": "http://127.0.0.1:9",
        "NO_PROXY": None,
        "no_proxy": None,
    },
)


@pytest.mark.parametrize("case", [DEAD_PROXY], ids=ids([DEAD_PROXY]))
def test_dead_proxy_is_named(case: Case, outcomes: Mapping[str, Outcome]) -> None:
    case.fetcher.assert_failed(
        outcomes[case.id].result, 255, "proxy", "http://127.0.0.1:9", "HTTP_PROXY"
    )
    assert outcomes[case.id].calls == 0


# -- configuration and parameter errors: the endpoint is never called ---------------------

_NO_KEYS = {"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None, "AWS_SESSION_TOKEN": None}
_NO_REGION = {"AWS_DEFAULT_REGION": None, "AWS_REGION": None}
_NO_REGION_DEFAULT = {"AWS_DEFAULT_REGION": None}
NEEDS_REGION = [f for f in FETCHERS if not f.public and not f.region_from_host]
NO_REGION_NEEDED = [f for f in FETCHERS if f.public or f.region_from_host]


@dataclass(frozen=True)
class Refusal:
    """A mistake the command must refuse before any call, with its code and message."""

    exit_code: int
    needles: tuple[str, ...]


REFUSALS: list[tuple[Refusal, Case]] = [
    *(
        (Refusal(253, ("No AWS credentials", "aws configure")), c)
        for c in cases_for("no-credentials", FETCHERS, fs.token(), env=_NO_KEYS)
    ),
    *(
        (Refusal(253, ("No AWS region", "--region")), c)
        for c in cases_for("no-region", NEEDS_REGION, fs.token(), env=_NO_REGION)
    ),
    *(
        (Refusal(255, ("'no-such-profile'", "list-profiles")), c)
        for c in cases_for(
            "unknown-profile", FETCHERS, fs.token(), args=("--profile", "no-such-profile")
        )
    ),
    (
        Refusal(255, ("'no-such-profile'", "list-profiles")),
        case(
            "unknown-AWS_PROFILE", FETCHERS[0], fs.token(), env={"AWS_PROFILE": "no-such-profile"}
        ),
    ),
    *(
        (
            Refusal(252, ("'12'", "12-digit")),
            case("registry-id-12", f, fs.token(), args=(f.registry_ids_flag, "12")),
        )
        for f in FETCHERS
        if f.registry_ids_flag
    ),
    *(
        (Refusal(252, ("No such option: --no-such-option", "--help")), c)
        for c in cases_for("usage", FETCHERS, fs.token(), args=("--no-such-option",))
    ),
    (
        Refusal(253, ("AWS setting has an invalid value", "many")),
        case(
            "AWS_MAX_ATTEMPTS-not-a-number",
            FETCHERS[0],
            fs.token(),
            env={"AWS_MAX_ATTEMPTS": "many"},
        ),
    ),
    (
        Refusal(253, ("sometimes",)),
        case(
            "AWS_RETRY_MODE-unknown", FETCHERS[0], fs.token(), env={"AWS_RETRY_MODE": "sometimes"}
        ),
    ),
    (
        Refusal(253, ("fastest",)),
        case(
            "AWS_DEFAULTS_MODE-unknown",
            FETCHERS[0],
            fs.token(),
            env={"AWS_DEFAULTS_MODE": "fastest"},
        ),
    ),
    (
        Refusal(253, ("AWS_DEFAULT_REGION is set but empty", "us-east-1")),
        case("AWS_DEFAULT_REGION-empty", FETCHERS[0], fs.token(), env={"AWS_DEFAULT_REGION": ""}),
    ),
    (
        Refusal(253, ("--region is set but empty",)),
        case("region-empty", FETCHERS[0], fs.token(), args=("--region", "")),
    ),
    (
        Refusal(252, ("'not a region!'", "us-east-1")),
        case("region-not-a-name", FETCHERS[0], fs.token(), args=("--region", "not a region!")),
    ),
    (
        # 255, as AWS CLI v2 exits for "Invalid endpoint" (only an empty one is its 252).
        Refusal(255, ("endpoint", "https://host:port")),
        case("endpoint-without-scheme", FETCHERS[0], endpoint=lambda s: "not a url"),
    ),
    (
        Refusal(255, ("endpoint", "https://host:port")),
        case("endpoint-broken-ipv6", FETCHERS[0], endpoint=lambda s: "http://[::1"),
    ),
]


@pytest.mark.parametrize(("refusal", "case"), REFUSALS, ids=[c.id for _, c in REFUSALS])
def test_refused_before_any_call(
    refusal: Refusal, case: Case, outcomes: Mapping[str, Outcome]
) -> None:
    outcome = outcomes[case.id]
    case.fetcher.assert_failed(outcome.result, refusal.exit_code, *refusal.needles)
    assert outcome.calls == 0


NO_REGION = cases_for("needs-no-region", NO_REGION_NEEDED, fs.token(), env=_NO_REGION)


@pytest.mark.parametrize("case", NO_REGION, ids=ids(NO_REGION))
def test_no_configured_region_needed(case: Case, outcomes: Mapping[str, Outcome]) -> None:
    # ECR Public's token API lives in us-east-1 only; the helper reads the region from the host.
    outcome = outcomes[case.id]
    case.fetcher.assert_ok(outcome.result, outcome.home)
    assert outcome.scenario is not None
    assert outcome.scenario.requests[0].region == "us-east-1"


def test_every_case_has_a_unique_id() -> None:
    assert len({c.id for c in CASES.cases}) == len(CASES.cases)


UNDER_ECRLOGIN = [
    CASES.case("throttled", HELPER_UNDER_ECRLOGIN, fs.throttle()),
    CASES.case("access-denied", HELPER_UNDER_ECRLOGIN, fs.access_denied()),
]


@pytest.mark.parametrize("case", UNDER_ECRLOGIN, ids=ids(UNDER_ECRLOGIN))
def test_helper_under_ecrlogin_keeps_the_protocol(
    case: Case, outcomes: Mapping[str, Outcome]
) -> None:
    # `ecrlogin credential-helper get` passes through the CLI's edge: still exit 1 and one line.
    case.fetcher.assert_failed(outcomes[case.id].result, 254, "GetAuthorizationToken")


# AWS CLI v2 reads AWS_REGION before AWS_DEFAULT_REGION; botocore alone reads only the latter.
REGION_FROM_ENV = [
    (
        "eu-west-1",
        case(
            "AWS_REGION",
            FETCHERS[0],
            fs.token(),
            env={"AWS_REGION": "eu-west-1", **_NO_REGION_DEFAULT},
        ),
    ),
    (
        "eu-west-1",
        case(
            "AWS_REGION-before-AWS_DEFAULT_REGION",
            FETCHERS[0],
            fs.token(),
            env={"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "us-east-2"},
        ),
    ),
    (
        "ap-south-1",
        case(
            "region-option-before-AWS_REGION",
            FETCHERS[0],
            fs.token(),
            env={"AWS_REGION": "eu-west-1"},
            args=("--region", "ap-south-1"),
        ),
    ),
    (
        "us-east-1",
        case(
            "AWS_REGION-ignored-by-ecr-public",
            FETCHERS[3],
            fs.token(),
            env={"AWS_REGION": "eu-west-1"},
        ),
    ),
]


@pytest.mark.parametrize(
    ("region", "case"), REGION_FROM_ENV, ids=[c.id for _, c in REGION_FROM_ENV]
)
def test_the_region_comes_from_aws_region_as_in_aws_cli_v2(
    region: str, case: Case, outcomes: Mapping[str, Outcome]
) -> None:
    outcome = outcomes[case.id]
    assert outcome.result.returncode == 0, outcome.result.stderr
    assert outcome.scenario is not None
    assert [r.region for r in outcome.scenario.requests] == [region]
