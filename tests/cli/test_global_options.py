"""Every AWS CLI global option in every position, and every command-line mistake, as
AWS CLI v2 (`/usr/bin/aws`) treats them: the same stdout bytes and the same exit code.

Both programs run for real against the suite's moto server. AWS CLI 2.9 ignores
AWS_ENDPOINT_URL, so both are given `--endpoint-url` (itself a global option).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support import faultserver as fs
from tests.support.env import ACCESS_KEY_ID, ACCOUNT, SECRET_ACCESS_KEY
from tests.support.tools import assert_both_print, aws_v2_and_ecrlogin, ecrlogin

pytestmark = pytest.mark.compat

PASSWORD = f"{ACCOUNT}-auth-token\n".encode()

# Each global option with a value AWS CLI v2 accepts; they change nothing in the password.
GLOBALS: list[list[str]] = [
    ["--region", "eu-west-1"],
    ["--profile", "default"],
    ["--no-verify-ssl"],
    ["--ca-bundle", "/etc/ssl/certs/ca-certificates.crt"],
    ["--cli-read-timeout", "30"],
    ["--cli-connect-timeout", "30"],
    ["--output", "text"],
    ["--output", "json"],
    ["--output", "table"],
    ["--output", "yaml"],
    ["--output", "yaml-stream"],
    ["--query", "authorizationData[0].proxyEndpoint"],
    ["--no-paginate"],
    ["--color", "off"],
    ["--cli-binary-format", "raw-in-base64-out"],
    ["--no-cli-pager"],
    ["--no-cli-auto-prompt"],
]


def _positions(option: list[str]) -> list[list[str]]:
    """`ecr get-login-password` with `option` before, between and after, spaced and `=`."""
    joined = [f"{option[0]}={option[1]}"] if len(option) == 2 else option
    command = ["ecr", "get-login-password"]
    return [
        [*form, *command]
        if where == 0
        else [command[0], *form, command[1]]
        if where == 1
        else [*command, *form]
        for form in ([option, joined] if len(option) == 2 else [option])
        for where in range(3)
    ]


# Every position and form for the most common two; the others each in one position and
# form, in turn (the unit tests take every option through every position).
CASES = [
    *_positions(["--region", "eu-west-1"]),
    *_positions(["--output", "text"]),
    *(_positions(option)[index % len(_positions(option))] for index, option in enumerate(GLOBALS)),
]

# Command-line mistakes: AWS CLI v2 exits 252 for each, with nothing on stdout.
MISTAKES: list[list[str]] = [
    ["ecr", "get-login-password", "--bogus"],
    ["ecr", "get-login-password", "--region"],
    ["ecr", "get-login-password", "--output", "xml"],
    ["ecr", "get-login-password", "--color", "bad"],
    ["ecr", "get-login-password", "--query", "["],
    ["ecr", "get-login-password", "extra"],
    ["ecr", "get-login-password", ""],
    ["ecr", "get-bogus"],
    ["ecr"],
    ["ecr", "get-authorization-token", "--registry-ids"],
    ["ecr", "get-login-password", "--endpoint-url="],
]
# Values AWS CLI v2 parses but cannot use (a timeout, an endpoint without a scheme): 255.
BAD_VALUES: list[list[str]] = [
    ["ecr", "get-login-password", "--cli-read-timeout", "abc"],
    ["ecr", "get-login-password", "--cli-connect-timeout", "-1"],
    ["ecr", "get-login-password", "--endpoint-url=localhost:4566"],
]


@pytest.fixture
def default_profile(aws_env: dict[str, str]) -> None:
    """The environment's keys as profile `default` (a named profile reads its keys from the
    files, not the environment), for the cases that say --profile default."""
    Path(aws_env["AWS_CONFIG_FILE"]).write_text("[default]\n")
    Path(aws_env["AWS_SHARED_CREDENTIALS_FILE"]).write_text(
        f"[default]\naws_access_key_id = {ACCESS_KEY_ID}\n"
        f"aws_secret_access_key = {SECRET_ACCESS_KEY}\n"
    )


@pytest.mark.parametrize("argv", CASES, ids=[" ".join(argv) for argv in CASES])
def test_every_global_option_anywhere_prints_the_password(
    aws_env: dict[str, str], moto_url: str, v2: Path, argv: list[str], default_profile: None
) -> None:
    assert_both_print(v2, argv, aws_env, moto_url, PASSWORD)
    # The spelling without `ecr` is the same command.
    short = [arg for arg in argv if arg != "ecr"]
    plain = ecrlogin(*short, "--endpoint-url", moto_url, env=aws_env)
    assert (plain.returncode, plain.stdout) == (0, PASSWORD), plain.stderr.decode()


@pytest.mark.parametrize(
    ("argv", "code"),
    [(argv, 252) for argv in MISTAKES] + [(argv, 255) for argv in BAD_VALUES],
    ids=[" ".join(argv) or "(none)" for argv in MISTAKES + BAD_VALUES],
)
def test_a_mistake_exits_as_aws_cli_v2_with_one_line(
    aws_env: dict[str, str],
    moto_url: str,
    v2: Path,
    argv: list[str],
    code: int,
    default_profile: None,
) -> None:
    theirs, ours = aws_v2_and_ecrlogin(v2, argv, aws_env, moto_url)
    assert (theirs.returncode, theirs.stdout) == (code, b""), theirs.stderr.decode()
    assert (ours.returncode, ours.stdout) == (code, b"")
    err = ours.stderr.decode()
    if argv != ["ecr"]:  # a group without a command shows its help instead
        assert err.startswith("ecrlogin: error: "), err
        assert err.count("\n") == 1, err
        assert "Traceback" not in err


def test_bare_ecrlogin_shows_the_help_on_stderr(aws_env: dict[str, str], v2: Path) -> None:
    theirs = subprocess.run([str(v2)], env=aws_env, capture_output=True, timeout=60, check=False)
    ours = ecrlogin(env=aws_env)
    assert (ours.returncode, ours.stdout) == (theirs.returncode, b"") == (252, b"")
    assert "get-login-password" in ours.stderr.decode()
    assert "AWS options" in ours.stderr.decode()


def test_no_sign_request_sends_no_signature(
    fault_env: dict[str, str], fault_server: fs.FaultServer
) -> None:
    # The fault server records each request's headers (moto would not show them), and
    # the environment has no credentials at all: an unsigned call needs none.
    scenario = fault_server.scenario(fs.token())
    env = {k: v for k, v in fault_env.items() if not k.startswith("AWS_ACCESS_KEY")}
    env = {k: v for k, v in env.items() if k != "AWS_SECRET_ACCESS_KEY"}
    result = ecrlogin(
        "get-login-password", "--no-sign-request", "--endpoint-url", scenario.url, env=env
    )
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == f"{fs.FAULT_PASSWORD}\n".encode()
    assert [request.headers.get("Authorization") for request in scenario.requests] == [None]


@pytest.mark.parametrize("argv", _positions(["--region", "eu-west-1"]), ids=" ".join)
def test_a_region_anywhere_reaches_the_call(
    fault_env: dict[str, str], fault_server: fs.FaultServer, v2: Path, argv: list[str]
) -> None:
    # moto's password is the same in every region; the fault server's `regional` answer
    # names the region the request was signed for, so an ignored --region would show.
    scenario = fault_server.scenario(fs.regional())
    expected = f"{fs.region_password('eu-west-1')}\n".encode()
    assert_both_print(v2, argv, fault_env, scenario.url, expected)


def test_the_help_names_every_option_and_cuts_nothing_at_80_columns(
    aws_env: dict[str, str],
) -> None:
    result = ecrlogin("get-login-password", "--help", env={**aws_env, "COLUMNS": "80"})
    assert result.returncode == 0
    text = result.stdout.decode()
    assert "…" not in text
    assert max(len(line) for line in text.splitlines()) <= 80
    # Its own options first, then the AWS options, the compatibility-only ones in one line.
    assert text.index("--registry-id") < text.index("AWS options")
    for name in ("--region", "--endpoint-url", "--cli-connect-timeout", "--cache/--no-cache"):
        assert name in text
    assert "Accepted and ignored" in text
    flat = " ".join(text.replace("│", " ").split())
    for name in ("--no-paginate", "--no-cli-pager", "--cli-binary-format", "--color"):
        assert name in flat
