"""The token cache's key: which registry, which endpoint, and which identity asked.

Derived without botocore and without the network, from what *selects* the
identity rather than from the credentials it resolves to: the `AWS_*`
environment (static keys, profile, role and web-identity variables, container
credential URIs, endpoint overrides) and the content of the AWS config and
credentials files. So the temporary credentials of one role or profile can
rotate (an SSO or assume-role refresh) and the key stays the same, while a
different profile, key pair, role or file content gives a different key, and one
identity's token is never served to another.

What the key cannot see is state outside these inputs, such as a
`credential_process` that answers for different identities over time; for that,
`ecrlogin cache clear` or ECRLOGIN_NO_CACHE=1.
"""

from __future__ import annotations

import os
import stat

from ecrlogin import files
from ecrlogin.hosts import partition_of_region

TYPE_CHECKING = False  # typing itself is too costly to import on the helper's path
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from ecrlogin.options import ClientOptions

KEY_VERSION = b"ecrlogin-cache-key 1"

# AWS_* variables that change neither the identity nor the endpoint; everything
# else under AWS_ is part of the key, so an unknown new variable errs on the
# side of a cache miss, never of serving the wrong identity.
_IRRELEVANT = frozenset(
    {
        "AWS_DEFAULT_OUTPUT",
        "AWS_PAGER",
        "AWS_MAX_ATTEMPTS",
        "AWS_RETRY_MODE",
        "AWS_CA_BUNDLE",
        "AWS_DATA_PATH",
        "AWS_METADATA_SERVICE_TIMEOUT",
        "AWS_METADATA_SERVICE_NUM_ATTEMPTS",
        "AWS_SDK_UA_APP_ID",
        "AWS_REQUEST_CHECKSUM_CALCULATION",
        "AWS_RESPONSE_CHECKSUM_VALIDATION",
        "AWS_DISABLE_REQUEST_COMPRESSION",
        "AWS_REQUEST_MIN_COMPRESSION_SIZE_BYTES",
    }
)
_IRRELEVANT_PREFIXES = ("AWS_CLI_", "AWS_XRAY_")
# Only part of the key when the region is not given explicitly.
_REGION_VARIABLES = frozenset({"AWS_REGION", "AWS_DEFAULT_REGION"})


def aws_files(environ: Mapping[str, str]) -> tuple[str, str]:
    """The AWS config and shared credentials files botocore would read."""
    home = files.home(environ)  # USERPROFILE on Windows, as botocore reads it
    config = environ.get("AWS_CONFIG_FILE") or os.path.join(home, ".aws", "config")
    credentials = environ.get("AWS_SHARED_CREDENTIALS_FILE") or os.path.join(
        home, ".aws", "credentials"
    )
    return _expand(config, environ), _expand(credentials, environ)


def _expand(path: str, environ: Mapping[str, str]) -> str:
    """`path` as botocore opens it: `$VARIABLES` (from `environ`), then `~`."""
    if "$" in path:
        import re

        def value(match: re.Match[str]) -> str:
            name = match.group(1) or match.group(2)
            return environ.get(name, match.group(0))

        path = re.sub(r"\$(?:(\w+)|\{([^}]*)\})", value, path)
    return os.path.expanduser(path)


def credential_files(environ: Mapping[str, str]) -> list[tuple[str, str]]:
    """(setting, path) of every file botocore may take credentials or a credential_process
    from: the AWS config and shared credentials files, the EC2 tools' AWS_CREDENTIAL_FILE,
    and the boto config (BOTO_CONFIG, else /etc/boto.cfg and ~/.boto), as its default
    credential chain reads them."""
    config, credentials = aws_files(environ)
    found = [("AWS_CONFIG_FILE", config), ("AWS_SHARED_CREDENTIALS_FILE", credentials)]
    if environ.get("AWS_CREDENTIAL_FILE"):
        # botocore expands only ~ here (credentials.OriginalEC2Provider), not $VARIABLES.
        found.append(("AWS_CREDENTIAL_FILE", os.path.expanduser(environ["AWS_CREDENTIAL_FILE"])))
    boto = [environ["BOTO_CONFIG"]] if "BOTO_CONFIG" in environ else ["/etc/boto.cfg", "~/.boto"]
    found += [("BOTO_CONFIG", _expand(path, environ)) for path in boto]
    return found


# botocore reads the AWS config and credentials files whole, with no limit of its own;
# real ones are a few KiB.
MAX_AWS_FILE_BYTES = 16 << 20


def check_aws_files(environ: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    """The files botocore takes credentials from (`credential_files`), each checked by a
    stat or two before anything reads it: a regular file (or the null device, read as
    empty), at most MAX_AWS_FILE_BYTES, that no one but this user or root may change (its
    `credential_process` runs as this user, root under the kubelet), reached through no
    other user's symbolic link.

    EcrloginError (exit 255, as the AWS CLI's config errors) names the file and the
    fix; a missing or unreadable file is left to botocore, which reports or ignores it.
    """
    env = os.environ if environ is None else environ
    found = credential_files(env)
    for variable, path in found:
        try:
            real = files.follow(path)
            info = os.stat(real)  # stat never waits on a FIFO, open would
        except files.UntrustedLink as exc:
            raise _aws_file_error(path, variable, exc.strerror, exc.filename) from None
        except OSError:
            continue
        if not stat.S_ISREG(info.st_mode):
            if files.is_null_device(info):
                continue
            kind = f"it is {files.describe_kind(info.st_mode)}, not a regular file"
            raise _aws_file_error(path, variable, kind)
        if info.st_size > MAX_AWS_FILE_BYTES:
            from ecrlogin.errors import ConfigurationError

            raise ConfigurationError(
                f"The AWS file {path} is {info.st_size >> 20} MiB, too large to be a config "
                f"or credentials file (at most {MAX_AWS_FILE_BYTES >> 20} MiB is read)",
                f"Point {variable} at the right file.",
            )
        reason = files.others_may_write(info, where=path)
        if reason is None:  # botocore opens it again: no one else may swap it in between
            reason = files.folder_problem(real)
        if reason is not None:
            raise _aws_file_error(path, variable, reason)
    return found


def _aws_file_error(
    path: str, variable: str, reason: str | None, link: str | None = None
) -> Exception:
    from ecrlogin.errors import EcrloginError

    if link is not None:
        return EcrloginError(
            f"Refusing the AWS file {path}: {link} {reason}",
            f"Remove that link, or point {variable} at a file of yours.",
        )
    if reason is not None and reason.endswith("not a regular file"):
        return EcrloginError(
            f"Refusing the AWS file {path}: {reason}",
            f"Point {variable} at a regular file (or {os.devnull} for none).",
        )
    return EcrloginError(
        f"Refusing the AWS file {path}: {reason}, so another user could choose the "
        "credentials and the credential_process ecrlogin runs",
        f"Make it yours and run chmod go-w on it, or point {variable} at such a file.",
    )


# The AWS files' labels in the key, as they always were (existing cache entries still hit).
_LABELS = {"AWS_CONFIG_FILE": "aws-config", "AWS_SHARED_CREDENTIALS_FILE": "aws-credentials"}


def identity_variables(environ: Mapping[str, str], *, explicit_region: bool) -> list[str]:
    """The names of the environment variables that go into the key, sorted."""
    names = []
    for name in environ:
        if not name.startswith("AWS_") or name in _IRRELEVANT:
            continue
        if name.startswith(_IRRELEVANT_PREFIXES):
            continue
        if explicit_region and name in _REGION_VARIABLES:
            continue
        names.append(name)
    return sorted(names)


def digest(*parts: bytes) -> str:
    """A hex SHA-256 of `parts`, each length-prefixed so no two lists hash alike.

    Python's own SHA-256 when the build has it: `hashlib` loads OpenSSL first, which
    costs the helper's cache hit about 6 ms (`python -X importtime`). Builds without it
    (some FIPS builds) use hashlib's; both give the same digest.
    """
    try:
        from _sha2 import sha256  # type: ignore[import-not-found]  # Python 3.12+
    except ImportError:
        try:
            from _sha256 import sha256  # type: ignore[import-not-found]  # 3.10, 3.11
        except ImportError:
            from hashlib import sha256

    hasher = sha256(KEY_VERSION)
    for part in parts:
        hasher.update(b"%d:" % len(part) + part)
    return str(hasher.hexdigest())


def cache_key(
    options: ClientOptions,
    registry_ids: Iterable[str],
    *,
    public: bool,
    environ: Mapping[str, str] | None = None,
) -> str:
    """The hex digest naming the cache entry of one token call; equal inputs give equal keys.

    The one derivation, for the CLI and the credential helper alike (the helper
    computes it without botocore). The partition is derived from the region here,
    so no two callers can disagree on it; timeouts and TLS settings are not part
    of it, since they do not change the answer. A per-workload role adds the role and
    the workload (`workload()`), so one role's token, or one service account's, is never
    served to another.
    """
    env = os.environ if environ is None else environ
    service = "ecr-public" if public else "ecr"
    region = options.region

    def text(value: object) -> bytes:
        return b"" if value is None else str(value).encode("utf-8", "surrogateescape")

    # Label, value, label, value...: digest() length-prefixes each part, so no two
    # different inputs can run together alike.
    parts = [
        b"service", text(service),
        b"partition", text(partition_of_region(region) if region else None),
        b"region", text(region),
        b"registry-ids", text(",".join(registry_ids)),
        b"endpoint-url", text(options.endpoint_url),
        b"fips", text(options.use_fips),
        b"dualstack", text(options.use_dualstack),
        b"profile", text(options.profile),
    ]  # fmt: skip
    if options.role_arn is not None:
        # Only when a role is assumed: every key without one stays what it always was.
        parts += [b"role-arn", text(options.role_arn)]
        parts += [b"workload", text(workload(options.web_identity_token))]
    if not options.sign_request:
        # An unsigned call's answer is not the caller's identity's: never share it.
        parts += [b"unsigned", b"1"]
    for name in identity_variables(env, explicit_region=bool(region)):
        parts += [b"env:" + name.encode(), text(env[name])]
    for variable, path in check_aws_files(env):
        label = _LABELS.get(variable, variable)
        parts += [label.encode() + b"-path", text(path)]
        try:
            data = files.read_bounded(path, MAX_AWS_FILE_BYTES)  # never waits on a FIFO
        except OSError as exc:
            parts += [label.encode() + b"-missing", text(exc.errno)]
            continue
        if data is None:
            parts += [label.encode() + b"-missing", text(2)]  # ENOENT, as open() said
        else:
            parts += [label.encode(), data]
    return digest(*parts)


def workload(web_identity_token: str | None) -> str:
    """Who a service-account token speaks for: its issuer and subject, else its digest.

    The claims are read without verifying the signature: STS verifies it on the call
    that fills the entry, and kubelet, not the workload, mints the token. A token that
    is not a JWT with both claims gets a key of its own (its digest), never a shared one.
    """
    if not web_identity_token:
        return ""
    claims = _jwt_claims(web_identity_token)
    issuer, subject = claims.get("iss"), claims.get("sub")
    if isinstance(issuer, str) and isinstance(subject, str) and issuer and subject:
        return f"{issuer} {subject}"
    return "token-sha256:" + digest(web_identity_token.encode("utf-8", "surrogateescape"))


def _jwt_claims(token: str) -> dict[str, object]:
    import binascii
    import json

    parts = token.split(".")
    if len(parts) != 3:
        return {}
    body = parts[1].replace("-", "+").replace("_", "/")
    try:
        claims = json.loads(binascii.a2b_base64(body + "=" * (-len(body) % 4)))
    except (ValueError, binascii.Error, RecursionError):
        return {}
    return claims if isinstance(claims, dict) else {}
