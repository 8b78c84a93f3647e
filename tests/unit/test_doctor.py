"""The doctor's rules, called with plain arguments: search orders, precedence, expiries."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from ecrlogin import doctor
from ecrlogin.doctor import ClientConfigs, ConfigFile, Source


def configs(
    docker: dict[str, Any] | None,
    *containers: dict[str, Any] | None,
    env_auths: dict[str, Any] | None = None,
) -> ClientConfigs:
    docker_file = ConfigFile("/home/u/.docker/config.json", docker, 0o600)
    files = tuple(
        ConfigFile(f"/containers/{i}.json", data, 0o600) for i, data in enumerate(containers)
    )
    return ClientConfigs(docker_file, env_auths, None, (*files, docker_file), True)


def auth(password: str, user: str = "AWS") -> dict[str, str]:
    return {"auth": base64.b64encode(f"{user}:{password}".encode()).decode()}


HOST = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"


def test_containers_search_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = {"HOME": str(tmp_path), "XDG_RUNTIME_DIR": str(tmp_path / "run")}
    for name in ("REGISTRY_AUTH_FILE", "DOCKER_CONFIG", "XDG_CONFIG_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", env["XDG_RUNTIME_DIR"])
    assert doctor.containers_search_order(env) == [
        (tmp_path / "run" / "containers" / "auth.json", False),
        (tmp_path / ".config" / "containers" / "auth.json", False),
        (tmp_path / ".docker" / "config.json", False),
        (tmp_path / ".dockercfg", True),
    ]
    # REGISTRY_AUTH_FILE is the only file read when set.
    explicit = tmp_path / "auth.json"
    assert doctor.containers_search_order({**env, "REGISTRY_AUTH_FILE": str(explicit)}) == [
        (explicit, False)
    ]


def test_docker_precedence_and_shadows() -> None:
    data = {
        "credHelpers": {HOST: "ecrlogin"},
        "credsStore": "desktop",
        "auths": {f"https://{HOST}/v1/": auth("old")},
    }
    found = doctor.resolve_docker(configs(data), HOST)
    assert found.source is Source.CRED_HELPERS
    assert found.shadows == (
        "credsStore 'desktop' in /home/u/.docker/config.json",
        f"the auths entry 'https://{HOST}/v1/' in /home/u/.docker/config.json",
    )
    del data["credHelpers"]
    assert doctor.resolve_docker(configs(data), HOST).source is Source.CREDS_STORE
    del data["credsStore"]
    found = doctor.resolve_docker(configs(data), HOST)
    assert (found.source, found.key) == (Source.AUTHS, f"https://{HOST}/v1/")
    # An auths entry without credentials (what `docker login` leaves with a store) is none.
    assert doctor.resolve_docker(configs({"auths": {HOST: {}}}), HOST).source is None


def test_containers_ignore_creds_store_and_take_the_first_file() -> None:
    found = doctor.resolve_containers(
        configs({"credsStore": "desktop"}, {"auths": {HOST: auth("first")}}, None), HOST
    )
    assert (found.source, found.config, found.shadows) == (Source.AUTHS, "/containers/0.json", ())
    found = doctor.resolve_containers(
        configs({"credHelpers": {HOST: "ecrlogin"}}, None, {"auths": {HOST: auth("second")}}),
        HOST,
    )
    assert found.config == "/containers/1.json"
    assert found.shadows == ("credHelpers 'ecrlogin' in /home/u/.docker/config.json",)


def test_docker_auth_config_wins_over_the_file() -> None:
    found = doctor.resolve_docker(
        configs({"credHelpers": {HOST: "ecrlogin"}}, env_auths={HOST: auth("env")}), HOST
    )
    assert found.source is Source.ENV
    assert found.config == "DOCKER_AUTH_CONFIG"
    assert found.shadows == ("credHelpers 'ecrlogin' in /home/u/.docker/config.json",)


def test_ecr_password_expiry() -> None:
    body = {"payload": "x", "datakey": "y", "version": "2", "type": "DATA_KEY", "expiration": 0}
    password = base64.b64encode(json.dumps(body).encode()).decode()
    assert doctor.ecr_password_expiry(password) == datetime(1970, 1, 1, tzinfo=timezone.utc)
    for other in ("hunter2", "123456789012-auth-token", base64.b64encode(b"[1]").decode()):
        assert doctor.ecr_password_expiry(other) is None


def test_helper_kinds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    assert doctor.helper_info("ecrlogin").kind is doctor.HelperKind.ECRLOGIN
    assert doctor.helper_info("ecr-login").kind is doctor.HelperKind.GO_ECR_LOGIN
    assert doctor.helper_info("ecr-login").program == "docker-credential-ecr-login"
    assert doctor.helper_info("desktop").kind is doctor.HelperKind.OTHER
    assert doctor.helper_info("desktop").path is None


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1:5000", True),
        ("127.1.2.3", True),
        ("localhost:5000", True),
        ("[::1]:5000", True),
        ("10.0.0.1:5000", False),
        ("123456789012.dkr.ecr.eu-west-1.amazonaws.com", False),
        ("localhost.example.com", False),
    ],
)
def test_only_loopback_gets_plain_http(host: str, loopback: bool) -> None:
    assert doctor.is_loopback(host) is loopback


def test_bearer_challenge() -> None:
    header = 'Bearer realm="https://public.ecr.aws/token",service="public.ecr.aws",scope="aws"'
    assert doctor.bearer_challenge(header) == {
        "realm": "https://public.ecr.aws/token",
        "service": "public.ecr.aws",
        "scope": "aws",
    }
    assert doctor.bearer_challenge('Basic realm="x"') is None
    assert doctor.bearer_challenge(None) is None


@pytest.mark.parametrize(
    ("arn", "command"),
    [
        (
            "arn:aws:iam::123456789012:user/ci/deployer",
            "aws iam attach-user-policy --user-name deployer",
        ),
        (
            "arn:aws:sts::123456789012:assumed-role/Builder/i-0abc",
            "aws iam attach-role-policy --role-name Builder",
        ),
    ],
)
def test_grant_fix(arn: str, command: str) -> None:
    identity = doctor.Identity(profile=None, account="123456789012", arn=arn, source="env")
    fix = doctor._grant_fix(identity, "aws-cn", public=False)
    assert (
        fix
        == f"{command} --policy-arn arn:aws-cn:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly"
    )
