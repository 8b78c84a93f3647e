"""What selects the endpoint and the identity of a token call: the AWS CLI's global options.

A plain value, importable on the credential helper's cache-hit path (which
derives its cache key from the same options a cache miss would call with), so
it builds on `Record`, not on `dataclasses`.
"""

from __future__ import annotations

from ecrlogin.record import Record

# botocore's own timeouts, and the attempts of its standard retry mode (what ecrlogin uses).
BOTOCORE_TIMEOUT = 60.0
DEFAULT_ATTEMPTS = 3

# The longest timeout, in seconds, that the socket layer can hold (about 31 years;
# Python's clock overflows near 9.2e9 s). 0 already means "wait forever".
MAX_TIMEOUT = 1e9


def valid_timeout(seconds: float) -> bool:
    """True for a timeout botocore can use: 0 (no limit) up to MAX_TIMEOUT seconds."""
    return 0 <= seconds <= MAX_TIMEOUT  # False for NaN, too


def parse_seconds(text: str, where: str) -> float:
    """A timeout given as `text` by `where` (an option or an environment variable), checked:
    the one reading of --cli-connect-timeout / --cli-read-timeout and their variables."""
    try:
        seconds = float(text)
    except ValueError:
        seconds = float("nan")
    if not valid_timeout(seconds):
        from ecrlogin import errors

        raise errors.EcrloginError(
            f"{where} is {errors.redacted_line(str(text), 40)}, not a number of seconds",
            f"Give a number from 0 (no limit) to {MAX_TIMEOUT:.0e}.",
        )
    return seconds


def connection_timeout(value: float | None, default: float | None = None) -> float | None:
    """A timeout in seconds as a connection takes it: 0 means "wait forever" (None), as in
    the AWS CLI; None (not given) is `default`."""
    if value is None:
        return default
    return None if value == 0 else value


class ClientOptions(Record):
    """Region, profile, endpoint, TLS, timeouts and FIPS/dual-stack of one token call."""

    __slots__ = (  # noqa: RUF023 - the repr's order
        "region",
        "profile",
        "endpoint_url",
        "verify_ssl",
        "ca_bundle",
        "read_timeout",
        "connect_timeout",
        "use_fips",
        "use_dualstack",
        "role_arn",
        "web_identity_token",
        "sign_request",
    )
    region: str | None
    profile: str | None
    endpoint_url: str | None
    verify_ssl: bool
    ca_bundle: str | None
    read_timeout: float | None
    connect_timeout: float | None
    # None: the AWS configuration (AWS_USE_FIPS_ENDPOINT, use_dualstack_endpoint) decides.
    use_fips: bool | None
    use_dualstack: bool | None
    # A per-workload role (the kubelet credential provider): the call is made as this
    # role, assumed with STS AssumeRoleWithWebIdentity and the workload's token.
    role_arn: str | None
    web_identity_token: str | None
    # False: --no-sign-request, an unsigned call (ECR emulators; AWS itself refuses it).
    sign_request: bool

    def __init__(
        self,
        region: str | None = None,
        profile: str | None = None,
        endpoint_url: str | None = None,
        verify_ssl: bool = True,
        ca_bundle: str | None = None,
        read_timeout: float | None = None,
        connect_timeout: float | None = None,
        use_fips: bool | None = None,
        use_dualstack: bool | None = None,
        role_arn: str | None = None,
        web_identity_token: str | None = None,
        sign_request: bool = True,
    ) -> None:
        self._set(
            region=region,
            profile=profile,
            endpoint_url=endpoint_url,
            verify_ssl=verify_ssl,
            ca_bundle=ca_bundle,
            read_timeout=read_timeout,
            connect_timeout=connect_timeout,
            use_fips=use_fips,
            use_dualstack=use_dualstack,
            role_arn=role_arn,
            web_identity_token=web_identity_token,
            sign_request=sign_request,
        )

    def __repr__(self) -> str:  # never the workload's token
        fields = ", ".join(
            f"{name}={'<redacted>' if name == 'web_identity_token' and value else repr(value)}"
            for name, value in zip(self.__slots__, self._values(), strict=True)
        )
        return f"ClientOptions({fields})"

    def replace(self, **changes: object) -> ClientOptions:
        """A copy with `changes` applied (as `dataclasses.replace`)."""
        values = {name: getattr(self, name) for name in self.__slots__}
        values.update(changes)
        return ClientOptions(**values)

    def read_wait(self) -> float | None:
        """How long to wait for one answer: the read timeout (botocore's 60 s when unset);
        None when it is 0 (no limit). A container client's login waits this long too."""
        return connection_timeout(self.read_timeout, BOTOCORE_TIMEOUT)

    def budget(self, attempts: str | None = None) -> float | None:
        """The longest this call could take by itself: its attempts (`attempts`, the value
        of AWS_MAX_ATTEMPTS, else 3) times its connect and read timeouts, backoff aside;
        None when a timeout is 0 (no limit). What it waits for another process's call."""
        connect, read = (
            BOTOCORE_TIMEOUT if value is None else value
            for value in (self.connect_timeout, self.read_timeout)
        )
        if not connect or not read:
            return None
        try:
            tries = int(attempts or DEFAULT_ATTEMPTS)
        except ValueError:
            tries = DEFAULT_ATTEMPTS  # botocore itself refuses it, with its own line
        return max(tries, 1) * (connect + read)

    def aimed_at(
        self, region: str, profile: str | None, *, fips: bool, dualstack: bool
    ) -> ClientOptions:
        """These options for a call to `region` with `profile`, for a host that does or does
        not name a FIPS or dual-stack endpoint.

        The one place a host decides the endpoint: a FIPS or dual-stack host asks
        for that endpoint; otherwise the AWS configuration decides, as for the CLI.
        """
        return self.replace(
            region=region,
            profile=profile,
            use_fips=True if fips else self.use_fips,
            use_dualstack=True if dualstack else self.use_dualstack,
        )
