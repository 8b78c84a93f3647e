"""The one registry host-name parser: every host family the helper, the CLI and `login` serve,
and every address read where docker reads it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecrlogin.hosts import (
    PUBLIC_REGION,
    SPACE,
    Registry,
    address_host,
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
        f"https://{A}.DKR.ECR.US-WEST-2.AMAZONAWS.COM/",
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
        # docker's daemon reads host `HTTPS:` here (it prefixes https:// unless the address
        # starts with exactly https:// or http://), its CLI the ECR host: refused.
        f"HTTPS://{A}.DKR.ECR.US-WEST-2.AMAZONAWS.COM/",
        f"{A}.dkr.ecr.us-west-2.amazonaws.com.",
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


# The table: Go's own answers (tests/data/docker_hosts.json says how they were made).
TABLE: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent.parent / "data" / "docker_hosts.json").read_text(encoding="utf-8")
)["cases"]


def _go_form(host: str | None) -> str | None:
    """Go's host as ecrlogin spells it: lower case, an empty port (`host:`) dropped."""
    if host is None:
        return None
    return (host[:-1] if host.endswith(":") else host).lower()


@pytest.mark.parametrize("case", TABLE, ids=[repr(case["input"])[:60] for case in TABLE])
def test_every_address_reads_as_docker_reads_it_or_is_refused(case: dict[str, Any]) -> None:
    host = server_host(case["input"])
    assert host == case["ecrlogin"], case["why"]
    if host is not None:
        # Whatever ecrlogin serves is the host docker's daemon sends the password to,
        # whether the CLI converted the address first or not.
        assert host == _go_form(case["daemon"]) == _go_form(case["docker"]), case["why"]


def test_the_table_covers_the_leak_and_each_class_of_input() -> None:
    inputs = "".join(case["input"] for case in TABLE)
    for needle in ("#@", "?@", "\\@", "%", "[", "\u212a", "HTTPS://", ":443", "..", "@"):
        assert needle in inputs, needle
    attack = f"evil.example#@{A}.dkr.ecr.us-west-2.amazonaws.com"
    leak = next(case for case in TABLE if case["input"] == attack)
    assert leak["daemon"] == leak["docker"] == leak["ecrlogin"] == "evil.example"


# RFC 3986 Appendix B: the specification's own regular expression for a URI reference.
_RFC3986 = re.compile(r"^(([^:/?#]+):)?(//([^/?#]*))?([^?#]*)(\?([^#]*))?(#(.*))?$", re.DOTALL)


def _rfc_host(text: str) -> str | None:
    """The authority's host[:port] by RFC 3986, read as docker's daemon reads an address."""
    text = text.strip(SPACE)
    if not text.startswith(("https://", "http://")):
        text = "https://" + text
    match = _RFC3986.match(text)
    if match is None or match.group(4) is None:
        return None
    return match.group(4).rpartition("@")[2]


ECR_HOSTS = [
    f"{A}.dkr.ecr.us-west-2.amazonaws.com",
    "public.ecr.aws",
    f"{A}.dkr-ecr.eu-west-1.on.aws",
]
# Host names, and every piece of syntax docker's readers may disagree on.
PIECES = st.sampled_from(
    [
        *ECR_HOSTS,
        *("evil.example", "127.0.0.1", "@", "#", "?", "/", "\\", "%", "%2e", "%41", "%e2%84%aa"),
        *(":", ":443", ":0", "[", "]", "::1", "https://", "http://", "HTTPS://", "ftp://", "//"),
        *(" ", "\t", "\n", "\x00", "\u212a", "K", "k", ".", "..", "AWS", "AWS:pw", "v2"),
        *("\u0131", "\u3002"),
    ]
)


@given(st.lists(PIECES, min_size=1, max_size=8).map("".join))
def test_an_ecr_host_is_only_ever_the_host_docker_reads(text: str) -> None:
    host = server_host(text)
    if host is None:
        return
    # The authority's host by the RFC's own grammar, which Go's net/url follows.
    expected = _rfc_host(text)
    assert expected is not None
    assert host == (expected[:-1] if expected.endswith(":") else expected).lower()
    assert address_host(text) is not None
    assert address_host(text).lower() == host  # type: ignore[union-attr]
    if parse_registry(host) is not None:
        # An ECR host is never reached through another: nothing but ASCII, no escapes.
        assert text.strip(SPACE).isascii()
        assert "%" not in expected
        assert "\\" not in text
