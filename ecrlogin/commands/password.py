"""`get-login-password` (ECR and ECR Public): the pipeline's command, kept lean.

On a cache hit it answers as the credential helper does, from the cache
alone (cache.fresh_credentials): the token core and botocore load only on a miss.
"""

from typing import Annotated

import typer

from ecrlogin import cache, identity, render
from ecrlogin.commands.common import GlobalOptions, aws_command, emit, report
from ecrlogin.hosts import is_account


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
) -> None:
    """Print a password for `docker login --username AWS --password-stdin`."""
    _password(opts, [registry_id] if registry_id else [], public=False)


@aws_command
def public_get_login_password(ctx: typer.Context, opts: GlobalOptions) -> None:
    """Print a password for `docker login --username AWS --password-stdin public.ecr.aws`."""
    _password(opts, [], public=True)


def _password(opts: GlobalOptions, ids: list[str], *, public: bool) -> None:
    # --debug takes the core's path, which registers the password with the redactor.
    if opts.cache and not opts.debug and all(map(is_account, ids)) and not cache.disabled():
        hit = cache.fresh_credentials(identity.cache_key(opts.aws, ids, public=public))
        if hit is not None:
            emit(render.password_line(hit[1]))
            return
    from ecrlogin import core

    answer = core.fetch(opts.aws, ids, public=public, use_cache=opts.cache)
    report(answer.warnings)
    emit(render.password(answer.tokens))
