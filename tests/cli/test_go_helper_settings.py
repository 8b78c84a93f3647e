"""amazon-ecr-credential-helper's settings, honoured by docker-credential-ecrlogin with its meaning.

People who swap `ecr-login` for `ecrlogin` in docker's config.json keep these in their
environments: AWS_ECR_DISABLE_CACHE (any non-empty value, ecr-login/cache/build.go),
AWS_ECR_CACHE_DIR (ecr-login/config/cache_dir.go) and AWS_ECR_IGNORE_CREDS_STORAGE
(exactly "true", ecr-login/ecr.go). Every test runs the installed helper over its real
protocol (the action as argument, the input on stdin).

The cache tests take their tokens from the suite's stub endpoint (tests/support/
faultserver.py), not moto: moto's tokens always expired in 2015, and an expired token
is (rightly) never cached, so against moto a cache that works and one that is off
look the same. The storage tests need no cache and run against moto.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from tests.support import faultserver as fs
from tests.support.env import ACCOUNT, MOTO_PASSWORD
from tests.support.faultserver import FAULT_PASSWORD, FaultServer, Scenario
from tests.support.helper import cache_files, credentials_json, helper, pass_list
from tests.support.tools import ecrlogin

HOST = f"{ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com"
OTHER = "registry.example.com"
SECRET = "hub-password-7f3a9c"


@pytest.fixture
def endpoint(fault_server: FaultServer) -> Scenario:
    """Tokens valid until 2100, so that a cache that is on keeps them."""
    return fault_server.scenario(fs.token())


@pytest.fixture
def env(aws_env: dict[str, str], endpoint: Scenario) -> dict[str, str]:
    return {**aws_env, "AWS_ENDPOINT_URL": endpoint.url}


def get_twice(env: dict[str, str]) -> None:
    for _ in range(2):
        result = helper("get", HOST, env=env)
        assert (result.returncode, result.stderr) == (0, b"")
        assert result.stdout == credentials_json(HOST, FAULT_PASSWORD)


# --- AWS_ECR_DISABLE_CACHE -----------------------------------------------------------------


@pytest.mark.parametrize("value", ["true", "1", "false", "0", " "])
def test_any_non_empty_disable_cache_turns_the_cache_off(
    env: dict[str, str], endpoint: Scenario, tmp_path: Path, value: str
) -> None:
    # The Go helper tests `!= ""`: even "false" and "0" turn its cache off.
    get_twice({**env, "AWS_ECR_DISABLE_CACHE": value})
    assert endpoint.calls == 2
    assert not Path(env["XDG_CACHE_HOME"], "ecrlogin").exists()  # nothing on disk, not even a lock


def test_an_empty_disable_cache_leaves_the_cache_on(
    env: dict[str, str], endpoint: Scenario
) -> None:
    get_twice({**env, "AWS_ECR_DISABLE_CACHE": ""})
    assert endpoint.calls == 1
    assert len(cache_files(env)) == 1


@pytest.mark.parametrize(("own", "calls"), [("0", 1), ("false", 1), ("1", 2)])
def test_ecrlogin_no_cache_when_set_wins_over_disable_cache(
    env: dict[str, str], endpoint: Scenario, own: str, calls: int
) -> None:
    get_twice({**env, "ECRLOGIN_NO_CACHE": own, "AWS_ECR_DISABLE_CACHE": "true"})
    assert endpoint.calls == calls


# --- AWS_ECR_CACHE_DIR ---------------------------------------------------------------------


def test_the_cache_goes_to_a_folder_of_its_own_in_the_go_helpers_cache_dir(
    env: dict[str, str], endpoint: Scenario, tmp_path: Path
) -> None:
    go_dir = tmp_path / "ecr"
    go_dir.mkdir(mode=0o700)
    # The Go helper's own files: a cache entry for this very registry, and its log.
    go_cache = json.dumps(
        {
            "Registries": {
                f"us-west-2-key-{ACCOUNT}": {
                    "AuthorizationToken": "R286bm90LXVzZWQ=",  # Go:not-used
                    "RequestedAt": "2099-01-01T00:00:00Z",
                    "ExpiresAt": "2100-01-01T00:00:00Z",
                    "ProxyEndpoint": f"https://{HOST}",
                    "Service": "ecr",
                }
            }
        }
    ).encode()
    (go_dir / "cache.json").write_bytes(go_cache)
    (go_dir / "log").mkdir()
    before = sorted((p.name, p.stat().st_mtime_ns) for p in go_dir.iterdir())
    go_env = {**env, "AWS_ECR_CACHE_DIR": str(go_dir)}
    get_twice(go_env)
    assert endpoint.calls == 1  # the second `get` was a hit, from ecrlogin's own entry
    ours = go_dir / "ecrlogin"
    assert stat.S_IMODE(ours.stat().st_mode) == 0o700
    [entry] = sorted(ours.glob("*.token"))
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    assert cache_files(env) == []  # not in the XDG default
    # The Go helper's files are neither read (its token would have been served) nor written.
    assert (go_dir / "cache.json").read_bytes() == go_cache
    after = sorted((p.name, p.stat().st_mtime_ns) for p in go_dir.iterdir() if p != ours)
    assert after == before
    # Every ecrlogin program shares the entry: the CLI lists and clears it there.
    listed = ecrlogin("cache", "list", env=go_env)
    assert listed.stdout.decode().startswith(f"{HOST}\tus-west-2\t")
    cleared = ecrlogin("cache", "clear", env=go_env)
    assert f"from {ours}" in cleared.stderr.decode()
    assert (go_dir / "cache.json").read_bytes() == go_cache


def test_a_tilde_in_the_go_cache_dir_is_the_home_directory(
    env: dict[str, str], endpoint: Scenario
) -> None:
    # The Go helper expands it (go-homedir); its default is ~/.ecr.
    get_twice({**env, "AWS_ECR_CACHE_DIR": "~/.ecr"})
    assert len(list(Path(env["HOME"], ".ecr", "ecrlogin").glob("*.token"))) == 1
    assert endpoint.calls == 1


def test_ecrlogin_cache_dir_wins_over_the_go_cache_dir(
    env: dict[str, str], endpoint: Scenario, tmp_path: Path
) -> None:
    both = {
        **env,
        "ECRLOGIN_CACHE_DIR": str(tmp_path / "own"),
        "AWS_ECR_CACHE_DIR": str(tmp_path / "go"),
    }
    get_twice(both)
    assert len(list((tmp_path / "own").glob("*.token"))) == 1
    assert not (tmp_path / "go").exists()


# --- AWS_ECR_IGNORE_CREDS_STORAGE ----------------------------------------------------------

PAYLOAD = json.dumps({"ServerURL": OTHER, "Username": "me", "Secret": SECRET})


def test_ignore_storage_makes_store_succeed_without_storing(aws_env: dict[str, str]) -> None:
    env = {**aws_env, "AWS_ECR_IGNORE_CREDS_STORAGE": "true"}
    stored = helper("store", PAYLOAD, env=env)
    assert (stored.returncode, stored.stdout) == (0, b"")
    [line] = stored.stderr.decode().splitlines()
    assert line.startswith(f"ecrlogin: warning: The credentials for {OTHER} were not saved")
    assert "AWS_ECR_IGNORE_CREDS_STORAGE=true" in line
    assert SECRET not in line
    # Kept nowhere: neither a get nor a list knows the host afterwards.
    got = helper("get", OTHER, env=env)
    assert (got.returncode, got.stdout) == (1, b"credentials not found in native keychain\n")
    erased = helper("erase", OTHER, env=env)
    assert (erased.returncode, erased.stdout, erased.stderr) == (0, b"", b"")


@pytest.mark.parametrize("value", [None, "TRUE", "1", "yes", ""])
def test_only_exactly_true_ignores_storage(aws_env: dict[str, str], value: str | None) -> None:
    env = dict(aws_env)
    if value is not None:
        env["AWS_ECR_IGNORE_CREDS_STORAGE"] = value
    stored = helper("store", PAYLOAD, env=env)
    assert stored.returncode == 1  # nothing is lost silently
    assert stored.stdout.startswith(f"The credentials for {OTHER} were not saved".encode())


def test_an_ecr_hosts_store_succeeds_either_way(aws_env: dict[str, str]) -> None:
    payload = json.dumps({"ServerURL": HOST, "Username": "AWS", "Secret": MOTO_PASSWORD})
    for value in ("true", ""):
        env = {**aws_env, "AWS_ECR_IGNORE_CREDS_STORAGE": value}
        stored = helper("store", payload, env=env)
        assert (stored.returncode, stored.stdout, stored.stderr) == (0, b"", b"")


def test_ignore_storage_keeps_the_cached_token_on_erase(
    env: dict[str, str], endpoint: Scenario
) -> None:
    # A cached token (so the stub endpoint) shows what erase would otherwise remove.
    get_twice(env)
    ignored = helper("erase", HOST, env={**env, "AWS_ECR_IGNORE_CREDS_STORAGE": "true"})
    assert (ignored.returncode, ignored.stdout, ignored.stderr) == (0, b"", b"")
    assert len(cache_files(env)) == 1
    erased = helper("erase", HOST, env=env)
    assert (erased.returncode, erased.stdout) == (0, b"")
    assert cache_files(env) == []
    assert endpoint.calls == 1


def test_a_fallback_store_still_keeps_the_hosts_it_serves(pass_env: dict[str, str]) -> None:
    # ecrlogin's own setting says where those credentials belong: the Go helper has no
    # fallback store, so nothing it did is lost by passing them on.
    env = {
        **pass_env,
        "ECRLOGIN_FALLBACK_STORE": "pass",
        "AWS_ECR_IGNORE_CREDS_STORAGE": "true",
    }
    stored = helper("store", PAYLOAD, env=env)
    assert (stored.returncode, stored.stdout, stored.stderr) == (0, b"", b"")
    assert pass_list(env) == {OTHER: "me"}
    erased = helper("erase", OTHER, env=env)
    assert (erased.returncode, erased.stdout, erased.stderr) == (0, b"", b"")
    assert pass_list(env) == {}
