"""A hostile endpoint: every value of its answer is input, and no channel shows a secret.

The fault server (tests/support/faultserver.py) stands in for an endpoint that lies
(no real ECR sends these answers, and moto cannot be made to): proxyEndpoint
values that would inject options or shell words, user names that are not
names, keys spelled in JSON escapes, answers without expiresAt or a
proxyEndpoint. One section per class of the safety promise:

1. server values are input: printed only if they stay one shell word, acted on
   (argv, a file key, a cache key) only if ecrlogin can vouch for the host;
2. every secret is redacted by value on every channel;
6. what a person or a program reads is escaped for it, and bounded;
7. a missing field the command does not need is tolerated, as AWS CLI v1 does;
8. dual-stack hosts in both spellings.

The named cases run the installed programs; the property tests run `cli.main`
in-process (tests/support/hostile.py) so that each can try many values.
"""

from __future__ import annotations

import json
import shlex
import stat
import string
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from ecrlogin import basicauth, cache, github_actions, render
from ecrlogin.hosts import endpoint_host, parse_registry
from tests.support import faultserver as fs
from tests.support.env import ACCOUNT, fault_env_for
from tests.support.faults import (
    FETCHERS,
    PRIVATE_ENDPOINT,
    PRIVATE_HOST,
    Case,
    CaseSet,
    Outcome,
    assert_failed,
    ids,
    leaked,
)
from tests.support.faultserver import (
    FAULT_PASSWORD,
    FAULT_TOKEN,
    FOREIGN_ENDPOINTS,
    HOSTILE_ENDPOINTS,
    HOSTILE_USERNAMES,
    FaultServer,
)
from tests.support.helper import NOT_FOUND_LINE
from tests.support.hostile import (
    assert_no_secret,
    assert_one_failure_line,
    ecrlogin_in_process,
    in_any_file,
    tree_digest,
)
from tests.support.login import install_recorder, recorded
from tests.support.tools import run

CASES = CaseSet()
PRIVATE = [f for f in FETCHERS if not f.public]  # ECR Public's answer has no proxyEndpoint
PROPERTY = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def with_username(username: str) -> fs.Reply:
    """A correct answer whose token claims to be for `username`."""
    return fs.token(username=username)


ENDPOINT_CASES = [
    c
    for name, value in HOSTILE_ENDPOINTS.items()
    for c in CASES.cases_for(f"endpoint-{name}", PRIVATE, fs.entries(proxyEndpoint=value))
]
# One command of each kind: one that prints the endpoint, one that would act on it, and
# the helper (get-login-password, get-authorization-token and pull-secret have their
# own tests below and in test_awscli_functional.py).
ONE_OF_EACH = [f for f in PRIVATE if f.name in ("get-login", "login", "credential-helper-get")]
FOREIGN_VALUES = {
    c.id: value
    for name, value in FOREIGN_ENDPOINTS.items()
    for c in CASES.cases_for(f"foreign-{name}", ONE_OF_EACH, fs.entries(proxyEndpoint=value))
}
FOREIGN_CASES = [c for c in CASES.cases if c.id in FOREIGN_VALUES]
USERNAME_CASES = [
    c
    for name, value in HOSTILE_USERNAMES.items()
    for c in CASES.cases_for(f"username-{name}", PRIVATE, with_username(value))
]
outcomes = CASES.outcomes_fixture("hostile")


# -- 1. server values are input ----------------------------------------------------------------


@pytest.mark.parametrize("case", ENDPOINT_CASES, ids=ids(ENDPOINT_CASES))
def test_a_proxy_endpoint_a_shell_would_reinterpret_is_one_error_and_never_used(
    case: Case, outcomes: Mapping[str, Outcome]
) -> None:
    outcome = outcomes[case.id]
    line = case.fetcher.assert_failed(outcome.result, 255, "proxyEndpoint", "not one plain word")
    assert "touch" not in line or "'https://" in line  # quoted, escaped
    assert not (outcome.home / "login-config.json").exists()  # nothing half-written
    assert in_any_file(outcome.home, FAULT_PASSWORD, FAULT_TOKEN) == []
    assert not list(outcome.home.rglob("pwned"))


@pytest.mark.parametrize("case", FOREIGN_CASES, ids=ids(FOREIGN_CASES))
def test_a_one_word_endpoint_is_printed_as_sent_and_acted_on_only_if_vouched_for(
    case: Case, outcomes: Mapping[str, Outcome]
) -> None:
    # get-login prints it as AWS CLI v1 does (test_awscli_functional.py compares the bytes
    # with v1 and v2); login, which would send the password to the default registry,
    # refuses, naming it; the helper serves the ECR host docker asked for.
    endpoint, fetcher, outcome = FOREIGN_VALUES[case.id], case.fetcher, outcomes[case.id]
    result = outcome.result
    if fetcher.name == "get-login":
        printed = f"docker login -u AWS -p {FAULT_PASSWORD} {endpoint}\n".encode()
        assert (result.returncode, result.stdout) == (0, printed), result.stderr
    elif fetcher.helper:
        fetcher.assert_ok(result, outcome.home)
    else:
        line = fetcher.assert_failed(result, 255, "proxyEndpoint names", "TARGET")
        assert "so the default registry is unknown" in line
        assert not (outcome.home / "login-config.json").exists()
    # Nothing names the host: no cache entry (the helper's `list` would claim it), no file.
    assert in_any_file(outcome.home, FAULT_PASSWORD, FAULT_TOKEN) == []


@pytest.mark.parametrize("case", USERNAME_CASES, ids=ids(USERNAME_CASES))
def test_a_user_name_that_is_not_a_plain_word_is_one_error(
    case: Case, outcomes: Mapping[str, Outcome]
) -> None:
    outcome = outcomes[case.id]
    case.fetcher.assert_failed(outcome.result, 255, "user name is not a plain word")
    assert in_any_file(outcome.home, FAULT_PASSWORD, FAULT_TOKEN) == []


@pytest.mark.parametrize(
    "value",
    [
        FOREIGN_ENDPOINTS["option-injection"],
        FOREIGN_ENDPOINTS["empty-host"],
        FOREIGN_ENDPOINTS["docker-hub"],
        HOSTILE_ENDPOINTS["line-break"],
    ],
    ids=["option-injection", "empty-host", "docker-hub", "line-break"],
)
def test_login_never_hands_a_hostile_endpoint_to_the_client(
    value: str, tmp_path: Path, fault_server: FaultServer
) -> None:
    # The attack of the issue: with no TARGET the host came from proxyEndpoint, so
    # docker ran `login --username AWS --password-stdin --password=INJECTED`, and any
    # registry the endpoint named (Docker Hub) would have been sent the ECR password.
    env = fault_env_for(tmp_path / "home")
    install_recorder(tmp_path / "bin", "docker", tmp_path / "calls")
    env["PATH"] = f"{tmp_path / 'bin'}:{env['PATH']}"
    scenario = fault_server.scenario(fs.entries(proxyEndpoint=value))
    result = run("ecrlogin", "login", "--endpoint-url", scenario.url, env=env)
    assert_failed(result, 255, "proxyEndpoint")
    assert recorded(tmp_path / "calls") == []


# A docker config with what a user has there: another registry's password, a store.
DOCKER_CONFIG = (
    b'{\n\t"auths": {\n\t\t"ghcr.io": {\n\t\t\t"auth": "dXNlcjpwYXNz"\n\t\t}\n\t},\n'
    b'\t"credsStore": "desktop"\n}'
)


@pytest.mark.parametrize(
    ("endpoint", "named"),
    [
        (FOREIGN_ENDPOINTS["scheme-less"], "'1235.ecr.us-east-1.io'"),
        (FOREIGN_ENDPOINTS["emulator"], "localhost:4566"),
        (FOREIGN_ENDPOINTS["docker-hub"], "registry-1.docker.io"),
    ],
    ids=["scheme-less", "emulator", "docker-hub"],
)
def test_what_acts_on_the_default_registry_refuses_one_it_cannot_vouch_for(
    endpoint: str, named: str, tmp_path: Path, fault_server: FaultServer
) -> None:
    # get-login-password prints the password for such an answer (as AWS CLI v1/v2 do);
    # sending it to the registry the answer names is another matter: one line each,
    # no client run, the docker config byte for byte as it was, nothing cached.
    home = tmp_path / "home"
    env = fault_env_for(home)
    docker_config = home / ".docker" / "config.json"
    docker_config.parent.mkdir(parents=True)
    docker_config.write_bytes(DOCKER_CONFIG)
    install_recorder(tmp_path / "bin", "docker", tmp_path / "calls")
    env["PATH"] = f"{tmp_path / 'bin'}:{env['PATH']}"
    scenario = fault_server.scenario(fs.entries(proxyEndpoint=endpoint))
    for args in (
        ["login"],
        ["login", "--write-config"],
        ["login", "--helper"],
        ["logout"],
        ["logout", "--write-config"],
        ["pull-secret", "regcred"],
    ):
        result = run("ecrlogin", *args, "--endpoint-url", scenario.url, env=env)
        line = assert_failed(result, 255, f"proxyEndpoint names {named}, which", "TARGET")
        assert "not an Amazon ECR host nor mapped in the ecrlogin config" in line
    assert scenario.calls == 6
    # logout --helper without a TARGET asks nobody: it removes the credHelpers entries
    # naming ecrlogin (none here).
    result = run("ecrlogin", "logout", "--helper", "--endpoint-url", scenario.url, env=env)
    assert (result.returncode, result.stdout) == (0, b"")
    assert result.stderr.startswith(b"ecrlogin: note: no credHelpers entry names ecrlogin")
    assert scenario.calls == 6
    assert recorded(tmp_path / "calls") == []
    assert docker_config.read_bytes() == DOCKER_CONFIG
    # The credential helper, asked by docker for that host, has nothing to vouch with.
    host = named.strip("'")
    helper_env = {**env, "AWS_ENDPOINT_URL": scenario.url}
    result = run("docker-credential-ecrlogin", "get", env=helper_env, input=host.encode())
    # Not ECR: docker's normal "credentials not found", with no line.
    assert (result.returncode, result.stdout, result.stderr) == (1, NOT_FOUND_LINE, b"")
    assert scenario.calls == 6  # refused before any call
    assert docker_config.read_bytes() == DOCKER_CONFIG
    assert in_any_file(home, FAULT_PASSWORD, FAULT_TOKEN) == []
    # The same answer is printed where only printed.
    result = run("ecrlogin", "get-login-password", "--endpoint-url", scenario.url, env=env)
    assert (result.returncode, result.stdout) == (0, f"{FAULT_PASSWORD}\n".encode())


def test_get_login_refuses_a_password_that_is_not_one_shell_word(
    tmp_path: Path, fault_server: FaultServer
) -> None:
    # Scripts `eval` get-login's line: a password is printed only if it stays one word.
    hostile = "pw$(touch pwned) --password=x"
    scenario = fault_server.scenario(fs.token(password=hostile))
    env = fault_env_for(tmp_path / "home")
    result = run("ecrlogin", "get-login", "--endpoint-url", scenario.url, env=env)
    line = assert_failed(result, 255, "password is not a plain word")
    assert "touch" not in line
    # get-login-password prints it (its reader is docker's stdin, not a shell), as the AWS CLI.
    result = run("ecrlogin", "get-login-password", "--endpoint-url", scenario.url, env=env)
    assert (result.returncode, result.stdout) == (0, f"{hostile}\n".encode())


# Text shaped like a proxyEndpoint, with the pieces an attacker would use.
ENDPOINTISH = st.lists(
    st.sampled_from(
        [
            "https://",
            "http://",
            "https:///",
            ACCOUNT,
            ".dkr.ecr.us-east-1.amazonaws.com",
            "registry.example.com",
            ":5000",
            ":99999",
            "/",
            "@",
            "--password=X",
            "-",
            " ",
            "\t",
            "\n",
            "\x1b[2J",
            ";",
            "$(id)",
            "`",
            "'",
            '"',
            "\u00e9",
            "\udcff",
        ]
    ),
    min_size=1,
    max_size=8,
).map("".join)


@PROPERTY
@given(value=st.one_of(ENDPOINTISH, st.text(max_size=60)))
@example(value=f"https://{PRIVATE_HOST}")
@example(value="https://--password=X")
@example(value="1235.ecr.us-east-1.io")
@example(value="http://localhost:4566")
@example(value=f"{PRIVATE_HOST}")
def test_any_proxy_endpoint_is_printed_as_one_word_acted_on_if_vouched_for_or_one_error(
    value: str, tmp_path: Path, fault_server: FaultServer
) -> None:
    assume(value != "")  # empty: no endpoint at all (class 7 below)
    home = tmp_path / "home"
    env = fault_env_for(home)
    scenario = fault_server.scenario(fs.entries(proxyEndpoint=value))
    config_file = home / "config.json"
    # The named file and its lock are the command's own; everything else must stay as it was.
    ours = [config_file, home / "config.json.lock"]
    before = tree_digest(home, skip=ours) if home.exists() else {}
    ran = ecrlogin_in_process(
        "get-login", "--no-include-email", "--endpoint-url", scenario.url, env=env
    )
    login = ecrlogin_in_process(
        "login", "--write-config", "--config-file", str(config_file),
        "--endpoint-url", scenario.url, env=env,
    )  # fmt: skip
    host = endpoint_host(value)
    if ran.code == 0:
        # One line of exactly seven words, the endpoint the last one, as sent: nothing for
        # eval to find (get-login checks no more than that, as the AWS CLI prints any).
        assert ran.stdout == f"docker login -u AWS -p {FAULT_PASSWORD} {value}\n"
        assert shlex.split(ran.stdout) == [
            "docker",
            "login",
            "-u",
            "AWS",
            "-p",
            FAULT_PASSWORD,
            value,
        ]
    else:
        assert_one_failure_line(ran, 255, FAULT_PASSWORD, FAULT_TOKEN)
        assert "not one plain word" in ran.stderr
    if host is not None and parse_registry(host) is not None:
        # An Amazon ECR host: the one kind of default registry `login` acts on.
        assert ran.code == 0, ran.stderr
        assert login.code == 0, login.stderr
        assert list(json.loads(config_file.read_text())["auths"]) == [host]
        config_file.unlink()
    else:
        line = assert_one_failure_line(login, 255, FAULT_PASSWORD, FAULT_TOKEN)
        assert "proxyEndpoint" in line
        assert not config_file.exists()
    assert tree_digest(home, skip=ours) == before


# -- 2. redaction by value, on every channel ---------------------------------------------------


def test_debug_redacts_keys_and_tokens_spelled_in_json_escapes(
    tmp_path: Path, fault_server: FaultServer
) -> None:
    scenario = fault_server.scenario(fs.escaped_keys())
    env = fault_env_for(tmp_path / "home")
    result = run(
        "ecrlogin", "get-login-password", "--debug", "--endpoint-url", scenario.url, env=env
    )
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == f"{FAULT_PASSWORD}\n".encode()
    stderr = result.stderr.decode()
    assert "Response body" in stderr  # botocore did log the escaped body
    assert leaked(stderr) == []
    # Nor the token in its escaped spelling.
    assert FAULT_TOKEN[1:6] not in stderr


def test_a_failing_credential_process_never_shows_the_keys_it_printed(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = fault_env_for(home)
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        env.pop(key)
    script = tmp_path / "creds.py"
    secret = "cPsEcReT/KeyValue+0123456789abcdefghijkl"
    session = "cPsEsSiOn/TokenValue+0123456789"
    script.write_text(
        "import sys\n"
        f'sys.stderr.write(\'{{"AccessKeyId": "AKIA", "SecretAccessKey": "{secret}"}}\\n\')\n'
        f"sys.stderr.write('SessionToken: {session}\\n' + 'x' * 50000)\n"
        "sys.exit(3)\n"
    )
    Path(env["AWS_CONFIG_FILE"]).write_text(
        f"[default]\ncredential_process = {sys.executable} {script}\n"
    )
    result = run("ecrlogin", "get-login-password", "--endpoint-url", "http://127.0.0.1:9", env=env)
    line = assert_failed(result, 253, "credential_process failed")
    assert secret not in line
    assert session not in line
    assert "<redacted>" in line
    assert len(line) < 1000  # the process's 50 KB are quoted short


def test_a_client_echoing_every_form_of_the_secret_is_redacted(
    tmp_path: Path, fault_server: FaultServer
) -> None:
    docker_auth = basicauth.encode("AWS", FAULT_PASSWORD)
    install_recorder(
        tmp_path / "bin",
        "docker",
        tmp_path / "calls",
        exit_code=1,
        message=f"denied: pw={FAULT_PASSWORD} token {FAULT_TOKEN} auth={docker_auth}",
    )
    env = fault_env_for(tmp_path / "home")
    env["PATH"] = f"{tmp_path / 'bin'}:{env['PATH']}"
    scenario = fault_server.scenario(fs.token())
    result = run("ecrlogin", "login", PRIVATE_HOST, "--endpoint-url", scenario.url, env=env)
    line = assert_failed(result, 1, "`docker login` failed with exit code 1")
    assert docker_auth not in line
    assert line.count("<redacted>") == 3, line


SECRETISH = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=8, max_size=80
).map(lambda text: "pw-" + text)


@PROPERTY
@given(password=SECRETISH, escaped=st.booleans())
def test_no_generated_secret_reaches_stderr_even_under_debug(
    password: str, escaped: bool, tmp_path: Path, fault_server: FaultServer
) -> None:
    # A hostile endpoint makes the run fail after the token is known; with --debug
    # every log record, the error line and the traceback path all pass the redactor.
    assume(":" not in password[:1])
    token = basicauth.encode("AWS", password)
    reply = (
        fs.escaped_keys(password=password)
        if escaped
        else fs.entries(authorizationToken=token, proxyEndpoint=HOSTILE_ENDPOINTS["white-space"])
    )
    scenario = fault_server.scenario(reply)
    env = fault_env_for(tmp_path / "home")
    ran = ecrlogin_in_process("get-login", "--debug", "--endpoint-url", scenario.url, env=env)
    assert "DEBUG" in ran.stderr
    for secret in (password, token):
        assert secret not in ran.stderr
    assert_no_secret(ran)
    if not escaped:
        assert ran.code == 255
        assert ran.stdout == ""


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(password=SECRETISH, noise=st.lists(st.text(max_size=40), min_size=4, max_size=4))
def test_no_form_of_a_generated_secret_survives_a_client_s_relayed_output(
    password: str, noise: list[str], tmp_path: Path, fault_server: FaultServer
) -> None:
    token = basicauth.encode("AWS", password)
    # The client's stderr holds the password, the token and docker's auth form amid noise.
    message = f"{noise[0]}{password}{noise[1]}{token}{noise[2]}{token}\n{noise[3]}"
    install_recorder(tmp_path / "bin", "docker", tmp_path / "calls", exit_code=1, message=message)
    env = fault_env_for(tmp_path / "home")
    env["PATH"] = f"{tmp_path / 'bin'}:{env['PATH']}"
    scenario = fault_server.scenario(fs.token(password=password))
    ran = ecrlogin_in_process("login", PRIVATE_HOST, "--endpoint-url", scenario.url, env=env)
    line = assert_one_failure_line(ran, 1, password, token)
    assert "`docker login` failed with exit code 1" in line


# -- 6. escaped for the reader -----------------------------------------------------------------


def test_mask_escapes_a_multi_line_password_per_github_rules(
    tmp_path: Path, fault_server: FaultServer
) -> None:
    password = "first%line\r\nsecond line"
    scenario = fault_server.scenario(fs.token(password=password))
    home = tmp_path / "home"
    env = fault_env_for(home)
    result = run(
        "ecrlogin", "login", PRIVATE_HOST, "--mask", "--write-config",
        "--config-file", str(home / "c.json"), "--endpoint-url", scenario.url, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()
    token = basicauth.encode("AWS", password)
    assert result.stdout == b""  # masks go where the runner reads them, never into the payload
    assert result.stderr.decode().startswith(
        f"::add-mask::first%25line%0D%0Asecond line\n::add-mask::{token}\n"
    )


@given(st.lists(st.text(min_size=1), min_size=1, max_size=4, unique=True))
def test_each_mask_is_one_line_that_decodes_to_its_secret(secrets: list[str]) -> None:
    lines = github_actions.mask_commands(secrets).split("\n")
    assert lines.pop() == ""
    assert len(lines) == len(secrets)
    for line, secret in zip(lines, secrets, strict=True):
        value = line.removeprefix("::add-mask::")
        assert "\r" not in value
        decoded = value.replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%")
        assert decoded == secret


HOSTILE_TEXT = st.one_of(
    st.text(alphabet=st.characters(codec=None, categories=("Cc", "Cf", "Zl", "Zp"))),
    st.text(),
    st.text(alphabet=string.printable, min_size=5000, max_size=120_000),
)


@settings(max_examples=50, deadline=None)
@given(host=HOSTILE_TEXT, region=HOSTILE_TEXT, profile=HOSTILE_TEXT)
def test_cache_list_shows_what_a_cache_file_says_escaped_and_short(
    host: str, region: str, profile: str
) -> None:
    entry = cache.Entry(
        key="k", issued=0, expires=4e9, region=region, profile=profile, hosts=[host],
        tokens=[FAULT_TOKEN], response="{}",
    )  # fmt: skip
    for row in render.cache_rows([entry], now=0):
        for cell in row:
            assert cell.isprintable()
            assert "\n" not in cell
            assert len(cell) <= 256


def test_cache_list_escapes_control_characters_end_to_end(tmp_path: Path) -> None:
    env = fault_env_for(tmp_path / "home")
    env["ECRLOGIN_CACHE_DIR"] = str(tmp_path / "cache")
    hostile = f"{PRIVATE_HOST}\x1b]0;owned\x07"
    script = (
        "from ecrlogin import cache\n"
        "cache.Store().write(cache.Entry(key='ab' * 32, issued=0, expires=4e9, "
        "region='r\\x1b[2J', "
        f"profile='p', hosts=[{hostile!r}], tokens=[{FAULT_TOKEN!r}], response='{{}}'))\n"
    )
    assert run("python", "-c", script, env=env).returncode == 0
    result = run("ecrlogin", "cache", "list", env=env)
    assert result.returncode == 0, result.stderr.decode()
    text = result.stdout.decode()
    assert "\x1b" not in text
    assert "\x07" not in text
    assert text == f"{PRIVATE_HOST}\\x1b]0;owned\\x07\tr\\x1b[2J\tp\t" + text.split("\t")[-1]
    assert text.count("\n") == 1


def test_a_huge_target_gives_one_bounded_line(tmp_path: Path) -> None:
    env = fault_env_for(tmp_path / "home")
    result = run("ecrlogin", "login", "x" * 100_000 + "\x1b[2J", "--write-config", env=env)
    line = assert_failed(result, 252, "is not an ECR registry host")
    assert len(line) < 2100
    assert "\x1b" not in line


@PROPERTY
@given(target=HOSTILE_TEXT)
@example(target="x" * 100_000)
def test_any_target_that_is_not_a_registry_is_one_bounded_printable_line(
    target: str, tmp_path: Path
) -> None:
    assume(target.strip() and not target.lstrip().startswith("-"))
    assume(parse_registry(target) is None)
    home = tmp_path / "home"
    env = fault_env_for(home)
    config_file = home / "config.json"
    ran = ecrlogin_in_process(
        "login", "--write-config", "--config-file", str(config_file), "--", target, env=env
    )
    line = assert_one_failure_line(ran, 252)
    assert "is not an ECR registry host" in line
    assert not config_file.exists()


# -- 7. lenient where the peers are ------------------------------------------------------------


@pytest.mark.compat
@pytest.mark.parametrize(
    "reply",
    [fs.without("expiresAt"), fs.entries(proxyEndpoint=""), fs.without("proxyEndpoint")],
    ids=["no-expiresAt", "empty-proxyEndpoint", "no-proxyEndpoint"],
)
@pytest.mark.parametrize(
    "args",
    [["get-login-password"], ["get-authorization-token", "--output", "json"]],
    ids=["get-login-password", "get-authorization-token"],
)
def test_a_missing_field_the_command_does_not_need_is_served_as_aws_cli_v1_does(
    reply: fs.Reply, args: list[str], tmp_path: Path, fault_server: FaultServer
) -> None:
    scenario = fault_server.scenario(reply)
    env = fault_env_for(tmp_path / "home")
    # Timestamps as sent: v1's default, which ecrlogin (as v2) needs spelled out.
    Path(env["AWS_CONFIG_FILE"]).write_text("[default]\ncli_timestamp_format = wire\n")
    theirs = run("aws", "ecr", *args, "--endpoint-url", scenario.url, env=env)
    ours = run("ecrlogin", *args, "--endpoint-url", scenario.url, env=env)
    assert theirs.returncode == 0, theirs.stderr.decode()
    assert (ours.returncode, ours.stdout, ours.stderr) == (0, theirs.stdout, b"")


@pytest.mark.compat
def test_get_login_without_expiry_prints_what_aws_cli_v1_prints(
    tmp_path: Path, fault_server: FaultServer
) -> None:
    scenario = fault_server.scenario(fs.without("expiresAt"))
    env = fault_env_for(tmp_path / "home")
    args = ["get-login", "--no-include-email", "--endpoint-url", scenario.url]
    theirs = run("aws", "ecr", *args, env=env)
    ours = run("ecrlogin", *args, env=env)
    assert theirs.returncode == 0
    assert (ours.returncode, ours.stdout) == (0, theirs.stdout)
    assert ours.stdout == f"docker login -u AWS -p {FAULT_PASSWORD} {PRIVATE_ENDPOINT}\n".encode()


@pytest.mark.parametrize("reply", [fs.entries(proxyEndpoint=""), fs.without("proxyEndpoint")])
def test_get_login_without_an_endpoint_is_one_line(
    reply: fs.Reply, tmp_path: Path, fault_server: FaultServer
) -> None:
    # AWS CLI v1 prints `docker login -u AWS -p PASSWORD ` for "" (which logs into
    # Docker Hub when eval'd) and a bare KeyError for a missing one.
    scenario = fault_server.scenario(reply)
    env = fault_env_for(tmp_path / "home")
    result = run("ecrlogin", "get-login", "--endpoint-url", scenario.url, env=env)
    assert_failed(result, 255, "names no proxyEndpoint, so get-login has no registry to print")


def test_login_without_an_endpoint_needs_a_target_and_then_uses_it(
    tmp_path: Path, fault_server: FaultServer
) -> None:
    scenario = fault_server.scenario(fs.entries(proxyEndpoint=""))
    home = tmp_path / "home"
    env = fault_env_for(home)
    config_file = home / "config.json"
    common = ["--write-config", "--config-file", str(config_file), "--endpoint-url", scenario.url]
    result = run("ecrlogin", "login", *common, env=env)
    assert_failed(result, 255, "so the default registry is unknown", "TARGET")
    assert not config_file.exists()
    result = run("ecrlogin", "login", PRIVATE_HOST, *common, env=env)
    assert result.returncode == 0, result.stderr.decode()
    assert json.loads(config_file.read_text())["auths"] == {PRIVATE_HOST: {"auth": FAULT_TOKEN}}


def test_a_token_of_unknown_expiry_is_served_but_never_cached(
    tmp_path: Path, fault_server: FaultServer
) -> None:
    scenario = fault_server.scenario(fs.without("expiresAt"))
    home = tmp_path / "home"
    env = {**fault_env_for(home), "AWS_ENDPOINT_URL": scenario.url}
    for _ in range(2):
        result = run("ecrlogin", "get-login-password", "--cache", env=env)
        assert result.stdout == f"{FAULT_PASSWORD}\n".encode()
        result = run("docker-credential-ecrlogin", "get", env=env, input=PRIVATE_HOST.encode())
        assert result.returncode == 0, result.stderr.decode()
        assert json.loads(result.stdout)["Secret"] == FAULT_PASSWORD
    assert scenario.calls == 4  # each call fetched: nothing was cached
    cache_dir = home / ".cache" / "ecrlogin"
    assert not cache_dir.exists() or not list(cache_dir.glob("*.token"))
    assert in_any_file(home, FAULT_PASSWORD, FAULT_TOKEN) == []


@pytest.mark.posix  # file modes
def test_login_says_when_the_expiry_is_unknown(tmp_path: Path, fault_server: FaultServer) -> None:
    scenario = fault_server.scenario(fs.without("expiresAt"))
    home = tmp_path / "home"
    env = fault_env_for(home)
    result = run(
        "ecrlogin", "login", PRIVATE_HOST, "--write-config", "--config-file",
        str(home / "c.json"), "--endpoint-url", scenario.url, env=env,
    )  # fmt: skip
    assert result.returncode == 0
    assert result.stderr.decode() == (
        f"ecrlogin: ok: {PRIVATE_HOST}: password written to {home / 'c.json'}, expiry unknown\n"
    )
    assert stat.S_IMODE((home / "c.json").stat().st_mode) == 0o600


@PROPERTY
@given(
    no_expiry=st.booleans(),
    endpoint=st.sampled_from(["kept", "empty", "absent"]),
    command=st.sampled_from(["get-login-password", "get-login", "login", "login HOST", "cache"]),
)
def test_each_command_serves_a_token_without_the_fields_it_does_not_need(
    no_expiry: bool, endpoint: str, command: str, tmp_path: Path, fault_server: FaultServer
) -> None:
    dropped = [
        name
        for name, gone in [("expiresAt", no_expiry), ("proxyEndpoint", endpoint == "absent")]
        if gone
    ]
    fields = {"proxyEndpoint": ""} if endpoint == "empty" else {}
    scenario = fault_server.scenario(fs.without(*dropped, **fields))
    home = tmp_path / f"home-{no_expiry}-{endpoint}-{command.replace(' ', '-')}"
    env = {**fault_env_for(home), "AWS_ENDPOINT_URL": scenario.url}
    config_file = home / "config.json"
    write = ["--write-config", "--config-file", str(config_file)]
    argv = {
        "get-login-password": ["get-login-password"],
        "get-login": ["get-login", "--no-include-email"],
        "login": ["login", *write],
        "login HOST": ["login", PRIVATE_HOST, *write],
        "cache": ["get-login-password", "--cache"],
    }[command]
    ran = ecrlogin_in_process(*argv, env=env)
    needs_host = command in ("get-login", "login")
    if needs_host and endpoint != "kept":
        line = assert_one_failure_line(ran, 255, FAULT_PASSWORD, FAULT_TOKEN)
        assert "names no proxyEndpoint" in line
        assert not config_file.exists()
        return
    assert ran.code == 0, ran.stderr
    if command.startswith("login"):
        assert json.loads(config_file.read_text())["auths"] == {PRIVATE_HOST: {"auth": FAULT_TOKEN}}
    elif command == "get-login":
        assert ran.stdout == f"docker login -u AWS -p {FAULT_PASSWORD} {PRIVATE_ENDPOINT}\n"
    else:
        assert ran.stdout == f"{FAULT_PASSWORD}\n"
    cached = list((home / ".cache" / "ecrlogin").glob("*.token"))
    assert bool(cached) == (command == "cache" and not no_expiry and endpoint == "kept")


# -- 8. dual-stack hosts -----------------------------------------------------------------------


@given(
    account=st.from_regex(r"[0-9]{12}", fullmatch=True),
    region=st.sampled_from(["us-west-2", "eu-central-1", "us-gov-east-1", "cn-north-1"]),
    spelling=st.sampled_from(["dkr.ecr", "dkr-ecr", "dkr.ecr-fips", "dkr-ecr-fips"]),
    suffix=st.sampled_from(["on.aws", "on.amazonwebservices.com.cn"]),
)
def test_every_dual_stack_spelling_parses_with_its_partition(
    account: str, region: str, spelling: str, suffix: str
) -> None:
    registry = parse_registry(f"{account}.{spelling}.{region}.{suffix}")
    assert registry is not None
    assert registry.dualstack
    assert registry.fips == spelling.endswith("fips")
    expected = "aws-cn" if suffix.endswith(".cn") else "aws"
    if expected == "aws" and region.startswith("us-gov-"):
        expected = "aws-us-gov"
    assert (registry.account, registry.region, registry.partition) == (account, region, expected)
