"""`get-login-password --cache` answered before Typer loads (ecrlogin.commands.early):
whatever the command line, the early answer is the one the command itself gives.

Each test runs the same command line twice: through the console script (which may
answer early) and through the same program with the early table emptied, so the
run always reaches the Typer command (`TYPER_PATH`). Both must print the same
bytes, on stdout and stderr, with the same exit status.

The endpoint is the suite's stub (tests/support/faultserver.py): moto's tokens
expired in 2015 and are never cached. Its first answer is FIRST and every later
one SECOND, so stdout tells a cache hit (FIRST) from a fetch (SECOND).
"""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.support import faultserver as fs
from tests.support.env import fault_env_for
from tests.support.faultserver import FaultServer
from tests.support.tools import BIN, ecrlogin, require_aws_v2

FIRST = "first-cached-password"
SECOND = "second-fetched-password"
HIT = f"{FIRST}\n".encode()
FETCHED = f"{SECOND}\n".encode()
# The program with no command answered early: every run reaches the Typer command.
TYPER_PATH = (
    "import ecrlogin.commands.early as early\n"
    "early._PASSWORD_COMMANDS.clear()\n"
    "from ecrlogin.__main__ import main\n"
    "main()\n"
)


def typer_path(*args: str, env: Mapping[str, str]) -> subprocess.CompletedProcess[bytes]:
    """`ecrlogin ARGS` as the Typer command answers it (nothing answered early)."""
    command = [str(BIN / "python"), "-c", TYPER_PATH, *args]
    return subprocess.run(command, env=dict(env), capture_output=True, timeout=120, check=False)


def both(
    *args: str, env: Mapping[str, str]
) -> tuple[subprocess.CompletedProcess[bytes], subprocess.CompletedProcess[bytes]]:
    """(the console script, the Typer path) on one command line, in that order."""
    return ecrlogin(*args, env=env), typer_path(*args, env=env)


def outcome(run: subprocess.CompletedProcess[bytes]) -> tuple[int, bytes, bytes]:
    return run.returncode, run.stdout, run.stderr


def with_profiles(tmp_path: Path, url: str) -> dict[str, str]:
    """An isolated environment aimed at `url` whose AWS files name a second profile, so
    `--profile other` is a real identity."""
    env = {**fault_env_for(tmp_path / "home"), "AWS_ENDPOINT_URL": url}
    Path(env["AWS_CONFIG_FILE"]).write_text("[profile other]\nregion = us-east-1\n")
    Path(env["AWS_SHARED_CREDENTIALS_FILE"]).write_text(
        "[other]\naws_access_key_id = AKIAOTHEROTHEROTHER1\n"
        "aws_secret_access_key = other-secret-other-secret\n"
    )
    return env


@pytest.fixture
def primed(tmp_path: Path, fault_server: FaultServer) -> tuple[dict[str, str], fs.Scenario]:
    """An isolated environment (with_profiles) whose default ECR token (FIRST) is in the
    cache, fresh."""
    endpoint = fault_server.scenario(fs.token(password=FIRST), fs.token(password=SECOND))
    env = with_profiles(tmp_path, endpoint.url)
    first = ecrlogin("get-login-password", "--cache", env=env)
    assert (first.returncode, first.stdout, first.stderr) == (0, HIT, b"")
    assert endpoint.calls == 1
    return env, endpoint


# Command lines a cached token answers: FIRST, nothing on stderr, exit 0.
HITS = [
    ["get-login-password", "--cache"],
    ["ecr", "get-login-password", "--cache"],
    ["--cache", "ecr", "get-login-password"],
    ["ecr", "--cache", "get-login-password"],
    ["get-login-password", "--cach"],
    ["get-login-password", "--cache", "--output", "json"],
    ["get-login-password", "--cache", "--output=text"],
    ["--output", "table", "get-login-password", "--cache"],
    ["get-login-password", "--cache", "--output", "yaml-stream"],
    ["get-login-password", "--cache", "--query", "authorizationData[0]"],
    ["get-login-password", "--cache", "--no-cli-pager", "--color", "on"],
    ["get-login-password", "--cache", "--no-paginate", "--cli-binary-format=base64"],
    ["get-login-password", "--cache", "--cli-read-timeout", "5", "--cli-connect-timeout=5"],
    ["get-login-password", "--no-cache", "--cache"],
    ["get-login-password", "--cache", "--profile", ""],
    ["get-login-password", "--cache", "--"],
]


@pytest.mark.parametrize("argv", HITS, ids=" ".join)
def test_a_cached_token_is_printed_alike_early_and_by_the_command(
    primed: tuple[dict[str, str], fs.Scenario], argv: list[str]
) -> None:
    env, endpoint = primed
    early, command = both(*argv, env=env)
    assert outcome(early) == (0, HIT, b"")
    assert outcome(command) == outcome(early)
    assert endpoint.calls == 1


# Command lines that must not be served the cached token: another key, or no cache.
MISSES: list[tuple[list[str], dict[str, str]]] = [
    (["get-login-password"], {}),
    (["get-login-password", "--cache", "--no-cache"], {}),
    (["get-login-password", "--cache"], {"ECRLOGIN_NO_CACHE": "1"}),
    (["get-login-password", "--cache"], {"AWS_ECR_DISABLE_CACHE": "1"}),
    (["get-login-password", "--cache", "--region", "us-west-2"], {}),
    (["get-login-password", "--cache", "--reg", "us-west-2"], {}),
    (["get-login-password", "--cache", "--region=eu-west-1"], {}),
    (["get-login-password", "--cache"], {"AWS_DEFAULT_REGION": "us-west-2"}),
    (["get-login-password", "--cache"], {"AWS_REGION": "us-west-2"}),
    (["get-login-password", "--cache", "--profile", "other"], {}),
    (["get-login-password", "--cache"], {"AWS_PROFILE": "other"}),
    (["get-login-password", "--cache"], {"AWS_ACCESS_KEY_ID": "AKIAANOTHERANOTHER12"}),
    (["get-login-password", "--cache", "--no-sign-request"], {}),
    (["ecr-public", "get-login-password", "--cache"], {}),
]


@pytest.mark.parametrize(
    ("argv", "extra"),
    MISSES,
    ids=lambda v: " ".join(v) or "-" if isinstance(v, list) else ",".join(v) or "-",
)
def test_a_cached_token_is_never_served_to_another_key_or_with_the_cache_off(
    primed: tuple[dict[str, str], fs.Scenario], argv: list[str], extra: dict[str, str]
) -> None:
    env, endpoint = primed
    env = {**env, **extra}
    early = ecrlogin(*argv, env=env)
    assert outcome(early) == (0, FETCHED, b"")
    assert endpoint.calls == 2
    # The Typer path fetches as well (or hits the token the run above cached): same bytes.
    assert outcome(typer_path(*argv, env=env)) == outcome(early)


def test_another_endpoint_url_is_never_served_the_cached_token(
    primed: tuple[dict[str, str], fs.Scenario], fault_server: FaultServer
) -> None:
    env, endpoint = primed
    other = fault_server.scenario(fs.token(password="other-endpoint-password"))
    for flag in ("--endpoint-url", "--endpoint", "--endp"):
        early, command = both("get-login-password", "--cache", flag, other.url, env=env)
        assert outcome(early) == (0, b"other-endpoint-password\n", b"")
        assert outcome(command) == outcome(early)
    for env_name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_ECR"):
        changed = {**env, env_name: other.url}
        early, command = both("get-login-password", "--cache", env=changed)
        assert outcome(early) == (0, b"other-endpoint-password\n", b"")
        assert outcome(command) == outcome(early)
    assert endpoint.calls == 1


def test_ecr_and_ecr_public_tokens_are_never_served_for_each_other(
    tmp_path: Path, fault_server: FaultServer
) -> None:
    endpoint = fault_server.scenario(fs.token(password="public"), fs.token(password="private"))
    env = {**fault_env_for(tmp_path / "home"), "AWS_ENDPOINT_URL": endpoint.url}
    public = ecrlogin("ecr-public", "get-login-password", "--cache", env=env)
    assert outcome(public) == (0, b"public\n", b"")
    private = ecrlogin("ecr", "get-login-password", "--cache", env=env)
    assert outcome(private) == (0, b"private\n", b"")
    for argv in (
        ["ecr-public", "get-login-password"],
        ["--cache", "ecr-public", "get-login-password"],
    ):
        early, command = both(*argv, "--cache", env=env)
        assert outcome(early) == outcome(command) == (0, b"public\n", b"")
    early, command = both("get-login-password", "--cache", env=env)
    assert outcome(early) == outcome(command) == (0, b"private\n", b"")
    assert endpoint.calls == 2


# Command lines the command refuses or answers otherwise, even with a fresh cached token.
REFUSED = [
    (["get-login-password", "--cache", "--bogus"], 252),
    (["--bogus", "get-login-password", "--cache"], 252),
    (["get-login-password", "--cache", "extra"], 252),
    (["get-login-password", "--cache", ""], 252),
    (["get-login-password", "--cache", "--registry-id", "bad"], 252),
    (["get-login-password", "--cache", "--registry-id"], 252),
    (["ecr-public", "get-login-password", "--cache", "--registry-id", "123456789012"], 252),
    (["get-login-password", "--cache", "--output", "bogus"], 252),
    (["get-login-password", "--cache", "--query", "["], 252),
    (["get-login-password", "--cache", "--region"], 252),
    (["get-login-password", "--cache", "--cli-auto-prompt"], 255),
    (["get-login-password", "--cache", "--cli-read-timeout", "soon"], 255),
    (["get-login-password", "--cache", "--profile", "nosuch"], 255),
    (["ecr", "get-login-password", "get-login-password", "--cache"], 252),
    (["-", "get-login-password", "--cache"], 252),
]


@pytest.mark.parametrize(
    ("argv", "status"), REFUSED, ids=lambda v: " ".join(v) if isinstance(v, list) else str(v)
)
def test_a_mistake_is_one_line_even_with_a_fresh_cached_token(
    primed: tuple[dict[str, str], fs.Scenario], argv: list[str], status: int
) -> None:
    env, endpoint = primed
    early, command = both(*argv, env=env)
    assert early.returncode == status, early.stderr
    assert early.stdout == b""
    assert early.stderr.startswith(b"ecrlogin: error: ")
    assert early.stderr.count(b"\n") == 1
    assert FIRST.encode() not in early.stderr
    assert outcome(command) == outcome(early)
    assert endpoint.calls == 1


@pytest.mark.parametrize(
    "argv",
    [
        ["get-login-password", "--cache", "--help"],
        ["get-login-password", "--cache", "-h"],
        ["--help", "get-login-password", "--cache"],
        ["ecr", "-h", "get-login-password", "--cache"],
        ["ecr-public", "get-login-password", "--cache", "--help"],
    ],
    ids=" ".join,
)
def test_help_anywhere_is_the_help_and_never_the_password(
    primed: tuple[dict[str, str], fs.Scenario], argv: list[str]
) -> None:
    env, _ = primed
    early, command = both(*argv, env=env)
    assert early.returncode == 0
    assert b"Usage" in early.stdout
    assert FIRST.encode() not in early.stdout + early.stderr
    assert outcome(command) == outcome(early)


@pytest.mark.parametrize(
    "argv",
    [
        ["get-login-password", "--cache", "--version"],
        ["--version", "get-login-password", "--cache"],
        ["get-login-password", "--cache", "--bogus", "--version"],
    ],
    ids=" ".join,
)
def test_version_with_other_arguments_is_the_version(
    primed: tuple[dict[str, str], fs.Scenario], argv: list[str]
) -> None:
    from ecrlogin import __version__

    env, _ = primed
    early = ecrlogin(*argv, env=env)
    assert outcome(early) == (0, f"ecrlogin {__version__}\n".encode(), b"")


def test_a_registry_id_is_served_from_its_own_entry(
    primed: tuple[dict[str, str], fs.Scenario],
) -> None:
    env, endpoint = primed
    argv = ["get-login-password", "--cache", "--registry-id", "123456789012"]
    early, command = both(*argv, env=env)
    assert outcome(early) == outcome(command) == (0, FETCHED, b"")
    assert endpoint.calls == 2


def test_debug_on_a_cache_hit_logs_no_secret(
    primed: tuple[dict[str, str], fs.Scenario],
) -> None:
    env, endpoint = primed
    token = base64.b64encode(f"AWS:{FIRST}".encode())
    for argv in (
        ["get-login-password", "--cache", "--debug"],
        ["--debug", "ecr", "get-login-password", "--cache"],
        ["get-login-password", "--cache", "--deb"],
    ):
        early, command = both(*argv, env=env)
        assert (early.returncode, early.stdout) == (command.returncode, command.stdout) == (0, HIT)
        for run in (early, command):
            assert b"answered from the token cache" in run.stderr
            assert FIRST.encode() not in run.stderr
            assert token not in run.stderr
    assert endpoint.calls == 1


def test_github_output_and_mask_go_through_the_command(
    primed: tuple[dict[str, str], fs.Scenario],
) -> None:
    env, endpoint = primed
    early, command = both("get-login-password", "--cache", "--github-output", env=env)
    assert (early.returncode, early.stdout) == (0, HIT)
    assert early.stderr.startswith(b"ecrlogin: note: Not in GitHub Actions")
    assert outcome(command) == outcome(early)
    early, command = both("get-login-password", "--cache", "--mask", env=env)
    assert (early.returncode, early.stdout) == (0, HIT)
    # The runner's mask, first, on stderr: the one place the password goes besides stdout.
    assert early.stderr.startswith(f"::add-mask::{FIRST}\n".encode())
    assert outcome(command) == outcome(early)
    assert endpoint.calls == 1


def test_stdout_closed_full_or_gone_is_one_line_alike(
    primed: tuple[dict[str, str], fs.Scenario],
) -> None:
    env, endpoint = primed
    early_cmd = f"'{BIN / 'ecrlogin'}' get-login-password --cache"
    typer_cmd = f"'{BIN / 'python'}' -c '{TYPER_PATH}' get-login-password --cache"
    for redirect, status, line in (
        (">&-", 255, b"ecrlogin: error: stdout is closed, so there is nowhere to write"),
        (">/dev/full", 255, b"ecrlogin: error: Cannot write the output to stdout: No space left"),
    ):
        runs = [
            subprocess.run(
                ["bash", "-c", f"{cmd} {redirect}"], env=env, capture_output=True, check=False
            )
            for cmd in (early_cmd, typer_cmd)
        ]
        assert runs[0].returncode == status
        assert runs[0].stderr.startswith(line)
        assert runs[0].stderr.count(b"\n") == 1
        assert FIRST.encode() not in runs[0].stderr
        assert outcome(runs[1]) == outcome(runs[0])
    # A reader that is gone: no traceback, no "Exception ignored", exit 0 as the command.
    for cmd in (early_cmd, typer_cmd):
        gone = subprocess.run(
            ["bash", "-c", f"{cmd} | (exec 0<&-; sleep 0.5); echo ${{PIPESTATUS[0]}}"],
            env=env,
            capture_output=True,
            check=False,
        )
        assert (gone.stdout, gone.stderr) == (b"0\n", b"")
    assert endpoint.calls == 1


@pytest.mark.parametrize(
    "locale",
    [
        {"LC_ALL": "C"},
        {"LC_ALL": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0"},
        {"PYTHONIOENCODING": "ascii"},
        {"PYTHONIOENCODING": "latin-1"},
    ],
    ids=lambda env: " ".join(f"{k}={v}" for k, v in env.items()),
)
def test_a_non_utf8_locale_prints_the_same_bytes(
    tmp_path: Path, fault_server: FaultServer, locale: dict[str, str]
) -> None:
    # The stub: a password no ASCII stdout can hold, so the encoding decides the outcome.
    password = "p\u00e4ssw\u00f6rd-\u20ac"
    endpoint = fault_server.scenario(fs.token(password=password))
    env = {**fault_env_for(tmp_path / "home"), "AWS_ENDPOINT_URL": endpoint.url}
    assert ecrlogin("get-login-password", "--cache", env=env).returncode == 0
    env.update(locale)
    early, command = both("get-login-password", "--cache", env=env)
    assert outcome(command) == outcome(early)
    assert password.encode("utf-8") not in early.stderr
    assert password.encode("latin-1", "replace") not in early.stderr
    if early.returncode:
        assert (early.returncode, early.stdout) == (255, b"")
        assert early.stderr.startswith(b"ecrlogin: error: stdout's encoding")
    assert endpoint.calls == 1


def test_a_shared_cache_directory_behaves_as_the_command(
    tmp_path: Path, fault_server: FaultServer
) -> None:
    endpoint = fault_server.scenario(fs.token(password=FIRST), fs.token(password=SECOND))
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    env = {
        **fault_env_for(tmp_path / "home"),
        "AWS_ENDPOINT_URL": endpoint.url,
        "ECRLOGIN_CACHE_DIR": str(shared),
    }
    miss = ecrlogin("get-login-password", "--cache", env=env)
    assert (miss.returncode, miss.stdout) == (0, HIT)
    assert b"is shared with other users" in miss.stderr
    early, command = both("get-login-password", "--cache", env=env)
    assert outcome(early) == outcome(command) == (0, HIT, b"")
    assert endpoint.calls == 1


def test_a_cache_hit_loads_neither_typer_rich_botocore_nor_the_core(
    primed: tuple[dict[str, str], fs.Scenario],
) -> None:
    env, endpoint = primed
    for argv in (
        ["get-login-password", "--cache"],
        ["--cache", "ecr", "get-login-password", "--output", "table", "--no-cli-pager"],
        ["get-login-password", "--color", "on", "--cache", "--cli-read-timeout=9"],
    ):
        command = [sys.executable, "-X", "importtime", "-m", "ecrlogin", *argv]
        run = subprocess.run(command, env=env, capture_output=True, check=False)
        assert (run.returncode, run.stdout) == (0, HIT)
        lines = run.stderr.decode().splitlines()
        assert all(line.startswith("import time:") for line in lines), run.stderr
        modules = {line.rpartition("|")[2].strip() for line in lines}
        assert "ecrlogin.commands.early" in modules  # the check sees ecrlogin's imports
        heavy = {m for m in modules if m.split(".")[0] in ("typer", "rich", "botocore", "click")}
        heavy |= {m for m in modules if m.startswith(("ecrlogin.core", "ecrlogin.cli"))}
        assert not heavy, sorted(heavy)
    assert endpoint.calls == 1


def _hashlib_digest(*parts: bytes) -> str:
    """identity.digest as d169d35 wrote it (hashlib), so old entries' names are known."""
    from ecrlogin.identity import KEY_VERSION

    hasher = hashlib.sha256(KEY_VERSION)
    for part in parts:
        hasher.update(b"%d:" % len(part) + part)
    return hasher.hexdigest()


@pytest.mark.parametrize(
    "parts",
    [(), (b"",), (b"service", b"ecr"), (b"\x00" * 65, b"\xff" * 1000), (os.urandom(4096),)],
    ids=["none", "empty", "short", "binary", "long"],
)
def test_the_key_digest_is_the_one_hashlib_gave(parts: tuple[bytes, ...]) -> None:
    from ecrlogin.identity import digest

    assert digest(*parts) == _hashlib_digest(*parts)


def test_the_key_digest_without_the_builtin_sha256_is_the_same(tmp_path: Path) -> None:
    # A build without _sha2/_sha256 (some FIPS builds) takes hashlib's: the same names.
    code = (
        "import sys\n"
        "sys.modules['_sha2'] = sys.modules['_sha256'] = None\n"
        "from ecrlogin.identity import digest\n"
        "print(digest(b'service', b'ecr', b'region', b'us-east-1'))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout.decode().strip() == _hashlib_digest(
        b"service", b"ecr", b"region", b"us-east-1"
    )


def test_a_shell_completion_request_never_prints_the_password(
    primed: tuple[dict[str, str], fs.Scenario],
) -> None:
    # click answers a run with _ECRLOGIN_COMPLETE set (its completion protocol) before any
    # command runs; the early answer must not print a password where completions are read.
    env, _ = primed
    env = {**env, "_ECRLOGIN_COMPLETE": "bash_complete"}
    early, command = both("get-login-password", "--cache", env=env)
    assert FIRST.encode() not in early.stdout
    assert outcome(early) == outcome(command)


# identity.digest as d169d35 had it, put in place of the built-in one before a run.
OLD_DIGEST_PATH = (
    "import hashlib\n"
    "import ecrlogin.identity as identity\n"
    "def digest(*parts):\n"
    "    hasher = hashlib.sha256(identity.KEY_VERSION)\n"
    "    for part in parts:\n"
    "        hasher.update(b'%d:' % len(part) + part)\n"
    "    return hasher.hexdigest()\n"
    "identity.digest = digest\n"
    "from ecrlogin.__main__ import main\n"
    "main()\n"
)


@pytest.mark.parametrize(
    "argv",
    [
        ["get-login-password", "--cache"],
        ["ecr-public", "get-login-password", "--cache"],
        ["get-login-password", "--cache", "--region", "eu-west-1", "--profile", "other"],
    ],
    ids=" ".join,
)
def test_an_entry_cached_with_hashlibs_key_is_still_a_hit(
    tmp_path: Path, fault_server: FaultServer, argv: list[str]
) -> None:
    endpoint = fault_server.scenario(fs.token(password=SECOND), fs.token(password=FIRST))
    env = with_profiles(tmp_path, endpoint.url)
    old = subprocess.run(
        [str(BIN / "python"), "-c", OLD_DIGEST_PATH, *argv],
        env=env,
        capture_output=True,
        check=False,
    )
    assert outcome(old) == (0, FETCHED, b"")
    assert endpoint.calls == 1
    assert outcome(ecrlogin(*argv, env=env)) == (0, FETCHED, b"")
    assert endpoint.calls == 1


def test_an_empty_region_gives_one_answer_with_or_without_the_cache(
    primed: tuple[dict[str, str], fs.Scenario],
) -> None:
    # AWS CLI v2 reads `--region ''` as no region (exit 0, a password). ecrlogin refuses
    # it (253) on a fetch but serves the cached token (0) on a hit: --cache decides
    # whether the same command line is a mistake. (So did d169d35, before the early path.)
    env, _ = primed
    hit = ecrlogin("get-login-password", "--cache", "--region", "", env=env)
    fetch = ecrlogin("get-login-password", "--region", "", env=env)
    assert hit.returncode == fetch.returncode, (hit.stderr, fetch.stderr)


@pytest.mark.parametrize(
    "argv",
    [
        ["ecr", "get-login-password"],
        ["ecr", "get-login-password", "--output", "json"],
        ["ecr", "get-login-password", "--output=table", "--no-cli-pager"],
        ["ecr", "get-login-password", "--query", "authorizationData", "--output", "text"],
        ["ecr", "get-login-password", "--color", "on", "--no-paginate"],
        ["--output", "yaml", "ecr", "get-login-password"],
        ["ecr", "get-login-password", "--reg", "us-west-2"],
        ["ecr", "get-login-password", "--bogus"],
        ["ecr", "get-login-password", "extra"],
        ["ecr", "get-login-password", "--output", "bogus"],
        ["ecr-public", "get-login-password"],
    ],
    ids=" ".join,
)
def test_a_cache_hit_prints_what_aws_cli_v2_prints(
    tmp_path: Path, fault_server: FaultServer, argv: list[str]
) -> None:
    # One password for every call: AWS CLI v2 fetches, ecrlogin answers from its cache.
    v2 = require_aws_v2()
    endpoint = fault_server.scenario(fs.token(password=FIRST))
    env = fault_env_for(tmp_path / "home")
    full = [*argv, "--endpoint-url", endpoint.url]
    primed = ecrlogin(*full, "--cache", env=env)
    calls = endpoint.calls
    ours = ecrlogin(*full, "--cache", env=env)
    theirs = subprocess.run([str(v2), *full], env=env, capture_output=True, check=False)
    assert (ours.returncode, ours.stdout) == (theirs.returncode, theirs.stdout), ours.stderr
    assert outcome(ours) == outcome(primed)
    # AWS CLI v2's call, if it made one; ecrlogin's was a hit (or a mistake).
    assert endpoint.calls == calls + (theirs.returncode == 0)


ODD_TOKENS = {
    "colon": b"AWS:a:b",
    "spaces": b"AWS: pw ",
    "newline": b"AWS:pw\nx",
    "carriage-return": b"AWS:pw\r",
    "nul": b"AWS:p\x00w",
    "escape": b"AWS:p\x1b[2Jw",
    "unicode": "AWS:p\u00e4\u20ac\U0001d11e\u2028".encode(),
    "other-user": b"bob:pw",
    "not-utf8": b"AWS:p\xffw",
    "no-user": b"pw",
    "empty-password": b"AWS:",
}


@pytest.mark.parametrize("decoded", ODD_TOKENS.values(), ids=ODD_TOKENS.keys())
def test_a_cache_hit_prints_the_bytes_a_fetch_prints_for_any_token(
    tmp_path: Path, fault_server: FaultServer, decoded: bytes
) -> None:
    # The stub: tokens ECR never sends, each decoded on the hit (basicauth) and on the fetch
    # (the token core); both must print, or refuse, alike.
    token = base64.b64encode(decoded).decode()
    endpoint = fault_server.scenario(
        fs.entries(authorizationToken=token, expiresAt=fs.expiry_in(12 * 3600))
    )
    env = {**fault_env_for(tmp_path / "home"), "AWS_ENDPOINT_URL": endpoint.url}
    fetched = ecrlogin("get-login-password", env=env)
    first = ecrlogin("get-login-password", "--cache", env=env)
    calls = endpoint.calls
    early, command = both("get-login-password", "--cache", env=env)
    assert outcome(first) == outcome(fetched)
    assert outcome(early) == outcome(command) == outcome(fetched)
    if fetched.returncode == 0:
        assert endpoint.calls == calls == 2  # the runs after the first --cache were hits


def test_an_aws_config_others_may_write_is_refused_before_the_cached_token(
    primed: tuple[dict[str, str], fs.Scenario],
) -> None:
    # Another user could have chosen the identity: the cached token is not served either.
    env, endpoint = primed
    Path(env["AWS_CONFIG_FILE"]).chmod(0o666)
    early, command = both("get-login-password", "--cache", env=env)
    assert (early.returncode, early.stdout) == (255, b"")
    assert early.stderr.startswith(b"ecrlogin: error: Refusing the AWS file ")
    assert early.stderr.count(b"\n") == 1
    assert outcome(command) == outcome(early)
    assert endpoint.calls == 1
