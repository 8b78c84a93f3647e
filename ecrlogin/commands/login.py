"""The `login` and `logout` commands: log container clients, or their config files, into ECR."""

from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from ecrlogin import authfile, config, core, github_actions, login, render, ui
from ecrlogin.clients import ClientName
from ecrlogin.commands.common import GlobalOptions, Targets, aws_command, emit, report
from ecrlogin.errors import ParameterError, RegistriesFailed
from ecrlogin.programs import RelativePathEntry, look_path
from ecrlogin.targets import Method, RegistryResult, exit_code, fetch, passwords, resolve_targets


class FileFormat(str, Enum):
    """Which config file `--write-config` / `--helper` change."""

    docker = "docker"
    containers = "containers"


ClientOption = Annotated[
    ClientName | None,
    typer.Option(
        "--client",
        help="The client whose own login runs (default: docker).",
        show_default=False,
    ),
]
ClientArgs = Annotated[
    list[str] | None,
    typer.Option(
        "--client-arg",
        help="An extra argument for the client's login/logout, e.g. "
        "--client-arg=--tls-verify=false or --client-arg=--authfile=PATH (repeatable).",
        show_default=False,
    ),
]
LogoutTargets = Annotated[
    list[str] | None,
    typer.Argument(
        help="Registry hosts or image references (default: your default registry; with "
        "--helper, every credHelpers entry naming ecrlogin, with no AWS call).",
        show_default=False,
        metavar="TARGET",
    ),
]
WriteConfig = Annotated[
    bool,
    typer.Option(
        "--write-config",
        help="No client: write the passwords into the client config file yourself.",
    ),
]
Helper = Annotated[
    bool,
    typer.Option(
        "--helper",
        help='Name the "ecrlogin" credential helper in credHelpers instead (never expires).',
    ),
]
Store = Annotated[
    bool,
    typer.Option(
        "--store",
        help="With --helper: set credsStore (every registry) instead of credHelpers entries; "
        "the store named there before becomes ecrlogin's fallback for non-ECR registries.",
    ),
]
Format = Annotated[
    FileFormat | None,
    typer.Option(
        "--format",
        help="docker: $DOCKER_CONFIG/config.json or ~/.docker/config.json; containers: "
        "$REGISTRY_AUTH_FILE or $XDG_RUNTIME_DIR/containers/auth.json (default: docker).",
        show_default=False,
    ),
]
ConfigFile = Annotated[
    Path | None,
    typer.Option(
        "--config-file",
        help="The file --write-config / --helper change, instead of the default.",
        show_default=False,
        dir_okay=False,
    ),
]


@dataclass(frozen=True)
class Mode:
    """How registries are logged in: a client's login, a config file entry, or the helper."""

    kind: Method
    client: str = ClientName.docker.value
    # With HELPER: credsStore for every registry instead of credHelpers entries.
    store: bool = False
    client_args: tuple[str, ...] = ()
    path: Path | None = None
    fmt: str = authfile.DOCKER


def _mode(
    client: ClientName | None,
    client_args: list[str] | None,
    write_config: bool,
    helper: bool,
    fmt: FileFormat | None,
    config_file: Path | None,
    store: bool = False,
    targets: list[str] | None = None,
) -> Mode:
    """Check that the chosen options fit together and say what to do."""
    if store:
        if not helper:
            raise ParameterError(
                "--store applies only with --helper",
                "Run `ecrlogin login --helper --store` to make ecrlogin docker's credsStore.",
            )
        if targets:
            raise ParameterError(
                "--store sets credsStore for every registry, so it takes no TARGET",
                "Drop the targets, or use --helper without --store for credHelpers entries.",
            )
        if fmt is FileFormat.containers:
            raise ParameterError(
                "--store does not apply to --format containers",
                "podman, skopeo and buildah read only credHelpers: use --helper without --store.",
            )
    if write_config and helper:
        raise ParameterError(
            "--write-config and --helper cannot be combined",
            "Pick one: a stored password (--write-config) or the credential helper (--helper).",
        )
    if write_config or helper:
        if client is not None or client_args:
            chosen = "--helper" if helper else "--write-config"
            raise ParameterError(
                f"--client/--client-arg do not apply with {chosen}",
                "Drop them; the config file is written without running a client.",
            )
        file_format = (fmt or FileFormat.docker).value
        path = config_file or authfile.default_path(file_format)
        return Mode(
            kind=Method.HELPER if helper else Method.CONFIG,
            path=path,
            fmt=file_format,
            store=store,
        )
    if fmt is not None or config_file is not None:
        raise ParameterError(
            "--format/--config-file apply only with --write-config or --helper",
            "Add one of those, or pass the client its own option, e.g. "
            "--client-arg=--authfile=PATH.",
        )
    name = (client or ClientName.docker).value
    return Mode(kind=Method.CLIENT, client=name, client_args=tuple(client_args or ()))


@aws_command
def login_command(
    ctx: typer.Context,
    opts: GlobalOptions,
    targets: Targets = None,
    client: ClientOption = None,
    client_arg: ClientArgs = None,
    write_config: WriteConfig = False,
    helper: Helper = False,
    store: Store = False,
    file_format: Format = None,
    config_file: ConfigFile = None,
    mask: Annotated[
        bool | None,
        typer.Option(
            "--mask/--no-mask",
            help="Send the runner ::add-mask:: for every password first, on stderr "
            "(default: on in GitHub Actions).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Log a container client (or its config file) into ECR registries, password via stdin.

    With --output json, print a list of {registry, region, method, expiresAt} on stdout."""
    mode = _mode(client, client_arg, write_config, helper, file_format, config_file, store, targets)
    settings = config.load()
    if mode.store and mode.path is not None:
        _report_store(login.set_store(mode.path))
        _check_helper_on_path()
        return
    results = resolve_targets(targets or [], settings)
    with ui.status("Fetching ECR authorization tokens"):
        results, fetch_warnings = fetch(
            results,
            opts.aws,
            core.fetch,
            use_cache=opts.cache,
            tokens_needed=mode.kind is not Method.HELPER,
            settings=settings,
        )
    report(fetch_warnings)
    if mask if mask is not None else github_actions.active():
        # Before anything else reaches a log, so the runner hides every later copy.
        github_actions.add_masks(passwords(results))
    warnings: list[str] = []
    if mode.kind is Method.CLIENT:
        with ui.status(f"Running {mode.client} login"):
            results, warnings = login.client_login(
                results, mode.client, mode.client_args, timeout=opts.aws.read_wait()
            )
    elif mode.kind is Method.CONFIG and mode.path is not None:
        results, warnings = login.write_config(
            results, mode.path, fmt=mode.fmt, wait=opts.aws.read_wait()
        )
    elif mode.path is not None:
        results, warnings = login.set_helper(
            results, mode.path, fmt=mode.fmt, wait=opts.aws.read_wait()
        )
        if any(r.ok for r in results):
            _check_helper_on_path()
    _write_outputs(results)
    _report_or_raise(results, warnings, mode)
    if opts.output == "json":
        # The global --output: json prints [{registry, region, method, expiresAt}].
        emit(render.login_json(results))


@aws_command
def logout_command(
    ctx: typer.Context,
    opts: GlobalOptions,
    targets: LogoutTargets = None,
    client: ClientOption = None,
    client_arg: ClientArgs = None,
    write_config: Annotated[
        bool,
        typer.Option("--write-config", help="Remove the passwords `login --write-config` wrote."),
    ] = False,
    helper: Annotated[
        bool,
        typer.Option("--helper", help="Remove the credHelpers entries `login --helper` wrote."),
    ] = False,
    store: Annotated[
        bool,
        typer.Option(
            "--store",
            help="With --helper: put back the credsStore `login --helper --store` replaced.",
        ),
    ] = False,
    file_format: Format = None,
    config_file: ConfigFile = None,
) -> None:
    """Undo `login`: remove what it stored for these registries, and nothing else.

    Without TARGET: your default registry; with --helper, every credHelpers entry naming
    ecrlogin, with no AWS call."""
    mode = _mode(client, client_arg, write_config, helper, file_format, config_file, store, targets)
    settings = config.load()
    if mode.store and mode.path is not None:
        change = login.remove_store(mode.path, settings)
        (ui.ok if change.changed else ui.note)(render.store_line(change, logout=True))
        return
    if targets:
        results = resolve_targets(targets, settings)
    elif mode.kind is Method.HELPER and mode.path is not None:
        # No AWS call: a credHelpers entry naming ecrlogin is provably ecrlogin's.
        results = login.helper_logins(mode.path)
        if not results:
            ui.note(f"no credHelpers entry names ecrlogin in {mode.path}; nothing to log out of")
            return
    else:
        # An auths entry or a client's login cannot be told apart from the user's own
        # `docker login`: only the default registry, which only a call can tell.
        with ui.status("Finding your default registry"):
            results, fetch_warnings = fetch(
                resolve_targets([], settings),
                opts.aws,
                core.fetch,
                use_cache=opts.cache,
                tokens_needed=False,
                settings=settings,
            )
        report(fetch_warnings)
    warnings: list[str] = []
    if mode.kind is Method.CLIENT:
        results, warnings = login.client_logout(
            results, mode.client, mode.client_args, timeout=opts.aws.read_wait()
        )
    elif mode.kind is Method.CONFIG and mode.path is not None:
        results, warnings = login.remove_config(results, mode.path, wait=opts.aws.read_wait())
    elif mode.path is not None:
        results, warnings = login.remove_helper(results, mode.path, wait=opts.aws.read_wait())
    _report_or_raise(results, warnings, mode, logout=True)


def _report_or_raise(
    results: list[RegistryResult], warnings: list[str], mode: Mode, *, logout: bool = False
) -> None:
    """The file's warnings and one stderr line per registry; on failure, raise the error whose
    line the program's error edge prints (the summary, or the one registry's failure)."""
    for warning in warnings:
        ui.warn(f"{mode.path}: {warning}" if mode.path else warning)
    several = len(results) > 1
    for result in results:
        if result.error is not None:
            if several:
                ui.error(render.failed_line(result))
        elif logout and not result.changed:
            ui.note(render.registry_line(result, logout=True))
        else:
            ui.ok(render.registry_line(result, logout=logout))
    code = exit_code(results)
    if code:
        failed = render.summary(results) if several else render.failed_line(results[0])
        raise RegistriesFailed(failed, exit_code=code)


def _write_outputs(results: list[RegistryResult]) -> None:
    """In GitHub Actions, the step outputs aws-actions/amazon-ecr-login sets, for every
    registry logged in (also when another one failed)."""
    logged_in = [(r.host, r.token) for r in results if r.ok and r.host is not None]
    outputs = github_actions.login_outputs(logged_in, requested=len(results))
    state = github_actions.write_outputs(outputs)
    if outputs and state is github_actions.OutputFile.NO_FILE:
        ui.warn(render.github_outputs_skipped(state))


def _report_store(change: login.StoreChange) -> None:
    """The line for `login --helper --store`, and what the user must know about it."""
    ui.ok(render.store_line(change))
    for warning in render.store_warnings(change, config.config_file()):
        ui.warn(warning)


def _check_helper_on_path() -> None:
    try:
        found = look_path("docker-credential-ecrlogin")
    except RelativePathEntry as exc:
        ui.warn(
            f"docker-credential-ecrlogin is found as {exc.path} only through the relative "
            f"PATH entry {exc.entry!r}, which clients refuse; put its bin directory on PATH "
            "as an absolute path."
        )
        return
    if found is None:
        ui.warn(
            "docker-credential-ecrlogin is not on PATH, so clients cannot run the helper "
            "yet; install ecrlogin where the client runs, or add its bin directory to PATH."
        )
