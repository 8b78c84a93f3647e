"""The shared token cache through the installed programs: `--cache`, ECRLOGIN_NO_CACHE,
`cache list` and `cache clear` (the core is tested in tests/unit/test_cache.py)."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.support import faultserver as fs
from tests.support.env import ACCOUNT, MOTO_PASSWORD
from tests.support.faultserver import FAULT_PASSWORD, FAULT_TOKEN, FaultServer
from tests.support.helper import cache_files, credentials_json
from tests.support.helper import helper as run_helper
from tests.support.tools import BIN, ecrlogin

HOUR = 3600.0


# --- the CLI: --cache, ECRLOGIN_NO_CACHE, cache list / clear --------------------------------


# These fetch from tests/support/faultserver.py: moto's tokens expired in 2015 and are never cached.


def test_the_cli_fetches_a_fresh_token_each_call_unless_asked(
    aws_env: dict[str, str], fault_server: FaultServer
) -> None:
    endpoint = fault_server.scenario(fs.token())
    env = {**aws_env, "AWS_ENDPOINT_URL": endpoint.url}
    for args in (
        ["get-login-password"],
        ["get-login-password", "--no-cache"],
        ["get-login-password"],
    ):
        result = ecrlogin(*args, env=env)
        assert (result.returncode, result.stdout) == (0, f"{FAULT_PASSWORD}\n".encode())
    assert endpoint.calls == 3
    assert cache_files(env) == []
    for args in (
        ["get-login-password", "--cache"],
        ["--cache", "get-login-password"],
        ["ecr", "get-login-password", "--cache"],
    ):
        result = ecrlogin(*args, env=env)
        assert (result.returncode, result.stdout) == (0, f"{FAULT_PASSWORD}\n".encode())
        assert result.stderr == b""
    assert endpoint.calls == 4
    assert ecrlogin("--cache", "get-login-password", "--no-cache", env=env).returncode == 0
    no_cache = ecrlogin("get-login-password", "--cache", env={**env, "ECRLOGIN_NO_CACHE": "1"})
    assert no_cache.stdout == f"{FAULT_PASSWORD}\n".encode()
    assert endpoint.calls == 6


def test_cached_get_authorization_token_prints_the_same_bytes(
    aws_env: dict[str, str], fault_server: FaultServer
) -> None:
    endpoint = fault_server.scenario(fs.token())
    env = {**aws_env, "AWS_ENDPOINT_URL": endpoint.url}
    fresh = ecrlogin("get-authorization-token", env=env)
    miss = ecrlogin("get-authorization-token", "--cache", env=env)
    hit = ecrlogin("get-authorization-token", "--cache", env=env)
    login = ecrlogin("get-login", "--cache", "--no-include-email", env=env)
    assert endpoint.calls == 2
    assert fresh.returncode == miss.returncode == hit.returncode == 0
    assert hit.stdout == miss.stdout == fresh.stdout
    assert (
        login.stdout
        == (
            f"docker login -u AWS -p {FAULT_PASSWORD} "
            f"https://{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com\n"
        ).encode()
    )


def test_a_cli_cache_hit_imports_neither_botocore_nor_the_token_core(
    aws_env: dict[str, str], fault_server: FaultServer
) -> None:
    endpoint = fault_server.scenario(fs.token())
    env = {**aws_env, "AWS_ENDPOINT_URL": endpoint.url}

    def imports(*args: str) -> set[str]:
        command = [sys.executable, "-X", "importtime", "-m", "ecrlogin", *args]
        run = subprocess.run(command, env=env, capture_output=True, check=False)
        assert (run.returncode, run.stdout) == (0, f"{FAULT_PASSWORD}\n".encode())
        return {line.rpartition("|")[2].strip() for line in run.stderr.decode().splitlines()}

    miss = imports("get-login-password", "--cache")
    assert {"botocore", "typer"} <= miss  # the check can see an import
    heavy = {"botocore", "ecrlogin.core", "ecrlogin.awsclient", "ecrlogin.commands.login"}
    # The plain command is answered before the command-line framework loads, in every form.
    for args in (
        ["get-login-password", "--cache"],
        ["--cache", "ecr", "get-login-password", "--output", "json"],
    ):
        hit = imports(*args)
        assert not (heavy | {"typer", "rich"}) & hit, heavy & hit
    # A command option goes through the command's own parser, and still hits the cache.
    imports("get-login-password", "--cache", "--registry-id", ACCOUNT)
    hit = imports("get-login-password", "--cache", "--registry-id", ACCOUNT)
    assert "typer" in hit
    assert not heavy & hit, heavy & hit
    assert endpoint.calls == 2


def test_the_cli_and_the_helper_share_entries(
    aws_env: dict[str, str], fault_server: FaultServer
) -> None:
    host = f"{ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com"
    endpoint = fault_server.scenario(fs.token())
    env = {**aws_env, "AWS_ENDPOINT_URL": endpoint.url}
    cli = ecrlogin(
        "get-login-password",
        "--cache",
        "--region",
        "us-west-2",
        "--registry-id",
        ACCOUNT,
        env=env,
    )
    assert cli.returncode == 0
    result = run_helper("get", host, env=env)
    assert result.stdout == credentials_json(host, FAULT_PASSWORD)
    assert endpoint.calls == 1


def test_an_expired_token_from_moto_is_served_but_never_cached(aws_env: dict[str, str]) -> None:
    for _ in range(2):
        result = ecrlogin("get-login-password", "--cache", env=aws_env)
        assert (result.returncode, result.stdout) == (0, f"{MOTO_PASSWORD}\n".encode())
    assert cache_files(aws_env) == []


def test_cache_list_and_clear(aws_env: dict[str, str], fault_server: FaultServer) -> None:
    # A twelve-hour token whose proxyEndpoint always names us-west-2, whatever the region.
    endpoint = fault_server.scenario(
        fs.entries(
            expiresAt=fs.expiry_in(12 * HOUR),
            proxyEndpoint=f"https://{ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com",
        )
    )
    env = {**aws_env, "AWS_ENDPOINT_URL": endpoint.url}
    empty = ecrlogin("cache", "list", env=env)
    assert (empty.returncode, empty.stdout) == (0, b"")
    assert empty.stderr.startswith(b"ecrlogin: note: The token cache in ")
    for region in ("us-west-2", "eu-west-1"):
        assert (
            ecrlogin("get-login-password", "--cache", "--region", region, env=env).returncode == 0
        )
    listed = ecrlogin("cache", "list", env=env)
    assert listed.returncode == 0
    lines = listed.stdout.decode().splitlines()
    # The region column is the one asked, not the one the proxyEndpoint names.
    assert [line.split("\t")[:3] for line in lines] == [
        [f"{ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com", "eu-west-1", "-"],
        [f"{ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com", "us-west-2", "-"],
    ]
    assert all(line.split("\t")[3] in ("11h 59m", "11h 58m") for line in lines)
    assert FAULT_PASSWORD.encode() not in listed.stdout + listed.stderr
    assert FAULT_TOKEN.encode() not in listed.stdout + listed.stderr
    cleared = ecrlogin("cache", "clear", env=env)
    assert (cleared.returncode, cleared.stdout) == (0, b"")
    assert cleared.stderr.decode().startswith("ecrlogin: note: Removed 2 cached tokens from ")
    assert cache_files(env) == []


def test_cache_list_is_a_table_on_a_terminal(
    aws_env: dict[str, str], fault_server: FaultServer
) -> None:
    import pty

    endpoint = fault_server.scenario(fs.token())
    env = {**aws_env, "AWS_ENDPOINT_URL": endpoint.url, "COLUMNS": "120"}
    assert (
        ecrlogin("get-login-password", "--cache", "--region", "us-west-2", env=env).returncode == 0
    )
    main, terminal = pty.openpty()
    try:
        result = subprocess.run(
            [str(BIN / "ecrlogin"), "cache", "list"],
            stdout=terminal,
            stderr=subprocess.PIPE,
            env=env,
            timeout=60,
            check=False,
        )
        os.close(terminal)
        shown = b""
        while True:
            try:
                chunk = os.read(main, 4096)
            except OSError:  # EIO: the terminal's other end is closed and drained
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(main)
    text = shown.decode()
    assert result.returncode == 0
    assert "Registry" in text
    assert "Expires in" in text
    assert f"{ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com" in text
    assert "\t" not in text
    assert FAULT_PASSWORD not in text
