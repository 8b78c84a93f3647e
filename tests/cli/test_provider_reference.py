"""The reference plugin's own test table, replayed against ecrlogin-credential-provider.

The cases come from kubernetes/cloud-provider-aws, cmd/ecr-credential-provider/
main_test.go (TestRegistryPatternMatch, Test_parseRegionFromECRPrivateHost,
Test_parseHostFromImageReference, Test_GetCredentials_Private/_Public/
_PrivateForServiceAccount, Test_getCacheDuration) and plugin_test.go
(Test_runPlugin). They are written here afresh as (input, what the reference
expects) and run through the installed console script, with the request on
stdin as kubelet sends it. Where ecrlogin deliberately answers differently, the
case says so and asserts ecrlogin's answer.

The reference tests mock the SDK. Here ECR is tests/faultserver.py, because a
case needs what moto cannot give: a chosen user and password, a broken or empty
answer, a future expiry, and the region a call was signed for (its `regional()`
password names that region, which is how region parsing is checked end to end).
STS is moto.
"""

from __future__ import annotations

import base64
import json
import time

import pytest

from tests.support import faultserver as fs
from tests.support.faultserver import FaultServer
from tests.support.provider import (
    ROLE_ANNOTATION,
    V1,
    check_response,
    error_line,
    parse_go_duration,
    provider,
    request,
)
from tests.support.servers import free_port

NOT_ECR = "is not an Amazon ECR registry, and "


@pytest.fixture
def ecr_env(aws_env: dict[str, str], fault_server: FaultServer) -> dict[str, str]:
    """ECR answers with a password naming the region each call was signed for."""
    scenario = fault_server.scenario(fs.regional())
    return {**aws_env, "AWS_ENDPOINT_URL_ECR": scenario.url}


# TestRegistryPatternMatch: (registry, does the reference's host pattern accept it).
REGISTRY_PATTERNS = [
    ("123456789012.dkr.ecr.lala-land-1.amazonaws.com", True),
    ("123456789012.dkr.ecr-fips.lala-land-1.amazonaws.com", True),
    ("123456789012.dkr.ecr.lala-land-1.amazonaws.com.cn", True),
    ("123456789012.dkr.ecr.eusc-de-east-1.amazonaws.eu", True),
    ("123456789012.dkr.ecr-fips.eusc-de-east-1.amazonaws.eu", True),
    ("1234567890123.dkr.ecr.lala-land-1.amazonaws.com", False),
    ("12345678901.dkr.ecr.lala-land-1.amazonaws.com", False),
    ("12345678901A.dkr.ecr.lala-land-1.amazonaws.com", False),
    ("123456789012.dkr.ecr.lala-land-1!.amazonaws.com", False),
    ("123456789012.dkr.ecr.#lala-land-1.amazonaws.com", False),
    ("123456789012.dkr.ecr.lala-land-1.amazonaws.hacker.com", False),
    ("123456789012.dkr.ecr.lala-land-1.hacker.com", False),
    ("123456789012.dkr.ecr.lala-land-1.amazonaws.lol", False),
    ("123456789012.dog.ecr.lala-land-1.amazonaws.com", False),
    ("123456789012.dkr.cat.lala-land-1.amazonaws.com", False),
    ("123456789012.dkr.cat.lala-land-1.awsamazon.com", False),
    ("123456789012.lala-land-1.amazonaws.com", False),
    ("123456789012.dkr.ecr.us-iso-east-1.c2s.ic.gov", True),
    ("123456789012.dkr.ecr.us-isob-east-1.sc2s.sgov.gov", True),
    ("123456789012.dkr.ecr.eu-isoe-west-1.cloud.adc-e.uk", True),
    ("123456789012.dkr.ecr.us-isof-east-1.csp.hci.ic.gov", True),
    ("123456789012.dkr.ecr.us-iso-east-1.amazonaws.gov", False),
    ("123456789012.dkr-ecr.lala-land-1.on.aws", True),
    ("123456789012.dkr-ecr-fips.lala-land-1.on.aws", True),
    ("123456789012.dkr-ecr.lala-land-1.on.amazonwebservices.com.cn", True),
]


@pytest.mark.parametrize(("registry", "accepted"), REGISTRY_PATTERNS)
def test_registry_pattern_match(ecr_env: dict[str, str], registry: str, accepted: bool) -> None:
    # The reference checks its pattern alone; here the whole plugin answers the image,
    # and a host the pattern refuses is refused with a line (see test_non_ecr_host).
    sent = request(f"{registry}/app:1.0")
    result = provider(sent, env=ecr_env)
    if accepted:
        assert result.returncode == 0, result.stderr
        assert list(check_response(result.stdout, sent)["auth"]) == [registry]
    else:
        line = error_line(result)
        if set(registry.lower()) <= set("abcdefghijklmnopqrstuvwxyz0123456789.-"):
            # Named as the parser names hosts: in lower case.
            assert line.startswith(f"{registry.lower()} {NOT_ECR}"), line
        else:  # "!" or "#": not a host name at all, which is a line of its own
            assert line.startswith(f"The image '{registry}/app:1.0' does not start with a "), line


# Test_parseRegionFromECRPrivateHost: (host, the region the reference parses from it).
REGIONS = [
    ("123456789123.dkr.ecr.us-west-2.amazonaws.com", "us-west-2"),
    ("123456789123.dkr.ecr.cn-north-1.amazonaws.com.cn", "cn-north-1"),
    ("123456789123.dkr.ecr.us-gov-east-1.amazonaws.com", "us-gov-east-1"),
    ("123456789123.dkr.ecr.us-iso-east-1.c2s.ic.gov", "us-iso-east-1"),
    ("123456789123.dkr.ecr.eusc-de-east-1.amazonaws.eu", "eusc-de-east-1"),
    ("123456789123.dkr-ecr.us-west-2.on.aws", "us-west-2"),
    ("123456789123.dkr-ecr-fips.us-west-2.on.aws", "us-west-2"),
    ("123456789123.dkr-ecr.cn-north-1.on.amazonwebservices.com.cn", "cn-north-1"),
    ("123456789123.dkr-ecr.us-gov-east-1.on.aws", "us-gov-east-1"),
    ("123456789123.dkr-ecr-fips.us-gov-east-1.on.aws", "us-gov-east-1"),
]


@pytest.mark.parametrize(("host", "region"), REGIONS)
def test_region_parsing(ecr_env: dict[str, str], host: str, region: str) -> None:
    sent = request(f"{host}/app:1.0")
    result = provider(sent, env=ecr_env)
    auth = check_response(result.stdout, sent)["auth"]
    # The call was signed for the region the reference parses.
    assert auth == {host: {"username": "AWS", "password": fs.region_password(region)}}


def test_region_parsing_of_a_host_that_is_not_ecr(ecr_env: dict[str, str]) -> None:
    # The reference parses no region from "foobar" and then calls ECR in the SDK's default
    # region anyway. ecrlogin deliberately refuses a host that is not ECR and not mapped:
    # kubelet's matchImages sent it here by mistake, and a token for the node's own registry
    # would go to whoever runs "foobar".
    assert error_line(provider(request("foobar"), env=ecr_env)).startswith(f"foobar {NOT_ECR}")


# Test_parseHostFromImageReference: (image, the host the reference finds, or None for its error).
IMAGE_REFERENCES = [
    (
        "123456789123.dkr.ecr.us-west-2.amazonaws.com/foo/bar:1.0",
        "123456789123.dkr.ecr.us-west-2.amazonaws.com",
    ),
    ("http://foobar", "foobar"),
    ("foobar  ", None),
]


@pytest.mark.parametrize(("image", "host"), IMAGE_REFERENCES)
def test_image_reference(ecr_env: dict[str, str], image: str, host: str | None) -> None:
    result = provider(request(image), env=ecr_env)
    if host is not None and host.endswith(".amazonaws.com"):
        assert list(json.loads(result.stdout)["auth"]) == [host]
    else:
        # "foobar" (with a scheme, or with trailing blanks, which the reference refuses as an
        # invalid URL): not an ECR host, so ecrlogin refuses both with the same line.
        assert error_line(result).startswith(f"foobar {NOT_ECR}")


def token_of(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


PRIVATE = "123456789123.dkr.ecr.us-west-2.amazonaws.com"


def private_entry(**fields: object) -> dict[str, object]:
    return {"proxyEndpoint": f"https://{PRIVATE}", "expiresAt": fs.FAULT_EXPIRES_AT, **fields}


# Test_GetCredentials_Private: (name, image, ECR's answer, the reference's auth key or error).
PRIVATE_CASES = [
    ("success", PRIVATE, fs.token(username="user", password="pass"), PRIVATE),
    (
        "image reference containing public ECR host",
        f"{PRIVATE}/public.ecr.aws/foo:latest",
        fs.token(username="user", password="pass"),
        PRIVATE,
    ),
    ("empty authorization data", PRIVATE, fs.data([]), "The response holds no authorizationData"),
    ("nil response", PRIVATE, fs.raw(200, b"{}"), "The response holds no authorizationData"),
    (
        "empty authorization token",
        PRIVATE,
        fs.data([private_entry()]),
        "The response holds no authorization token",
    ),
    (
        "getAuthorizationToken failed",
        PRIVATE,
        fs.access_denied(),
        "GetAuthorizationToken was refused with AccessDeniedException",
    ),
    (
        "invalid authorization token",
        PRIVATE,
        fs.data([private_entry(authorizationToken=token_of("foo"))]),
        "The authorization token is not of the form USER:PASSWORD",
    ),
]


def test_non_ecr_host(aws_env: dict[str, str], fault_server: FaultServer) -> None:
    # Test_GetCredentials_Private "non ECR host": the reference calls ECR for
    # registry.k8s.io and answers that host with the caller's token. ecrlogin deliberately
    # refuses (see test_region_parsing_of_a_host_that_is_not_ecr), with no call at all.
    scenario = fault_server.scenario(fs.token(username="user", password="pass"))
    result = provider(
        request("registry.k8s.io/foo:latest"), env={**aws_env, "AWS_ENDPOINT_URL_ECR": scenario.url}
    )
    assert error_line(result).startswith(f"registry.k8s.io {NOT_ECR}")
    assert scenario.calls == 0


PUBLIC_CASES = [
    ("success", "public.ecr.aws", fs.token(username="user", password="pass"), "public.ecr.aws"),
    (
        "dualstack success",
        "ecr-public.aws.com",
        fs.token(username="user", password="pass"),
        "ecr-public.aws.com",
    ),
    ("empty authorization data", "public.ecr.aws", fs.data({}), "The response holds no"),
    ("nil response", "public.ecr.aws", fs.raw(200, b"{}"), "The response holds no"),
    (
        "empty authorization token",
        "public.ecr.aws",
        fs.data({"expiresAt": fs.FAULT_EXPIRES_AT}),
        "The response holds no authorization token",
    ),
    (
        "getAuthorizationToken failed",
        "public.ecr.aws",
        fs.access_denied(),
        "GetAuthorizationToken was refused with AccessDeniedException",
    ),
    (
        "invalid authorization token",
        "public.ecr.aws",
        fs.data({"authorizationToken": token_of("foo"), "expiresAt": fs.FAULT_EXPIRES_AT}),
        "The authorization token is not of the form USER:PASSWORD",
    ),
    (
        "dualstack invalid authorization token",
        "ecr-public.aws.com",
        fs.data({"authorizationToken": token_of("foo"), "expiresAt": fs.FAULT_EXPIRES_AT}),
        "The authorization token is not of the form USER:PASSWORD",
    ),
]


# Test_GetCredentials_Private and Test_GetCredentials_Public, one case each.
CREDENTIAL_CASES = [("AWS_ENDPOINT_URL_ECR", *case) for case in PRIVATE_CASES] + [
    ("AWS_ENDPOINT_URL_ECR_PUBLIC", *case) for case in PUBLIC_CASES
]


@pytest.mark.parametrize(
    ("endpoint_variable", "image", "reply", "expected"),
    [(case[0], *case[2:]) for case in CREDENTIAL_CASES],
    ids=[
        f"{'public' if 'PUBLIC' in case[0] else 'private'}: {case[1]}" for case in CREDENTIAL_CASES
    ],
)
def test_get_credentials(
    aws_env: dict[str, str],
    fault_server: FaultServer,
    endpoint_variable: str,
    image: str,
    reply: fs.Reply,
    expected: str,
) -> None:
    scenario = fault_server.scenario(reply)
    sent = request(image)
    result = provider(sent, env={**aws_env, endpoint_variable: scenario.url})
    host = image.partition("/")[0]
    if expected == host:
        auth = check_response(result.stdout, sent)["auth"]
        assert auth == {host: {"username": "user", "password": "pass"}}
    else:
        # The reference returns its own error text; ecrlogin's line names the same cause.
        assert error_line(result).startswith(expected)
    public = endpoint_variable.endswith("PUBLIC")
    assert [r.target == fs.PUBLIC_TARGET for r in scenario.requests] == [public]


def test_get_credentials_public_empty_image(aws_env: dict[str, str]) -> None:
    # Test_GetCredentials_Public "empty image": "image in plugin request was empty".
    assert error_line(provider(request(""), env=aws_env)).startswith(
        "The request's image is empty; "
    )


ROLE = "arn:aws:iam::123456789123:role/expected"


def test_get_credentials_for_service_account_success(
    aws_env: dict[str, str], fault_server: FaultServer
) -> None:
    # The reference's ARN is "arn:expected"; botocore refuses an ARN under 20 characters
    # before any call, and ecrlogin refuses it with a line (test_provider), so a real one.
    scenario = fault_server.scenario(fs.token(username="user", password="pass"))
    sent = request(PRIVATE, token="DEADBEEF=", annotations={ROLE_ANNOTATION: ROLE})
    result = provider(sent, env={**aws_env, "AWS_ENDPOINT_URL_ECR": scenario.url})
    assert check_response(result.stdout, sent)["auth"] == {
        PRIVATE: {"username": "user", "password": "pass"}
    }
    assert scenario.requests[0].scope[0].startswith("ASIA")  # signed as the assumed role


def test_get_credentials_for_service_account_without_an_arn(
    aws_env: dict[str, str], fault_server: FaultServer
) -> None:
    # "no arn provided": the reference ignores the token and pulls as the node. ecrlogin
    # deliberately refuses: a workload kubelet hands a token for expects its own role,
    # and silently pulling with the node's wider identity hides the misconfiguration.
    scenario = fault_server.scenario(fs.token(username="user", password="pass"))
    sent = request(PRIVATE, token="DEADBEEF=")
    line = error_line(provider(sent, env={**aws_env, "AWS_ENDPOINT_URL_ECR": scenario.url}))
    assert line.startswith("The request carries a service account token but names no role")
    assert scenario.calls == 0


def test_get_credentials_for_service_account_assume_error(
    aws_env: dict[str, str], fault_server: FaultServer
) -> None:
    # "assume error": the reference's mock STS fails; here STS is an endpoint that refuses
    # connections, and ECR is never called.
    scenario = fault_server.scenario(fs.token(username="user", password="pass"))
    closed = f"http://127.0.0.1:{free_port()}"
    env = {
        **aws_env,
        "AWS_ENDPOINT_URL_ECR": scenario.url,
        "AWS_ENDPOINT_URL_STS": closed,
        "AWS_MAX_ATTEMPTS": "1",
    }
    sent = request(PRIVATE, token="DEADBEEF=", annotations={ROLE_ANNOTATION: ROLE})
    assert error_line(provider(sent, env=env)).startswith(f"Could not connect to {closed}/")
    assert scenario.calls == 0


def test_get_cache_duration(aws_env: dict[str, str], fault_server: FaultServer) -> None:
    # Test_getCacheDuration: a token expiring in 12 hours is kept for 6 (to the second).
    expires = time.time() + 12 * 3600
    scenario = fault_server.scenario(fs.token(expires_at=expires))
    started = time.time()
    result = provider(request(PRIVATE), env={**aws_env, "AWS_ENDPOINT_URL_ECR": scenario.url})
    lag = time.time() - started
    duration = parse_go_duration(json.loads(result.stdout)["cacheDuration"])
    assert 6 * 3600 - lag / 2 - 1 <= duration <= 6 * 3600


def test_get_cache_duration_of_an_expired_token(
    aws_env: dict[str, str], fault_server: FaultServer
) -> None:
    # The reference leaves cacheDuration out (nil) for a token already expired, so kubelet
    # falls back to defaultCacheDuration; ecrlogin deliberately says "0s": never keep it.
    scenario = fault_server.scenario(fs.token(expires_at=time.time() - 60))
    result = provider(request(PRIVATE), env={**aws_env, "AWS_ENDPOINT_URL_ECR": scenario.url})
    assert json.loads(result.stdout)["cacheDuration"] == "0s"


def test_run_plugin(aws_env: dict[str, str], fault_server: FaultServer) -> None:
    # plugin_test.go Test_runPlugin: the answer's bytes (field order, compact JSON, one
    # newline), then an invalid kind and an invalid apiVersion, each refused.
    scenario = fault_server.scenario(fs.token(username="user", password="password"))
    env = {**aws_env, "AWS_ENDPOINT_URL_ECR": scenario.url}
    image = f"{PRIVATE}/foobar"
    result = provider(request(image), env=env)
    duration = json.loads(result.stdout)["cacheDuration"]
    assert (
        result.stdout
        == (
            '{"kind":"CredentialProviderResponse","apiVersion":"credentialprovider.kubelet.k8s.io/v1",'
            f'"cacheKeyType":"Registry","cacheDuration":"{duration}",'
            f'"auth":{{"{PRIVATE}":{{"username":"user","password":"password"}}}}}}\n'
        ).encode()
    )
    invalid_kind = {**request(image), "kind": "CredentialProviderFoo"}
    assert error_line(provider(invalid_kind, env=env)).startswith("The request's kind is ")
    invalid_version = {**request(image), "apiVersion": "foo.k8s.io/v1"}
    assert error_line(provider(invalid_version, env=env)).startswith("The request's apiVersion")
    assert request(image)["apiVersion"] == V1
