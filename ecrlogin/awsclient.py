"""The one place that builds botocore clients.

Credentials, signing, endpoint resolution and retries are all botocore's own;
this module only turns the command-line options into botocore's arguments.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from ecrlogin import __version__, identity
from ecrlogin.errors import ConfigurationError, FormatError, shorten
from ecrlogin.hosts import PUBLIC_REGION
from ecrlogin.options import ClientOptions, connection_timeout

if TYPE_CHECKING:
    from botocore.client import BaseClient
    from botocore.config import Config
    from botocore.session import Session

    from ecrlogin.awsformat import TimestampFormat


def check_aws_files() -> None:
    """Refuse an AWS config or credentials file botocore must not read (too large, not a
    regular file, open to other users: `identity.check_aws_files`), before it reads it."""
    identity.check_aws_files()


def _wire_timestamp(value: Any) -> Any:
    """Keep a timestamp as sent: `ecrlogin.awsformat` shows it per `cli_timestamp_format`."""
    return value


# `cli_timestamp_format` values: v2's two, and v1's older spelling of wire.
_TIMESTAMP_FORMATS: dict[str, TimestampFormat] = {
    "iso8601": "iso8601",
    "wire": "wire",
    "none": "wire",
}


def timestamp_format(scoped: Mapping[str, Any]) -> TimestampFormat:
    """The profile's `cli_timestamp_format`; iso8601, the AWS CLI v2's default, when unset."""
    value = scoped.get("cli_timestamp_format", "iso8601")
    if value not in _TIMESTAMP_FORMATS:
        raise ConfigurationError(
            f"Unknown cli_timestamp_format {value!r} in the AWS config",
            "Set it to iso8601 or wire.",
        )
    return _TIMESTAMP_FORMATS[value]


def create_client(
    service: str,
    options: ClientOptions,
    *,
    on_secret: Callable[[str], None] | None = None,
    on_source: Callable[[str], None] | None = None,
) -> BaseClient:
    """Build a botocore client for `service` ("ecr" or "ecr-public") from `options`.

    With `on_secret` (the redactor's register), the credentials are resolved first and
    their secret parts handed over, so no error line or log can show them. `on_source`
    is told where botocore found them (its provider's name, e.g. "env", "sso").
    """
    import botocore.session
    from botocore.config import Config

    check_aws_files()
    session = botocore.session.Session(profile=options.profile)
    session.lazy_register_component("data_loader", _builtin_data_loader)
    session.user_agent_extra = f"ecrlogin/{__version__}"
    scoped = session.get_scoped_config()  # raises ProfileNotFound for an unknown profile
    timestamp_format(scoped)  # an unknown value fails every command, as in the AWS CLI v2
    # The response keeps its timestamps as sent, and so does the token cache.
    session.get_component("response_parser_factory").set_parser_defaults(
        timestamp_parser=_wire_timestamp
    )

    config_kwargs: dict[str, Any] = {}
    if not os.environ.get("AWS_RETRY_MODE") and "retry_mode" not in scoped:
        config_kwargs["retries"] = {"mode": "standard"}
    if options.read_timeout is not None:
        config_kwargs["read_timeout"] = connection_timeout(options.read_timeout)
    if options.connect_timeout is not None:
        config_kwargs["connect_timeout"] = connection_timeout(options.connect_timeout)
    if options.use_fips is not None:
        config_kwargs["use_fips_endpoint"] = options.use_fips
    if options.use_dualstack is not None:
        config_kwargs["use_dualstack_endpoint"] = options.use_dualstack
    if not options.sign_request:
        from botocore import UNSIGNED

        config_kwargs["signature_version"] = UNSIGNED

    region = options.region
    if service == "ecr-public" and region is None:
        region = PUBLIC_REGION
    if region is None and os.environ.get("AWS_REGION"):
        # The AWS CLI v2 and the other SDKs read AWS_REGION before AWS_DEFAULT_REGION;
        # botocore reads only the latter, so a v2 user's CI would have no region.
        region = os.environ["AWS_REGION"]
    if region == "" or (region is None and session.get_config_variable("region") == ""):
        # An empty --region or AWS_DEFAULT_REGION (an unset CI variable): botocore would
        # sign for "" or build https://api.ecr..amazonaws.com.
        if region == "":
            where = "--region"
        elif os.environ.get("AWS_DEFAULT_REGION") == "":
            where = "AWS_DEFAULT_REGION"
        else:
            where = "The profile's region"
        raise ConfigurationError(
            f"{where} is set but empty", "Set a region such as us-east-1, or unset it."
        )

    verify: bool | str | None = None
    if not options.verify_ssl:
        verify = False
        _silence_insecure_warning()
    elif options.ca_bundle:
        verify = options.ca_bundle

    config = Config(**config_kwargs)
    # botocore runs a profile's credential_process itself, through PATH: with PATH=":$PATH"
    # a `credtool` in the current folder (a checkout) would get to mint the credentials.
    with _absolute_path():
        return _client(session, service, options, region, verify, config, on_secret, on_source)


def _builtin_data_loader() -> Any:
    """A loader of botocore's own service models and endpoint rules only.

    botocore would look in ~/.aws/models and AWS_DATA_PATH first: an endpoint rule set
    there, in a folder others may write, sends the signed GetAuthorizationToken call to
    a host of its writer's choice and makes its answer the password handed out."""
    from botocore.loaders import Loader

    return Loader(extra_search_paths=[Loader.BUILTIN_DATA_PATH], include_default_search_paths=False)


@contextlib.contextmanager
def _absolute_path() -> Iterator[None]:
    """PATH without its empty and relative entries while botocore may run a program."""
    from ecrlogin.programs import without_relative_entries

    saved = os.environ.get("PATH", "")
    cleaned = without_relative_entries(saved)
    if cleaned == saved:  # unset PATH included: nothing to leave out
        yield
        return
    os.environ["PATH"] = cleaned
    try:
        yield
    finally:
        os.environ["PATH"] = saved


def _client(
    session: Session,
    service: str,
    options: ClientOptions,
    region: str | None,
    verify: bool | str | None,
    config: Config,
    on_secret: Callable[[str], None] | None,
    on_source: Callable[[str], None] | None,
) -> BaseClient:
    """The client, its credentials resolved once (frozen: never refreshed, so never run
    again outside _absolute_path) and their secrets registered."""
    credentials: dict[str, str] = {}
    if options.role_arn is not None:
        role = _assume_role(session, options, region, verify, config)
        credentials = {
            "aws_access_key_id": role["AccessKeyId"],
            "aws_secret_access_key": role["SecretAccessKey"],
            "aws_session_token": role["SessionToken"],
        }
        if on_secret is not None:
            on_secret(role["SecretAccessKey"])
            on_secret(role["SessionToken"])
        if on_source is not None:
            on_source("assume-role-with-web-identity")
    elif (
        options.sign_request and (creds := session.get_credentials()) is not None
    ):  # cached for create_client
        frozen = creds.get_frozen_credentials()
        if not all(
            isinstance(part, str) for part in (frozen.access_key, frozen.secret_key)
        ) or not isinstance(frozen.token, (str, type(None))):
            # A credential_process printing numbers would otherwise fail deep in signing.
            raise ConfigurationError(
                f"The AWS credentials from {creds.method or 'the profile'} are not text "
                "(a key or token is a number, a list or null)",
                'Make the credential source give strings: "AccessKeyId", "SecretAccessKey" '
                'and "SessionToken" in quotes.',
            )
        credentials = {
            "aws_access_key_id": frozen.access_key,
            "aws_secret_access_key": frozen.secret_key,
        }
        if frozen.token:
            credentials["aws_session_token"] = frozen.token
        if on_secret is not None:
            for secret in (frozen.secret_key, frozen.token):
                if secret:
                    on_secret(secret)
        if on_source is not None:
            on_source(str(creds.method or "unknown"))

    return session.create_client(
        service,
        region_name=region,
        endpoint_url=options.endpoint_url,
        verify=verify,
        config=config,
        **credentials,
    )


class CallerIdentity(NamedTuple):
    """Who the AWS credentials of some options are (STS GetCallerIdentity), and where
    botocore found them."""

    account: str
    arn: str
    # botocore's name for the provider: "env", "shared-credentials-file", "sso", ...
    source: str


def caller_identity(options: ClientOptions) -> CallerIdentity:
    """STS GetCallerIdentity with the credentials `options` select; raises EcrloginError.

    `--endpoint-url` names the ECR endpoint, so STS is asked where botocore's own
    configuration (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL) points it.
    """
    from ecrlogin import logs
    from ecrlogin.errors import ResponseError, translate

    sources: list[str] = []
    try:
        sts = create_client(
            "sts",
            options.replace(endpoint_url=None),
            on_secret=logs.register_secret,
            on_source=sources.append,
        )
        answer = sts.get_caller_identity()
    except Exception as exc:  # translate() is the one place errors are mapped
        raise translate(exc) from exc
    account, arn = answer.get("Account"), answer.get("Arn")
    if not isinstance(account, str) or not isinstance(arn, str):
        raise ResponseError(
            "GetCallerIdentity answered without an account and ARN",
            "Check that AWS_ENDPOINT_URL_STS (or AWS_ENDPOINT_URL) points at AWS STS.",
        )
    return CallerIdentity(account, arn, sources[0] if sources else "unknown")


def profile_settings(profile: str | None) -> dict[str, Any]:
    """The AWS config file's settings of `profile` (the default profile when None), as
    botocore reads them; raises EcrloginError for an unknown profile."""
    import botocore.session

    from ecrlogin.errors import translate

    check_aws_files()
    try:
        return dict(botocore.session.Session(profile=profile).get_scoped_config())
    except Exception as exc:  # translate() is the one place errors are mapped
        raise translate(exc) from exc


ROLE_SESSION_NAME = "ecrlogin-credential-provider"


def _assume_role(
    session: Any, options: ClientOptions, region: str | None, verify: bool | str | None, config: Any
) -> dict[str, str]:
    """Temporary credentials of `options.role_arn`, from STS AssumeRoleWithWebIdentity.

    The call is unsigned (the workload's token is the proof), so a node without AWS
    credentials of its own can still pull as the workload's role. STS is asked in the
    registry's region, as the reference plugin does.
    """
    sts = session.create_client("sts", region_name=region, verify=verify, config=config)
    answer = sts.assume_role_with_web_identity(
        RoleArn=options.role_arn,
        RoleSessionName=ROLE_SESSION_NAME,
        WebIdentityToken=options.web_identity_token or "",
    )
    credentials = answer.get("Credentials") if isinstance(answer, dict) else None
    names = ("AccessKeyId", "SecretAccessKey", "SessionToken")
    if not isinstance(credentials, dict) or not all(
        isinstance(credentials.get(name), str) and credentials.get(name) for name in names
    ):
        from ecrlogin.errors import ResponseError

        raise ResponseError(
            "AssumeRoleWithWebIdentity answered without credentials",
            "Check that AWS_ENDPOINT_URL_STS (or AWS_ENDPOINT_URL) points at AWS STS.",
        )
    return {name: str(credentials[name]) for name in names}


class OutputSettings(NamedTuple):
    """How a response is shown: the output format and `cli_timestamp_format`."""

    output: str
    timestamp_format: TimestampFormat


def output_settings(options: ClientOptions, output: str | None = None) -> OutputSettings:
    """The output format and timestamp format the AWS CLI v2 would use.

    The format is `output` (the --output option, its value checked by the command
    line) if given, else AWS_DEFAULT_OUTPUT, else the profile's `output`, else json;
    an unknown configured one fails with exit 255, as in v2.
    """
    import botocore.session

    from ecrlogin.awsformat import OUTPUTS

    check_aws_files()
    scoped = botocore.session.Session(profile=options.profile).get_scoped_config()
    timestamps = timestamp_format(scoped)
    if output is None:
        # Set but empty is a value, not unset: botocore's config chain (and so v2) says so.
        if "AWS_DEFAULT_OUTPUT" in os.environ:
            output, where = os.environ["AWS_DEFAULT_OUTPUT"], "AWS_DEFAULT_OUTPUT"
        else:
            output, where = str(scoped.get("output", "json")), "The profile's `output`"
        if output not in OUTPUTS:
            raise FormatError(
                f"{where} is {shorten(output)}, not an output format",
                f"Set it to one of {', '.join(OUTPUTS)}, or pass --output.",
            )
    return OutputSettings(output, timestamps)


def _silence_insecure_warning() -> None:
    # --no-verify-ssl is an explicit choice; urllib3 would warn on every request.
    import warnings

    warnings.filterwarnings("ignore", message="Unverified HTTPS request")
