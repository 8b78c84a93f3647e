"""`pull-secret`: Kubernetes names, all-or-nothing fetching, the exact Secret, and kubectl's own.

The core tests call `ecrlogin.pullsecret` with plain arguments and the counting
fetcher; the reference tests compare with what `kubectl create secret
docker-registry --dry-run=client -o json` prints (offline, KUBECONFIG=/dev/null);
the CLI tests run the installed `ecrlogin` against the suite's moto server.
"""

from __future__ import annotations

import base64
import json
import shlex
from pathlib import Path
from typing import Any

import pytest

from ecrlogin import pullsecret, render
from ecrlogin.config import Config, RegistryConfig
from ecrlogin.errors import ParameterError, shorten
from ecrlogin.options import ClientOptions
from tests.support import faultserver as fs
from tests.support.env import ACCOUNT, MOTO_PASSWORD
from tests.support.faultserver import FaultServer
from tests.support.kube import decoded_config, guide_commands, kubectl, kubectl_objects
from tests.support.login import CountingFetcher
from tests.support.tools import ecrlogin

EU = "111122223333.dkr.ecr.eu-west-1.amazonaws.com"
EU2 = "444455556666.dkr.ecr.eu-west-1.amazonaws.com"
US = "111122223333.dkr.ecr.us-west-2.amazonaws.com"
DEFAULT = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


# Kubernetes' name rules, checked before any call.


@pytest.mark.parametrize(
    "name", ["regcred", "a", "0", "ecr-pull", "ecr.pull.v2", "a-b.c-d", "x" * 253]
)
def test_secret_names_kubernetes_accepts(name: str) -> None:
    assert pullsecret.check_name(name) == name


@pytest.mark.parametrize(
    "name",
    [
        *("", "Regcred", "reg_cred", "-regcred", "regcred-", "a..b", ".a", "a.", "a b"),
        *("x" * 254, "regcred\n", "é", "a/b"),
    ],
)
def test_secret_names_kubernetes_rejects(name: str) -> None:
    with pytest.raises(ParameterError) as caught:
        pullsecret.check_name(name)
    assert caught.value.exit_code == 252
    assert caught.value.message.startswith("Invalid Secret name ")
    assert caught.value.message.endswith("Pick a name such as regcred or ecr-pull.")


def test_the_name_line_names_the_rule_and_the_fix() -> None:
    with pytest.raises(ParameterError) as caught:
        pullsecret.check_name("Reg_Cred")
    assert caught.value.message == (
        "Invalid Secret name 'Reg_Cred': Kubernetes wants a DNS-1123 subdomain (lower-case "
        "letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 "
        "characters). Pick a name such as regcred or ecr-pull."
    )


@pytest.mark.parametrize(
    "namespace", ["", "Apps", "a.b", "-a", "a-", "a_b", "x" * 64, "apps\n", "kube system"]
)
def test_namespaces_must_be_dns_labels(namespace: str) -> None:
    with pytest.raises(ParameterError) as caught:
        pullsecret.check_namespaces(["default", namespace])
    assert caught.value.exit_code == 252
    assert caught.value.message == (
        f"Invalid namespace {shorten(namespace)}: Kubernetes wants a DNS-1123 label (lower-case "
        "letters, digits and '-', starting and ending with a letter or digit, at most 63 "
        "characters). Pass the namespace as `kubectl get namespaces` lists it."
    )


def test_namespaces_keep_their_order_once_each() -> None:
    assert pullsecret.check_namespaces(["jobs", "kube-system", "jobs", "x" * 63]) == (
        "jobs",
        "kube-system",
        "x" * 63,
    )


def test_a_bad_name_costs_no_token_call() -> None:
    fetcher = CountingFetcher()
    with pytest.raises(ParameterError):
        pullsecret.fetch("ok", ["Bad"], [EU], Config(), ClientOptions(), fetcher)
    with pytest.raises(ParameterError):
        pullsecret.fetch("Bad", [], [EU], Config(), ClientOptions(), fetcher)
    assert fetcher.calls == []


# Fetching: login's targets, grouping and profiles; all or nothing.


def test_two_regions_one_call_each_and_every_host_in_order() -> None:
    fetcher = CountingFetcher()
    secret = pullsecret.fetch(
        "regcred", ["apps", "jobs"], [US, f"{EU}/app:1", EU2], Config(), ClientOptions(), fetcher
    )
    assert sorted(options.region or "" for options, _, _ in fetcher.calls) == [
        "eu-west-1",
        "us-west-2",
    ]
    assert secret.ok
    assert secret.exit_code == 0
    assert (secret.name, secret.namespaces) == ("regcred", ("apps", "jobs"))
    assert secret.credentials() == {
        US: ("AWS", "password-us-west-2"),
        EU: ("AWS", "password-eu-west-1"),
        EU2: ("AWS", "password-eu-west-1"),
    }


def test_a_per_registry_profile_gets_its_own_call() -> None:
    config = Config(registries={EU2: RegistryConfig(host=EU2, profile="other")})
    fetcher = CountingFetcher()
    pullsecret.fetch("regcred", [], [EU, EU2], config, ClientOptions(profile="dev"), fetcher)
    assert sorted((o.region, o.profile) for o, _, _ in fetcher.calls) == [
        ("eu-west-1", "dev"),
        ("eu-west-1", "other"),
    ]


def test_no_target_is_the_callers_default_registry() -> None:
    secret = pullsecret.fetch(
        "regcred", [], [], Config(), ClientOptions(region="eu-north-1"), CountingFetcher()
    )
    assert secret.credentials() == {
        f"{ACCOUNT}.dkr.ecr.eu-north-1.amazonaws.com": ("AWS", "password-eu-north-1")
    }


def test_one_failing_registry_fails_the_secret() -> None:
    secret = pullsecret.fetch(
        "regcred", [], [EU, US], Config(), ClientOptions(), CountingFetcher(refuse={"us-west-2"})
    )
    assert not secret.ok
    assert secret.exit_code == 254
    assert [r.ok for r in secret.results] == [True, False]


# The bytes.


def test_go_json_escapes_what_go_escapes() -> None:
    assert render.go_json({"a": '<b>&\u2028\u2029é\t"\\'}) == (
        '{"a":"\\u003cb\\u003e\\u0026\\u2028\\u2029é\\t\\"\\\\"}'
    )


def test_docker_config_json_sorts_hosts_as_go_does() -> None:
    text = render.docker_config_json({US: ("AWS", "p2"), EU: ("AWS", "p1")})
    assert text == (
        f'{{"auths":{{"{EU}":{{"username":"AWS","password":"p1","auth":"{b64("AWS:p1")}"}},'
        f'"{US}":{{"username":"AWS","password":"p2","auth":"{b64("AWS:p2")}"}}}}}}'
    )


def test_several_namespaces_make_a_v1_list_of_the_same_secret() -> None:
    text = render.pull_secret("regcred", ["apps", "jobs"], {EU: ("AWS", "p")})
    document = json.loads(text)
    assert (document["apiVersion"], document["kind"], list(document)) == (
        "v1",
        "List",
        ["apiVersion", "kind", "items"],
    )
    single = json.loads(render.pull_secret("regcred", [], {EU: ("AWS", "p")}))
    assert [item["metadata"] for item in document["items"]] == [
        {"name": "regcred", "namespace": "apps"},
        {"name": "regcred", "namespace": "jobs"},
    ]
    assert all(item["data"] == single["data"] for item in document["items"])
    assert single["metadata"] == {"name": "regcred"}  # kubectl's current namespace


# The reference: kubectl's own Secret for the same password.

# Every character Go's JSON encoder treats specially, ':' (the USER:PASSWORD
# separator), quotes and non-ASCII: the bytes must match kubectl's all the same.
TRICKY_PASSWORD = 'eyJwYXlsb2Fk:/+="\\<script>&\u2028\u2029é\tend'


def kubectl_secret(
    tmp_path: Path, name: str, host: str, password: str, namespace: str | None = None
) -> bytes:
    """`kubectl create secret docker-registry ... --dry-run=client -o json`, offline.

    The test password goes on kubectl's command line: exactly what ecrlogin's
    README tells people not to do with a real one.
    """
    args = ["create", "secret", "docker-registry", name, f"--docker-server={host}"]
    args += ["--docker-username=AWS", f"--docker-password={password}", "--dry-run=client"]
    if namespace is not None:
        args.append(f"--namespace={namespace}")
    return kubectl([*args, "-o", "json"], tmp_path)


@pytest.mark.parametrize("password", [MOTO_PASSWORD, TRICKY_PASSWORD])
@pytest.mark.parametrize("namespace", [None, "apps"])
def test_the_secret_is_kubectls_less_its_null_timestamp(
    tmp_path: Path, password: str, namespace: str | None
) -> None:
    theirs = kubectl_secret(tmp_path, "regcred", EU, password, namespace)
    ours = render.pull_secret("regcred", [namespace] if namespace else [], {EU: ("AWS", password)})
    # The decoded .dockerconfigjson: the same bytes, not merely the same JSON.
    assert decoded_config(json.loads(ours)) == decoded_config(json.loads(theirs))
    # The whole Secret: apiVersion, kind, type, metadata, data, in kubectl's layout.
    # The one deliberate difference: kubectl's `"creationTimestamp": null` (a zero
    # Go time, which the API server sets anyway) is left out.
    line = ',\n        "creationTimestamp": null'
    assert line in theirs.decode()
    assert ours == theirs.decode().replace(line, "")


def test_every_host_of_a_multi_registry_secret_is_kubectls_entry(tmp_path: Path) -> None:
    # kubectl takes one --docker-server; each host's entry must be what it writes.
    credentials = {US: ("AWS", "password-us"), EU: ("AWS", TRICKY_PASSWORD)}
    ours = json.loads(decoded_config(json.loads(render.pull_secret("regcred", [], credentials))))
    assert list(ours["auths"]) == sorted(credentials)  # Go writes a map's keys sorted
    for host, (_, password) in credentials.items():
        theirs = json.loads(
            decoded_config(json.loads(kubectl_secret(tmp_path, "r", host, password)))
        )
        assert ours["auths"][host] == theirs["auths"][host]
        assert list(ours["auths"][host]) == list(theirs["auths"][host])


# The CLI against moto.


@pytest.fixture
def env(aws_env: dict[str, str]) -> dict[str, str]:
    return {**aws_env, "TZ": "UTC"}


def expected_secret(hosts: list[str], password: str, namespace: str | None, indent: str) -> str:
    """The Secret text written out by hand, to compare the CLI's bytes with."""
    auths = ",".join(
        f'"{host}":{{"username":"AWS","password":"{password}","auth":"{b64("AWS:" + password)}"}}'
        for host in sorted(hosts)
    )
    data = b64(f'{{"auths":{{{auths}}}}}')
    meta = '"name": "regcred"' + (
        f',\n{indent}        "namespace": "{namespace}"' if namespace else ""
    )
    return (
        f"{indent}{{\n"
        f'{indent}    "kind": "Secret",\n'
        f'{indent}    "apiVersion": "v1",\n'
        f'{indent}    "metadata": {{\n'
        f"{indent}        {meta}\n"
        f"{indent}    }},\n"
        f'{indent}    "data": {{\n'
        f'{indent}        ".dockerconfigjson": "{data}"\n'
        f"{indent}    }},\n"
        f'{indent}    "type": "kubernetes.io/dockerconfigjson"\n'
        f"{indent}}}"
    )


def test_cli_default_registry(env: dict[str, str]) -> None:
    result = ecrlogin("pull-secret", "regcred", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode() == expected_secret([DEFAULT], MOTO_PASSWORD, None, "") + "\n"
    assert result.stderr.decode() == (
        f"ecrlogin: ok: {DEFAULT}: password in Secret regcred, expired 2015-01-01 00:00 UTC\n"
    )


def test_cli_several_namespaces_and_targets_in_two_regions(env: dict[str, str]) -> None:
    result = ecrlogin(
        "pull-secret", "regcred", US, EU, f"{EU2}/app:1.2", "-n", "apps", "--namespace", "jobs",
        "-n", "apps", env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    hosts = [US, EU, EU2]
    items = ",\n".join(
        expected_secret(hosts, MOTO_PASSWORD, namespace, "        ")
        for namespace in ("apps", "jobs")
    )
    assert result.stdout.decode() == (
        '{\n    "apiVersion": "v1",\n    "kind": "List",\n    "items": [\n' + items + "\n    ]\n}\n"
    )
    where = "Secret regcred (namespaces apps, jobs), expired 2015-01-01 00:00 UTC"
    assert result.stderr.decode() == "".join(
        f"ecrlogin: ok: {host}: password in {where}\n" for host in hosts
    )


def test_cli_a_refused_region_prints_no_secret(
    aws_env: dict[str, str], fault_server: FaultServer
) -> None:
    # A stub: moto cannot refuse one region and answer another.
    stub = fault_server.scenario(fs.by_region({"us-west-2": fs.access_denied()}, fs.regional()))
    result = ecrlogin(
        "pull-secret",
        "regcred",
        EU,
        US,
        "-n",
        "apps",
        env={**aws_env, "AWS_ENDPOINT_URL": stub.url},
    )
    assert result.returncode == 254
    assert result.stdout == b""
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(
        f"ecrlogin: error: {US}: GetAuthorizationToken was refused with AccessDeniedException"
    )
    assert lines[1].startswith(f"ecrlogin: error: 1 of 2 registries failed: {US} (")
    assert lines[1].endswith("); no Secret printed")
    assert fs.region_password("eu-west-1") not in result.stderr.decode()


def test_cli_an_unknown_target_prints_no_secret(env: dict[str, str]) -> None:
    result = ecrlogin("pull-secret", "regcred", EU, "docker.io/library/alpine", env=env)
    assert result.returncode == 252
    assert result.stdout == b""
    assert result.stderr.decode().splitlines() == [
        "ecrlogin: error: docker.io/library/alpine: 'docker.io/library/alpine' is not an ECR "
        "registry host or image reference. Name a host such as "
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com, or map a custom host in the ecrlogin "
        'config ([registries."HOST"] with account and region).',
        "ecrlogin: error: 1 of 2 registries failed: docker.io/library/alpine "
        "('docker.io/library/alpine' is not an ECR registry host or image reference); "
        "no Secret printed",
    ]


@pytest.mark.parametrize(
    ("args", "start"),
    [
        (("Regcred",), "ecrlogin: error: Invalid Secret name 'Regcred': "),
        (("regcred", "-n", "Apps"), "ecrlogin: error: Invalid namespace 'Apps': "),
    ],
)
def test_cli_bad_names_fail_before_any_call(
    env: dict[str, str], args: tuple[str, ...], start: str
) -> None:
    # Nothing listens on port 9: a call would fail with 255, not 252.
    result = ecrlogin(
        "pull-secret", *args, EU, env={**env, "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}
    )
    assert (result.returncode, result.stdout) == (252, b"")
    [line] = result.stderr.decode().splitlines()
    assert line.startswith(start)


def test_cli_no_name_is_a_usage_error(env: dict[str, str]) -> None:
    result = ecrlogin("pull-secret", env=env)
    assert (result.returncode, result.stdout) == (252, b"")
    assert "Missing argument 'NAME'" in result.stderr.decode()


def test_cli_the_password_reaches_stdout_only(env: dict[str, str]) -> None:
    result = ecrlogin("--debug", "pull-secret", "regcred", EU, env=env)
    assert result.returncode == 0, result.stderr
    assert b"GetAuthorizationToken" in result.stderr  # the debug log did run
    for secret in (MOTO_PASSWORD, b64(f"AWS:{MOTO_PASSWORD}")):
        assert secret.encode() not in result.stderr
    assert (
        decoded_config(json.loads(result.stdout))
        == (
            f'{{"auths":{{"{EU}":{{"username":"AWS","password":"{MOTO_PASSWORD}",'
            f'"auth":"{b64("AWS:" + MOTO_PASSWORD)}"}}}}}}'
        ).encode()
    )


def test_cli_cache_serves_the_second_secret(
    aws_env: dict[str, str], fault_server: FaultServer
) -> None:
    # A stub: moto's tokens expired in 2015, so the cache would never serve them.
    stub = fault_server.scenario(fs.regional(expires_at=fs.expiry_in(12 * 3600)))
    env = {**aws_env, "AWS_ENDPOINT_URL": stub.url}
    first = ecrlogin("pull-secret", "regcred", EU, "--cache", env=env)
    second = ecrlogin("--cache", "pull-secret", "regcred", EU, env=env)
    assert (first.returncode, second.returncode) == (0, 0), first.stderr + second.stderr
    assert first.stdout == second.stdout
    assert stub.calls == 1


def test_cli_output_is_what_kubectl_reads(env: dict[str, str], tmp_path: Path) -> None:
    # `kubectl apply` needs a server; `kubectl label --local -f -` parses the same
    # input offline and prints every object it found.
    result = ecrlogin("pull-secret", "regcred", EU, US, "-n", "apps", "-n", "jobs", env=env)
    assert result.returncode == 0, result.stderr
    objects = kubectl_objects(
        ["label", "--local", "-f", "-", "checked=yes"], tmp_path, result.stdout
    )
    assert [(o["kind"], o["metadata"]["namespace"], o["type"]) for o in objects] == [
        ("Secret", "apps", "kubernetes.io/dockerconfigjson"),
        ("Secret", "jobs", "kubernetes.io/dockerconfigjson"),
    ]
    assert list(json.loads(decoded_config(objects[0]))["auths"]) == [EU, US]


# The Kubernetes guide's commands (docs/kubernetes.md), as written there.


SECTION = "## Kubernetes pull secrets: `ecrlogin pull-secret`"


def test_the_guide_pipelines_work_as_shown(env: dict[str, str], tmp_path: Path) -> None:
    pipelines = [c for c in guide_commands(SECTION) if c.startswith("ecrlogin pull-secret")]
    assert len(pipelines) == 2
    for pipeline in pipelines:
        left, right = pipeline.split(" | ")
        assert right == "kubectl apply -f -"
        result = ecrlogin(*shlex.split(left)[1:], env=env)
        assert result.returncode == 0, result.stderr
        # What `kubectl apply` would send, parsed by kubectl offline.
        objects = kubectl_objects(
            ["label", "--local", "-f", "-", "guide=yes"], tmp_path, result.stdout
        )
        assert {(o["kind"], o["metadata"]["name"]) for o in objects} == {("Secret", "regcred")}


def test_the_guide_service_account_patch(tmp_path: Path) -> None:
    [patch] = [c for c in guide_commands(SECTION) if c.startswith("kubectl patch")]
    words = shlex.split(patch)
    assert words[:4] == ["kubectl", "patch", "serviceaccount", "default"]
    body = words[words.index("-p") + 1]
    namespace = words[words.index("-n") + 1]
    for before in ([], [{"name": "old"}]):
        account: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": "default", "namespace": namespace},
        }
        if before:
            account["imagePullSecrets"] = before
        path = tmp_path / "sa.json"
        path.write_text(json.dumps(account))
        [patched] = kubectl_objects(["patch", "--local", "-f", str(path), "-p", body], tmp_path)
        # The guide says so: the list is replaced, not appended to.
        assert patched["imagePullSecrets"] == [{"name": "regcred"}]
