"""The `doctor` command: the cause and the fix for "no basic auth credentials", per registry."""

import json
from datetime import datetime, timezone
from typing import Annotated, Any

import typer

from ecrlogin import config, ui
from ecrlogin import doctor as core_doctor
from ecrlogin.commands.common import GlobalOptions, Targets, aws_command, emit
from ecrlogin.doctor import Cause, Diagnosis, Problem, Resolution
from ecrlogin.errors import redacted_line

# The JSON document's version: field names only ever get added under one version.
JSON_VERSION = 1


@aws_command
def doctor(
    ctx: typer.Context,
    opts: GlobalOptions,
    targets: Targets = None,
    live: Annotated[
        bool,
        typer.Option(
            "--live/--no-live",
            help="GET /v2/ on each registry, with and without the token (default: on).",
        ),
    ] = True,
) -> None:
    """Explain "no basic auth credentials": per registry, which config entry wins, the AWS
    identity, a token, a live check, and the command that fixes it. Changes nothing.

    Without TARGET: every ECR registry the docker, podman and ecrlogin configs name,
    and your own. With --output json, print the findings on stdout (fields: see
    docs/troubleshooting.md). Exit 0 when every registry would work, 1 otherwise.
    """
    settings = config.load()
    with ui.status("Checking registries"):
        results = core_doctor.diagnose(targets or [], settings, opts.aws, check_live=live)
    _print_table(results)
    for result in results:
        (ui.ok if result.ok else ui.error)(verdict(result))
        for problem in result.problems:
            if problem is not result.first:
                ui.note(f"{result.name}: also: {sentence(problem)}")
    if opts.output == "json":
        # The global --output: json prints the findings (docs/troubleshooting.md has the fields).
        emit(to_json(results))
    if not all(result.ok for result in results):
        raise typer.Exit(1)


# Sentences: one template per cause, filled from the problem's facts.
_SENTENCES = {
    Cause.NOT_ECR: "{requested} is not an ECR registry host, and the ecrlogin config maps no "
    "account and region to it",
    Cause.CONFIG_UNREADABLE: "{client} cannot read {config}: {reason}",
    Cause.NO_ENTRY: "{client} has no credentials for it (no credHelpers, credsStore or auths "
    "entry in {config}), so it pulls anonymously and the registry answers "
    '"no basic auth credentials"',
    Cause.HELPER_MISSING: "{client}'s {source} names {helper!r}, but {program} is not on PATH, so "
    "{client} gets no credentials",
    Cause.FOREIGN_HELPER: "{client}'s credHelpers sends it to {program}, not to an ECR helper",
    Cause.STORE_SHADOWS: "{client}'s credsStore {helper!r} wins and shadows {shadows}; the store "
    "holds whatever `docker login` put there last",
    Cause.STORE_UNCHECKED: "{client} asks credsStore {helper!r}: whatever "
    "`docker login` stored there last, which for ECR lasts 12 hours (doctor does not read "
    "the store's secrets)",
    Cause.STORED_EXPIRED: "the password {client} uses from {source} ({config}) is an ECR token "
    "that expired at {expired}",
    Cause.STORED_REFUSED: "the registry refuses the password {client} uses from {config} (HTTP 401 "
    "with it): it is stale",
    Cause.LOOSE_MODE: "{config} holds a password and has mode {mode}, so other users can read it",
    Cause.IDENTITY_FAILED: "the AWS credentials of profile {profile} do not work: {reason}",
    Cause.TOKEN_DENIED: "{arn} may not call ecr:GetAuthorizationToken: {reason}",
    Cause.TOKEN_FAILED: "no token: {reason}",
    Cause.ACCOUNT_MISMATCH: "the identity is in account {account}, the registry in "
    "{registry_account}",
    Cause.DNS: "the host name does not resolve (DNS: {reason})",
    Cause.CONNECT: "cannot connect to {url}: {reason}",
    Cause.TLS: "the TLS handshake with {url} failed: {reason}",
    Cause.TIMEOUT: "{url} did not answer in time",
    Cause.NOT_A_REGISTRY: "{url} answered HTTP {status}: not a registry's /v2/",
    Cause.TOKEN_REFUSED: "the registry refuses the token of {arn} (HTTP 401 with the token): "
    "another account's or region's registry",
    Cause.DENIED: "the registry denies {arn} (HTTP 403{code})",
    Cause.REGISTRY_ERROR: "{url} answered HTTP {status}{code}",
}


def sentence(problem: Problem) -> str:
    """The sentence a person reads for `problem`."""
    facts = {key: redacted_line(value, 300) for key, value in problem.facts.items()}
    if facts.get("code"):
        facts["code"] = f" {facts['code']}"
    try:
        text = _SENTENCES[problem.cause].format(**facts)
    except (KeyError, IndexError):
        text = problem.cause.value
    return text


def verdict(result: Diagnosis) -> str:
    """The one line per registry: it works (and how), or the first problem and its fix."""
    first = result.first
    works = f"works ({_how(result)})"
    if first is None:
        return f"{result.name}: {works}"
    problem = f"{sentence(first)}. Fix: {first.fix}"
    return f"{result.name}: {works}, but {problem}" if result.ok else f"{result.name}: {problem}"


def _how(result: Diagnosis) -> str:
    parts = [f"{r.client}: {_entry(r)}" for r in result.resolutions]
    if result.token is not None and result.token.from_cache:
        parts.append("token from the cache")
    if result.probe is not None and result.probe.with_token is not None:
        parts.append(f"GET /v2/ {result.probe.with_token}")
    return "; ".join(parts) or "token fetched"


def _entry(res: Resolution, *, full: bool = False) -> str:
    """The entry that wins for one client, in a few words (`full`: where, too)."""
    where = f" in {res.config}" if full else ""
    if res.error is not None:
        return f"cannot read {res.config}: {res.error}"
    if res.source is None:
        return f"no entry{where}"
    if res.helper is not None:
        helper = res.helper
        if not full:
            return f"{res.source.value} {helper.name!r} ({'' if helper.path else 'not '}on PATH)"
        found = f"at {helper.path}" if helper.path else "not on PATH"
        return f"{res.source.value} {helper.name!r}{where}: {helper.program} {found}"
    stored = res.stored
    text = f"{res.source.value} password{where}"
    if stored is not None and stored.expires_at is not None:
        when = stored.expires_at.isoformat()
        expired = stored.expired(datetime.now(timezone.utc))
        text += f", an ECR token that {'expired' if expired else 'expires'} {when}"
    return text


def _print_table(results: list[Diagnosis]) -> None:
    """One two-column table per registry: what each client uses, who asks, what answers."""
    from rich.markup import escape
    from rich.table import Table

    for result in results:
        table = Table(
            title=escape(result.name), show_header=False, title_justify="left", expand=False
        )
        table.add_column(style="bold", no_wrap=True)
        table.add_column(overflow="fold")
        rows = []
        for res in result.resolutions:
            rows.append((res.client, _entry(res, full=True)))
            if res.shadows:
                rows.append(("  shadows", "; ".join(res.shadows)))
        rows += [
            ("registry", _registry_text(result)),
            ("AWS identity", _identity_text(result)),
            ("token", _token_text(result)),
            ("GET /v2/", _probe_text(result)),
        ]
        for label, text in rows:  # config paths and hosts are data, never Rich markup
            table.add_row(escape(label), escape(text))
        ui.console().print(table)


def _registry_text(result: Diagnosis) -> str:
    """ECR Public or private, its account and region, and whether the identity's match."""
    kind = "ECR Public" if result.public else "ECR private"
    where = ", ".join(
        x for x in (f"account {result.account}" if result.account else "", result.region) if x
    )
    text = f"{kind} ({where})" if where else kind
    identity = result.identity
    if identity is not None and identity.account and result.account:
        same = identity.account == result.account
        text += "; the identity's account " + ("matches" if same else f"is {identity.account}")
    if identity is not None and identity.region and result.region:
        if identity.region == result.region:
            text += "; your default region matches"
        else:
            text += f"; your default region is {identity.region} (pass --region {result.region} "
            text += "to `aws ecr get-login-password` for it)"
    return text


def _identity_text(result: Diagnosis) -> str:
    identity = result.identity
    if identity is None:
        return "not asked"
    profile = identity.profile or "default"
    if identity.error is not None:
        return f"profile {profile}: {identity.error.message}"
    return f"{identity.arn} (profile {profile}, credentials from {identity.source})"


def _token_text(result: Diagnosis) -> str:
    token = result.token
    if token is None:
        return "not fetched"
    if token.error is not None:
        return f"failed: {token.error.message}"
    return "from the token cache (no call)" if token.from_cache else "fetched (not cached)"


def _probe_text(result: Diagnosis) -> str:
    probe = result.probe
    if probe is None:
        return "not checked (--no-live)"
    if probe.failure is not None:
        return f"{probe.url}: {probe.failure.value} ({probe.reason})"
    text = f"{probe.url}: {probe.anonymous} without credentials"
    if probe.with_token is not None:
        text += f", {probe.with_token} with the token"
    stored = [
        f"{status} with {res.client}'s stored password"
        for res, status in zip(result.resolutions, probe.with_stored, strict=False)
        if status is not None
    ]
    return ", ".join([text, *stored])


def to_json(results: list[Diagnosis]) -> str:
    """The `--output json` document: stable field names, never a secret."""
    document = {
        "version": JSON_VERSION,
        "ok": all(result.ok for result in results),
        "registries": [_registry_json(result) for result in results],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _registry_json(result: Diagnosis) -> dict[str, Any]:
    first = result.first
    identity = result.identity
    token = result.token
    probe = result.probe
    return {
        "registry": result.host,
        "requested": result.requested,
        "ok": result.ok,
        "verdict": verdict(result),
        "cause": first.cause.value if first else None,
        "fix": first.fix if first else None,
        "account": result.account,
        "region": result.region,
        "public": result.public,
        "profile": result.profile,
        "clients": [
            _resolution_json(res, probe.with_stored[index] if probe and probe.with_stored else None)
            for index, res in enumerate(result.resolutions)
        ],
        "identity": None
        if identity is None
        else {
            "account": identity.account,
            "arn": identity.arn,
            "profile": identity.profile,
            "credentialSource": identity.source,
            "defaultRegion": identity.region,
            "error": identity.error.message if identity.error else None,
        },
        "token": None
        if token is None
        else {
            "ok": token.ok,
            "fromCache": token.from_cache,
            "expiresAt": token.expires_at.isoformat() if token.expires_at else None,
            "error": token.error.message if token.error else None,
        },
        "live": None
        if probe is None
        else {
            "url": probe.url,
            "anonymous": probe.anonymous,
            "withToken": probe.with_token,
            "failure": probe.failure.value if probe.failure else None,
            "errorCode": probe.error_code,
        },
        "problems": [
            {
                "cause": problem.cause.value,
                "severity": problem.severity.value,
                "message": sentence(problem),
                "fix": problem.fix,
            }
            for problem in result.problems
        ],
    }


def _resolution_json(res: Resolution, live: int | None) -> dict[str, Any]:
    helper = res.helper
    stored = res.stored
    return {
        "client": res.client,
        "config": res.config,
        "source": res.source.value if res.source else None,
        "key": res.key,
        "shadows": list(res.shadows),
        "helper": None
        if helper is None
        else {
            "name": helper.name,
            "program": helper.program,
            "path": helper.path,
            "kind": helper.kind.value,
        },
        "stored": None
        if stored is None
        else {
            "username": stored.username,
            "ecrToken": stored.ecr_token,
            "expiresAt": stored.expires_at.isoformat() if stored.expires_at else None,
            "identityToken": stored.identity_token,
        },
        "mode": f"{res.mode:04o}" if res.mode is not None else None,
        "error": res.error,
        # The HTTP status of GET /v2/ with the stored password (null: not tried).
        "storedStatus": live,
    }
