"""Hostile input never produces a traceback: always a clear one-line error or a right answer.

Property tests (hypothesis) drive the parsers and edges in-process, where a
run costs microseconds: registry IDs, host names and URLs (control characters,
lone surrogates from non-UTF-8 bytes, huge input), ecrlogin config files,
token responses, cache files, error messages, the log redactor, the helper's
stdin and the command line. A few subprocess cases check the same through the
installed programs, where bytes really are bytes.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import string
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from ecrlogin import cache, config, core, credentials, errors, helper, hosts, logs
from ecrlogin.__main__ import main as ecrlogin_main
from ecrlogin.errors import EcrloginError
from ecrlogin.token import AuthToken, parse_expiry
from tests.support.env import fault_env_for
from tests.support.faults import PRIVATE_HOST
from tests.support.tools import BIN, run

# Text as it reaches Python from argv or a file: any code point, including the lone
# surrogates that os.fsdecode makes of non-UTF-8 bytes, control and format characters.
HOSTILE_TEXT = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(codec=None, categories=("Cc", "Cf", "Cs", "Zs", "Zl"))),
    st.binary().map(os.fsdecode),
    st.text(alphabet=string.printable, min_size=2000, max_size=20000),
)
# Fragments that look like what the parsers expect, so examples get past the first check.
HOSTISH = st.lists(
    st.sampled_from(
        [
            "123456789012",
            ".dkr.ecr.",
            "dkr-ecr",
            "us-west-2",
            ".amazonaws.com",
            ".on.aws",
            "public.ecr.aws",
            "https://",
            "/repo:tag",
            "@sha256:abc",
            ":5000",
            ":",
            "/",
            "@",
            " ",
            "\t",
            "\x00",
            "\x1b[31m",
            "\udcff",
            "É",
            ".",
            "-",
        ]
    ),
    max_size=12,
).map("".join)
ANY_TEXT = st.one_of(HOSTILE_TEXT, HOSTISH)
FAST = settings(max_examples=200, deadline=None)


def assert_clear(error: EcrloginError) -> None:
    """A message a person can read on one line: printable, bounded, no raw escape."""
    message = error.message
    assert message
    assert message.isprintable(), repr(message)
    assert "\n" not in message
    assert len(message) <= 2 * errors.MAX_CAUSE + 2
    assert error.exit_code in (
        errors.PARAMETER,
        errors.CONFIGURATION,
        errors.SERVICE,
        errors.GENERAL,
        errors.INTERRUPTED,
        errors.TERMINATED,
    )


T = TypeVar("T")
E = TypeVar("E", bound=BaseException)


def attempt(call: Callable[[], T], refusal: type[E]) -> tuple[T | None, E | None]:
    """(result, None), or (None, the refusal) if `call` raised `refusal`; anything else escapes."""
    try:
        return call(), None
    except refusal as exc:
        return None, exc


# -- host names, URLs and registry IDs --------------------------------------------------------


@FAST
@given(ANY_TEXT)
@example("\udcff.dkr.ecr.us-west-2.amazonaws.com")
@example(f"HTTPS://{PRIVATE_HOST.upper()}/repo:tag")
def test_server_host_is_total_and_idempotent(text: str) -> None:
    host = hosts.server_host(text)
    if host is None:
        return
    assert host.isascii()
    assert host.isprintable()
    assert host == host.strip().lower()
    assert not any(c in host for c in "/@ \t")
    assert hosts.server_host(host) == host


@FAST
@given(ANY_TEXT)
@example(PRIVATE_HOST)
@example(f"{PRIVATE_HOST}:443/repo@sha256:0")
def test_parse_registry_is_total_and_stable(text: str) -> None:
    registry = hosts.parse_registry(text)
    if registry is None:
        return
    assert registry == hosts.parse_registry(registry.host)
    assert registry.public or (registry.account and hosts.is_account(registry.account))
    assert hosts.is_region(registry.region)


@FAST
@given(st.lists(ANY_TEXT, max_size=4))
@example(["12"])
@example(["1" * 100_000])
def test_registry_ids_are_accepted_or_refused_in_one_line(ids: list[str]) -> None:
    accepted, refused = attempt(lambda: core.validate_registry_ids(ids), errors.ParameterError)
    if refused is not None:
        assert_clear(refused)
        assert refused.exit_code == 252
        assert len(refused.message) < 300  # the bad value is quoted, cut short
    else:
        assert accepted == ids
        assert all(hosts.is_account(i) for i in ids)


# -- ecrlogin's config file -----------------------------------------------------------------

_KEYS = st.sampled_from(["account", "region", "profile", "acount", "Region", ""])
_VALUES = st.one_of(
    ANY_TEXT,
    st.sampled_from(["123456789012", "us-west-2", "default", "eu-central-1"]),
    st.integers(),
    st.booleans(),
)


def _toml_string(text: str) -> str:
    # JSON string escapes are TOML basic-string escapes; lone surrogates make it invalid
    # TOML, which is an input the parser must refuse cleanly too.
    return json.dumps(text)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return _toml_string(str(value))


@st.composite
def config_documents(draw: st.DrawFn) -> bytes:
    """TOML text shaped like a config file, with hostile names and values."""
    lines = []
    for _ in range(draw(st.integers(0, 3))):
        host = draw(st.one_of(HOSTISH, ANY_TEXT, st.just("registry.example:5000")))
        lines.append(f"[registries.{_toml_string(host)}]")
        for _ in range(draw(st.integers(0, 4))):
            lines.append(f"{draw(_KEYS) or 'x'} = {_toml_value(draw(_VALUES))}")
    if draw(st.booleans()):
        lines.insert(0, f"{draw(st.sampled_from(['unknown', 'registries']))} = 1")
    return "\n".join(lines).encode("utf-8", "surrogatepass")


@FAST
@given(
    st.one_of(
        st.binary(), config_documents(), ANY_TEXT.map(lambda t: t.encode("utf-8", "surrogatepass"))
    )
)
@example(b'[registries."registry.example:5000"]\naccount = "123456789012"\nregion = "us-west-2"\n')
@example(b"\xff\xfe[registries]")
@example(b"[registries]\n" + b"x" * 100_000)
def test_config_is_parsed_or_refused_with_file_and_cause(data: bytes) -> None:
    parsed, refused = attempt(
        lambda: config.parse(data, "/etc/ecrlogin/config.toml"), errors.ConfigurationError
    )
    if refused is not None:
        assert_clear(refused)
        assert "/etc/ecrlogin/config.toml" in refused.message
        return
    assert parsed is not None
    for host in parsed.registries:
        target = config.resolve(host, parsed)
        assert target is not None
        assert target.host == host


@FAST
@given(ANY_TEXT)
def test_resolve_is_total(text: str) -> None:
    mapped = config.parse(
        b'[registries."registry.example:5000"]\naccount = "123456789012"\nregion = "us-west-2"\n',
        "config.toml",
    )
    target = config.resolve(text, mapped)
    assert target is None or target.host == hosts.server_host(text)


# -- what the endpoint answers ---------------------------------------------------------------

JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ANY_TEXT, inner, max_size=3),
    max_leaves=10,
)
ENTRY_FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "authorizationToken": st.one_of(
            ANY_TEXT, st.binary().map(lambda b: __import__("base64").b64encode(b).decode())
        ),
        "proxyEndpoint": ANY_TEXT,
        "expiresAt": st.one_of(st.floats(), st.integers(), ANY_TEXT, st.none()),
    },
)


@FAST
@given(st.one_of(JSONISH, ENTRY_FIELDS), st.booleans())
def test_a_token_response_of_any_shape_decodes_or_is_a_response_error(
    entry: Any, public: bool
) -> None:
    responses = [
        {"authorizationData": entry},
        {"authorizationData": [entry]},
        {"authorizationData": [entry, entry]},
        entry if isinstance(entry, dict) else {"other": entry},
    ]
    for response in responses:
        tokens, refused = attempt(
            lambda: core.decode_tokens(response, public=public),  # noqa: B023 - called at once
            errors.ResponseError,
        )
        if refused is not None:
            assert_clear(refused)
            assert refused.exit_code == 255
        else:
            assert tokens
            assert all(isinstance(t, AuthToken) and t.username and t.password for t in tokens)


@FAST
@given(JSONISH)
def test_expires_at_is_a_time_unknown_or_a_response_error(value: Any) -> None:
    moment, refused = attempt(lambda: parse_expiry(value), errors.ResponseError)
    if refused is not None:
        assert_clear(refused)
    elif value is None or value == "":
        assert moment is None  # no expiry given: served, never cached
    else:
        assert moment is not None
        assert moment.tzinfo is not None


# -- error messages and the redactor ---------------------------------------------------------


@FAST
@given(ANY_TEXT, st.one_of(st.none(), ANY_TEXT))
@example("line one\nline two\x1b[2J\x07", "fix\r\nit")
def test_every_error_message_is_one_printable_bounded_line(cause: str, fix: str | None) -> None:
    assert_clear(EcrloginError(cause, fix))
    assert_clear(errors.translate(ValueError(cause)))
    assert "\x1b" not in EcrloginError(cause, fix).message


@FAST
@given(JSONISH, ANY_TEXT)
def test_any_client_error_shape_translates_to_a_service_error(
    response: Any, operation: str
) -> None:
    from botocore.exceptions import ClientError

    try:
        exc = ClientError(response if isinstance(response, dict) else {}, operation)
    except Exception:  # noqa: BLE001 - botocore itself refuses the shape; not our edge
        assume(False)
        return
    if isinstance(response, dict):
        exc.response = response  # as a stub or a broken parser might leave it
    translated = errors.translate(exc)
    assert_clear(translated)
    assert translated.exit_code == 254


_SECRET_ALPHABET = string.ascii_letters + string.digits + "+/=_-."


@contextlib.contextmanager
def registered(secret: str) -> Iterator[None]:
    """Register a secret with the redactor for the duration, then forget every secret."""
    logs.forget_secrets()
    logs.register_secret(secret)
    try:
        yield
    finally:
        logs.forget_secrets()


@FAST
@given(
    st.text(alphabet=_SECRET_ALPHABET, min_size=12, max_size=200),
    ANY_TEXT,
    ANY_TEXT,
)
def test_a_registered_secret_never_survives_redaction(secret: str, before: str, after: str) -> None:
    with registered(secret):
        assert secret not in logs.redact(before + secret + after + secret)


# -- the cache file --------------------------------------------------------------------------


@FAST
@given(st.one_of(ANY_TEXT, st.binary().map(lambda b: b.decode("latin-1"))))
@example('{"format": "ecrlogin-token-cache 2", "key": "k", "issued": NaN, "expires": 1e999}\n')
@example('{"format": "ecrlogin-token-cache 2", "issued": 1, "expires": 2, "tokens": {}}\n')
def test_a_cache_file_is_an_entry_or_a_value_error(text: str) -> None:
    try:
        entry = cache.Entry.loads(text)
    except ValueError:
        return
    assert entry.tokens


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
@example(b"")
@example(b"\x00" * 4096)
def test_a_garbage_cache_file_reads_as_no_entry(garbage: bytes) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as directory:
        os.chmod(directory, 0o700)
        store = cache.Store(directory)
        key = "0123456789abcdef" * 4
        path = Path(store._path(key, cache.ENTRY_SUFFIX))
        path.write_bytes(garbage)
        path.chmod(0o600)
        entry = store.read(key)
        assert entry is None or entry.key == key


# -- the helper's stdin, in-process ----------------------------------------------------------


FIXED_TOKEN = AuthToken(
    username="AWS",
    password="pw",
    proxy_endpoint=f"https://{PRIVATE_HOST}",
    expires_at=parse_expiry(4102444800),
    token="QVdTOnB3",
)


@pytest.fixture(scope="module")
def helper_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No cache, no config file, and no network: `fetch_token` answers a fixed password."""
    home = tmp_path_factory.mktemp("abuse-helper")
    with pytest.MonkeyPatch.context() as patch:
        for key, value in fault_env_for(home).items():
            patch.setenv(key, value)
        patch.setenv("ECRLOGIN_NO_CACHE", "1")
        patch.setenv("ECRLOGIN_CONFIG", str(home / "no-config.toml"))
        patch.setattr(credentials, "fetch_token", lambda *args, **kwargs: FIXED_TOKEN)
        yield


@FAST
@given(
    st.one_of(
        st.binary(max_size=300),
        ANY_TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")),
        HOSTISH.map(lambda t: (PRIVATE_HOST + t).encode("utf-8", "surrogatepass")),
    )
)
@example(b"\xff\xfe\xfd")
@example(b"x" * (helper.MAX_INPUT + 1))
@example(PRIVATE_HOST.encode())
@example(b"  " + PRIVATE_HOST.upper().encode() + b"\r\n")
def test_helper_get_answers_any_stdin_in_protocol(helper_env: None, data: bytes) -> None:
    stdout, stderr = io.BytesIO(), io.StringIO()
    with contextlib.redirect_stderr(stderr):
        status = helper.run(["get"], stdin=io.BytesIO(data), stdout=stdout)
    out = stdout.getvalue().decode("utf-8")
    assert out.endswith("\n")
    assert out.count("\n") == 1
    if status == 0:
        reply = json.loads(out)
        assert reply["Username"] == "AWS"
        assert reply["Secret"] == "pw"
        assert hosts.parse_registry(reply["ServerURL"]) is not None
        assert stderr.getvalue() == ""
    else:
        assert status == 1
        lines = stderr.getvalue().splitlines()
        if out == helper.NOT_FOUND + "\n" and not lines:
            # A registry host that is simply not ECR: docker's own quiet "not found".
            assert hosts.server_host(data.decode("utf-8").strip()) is not None
            return
        assert len(lines) == 1
        assert lines[0].startswith("ecrlogin: error: ")
        assert lines[0].isprintable()


# -- the command line, in-process ------------------------------------------------------------


@pytest.fixture(scope="module")
def offline_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No credentials, so any command that gets as far as signing stops there (253)."""
    home = tmp_path_factory.mktemp("abuse-cli")
    with pytest.MonkeyPatch.context() as patch:
        for key, value in fault_env_for(home).items():
            patch.setenv(key, value)
        for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            patch.delenv(key)
        patch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        patch.setattr(errors, "handle_signals", lambda: None)
        yield


_OPTIONS = st.sampled_from(
    [
        "--registry-ids",
        "--registry-id",
        "--region",
        "--profile",
        "--endpoint-url",
        "--output",
        "--query",
        "--cli-read-timeout",
        "--ca-bundle",
        "-h",
        "--",
    ]
)
_COMMANDS = st.sampled_from(
    [
        ["get-login-password"],
        ["get-login"],
        ["get-authorization-token"],
        ["ecr", "get-login-password"],
        ["ecr-public", "get-login-password"],
        ["login", "--write-config"],
        ["nonsense"],
    ]
)


@settings(max_examples=150, deadline=None)
@given(_COMMANDS, st.lists(st.one_of(_OPTIONS, ANY_TEXT), max_size=5))
@example(["get-login"], ["--registry-ids", "12", "\x1b[31mred"])
@example(["get-login-password"], ["--region", "\udcff"])
def test_any_command_line_ends_in_one_line_or_an_answer(
    offline_env: None, command: list[str], args: list[str]
) -> None:
    assume("--debug" not in args and "--version" not in args)
    stdout, stderr = io.StringIO(), io.StringIO()
    with (
        contextlib.redirect_stdout(stdout),
        contextlib.redirect_stderr(stderr),
        pytest.raises(SystemExit) as exited,
    ):
        ecrlogin_main([*command, *args])
    code = exited.value.code
    err = stderr.getvalue()
    assert "Traceback" not in err
    if code == 0:
        assert "--help" in args or "-h" in args
        return
    assert code in (252, 253, 254, 255)
    assert stdout.getvalue() == ""
    lines = err.splitlines()
    if code == 252 and lines and not lines[0].startswith("ecrlogin: error: "):
        return  # a group called without a command: its help, on stderr
    error_lines = [line for line in lines if line.startswith("ecrlogin: error: ")]
    if command[0] == "login":
        # login reports each target on its own line, then a summary.
        assert error_lines, err
    else:
        assert len(error_lines) == 1, err
    assert all(line.isprintable() for line in lines), err


# -- the same through the installed programs, where bytes are bytes ---------------------------


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """An isolated environment whose endpoint refuses connections."""
    environment = fault_env_for(tmp_path / "home")
    environment["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9"
    return environment


@pytest.mark.parametrize(
    "value",
    [b"\xff\xfe", b"\x1b[31mred\x1b[0m", b"1" * 100_000, b"12\n34", "ÉCR".encode()],
    ids=["non-utf-8", "escape-sequence", "huge", "newline", "unicode"],
)
def test_hostile_registry_id_on_the_command_line(value: bytes, env: dict[str, str]) -> None:
    result = subprocess.run(
        [os.fsencode(BIN / "ecrlogin"), b"get-login", b"--registry-ids", value],
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 252
    assert result.stdout == b""
    assert b"\x1b" not in result.stderr
    assert b"Traceback" not in result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith(b"ecrlogin: error: Invalid registry ID ")
    assert len(line) < 300


@pytest.mark.parametrize(
    "data",
    [b"\xff\xfe\xfd", b"\x00" * 10, b"x" * (1 << 20), b"\x1b]0;pwned\x07" + PRIVATE_HOST.encode()],
    ids=["non-utf-8", "nul", "megabyte", "escape-sequence"],
)
def test_hostile_stdin_to_the_helper(data: bytes, env: dict[str, str]) -> None:
    result = run("docker-credential-ecrlogin", "get", env=env, input=data, timeout=60)
    assert result.returncode == 1
    assert b"Traceback" not in result.stderr
    assert b"\x1b" not in result.stderr + result.stdout
    (line,) = result.stderr.splitlines()
    assert line.startswith(b"ecrlogin: error: ")
    assert result.stdout.count(b"\n") == 1


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xfe not utf-8",
        b'[registries."x"\n',
        b'[registries."\x1b[2Jhost"]\naccount = "1"\n',
        b"x = 1\n" * 50_000,
    ],
    ids=["non-utf-8", "broken-toml", "escape-in-host", "huge"],
)
def test_hostile_config_file_through_the_helper(data: bytes, env: dict[str, str]) -> None:
    config_file = Path(env["HOME"]) / "ecrlogin.toml"
    config_file.write_bytes(data)
    env = {**env, "ECRLOGIN_CONFIG": str(config_file)}
    result = run("docker-credential-ecrlogin", "get", env=env, input=PRIVATE_HOST.encode())
    assert result.returncode == 1
    assert b"Traceback" not in result.stderr
    assert b"\x1b" not in result.stderr + result.stdout
    (line,) = result.stderr.splitlines()
    assert str(config_file).encode() in line
