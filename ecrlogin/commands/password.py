"""`get-login-password` (ECR and ECR Public): the pipeline's command, kept lean.

On a cache hit it answers as the credential helper does, from the cache
alone (ecrlogin.commands.early, which answers the plain `get-login-password
--cache` before Typer loads): the token core and botocore load only on a miss.
"""

from typing import TYPE_CHECKING, Annotated

import typer

from ecrlogin import render, ui
from ecrlogin.commands import early
from ecrlogin.commands.common import GlobalOptions, aws_command, emit, report

if TYPE_CHECKING:
    from ecrlogin.token import AuthToken

GithubOutput = Annotated[
    bool,
    typer.Option(
        "--github-output",
        help="In GitHub Actions, also set the step outputs aws-actions/amazon-ecr-login sets "
        "(registry, docker_username_<S>, docker_password_<S>) in $GITHUB_OUTPUT.",
    ),
]
Mask = Annotated[
    bool | None,
    typer.Option(
        "--mask/--no-mask",
        help="Send the runner ::add-mask:: for the password first, on stderr (default: on "
        "with --github-output in GitHub Actions).",
        show_default=False,
    ),
]


@aws_command
def get_login_password(
    ctx: typer.Context,
    opts: GlobalOptions,
    registry_id: Annotated[
        str | None,
        typer.Option(
            "--registry-id",
            help="Account ID of the registry (default: your own).",
            show_default=False,
        ),
    ] = None,
    github_output: GithubOutput = False,
    mask: Mask = None,
) -> None:
    """Print a password for `docker login --username AWS --password-stdin`."""
    _password(opts, [registry_id] if registry_id else [], github_output, mask, public=False)


@aws_command
def public_get_login_password(
    ctx: typer.Context, opts: GlobalOptions, github_output: GithubOutput = False, mask: Mask = None
) -> None:
    """Print a password for `docker login --username AWS --password-stdin public.ecr.aws`."""
    _password(opts, [], github_output, mask, public=True)


def _password(
    opts: GlobalOptions, ids: list[str], github_output: bool, mask: bool | None, *, public: bool
) -> None:
    if early.cached_password(opts, ids, public=public, github_output=github_output, mask=mask):
        return
    from ecrlogin import core

    answer = core.fetch(opts.aws, ids, public=public, use_cache=opts.cache)
    report(answer.warnings)
    if github_output or mask:
        _tell_the_runner(answer.tokens[0], github_output=github_output, mask=mask)
    emit(render.password(answer.tokens))


def _tell_the_runner(token: "AuthToken", *, github_output: bool, mask: bool | None) -> None:
    """Masks for the password (before it is printed), then the step outputs."""
    from ecrlogin import github_actions
    from ecrlogin.github_actions import OutputFile

    state, _ = github_actions.output_file()
    if mask if mask is not None else state is not OutputFile.NOT_ACTIONS:
        github_actions.add_masks(token.secrets)
    if not github_output:
        return
    if state is OutputFile.WRITTEN:
        from ecrlogin import config

        why = "--github-output has no registry to name"
        host = token.require_registry(config.load(), why).host
        github_actions.write_outputs(github_actions.login_outputs([(host, token)], requested=1))
    else:
        (ui.warn if state is OutputFile.NO_FILE else ui.note)(render.github_outputs_skipped(state))
