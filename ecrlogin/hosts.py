"""The one registry host-name parser, shared by the CLI, the helper and `login`.

Written with string methods rather than regular expressions: the credential
helper parses a host on every call, and importing `re` costs more than its
whole cache-hit answer may take.
"""

from __future__ import annotations

from ecrlogin.record import Record

PUBLIC_HOSTS = ("public.ecr.aws", "ecr-public.aws.com")
# ECR Public's token API lives in us-east-1 only.
PUBLIC_REGION = "us-east-1"

# DNS suffix -> partition, for the IPv4 (`dkr.ecr`) host names.
_SUFFIX_PARTITION = {
    "amazonaws.com": "aws",
    "amazonaws.com.cn": "aws-cn",
    "amazonaws.eu": "aws-eusc",
    "c2s.ic.gov": "aws-iso",
    "sc2s.sgov.gov": "aws-iso-b",
    "cloud.adc-e.uk": "aws-iso-e",
    "csp.hci.ic.gov": "aws-iso-f",
}
# DNS suffix -> partition, for the dual-stack host names. AWS documents them as
# `ACCOUNT.dkr-ecr.REGION.on.aws`; awslabs' credential helper and kubernetes'
# ecr-credential-provider also accept `ACCOUNT.dkr.ecr.REGION.on.aws`, so the
# suffix (not the label spelling) is what makes a host dual-stack.
_DUALSTACK_SUFFIX_PARTITION = {
    "on.aws": "aws",
    "on.amazonwebservices.com.cn": "aws-cn",
}
# Region prefix -> partition, for regions named without a host (custom host names).
_REGION_PARTITION = (
    ("cn-", "aws-cn"),
    ("us-gov-", "aws-us-gov"),
    ("us-isof-", "aws-iso-f"),
    ("us-isob-", "aws-iso-b"),
    ("us-iso-", "aws-iso"),
    ("eu-isoe-", "aws-iso-e"),
    ("eusc-", "aws-eusc"),
)

_LOWER = frozenset("abcdefghijklmnopqrstuvwxyz")
_DIGITS = frozenset("0123456789")
_LABEL = _LOWER | _DIGITS | {"-"}
_MAX_URL = 2048


class Registry(Record):
    """A registry host and what it says about the API to call."""

    __slots__ = ("host", "account", "region", "partition", "fips", "dualstack", "public")  # noqa: RUF023 - the repr's order
    host: str
    account: str | None
    region: str
    partition: str
    fips: bool
    dualstack: bool
    public: bool

    def __init__(
        self,
        host: str,
        account: str | None,
        region: str,
        partition: str,
        fips: bool = False,
        dualstack: bool = False,
        public: bool = False,
    ) -> None:
        self._set(
            host=host,
            account=account,
            region=region,
            partition=partition,
            fips=fips,
            dualstack=dualstack,
            public=public,
        )

    @property
    def service(self) -> str:
        """The botocore service whose GetAuthorizationToken serves this registry."""
        return "ecr-public" if self.public else "ecr"


def is_account(text: str) -> bool:
    """True for a 12-digit AWS account ID."""
    return len(text) == 12 and set(text) <= _DIGITS


def is_region(text: str) -> bool:
    """True for a region name such as us-west-2, us-gov-east-1 or eusc-de-east-1."""
    parts = text.split("-")
    return (
        len(parts) >= 3
        and len(parts[0]) >= 2
        and set(parts[0]) <= _LOWER
        and all(part and set(part) <= _LOWER | _DIGITS for part in parts[1:-1])
        and bool(parts[-1])
        and set(parts[-1]) <= _DIGITS
    )


def partition_of_region(region: str) -> str:
    """The partition a region belongs to (for hosts that do not name one)."""
    return next((p for prefix, p in _REGION_PARTITION if region.startswith(prefix)), "aws")


def _is_dns_name(name: str) -> bool:
    if not name or len(name) > 253:
        return False
    for label in name.split("."):
        if not label or len(label) > 63 or not set(label) <= _LABEL:
            return False
        if label[0] == "-" or label[-1] == "-":
            return False
    return True


def authority(url: str) -> str:
    """The `host[:port]` part of a URL or image reference: no scheme, user, path or digest."""
    _, sep, rest = url.partition("://")
    return (rest if sep else url).split("/", 1)[0].rsplit("@", 1)[-1]


def server_host(server_url: str) -> str | None:
    """Reduce a server URL or image reference to a lower-case `host[:port]`, or None.

    Accepts `host`, `host:port`, `https://host/...`, `host/repo:tag`,
    `host/repo@sha256:...`, in any case and with surrounding white space.
    """
    text = server_url.strip()
    if not text or len(text) > _MAX_URL or not text.isprintable():
        return None
    host = authority(text).lower()
    if host.endswith(":"):
        host = host[:-1]
    name, colon, port = host.partition(":")
    if colon and not (1 <= len(port) <= 5 and set(port) <= _DIGITS and 0 < int(port) < 65536):
        return None
    if not _is_dns_name(name):
        return None
    return host


def endpoint_host(url: str) -> str | None:
    """The lower-case `host[:port]` of a server's `proxyEndpoint`, or None unless the whole
    value is exactly `https://HOST[:PORT]` (or http, with at most a trailing `/`).

    Stricter than `server_host`, which reads what a person typed: this value comes
    from the network and is printed into a command line that scripts `eval`, so no
    white space, user, path, query or leading `-` gets through.
    """
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() not in ("https", "http") or len(url) > _MAX_URL:
        return None
    rest = rest[:-1] if rest.endswith("/") else rest
    if not rest or any(ch in rest for ch in "/@?#"):
        return None
    host = server_host(rest)
    return host if host is not None and host == rest.lower() else None


def parse_registry(server_url: str) -> Registry | None:
    """Parse an ECR (private or public) registry host; None if it is not one."""
    host = server_host(server_url)
    if host is None:
        return None
    bare = host.partition(":")[0]
    if bare in PUBLIC_HOSTS:
        return Registry(host=host, account=None, region=PUBLIC_REGION, partition="aws", public=True)
    labels = bare.split(".")
    if len(labels) < 5 or not is_account(labels[0]):
        return None
    if labels[1] == "dkr" and labels[2] in ("ecr", "ecr-fips"):
        dashed, fips, rest = False, labels[2] == "ecr-fips", labels[3:]
    elif labels[1] in ("dkr-ecr", "dkr-ecr-fips"):
        dashed, fips, rest = True, labels[1] == "dkr-ecr-fips", labels[2:]
    else:
        return None
    if len(rest) < 2 or not is_region(rest[0]):
        return None
    region, suffix = rest[0], ".".join(rest[1:])
    dualstack = suffix in _DUALSTACK_SUFFIX_PARTITION
    if dashed and not dualstack:
        return None  # `dkr-ecr` exists only under the dual-stack suffixes
    partition = (_DUALSTACK_SUFFIX_PARTITION if dualstack else _SUFFIX_PARTITION).get(suffix)
    if partition is None:
        return None
    if partition == "aws" and region.startswith("us-gov-"):
        partition = "aws-us-gov"
    return Registry(
        host=host,
        account=labels[0],
        region=region,
        partition=partition,
        fips=fips,
        dualstack=dualstack,
    )
