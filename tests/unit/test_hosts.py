"""The one registry host-name parser: every host family the helper, the CLI and `login` serve."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecrlogin.hosts import (
    PUBLIC_REGION,
    Registry,
    is_region,
    parse_registry,
    partition_of_region,
    server_host,
)

A = "123456789012"

# host -> (region, partition, fips, dualstack)
PRIVATE = {
    f"{A}.dkr.ecr.us-west-2.amazonaws.com": ("us-west-2", "aws", False, False),
    f"{A}.dkr.ecr.us-gov-west-1.amazonaws.com": ("us-gov-west-1", "aws-us-gov", False, False),
    f"{A}.dkr.ecr.cn-north-1.amazonaws.com.cn": ("cn-north-1", "aws-cn", False, False),
    f"{A}.dkr.ecr-fips.us-east-1.amazonaws.com": ("us-east-1", "aws", True, False),
    f"{A}.dkr.ecr-fips.us-gov-east-1.amazonaws.com": ("us-gov-east-1", "aws-us-gov", True, False),
    f"{A}.dkr-ecr.eu-west-1.on.aws": ("eu-west-1", "aws", False, True),
    f"{A}.dkr-ecr-fips.us-east-2.on.aws": ("us-east-2", "aws", True, True),
    f"{A}.dkr-ecr.cn-northwest-1.on.amazonwebservices.com.cn": (
        "cn-northwest-1",
        "aws-cn",
        False,
        True,
    ),
    # The spelling awslabs' helper and kubernetes' provider also accept: dual-stack too.
    f"{A}.dkr.ecr.us-west-2.on.aws": ("us-west-2", "aws", False, True),
    f"{A}.dkr.ecr-fips.us-east-1.on.aws": ("us-east-1", "aws", True, True),
    f"{A}.dkr.ecr.cn-north-1.on.amazonwebservices.com.cn": ("cn-north-1", "aws-cn", False, True),
    f"{A}.dkr.ecr.us-gov-west-1.on.aws": ("us-gov-west-1", "aws-us-gov", False, True),
    f"{A}.dkr.ecr.eusc-de-east-1.amazonaws.eu": ("eusc-de-east-1", "aws-eusc", False, False),
    f"{A}.dkr.ecr.us-iso-east-1.c2s.ic.gov": ("us-iso-east-1", "aws-iso", False, False),
    f"{A}.dkr.ecr.us-isob-east-1.sc2s.sgov.gov": ("us-isob-east-1", "aws-iso-b", False, False),
    f"{A}.dkr.ecr.eu-isoe-west-1.cloud.adc-e.uk": ("eu-isoe-west-1", "aws-iso-e", False, False),
    f"{A}.dkr.ecr.us-isof-south-1.csp.hci.ic.gov": ("us-isof-south-1", "aws-iso-f", False, False),
}


@pytest.mark.parametrize(("host", "expected"), sorted(PRIVATE.items()))
def test_every_private_host_family_parses(host: str, expected: tuple[str, str, bool, bool]) -> None:
    region, partition, fips, dualstack = expected
    assert parse_registry(host) == Registry(
        host=host,
        account=A,
        region=region,
        partition=partition,
        fips=fips,
        dualstack=dualstack,
    )


@pytest.mark.parametrize("host", ["public.ecr.aws", "ecr-public.aws.com"])
def test_ecr_public_hosts_use_the_public_api_in_us_east_1(host: str) -> None:
    registry = parse_registry(f"https://{host}/nginx/nginx:latest")
    assert registry == Registry(
        host=host, account=None, region=PUBLIC_REGION, partition="aws", public=True
    )
    assert registry.service == "ecr-public"
    assert PUBLIC_REGION == "us-east-1"


@pytest.mark.parametrize(
    "text",
    [
        f"{A}.dkr.ecr.us-west-2.amazonaws.com",
        f"  {A}.dkr.ecr.us-west-2.amazonaws.com\n",
        f"https://{A}.dkr.ecr.us-west-2.amazonaws.com",
        f"HTTPS://{A}.DKR.ECR.US-WEST-2.AMAZONAWS.COM/",
        f"{A}.dkr.ecr.us-west-2.amazonaws.com/team/app:1.2",
        f"{A}.dkr.ecr.us-west-2.amazonaws.com/team/app@sha256:{'ab' * 32}",
        f"https://AWS@{A}.dkr.ecr.us-west-2.amazonaws.com/v2/",
    ],
)
def test_server_urls_and_image_references_reduce_to_the_host(text: str) -> None:
    assert server_host(text) == f"{A}.dkr.ecr.us-west-2.amazonaws.com"
    registry = parse_registry(text)
    assert registry is not None
    assert (registry.account, registry.region, registry.service) == (A, "us-west-2", "ecr")


@pytest.mark.parametrize(
    ("text", "host"),
    [
        ("127.0.0.1:5000", "127.0.0.1:5000"),
        ("Registry.Example.COM:443/x", "registry.example.com:443"),
        ("localhost:", "localhost"),
        ("http://localhost:8080/v2/", "localhost:8080"),
    ],
)
def test_custom_hosts_keep_their_port(text: str, host: str) -> None:
    assert server_host(text) == host
    assert parse_registry(text) is None  # not ECR: only the config can map it


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "host:0",
        "host:65536",
        "host:12ab",
        "-bad.example.com",
        "bad-.example.com",
        "a..b",
        "exa_mple.com",
        "caf\u00e9.example",
        "host\x1b[31m",
        "x" * 3000,
        "[::1]:5000",
    ],
)
def test_garbage_is_not_a_host(text: str) -> None:
    assert server_host(text) is None
    assert parse_registry(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "12345678901.dkr.ecr.us-west-2.amazonaws.com",  # 11 digits
        f"{A}.dkr.ecr.us-west-2.amazonaws.org",
        f"{A}.dkr-ecr.us-west-2.amazonaws.com",  # dkr-ecr lives only under on.aws
        f"{A}.dkr-ecr.cn-north-1.amazonaws.com.cn",
        f"{A}.dkr.ecr.us-west-2.on.aws.cn",
        f"{A}.dkr.ecr.uswest2.amazonaws.com",
        f"{A}.dkr.ecr.us-west-x.amazonaws.com",
        f"{A}.ecr.us-west-2.amazonaws.com",
        f"{A}.dkr.ecr.amazonaws.com",
        "ecr.aws",
        "docker.io",
    ],
)
def test_near_misses_are_not_ecr(text: str) -> None:
    assert parse_registry(text) is None


@pytest.mark.parametrize(
    ("region", "partition"),
    [
        ("us-west-2", "aws"),
        ("us-gov-west-1", "aws-us-gov"),
        ("cn-north-1", "aws-cn"),
        ("us-iso-east-1", "aws-iso"),
        ("us-isob-east-1", "aws-iso-b"),
        ("eu-isoe-west-1", "aws-iso-e"),
        ("us-isof-south-1", "aws-iso-f"),
        ("eusc-de-east-1", "aws-eusc"),
    ],
)
def test_partition_of_region(region: str, partition: str) -> None:
    assert is_region(region)
    assert partition_of_region(region) == partition


def test_registry_is_an_immutable_value() -> None:
    registry = parse_registry(f"{A}.dkr.ecr.us-west-2.amazonaws.com")
    assert registry is not None
    with pytest.raises(AttributeError):
        registry.region = "eu-west-1"
    assert {registry, parse_registry(f"{A}.dkr.ecr.us-west-2.amazonaws.com/x")} == {registry}
    assert "region='us-west-2'" in repr(registry)


@given(st.text(max_size=300))
def test_server_host_never_raises_and_answers_a_clean_host(text: str) -> None:
    host = server_host(text)
    if host is not None:
        assert host == host.lower().strip()
        assert server_host(host) == host
        assert all(ch.isascii() and (ch.isalnum() or ch in ".-:") for ch in host)


@given(
    st.from_regex(r"[0-9]{12}", fullmatch=True),
    st.sampled_from(["us-west-2", "eu-central-1", "ap-southeast-3", "us-gov-east-1"]),
    st.sampled_from(["dkr.ecr", "dkr.ecr-fips"]),
)
def test_parse_registry_round_trips_any_account_and_region(
    account: str, region: str, service: str
) -> None:
    registry = parse_registry(f"{account}.{service}.{region}.amazonaws.com")
    assert registry is not None
    assert (registry.account, registry.region, registry.fips) == (
        account,
        region,
        service.endswith("fips"),
    )
