"""End to end with the real docker CLI and the suite's own dockerd against a real registry.

The registries are Debian's `docker-registry` with htpasswd user AWS and moto's
password, so moto's token for account 123456789012 is what they accept.
127.0.0.0/8 registries are insecure by default for the daemon: no TLS needed.
Each test gets its own DOCKER_CONFIG (see tests/support/docker.py) and its own
repository, because the daemon is shared by the session.
"""

from __future__ import annotations

import base64
import shlex
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from tests.support import faultserver as fs
from tests.support.docker import (
    FILE_STORE,
    DockerDaemon,
    assert_pulled,
    docker,
    docker_config,
    docker_env,
    import_image,
    pushed_line,
    remove_image,
)
from tests.support.env import ACCOUNT, MOTO_PASSWORD, basic_token
from tests.support.faultserver import FaultServer
from tests.support.helper import pass_list, write_config
from tests.support.recorder import RecordingRegistry
from tests.support.registry import RegistryServer, bash, start_registry
from tests.support.servers import stop
from tests.support.tools import BIN, ecrlogin

pytestmark = [pytest.mark.e2e, pytest.mark.needs_root("dockerd runs only as root")]

ECRLOGIN = shlex.quote(str(BIN / "ecrlogin"))
NO_CREDENTIALS = "no basic auth credentials"


def map_registry(env: dict[str, str], host: str, region: str = "us-east-1") -> None:
    """Map `host` to moto's account in `region` in the ecrlogin config of `env`."""
    write_config(env, f'[registries."{host}"]\naccount = "{ACCOUNT}"\nregion = "{region}"\n')


def push_with_password(reference: str, daemon: DockerDaemon, env: Mapping[str, str]) -> None:
    """Put `reference` into its registry with docker, logged in by a throw-away config."""
    setup = docker_env(env, daemon, Path(env["HOME"]) / "setup-docker", FILE_STORE)
    host = reference.split("/", 1)[0]
    login = docker("login", "-u", "AWS", "--password-stdin", host, env=setup, input=MOTO_PASSWORD)
    assert login.returncode == 0, login.stderr
    import_image(reference, setup)
    pushed_line(docker("push", reference, env=setup), reference.rsplit(":", 1)[1])
    remove_image(reference, setup)


def test_the_pipeline_logs_docker_in_then_push_and_pull_work(
    registry: RegistryServer, dockerd: DockerDaemon, aws_env: dict[str, str], tmp_path: Path
) -> None:
    env = docker_env(aws_env, dockerd, tmp_path / "docker", FILE_STORE)
    result = bash(
        f"{ECRLOGIN} get-login-password --region us-east-1 "
        f"| docker login --username AWS --password-stdin {registry.host}",
        env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Login Succeeded\n"
    assert MOTO_PASSWORD not in result.stderr
    stored = docker_config(env)["auths"][registry.host]
    assert stored == {"auth": basic_token("AWS", MOTO_PASSWORD)}

    reference = f"{registry.host}/docker-e2e/pipeline:1"
    import_image(reference, env)
    pushed_line(docker("push", reference, env=env), "1")
    remove_image(reference, env)
    assert_pulled(docker("pull", reference, env=env), reference)


def test_eval_get_login_logs_docker_in_and_warns_on_stderr_only(
    registry: RegistryServer,
    dockerd: DockerDaemon,
    aws_env: dict[str, str],
    fault_server: FaultServer,
    tmp_path: Path,
) -> None:
    # get-login prints `docker login ... PROXY_ENDPOINT`, and moto's proxyEndpoint is always
    # https://ACCOUNT.dkr.ecr.REGION.amazonaws.com, which is not this registry: a stub
    # answers with moto's token and the loopback registry as the endpoint.
    token = base64.b64encode(f"AWS:{MOTO_PASSWORD}".encode()).decode()
    endpoint = fault_server.scenario(
        fs.entries(authorizationToken=token, proxyEndpoint=registry.url)
    )
    env = {
        **docker_env(aws_env, dockerd, tmp_path / "docker", FILE_STORE),
        "AWS_ENDPOINT_URL": endpoint.url,
    }
    result = bash(f'eval "$({ECRLOGIN} get-login --no-include-email)"', env)
    assert result.returncode == 0, result.stderr
    # stdout is docker's alone: ecrlogin's line went into eval, its warning to stderr.
    assert result.stdout == "Login Succeeded\n"
    stderr = result.stderr.splitlines()
    assert (
        "ecrlogin: warning: The printed command carries the password, which other users can "
        "see in process lists and shell history. Use instead: ecrlogin get-login-password | "
        f"docker login --username AWS --password-stdin {registry.host}"
    ) in stderr
    # docker stores it under the host, without the scheme get-login printed.
    assert docker_config(env)["auths"][registry.host] == {"auth": token}

    reference = f"{registry.host}/docker-e2e/legacy:1"
    push_with_password(reference, dockerd, aws_env)
    assert_pulled(docker("pull", reference, env=env), reference)


def test_login_with_docker_into_two_registries_in_two_regions_then_logout(
    registry: RegistryServer,
    second_registry: RegistryServer,
    dockerd: DockerDaemon,
    aws_env: dict[str, str],
    tmp_path: Path,
) -> None:
    env = {**docker_env(aws_env, dockerd, tmp_path / "docker", FILE_STORE), "TZ": "UTC"}
    write_config(
        env,
        f'[registries."{registry.host}"]\naccount = "{ACCOUNT}"\nregion = "eu-west-1"\n'
        f'[registries."{second_registry.host}"]\naccount = "{ACCOUNT}"\nregion = "us-west-2"\n',
    )
    references = [
        f"{registry.host}/docker-e2e/login:1",
        f"{second_registry.host}/docker-e2e/login:1",
    ]
    for reference in references:
        push_with_password(reference, dockerd, aws_env)
    before = docker_config(env)

    result = ecrlogin("login", "--client", "docker", *references, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == b""
    assert result.stderr.decode() == "".join(
        f"ecrlogin: ok: {host}: logged in with docker, expired 2015-01-01 00:00 UTC\n"
        for host in (registry.host, second_registry.host)
    )
    auths = docker_config(env)["auths"]
    assert {host: auths[host] for host in (registry.host, second_registry.host)} == {
        host: {"auth": basic_token("AWS", MOTO_PASSWORD)}
        for host in (registry.host, second_registry.host)
    }
    for reference in references:
        assert_pulled(docker("pull", reference, env=env), reference)
        remove_image(reference, env)

    result = ecrlogin("logout", "--client", "docker", *references, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stderr.decode() == "".join(
        f"ecrlogin: ok: {host}: logged out with docker\n"
        for host in (registry.host, second_registry.host)
    )
    assert docker_config(env) == before
    for reference in references:
        pull = docker("pull", reference, env=env)
        assert pull.returncode == 1
        assert pull.stderr.splitlines()[-1].endswith(NO_CREDENTIALS), pull.stderr


@pytest.mark.parametrize("setting", ["credHelpers", "credsStore"])
def test_docker_push_and_pull_ask_the_helper(
    setting: str,
    registry: RegistryServer,
    dockerd: DockerDaemon,
    aws_env: dict[str, str],
    tmp_path: Path,
) -> None:
    config = (
        {"credHelpers": {registry.host: "ecrlogin"}}
        if setting == "credHelpers"
        else {"credsStore": "ecrlogin"}
    )
    env = docker_env(aws_env, dockerd, tmp_path / "docker", config)
    map_registry(env, registry.host)
    reference = f"{registry.host}/docker-e2e/helper-{setting.lower()}:1"
    import_image(reference, env)
    push = docker("push", reference, env=env)
    pushed_line(push, "1")
    assert push.stderr == ""  # the helper answered, silently
    remove_image(reference, env)
    pull = docker("pull", reference, env=env)
    assert_pulled(pull, reference)
    assert pull.stderr == ""
    # Nothing of the password was written anywhere docker keeps things.
    assert docker_config(env) == config
    assert MOTO_PASSWORD not in (tmp_path / "docker" / "config.json").read_text()


def test_docker_login_and_logout_with_the_helper_configured(
    registry: RegistryServer, dockerd: DockerDaemon, aws_env: dict[str, str], tmp_path: Path
) -> None:
    config = {"credHelpers": {registry.host: "ecrlogin"}}
    env = docker_env(aws_env, dockerd, tmp_path / "docker", config)
    map_registry(env, registry.host)
    # No password given: docker asks the helper for one, checks it with the registry, and
    # hands it back to `store`, which keeps nothing (the helper fetches its own).
    login = docker("login", registry.host, env=env)
    assert login.returncode == 0, login.stderr
    assert login.stdout.splitlines()[-1] == "Login Succeeded"
    # docker 28.x says so on stderr (with the user name), 20.10 on stdout.
    assert "Authenticating with existing credentials..." in login.stdout + login.stderr
    assert MOTO_PASSWORD not in login.stdout + login.stderr
    assert docker_config(env)["credHelpers"] == config["credHelpers"]
    assert MOTO_PASSWORD not in (tmp_path / "docker" / "config.json").read_text()

    logout = docker("logout", registry.host, env=env)
    assert logout.returncode == 0, logout.stderr
    assert logout.stdout == f"Removing login credentials for {registry.host}\n"
    # The helper stays configured: the next pull still gets a password from it.
    reference = f"{registry.host}/docker-e2e/helper-login:1"
    push_with_password(reference, dockerd, aws_env)
    assert_pulled(docker("pull", reference, env=env), reference)


@pytest.mark.parametrize(
    ("action", "docker_says"),
    [
        ("pull", NO_CREDENTIALS),
        ("push", NO_CREDENTIALS),
        ("login", "Error: Cannot perform an interactive login from a non TTY device"),
    ],
)
def test_a_helper_without_a_token_fails_docker_with_ecrlogins_reason(
    action: str,
    docker_says: str,
    registry: RegistryServer,
    dockerd: DockerDaemon,
    aws_env: dict[str, str],
    tmp_path: Path,
) -> None:
    config = {"credHelpers": {registry.host: "ecrlogin"}}
    env = docker_env(aws_env, dockerd, tmp_path / "docker", config)
    map_registry(env, registry.host)
    del env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
    reference = f"{registry.host}/docker-e2e/no-token-{action}:1"
    if action == "push":
        import_image(reference, env)
    done = docker(action, registry.host if action == "login" else reference, env=env)
    assert done.returncode == 1
    # docker ignores the failed `get` and goes on without credentials; the reason reaches
    # the user through the helper's stderr, which docker passes on, before docker's own.
    lines = done.stderr.splitlines()
    # The documented line, by its key words (tests/data/error_lines.json).
    assert lines[0].startswith("ecrlogin: error: No AWS credentials were found."), done.stderr
    for words in ("aws configure", "AWS_PROFILE", "--profile"):
        assert words in lines[0]
    assert lines[-1].endswith(docker_says), done.stderr
    assert "error getting credentials" not in done.stderr
    assert docker_config(env) == config


def test_credsstore_ecrlogin_keeps_another_registrys_login_in_pass(
    registry: RegistryServer, dockerd: DockerDaemon, pass_env: dict[str, str], tmp_path: Path
) -> None:
    config = {"credsStore": "ecrlogin"}
    env = docker_env(pass_env, dockerd, tmp_path / "docker", config)
    write_config(env, '[store]\nfallback = "pass"\n')
    # The same registry under a second name that is not ECR's and is not mapped.
    other = registry.host.replace("127.0.0.1", "localhost")
    push_with_password(f"{registry.host}/docker-e2e/fallback:1", dockerd, pass_env)
    reference = f"{other}/docker-e2e/fallback:1"

    login = docker("login", "-u", "AWS", "--password-stdin", other, env=env, input=MOTO_PASSWORD)
    assert login.returncode == 0, login.stderr
    assert login.stdout == "Login Succeeded\n"
    assert pass_list(env) == {other: "AWS"}  # in pass, through ecrlogin
    assert MOTO_PASSWORD not in (tmp_path / "docker" / "config.json").read_text()
    assert_pulled(docker("pull", reference, env=env), reference)
    remove_image(reference, env)

    logout = docker("logout", other, env=env)
    assert logout.returncode == 0, logout.stderr
    assert logout.stdout == f"Removing login credentials for {other}\n"
    assert pass_list(env) == {}
    pull = docker("pull", reference, env=env)
    assert pull.returncode == 1
    assert pull.stderr.splitlines()[-1].endswith(NO_CREDENTIALS), pull.stderr


def test_credsstore_ecrlogin_without_a_fallback_fails_docker_login_loudly(
    registry: RegistryServer, dockerd: DockerDaemon, aws_env: dict[str, str], tmp_path: Path
) -> None:
    env = docker_env(aws_env, dockerd, tmp_path / "docker", {"credsStore": "ecrlogin"})
    other = registry.host.replace("127.0.0.1", "localhost")
    login = docker("login", "-u", "AWS", "--password-stdin", other, env=env, input=MOTO_PASSWORD)
    # Not a false "Login Succeeded": docker says the credentials were not stored, and why.
    assert login.returncode == 1
    assert "Login Succeeded" not in login.stdout
    reason = f"The credentials for {other} were not saved: docker-credential-ecrlogin keeps none"
    assert f"ecrlogin: error: {reason}" in login.stderr
    assert (
        f"Error saving credentials: error storing credentials - err: exit status 1, out: `{reason}"
    ) in login.stderr


@pytest.fixture(scope="module")
def open_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryServer]:
    """A registry that needs no credentials, as Docker Hub serves a public image."""
    server, proc = start_registry(tmp_path_factory.mktemp("open-registry"), anonymous=True)
    yield server
    stop(proc)


def test_credsstore_ecrlogin_without_a_fallback_pulls_anonymously_and_says_nothing(
    open_registry: RegistryServer, dockerd: DockerDaemon, aws_env: dict[str, str], tmp_path: Path
) -> None:
    # docker asks its credsStore for every registry it pulls from (for Docker Hub,
    # https://index.docker.io/v1/): a host that is not ECR is its normal "no credentials".
    reference = f"{open_registry.host}/ecrlogin-e2e/public:v1"
    setup = docker_env(aws_env, dockerd, tmp_path / "setup", FILE_STORE)
    import_image(reference, setup)
    pushed_line(docker("push", reference, env=setup), "v1")
    remove_image(reference, setup)
    env = docker_env(aws_env, dockerd, tmp_path / "docker", {"credsStore": "ecrlogin"})
    pull = docker("pull", reference, env=env)
    assert_pulled(pull, reference)
    assert "ecrlogin" not in pull.stderr, pull.stderr
    assert docker_config(env) == {"credsStore": "ecrlogin"}


@pytest.fixture
def recorder() -> Iterator[RecordingRegistry]:
    server = RecordingRegistry()
    yield server
    server.close()


ECR_HOST = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com"
# Addresses whose host, as docker's daemon reads it (Go's net/url), is the recording
# registry, while an ECR host appears in them: `{}` is the recorder's host:port.
TRICKY = [
    f"{{}}#@{ECR_HOST}",
    f"{{}}?@{ECR_HOST}",
    f"{{}}#@{ECR_HOST.upper()}",
    f"{{}}?x=@{ECR_HOST}/v2/",
    f"{{}}/@{ECR_HOST}",
    f"http://{{}}#@{ECR_HOST}",
    f"https://{{}}?@{ECR_HOST}/",
    f"{ECR_HOST}@{{}}",
    f"https://{ECR_HOST}@{{}}/v2/",
    f"{{}}\\@{ECR_HOST}",
    f"{{}}#@{ECR_HOST.replace('k', chr(0x212A))}",
]


@pytest.mark.parametrize("address", TRICKY)
def test_docker_login_never_sends_an_ecr_token_to_another_host(
    address: str,
    recorder: RecordingRegistry,
    dockerd: DockerDaemon,
    aws_env: dict[str, str],
    tmp_path: Path,
) -> None:
    # credsStore ecrlogin: docker asks ecrlogin for stored credentials before it logs in,
    # and sends whatever it gets to the host its daemon reads in the address.
    env = docker_env(aws_env, dockerd, tmp_path / "docker", {"credsStore": "ecrlogin"})
    server = address.format(recorder.host)
    done = docker("login", server, env=env)
    assert done.returncode != 0  # nothing stored to log in with, and no terminal to ask
    sent = " ".join(recorder.authorizations)
    assert basic_token("AWS", MOTO_PASSWORD) not in sent
    assert MOTO_PASSWORD not in done.stdout + done.stderr
    assert docker_config(env) == {"credsStore": "ecrlogin"}


def test_the_recorder_sees_a_token_docker_does_send(
    recorder: RecordingRegistry, dockerd: DockerDaemon, aws_env: dict[str, str], tmp_path: Path
) -> None:
    # The check above can fail: mapped in the ecrlogin config, the recorder's host gets the
    # ECR token from the helper, and docker's daemon sends it there.
    env = docker_env(aws_env, dockerd, tmp_path / "docker", {"credsStore": "ecrlogin"})
    map_registry(env, recorder.host)
    done = docker("login", recorder.host, env=env)
    assert done.returncode == 0, done.stderr
    assert recorder.authorizations == [f"Basic {basic_token('AWS', MOTO_PASSWORD)}"]
