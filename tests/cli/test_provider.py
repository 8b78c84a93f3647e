"""ecrlogin-credential-provider speaks kubelet's exec-plugin protocol.

Every test runs the installed console script with a CredentialProviderRequest on
stdin, as kubelet does, and checks the answer by kubelet's own rules
(tests.support.provider.check_response). Tokens and roles come from moto (ECR
GetAuthorizationToken, STS AssumeRoleWithWebIdentity). Where a test needs a
future expiry (a cache hit, a cacheDuration above 0s) or must see which key
signed a call, ECR is tests/faultserver.py instead: moto's tokens expired in
2015 and moto records nothing.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecrlogin import credentials, identity
from ecrlogin.config import Config, resolve
from ecrlogin.options import ClientOptions
from ecrlogin.provider import cache_seconds, go_duration
from tests.support import faultserver as fs
from tests.support.env import ACCESS_KEY_ID, ACCOUNT, MOTO_PASSWORD, SECRET_ACCESS_KEY
from tests.support.faultserver import FAULT_PASSWORD, FaultServer, Scenario
from tests.support.helper import credentials_json, helper, write_config
from tests.support.provider import (
    API_VERSIONS,
    HOST,
    IMAGE,
    ROLE_A,
    ROLE_ANNOTATION,
    ROLE_B,
    V1,
    check_response,
    error_line,
    parse_go_duration,
    provider,
    request,
    response_bytes,
    sa_token,
)
from tests.support.servers import free_port

TWELVE_HOURS = 12 * 3600
MIXED = f"{ACCOUNT}.dkr.ECR.us-west-2.amazonaws.com"


@pytest.fixture
def endpoint(fault_server: FaultServer) -> Scenario:
    """A 12-hour token, so the provider caches it and answers a cacheDuration near 6h."""
    return fault_server.scenario(fs.token(expires_at=fs.expiry_in(TWELVE_HOURS)))


@pytest.fixture
def env(aws_env: dict[str, str], endpoint: Scenario) -> dict[str, str]:
    """ECR from the fault server; STS still from moto (aws_env's AWS_ENDPOINT_URL)."""
    return {**aws_env, "AWS_ENDPOINT_URL_ECR": endpoint.url}


@pytest.mark.parametrize("api_version", API_VERSIONS)
def test_each_api_version_is_answered_in_kind(aws_env: dict[str, str], api_version: str) -> None:
    sent = request(IMAGE, api_version)
    result = provider(sent, env=aws_env)
    assert (result.returncode, result.stderr) == (0, b"")
    # moto's token expired in 2015, so kubelet is told not to keep it: 0s.
    assert result.stdout == response_bytes(api_version, HOST, MOTO_PASSWORD, "0s")
    check_response(result.stdout, sent)


@pytest.mark.parametrize(
    ("image", "key"),
    [
        (HOST, HOST),
        (f"{HOST}/app", HOST),
        (f"{HOST}/team/app:1.2", HOST),
        (f"{HOST}/team/app@sha256:{'0f' * 32}", HOST),
        (f"{HOST}/team/app:1.2@sha256:{'0f' * 32}", HOST),
        (f"{HOST}:443/team/app:1.2", f"{HOST}:443"),
        # kubelet compares host labels case-sensitively: the key keeps the image's spelling.
        (f"{HOST.upper()}/team/app:1.2", HOST.upper()),
        (f"{MIXED}:443/app", f"{MIXED}:443"),
    ],
)
def test_the_auth_key_matches_the_image_as_kubelet_matches(
    aws_env: dict[str, str], image: str, key: str
) -> None:
    sent = request(image)
    result = provider(sent, env=aws_env)
    assert result.stdout == response_bytes(V1, key, MOTO_PASSWORD), result.stderr
    check_response(result.stdout, sent)


def test_a_cache_hit_answers_without_a_call_and_is_shared_with_the_helper(
    env: dict[str, str], endpoint: Scenario
) -> None:
    sent = request(IMAGE)
    started = time.time()
    first = provider(sent, env=env)
    elapsed = time.time() - started
    answer = check_response(first.stdout, sent)
    assert answer["auth"] == {HOST: {"username": "AWS", "password": FAULT_PASSWORD}}
    # Half the remaining validity of a 12-hour token, in whole seconds, as the reference does.
    duration = parse_go_duration(answer["cacheDuration"])
    assert TWELVE_HOURS / 2 - elapsed / 2 - 1 <= duration <= TWELVE_HOURS / 2
    assert endpoint.calls == 1
    again = provider(sent, env=env)
    assert json.loads(again.stdout)["auth"] == answer["auth"]
    assert parse_go_duration(json.loads(again.stdout)["cacheDuration"]) <= duration
    # One cache for every way in: the docker credential helper is served the same token.
    via_helper = helper("get", HOST, env=env)
    assert via_helper.stdout == credentials_json(HOST, FAULT_PASSWORD)
    assert endpoint.calls == 1
    assert endpoint.requests[0].scope == (ACCESS_KEY_ID, "us-west-2", "ecr")


def test_a_mapped_host_with_a_port_uses_its_account_region_and_profile(
    env: dict[str, str], endpoint: Scenario
) -> None:
    Path(env["AWS_SHARED_CREDENTIALS_FILE"]).write_text(
        "[pull]\naws_access_key_id = AKIAPULLPROFILE00001\naws_secret_access_key = x\n"
    )
    write_config(
        env,
        '[registries."mirror.internal:5000"]\naccount = "210987654321"\n'
        'region = "eu-central-1"\nprofile = "pull"\n',
    )
    sent = request("mirror.internal:5000/library/alpine:3")
    result = provider(sent, env=env)
    assert result.stdout == response_bytes(
        V1, "mirror.internal:5000", FAULT_PASSWORD, json.loads(result.stdout)["cacheDuration"]
    )
    check_response(result.stdout, sent)
    assert [r.json() for r in endpoint.requests] == [{"registryIds": ["210987654321"]}]
    assert [r.scope for r in endpoint.requests] == [("AKIAPULLPROFILE00001", "eu-central-1", "ecr")]


def test_a_pull_through_mapping_of_an_ecr_host_is_honoured(
    env: dict[str, str], endpoint: Scenario
) -> None:
    # An ECR host whose registry is another account's (e.g. a pull-through cache),
    # mapped in the config: the call asks for that account, in that region.
    write_config(env, f'[registries."{HOST}"]\naccount = "210987654321"\nregion = "eu-west-1"\n')
    sent = request(f"{HOST}/ecr-public/nginx/nginx:latest")
    assert provider(sent, env=env).returncode == 0
    assert [r.json() for r in endpoint.requests] == [{"registryIds": ["210987654321"]}]
    assert endpoint.requests[0].region == "eu-west-1"


def test_ecr_public_uses_the_public_api(env: dict[str, str], fault_server: FaultServer) -> None:
    public = fault_server.scenario(fs.token())
    env = {**env, "AWS_ENDPOINT_URL_ECR_PUBLIC": public.url}
    sent = request("public.ecr.aws/nginx/nginx:latest")
    result = provider(sent, env=env)
    assert json.loads(result.stdout)["auth"] == {
        "public.ecr.aws": {"username": "AWS", "password": FAULT_PASSWORD}
    }
    assert public.requests[0].target == fs.PUBLIC_TARGET
    assert public.requests[0].scope[1:] == ("us-east-1", "ecr-public")


def bad_requests(config_file: str) -> list[tuple[bytes, str]]:
    """(stdin, the one stderr line) for each kind of bad request."""
    image = "123456789012.dkr.ecr.us-west-2.amazonaws.com/app:1.0"
    example = (
        '{"apiVersion": "credentialprovider.kubelet.k8s.io/v1", "kind": '
        f'"CredentialProviderRequest", "image": "{image}"}}'
    )

    def body(**fields: object) -> bytes:
        return json.dumps({**request(IMAGE), **fields}).encode()

    return [
        (
            b'{"apiVersion": "credentialprovider.kubelet.k8s.io/v1",',
            "The request on stdin is not JSON (Expecting property name enclosed in double "
            "quotes); ecrlogin-credential-provider reads a CredentialProviderRequest from "
            f"kubelet, e.g. {example}.",
        ),
        (
            b"",
            "The request on stdin is empty; ecrlogin-credential-provider reads a "
            f"CredentialProviderRequest from kubelet, e.g. {example}.",
        ),
        (
            body(kind="CredentialProviderFoo"),
            "The request's kind is 'CredentialProviderFoo', not CredentialProviderRequest; "
            "ecrlogin-credential-provider answers only kubelet's CredentialProviderRequest, "
            f"e.g. {example}.",
        ),
        (
            body(apiVersion="foo.k8s.io/v1"),
            "The request's apiVersion is 'foo.k8s.io/v1', not one this provider speaks; set "
            "the provider's apiVersion in the CredentialProviderConfig to "
            "credentialprovider.kubelet.k8s.io/v1 (or credentialprovider.kubelet.k8s.io/v1beta1, "
            "credentialprovider.kubelet.k8s.io/v1alpha1).",
        ),
        (
            body(image=""),
            f"The request's image is empty; kubelet sends the image it pulls, e.g. {image}.",
        ),
        (
            body(image="registry.k8s.io/pause:3.9"),
            f"registry.k8s.io is not an Amazon ECR registry, and {config_file} maps no "
            "account and region to it; remove it from the provider's matchImages, or add "
            '[registries."registry.k8s.io"] with account and region there.',
        ),
        (
            body(serviceAccountToken=sa_token("app")),
            "The request carries a service account token but names no role to assume: the "
            f"service account has no {ROLE_ANNOTATION} annotation and AWS_ECR_ROLE_ARN is not "
            "set; annotate the service account with the role's ARN, or set AWS_ECR_ROLE_ARN "
            "in the provider's env.",
        ),
        (
            body(
                serviceAccountToken=sa_token("app"),
                serviceAccountAnnotations={ROLE_ANNOTATION: "arn:expected"},
            ),
            f"'arn:expected' in the {ROLE_ANNOTATION} annotation is not an IAM role ARN; "
            "write it as arn:aws:iam::123456789012:role/NAME.",
        ),
    ]


def test_each_bad_request_gets_its_own_line_and_nothing_on_stdout(
    env: dict[str, str], endpoint: Scenario
) -> None:
    config_file = str(Path(env["XDG_CONFIG_HOME"]) / "ecrlogin" / "config.toml")
    lines = []
    for stdin, expected in bad_requests(config_file):
        line = error_line(provider(stdin, env=env))
        assert line == expected
        lines.append(line)
    assert len(set(lines)) == len(lines)
    assert endpoint.calls == 0


def test_the_service_account_token_never_reaches_stderr(env: dict[str, str]) -> None:
    token = sa_token("app")
    # A token is only ever a secret: even a failure about the request must not echo it.
    sent = request(IMAGE, token=token, annotations={ROLE_ANNOTATION: f"not an arn {token}"})
    line = error_line(provider(sent, env=env))
    assert token not in line
    assert "<redacted>" in line


def test_a_role_is_assumed_with_the_workloads_token_and_signs_the_ecr_call(
    env: dict[str, str], endpoint: Scenario
) -> None:
    sent = request(IMAGE, token=sa_token("app"), annotations={ROLE_ANNOTATION: ROLE_A})
    result = provider(sent, env=env)
    assert result.stderr == b""
    check_response(result.stdout, sent)
    (call,) = endpoint.requests
    # moto's AssumeRoleWithWebIdentity hands out temporary ASIA keys: the node's key is unused.
    assert call.scope[0].startswith("ASIA")
    assert call.scope[0] != ACCESS_KEY_ID
    # The role's token is cached under the role: a second pull of that workload makes no call...
    again = json.loads(provider(sent, env=env).stdout)
    assert again["auth"] == json.loads(result.stdout)["auth"]  # the duration has moved on
    assert endpoint.calls == 1
    # ...and the node's own identity is a different key: it is never served the role's token.
    node = provider(request(IMAGE), env=env)
    check_response(node.stdout, request(IMAGE))
    assert endpoint.calls == 2
    assert endpoint.requests[1].scope[0] == ACCESS_KEY_ID


def test_aws_ecr_role_arn_is_the_default_role(env: dict[str, str], endpoint: Scenario) -> None:
    env = {**env, "AWS_ECR_ROLE_ARN": ROLE_A}
    # A service account token and no annotation: the environment's role.
    result = provider(request(IMAGE, token=sa_token("app"), annotations={}), env=env)
    assert result.returncode == 0, result.stderr
    assert endpoint.requests[0].scope[0].startswith("ASIA")
    # No token (a static pod): the node's identity, as the reference does.
    result = provider(request(IMAGE), env=env)
    assert result.returncode == 0, result.stderr
    assert endpoint.requests[1].scope[0] == ACCESS_KEY_ID


def test_an_annotated_role_without_a_token_is_an_error(env: dict[str, str]) -> None:
    line = error_line(provider(request(IMAGE, annotations={ROLE_ANNOTATION: ROLE_A}), env=env))
    assert line == (
        f"The request names a role in the {ROLE_ANNOTATION} annotation but carries no service "
        "account token to assume it with; add tokenAttributes with serviceAccountTokenAudience "
        "to the provider in the CredentialProviderConfig."
    )


def test_a_role_through_moto_alone_with_debug_logs_no_secret(aws_env: dict[str, str]) -> None:
    token = sa_token("app")
    sent = request(IMAGE, token=token, annotations={ROLE_ANNOTATION: ROLE_A})
    result = provider(sent, env={**aws_env, "ECRLOGIN_DEBUG": "1"})
    assert result.returncode == 0
    assert result.stdout == response_bytes(V1, HOST, MOTO_PASSWORD)
    log = result.stderr.decode()
    assert "AssumeRoleWithWebIdentity" in log  # the log is there, and it is botocore's
    assert "GetAuthorizationToken" in log
    for secret in (token, MOTO_PASSWORD, SECRET_ACCESS_KEY):
        assert secret not in log
    # STS's temporary secret and session token are logged only as <redacted>.
    for element in ("<SecretAccessKey>", "<SessionToken>"):
        assert log.count(element) >= 1
        assert log.count(element) == log.count(element + "<redacted>")


def test_version_help_and_unexpected_arguments(aws_env: dict[str, str]) -> None:
    version = provider(b"", env=aws_env, args=("--version",))
    assert (version.returncode, version.stderr) == (0, b"")
    assert version.stdout.decode().startswith("ecrlogin-credential-provider (ecrlogin) ")
    usage = provider(b"", env=aws_env, args=("--help",))
    assert usage.returncode == 0
    assert usage.stdout.startswith(b"Usage: ecrlogin-credential-provider [--version].")
    line = error_line(provider(b"", env=aws_env, args=("--bogus",)))
    assert line.startswith("Unexpected arguments '--bogus'. Usage: ")


def test_an_unreachable_sts_endpoint_is_one_line(env: dict[str, str], endpoint: Scenario) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    env = {**env, "AWS_ENDPOINT_URL_STS": closed, "AWS_MAX_ATTEMPTS": "1"}
    sent = request(IMAGE, token=sa_token("app"), annotations={ROLE_ANNOTATION: ROLE_A})
    line = error_line(provider(sent, env=env))
    assert line.startswith(f"Could not connect to {closed}/")
    assert endpoint.calls == 0


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (-5, "0s"), (59, "59s"), (60, "1m0s"), (3600, "1h0m0s"), (21570, "5h59m30s")],
)
def test_cache_durations_are_printed_as_go_prints_them(seconds: int, text: str) -> None:
    assert go_duration(seconds) == text
    assert parse_go_duration(text) == max(0, seconds)


@pytest.mark.parametrize(
    "expires_at",
    [
        4102444800,  # 2100, the fault server's default
        253402300799,  # 9999-12-31: half of it is more than a Go Duration holds
    ],
)
def test_a_far_expiry_is_kept_no_longer_than_a_token_lives(
    aws_env: dict[str, str], fault_server: FaultServer, expires_at: float
) -> None:
    # Before: 9999 gave cacheDuration "34962528h...", which kubelet cannot parse.
    scenario = fault_server.scenario(fs.token(expires_at=expires_at))
    sent = request(IMAGE)
    result = provider(sent, env={**aws_env, "AWS_ENDPOINT_URL_ECR": scenario.url})
    assert result.returncode == 0, result.stderr
    answer = check_response(result.stdout, sent)
    assert answer["cacheDuration"] == "6h0m0s"


@given(
    expires=st.none() | st.floats(allow_nan=True, allow_infinity=True),
    now=st.floats(min_value=0, max_value=4e9),
)
def test_every_cache_duration_parses_in_go_and_fits_a_token(
    expires: float | None, now: float
) -> None:
    seconds = cache_seconds(expires, now)
    duration = parse_go_duration(go_duration(seconds))
    assert 0 <= duration <= TWELVE_HOURS / 2
    if expires is not None and now < expires < now + TWELVE_HOURS - 2:
        assert duration == (int(expires) - int(now)) // 2  # the reference's half-life


@given(st.integers(min_value=-(10**30), max_value=10**30))
def test_go_duration_never_prints_more_than_go_reads(seconds: int) -> None:
    assert 0 <= parse_go_duration(go_duration(seconds)) <= min(max(seconds, 0), 2**63 / 1e9)


def test_the_cache_key_holds_the_role_and_the_service_account() -> None:
    target = resolve(IMAGE, Config())
    assert target is not None

    def key(role: str | None, token: str | None) -> str:
        return credentials.cache_key(target, None if role is None else (role, token or ""))

    node = key(None, None)
    a = key(ROLE_A, sa_token("app"))
    assert len({node, a, key(ROLE_B, sa_token("app")), key(ROLE_A, sa_token("other"))}) == 4
    # A rotated token of the same service account (same issuer and subject) keeps the key.
    rotated = sa_token("app").rpartition(".")[0] + ".YW5vdGhlci1zaWduYXR1cmU"
    assert key(ROLE_A, rotated) == a
    # A token that is not a JWT is a key of its own, never a shared one.
    assert key(ROLE_A, "DEADBEEF=") != key(ROLE_A, "CAFEF00D=")
    # The core derives the very same key from its client options.
    options = ClientOptions(region="us-west-2", role_arn=ROLE_A, web_identity_token=sa_token("app"))
    assert identity.cache_key(options, [ACCOUNT], public=False) == a


def test_a_token_without_expiry_is_served_with_0s_and_never_cached(
    aws_env: dict[str, str], fault_server: FaultServer
) -> None:
    # The reference answers a nil expiresAt with cacheDuration 0; ecrlogin serves the
    # token too (as AWS CLI v1 does), but neither kubelet nor the disk cache may keep it.
    # A stub, because moto always sends an expiry.
    scenario = fault_server.scenario(fs.without("expiresAt"))
    env = {**aws_env, "AWS_ENDPOINT_URL_ECR": scenario.url}
    sent = request(IMAGE)
    for _ in range(2):
        result = provider(sent, env=env)
        assert (result.returncode, result.stderr) == (0, b"")
        assert result.stdout == response_bytes(V1, HOST, FAULT_PASSWORD, "0s")
        check_response(result.stdout, sent)
    assert scenario.calls == 2


def test_a_request_nested_too_deeply_is_one_line(aws_env: dict[str, str]) -> None:
    result = provider(b"[" * 100_000 + b"]" * 100_000, env=aws_env)
    line = error_line(result)
    assert line.startswith("The request on stdin is JSON nested too deeply to read;")
