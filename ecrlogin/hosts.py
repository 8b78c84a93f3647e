"""The one registry host-name parser, shared by the CLI, the helper and `login`."""

from __future__ import annotations

import re
from dataclasses import dataclass

PUBLIC_HOSTS = ("public.ecr.aws", "ecr-public.aws.com")
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
# DNS suffix -> partition, for the dual-stack (`dkr-ecr`) host names.
_DUALSTACK_SUFFIX_PARTITION = {
    "on.aws": "aws",
    "on.amazonwebservices.com.cn": "aws-cn",
}

_PRIVATE = re.compile(
    r"^(?P<account>\d{12})\.(?P<service>dkr\.ecr|dkr-ecr)(?P<fips>-fips)?\."
    r"(?P<region>[a-z]{2}(?:-[a-z0-9]+)+-\d+)\.(?P<suffix>[a-z0-9.-]+)$"
)
_HOST = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$")


@dataclass(frozen=True)
class Registry:
    """A registry host and what it says about the API to call."""

    host: str
    account: str | None
    region: str
    partition: str
    fips: bool = False
    dualstack: bool = False
    public: bool = False

    @property
    def service(self) -> str:
        """The botocore service whose GetAuthorizationToken serves this registry."""
        return "ecr-public" if self.public else "ecr"


def server_host(server_url: str) -> str | None:
    """Reduce a server URL or image reference to a lower-case `host[:port]`, or None.

    Accepts `host`, `host:port`, `https://host/...`, `host/repo:tag`,
    `host/repo@sha256:...`, in any case and with surrounding white space.
    """
    text = server_url.strip()
    if not text or len(text) > 2048 or not text.isprintable():
        return None
    _, sep, rest = text.partition("://")
    if not sep:
        rest = text
    host = rest.split("/", 1)[0].split("@", 1)[-1].lower()
    if host.endswith(":"):
        host = host[:-1]
    if not _HOST.match(host):
        return None
    port = host.rpartition(":")[2] if ":" in host else None
    if port is not None and not 0 < int(port) < 65536:
        return None
    return host


def parse_registry(server_url: str) -> Registry | None:
    """Parse an ECR (private or public) registry host; None if it is not one."""
    host = server_host(server_url)
    if host is None:
        return None
    bare = host.partition(":")[0]
    if bare in PUBLIC_HOSTS:
        return Registry(host=host, account=None, region=PUBLIC_REGION, partition="aws", public=True)
    match = _PRIVATE.match(bare)
    if match is None:
        return None
    dualstack = match["service"] == "dkr-ecr"
    table = _DUALSTACK_SUFFIX_PARTITION if dualstack else _SUFFIX_PARTITION
    partition = table.get(match["suffix"])
    if partition is None:
        return None
    region = match["region"]
    if partition == "aws" and region.startswith("us-gov-"):
        partition = "aws-us-gov"
    return Registry(
        host=host,
        account=match["account"],
        region=region,
        partition=partition,
        fips=bool(match["fips"]),
        dualstack=dualstack,
    )
