"""`login` / `logout` in the core: targets, grouping, results and what a person reads.

These call `ecrlogin.login` with plain arguments and a counting fetcher (the seam
`core.fetch` fills in the CLI); tests/cli/test_login.py runs the installed `ecrlogin`.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from ecrlogin import render
from ecrlogin.config import Config, RegistryConfig
from ecrlogin.errors import ConfigurationError
from ecrlogin.login import write_config
from ecrlogin.options import ClientOptions
from ecrlogin.targets import Method, RegistryResult, exit_code, fetch, passwords, resolve_targets
from tests.support.env import ACCOUNT
from tests.support.login import NOW, CountingFetcher, token

EU = "111122223333.dkr.ecr.eu-west-1.amazonaws.com"
EU2 = "444455556666.dkr.ecr.eu-west-1.amazonaws.com"
US = "111122223333.dkr.ecr.us-west-2.amazonaws.com"
# Resolving targets.


def test_targets_are_hosts_or_image_references_and_duplicates_collapse() -> None:
    results = resolve_targets(
        [f"{EU}/app:1.2", EU, f"https://{US}/", f"{US}/x@sha256:{'a' * 64}", "public.ecr.aws/a/b"],
        Config(),
    )
    assert [(r.host, r.region, r.ok) for r in results] == [
        (EU, "eu-west-1", True),
        (US, "us-west-2", True),
        ("public.ecr.aws", "us-east-1", True),
    ]
    assert results[0].requested == f"{EU}/app:1.2"


def test_a_custom_host_mapped_in_the_config_resolves_with_its_profile() -> None:
    config = Config(
        registries={
            "registry.example:5000": RegistryConfig(
                host="registry.example:5000", account=ACCOUNT, region="ap-south-1", profile="prod"
            )
        }
    )
    [result] = resolve_targets(["registry.example:5000/app"], config)
    assert (result.host, result.region) == ("registry.example:5000", "ap-south-1")
    assert result.target is not None
    assert result.target.profile == "prod"


def test_an_unknown_target_fails_alone_with_the_fix() -> None:
    results = resolve_targets(["docker.io/library/alpine", EU], Config())
    assert results[0].error is not None
    assert results[0].error.exit_code == 252
    assert results[0].error.message == (
        "'docker.io/library/alpine' is not an ECR registry host or image reference. "
        "Name a host such as 123456789012.dkr.ecr.eu-west-1.amazonaws.com, or map a custom "
        'host in the ecrlogin config ([registries."HOST"] with account and region).'
    )
    assert results[1].ok


def test_no_target_is_the_default_registry_named_by_the_token() -> None:
    fetcher = CountingFetcher()
    results = resolve_targets([], Config())
    results, _ = fetch(results, ClientOptions(region="eu-central-1"), fetcher)
    assert [(r.host, r.region) for r in results] == [
        (f"{ACCOUNT}.dkr.ecr.eu-central-1.amazonaws.com", "eu-central-1")
    ]
    assert fetcher.calls[0][0] == ClientOptions(region="eu-central-1")


# Grouping: one token call per (region, profile, partition, FIPS, dual-stack, public).


def test_one_token_call_per_region_serves_every_account_there() -> None:
    fetcher = CountingFetcher()
    results = resolve_targets([EU, US, EU2], Config())
    results, _ = fetch(results, ClientOptions(region="us-east-1", profile="dev"), fetcher)
    assert sorted(options.region or "" for options, _, _ in fetcher.calls) == [
        "eu-west-1",
        "us-west-2",
    ]
    assert all(options.profile == "dev" for options, _, _ in fetcher.calls)
    by_host = {r.host: r.token.password for r in results if r.token}
    assert by_host == {
        EU: "password-eu-west-1",
        EU2: "password-eu-west-1",
        US: "password-us-west-2",
    }


def test_fips_dualstack_public_and_profiles_split_groups() -> None:
    config = Config(
        registries={
            EU2: RegistryConfig(host=EU2, profile="other"),
        }
    )
    targets = [
        EU,
        EU2,  # same region, another profile
        "111122223333.dkr.ecr-fips.us-east-1.amazonaws.com",
        "111122223333.dkr.ecr.us-east-1.amazonaws.com",
        "111122223333.dkr-ecr.us-east-1.on.aws",
        "public.ecr.aws",
    ]
    fetcher = CountingFetcher()
    fetch(resolve_targets(targets, config), ClientOptions(), fetcher, use_cache=True)
    seen = {
        (o.region, o.profile, o.use_fips, o.use_dualstack, public, cache)
        for o, public, cache in fetcher.calls
    }
    assert seen == {
        ("eu-west-1", None, None, None, False, True),
        ("eu-west-1", "other", None, None, False, True),
        ("us-east-1", None, True, None, False, True),
        ("us-east-1", None, None, None, False, True),
        ("us-east-1", None, None, True, False, True),
        ("us-east-1", None, None, None, True, True),
    }
    assert len(fetcher.calls) == 6


def test_a_refused_group_fails_only_its_registries() -> None:
    fetcher = CountingFetcher(refuse={"us-west-2"})
    results, _ = fetch(resolve_targets([EU, US], Config()), ClientOptions(), fetcher)
    assert [r.ok for r in results] == [True, False]
    assert exit_code(results) == 254
    assert render.summary(results) == (
        f"1 of 2 registries failed: {US} (GetAuthorizationToken was refused with AccessDenied)"
    )


def test_helper_setup_needs_no_token_for_named_targets() -> None:
    fetcher = CountingFetcher()
    results, _ = fetch(
        resolve_targets([EU, US], Config()), ClientOptions(), fetcher, tokens_needed=False
    )
    assert fetcher.calls == []
    assert all(r.ok and r.token is None for r in results)


def test_passwords_lists_each_secret_once() -> None:
    results, _ = fetch(resolve_targets([EU, EU2, US], Config()), ClientOptions(), CountingFetcher())
    eu, us = token("eu-west-1"), token("us-west-2")
    assert passwords(results) == [eu.password, eu.token, us.password, us.token]


# What a person reads.


@pytest.mark.parametrize(
    ("left", "text"),
    [
        (timedelta(hours=12), "12h 00m"),
        (timedelta(hours=11, minutes=59, seconds=59), "11h 59m"),
        (timedelta(minutes=5, seconds=30), "5m"),
        (timedelta(seconds=30), "30s"),
        (timedelta(0), "0s"),
        (-timedelta(days=4000), "0s"),
    ],
)
def test_one_duration_form(left: timedelta, text: str) -> None:
    assert render.duration(left.total_seconds()) == text


def test_an_expired_token_says_when_it_expired() -> None:
    assert render.expiry_text(NOW, NOW) == f"expired {render.local_time(NOW)}"
    assert render.expiry_text(NOW + timedelta(seconds=30), NOW).endswith("(in 30s)")


def test_expiry_text_in_local_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Europe/Paris")
    import time

    time.tzset()
    try:
        assert render.expiry_text(NOW + timedelta(hours=11, minutes=59), NOW) == (
            "expires 2026-11-28 00:59 CET (in 11h 59m)"
        )
        assert render.expiry_text(datetime(2015, 1, 1, tzinfo=timezone.utc), NOW) == (
            "expired 2015-01-01 01:00 CET"
        )
        assert render.expiry_text(None, NOW) == "never expires"
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_describe_each_method() -> None:
    base = RegistryResult(requested=EU, host=EU, region="eu-west-1", token=token("eu-west-1"))
    expiry = "expires 2026-11-28 00:00 UTC (in 12h 00m)"
    lines = [
        render.registry_line(
            dataclasses.replace(base, method=Method.CLIENT, client="podman"), now=NOW
        ),
        render.registry_line(
            dataclasses.replace(base, method=Method.CONFIG, where="/c.json"), now=NOW
        ),
        render.registry_line(
            dataclasses.replace(base, method=Method.HELPER, where="/c.json"), now=NOW
        ),
    ]
    assert lines == [
        f"{EU}: logged in with podman, {expiry}",
        f"{EU}: password written to /c.json, {expiry}",
        f"{EU}: credential helper ecrlogin set in /c.json, never expires",
    ]


def test_file_errors_fail_every_registry_of_that_file(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("[]")
    results, _ = fetch(resolve_targets([EU, US], Config()), ClientOptions(), CountingFetcher())
    results, warnings = write_config(results, tmp_path / "config.json", fmt="docker")
    assert warnings == []
    assert all(isinstance(r.error, ConfigurationError) for r in results)
    assert exit_code(results) == 253
