"""The one error hierarchy: every failure ecrlogin reports, with its exit code.

Exit codes follow the AWS CLI v2 convention so that scripts which already
branch on `aws` exit codes keep working:

====  =====================================================================
2     command-line usage (raised by the command-line parser itself)
252   an invalid parameter value
253   configuration: no credentials, no region, unknown profile, bad file
254   the service refused the request (after botocore's retries)
255   anything else: endpoint unreachable, TLS failure, unusable response
130   interrupted (SIGINT); 143 terminated (SIGTERM); 129 hung up (SIGHUP); 131 quit (SIGQUIT)
====  =====================================================================

`translate()` is the single place where botocore's exceptions become ours.
It imports botocore lazily so the cache-hit path never pays for it.
"""

from __future__ import annotations

# The signals' codes, the exception their handlers raise and the handlers, kept apart so
# the protocol programs install them on a cache hit without loading this module.
from ecrlogin.signals import HUNG_UP as HUNG_UP
from ecrlogin.signals import INTERRUPTED as INTERRUPTED
from ecrlogin.signals import QUIT as QUIT
from ecrlogin.signals import TERMINATED as TERMINATED
from ecrlogin.signals import WORDS as _SIGNAL_WORDS
from ecrlogin.signals import Signalled as Signalled
from ecrlogin.signals import handle_signals as handle_signals

TYPE_CHECKING = False  # the credential helper quotes with shorten(): keep this import cheap
if TYPE_CHECKING:
    from typing import Any

PARAMETER = 252
CONFIGURATION = 253
SERVICE = 254
GENERAL = 255

# A cause longer than this is cut: a server's HTML page or a megabyte of
# input must not become a megabyte-long error line.
MAX_CAUSE = 600
# No line on stderr is longer than this, whatever it quotes (a 100,000-character target).
MAX_LINE = 2000
# Output of another program (a client, a credential_process) is quoted this far at most.
MAX_QUOTED = 300


def quoted_output(stderr: bytes, stdout: bytes, program: str, limit: int | None = MAX_CAUSE) -> str:
    """What a failure line quotes of the output of a program ecrlogin ran (a fallback
    store, a client's login): `: LINE`, the first line of its stderr, else of its stdout,
    redacted whole before it is taken and cut; "" when it printed nothing; or the note that
    its message is withheld, when it holds a secret redaction cannot mask whole
    (logs.quotable_line)."""
    from ecrlogin.logs import quotable_line

    for data in (stderr, stdout):
        said = quotable_line(data.decode("utf-8", "replace"))
        if said is None:
            return (
                "; its message is withheld because it contains the password "
                f"(run {program} yourself to read it)"
            )
        if said:
            return f": {redacted_line(said, limit)}"
    return ""


def redacted_line(text: str, limit: int | None = MAX_CAUSE) -> str:
    """`text` as one printable line: secrets redacted, white space collapsed, control
    characters escaped, cut. Redaction comes first, so a cut never leaves half a
    secret and an escaped secret is still recognised."""
    from ecrlogin.logs import escape_unprintable, redact

    # An escape sequence from a server or from input must not reach a terminal.
    flat = escape_unprintable(" ".join(redact(str(text)).split()))
    if limit is not None and len(flat) > limit:
        flat = flat[: limit - 3].rstrip() + "..."
    return flat


def shorten(value: object, limit: int = 40) -> str:
    """repr() of a value a user gave, cut to `limit` characters, for quoting in a message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + "...'"


class EcrloginError(Exception):
    """A failure with a one-line message that names the cause and the fix."""

    exit_code: int = GENERAL

    def __init__(self, cause: str, fix: str | None = None) -> None:
        self.cause = cause
        self.fix = fix
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """The single line a person reads: cause, then fix (control characters escaped)."""
        cause = redacted_line(self.cause, MAX_CAUSE) or "Unknown error"
        if self.fix:
            return f"{cause.rstrip('.')}. {redacted_line(self.fix, MAX_CAUSE)}"
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


ENDPOINT_FIX = "Check that --endpoint-url / AWS_ENDPOINT_URL_ECR points at Amazon ECR."


class ResponseError(EcrloginError):
    """The service answered with something that cannot be used (exit 255)."""

    exit_code = GENERAL

    def __init__(self, cause: str, fix: str | None = ENDPOINT_FIX) -> None:
        # Whoever answered was most likely not ECR: the fix is nearly always the same.
        super().__init__(cause, fix)


class EndpointError(EcrloginError):
    """The endpoint could not be reached or its TLS could not be verified (exit 255)."""

    exit_code = GENERAL


class OutputError(EcrloginError):
    """The payload could not be written to stdout (closed, full, wrong encoding) or the step
    outputs to their file (exit 255)."""

    exit_code = GENERAL


class FormatError(EcrloginError):
    """The configured output format is unknown, or cannot lay out this result (exit 255,
    as the AWS CLI v2)."""

    exit_code = GENERAL


class ClientLoginError(EcrloginError):
    """A container client's own login failed; carries that client's exit code, and the
    warning line when its output was cut (process.cut_warning)."""

    def __init__(
        self,
        cause: str,
        fix: str | None = None,
        *,
        exit_code: int = GENERAL,
        warning: str | None = None,
    ) -> None:
        self.exit_code = exit_code
        self.warning = warning
        super().__init__(cause, fix)


class RegistriesFailed(EcrloginError):
    """`login`/`logout` failed for some registries: `line` names them (the per-registry
    lines are already out); the exit code is the first failure's."""

    def __init__(self, line: str, *, exit_code: int) -> None:
        self.line = line
        self.exit_code = exit_code
        super().__init__(line)

    @property
    def message(self) -> str:
        """The summary line, as built (it already names every cause)."""
        return self.line


class SharedFailure(EcrloginError):
    """Another process's call for the same token failed while this one waited for it:
    its line and its exit code, passed on as they were."""

    def __init__(self, line: str, *, exit_code: int) -> None:
        self.line = line
        self.exit_code = exit_code
        super().__init__(line)

    @property
    def message(self) -> str:
        """The other process's line (escaped and redacted again, as every line is)."""
        return redacted_line(self.line, MAX_LINE)


class Interrupted(EcrloginError):
    """The command was interrupted (exit 130), terminated (143), hung up (129) or quit (131)."""

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
_THROTTLING_CODES = ("Throttling", "ThrottlingException", "TooManyRequestsException")
# botocore exceptions that mean "the AWS configuration is wrong", by name so that an
# older botocore without one of them still works.
_CONFIGURATION_ERRORS = (
    "InvalidConfigError",
    "ConfigParseError",
    "ConfigNotFound",
    "CredentialRetrievalError",
    "UnknownCredentialError",
    "InvalidEndpointConfigurationError",
    "UnsupportedSignatureVersionError",
    "UnknownSignatureVersionError",
    "TokenRetrievalError",
    "SSOError",
    "LoginError",
    "InvalidRetryConfigurationError",
    "InvalidDefaultsMode",
    "InvalidProxiesConfigError",
    "InvalidIMDSEndpointError",
    "InvalidIMDSEndpointModeError",
    "InvalidSTSRegionalEndpointsConfigError",
    "RefreshWithMFAUnsupportedError",
    "MetadataRetrievalError",
)


def translate(exc: BaseException) -> EcrloginError:
    """Map any exception raised while talking to AWS to an EcrloginError.

    Never raises: an exception it does not know becomes a general error (255)
    whose message names its type.
    """
    if isinstance(exc, EcrloginError):
        return exc
    if isinstance(exc, (KeyboardInterrupt, Signalled)):
        code = exc.exit_code if isinstance(exc, Signalled) else INTERRUPTED
        return Interrupted(_SIGNAL_WORDS.get(code, "Interrupted"), exit_code=code)
    try:
        translated = _translate_botocore(exc)
    except Exception:  # noqa: BLE001 - the error edge itself must never fail
        translated = None
    if translated is not None:
        return translated
    if isinstance(exc, RecursionError):
        return EcrloginError(
            "An input nests JSON or TOML too deeply to be read",
            "Check the files and the endpoint named by the options; none of them needs "
            "more than a few levels.",
        )
    return EcrloginError(
        f"Unexpected {type(exc).__name__}: {exc}", "Re-run with --debug and report it."
    )


def _translate_botocore(exc: BaseException) -> EcrloginError | None:
    from botocore import exceptions as bex

    if isinstance(exc, bex.ClientError):
        return _client_error(exc)
    if isinstance(exc, bex.NoRegionError):
        return ConfigurationError(
            "No AWS region is configured",
            "Pass --region, set AWS_REGION, or set `region` in the profile.",
        )
    if isinstance(exc, bex.ProfileNotFound):
        # 255, as AWS CLI v1 and v2 exit for it (not their 253 for missing credentials).
        return EcrloginError(
            f"The AWS profile {shorten(_kwarg(exc, 'profile'), 80)} is not in the AWS config "
            "or credentials file",
            "Check the name with `aws configure list-profiles`, or drop --profile/AWS_PROFILE.",
        )
    if isinstance(exc, bex.NoCredentialsError):
        return ConfigurationError("No AWS credentials were found", _CONFIG_FIX)
    if isinstance(exc, bex.PartialCredentialsError):
        return ConfigurationError(
            f"Incomplete AWS credentials: {_kwarg(exc, 'cred_var')} is missing "
            f"from {_kwarg(exc, 'provider')}",
            "Set both the access key ID and the secret access key.",
        )
    if isinstance(exc, bex.SSLError):
        return _ssl_error(_kwarg(exc, "endpoint_url"), str(_kwarg(exc, "error")))
    if isinstance(exc, (bex.ConnectTimeoutError, bex.ReadTimeoutError)):
        return EndpointError(
            f"Timed out waiting for {_kwarg(exc, 'endpoint_url')}",
            "Check the network and the endpoint, or raise --cli-read-timeout / "
            "--cli-connect-timeout (ECRLOGIN_CLI_READ_TIMEOUT / ECRLOGIN_CLI_CONNECT_TIMEOUT).",
        )
    if isinstance(exc, bex.ProxyConnectionError):
        return EndpointError(
            f"Could not connect to the proxy {_kwarg(exc, 'proxy_url')}",
            "Check HTTPS_PROXY / HTTP_PROXY / NO_PROXY.",
        )
    if isinstance(exc, bex.ConnectionClosedError):
        return EndpointError(
            f"{_kwarg(exc, 'endpoint_url')} closed the connection without an answer",
            "Check the network, --region and --endpoint-url, and retry.",
        )
    if isinstance(exc, bex.EndpointConnectionError):
        return EndpointError(
            f"Could not connect to {_kwarg(exc, 'endpoint_url')}",
            "Check the network, --region and --endpoint-url.",
        )
    if isinstance(exc, bex.HTTPClientError):
        return EndpointError(
            f"HTTP error talking to {_kwarg(exc, 'endpoint_url')}: {_kwarg(exc, 'error')}",
            "Check the network and --endpoint-url.",
        )
    if isinstance(exc, bex.ParamValidationError):
        return ParameterError(
            f"Invalid parameter: {exc.kwargs.get('report', exc)}",
            "Check the values passed on the command line.",
        )
    if isinstance(exc, bex.InvalidRegionError):
        return ParameterError(
            f"{shorten(_kwarg(exc, 'region_name'), 80)} is not a valid region name",
            "Pass a region such as us-east-1.",
        )
    if isinstance(exc, bex.CredentialRetrievalError) and _kwarg(exc, "provider") == (
        "custom-process"
    ):
        # The process's own stderr, which may hold the very keys it failed to hand
        # over: quoted only redacted, escaped and short.
        output = redacted_line(str(_kwarg(exc, "error_msg") or ""), MAX_QUOTED) or "no message"
        return ConfigurationError(
            f"The profile's credential_process failed: {output}",
            "Run the credential_process command by hand to see why, or fix the profile.",
        )
    if not isinstance(exc, bex.BotoCoreError) and _raised_in(exc, "botocore.credentials"):
        return _credential_answer_error(exc)
    configuration = tuple(
        cls for cls in (getattr(bex, name, None) for name in _CONFIGURATION_ERRORS) if cls
    )
    if isinstance(exc, configuration):
        return ConfigurationError(f"AWS configuration problem: {exc}", _CONFIG_FIX)
    from botocore.parsers import ResponseParserError

    if isinstance(exc, ResponseParserError) or _raised_in(exc, "botocore.parsers"):
        # botocore's parser fails with AttributeError or TypeError on a body of the
        # wrong shape (e.g. a list where ECR Public sends an object).
        return ResponseError("The endpoint's answer is not an ECR response")
    if isinstance(exc, ValueError) and any(
        word in str(exc).lower() for word in ("endpoint", "url")
    ):
        # 255, as AWS CLI v2 ("Invalid endpoint: ..."); only an empty one is its usage error.
        return EcrloginError(
            f"Invalid endpoint URL: {exc}",
            "Pass --endpoint-url (or AWS_ENDPOINT_URL*) as a full URL such as https://host:port.",
        )
    if isinstance(exc, (ValueError, TypeError)) and _raised_in(
        exc, "botocore.configprovider", "botocore.args", "botocore.config"
    ):
        # e.g. AWS_MAX_ATTEMPTS=x: botocore's int() fails while reading the setting.
        return ConfigurationError(f"An AWS setting has an invalid value: {exc}", _CONFIG_FIX)
    if isinstance(exc, bex.BotoCoreError):
        return EcrloginError(f"{exc}", "Re-run with --debug for details.")
    return None


def _credential_answer_error(exc: BaseException) -> ConfigurationError:
    # botocore reads a credential_process's output (or an SSO / container answer)
    # with bare json.loads and dict lookups. The exception's text may quote that
    # output, which can hold a secret key, so only its type is named.
    if _raised_in_function(exc, "_retrieve_credentials_using"):
        return ConfigurationError(
            f"The profile's credential_process printed something that is not AWS "
            f"credentials ({type(exc).__name__})",
            'Run the command by hand: it must print one JSON object with "Version": 1, '
            '"AccessKeyId", "SecretAccessKey" and optionally "SessionToken" and "Expiration".',
        )
    return ConfigurationError(
        f"The AWS credential provider returned an answer that cannot be used "
        f"({type(exc).__name__})",
        "Check the profile's credential settings (SSO cache, credential_process, container "
        "credentials), or re-run with --debug.",
    )


def _client_error(exc: Any) -> ServiceError:
    response = exc.response if isinstance(exc.response, dict) else {}
    error = response.get("Error")
    error = error if isinstance(error, dict) else {}
    metadata = response.get("ResponseMetadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    status = metadata.get("HTTPStatusCode")
    status = status if isinstance(status, int) else None
    code = str(error.get("Code") or "Unknown")
    text = str(error.get("Message") or "").strip()
    operation = getattr(exc, "operation_name", None) or "The request"
    if code in _THROTTLING_CODES:
        code = "ThrottlingException"
    if text.lstrip().startswith("<"):
        # An HTML page: a proxy or load balancer answered, not the service.
        text = "the endpoint sent an HTML page"
    if code.isdigit():
        # No AWS error type: botocore put the bare HTTP status in its place.
        reason = f" ({text})" if text else ""
        if status is not None and status >= 500:
            failing = "The service or a proxy in front of it is failing; retry later."
        else:
            failing = ENDPOINT_FIX + " Check HTTPS_PROXY if a proxy is in the way."
        return ServiceError(f"{operation} failed with HTTP {code}{reason}", failing, code=code)
    fix = _SERVICE_FIXES.get(code)
    if fix is None and status is not None and status >= 500:
        fix = "The service is failing; retry later or check the AWS Health Dashboard."
    detail = f": {text}" if text else ""
    where = f" (HTTP {status})" if status else ""
    return ServiceError(
        f"{operation} was refused with {code}{where}{detail}",
        fix or "Check the identity's permissions and the request.",
        code=code,
    )


def _ssl_error(endpoint: object, error: str) -> EndpointError:
    import re

    # OpenSSL's "[SSL: CERTIFICATE_VERIFY_FAILED]" and "(_ssl.c:1006)" say nothing to a person.
    reason = re.sub(r"\[[A-Za-z0-9_: ]+\]\s*|\s*\(_ssl\.c:\d+\)", "", error).strip().rstrip(".")
    reason = reason.removeprefix("certificate verify failed: ")
    if "CERTIFICATE_VERIFY_FAILED" in error or "certificate verify failed" in error:
        return EndpointError(
            f"The TLS certificate of {endpoint} could not be verified ({reason})",
            "Pass --ca-bundle PATH (or set AWS_CA_BUNDLE) with the issuing CA, "
            "or --no-verify-ssl to skip the check.",
        )
    if "Errno" in error or "NO_CERTIFICATE_OR_CRL_FOUND" in error or "PEM" in error:
        return EndpointError(
            f"The CA bundle (--ca-bundle / AWS_CA_BUNDLE / ca_bundle) cannot be used: {reason}",
            "Point it at a readable PEM file of CA certificates.",
        )
    return EndpointError(
        f"The TLS handshake with {endpoint} failed ({reason})",
        "Check that the endpoint speaks HTTPS on that port, and any proxy settings.",
    )


def _kwarg(exc: Any, name: str) -> object:
    kwargs = getattr(exc, "kwargs", None)
    return kwargs.get(name) if isinstance(kwargs, dict) else None


def _raised_in_function(exc: BaseException, name: str) -> bool:
    """True if a frame between the raise and the catch ran a function called `name`."""
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_name == name:
            return True
        tb = tb.tb_next
    return False


def _raised_in(exc: BaseException, *modules: str) -> bool:
    """True if any frame between the raise and the catch ran in one of `modules`."""
    tb = exc.__traceback__
    while tb is not None:
        if str(tb.tb_frame.f_globals.get("__name__", "")).startswith(modules):
            return True
        tb = tb.tb_next
    return False
