"""The `pull-secret` command: a Kubernetes imagePullSecret for `kubectl apply -f -`."""

from typing import Annotated

import typer

from ecrlogin import config, core, pullsecret, render, ui
from ecrlogin.commands.common import GlobalOptions, Targets, aws_command, emit, report
from ecrlogin.errors import RegistriesFailed


@aws_command
def pull_secret(
    ctx: typer.Context,
    opts: GlobalOptions,
    name: Annotated[
        str,
        typer.Argument(help="The Secret's name, e.g. regcred.", show_default=False, metavar="NAME"),
    ],
    targets: Targets = None,
    namespaces: Annotated[
        list[str] | None,
        typer.Option(
            "--namespace",
            "-n",
            help="Put the Secret in this namespace (repeatable: a v1 List, one Secret per "
            "namespace; default: none set, so kubectl's current namespace).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Print a kubernetes.io/dockerconfigjson Secret for the registries: pipe it into
    `kubectl apply -f -`. Nothing is printed unless every registry succeeds."""
    with ui.status("Fetching ECR authorization tokens"):
        secret = pullsecret.fetch(
            name,
            namespaces or [],
            targets or [],
            config.load(),
            opts.aws,
            core.fetch,
            use_cache=opts.cache,
        )
    report(secret.warnings)
    if not secret.ok:
        # All or nothing: a Secret without one registry would break pulls that work now.
        several = len(secret.results) > 1
        if not several:
            raise RegistriesFailed(
                render.failed_line(secret.results[0]), exit_code=secret.exit_code
            )
        for result in secret.results:
            if result.error is not None:
                ui.error(render.failed_line(result))
        raise RegistriesFailed(
            f"{render.summary(secret.results)}; no Secret printed", exit_code=secret.exit_code
        )
    emit(render.pull_secret(secret.name, secret.namespaces, secret.credentials()))
    for result in secret.results:
        ui.ok(render.registry_line(result))
