"""The one error hierarchy: every failure ecrlogin reports, with its exit code.

Exit codes follow the AWS CLI v2 convention so that scripts which already
branch on `aws` exit codes keep working:

====  =====================================================================
2     command-line usage (raised by the command-line parser itself)
252   an invalid parameter value
253   configuration: no credentials, no region, unknown profile, bad file
254   the service refused the request (after botocore's retries)
255   anything else: endpoint unreachable, TLS failure, unusable response
130   interrupted (SIGINT); 143 terminated (SIGTERM)
====  =====================================================================

`translate()` is the single place where botocore's exceptions become ours.
It imports botocore lazily so the cache-hit path never pays for it.
"""

from __future__ import annotations

USAGE = 2
PARAMETER = 252
CONFIGURATION = 253
SERVICE = 254
GENERAL = 255
INTERRUPTED = 130
TERMINATED = 143


class EcrloginError(Exception):
    """A failure with a one-line message that names the cause and the fix."""

    exit_code: int = GENERAL

    def __init__(self, cause: str, fix: str | None = None) -> None:
        self.cause = cause
        self.fix = fix
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """The single line a person reads: cause, then fix."""
        cause = " ".join(self.cause.split())
        if self.fix:
            return f"{cause.rstrip('.')}. {self.fix}"
        return cause


class ParameterError(EcrloginError):
    """A parameter value is invalid (exit 252)."""

    exit_code = PARAMETER


class ConfigurationError(EcrloginError):
    """Credentials, region, profile or a configuration file is wrong (exit 253)."""

    exit_code = CONFIGURATION


class ServiceError(EcrloginError):
    """The service refused the request after retries (exit 254)."""

    exit_code = SERVICE

    def __init__(self, cause: str, fix: str | None = None, *, code: str = "") -> None:
        self.code = code
        super().__init__(cause, fix)


class ResponseError(EcrloginError):
    """The service answered with something that cannot be used (exit 255)."""

    exit_code = GENERAL


class EndpointError(EcrloginError):
    """The endpoint could not be reached or its TLS could not be verified (exit 255)."""

    exit_code = GENERAL


class ClientLoginError(EcrloginError):
    """A container client's own login failed; carries that client's exit code."""

    def __init__(self, cause: str, fix: str | None = None, *, exit_code: int = GENERAL) -> None:
        self.exit_code = exit_code
        super().__init__(cause, fix)


class Interrupted(EcrloginError):
    """The user interrupted the command (exit 130) or it was terminated (143)."""

    exit_code = INTERRUPTED

    def __init__(self, cause: str = "interrupted", *, exit_code: int = INTERRUPTED) -> None:
        self.exit_code = exit_code
        super().__init__(cause)


_CONFIG_FIX = "Run `aws configure`, set AWS_PROFILE, or pass --profile."
_SERVICE_FIXES = {
    "AccessDeniedException": (
        "Grant the identity ecr:GetAuthorizationToken (and ecr-public:GetAuthorizationToken "
        "plus sts:GetServiceBearerToken for ECR Public)."
    ),
    "UnrecognizedClientException": "Check that the access key exists and is active.",
    "InvalidSignatureException": "Check the secret access key and the machine clock.",
    "SignatureDoesNotMatch": "Check the secret access key and the machine clock.",
    "ExpiredTokenException": "The session credentials expired; refresh them (`aws sso login`).",
    "ThrottlingException": "Retry later, or use --cache so repeated logins reuse one token.",
    "InvalidParameterException": "Check --registry-ids and --region.",
}


def translate(exc: BaseException) -> EcrloginError:
    """Map any exception raised while talking to AWS to an EcrloginError."""
    if isinstance(exc, EcrloginError):
        return exc
    from botocore import exceptions as bex

    if isinstance(exc, bex.ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code") or "Unknown")
        text = str(error.get("Message") or "").strip()
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in ("Throttling", "ThrottlingException", "TooManyRequestsException"):
            code = "ThrottlingException"
        fix = _SERVICE_FIXES.get(code)
        if fix is None and isinstance(status, int) and status >= 500:
            fix = "The service is failing; retry later or check the AWS Health Dashboard."
        detail = f": {text}" if text else ""
        where = f" (HTTP {status})" if status else ""
        return ServiceError(
            f"{exc.operation_name} was refused with {code}{where}{detail}",
            fix or "Check the identity's permissions and the request.",
            code=code,
        )
    if isinstance(exc, bex.NoRegionError):
        return ConfigurationError(
            "No AWS region is configured",
            "Pass --region, set AWS_REGION, or set `region` in the profile.",
        )
    if isinstance(exc, bex.ProfileNotFound):
        return ConfigurationError(
            f"The AWS profile {exc.kwargs.get('profile')!r} is not in the AWS config or "
            "credentials file",
            "Check the name with `aws configure list-profiles`, or drop --profile/AWS_PROFILE.",
        )
    if isinstance(exc, bex.NoCredentialsError):
        return ConfigurationError("No AWS credentials were found", _CONFIG_FIX)
    if isinstance(exc, bex.PartialCredentialsError):
        return ConfigurationError(
            f"Incomplete AWS credentials: {exc.kwargs.get('cred_var')} is missing "
            f"from {exc.kwargs.get('provider')}",
            "Set both the access key ID and the secret access key.",
        )
    if isinstance(exc, bex.SSLError):
        return EndpointError(
            f"The TLS certificate of {exc.kwargs.get('endpoint_url')} could not be verified",
            "Pass --ca-bundle PATH (or set AWS_CA_BUNDLE) with the issuing CA, "
            "or --no-verify-ssl to skip the check.",
        )
    if isinstance(exc, (bex.ConnectTimeoutError, bex.ReadTimeoutError)):
        return EndpointError(
            f"Timed out waiting for {exc.kwargs.get('endpoint_url')}",
            "Check the network and --endpoint-url, or raise --cli-read-timeout "
            "/ --cli-connect-timeout.",
        )
    if isinstance(exc, (bex.EndpointConnectionError, bex.ConnectionClosedError)):
        return EndpointError(
            f"Could not connect to {exc.kwargs.get('endpoint_url')}",
            "Check the network, --region and --endpoint-url.",
        )
    if isinstance(exc, bex.HTTPClientError):
        return EndpointError(
            f"HTTP error talking to {exc.kwargs.get('endpoint_url')}: {exc.kwargs.get('error')}",
            "Check the network and --endpoint-url.",
        )
    if isinstance(exc, bex.ParamValidationError):
        return ParameterError(
            f"Invalid parameter: {exc.kwargs.get('report', exc)}",
            "Check the values passed on the command line.",
        )
    if isinstance(exc, bex.InvalidRegionError):
        return ParameterError(
            f"{exc.kwargs.get('region_name')!r} is not a valid region name",
            "Pass a region such as us-east-1.",
        )
    if isinstance(
        exc,
        (
            bex.InvalidConfigError,
            bex.ConfigParseError,
            bex.ConfigNotFound,
            bex.CredentialRetrievalError,
            bex.UnknownCredentialError,
            bex.InvalidEndpointConfigurationError,
            bex.UnsupportedSignatureVersionError,
            bex.TokenRetrievalError,
            bex.SSOError,
        ),
    ):
        return ConfigurationError(f"AWS configuration problem: {exc}", _CONFIG_FIX)
    from botocore.parsers import ResponseParserError

    if isinstance(exc, ResponseParserError):
        return ResponseError(
            "The endpoint's answer could not be parsed as an ECR response",
            "Check --endpoint-url / AWS_ENDPOINT_URL_ECR points at ECR.",
        )
    if isinstance(exc, ValueError) and "endpoint" in str(exc).lower():
        return ParameterError(f"{exc}", "Pass a full URL such as https://host:port.")
    if isinstance(exc, bex.BotoCoreError):
        return EcrloginError(f"{exc}", "Re-run with --debug for details.")
    return EcrloginError(
        f"Unexpected {type(exc).__name__}: {exc}", "Re-run with --debug and report it."
    )
