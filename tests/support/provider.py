"""Support for the kubelet credential provider tests: run the plugin as kubelet does, and
check its answer by the rules kubelet applies to it.

The rules are written here from k8s.io/kubelet's credentialprovider API types and
kubelet's image-matching code (pkg/credentialprovider: `URLsMatch`, and
`time.ParseDuration` for `cacheDuration`), not copied from them.
"""

from __future__ import annotations

import base64
import fnmatch
import json
import re
import subprocess
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from tests.support.env import ACCOUNT
from tests.support.tools import BIN

PROVIDER = str(BIN / "ecrlogin-credential-provider")
GROUP = "credentialprovider.kubelet.k8s.io"
API_VERSIONS = (f"{GROUP}/v1", f"{GROUP}/v1beta1", f"{GROUP}/v1alpha1")
V1 = API_VERSIONS[0]
ROLE_ANNOTATION = "eks.amazonaws.com/ecr-role-arn"
RESPONSE_FIELDS = {"kind", "apiVersion", "cacheKeyType", "cacheDuration", "auth"}
CACHE_KEY_TYPES = {"Image", "Registry", "Global"}
HOST = f"{ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com"
IMAGE = f"{HOST}/team/app:1.2"
ROLE_A = f"arn:aws:iam::{ACCOUNT}:role/team-a-pull"
ROLE_B = f"arn:aws:iam::{ACCOUNT}:role/team-b-pull"


def sa_token(name: str, namespace: str = "default") -> str:
    """A service-account token shaped like kubelet's (a JWT; moto does not check the
    signature, and neither does anything in ecrlogin)."""

    def part(value: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    claims = {
        "iss": "https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE",
        "sub": f"system:serviceaccount:{namespace}:{name}",
        "aud": ["sts.amazonaws.com"],
    }
    return f"{part({'alg': 'RS256', 'kid': 'k1'})}.{part(claims)}.c2lnbmF0dXJlLW5vdC1jaGVja2Vk"


def request(
    image: str,
    api_version: str = V1,
    *,
    token: str | None = None,
    annotations: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """A CredentialProviderRequest as kubelet writes it."""
    body: dict[str, Any] = {"apiVersion": api_version, "kind": "CredentialProviderRequest"}
    body["image"] = image
    if token is not None:
        body["serviceAccountToken"] = token
    if annotations is not None:
        body["serviceAccountAnnotations"] = dict(annotations)
    return body


def encode(body: Mapping[str, Any] | bytes) -> bytes:
    """The bytes kubelet writes on the plugin's stdin."""
    return body if isinstance(body, bytes) else json.dumps(body).encode()


def provider(
    body: Mapping[str, Any] | bytes,
    *,
    env: Mapping[str, str],
    args: tuple[str, ...] = (),
    timeout: float = 60,
) -> subprocess.CompletedProcess[bytes]:
    """Run the installed ecrlogin-credential-provider with `body` on stdin."""
    return subprocess.run(
        [PROVIDER, *args],
        input=encode(body),
        env=dict(env),
        capture_output=True,
        timeout=timeout,
        check=False,
    )


def response_bytes(api_version: str, key: str, password: str, duration: str = "0s") -> bytes:
    """The exact bytes of an answer (the reference's field order, compact, a newline)."""
    body = {
        "kind": "CredentialProviderResponse",
        "apiVersion": api_version,
        "cacheKeyType": "Registry",
        "cacheDuration": duration,
        "auth": {key: {"username": "AWS", "password": password}},
    }
    return (json.dumps(body, separators=(",", ":")) + "\n").encode()


_DURATION_PART = re.compile(r"([0-9]*(?:\.[0-9]*)?)(ns|us|µs|ms|s|m|h)")
_UNIT_SECONDS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}


# time.Duration is int64 nanoseconds: ParseDuration refuses more ("invalid duration").
GO_MAX_DURATION = ((1 << 63) - 1) / 1e9


def parse_go_duration(text: str) -> float:
    """Seconds of a Go duration string, as time.ParseDuration reads it; ValueError if not one."""
    if text == "0":
        return 0.0
    sign = -1.0 if text.startswith("-") else 1.0
    rest = text.lstrip("+-")
    if not rest:
        raise ValueError(f"not a Go duration: {text!r}")
    total, position = 0.0, 0
    while position < len(rest):
        match = _DURATION_PART.match(rest, position)
        if match is None or match.group(1) in ("", "."):
            raise ValueError(f"not a Go duration: {text!r}")
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        position = match.end()
    if total > GO_MAX_DURATION:
        raise ValueError(f"not a Go duration: {text!r} overflows time.Duration")
    return sign * total


def _split(url: str) -> tuple[list[str], str, str]:
    """(host labels, port, path) of a scheme-less URL, as kubelet splits it."""
    parsed = urlsplit(url if "://" in url else "https://" + url)
    host, _, port = parsed.netloc.rpartition(":")
    if not host or not port.isdigit():
        host, port = parsed.netloc, ""
    return host.split("."), port, parsed.path


def urls_match(glob: str, image: str) -> bool:
    """kubelet's rule for an `auth` key (`glob`) applying to an image: the same number of
    host labels, each matching its glob (case-sensitive), the same port, and the key's path
    a prefix of the image's."""
    glob_labels, glob_port, glob_path = _split(glob)
    labels, port, path = _split(image)
    if glob_port != port or len(glob_labels) != len(labels) or not path.startswith(glob_path):
        return False
    return all(
        fnmatch.fnmatchcase(part, pattern)
        for pattern, part in zip(glob_labels, labels, strict=True)
    )


def check_response(stdout: bytes, sent: Mapping[str, Any]) -> dict[str, Any]:
    """Assert that kubelet accepts `stdout` as the answer to `sent`; the parsed answer."""
    answer = json.loads(stdout)
    assert isinstance(answer, dict)
    assert set(answer) <= RESPONSE_FIELDS, set(answer) - RESPONSE_FIELDS  # no unknown fields
    assert answer["apiVersion"] == sent["apiVersion"]
    assert answer["kind"] == "CredentialProviderResponse"
    assert answer["cacheKeyType"] in CACHE_KEY_TYPES
    assert parse_go_duration(answer["cacheDuration"]) >= 0
    auth = answer["auth"]
    assert isinstance(auth, dict)
    assert auth
    for value in auth.values():
        assert set(value) == {"username", "password"}
        assert all(isinstance(value[name], str) and value[name] for name in value)
    assert any(urls_match(key, sent["image"]) for key in auth), (list(auth), sent["image"])
    return answer


def error_line(result: subprocess.CompletedProcess[bytes]) -> str:
    """The one stderr line of a failed run (exit 1, nothing on stdout), without its prefix."""
    assert result.returncode == 1, result
    assert result.stdout == b""
    text = result.stderr.decode()
    assert text.count("\n") == 1, text
    assert text.startswith("ecrlogin: error: "), text
    return text.removeprefix("ecrlogin: error: ").rstrip("\n")
