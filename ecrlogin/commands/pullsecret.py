"""The `pull-secret` command: a Kubernetes imagePullSecret for `kubectl apply -f -`."""

from typing import Annotated

import typer

from ecrlogin import config, core, pullsecret, render, ui
from ecrlogin import login as flow
from ecrlogin.cli import GlobalOptions, app, aws_command, command, emit


@command(app, name="pull-secret")
@aws_command
def pull_secret(
    ctx: typer.Context,
    opts: GlobalOptions,
    name: Annotated[
        str,
        typer.Argument(help="The Secret's name, e.g. regcred.", show_default=False, metavar="NAME"),
    ],
    targets: Annotated[
        list[str] | None,
        typer.Argument(
            help="Registry hosts or image references (default: your own registry in the region).",
            show_default=False,
            metavar="TARGET",
        ),
    ] = None,
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
            opts.client,
            core.fetch_tokens,
            use_cache=bool(opts.cache),
        )
    if not secret.ok:
        # All or nothing: a Secret without one registry would break pulls that work now.
        for result in secret.results:
            if result.error is not None:
                ui.error(f"{result.name}: {result.error.message}")
        if len(secret.results) > 1:
            ui.error(f"{flow.summary(secret.results)}; no Secret printed")
        raise typer.Exit(secret.exit_code)
    emit(render.pull_secret(secret.name, secret.namespaces, secret.credentials()))
    for result in secret.results:
        ui.ok(flow.describe(result))
