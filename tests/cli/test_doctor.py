"""`ecrlogin doctor`: every cause of "no basic auth credentials", named with its fix.

Real parts throughout: docker and containers config files in an isolated HOME,
the installed docker-credential-ecrlogin on and off PATH, moto for STS and the
token (and a second moto with IAM enforcement for an identity that is refused),
the suite's distribution registry for the live `GET /v2/`, a closed port, and
the suite's TLS endpoint with a self-signed certificate. Stubs only where no
real part can serve, each saying why.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import json
import os
import socket
import threading
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from ecrlogin import doctor
from ecrlogin.options import ClientOptions
from tests.support.env import ACCESS_KEY_ID, MOTO_PASSWORD, SECRET_ACCESS_KEY, basic_token
from tests.support.faultserver import FAULT_PASSWORD, FAULT_TOKEN, FaultServer, token
from tests.support.helper import helper, write_config
from tests.support.registry import RegistryServer
from tests.support.servers import free_port, moto_server
from tests.support.tools import BIN, ecrlogin, require_tool

HELPER_FIX = "ecrlogin login --helper"
# An ECR password has the shape base64(JSON) with its own expiry; this one expired in 2021.
EXPIRED = 1612137600  # 2021-02-01T00:00:00Z


def ecr_password(expiration: int) -> str:
    """A password shaped like an ECR token's, expiring at `expiration` (epoch seconds)."""
    body = {
        "payload": "c2VjcmV0LXBheWxvYWQtZG9jdG9yLXRlc3Q=",
        "datakey": "ZGF0YWtleS1kb2N0b3ItdGVzdA==",
        "version": "2",
        "type": "DATA_KEY",
        "expiration": expiration,
    }
    return base64.b64encode(json.dumps(body).encode()).decode()


def mapped(env: Mapping[str, str], *hosts: str, account: str = "123456789012") -> None:
    """Map custom hosts (the loopback registry, ports) to an account in us-east-1."""
    write_config(
        env,
        "".join(
            f'[registries."{host}"]\naccount = "{account}"\nregion = "us-east-1"\n\n'
            for host in hosts
        ),
    )


def docker_config(env: Mapping[str, str], data: dict[str, Any], mode: int = 0o600) -> Path:
    """Write ~/.docker/config.json of `env`'s HOME."""
    path = Path(env["HOME"]) / ".docker" / "config.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent="\t"))
    path.chmod(mode)
    return path


def on_path(env: Mapping[str, str], present: bool) -> dict[str, str]:
    """`env` with the venv's bin directory (where docker-credential-ecrlogin is) on PATH or
    not; the system directories stay."""
    system = [p for p in env["PATH"].split(os.pathsep) if p and Path(p) != BIN]
    return {**env, "PATH": os.pathsep.join([str(BIN), *system] if present else system)}


def run_doctor(env: Mapping[str, str], *args: str) -> tuple[int, dict[str, Any], str]:
    """Run `ecrlogin doctor ARGS --output json`: exit code, the JSON and stderr."""
    done = ecrlogin("doctor", *args, "--output", "json", env=env)
    stderr = done.stderr.decode()
    assert done.stdout, stderr
    return done.returncode, json.loads(done.stdout), stderr


def client(report: dict[str, Any], name: str = "docker", index: int = 0) -> dict[str, Any]:
    """The finding for client `name` of registry `index` in the JSON report."""
    clients = report["registries"][index]["clients"]
    return next(c for c in clients if c["client"] == name)


def verdict_line(stderr: str, host: str) -> str:
    """The one verdict line of `host` on stderr."""
    lines = [
        line
        for line in stderr.splitlines()
        if line.startswith(("ecrlogin: error: ", "ecrlogin: ok: ")) and f": {host}: " in line
    ]
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.fixture
def env(aws_env: dict[str, str]) -> dict[str, str]:
    """aws_env with no podman/skopeo/buildah on PATH, so only docker's config is judged
    unless a test writes a containers auth file."""
    return on_path(aws_env, present=True)


# The entry that wins, and what it shadows.


def test_no_entry_names_the_helper_login(env: dict[str, str], registry: RegistryServer) -> None:
    mapped(env, registry.host)
    code, report, stderr = run_doctor(env, registry.host)
    assert code == 1
    line = verdict_line(stderr, registry.host)
    assert "docker has no credentials" in line
    assert "no basic auth credentials" in line
    assert line.endswith(f"Fix: {HELPER_FIX} {registry.host}")
    (entry,) = report["registries"]
    assert entry["cause"] == "no-entry"
    assert entry["fix"] == f"{HELPER_FIX} {registry.host}"
    # The rest still ran: the identity, the token and the live check all answered.
    assert entry["identity"]["account"] == "123456789012"
    assert entry["identity"]["credentialSource"] == "env"
    assert entry["identity"]["defaultRegion"] == "us-east-1"  # AWS_DEFAULT_REGION
    assert entry["token"]["ok"] is True
    assert entry["live"]["anonymous"] == 401
    assert entry["live"]["withToken"] == 200


def test_ecrlogin_helper_on_path_works(env: dict[str, str], registry: RegistryServer) -> None:
    mapped(env, registry.host)
    docker_config(env, {"credHelpers": {registry.host: "ecrlogin"}})
    code, report, stderr = run_doctor(env, registry.host)
    assert code == 0, stderr
    assert verdict_line(stderr, registry.host).startswith(f"ecrlogin: ok: {registry.host}: works")
    (entry,) = report["registries"]
    assert report["ok"] is True
    assert entry["cause"] is None
    docker = client(report)
    assert docker["source"] == "credHelpers"
    assert docker["helper"] == {
        "name": "ecrlogin",
        "program": "docker-credential-ecrlogin",
        "path": str(BIN / "docker-credential-ecrlogin"),
        "kind": "ecrlogin",
    }
    assert entry["live"] == {
        "url": f"http://{registry.host}/v2/",
        "anonymous": 401,
        "withToken": 200,
        "failure": None,
        "errorCode": None,
    }


def test_helper_off_path_says_where_it_is(env: dict[str, str], registry: RegistryServer) -> None:
    mapped(env, registry.host)
    docker_config(env, {"credHelpers": {registry.host: "ecrlogin"}})
    code, report, stderr = run_doctor(on_path(env, present=False), registry.host)
    assert code == 1
    line = verdict_line(stderr, registry.host)
    assert "docker-credential-ecrlogin is not on PATH" in line
    # It sits next to the ecrlogin that ran: the fix puts that directory on PATH.
    assert line.endswith(f'Fix: export PATH="{BIN}:$PATH"')
    assert report["registries"][0]["cause"] == "helper-missing"
    assert client(report)["helper"]["path"] is None


def test_go_helper_missing_is_named(env: dict[str, str], registry: RegistryServer) -> None:
    mapped(env, registry.host)
    docker_config(env, {"credHelpers": {registry.host: "ecr-login"}})
    env = on_path(env, present=False)
    if any((Path(p) / "docker-credential-ecr-login").is_file() for p in env["PATH"].split(":")):
        pytest.skip("the Go helper is installed on this machine's PATH")
    code, report, stderr = run_doctor(env, registry.host)
    assert code == 1
    assert "docker-credential-ecr-login is not on PATH" in verdict_line(stderr, registry.host)
    helper = client(report)["helper"]
    assert helper["kind"] == "amazon-ecr-credential-helper"


def test_creds_store_shadows_the_auths_entry(env: dict[str, str], registry: RegistryServer) -> None:
    # docker-credential-pass is on PATH, so the store itself is found; doctor never runs it.
    require_tool("docker-credential-pass")
    mapped(env, registry.host)
    docker_config(
        env,
        {
            "auths": {registry.host: {"auth": basic_token("AWS", MOTO_PASSWORD)}},
            "credsStore": "pass",
        },
    )
    code, report, stderr = run_doctor(env, registry.host)
    assert code == 1
    line = verdict_line(stderr, registry.host)
    assert "credsStore 'pass' wins and shadows the auths entry" in line
    assert line.endswith(f"Fix: {HELPER_FIX} {registry.host}")
    docker = client(report)
    assert docker["source"] == "credsStore"
    assert docker["shadows"] == [f"the auths entry '{registry.host}' in {docker['config']}"]
    assert report["registries"][0]["cause"] == "store-shadows"


def test_cred_helpers_beats_creds_store(env: dict[str, str], registry: RegistryServer) -> None:
    mapped(env, registry.host)
    path = docker_config(env, {"credHelpers": {registry.host: "ecrlogin"}, "credsStore": "desktop"})
    code, report, stderr = run_doctor(env, registry.host)
    assert code == 0, stderr
    docker = client(report)
    assert docker["source"] == "credHelpers"
    assert docker["shadows"] == [f"credsStore 'desktop' in {path}"]


def test_another_helper_for_the_host(env: dict[str, str], registry: RegistryServer) -> None:
    require_tool("docker-credential-pass")
    mapped(env, registry.host)
    docker_config(env, {"credHelpers": {registry.host: "pass"}})
    code, report, stderr = run_doctor(env, registry.host)
    assert code == 1
    line = verdict_line(stderr, registry.host)
    assert "credHelpers sends it to docker-credential-pass, not to an ECR helper" in line
    assert line.endswith(f"Fix: {HELPER_FIX} {registry.host}")
    assert client(report)["helper"]["kind"] == "other"


def test_a_creds_store_alone_cannot_be_vouched_for(
    env: dict[str, str], registry: RegistryServer
) -> None:
    require_tool("docker-credential-pass")
    mapped(env, registry.host)
    docker_config(env, {"credsStore": "pass"})
    code, report, stderr = run_doctor(env, registry.host)
    assert code == 1
    line = verdict_line(stderr, registry.host)
    assert "docker asks credsStore 'pass'" in line
    assert "12 hours" in line
    assert line.endswith(f"Fix: {HELPER_FIX} {registry.host}")
    assert report["registries"][0]["cause"] == "store-unchecked"


def test_unreadable_config(env: dict[str, str], registry: RegistryServer) -> None:
    mapped(env, registry.host)
    path = docker_config(env, {})
    path.write_text('{"auths": ')
    code, report, stderr = run_doctor(env, registry.host)
    assert code == 1
    line = verdict_line(stderr, registry.host)
    assert f"docker cannot read {path}" in line
    assert "not valid JSON" in line
    assert line.endswith(f"Fix: fix or remove {path}")
    assert report["registries"][0]["cause"] == "config-unreadable"


def test_expired_ecr_token_in_auths(env: dict[str, str], registry: RegistryServer) -> None:
    mapped(env, registry.host)
    password = ecr_password(EXPIRED)
    docker_config(
        env, {"auths": {f"https://{registry.host}": {"auth": basic_token("AWS", password)}}}
    )
    code, report, stderr = run_doctor(env, registry.host)
    assert code == 1
    line = verdict_line(stderr, registry.host)
    assert "is an ECR token that expired at 2021-02-01T00:00:00+00:00" in line
    assert line.endswith(f"Fix: {HELPER_FIX} {registry.host}")
    docker = client(report)
    assert docker["key"] == f"https://{registry.host}"  # found as docker normalises keys
    assert docker["stored"] == {
        "username": "AWS",
        "ecrToken": True,
        "expiresAt": "2021-02-01T00:00:00+00:00",
        "identityToken": False,
    }
    assert password not in stderr + json.dumps(report)


def test_stale_password_is_refused_live(env: dict[str, str], registry: RegistryServer) -> None:
    mapped(env, registry.host)
    docker_config(env, {"auths": {registry.host: {"auth": basic_token("AWS", "an-old-password")}}})
    code, report, stderr = run_doctor(env, registry.host)
    assert code == 1
    line = verdict_line(stderr, registry.host)
    assert "refuses the password docker uses" in line
    assert "stale" in line
    assert line.endswith(f"Fix: {HELPER_FIX} {registry.host}")
    assert client(report)["storedStatus"] == 401


def test_working_password_in_a_readable_file(env: dict[str, str], registry: RegistryServer) -> None:
    mapped(env, registry.host)
    path = docker_config(
        env, {"auths": {registry.host: {"auth": basic_token("AWS", MOTO_PASSWORD)}}}, mode=0o644
    )
    code, report, stderr = run_doctor(env, registry.host)
    assert code == 0, stderr  # it works: the mode is a warning
    line = verdict_line(stderr, registry.host)
    assert line.startswith(f"ecrlogin: ok: {registry.host}: works")
    assert "mode 0644" in line
    assert line.endswith(f"Fix: chmod 600 {path}")
    assert client(report)["storedStatus"] == 200
    assert report["registries"][0]["cause"] == "loose-mode"


def test_docker_auth_config_wins(env: dict[str, str], registry: RegistryServer) -> None:
    mapped(env, registry.host)
    path = docker_config(env, {"credHelpers": {registry.host: "ecrlogin"}})
    auth = basic_token("AWS", ecr_password(EXPIRED))
    env = {**env, "DOCKER_AUTH_CONFIG": json.dumps({"auths": {registry.host: {"auth": auth}}})}
    code, report, stderr = run_doctor(env, registry.host)
    assert code == 1
    line = verdict_line(stderr, registry.host)
    assert "DOCKER_AUTH_CONFIG" in line
    assert "expired at 2021-02-01" in line
    assert line.endswith("Fix: unset DOCKER_AUTH_CONFIG, or put a fresh password in it")
    docker = client(report)
    assert docker["source"] == "DOCKER_AUTH_CONFIG"
    assert docker["shadows"] == [f"credHelpers 'ecrlogin' in {path}"]


# podman, skopeo and buildah: their own search order, checked against skopeo itself.


def test_containers_search_order_matches_skopeo(
    env: dict[str, str], registry: RegistryServer
) -> None:
    skopeo = require_tool("skopeo")
    mapped(env, registry.host)
    runtime = Path(env["XDG_RUNTIME_DIR"]) / "containers" / "auth.json"
    user = Path(env["XDG_CONFIG_HOME"]) / "containers" / "auth.json"
    for path, name in ((runtime, "first"), (user, "second")):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"auths": {registry.host: {"auth": basic_token(name, "pw")}}}))
        path.chmod(0o600)
    docker = docker_config(env, {"credHelpers": {registry.host: "ecrlogin"}})
    env = {**env, "PATH": f"{Path(skopeo).parent}:{env['PATH']}"}
    code, report, stderr = run_doctor(env, registry.host)
    containers = client(report, "podman/skopeo/buildah")
    assert containers["config"] == str(runtime)
    assert containers["stored"]["username"] == "first"
    assert containers["shadows"] == [
        f"the auths entry '{registry.host}' in {user}",
        f"credHelpers 'ecrlogin' in {docker}",
    ]
    # skopeo reads the same file first.
    import subprocess

    done = subprocess.run(
        [skopeo, "login", "--get-login", registry.host],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.stdout.strip() == "first", done.stderr
    assert code == 1  # "pw" is no password the registry accepts
    line = verdict_line(stderr, registry.host)
    assert "refuses the password podman/skopeo/buildah uses" in line
    assert line.endswith(f"Fix: {HELPER_FIX} --format containers {registry.host}")


# The AWS identity and the token.


@pytest.fixture(scope="module")
def iam_moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, dict[str, str]]]:
    """A moto server that enforces IAM: user `puller` may get tokens, user `refused` only
    knows who it is. Its access keys, by user name."""
    import botocore.session

    with moto_server(tmp_path_factory.mktemp("iam-moto") / "moto.log") as url:
        iam = botocore.session.Session().create_client(
            "iam",
            region_name="us-east-1",
            endpoint_url=url,
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
        )
        keys = {}
        for name, actions in (
            ("puller", ["ecr:GetAuthorizationToken", "sts:GetCallerIdentity"]),
            ("refused", ["sts:GetCallerIdentity"]),
        ):
            iam.create_user(UserName=name)
            policy = {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": actions, "Resource": "*"}
            ]}  # fmt: skip
            iam.put_user_policy(
                UserName=name, PolicyName="doctor", PolicyDocument=json.dumps(policy)
            )
            key = iam.create_access_key(UserName=name)["AccessKey"]
            keys[name] = {
                "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
                "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"],
                "AWS_ENDPOINT_URL": url,
            }
        # From now on every request is signed-checked and its action checked against IAM.
        request = urllib.request.Request(  # noqa: S310 - the loopback moto
            f"{url}/moto-api/reset-auth",
            data=b"0",
            method="POST",
            headers={"Content-Type": "text/plain"},  # not a form: moto reads the raw body
        )
        with urllib.request.urlopen(request, timeout=30):  # noqa: S310
            pass
        yield keys


def test_identity_without_ecr_permission(
    env: dict[str, str], registry: RegistryServer, iam_moto: dict[str, dict[str, str]]
) -> None:
    mapped(env, registry.host)
    docker_config(env, {"credHelpers": {registry.host: "ecrlogin"}})
    code, report, stderr = run_doctor({**env, **iam_moto["refused"]}, registry.host)
    assert code == 1
    line = verdict_line(stderr, registry.host)
    assert "arn:aws:iam::123456789012:user/refused may not call ecr:GetAuthorizationToken" in line
    assert line.endswith(
        "Fix: aws iam attach-user-policy --user-name refused --policy-arn "
        "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly"
    )
    entry = report["registries"][0]
    assert entry["cause"] == "token-denied"
    assert entry["identity"]["arn"] == "arn:aws:iam::123456789012:user/refused"
    assert entry["live"]["withToken"] is None  # no token to try
    # The same set-up as a permitted identity: it works.
    code, report, stderr = run_doctor({**env, **iam_moto["puller"]}, registry.host)
    assert code == 0, stderr
    assert report["registries"][0]["identity"]["arn"].endswith(":user/puller")


def test_no_credentials_names_aws_configure(env: dict[str, str], registry: RegistryServer) -> None:
    mapped(env, registry.host)
    docker_config(env, {"credHelpers": {registry.host: "ecrlogin"}})
    bare = {k: v for k, v in env.items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    code, report, stderr = run_doctor(bare, registry.host)
    assert code == 1
    line = verdict_line(stderr, registry.host)
    assert "the AWS credentials of profile default do not work" in line
    assert line.endswith("Fix: aws configure")
    assert report["registries"][0]["cause"] == "identity-failed"


def test_expired_sso_session_names_sso_login(env: dict[str, str], registry: RegistryServer) -> None:
    mapped(env, registry.host)
    docker_config(env, {"credHelpers": {registry.host: "ecrlogin"}})
    Path(env["AWS_CONFIG_FILE"]).write_text(
        "[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\n"
        "sso_role_name = Reader\nregion = us-east-1\n\n"
        "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n"
        "sso_region = us-east-1\n"
    )
    bare = {k: v for k, v in env.items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    code, _report, stderr = run_doctor({**bare, "AWS_PROFILE": "dev"}, registry.host)
    assert code == 1
    line = verdict_line(stderr, registry.host)
    assert "profile dev do not work" in line
    assert line.endswith("Fix: aws sso login --profile dev")


def test_token_of_another_account_is_refused(env: dict[str, str], registry: RegistryServer) -> None:
    # moto issues "111111111111-auth-token" for that account: not the registry's password.
    mapped(env, registry.host, account="111111111111")
    docker_config(env, {"credHelpers": {registry.host: "ecrlogin"}})
    code, report, stderr = run_doctor(env, registry.host)
    assert code == 1
    line = verdict_line(stderr, registry.host)
    assert "refuses the token of arn:aws:sts::123456789012:user/moto (HTTP 401" in line
    assert f'[registries."{registry.host}"] profile = "PROFILE"' in line
    entry = report["registries"][0]
    assert [p["cause"] for p in entry["problems"]] == ["token-refused", "account-mismatch"]
    assert entry["live"]["withToken"] == 401


def test_warm_cache_costs_no_call(
    aws_env: dict[str, str], moto_url: str, fault_server: FaultServer, registry: RegistryServer
) -> None:
    # moto's tokens expired in 2015 and are never cached: the fault server's live until 2100.
    scenario = fault_server.scenario(token())
    env = {
        **on_path(aws_env, present=True),
        "AWS_ENDPOINT_URL_ECR": scenario.url,
        "AWS_ENDPOINT_URL_STS": moto_url,
    }
    mapped(env, registry.host)
    docker_config(env, {"credHelpers": {registry.host: "ecrlogin"}})
    # docker's own first pull warms the cache: the helper's get.
    warm = helper("get", registry.host, env=env)
    assert warm.returncode == 0, warm.stderr
    assert scenario.calls == 1
    code, report, stderr = run_doctor(env, "--no-live", registry.host)
    assert scenario.calls == 1  # no GetAuthorizationToken: the cache answered
    assert code == 0, stderr
    assert report["registries"][0]["token"]["fromCache"] is True
    assert report["registries"][0]["live"] is None


# The live check's failures.


def test_closed_port(env: dict[str, str]) -> None:
    host = f"127.0.0.1:{free_port()}"
    mapped(env, host)
    docker_config(env, {"credHelpers": {host: "ecrlogin"}})
    code, report, stderr = run_doctor(env, host)
    assert code == 1
    line = verdict_line(stderr, host)
    assert f"cannot connect to https://{host}/v2/: connection refused" in line
    assert line.endswith(f"Fix: check that a registry listens at {host} and any firewall or proxy")
    assert report["registries"][0]["live"]["failure"] == "connect"


def test_untrusted_certificate(env: dict[str, str], tls_fault_server: FaultServer) -> None:
    host = tls_fault_server.scenario(token()).url.split("/")[2]
    mapped(env, host)
    docker_config(env, {"credHelpers": {host: "ecrlogin"}})
    code, _report, stderr = run_doctor(env, host)
    assert code == 1
    line = verdict_line(stderr, host)
    # A certificate that fails verification is never retried over plain HTTP.
    assert f"the TLS handshake with https://{host}/v2/ failed" in line
    assert "self-signed certificate" in line
    assert line.endswith(f"Fix: give docker the registry's CA in /etc/docker/certs.d/{host}/ca.crt")


def test_registry_that_never_answers(env: dict[str, str]) -> None:
    # A socket that listens and never accepts: the connection is made, no answer comes.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        host = f"127.0.0.1:{listener.getsockname()[1]}"
        mapped(env, host)
        docker_config(env, {"credHelpers": {host: "ecrlogin"}})
        code, report, stderr = run_doctor(env, host, "--cli-read-timeout", "1")
    assert code == 1
    line = verdict_line(stderr, host)
    assert f"https://{host}/v2/ did not answer in time" in line
    assert line.endswith(
        "Fix: check the network, or raise --cli-connect-timeout / --cli-read-timeout"
    )
    assert report["registries"][0]["live"]["failure"] == "timeout"


def test_not_a_registry(env: dict[str, str], fault_server: FaultServer) -> None:
    # The suite's token endpoint answers GET /v2/ with 501: a web server, not a registry.
    host = fault_server.scenario(token()).url.split("/")[2]
    mapped(env, host)
    docker_config(env, {"credHelpers": {host: "ecrlogin"}})
    code, _report, stderr = run_doctor(env, host)
    assert code == 1
    line = verdict_line(stderr, host)
    assert f"http://{host}/v2/ answered HTTP 501: not a registry's /v2/" in line
    assert line.endswith(f"Fix: check that {host} is a registry (it answered /v2/ with 501)")


def test_token_endpoint_unreachable(
    env: dict[str, str], moto_url: str, registry: RegistryServer
) -> None:
    mapped(env, registry.host)
    docker_config(env, {"credHelpers": {registry.host: "ecrlogin"}})
    closed = f"http://127.0.0.1:{free_port()}"
    env = {**env, "AWS_ENDPOINT_URL_ECR": closed, "AWS_ENDPOINT_URL_STS": moto_url}
    code, report, stderr = run_doctor(env, registry.host)
    assert code == 1
    line = verdict_line(stderr, registry.host)
    assert f"no token: Could not connect to {closed}" in line
    assert line.endswith("Fix: Check the network, --region and --endpoint-url.")
    assert report["registries"][0]["cause"] == "token-failed"


def test_dns_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    # A name that does not exist would be asked of this machine's DNS server, which is
    # network beyond loopback: the resolver's answer is injected instead.
    def no_such_host(*args: object, **kwargs: object) -> list[object]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    host = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
    result = doctor.probe(host, ClientOptions(), ("AWS", "secret"))
    assert result.failure is doctor.Cause.DNS
    (problem,) = doctor._probe_problems(result, host, None, None)
    assert problem.fix == "check the host name and DNS: getent hosts " + host


class _Denying(http.server.BaseHTTPRequestHandler):
    """A registry whose repository policy refuses the caller: 401 without credentials, 403
    `DENIED` with them. A stub: distribution's htpasswd auth never answers 403."""

    def do_GET(self) -> None:
        if self.headers.get("Authorization"):
            body = b'{"errors":[{"code":"DENIED","message":"not allowed"}]}'
            self.send_response(403)
        else:
            body = b'{"errors":[{"code":"UNAUTHORIZED"}]}'
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="doctor"')
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_denied(env: dict[str, str]) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Denying)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        host = f"127.0.0.1:{server.server_address[1]}"
        mapped(env, host)
        docker_config(env, {"credHelpers": {host: "ecrlogin"}})
        code, report, stderr = run_doctor(env, host)
    finally:
        server.shutdown()
        server.server_close()
    assert code == 1
    line = verdict_line(stderr, host)
    assert "the registry denies arn:aws:sts::123456789012:user/moto (HTTP 403 DENIED)" in line
    assert "Fix: allow arn:aws:sts::123456789012:user/moto in the repository policy" in line
    assert report["registries"][0]["live"]["errorCode"] == "DENIED"


BEARER = "bEaReR-doctor-test-token"


class _TokenAuth(http.server.BaseHTTPRequestHandler):
    """A registry with token auth, shaped like ECR Public's: /v2/ challenges for a Bearer
    token that its realm issues for Basic credentials. A stub: ECR Public itself is not on
    loopback, and the suite's registry takes Basic credentials directly."""

    def do_GET(self) -> None:
        given = self.headers.get("Authorization", "")
        if self.path.startswith("/token?"):
            good = given == "Basic " + basic_token("AWS", MOTO_PASSWORD)
            assert "service=doctor.test" in self.path
            assert "scope=aws" in self.path
            self._answer(200 if good else 401, {"token": BEARER} if good else {})
        elif given == f"Bearer {BEARER}":
            self._answer(200, {})
        else:
            challenge = f'Bearer realm="http://{self.headers["Host"]}/token",service="doctor.test",scope="aws"'
            self._answer(401, {"errors": [{"code": "UNAUTHORIZED"}]}, challenge)

    def _answer(self, status: int, payload: object, challenge: str | None = None) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        if challenge:
            self.send_header("WWW-Authenticate", challenge)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_token_auth_registry(env: dict[str, str]) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _TokenAuth)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        host = f"127.0.0.1:{server.server_address[1]}"
        mapped(env, host)
        docker_config(
            env,
            {
                "credHelpers": {host: "ecrlogin"},
                "auths": {host: {"auth": basic_token("AWS", "not-the-password")}},
            },
        )
        env = {**env, "REGISTRY_AUTH_FILE": str(Path(env["HOME"]) / "auth.json")}
        Path(env["REGISTRY_AUTH_FILE"]).write_text(
            json.dumps({"auths": {host: {"auth": basic_token("AWS", "not-the-password")}}})
        )
        code, report, stderr = run_doctor(env, host)
    finally:
        server.shutdown()
        server.server_close()
    entry = report["registries"][0]
    assert entry["live"]["withToken"] == 200  # through the realm's Bearer token
    assert client(report, "podman/skopeo/buildah")["storedStatus"] == 401  # the realm refused
    assert code == 1
    assert "refuses the password podman/skopeo/buildah uses" in verdict_line(stderr, host)
    assert BEARER not in stderr + json.dumps(report)


# What it looks at, and what it never does.


def test_not_an_ecr_host(env: dict[str, str]) -> None:
    code, report, stderr = run_doctor(env, "registry.example.com")
    assert code == 1
    line = verdict_line(stderr, "registry.example.com")
    assert "not an ECR registry host" in line
    assert '[registries."HOST"] account = ' in line
    assert report["registries"][0]["cause"] == "not-ecr"


def test_no_target_finds_every_named_registry(env: dict[str, str]) -> None:
    write_config(
        env,
        '[registries."registry.internal:5000"]\naccount = "210987654321"\nregion = "eu-west-1"\n',
    )
    docker_config(
        env,
        {
            "auths": {"https://index.docker.io/v1/": {"auth": basic_token("me", "hub")}},
            "credHelpers": {
                "111122223333.dkr.ecr.eu-central-1.amazonaws.com": "ecrlogin",
                "public.ecr.aws": "ecrlogin",
            },
        },
    )
    code, report, _stderr = run_doctor(env, "--no-live")
    assert [entry["registry"] for entry in report["registries"]] == [
        "111122223333.dkr.ecr.eu-central-1.amazonaws.com",
        "public.ecr.aws",
        "registry.internal:5000",
        "123456789012.dkr.ecr.us-east-1.amazonaws.com",  # the caller's own, from the token
    ]
    assert [entry["requested"] for entry in report["registries"]][-1] == "default registry"
    public = report["registries"][1]
    assert (public["public"], public["region"], public["account"]) == (True, "us-east-1", None)
    assert code == 1  # the default registry has no entry
    assert report["registries"][-1]["cause"] == "no-entry"


def tree_digest(root: Path) -> str:
    """A digest of every path, type, mode and content under `root`."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        info = path.lstat()
        digest.update(f"{path.relative_to(root)}\0{info.st_mode}\0".encode())
        if path.is_file() and not path.is_symlink():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def test_changes_nothing_and_leaks_nothing(
    env: dict[str, str], registry: RegistryServer, fault_server: FaultServer, moto_url: str
) -> None:
    home = Path(env["HOME"])
    mapped(env, registry.host)
    stored_password = ecr_password(EXPIRED)
    docker_config(
        env,
        {
            "auths": {
                registry.host: {"auth": basic_token("AWS", MOTO_PASSWORD)},
                "111122223333.dkr.ecr.eu-central-1.amazonaws.com": {
                    "auth": basic_token("AWS", stored_password)
                },
            },
            "credHelpers": {"public.ecr.aws": "ecrlogin"},
        },
        mode=0o644,
    )
    containers = Path(env["XDG_RUNTIME_DIR"]) / "containers" / "auth.json"
    containers.parent.mkdir(parents=True)
    containers.write_text(json.dumps({"auths": {registry.host: {"auth": basic_token("AWS", "x")}}}))
    # A warm cache entry, too: doctor reads it and must not rewrite, sweep or lock it.
    scenario = fault_server.scenario(token())
    warm_env = {**env, "AWS_ENDPOINT_URL_ECR": scenario.url, "AWS_ENDPOINT_URL_STS": moto_url}
    assert helper("get", registry.host, env=warm_env).returncode == 0
    before = tree_digest(home)
    outputs = []
    # No live check of the amazonaws.com hosts: that would be network beyond loopback.
    for args, run_env in (
        (("--no-live",), env),
        ((registry.host,), env),
        (("--no-live",), warm_env),
        ((registry.host, "--debug"), env),
    ):
        done = ecrlogin("doctor", *args, "--output", "json", env=run_env)
        outputs.append(done.stdout + done.stderr)
        assert done.returncode == 1, done.stderr  # the expired token and the x password
    assert tree_digest(home) == before
    secrets = [
        MOTO_PASSWORD,
        basic_token("AWS", MOTO_PASSWORD),
        stored_password,
        basic_token("AWS", stored_password),
        FAULT_PASSWORD,
        FAULT_TOKEN,
        SECRET_ACCESS_KEY,
    ]
    for output in outputs:
        for secret in secrets:
            assert secret.encode() not in output
