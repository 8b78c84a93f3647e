"""`login` / `logout`: targets, grouping, results and what a person sees.

The core tests call `ecrlogin.login` with plain arguments and a counting
fetcher (the seam `core.fetch` fills in the CLI); the CLI tests run the
installed `ecrlogin` against the suite's moto server.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from ecrlogin import login as flow
from ecrlogin import render
from ecrlogin.config import Config, RegistryConfig
from ecrlogin.errors import ConfigurationError
from ecrlogin.options import ClientOptions
from tests.support import faultserver as fs
from tests.support.env import ACCOUNT, MOTO_PASSWORD
from tests.support.faultserver import FaultServer
from tests.support.login import NOW, CountingFetcher, token
from tests.support.tools import ecrlogin

EU = "111122223333.dkr.ecr.eu-west-1.amazonaws.com"
EU2 = "444455556666.dkr.ecr.eu-west-1.amazonaws.com"
US = "111122223333.dkr.ecr.us-west-2.amazonaws.com"
# Resolving targets.


def test_targets_are_hosts_or_image_references_and_duplicates_collapse() -> None:
    results = flow.resolve_targets(
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
    [result] = flow.resolve_targets(["registry.example:5000/app"], config)
    assert (result.host, result.region) == ("registry.example:5000", "ap-south-1")
    assert result.target is not None
    assert result.target.profile == "prod"


def test_an_unknown_target_fails_alone_with_the_fix() -> None:
    results = flow.resolve_targets(["docker.io/library/alpine", EU], Config())
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
    results = flow.resolve_targets([], Config())
    results, _ = flow.fetch(results, ClientOptions(region="eu-central-1"), fetcher)
    assert [(r.host, r.region) for r in results] == [
        (f"{ACCOUNT}.dkr.ecr.eu-central-1.amazonaws.com", "eu-central-1")
    ]
    assert fetcher.calls[0][0] == ClientOptions(region="eu-central-1")


# Grouping: one token call per (region, profile, partition, FIPS, dual-stack, public).


def test_one_token_call_per_region_serves_every_account_there() -> None:
    fetcher = CountingFetcher()
    results = flow.resolve_targets([EU, US, EU2], Config())
    results, _ = flow.fetch(results, ClientOptions(region="us-east-1", profile="dev"), fetcher)
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
    flow.fetch(flow.resolve_targets(targets, config), ClientOptions(), fetcher, use_cache=True)
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
    results, _ = flow.fetch(flow.resolve_targets([EU, US], Config()), ClientOptions(), fetcher)
    assert [r.ok for r in results] == [True, False]
    assert flow.exit_code(results) == 254
    assert render.summary(results) == (
        f"1 of 2 registries failed: {US} (GetAuthorizationToken was refused with AccessDenied)"
    )


def test_helper_setup_needs_no_token_for_named_targets() -> None:
    fetcher = CountingFetcher()
    results, _ = flow.fetch(
        flow.resolve_targets([EU, US], Config()), ClientOptions(), fetcher, tokens_needed=False
    )
    assert fetcher.calls == []
    assert all(r.ok and r.token is None for r in results)


def test_passwords_lists_each_secret_once() -> None:
    results, _ = flow.fetch(
        flow.resolve_targets([EU, EU2, US], Config()), ClientOptions(), CountingFetcher()
    )
    eu, us = token("eu-west-1"), token("us-west-2")
    assert flow.passwords(results) == [eu.password, eu.token, us.password, us.token]


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
    base = flow.RegistryResult(requested=EU, host=EU, region="eu-west-1", token=token("eu-west-1"))
    expiry = "expires 2026-11-28 00:00 UTC (in 12h 00m)"
    lines = [
        render.registry_line(
            dataclasses.replace(base, method=flow.Method.CLIENT, client="podman"), now=NOW
        ),
        render.registry_line(
            dataclasses.replace(base, method=flow.Method.CONFIG, where="/c.json"), now=NOW
        ),
        render.registry_line(
            dataclasses.replace(base, method=flow.Method.HELPER, where="/c.json"), now=NOW
        ),
    ]
    assert lines == [
        f"{EU}: logged in with podman, {expiry}",
        f"{EU}: password written to /c.json, {expiry}",
        f"{EU}: credential helper ecrlogin set in /c.json, never expires",
    ]


def test_file_errors_fail_every_registry_of_that_file(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("[]")
    results, _ = flow.fetch(
        flow.resolve_targets([EU, US], Config()), ClientOptions(), CountingFetcher()
    )
    results, warnings = flow.write_config(results, tmp_path / "config.json", fmt="docker")
    assert warnings == []
    assert all(isinstance(r.error, ConfigurationError) for r in results)
    assert flow.exit_code(results) == 253


# The CLI against moto.


@pytest.fixture
def env(aws_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    return {**aws_env, "TZ": "UTC", "DOCKER_CONFIG": str(tmp_path / "docker")}


def ours(password: str = MOTO_PASSWORD) -> dict[str, str]:
    return {"auth": base64.b64encode(f"AWS:{password}".encode()).decode()}


def test_write_config_default_file_modes_and_lines(env: dict[str, str], tmp_path: Path) -> None:
    result = ecrlogin("login", "--write-config", EU, US, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == b""
    path = tmp_path / "docker" / "config.json"
    assert json.loads(path.read_text()) == {"auths": {EU: ours(), US: ours()}}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    # moto's tokens always expired on 2015-01-01; the line still says so plainly.
    assert result.stderr.decode() == (
        f"ecrlogin: ok: {EU}: password written to {path}, expired 2015-01-01 00:00 UTC\n"
        f"ecrlogin: ok: {US}: password written to {path}, expired 2015-01-01 00:00 UTC\n"
    )


def test_write_config_containers_format_goes_to_the_runtime_dir(env: dict[str, str]) -> None:
    result = ecrlogin("login", "--write-config", "--format", "containers", EU, env=env)
    assert result.returncode == 0, result.stderr
    path = Path(env["XDG_RUNTIME_DIR"]) / "containers" / "auth.json"
    assert json.loads(path.read_text()) == {"auths": {EU: ours()}}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_no_target_logs_into_the_default_registry_of_the_region(env: dict[str, str]) -> None:
    result = ecrlogin(
        "login", "--write-config", "--region", "eu-north-1", "--output", "json", env=env
    )
    assert result.returncode == 0, result.stderr
    host = f"{ACCOUNT}.dkr.ecr.eu-north-1.amazonaws.com"
    assert result.stdout.decode() == (
        "[\n"
        "    {\n"
        f'        "registry": "{host}",\n'
        '        "region": "eu-north-1",\n'
        '        "method": "config",\n'
        '        "expiresAt": "2015-01-01T00:00:00+00:00"\n'
        "    }\n"
        "]\n"
    )


@pytest.mark.parametrize(
    ("extra", "github", "masked"),
    [
        ((), "true", True),
        (("--no-mask",), "true", False),
        ((), None, False),
        (("--mask",), None, True),
    ],
)
def test_github_actions_masks_come_first(
    env: dict[str, str], extra: tuple[str, ...], github: str | None, masked: bool
) -> None:
    if github:
        env = {**env, "GITHUB_ACTIONS": github}
    result = ecrlogin("login", "--write-config", "--output", "json", *extra, EU, env=env)
    assert result.returncode == 0, result.stderr
    masks = (
        f"::add-mask::{MOTO_PASSWORD}\n"
        f"::add-mask::{base64.b64encode(f'AWS:{MOTO_PASSWORD}'.encode()).decode()}\n"
    )
    # On stderr, where the runner reads workflow commands too; stdout is the JSON alone.
    assert result.stderr.startswith(masks.encode()) is masked
    assert json.loads(result.stdout)[0]["registry"] == EU
    assert MOTO_PASSWORD.encode() not in result.stdout


def test_one_bad_target_does_not_stop_the_others(env: dict[str, str], tmp_path: Path) -> None:
    result = ecrlogin("login", "--write-config", "--output", "json", "bad!host", EU, env=env)
    assert result.returncode == 252
    assert result.stdout == b""  # stdout stays empty on any failure
    assert json.loads((tmp_path / "docker" / "config.json").read_text()) == {"auths": {EU: ours()}}
    lines = result.stderr.decode().splitlines()
    assert lines[0].startswith("ecrlogin: error: bad!host: 'bad!host' is not an ECR registry host")
    assert lines[1].startswith(f"ecrlogin: ok: {EU}: password written to")
    assert lines[2] == (
        "ecrlogin: error: 1 of 2 registries failed: "
        "bad!host ('bad!host' is not an ECR registry host or image reference)"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--write-config", "--helper"),
            "--write-config and --helper cannot be combined. Pick one",
        ),
        (
            ("--write-config", "--client", "podman"),
            "--client/--client-arg do not apply with --write-config",
        ),
        (
            ("--config-file", "x.json"),
            "--format/--config-file apply only with --write-config or --helper",
        ),
    ],
)
def test_options_that_do_not_fit_together(
    env: dict[str, str], args: tuple[str, ...], message: str
) -> None:
    result = ecrlogin("login", *args, EU, env=env)
    assert result.returncode == 252
    assert result.stdout == b""
    assert result.stderr.decode().startswith(f"ecrlogin: error: {message}")


def test_an_unknown_client_is_a_usage_error(env: dict[str, str]) -> None:
    result = ecrlogin("login", "--client", "kaniko", EU, env=env)
    assert result.returncode == 252
    assert b"kaniko" in result.stderr


def test_helper_needs_no_credentials_for_named_targets(env: dict[str, str], tmp_path: Path) -> None:
    # A build image can be set up before it has any AWS credentials.
    env = {**env, "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}
    del env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
    path = tmp_path / "cfg" / "config.json"
    result = ecrlogin("login", "--helper", "--config-file", str(path), EU, US, env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(path.read_text()) == {"credHelpers": {EU: "ecrlogin", US: "ecrlogin"}}
    assert (
        f"ecrlogin: ok: {EU}: credential helper ecrlogin set in {path}, never expires".encode()
        in (result.stderr)
    )


def test_logout_removes_only_what_login_wrote(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "docker" / "config.json"
    path.parent.mkdir()
    foreign = {
        "auths": {US: {"auth": base64.b64encode(b"alice:pw").decode()}},
        "credHelpers": {"gcr.io": "gcloud", US: "ecr-login"},
        "psFormat": "x",
    }
    path.write_text(json.dumps(foreign))
    assert ecrlogin("login", "--write-config", EU, env=env).returncode == 0
    assert ecrlogin("login", "--helper", EU, env=env).returncode == 0
    result = ecrlogin("logout", "--write-config", EU, US, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stderr.decode() == (
        f"ecrlogin: ok: {EU}: password removed from {path}\n"
        f"ecrlogin: note: {US}: no password of ecrlogin's in {path}; nothing removed\n"
    )
    result = ecrlogin("logout", "--helper", EU, US, env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(path.read_text()) == foreign


def test_expiry_in_the_future_reads_in_hours_and_minutes(
    aws_env: dict[str, str], fault_server: FaultServer, tmp_path: Path
) -> None:
    # A stub, because moto's tokens always expired on 2015-01-01.
    stub = fault_server.scenario(fs.regional(expires_at=fs.expiry_in(12 * 3600)))
    env = {**aws_env, "AWS_ENDPOINT_URL": stub.url, "DOCKER_CONFIG": str(tmp_path)}
    result = ecrlogin("login", "--write-config", EU, env=env)
    assert result.returncode == 0, result.stderr
    line = result.stderr.decode()
    assert line.startswith(f"ecrlogin: ok: {EU}: password written to {tmp_path / 'config.json'}")
    assert line.endswith("(in 11h 59m)\n")
    auth = json.loads((tmp_path / "config.json").read_text())["auths"][EU]
    assert auth == ours(fs.region_password("eu-west-1"))


def test_json_output_for_the_helper_has_no_expiry(env: dict[str, str]) -> None:
    result = ecrlogin("login", "--helper", "--output", "json", EU, env=env)
    assert result.returncode == 0, result.stderr
    data: list[dict[str, Any]] = json.loads(result.stdout)
    assert data == [{"registry": EU, "region": "eu-west-1", "method": "helper", "expiresAt": None}]


def run_on_terminal(
    args: list[str], env: dict[str, str], program: str = "ecrlogin"
) -> tuple[int, bytes, str]:
    """Run `program` with stderr on a pseudo-terminal; return (code, stdout, terminal text)."""
    import os
    import pty
    import subprocess

    from tests.support.tools import BIN

    master, slave = pty.openpty()
    with subprocess.Popen(
        [str(BIN / program), *args],
        env={**env, "TERM": "xterm-256color"},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=slave,
    ) as proc:
        os.close(slave)
        seen = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
        stdout = proc.stdout.read() if proc.stdout else b""
        code = proc.wait(timeout=60)
    os.close(master)
    return code, stdout, seen.decode()


@pytest.mark.parametrize("no_color", [False, True])
def test_on_a_terminal_rich_shows_a_spinner_and_honours_no_color(
    env: dict[str, str], no_color: bool
) -> None:
    env = {key: value for key, value in env.items() if key != "NO_COLOR"}
    if no_color:
        env["NO_COLOR"] = "1"
    code, stdout, seen = run_on_terminal(["login", "--write-config", EU], env)
    assert (code, stdout) == (0, b"")
    assert "Fetching ECR authorization tokens" in seen  # the spinner's text
    assert f"{EU}: password written to" in seen
    assert ("ecrlogin: \x1b[32mok:" in seen) is not no_color  # Rich's colour, the same prefix
    assert ("ecrlogin: ok:" in seen) is no_color
    if no_color:
        assert "\x1b[3" not in seen  # no foreground colour at all


@pytest.mark.parametrize(
    ("program", "args", "words"),
    [
        ("ecrlogin", ["login", "--store"], "--store applies only with --helper"),
        ("docker-credential-ecrlogin", ["frobnicate"], "unknown action"),
    ],
)
def test_on_a_terminal_every_line_still_says_who_spoke(
    env: dict[str, str], program: str, args: list[str], words: str
) -> None:
    # During `docker pull` the helper's line lands among docker's own on the same
    # terminal: the colour is Rich's, the `ecrlogin:` prefix stays.
    env = {key: value for key, value in env.items() if key != "NO_COLOR"}
    code, stdout, seen = run_on_terminal(args, env, program)
    assert code != 0
    lines = [line for line in seen.splitlines() if line.strip()]
    assert len(lines) == 1, seen
    assert lines[0].startswith("ecrlogin: \x1b[1;31merror:\x1b[0m "), seen
    assert words in lines[0]
    if program != "ecrlogin":
        assert stdout.startswith(b"unknown action")  # the protocol's reply stays on stdout


def offline(env: dict[str, str]) -> dict[str, str]:
    """`env` with no AWS credentials at all and an endpoint nothing listens on."""
    return {
        **{key: value for key, value in env.items() if not key.startswith("AWS_ACCESS")},
        "AWS_SECRET_ACCESS_KEY": "",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "AWS_MAX_ATTEMPTS": "1",
    }


# As docker writes config.json (tabs; ecrlogin's writes end it with a newline), with what
# a user has there besides ECR: another registry's login, an ECR login that is not ecrlogin's.
DOCKER_CONFIG = (
    b'{\n\t"auths": {\n\t\t"ghcr.io": {\n\t\t\t"auth": "dXNlcjpwYXNz"\n\t\t},\n'
    b'\t\t"' + US.encode() + b'": {\n\t\t\t"auth": "YWxpY2U6cHc="\n\t\t}\n\t},\n'
    b'\t"credHelpers": {\n\t\t"gcr.io": "gcloud"\n\t}\n}\n'
)


def test_logout_without_targets_works_offline_and_puts_the_file_back(
    env: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "docker" / "config.json"
    path.parent.mkdir()
    path.write_bytes(DOCKER_CONFIG)
    assert (
        ecrlogin(
            "login", "--write-config", EU, f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com", env=env
        ).returncode
        == 0
    )
    assert ecrlogin("login", "--helper", EU, US, env=env).returncode == 0
    assert path.read_bytes() != DOCKER_CONFIG
    # Credentials gone and the endpoint unreachable, as at the end of a session: logout
    # needs neither, it undoes what ecrlogin's logins left in the file.
    result = ecrlogin("logout", "--write-config", env=offline(env))
    assert (result.returncode, result.stdout) == (0, b""), result.stderr
    assert result.stderr.decode() == (
        f"ecrlogin: ok: {EU}: password removed from {path}\n"
        f"ecrlogin: ok: {ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com: password removed from {path}\n"
    )
    result = ecrlogin("logout", "--helper", env=offline(env))
    assert (result.returncode, result.stdout) == (0, b""), result.stderr
    assert path.read_bytes() == DOCKER_CONFIG
    # Nothing of ecrlogin's left: a note, still exit 0, the file untouched.
    result = ecrlogin("logout", "--write-config", env=offline(env))
    assert (result.returncode, result.stdout) == (0, b"")
    assert result.stderr.decode().startswith("ecrlogin: note: ")
    assert path.read_bytes() == DOCKER_CONFIG
