"""examples/kubernetes: the pull-secret refresh CronJob, its RBAC and its image.

Every manifest is parsed (PyYAML), checked for what docs/kubernetes.md promises (the
command, the Role's exact rules, the names that tie the pieces together), and
decoded by kubectl offline. No cluster is available: `kubectl create
--dry-run=client -f` and `kubectl apply` both ask a server (discovery, OpenAPI),
so the typed decoding of `kubectl set ... --local` stands in for them.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.kube import GUIDE, decoded_config, guide_section, kubectl_objects
from tests.support.tools import ecrlogin

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "kubernetes"
MANIFESTS = sorted(EXAMPLES.glob("*.yaml"))


def load(name: str) -> dict[str, Any]:
    """The one document of examples/kubernetes/NAME."""
    [document] = list(yaml.safe_load_all((EXAMPLES / name).read_text()))
    assert isinstance(document, dict)
    return document


def by_kind() -> dict[str, dict[str, Any]]:
    """Every manifest's document, by kind (one each)."""
    documents = [doc for path in MANIFESTS for doc in yaml.safe_load_all(path.read_text())]
    kinds = {doc["kind"]: doc for doc in documents}
    assert len(kinds) == len(documents), "one object of each kind"
    return kinds


def container(cronjob: dict[str, Any]) -> dict[str, Any]:
    [only] = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    assert isinstance(only, dict)
    return only


def guide_refresh_command() -> str:
    """The one-line `sh` block of the guide's CronJob section: the command the job runs."""
    section = guide_section("### Refresh it every 6 hours: a CronJob")
    block = section[section.index("```sh\n") + len("```sh\n") :]
    command, rest = block.split("\n", 1)
    assert rest.startswith("```"), "a one-line block"
    return command


def test_every_manifest_is_one_object_of_the_recipe() -> None:
    assert [path.name for path in MANIFESTS] == [
        "cronjob.yaml",
        "role.yaml",
        "rolebinding.yaml",
        "serviceaccount.yaml",
    ]
    kinds = by_kind()
    assert {(doc["apiVersion"], kind) for kind, doc in kinds.items()} == {
        ("batch/v1", "CronJob"),
        ("rbac.authorization.k8s.io/v1", "Role"),
        ("rbac.authorization.k8s.io/v1", "RoleBinding"),
        ("v1", "ServiceAccount"),
    }


def test_the_cronjob_runs_the_guide_command_every_six_hours() -> None:
    cronjob = load("cronjob.yaml")
    assert cronjob["spec"]["schedule"] == "0 */6 * * *"
    assert cronjob["spec"]["concurrencyPolicy"] == "Forbid"
    command = guide_refresh_command()
    assert command == "ecrlogin pull-secret regcred | kubectl apply -f -"
    # pipefail: without it the job's status would be kubectl's, not ecrlogin's.
    assert container(cronjob)["command"] == ["/bin/bash", "-o", "pipefail", "-c", command]


def test_the_role_allows_exactly_what_kubectl_apply_needs() -> None:
    role = load("role.yaml")
    secret_name = shlex.split(guide_refresh_command())[2]
    assert role["rules"] == [
        {"apiGroups": [""], "resources": ["secrets"], "verbs": ["create"]},
        {
            "apiGroups": [""],
            "resources": ["secrets"],
            "resourceNames": [secret_name],
            "verbs": ["get", "patch"],
        },
    ]


def test_the_names_tie_together() -> None:
    kinds = by_kind()
    account, role, binding, cronjob = (
        kinds[kind] for kind in ("ServiceAccount", "Role", "RoleBinding", "CronJob")
    )
    namespaces = {doc["metadata"]["namespace"] for doc in kinds.values()}
    assert namespaces == {"default"}
    pod = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == account["metadata"]["name"]
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "Role",
        "name": role["metadata"]["name"],
    }
    assert binding["subjects"] == [
        {
            "kind": "ServiceAccount",
            "name": account["metadata"]["name"],
            "namespace": account["metadata"]["namespace"],
        }
    ]


def test_the_image_is_the_one_the_dockerfile_builds() -> None:
    dockerfile = (EXAMPLES / "Dockerfile").read_text()
    cronjob = load("cronjob.yaml")
    image = container(cronjob)["image"]
    assert f"docker build -f examples/kubernetes/Dockerfile -t {image} ." in dockerfile
    assert f"docker build -f examples/kubernetes/Dockerfile -t {image} ." in GUIDE.read_text()
    # It runs as the user the pod asks for, with the tools the command needs.
    security = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["securityContext"]
    assert f"USER {security['runAsUser']}:{security['runAsGroup']}" in dockerfile
    assert "pip install --no-cache-dir /src" in dockerfile
    assert "/usr/local/bin/kubectl" in dockerfile
    assert "sha256sum -c" in dockerfile


def prune(value: Any) -> Any:
    """`value` without None and empty maps: what kubectl's typed output adds on its own."""
    if isinstance(value, dict):
        pruned = {key: prune(item) for key, item in value.items() if item is not None}
        return {key: item for key, item in pruned.items() if item != {}}
    if isinstance(value, list):
        return [prune(item) for item in value]
    return value


@pytest.mark.parametrize(
    ("name", "args"),
    [
        # Typed decoding: a wrong type fails, an unknown field is dropped (so the
        # comparison below catches it). Setting the same account changes nothing;
        # the binding gets a subject `checked`, taken off again below.
        ("cronjob.yaml", ["set", "serviceaccount", "--local", "ecrlogin-refresh"]),
        ("rolebinding.yaml", ["set", "subject", "--local", "--serviceaccount=default:checked"]),
        # No `set` verb decodes these kinds: kubectl parses them untyped.
        ("role.yaml", ["label", "--local", "checked=yes"]),
        ("serviceaccount.yaml", ["label", "--local", "checked=yes"]),
    ],
)
def test_kubectl_reads_each_manifest_offline(name: str, args: list[str], tmp_path: Path) -> None:
    [decoded] = kubectl_objects([*args, "-f", str(EXAMPLES / name)], tmp_path)
    decoded["metadata"].get("labels", {}).pop("checked", None)
    if "subjects" in decoded:
        added = {"kind": "ServiceAccount", "name": "checked", "namespace": "default"}
        assert decoded["subjects"].pop() == added
    assert prune(decoded) == prune(load(name))


def test_the_cronjob_command_works_as_the_job_runs_it(
    aws_env: dict[str, str], tmp_path: Path
) -> None:
    # IRSA, as EKS sets it up: a role ARN and a web identity token file, no keys.
    # moto answers AssumeRoleWithWebIdentity and then GetAuthorizationToken.
    token_file = tmp_path / "token"
    token_file.write_text("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.c2ln")
    env = {key: value for key, value in aws_env.items() if not key.startswith("AWS_ACCESS")}
    del env["AWS_SECRET_ACCESS_KEY"], env["AWS_DEFAULT_REGION"]
    cronjob = load("cronjob.yaml")
    env.update({item["name"]: item["value"] for item in container(cronjob)["env"]})
    env.update(
        {
            "HOME": str(tmp_path),
            "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/ecrlogin-refresh",
            "AWS_WEB_IDENTITY_TOKEN_FILE": str(token_file),
        }
    )
    left, right = container(cronjob)["command"][-1].split(" | ")
    assert right == "kubectl apply -f -"
    result = ecrlogin(*shlex.split(left)[1:], env=env)
    assert result.returncode == 0, result.stderr
    [secret] = kubectl_objects(
        ["label", "--local", "-f", "-", "checked=yes"], tmp_path, result.stdout
    )
    assert (secret["metadata"]["name"], secret["type"]) == (
        "regcred",
        "kubernetes.io/dockerconfigjson",
    )
    region = env["AWS_REGION"]
    assert list(json.loads(decoded_config(secret))["auths"]) == [
        f"123456789012.dkr.ecr.{region}.amazonaws.com"
    ]
