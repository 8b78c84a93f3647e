"""The one registry host-name parser, shared by the CLI, the helper and `login`.

`address_host` reads a server address where docker reads it (Go's `net/url`,
as docker's daemon and CLI apply it), so no ECR token is handed out for an
address docker would send to another host; `parse_registry` says what an ECR
host names. Written with string methods rather than regular expressions: the credential
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


# What the credential-helpers protocol trims from its input (Go's strings.TrimSpace, ASCII part).
SPACE = " \t\n\r\v\f"
_HEX = frozenset("0123456789abcdefABCDEF")
_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
# Go's net/url: the ASCII bytes a host may hold unescaped (shouldEscape, encodeHost) ...
_GO_HOST = _ALNUM | frozenset("-_.~!$&'()*+,;=:[]<>\"")
# ... and the bytes userinfo may hold (validUserinfo).
_GO_USERINFO = _ALNUM | frozenset("-._:~!$&'()*+,;=%@")
_SCHEME_TAIL = _ALNUM | frozenset("+-.")


def address_host(server_url: str) -> str | None:
    """The `host[:port]` a login for `server_url` is sent to, spelled as given; None when
    there is none, or when docker's readings of it disagree.

    The one reading of a server address, shared by the helper, the kubelet plugin,
    `login` and the config. Docker's daemon sends the password to the host Go's
    `net/url` finds in the address (`https://` put in front when it names no
    scheme); docker's CLI first reduces the address to a key with its own
    `ConvertToHostname`, which has changed between versions. The host counts only
    when every one of those readings finds the same one, and only when it is a
    plain ASCII DNS name or IPv4 address with an optional port 1-65535: anything
    else (non-ASCII, backslashes, percent-escapes or sub-delimiters in the host,
    IPv6 literals, a trailing dot, no host) is refused, never guessed.
    """
    text = server_url.strip(SPACE)
    if not text or len(text) > _MAX_URL or not text.isascii() or "\\" in text:
        return None
    host = _daemon_host(text)
    if host is None or any(key != text and _daemon_host(key) != host for key in _cli_keys(text)):
        return None
    # docker 27 dropped the port from a URL's key: its host must agree all the same.
    if _hostname(_daemon_host(_cli_key_27(text)) or "") != _hostname(host):
        return None
    return _plain_host(host)


def server_host(server_url: str) -> str | None:
    """`address_host`, in lower case: the form ecrlogin compares and keys by."""
    host = address_host(server_url)
    return None if host is None else host.lower()


def _plain_host(host: str) -> str | None:
    """`host` when it is `NAME[:PORT]` with NAME a DNS name or IPv4 address; an empty port
    (`host:`) is dropped, as Go's URL.Port() drops it."""
    name, colon, port = host.rpartition(":") if ":" in host else (host, "", "")
    if colon and port == "":
        host = name
    elif colon and not (len(port) <= 5 and set(port) <= _DIGITS and 0 < int(port) < 65536):
        return None
    return host if _is_dns_name(name.lower()) else None


def _hostname(host: str) -> str:
    """Go's URL.Hostname() of a `host[:port]`: the port (digits after the last colon) cut."""
    name, colon, port = host.rpartition(":")
    if colon and set(port) <= _DIGITS:
        host = name
    return host[1:-1] if host.startswith("[") and host.endswith("]") else host


def _daemon_host(key: str) -> str | None:
    """Where docker's daemon sends a login for `key` (registry.Service.Auth): Go's URL host
    of `key`, with `https://` in front unless it starts with `https://` or `http://`."""
    if not key.startswith(("https://", "http://")):
        key = "https://" + key
    return _go_url_host(key)


def _cli_keys(text: str) -> tuple[str, ...]:
    """The keys docker's CLI (ConvertToHostname) makes of `text`: today's, 28.x's and
    20.10's. Each is what the CLI asks the credential store for and hands the daemon."""
    head = text.partition("/")[0]
    # 28.x: a URL's host and port, when Go finds a host; else the text up to its first `/`.
    parsed = _go_url_host(text) if "://" in text else None
    key_28 = head
    if parsed and _hostname(parsed):
        name, port = _hostname(parsed), _port(parsed)
        key_28 = _join_host_port(name, port) if port else name
    # Today's adds a fallback for URLs Go refuses (unbracketed IPv6 and a port).
    key_now = key_28
    if "://" in text and (parsed is None or not _hostname(parsed)):
        key_now = text.partition("://")[2].partition("/")[0] or head
    # 20.10: the exact `http://` or `https://` prefix cut, then the text up to its first `/`.
    stripped = text
    for prefix in ("http://", "https://"):
        if text.startswith(prefix):
            stripped = text[len(prefix) :]
            break
    return (key_now, key_28, stripped.partition("/")[0])


def _cli_key_27(text: str) -> str:
    """docker 27's key: a URL's hostname without its port."""
    parsed = _go_url_host(text) if "://" in text else None
    if parsed and _hostname(parsed):
        return _hostname(parsed)
    return text.partition("/")[0]


def _port(host: str) -> str:
    _, colon, port = host.rpartition(":")
    return port if colon and set(port) <= _DIGITS else ""


def _join_host_port(name: str, port: str) -> str:
    return f"[{name}]:{port}" if ":" in name else f"{name}:{port}"


def _go_url_host(url: str) -> str | None:
    """The Host of Go's `url.Parse(url)` (net/url, Go 1.19 to today); None where it fails.

    Only the parts that decide the host and whether parsing fails are kept:
    the fragment is cut at the first `#`, the query at the first `?`, the
    authority is what follows `//` up to the next `/`, and its host is what
    follows the last `@`.
    """
    if not url.isprintable():
        return None  # Go: invalid control character in URL (the text is ASCII here)
    url, has_fragment, fragment = url.partition("#")
    scheme, rest = _go_scheme(url)
    if scheme is None:
        return None
    # A lone trailing `?` is an empty query (ForceQuery); else the query starts at the first.
    rest = rest[:-1] if rest.endswith("?") and rest.count("?") == 1 else rest.partition("?")[0]
    if not rest.startswith("/"):
        if scheme:
            return ""  # scheme:opaque, no host
        if ":" in rest.partition("/")[0]:
            return None  # Go: first path segment in URL cannot contain colon
    host = ""
    if rest.startswith("//") and (scheme or not rest.startswith("///")):
        authority, slash, path = rest[2:].partition("/")
        rest = slash + path
        at = authority.rfind("@")
        parsed = _go_host(authority[at + 1 :])
        if parsed is None:
            return None
        if at >= 0:
            userinfo = authority[:at]
            if not set(userinfo) <= _GO_USERINFO or not _valid_escapes(userinfo):
                return None
        host = parsed
    if not _valid_escapes(rest) or (has_fragment and not _valid_escapes(fragment)):
        return None
    return host


def _go_scheme(url: str) -> tuple[str | None, str]:
    """Go's getScheme: (lower-case scheme or "", rest); None for the scheme on an error."""
    for index, char in enumerate(url):
        if char == ":":
            return (None, url) if index == 0 else (url[:index].lower(), url[index + 1 :])
        if char not in _SCHEME_TAIL or (index == 0 and not char.isalpha()):
            return "", url
    return "", url


def _go_host(host: str) -> str | None:
    """Go's parseHost: the host, unescaped, or None where Go refuses it."""
    if host.startswith("["):
        end = host.rfind("]")
        if end < 0 or not _valid_optional_port(host[end + 1 :]):
            return None
        return host  # an IP literal: never a host ecrlogin serves (see _plain_host)
    colon = host.rfind(":")
    if colon >= 0 and not _valid_optional_port(host[colon:]):
        return None
    if "%" not in host:
        return host if set(host) <= _GO_HOST else None
    out: list[str] = []
    index = 0
    while index < len(host):
        char = host[index]
        if char == "%":
            code = host[index + 1 : index + 3]
            if len(code) < 2 or not set(code) <= _HEX:
                return None
            # In a host Go lets %-escapes spell only non-ASCII bytes (and %25).
            if int(code[0], 16) < 8 and code != "25":
                return None
            out.append(chr(int(code, 16)))  # a byte >= 0x80 stays non-ASCII here
            index += 3
            continue
        if char not in _GO_HOST:
            return None
        out.append(char)
        index += 1
    return "".join(out)


def _valid_optional_port(port: str) -> bool:
    return port == "" or (port[0] == ":" and set(port[1:]) <= _DIGITS)


def _valid_escapes(text: str) -> bool:
    """Every `%` is followed by two hex digits (what Go's unescape requires outside a host)."""
    index = text.find("%")
    while index >= 0:
        if not set(text[index + 1 : index + 3]) <= _HEX or len(text) < index + 3:
            return False
        index = text.find("%", index + 3)
    return True


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
