"""The token commands but get-login-password (commands/password.py): get-login,
get-login-command and get-authorization-token (ECR and ECR Public).

Plain functions; `ecrlogin.cli` registers each under its name(s).
"""

import shlex
from typing import Annotated, Any

import typer

from ecrlogin import awsformat, core, render, ui
from ecrlogin.awsclient import OutputSettings, output_settings
from ecrlogin.commands.common import GlobalOptions, aws_command, emit, report
from ecrlogin.token import AuthToken

IncludeEmail = Annotated[
    bool,
    typer.Option(
        "--include-email/--no-include-email",
        help="Include `-e none` (Docker 17.06 and later reject it).",
    ),
]
RegistryIds = Annotated[
    list[str] | None,
    typer.Option(
        "--registry-ids",
        help="AWS account IDs of the registries (several after one flag, or repeated).",
        show_default=False,
    ),
]


@aws_command
def get_login(
    ctx: typer.Context,
    opts: GlobalOptions,
    registry_ids: RegistryIds = None,
    include_email: IncludeEmail = True,
) -> None:
    """Print a `docker login` command per registry (AWS CLI v1's get-login; it ignores
    --output and --query, as v1 does)."""
    answer = core.fetch(opts.aws, registry_ids or [], use_cache=opts.cache)
    report(answer.warnings)
    tokens = answer.tokens
    emit(render.get_login_text(tokens, include_email=include_email))
    ui.warn(
        "The printed command carries the password, which other users can see in process "
        f"lists and shell history. Use instead: {_safe_login(opts, registry_ids, tokens)}"
    )
    if include_email:
        ui.warn(
            "Docker 17.06 and later reject `-e none` (unknown shorthand flag: 'e'); "
            "pass --no-include-email."
        )


@aws_command
def get_login_command(
    ctx: typer.Context,
    opts: GlobalOptions,
    registry_ids: RegistryIds = None,
    include_email: Annotated[
        bool,
        typer.Option(
            "--include-email/--no-include-email",
            help="Include `-e none` in each Command (Docker 17.06 and later reject it).",
        ),
    ] = False,
) -> None:
    """Print, as JSON, the objects PowerShell's Get-ECRLoginCommand returns (Username,
    Password, ProxyEndpoint, Endpoint, ExpiresAt, Command)."""
    answer = core.fetch(opts.aws, registry_ids or [], use_cache=opts.cache)
    report(answer.warnings)
    emit(render.get_login_json(answer.tokens, include_email=include_email))


def _safe_login(
    opts: GlobalOptions, registry_ids: list[str] | None, tokens: list[AuthToken]
) -> str:
    """The pipeline that does what get-login's output does without exposing the password."""
    words = ["ecrlogin", "get-login-password"]
    if opts.aws.profile:
        words += ["--profile", shlex.quote(opts.aws.profile)]
    if opts.aws.region:
        words += ["--region", shlex.quote(opts.aws.region)]
    if registry_ids:
        words += ["--registry-id", registry_ids[0]]
    words += ["|", "docker", "login", "--username", "AWS", "--password-stdin"]
    endpoint = tokens[0].endpoint("get-login has no registry to print")
    words.append(render.shown_host(endpoint) or endpoint)
    if len(tokens) > 1:
        words.append("(and the same with --registry-id for each other registry)")
    return " ".join(words)


@aws_command
def get_authorization_token(
    ctx: typer.Context,
    opts: GlobalOptions,
    registry_ids: RegistryIds = None,
) -> None:
    """Print the GetAuthorizationToken response as `aws ecr get-authorization-token` does
    (--output and --query as in AWS CLI v2)."""
    settings = output_settings(opts.aws, opts.output)
    answer = core.fetch(opts.aws, registry_ids or [], use_cache=opts.cache)
    report(answer.warnings)
    emit(_formatted(answer.response, settings, opts.query))


@aws_command
def public_get_authorization_token(
    ctx: typer.Context,
    opts: GlobalOptions,
) -> None:
    """Print the ECR Public GetAuthorizationToken response as the AWS CLI does."""
    settings = output_settings(opts.aws, opts.output)
    answer = core.fetch(opts.aws, public=True, use_cache=opts.cache)
    report(answer.warnings)
    emit(_formatted(answer.response, settings, opts.query))


def _formatted(response: dict[str, Any], settings: OutputSettings, query: str | None) -> str:
    return awsformat.format_response(
        response,
        output=settings.output,
        query=query,
        timestamp_format=settings.timestamp_format,
        width=awsformat.terminal_width(),
    )
