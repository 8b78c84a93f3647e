"""docker-credential-ecrlogin speaks the docker-credential-helpers protocol.

Every test runs the installed console script as a subprocess with stdin, as
docker, podman and skopeo do. Tokens come from moto or, where a token must be
cached, from tests/support/faultserver.py (valid until 2100; see tests/support/helper.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ecrlogin import __version__
from ecrlogin.cache import Store
from ecrlogin.errors import shorten
from tests.support import faultserver as fs
from tests.support.env import ACCOUNT, MOTO_PASSWORD
from tests.support.faultserver import FAULT_PASSWORD, PUBLIC_TARGET, FaultServer, Scenario
from tests.support.helper import (
    HELPER,
    NOT_FOUND_LINE,
    ConnectRecorder,
    age_past_half_life,
    cache_files,
    credentials_json,
    helper,
    with_times,
    write_config,
)
from tests.support.provider import PROVIDER, check_response, encode, request
from tests.support.tools import ecrlogin

HOST = f"{ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com"


@pytest.fixture
def endpoint(fault_server: FaultServer) -> Scenario:
    """A token valid until 2100, so the helper caches it (moto's expired in 2015)."""
    return fault_server.scenario(fs.token())


@pytest.fixture
def env(aws_env: dict[str, str], endpoint: Scenario) -> dict[str, str]:
    return {**aws_env, "AWS_ENDPOINT_URL": endpoint.url}


def bodies(endpoint: Scenario) -> list[object]:
    """The JSON body of each call the endpoint saw."""
    return [request.json() for request in endpoint.requests]


def assert_one_stderr_line(result: subprocess.CompletedProcess[bytes], start: str) -> str:
    err = result.stderr.decode()
    assert err.startswith(f"ecrlogin: error: {start}"), err
    assert err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize(
    "server_url",
    [
        HOST,
        f"https://{HOST}",
        f"{HOST}:443",
        f"{HOST}/team/app:1.2",
        f"{HOST}/team/app@sha256:{'0f' * 32}",
        f"https://{HOST.upper()}/v2/",
        f"https://AWS@{HOST}/v2/",
        f"{HOST}#fragment",
    ],
)
def test_get_prints_the_credentials(
    env: dict[str, str], endpoint: Scenario, server_url: str
) -> None:
    result = helper("get", f"  {server_url}\n", env=env)
    assert (result.returncode, result.stderr) == (0, b"")
    assert result.stdout == credentials_json(server_url, FAULT_PASSWORD)
    assert bodies(endpoint) == [{"registryIds": [ACCOUNT]}]
    assert endpoint.requests[0].scope[1:] == ("us-west-2", "ecr")  # the region comes from the host


@pytest.mark.posix  # file modes
def test_a_cache_hit_does_not_call_the_api_and_answers_the_same(
    env: dict[str, str], endpoint: Scenario
) -> None:
    first = helper("get", HOST, env=env)
    second = helper("get", f"https://{HOST}/other/repo:tag", env=env)
    assert first.stdout == credentials_json(HOST, FAULT_PASSWORD)
    assert second.stdout == credentials_json(f"https://{HOST}/other/repo:tag", FAULT_PASSWORD)
    assert endpoint.calls == 1
    (entry,) = cache_files(env)
    assert entry.stat().st_mode & 0o777 == 0o600
    assert entry.parent.stat().st_mode & 0o777 == 0o700


def test_ecrlogin_no_cache_fetches_every_time(env: dict[str, str], endpoint: Scenario) -> None:
    env = {**env, "ECRLOGIN_NO_CACHE": "1"}
    for _ in range(2):
        assert helper("get", HOST, env=env).stdout == credentials_json(HOST, FAULT_PASSWORD)
    assert endpoint.calls == 2
    assert cache_files(env) == []


def test_moto_tokens_work_but_are_never_cached(aws_env: dict[str, str]) -> None:
    host = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com"
    for _ in range(2):
        result = helper("get", host, env=aws_env)
        assert (result.returncode, result.stdout) == (0, credentials_json(host, MOTO_PASSWORD))
    assert cache_files(aws_env) == []


def test_ecr_public_uses_the_public_api_in_us_east_1(
    env: dict[str, str], endpoint: Scenario
) -> None:
    result = helper(
        "get", "public.ecr.aws/nginx/nginx:latest", env={**env, "AWS_REGION": "eu-west-1"}
    )
    assert result.stdout == credentials_json("public.ecr.aws/nginx/nginx:latest", FAULT_PASSWORD)
    assert [request.target for request in endpoint.requests] == [PUBLIC_TARGET]
    assert bodies(endpoint) == [{}]
    assert endpoint.requests[0].scope[1:] == ("us-east-1", "ecr-public")


@pytest.mark.parametrize(
    ("server_url", "api"),
    [
        (f"{ACCOUNT}.dkr.ecr-fips.us-east-1.amazonaws.com", "api.ecr-fips.us-east-1.amazonaws.com"),
        (f"{ACCOUNT}.dkr-ecr.eu-west-1.on.aws", "ecr.eu-west-1.api.aws"),
        (f"{ACCOUNT}.dkr-ecr-fips.us-east-2.on.aws", "ecr-fips.us-east-2.api.aws"),
        # The dkr.ecr spelling of a dual-stack host reaches the same dual-stack API.
        (f"{ACCOUNT}.dkr.ecr.eu-west-1.on.aws", "ecr.eu-west-1.api.aws"),
        (
            f"{ACCOUNT}.dkr.ecr.cn-north-1.on.amazonwebservices.com.cn",
            "ecr.cn-north-1.api.amazonwebservices.com.cn",
        ),
        (f"{ACCOUNT}.dkr.ecr.cn-north-1.amazonaws.com.cn", "api.ecr.cn-north-1.amazonaws.com.cn"),
        (f"{ACCOUNT}.dkr.ecr.us-gov-west-1.amazonaws.com", "api.ecr.us-gov-west-1.amazonaws.com"),
        ("public.ecr.aws", "api.ecr-public.us-east-1.amazonaws.com"),
        ("mapped.example.com:5000", "api.ecr.ap-southeast-2.amazonaws.com"),
    ],
)
def test_each_host_family_calls_its_own_api_endpoint(
    aws_env: dict[str, str], server_url: str, api: str
) -> None:
    write_config(
        aws_env,
        f'[registries."mapped.example.com:5000"]\naccount = "{ACCOUNT}"\n'
        'region = "ap-southeast-2"\n',
    )
    recorder = ConnectRecorder()
    try:
        result = helper("get", server_url, env=recorder.env(aws_env))
    finally:
        recorder.close()
    assert recorder.targets == [f"{api}:443"]
    assert result.returncode == 1  # the recorder refuses the tunnel
    assert result.stdout.count(b"\n") == 1
    assert_one_stderr_line(result, "")


def test_aws_endpoint_url_ecr_still_overrides_a_fips_host(
    aws_env: dict[str, str], endpoint: Scenario
) -> None:
    host = f"{ACCOUNT}.dkr.ecr-fips.us-east-1.amazonaws.com"
    env = {**aws_env, "AWS_ENDPOINT_URL_ECR": endpoint.url}
    env.pop("AWS_ENDPOINT_URL")
    assert helper("get", host, env=env).stdout == credentials_json(host, FAULT_PASSWORD)
    public_env = {**aws_env, "AWS_ENDPOINT_URL_ECR_PUBLIC": endpoint.url}
    public_env.pop("AWS_ENDPOINT_URL")
    assert helper("get", "public.ecr.aws", env=public_env).stdout == credentials_json(
        "public.ecr.aws", FAULT_PASSWORD
    )
    assert endpoint.requests[1].target == PUBLIC_TARGET


def test_a_configured_host_uses_its_account_region_and_profile(
    env: dict[str, str], endpoint: Scenario
) -> None:
    Path(env["AWS_SHARED_CREDENTIALS_FILE"]).write_text(
        "[mirror]\naws_access_key_id = AKIAMIRRORPROFILE001\naws_secret_access_key = x\n"
    )
    write_config(
        env,
        '[registries."Mirror.Example.com"]\naccount = "210987654321"\n'
        'region = "eu-central-1"\nprofile = "mirror"\n',
    )
    for _ in range(2):
        result = helper("get", "mirror.example.com/library/alpine:3", env=env)
        assert result.stdout == credentials_json(
            "mirror.example.com/library/alpine:3", FAULT_PASSWORD
        )
    assert bodies(endpoint) == [{"registryIds": ["210987654321"]}]
    assert [request.scope for request in endpoint.requests] == [
        ("AKIAMIRRORPROFILE001", "eu-central-1", "ecr")
    ]
    # The parsed file is memoized next to the tokens; editing the file is seen at once.
    assert len(cache_files(env, ".memo")) == 1
    write_config(
        env, '[registries."other.example.com"]\naccount = "210987654321"\nregion = "eu-central-1"\n'
    )
    gone = helper("get", "mirror.example.com", env=env)
    assert (gone.returncode, gone.stdout) == (1, NOT_FOUND_LINE)


@pytest.mark.parametrize(
    "server_url",
    [
        # What docker asks its credsStore before every pull from Docker Hub.
        "https://index.docker.io/v1/",
        "docker.io",
        "registry.example.com:5000/app",
        "127.0.0.1:5000",
    ],
)
def test_a_host_that_is_not_ecr_is_not_found_silently_as_docker_helpers_answer(
    env: dict[str, str], endpoint: Scenario, server_url: str
) -> None:
    # docker-credential-helpers' Serve prints ErrCredentialsNotFound's text on stdout and
    # exits 1, nothing on stderr; docker/cli then pulls anonymously. With credsStore
    # ecrlogin and no fallback store, that is every Docker Hub pull: no line for it.
    result = helper("get", server_url, env=env)
    assert (result.returncode, result.stdout, result.stderr) == (1, NOT_FOUND_LINE, b"")
    assert endpoint.calls == 0
    # The reason is still there for whoever asks for it.
    debug = helper("get", server_url, env={**env, "ECRLOGIN_DEBUG": "1"})
    assert (debug.returncode, debug.stdout) == (1, NOT_FOUND_LINE)
    assert b"is not an Amazon ECR registry" in debug.stderr
    assert b"ecrlogin: error" not in debug.stderr


@pytest.mark.parametrize(
    ("server_url", "detail"),
    [
        ("", "No server URL on stdin"),
        ("   \n", "No server URL on stdin"),
        ("not a host", "'not a host' is not a registry host name"),
        ("\x1b[31mhost\x07", "'\\x1b[31mhost\\x07' is not a registry host name"),
    ],
)
def test_a_host_it_cannot_serve_is_not_found(
    env: dict[str, str], endpoint: Scenario, server_url: str, detail: str
) -> None:
    result = helper("get", server_url, env=env)
    assert (result.returncode, result.stdout) == (1, NOT_FOUND_LINE)
    err = assert_one_stderr_line(result, detail)
    assert "\x1b" not in err
    assert endpoint.calls == 0


@pytest.mark.parametrize(
    ("server_url", "detail"),
    [
        # docker sends these logins to evil.example (Go's net/url ends the host at # and ?,
        # and takes it after the last @): the ECR host in them must not count, and
        # evil.example is simply not found (no line, as for any host that is not ECR).
        (f"evil.example#@{HOST}", None),
        (f"evil.example?@{HOST}", None),
        (f"https://{HOST}@evil.example/v2/", None),
        # Read differently by docker's daemon and its CLI, or not a plain ASCII host: refused.
        *(
            (text, f"{shorten(text)} is not a registry host name as docker reads it")
            for text in (
                f"HTTPS://{HOST}",
                f"evil.example\\@{HOST}",
                HOST.replace("k", "\u212a"),
                f"{HOST}%2e",
                f"{HOST}.",
                f"ftp://{HOST}",
            )
        ),
    ],
)
def test_an_address_docker_reads_as_another_host_never_gets_the_token(
    env: dict[str, str], endpoint: Scenario, server_url: str, detail: str | None
) -> None:
    result = helper("get", server_url, env=env)
    assert (result.returncode, result.stdout) == (1, NOT_FOUND_LINE)
    if detail is None:
        assert result.stderr == b""
    else:
        assert_one_stderr_line(result, detail)
    assert endpoint.calls == 0


@pytest.mark.parametrize(
    ("data", "detail"),
    [
        (b"\xff\xfe\x00garbage", "The input on stdin is not UTF-8 text"),
        (b"a" * (1 << 20), "The input on stdin is longer than 64 KiB"),
        (os.urandom(4096), ""),
    ],
    ids=["not-utf8", "huge", "random"],
)
def test_garbage_on_stdin_is_a_clean_failure(
    env: dict[str, str], endpoint: Scenario, data: bytes, detail: str
) -> None:
    result = helper("get", data, env=env)
    assert (result.returncode, result.stdout) == (1, NOT_FOUND_LINE)
    assert_one_stderr_line(result, detail)
    assert endpoint.calls == 0


def test_list_shows_the_cache_without_the_network(env: dict[str, str], endpoint: Scenario) -> None:
    empty = helper("list", env=env)
    assert (empty.returncode, empty.stdout, empty.stderr) == (0, b"{}\n", b"")
    other = "210987654321.dkr.ecr.us-west-2.amazonaws.com"
    helper("get", HOST, env=env)
    helper("get", other, env=env)
    offline = {**env, "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}
    listed = helper("list", env=offline)
    assert (listed.returncode, listed.stderr) == (0, b"")
    assert listed.stdout == b'{"%s":"AWS","%s":"AWS"}\n' % (HOST.encode(), other.encode())
    assert FAULT_PASSWORD.encode() not in listed.stdout
    assert endpoint.calls == 2


def test_store_succeeds_and_keeps_nothing(env: dict[str, str]) -> None:
    creds = json.dumps({"ServerURL": HOST, "Username": "AWS", "Secret": "typed-by-user"})
    result = helper("store", creds, env=env)
    assert (result.returncode, result.stdout, result.stderr) == (0, b"", b"")
    assert cache_files(env) == []


def test_erase_drops_that_hosts_entry(env: dict[str, str], endpoint: Scenario) -> None:
    other = "210987654321.dkr.ecr.us-west-2.amazonaws.com"
    helper("get", HOST, env=env)
    helper("get", other, env=env)
    assert len(cache_files(env)) == 2
    result = helper("erase", f"https://{HOST}", env=env)
    assert (result.returncode, result.stdout, result.stderr) == (0, b"", b"")
    assert json.loads(helper("list", env=env).stdout) == {other: "AWS"}
    helper("get", HOST, env=env)
    assert endpoint.calls == 3  # erased: fetched again
    for nothing in ("docker.io", "", "\xff"):
        assert helper("erase", nothing, env=env).returncode == 0


def test_erase_drops_a_configured_hosts_entry(env: dict[str, str]) -> None:
    write_config(
        env, f'[registries."127.0.0.1:5000"]\naccount = "{ACCOUNT}"\nregion = "us-west-2"\n'
    )
    helper("get", "127.0.0.1:5000", env=env)
    assert len(cache_files(env)) == 1
    assert helper("erase", "127.0.0.1:5000", env=env).returncode == 0
    assert cache_files(env) == []


def test_version_and_usage(env: dict[str, str]) -> None:
    version = helper("version", env=env)
    assert (version.returncode, version.stdout) == (
        0,
        f"docker-credential-ecrlogin (ecrlogin) {__version__}\n".encode(),
    )
    usage = "Usage: docker-credential-ecrlogin <get|list|store|erase|version>"
    for args, shown in (
        (["bogus"], "unknown action 'bogus'"),
        ([], "no action given"),
        (["get", "extra"], "one action expected, got 2 arguments"),
    ):
        result = subprocess.run(
            [HELPER, *args], input=b"", env=env, capture_output=True, timeout=30, check=False
        )
        assert (result.returncode, result.stdout) == (1, f"{shown}. {usage}\n".encode())
        assert_one_stderr_line(result, f"{shown}. {usage}")


def test_an_api_refusal_is_the_protocols_failure(
    env: dict[str, str], fault_server: FaultServer
) -> None:
    refusing = fault_server.scenario(fs.access_denied())  # moto never refuses
    result = helper("get", HOST, env={**env, "AWS_ENDPOINT_URL": refusing.url})
    assert result.returncode == 1
    line = result.stdout.decode()
    assert line.startswith(
        "GetAuthorizationToken was refused with AccessDeniedException (HTTP 400)"
    )
    assert "Grant the identity ecr:GetAuthorizationToken" in line
    assert result.stderr.decode() == f"ecrlogin: error: {line}"
    assert cache_files(env) == []


def test_a_bad_config_file_names_file_and_line(env: dict[str, str], endpoint: Scenario) -> None:
    path = write_config(env, '[registries."a.example.com"]\naccount = 12\n')
    result = helper("get", HOST, env=env)
    assert result.returncode == 1
    assert result.stdout.decode().startswith(f"{path}, line 2: registries.'a.example.com'.account")
    assert_one_stderr_line(result, f"{path}, line 2: ")
    assert endpoint.calls == 0


def test_a_stale_entry_is_served_when_the_api_fails(
    aws_env: dict[str, str], fault_server: FaultServer
) -> None:
    # One token that caches, then throttled for every later call: moto can do neither.
    endpoint = fault_server.scenario(fs.token(), fs.throttle())
    # botocore would retry a throttle; one call is enough.
    env = {**aws_env, "AWS_ENDPOINT_URL": endpoint.url, "AWS_MAX_ATTEMPTS": "1"}
    helper("get", HOST, env=env)
    store = Store(str(Path(env["XDG_CACHE_HOME"]) / "ecrlogin"))
    aged = age_past_half_life(store)
    result = helper("get", HOST, env=env)
    assert (result.returncode, result.stdout) == (0, credentials_json(HOST, FAULT_PASSWORD))
    err = result.stderr.decode()
    assert err.startswith(f"ecrlogin: warning: Could not refresh the cached token for {HOST}: ")
    assert "ThrottlingException" in err
    assert err.count("\n") == 1
    assert endpoint.calls == 2
    # Expired: never served, the failure is reported.
    store.write(with_times(aged, expires=time.time() - 1))
    failed = helper("get", HOST, env=env)
    assert failed.returncode == 1
    assert failed.stdout.decode().startswith(
        "GetAuthorizationToken was refused with ThrottlingException"
    )


def test_an_unwritable_cache_directory_only_warns(env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "plain-file").write_text("")
    env = {**env, "ECRLOGIN_CACHE_DIR": str(tmp_path / "plain-file" / "cache")}
    result = helper("get", HOST, env=env)
    assert (result.returncode, result.stdout) == (0, credentials_json(HOST, FAULT_PASSWORD))
    err = result.stderr.decode()
    assert err.startswith(
        f"ecrlogin: warning: The token cache directory {tmp_path}/plain-file/cache"
    )
    assert err.count("\n") == 1


def test_ecrlogin_credential_helper_is_the_same_protocol(
    env: dict[str, str], endpoint: Scenario
) -> None:
    via_cli = ecrlogin("credential-helper", "get", env=env, input=HOST.encode())
    assert (via_cli.returncode, via_cli.stdout) == (0, credentials_json(HOST, FAULT_PASSWORD))
    listed = ecrlogin("credential-helper", "list", env=env)
    assert listed.stdout == b'{"%s":"AWS"}\n' % HOST.encode()
    missing = ecrlogin("credential-helper", "get", env=env, input=b"docker.io")
    assert (missing.returncode, missing.stdout) == (1, NOT_FOUND_LINE)
    assert endpoint.calls == 1


def imported_modules(
    env: dict[str, str], stdin: bytes, argv: tuple[str, ...] = (HELPER, "get")
) -> tuple[set[str], bytes]:
    """The modules a `get` (or `argv`) imports, from `python -X importtime` on the script."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", *argv],
        input=stdin,
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    modules = {
        line.rpartition("|")[2].strip()
        for line in result.stderr.decode().splitlines()
        if line.startswith("import time:")
    }
    return modules, result.stdout


@pytest.mark.posix  # runs the console script as a Python file, which Windows makes an .exe
def test_a_cache_hit_imports_neither_botocore_typer_nor_rich(
    env: dict[str, str], endpoint: Scenario
) -> None:
    write_config(
        env, f'[registries."mirror.example.com"]\naccount = "{ACCOUNT}"\nregion = "us-west-2"\n'
    )
    miss, _ = imported_modules(env, HOST.encode())
    assert {"botocore", "filelock"} <= miss  # the check can see an import
    assert not {"typer", "rich"} & miss
    for server_url in (HOST, "mirror.example.com"):
        hit, stdout = imported_modules(env, server_url.encode())
        assert stdout == credentials_json(server_url, FAULT_PASSWORD)
        # Not `re`: the editable install's import hook loads it at start-up here
        # (tests/unit/test_jsontext.py checks it in a bare interpreter).
        heavy = {"botocore", "typer", "rich", "tomllib", "filelock", "json"}
        heavy |= {"ecrlogin.core", "ecrlogin.awsclient"}
        assert not heavy & hit, heavy & hit
    assert endpoint.calls == 1


@pytest.mark.posix  # runs the console script as a Python file, which Windows makes an .exe
def test_the_kubelet_provider_is_as_lean_on_a_cache_hit(
    env: dict[str, str], endpoint: Scenario
) -> None:
    write_config(
        env, f'[registries."mirror.example.com"]\naccount = "{ACCOUNT}"\nregion = "us-west-2"\n'
    )
    miss, _ = imported_modules(env, encode(request(HOST)), (PROVIDER,))
    assert {"botocore", "filelock"} <= miss  # the check can see an import
    assert not {"typer", "rich"} & miss
    # The mirror names the same registry as HOST: HOST's entry serves it too.
    for image in (f"{HOST}/app:1", "mirror.example.com/app:1"):
        sent = request(image)
        hit, stdout = imported_modules(env, encode(sent), (PROVIDER,))
        check_response(stdout, sent)
        # Not `re`: the editable install's import hook loads it at start-up here
        # (tests/unit/test_jsontext.py checks it in a bare interpreter).
        heavy = {"botocore", "typer", "rich", "tomllib", "filelock", "json"}
        heavy |= {"ecrlogin.core", "ecrlogin.awsclient"}
        assert not heavy & hit, heavy & hit
    assert endpoint.calls == 1
