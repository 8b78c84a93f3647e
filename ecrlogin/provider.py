"""ecrlogin-credential-provider: the kubelet image credential provider over the token cache.

kubelet runs it once per image pull that matches the provider's `matchImages`,
with a `CredentialProviderRequest` (credentialprovider.kubelet.k8s.io v1, v1beta1
or v1alpha1) on stdin, and reads a `CredentialProviderResponse` of the same
apiVersion from stdout. The registry comes from the image through the one host
parser and the ecrlogin config (custom hosts, pull-through mappings,
per-registry profiles), the token from the shared token cache or the token
core. With a service-account token (KEP-4412) the token is fetched as the
workload's role, assumed with STS AssumeRoleWithWebIdentity.

A failure is exit 1, nothing on stdout, and one line on stderr (kubelet logs
it) naming the cause and the fix, through the error edge both protocol
programs share (ecrlogin.protocol).
A cache hit imports no botocore, Typer, Rich or `json`: it is the credential
helper's lean path (ecrlogin.credentials), with ecrlogin.jsontext reading the
request and writing the answer.
"""

from __future__ import annotations

import os
import sys
import time

from ecrlogin import config, credentials, files, jsontext, protocol
from ecrlogin.protocol import Failure, quote
from ecrlogin.record import Record

TYPE_CHECKING = False  # typing itself is too costly to import on the cache-hit path
if TYPE_CHECKING:
    from typing import Any, BinaryIO

    from ecrlogin.cache import CacheWarning
    from ecrlogin.config import Target
    from ecrlogin.credentials import Role

PROGRAM = "ecrlogin-credential-provider"
GROUP = "credentialprovider.kubelet.k8s.io"
API_VERSIONS = (f"{GROUP}/v1", f"{GROUP}/v1beta1", f"{GROUP}/v1alpha1")
REQUEST_KIND = "CredentialProviderRequest"
RESPONSE_KIND = "CredentialProviderResponse"
ROLE_ANNOTATION = "eks.amazonaws.com/ecr-role-arn"
ROLE_VARIABLE = "AWS_ECR_ROLE_ARN"
# A request is an image name and perhaps a service-account token of a few KiB.
MAX_INPUT = 1024 * 1024
_EXAMPLE = (
    f'{{"apiVersion": "{GROUP}/v1", "kind": "{REQUEST_KIND}", '
    '"image": "123456789012.dkr.ecr.us-west-2.amazonaws.com/app:1.0"}'
)
# A request's value (an image name is long) is quoted this far in a line, quotes included.
QUOTED = 62
# kubelet reads a response on stdout, never a failure's reply.
_PROGRAM = protocol.Program(PROGRAM, "kubelet", replies=False)
_USAGE = (
    f"Usage: {PROGRAM} [--version]. kubelet runs it with a {REQUEST_KIND} on stdin; "
    "see the Kubernetes guide (docs/kubernetes.md) for the CredentialProviderConfig."
)


class Request(Record):
    """The parts of a CredentialProviderRequest this provider reads."""

    __slots__ = ("api_version", "image", "role")
    api_version: str
    image: str
    # The workload's role and the token to assume it with; None: the node's own identity.
    role: Role | None

    def __init__(self, api_version: str, image: str, role: Role | None) -> None:
        self._set(api_version=api_version, image=image, role=role)

    def __repr__(self) -> str:  # never the token
        role = self.role[0] if self.role else None
        return f"Request(api_version={self.api_version!r}, image={self.image!r}, role={role!r})"


def main() -> None:
    """Entry point of the `ecrlogin-credential-provider` console script."""
    files.reserve_standard_streams()
    sys.exit(run(sys.argv[1:]))


def run(args: list[str], stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> int:
    """Answer one request; returns the exit status (the edge: ecrlogin.protocol)."""
    return protocol.run(_PROGRAM, _dispatch, args, stdin, stdout)


def _dispatch(args: list[str], source: BinaryIO | None, warnings: list[CacheWarning]) -> str:
    if args == ["--version"]:
        from ecrlogin import __version__

        return f"{PROGRAM} (ecrlogin) {__version__}\n"
    if args in (["--help"], ["-h"]):
        return _USAGE + "\n"
    if args:
        raise Failure(None, f"Unexpected arguments {quote(' '.join(args), QUOTED)}. {_USAGE}")
    return respond(parse_request(_read(source)), warnings)


def _debug(message: str) -> None:
    if "logging" in sys.modules:
        import logging

        logging.getLogger("ecrlogin.provider").debug("%s", message)


def _read(source: BinaryIO | None) -> bytes:
    too_long = Failure(
        None,
        f"The request on stdin is longer than {MAX_INPUT // 1024} KiB, so it is not a "
        f"{REQUEST_KIND}; {PROGRAM} reads one from kubelet, e.g. {_EXAMPLE}.",
    )
    return protocol.read(source, MAX_INPUT, too_long)


def parse_request(data: bytes) -> Request:
    """Validate a CredentialProviderRequest; a Failure names what is wrong and the fix."""
    try:
        document = jsontext.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        if isinstance(exc, RecursionError):
            cause = "JSON nested too deeply to read"
        else:
            cause = "empty" if not data.strip() else f"not JSON ({str(exc).partition(':')[0]})"
        raise Failure(
            None,
            f"The request on stdin is {cause}; {PROGRAM} reads a {REQUEST_KIND} from kubelet, "
            f"e.g. {_EXAMPLE}.",
        ) from None
    if not isinstance(document, dict):
        raise Failure(
            None,
            f"The request on stdin is JSON but not an object; {PROGRAM} reads a {REQUEST_KIND} "
            f"object, e.g. {_EXAMPLE}.",
        )
    api_version = document.get("apiVersion")
    if api_version not in API_VERSIONS:
        shown = "missing" if api_version is None else quote(str(api_version), QUOTED)
        raise Failure(
            None,
            f"The request's apiVersion is {shown}, not one this provider speaks; set the "
            f"provider's apiVersion in the CredentialProviderConfig to {API_VERSIONS[0]} "
            f"(or {API_VERSIONS[1]}, {API_VERSIONS[2]}).",
        )
    kind = document.get("kind")
    if kind != REQUEST_KIND:
        shown = "missing" if kind is None else quote(str(kind), QUOTED)
        raise Failure(
            None,
            f"The request's kind is {shown}, not {REQUEST_KIND}; {PROGRAM} answers only "
            f"kubelet's {REQUEST_KIND}, e.g. {_EXAMPLE}.",
        )
    image = document.get("image")
    if not isinstance(image, str) or not image.strip():
        raise Failure(
            None,
            f"The request's image is {'empty' if not image else 'not a string'}; kubelet "
            "sends the image it pulls, e.g. 123456789012.dkr.ecr.us-west-2.amazonaws.com/app:1.0.",
        )
    token = _service_account_token(document)
    arn = _role_arn(document, token)
    return Request(api_version, image, None if arn is None or token is None else (arn, token))


def _service_account_token(document: dict[str, Any]) -> str | None:
    token = document.get("serviceAccountToken")
    if token is None or token == "":
        return None
    if not isinstance(token, str) or not token.isprintable() or token != token.strip():
        raise Failure(
            None,
            "The request's serviceAccountToken is not a token; check the provider's "
            "tokenAttributes in the CredentialProviderConfig.",
        )
    protocol.keep_secret(token)
    return token


def _role_arn(document: dict[str, Any], token: str | None) -> str | None:
    """The role to assume: the service account's annotation, else AWS_ECR_ROLE_ARN."""
    annotations = document.get("serviceAccountAnnotations") or {}
    if not isinstance(annotations, dict) or not all(
        isinstance(value, str) for value in annotations.values()
    ):
        raise Failure(
            None,
            "The request's serviceAccountAnnotations is not a map of strings; check the "
            "provider's tokenAttributes in the CredentialProviderConfig.",
        )
    annotated = annotations.get(ROLE_ANNOTATION)
    arn = annotated if annotated is not None else os.environ.get(ROLE_VARIABLE)
    arn = (arn or "").strip()
    where = f"the {ROLE_ANNOTATION} annotation" if annotated is not None else ROLE_VARIABLE
    if token is None:
        if annotated:
            raise Failure(
                None,
                f"The request names a role in {where} but carries no service account token "
                "to assume it with; add tokenAttributes with serviceAccountTokenAudience "
                "to the provider in the CredentialProviderConfig.",
            )
        return None  # no workload token: the node's own AWS identity, as the reference does
    if not arn:
        raise Failure(
            None,
            "The request carries a service account token but names no role to assume: the "
            f"service account has no {ROLE_ANNOTATION} annotation and {ROLE_VARIABLE} is not "
            "set; annotate the service account with the role's ARN, or set "
            f"{ROLE_VARIABLE} in the provider's env.",
        )
    if not _is_role_arn(arn):
        raise Failure(
            None,
            f"{quote(arn, QUOTED)} in {where} is not an IAM role ARN; write it as "
            "arn:aws:iam::123456789012:role/NAME.",
        )
    return arn


def _is_role_arn(text: str) -> bool:
    parts = text.split(":", 5)
    return (
        len(parts) == 6
        and parts[0] == "arn"
        and parts[1].startswith("aws")
        and parts[2] == "iam"
        and parts[3] == ""
        and len(parts[4]) == 12
        and parts[4].isdigit()
        and parts[5].startswith("role/")
        and len(parts[5]) > len("role/")
        and text.isprintable()
        and " " not in text
    )


def auth_key(image: str) -> str:
    """The `auth` key kubelet matches against `image`: its host, with its port if it has one.

    kubelet compares host labels case-sensitively and requires equal ports, so the key
    keeps the image's own spelling rather than the parser's lower-case form. The image
    was resolved already, so the one parser has a host for it.
    """
    from ecrlogin.hosts import address_host

    return address_host(image) or ""


def respond(request: Request, warnings: list[CacheWarning]) -> str:
    """The CredentialProviderResponse for a validated request, as JSON text; what a person
    should read about the cache goes to `warnings`."""
    target = _resolve(request.image, warnings)
    if request.role:
        _debug(f"Getting the token for {target.host} as {request.role[0]}")
    found = credentials.credentials(target, warnings, request.role)
    return _response(request, found.username, found.password, found.expires, time.time())


def _resolve(image: str, warnings: list[CacheWarning]) -> Target:
    target = config.resolve(image, credentials.settings(warnings))
    if target is not None:
        return target
    from ecrlogin.hosts import server_host

    host = server_host(image)
    if host is None:
        raise Failure(
            None,
            f"The image {quote(image, QUOTED)} does not start with a registry host name; kubelet "
            "sends images such as 123456789012.dkr.ecr.us-west-2.amazonaws.com/app:1.0.",
        )
    raise Failure(
        None,
        f"{host} is not an Amazon ECR registry, and {config.config_file()} maps no account and "
        f"region to it; remove it from the provider's matchImages, or add "
        f'[registries."{host}"] with account and region there.',
    )


# An ECR token is valid for 12 hours from when it is issued: no answer is usable longer.
TOKEN_LIFETIME = 12 * 3600
# The most a Go time.Duration holds (int64 nanoseconds), in whole seconds.
GO_MAX_SECONDS = (1 << 63) // 1_000_000_000


def go_duration(seconds: int) -> str:
    """`seconds` as Go's time.Duration prints it (kubelet parses it): 5h59m30s, 10m0s, 0s;
    never more than a Duration holds, which kubelet could not parse."""
    if seconds <= 0:
        return "0s"
    seconds = min(seconds, GO_MAX_SECONDS)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes}m{secs}s"
    if minutes:
        return f"{minutes}m{secs}s"
    return f"{secs}s"


def cache_seconds(expires: float | None, now: float) -> int:
    """How long kubelet may keep the answer: half the token's remaining validity, in whole
    seconds (as the reference plugin computes it); 0 once it has expired or when unknown.

    The remaining validity counts at most the 12 hours a token lives, whatever far
    `expiresAt` the server printed, so the answer is at most 6 hours.
    """
    if expires is None or not expires > now:  # `not >`: NaN too
        return 0
    if expires - now >= TOKEN_LIFETIME:
        return TOKEN_LIFETIME // 2
    return max(0, (int(expires) - int(now)) // 2)


def _response(
    request: Request, username: str, password: str, expires: float | None, now: float
) -> str:
    response = {
        "kind": RESPONSE_KIND,
        "apiVersion": request.api_version,
        "cacheKeyType": "Registry",
        "cacheDuration": go_duration(cache_seconds(expires, now)),
        "auth": {auth_key(request.image): {"username": username, "password": password}},
    }
    return jsontext.dumps(response) + "\n"
