"""Talking to the GitHub Actions runner: secret masks and step outputs.

The one module that writes workflow commands (`::add-mask::`) and the step
outputs file (`$GITHUB_OUTPUT`). The commands call it; the core never does.

Masks go to **stderr**, never stdout, so a payload on stdout (`login --output
json > login.json`, a password piped into `docker login`) stays exactly the
payload, wherever it goes. The runner reads workflow commands from both
streams of a step's process: actions/runner `src/Runner.Worker/Handlers/
ScriptHandler.cs` wires `StepHost.OutputDataReceived` and
`StepHost.ErrorDataReceived` each to an `OutputManager`, whose `OnDataReceived`
(`src/Runner.Worker/Handlers/OutputManager.cs`) hands every line to
`ActionCommandManager.TryProcessCommand`. GitHub's documentation ("Workflow
commands for GitHub Actions", docs.github.com) says the commands are sent over
stdout, as `echo` sends them; the runner's source treats both streams alike.
Order: each stream has its own reader, and `ProcessInvoker.ProcessOutput`
(`src/Runner.Sdk/ProcessInvoker.cs`) hands on the stderr lines it has queued
before the stdout lines; the masks are written and flushed before anything
that holds a secret, so the runner has them before it can log that secret.

Step outputs use the names of aws-actions/amazon-ecr-login (`index.js`), so a
workflow written for that action reads ours unchanged: `registry` when the
login was for one registry, and per registry `docker_username_<S>` and
`docker_password_<S>`, where `<S>` is the registry host with every run of
characters outside `[a-zA-Z0-9_]` replaced by `_`. They are appended in the
file's `NAME<<DELIMITER` form, which keeps any value (a line break included)
one value, as the runner reads it (`EnvFileKeyValuePairs` in
`src/Runner.Worker/FileCommandManager.cs`).
"""

from __future__ import annotations

import errno
import os
import re
import stat
import sys
from collections.abc import Iterable, Mapping, Sequence
from enum import Enum
from typing import TYPE_CHECKING

from ecrlogin.errors import OutputError

if TYPE_CHECKING:
    from ecrlogin.token import AuthToken

OUTPUT_VARIABLE = "GITHUB_OUTPUT"
REGISTRY_OUTPUT = "registry"
USERNAME_PREFIX = "docker_username_"
PASSWORD_PREFIX = "docker_password_"  # noqa: S105 - an output name, not a password
_NOT_WORD = re.compile(r"[^a-zA-Z0-9_]+")


class OutputFile(Enum):
    """Where step outputs can go: the runner's file, or why nowhere."""

    WRITTEN = "written"
    # GITHUB_ACTIONS is not "true": not a runner, so nothing is written anywhere.
    NOT_ACTIONS = "not-actions"
    # A runner that sets no GITHUB_OUTPUT (older than 2.297.0, or a step that unset it).
    NO_FILE = "no-file"


def active(environ: Mapping[str, str] | None = None) -> bool:
    """True inside a GitHub Actions job (GITHUB_ACTIONS=true, as the runner sets it)."""
    return (os.environ if environ is None else environ).get("GITHUB_ACTIONS") == "true"


def escape(value: str) -> str:
    """A value escaped for a workflow command's data: `%`, CR and LF as the runner
    unescapes them (`ActionCommand`'s data mappings), so a value holding a line break
    stays one command (and one mask)."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def mask_commands(secrets: Iterable[str]) -> str:
    """One `::add-mask::` line per distinct non-empty secret, in first-seen order."""
    unique = dict.fromkeys(secret for secret in secrets if secret)
    return "".join(f"::add-mask::{escape(secret)}\n" for secret in unique)


def add_masks(secrets: Iterable[str]) -> None:
    """Tell the runner to hide each secret in every later log line: on stderr (see the
    module's docstring for why not stdout), flushed before the caller writes anything."""
    text = mask_commands(secrets)
    if not text:
        return
    try:
        sys.stderr.write(text)
        sys.stderr.flush()
    except (AttributeError, OSError, ValueError):  # no stderr: no log for a secret to reach
        pass


def output_suffix(registry: str) -> str:
    """`<S>` of `docker_password_<S>`: the registry host with every run of characters
    outside [a-zA-Z0-9_] replaced by one `_`, as amazon-ecr-login names it."""
    return _NOT_WORD.sub("_", registry)


def login_outputs(
    logged_in: Sequence[tuple[str, AuthToken | None]], *, requested: int
) -> list[tuple[str, str]]:
    """The step outputs for the registries logged in, each (host, its token or None when no
    password was fetched): `registry` when the login was for one registry (`requested`, as
    the action: not when several were asked, even if only one succeeded), then the user
    name and password of each."""
    outputs: list[tuple[str, str]] = []
    if requested == 1 and len(logged_in) == 1:
        outputs.append((REGISTRY_OUTPUT, logged_in[0][0]))
    for host, token in logged_in:
        if token is not None:
            suffix = output_suffix(host)
            outputs.append((USERNAME_PREFIX + suffix, token.username))
            outputs.append((PASSWORD_PREFIX + suffix, token.password))
    return outputs


def output_block(name: str, value: str, delimiter: str) -> str:
    """One output in the file's multi-line form: `name<<delimiter`, the value, `delimiter`."""
    if delimiter in name or delimiter in value:
        raise ValueError("the delimiter occurs in the output")
    return f"{name}<<{delimiter}\n{value}\n{delimiter}\n"


def _delimiter(texts: Sequence[str]) -> str:
    """A delimiter that occurs in none of `texts` (128 random bits: a clash is never seen,
    and is still checked)."""
    for _ in range(8):
        delimiter = f"ECRLOGIN_EOF_{os.urandom(16).hex()}"
        if not any(delimiter in text for text in texts):
            return delimiter
    raise OutputError(  # pragma: no cover - eight 128-bit clashes in a row
        "Could not choose a delimiter for the step outputs",
        "Run the step again.",
    )


def output_file(environ: Mapping[str, str] | None = None) -> tuple[OutputFile, str | None]:
    """Where step outputs go here: (WRITTEN, the file) in a job, else why not, and None."""
    env = os.environ if environ is None else environ
    if not active(env):
        return OutputFile.NOT_ACTIONS, None
    path = env.get(OUTPUT_VARIABLE, "")
    if not path:
        return OutputFile.NO_FILE, None
    return OutputFile.WRITTEN, path


def write_outputs(outputs: Sequence[tuple[str, str]]) -> OutputFile:
    """Append `outputs` to $GITHUB_OUTPUT in one write; outside a job, write nothing.

    The runner creates the file empty before each step and reads it after the step,
    so appending keeps what the step's other commands wrote. Raises OutputError if
    the file cannot be written: a workflow that reads the outputs must not go on
    without them.
    """
    state, path = output_file()
    if path is None or not outputs:
        return state
    delimiter = _delimiter([text for pair in outputs for text in pair])
    data = "".join(output_block(name, value, delimiter) for name, value in outputs)
    try:
        fd = _open_output(path)
        try:
            remaining = data.encode("utf-8")
            while remaining:
                remaining = remaining[os.write(fd, remaining) :]
        finally:
            os.close(fd)
    except (OSError, UnicodeEncodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise OutputError(
            f"Cannot write the step outputs to {OUTPUT_VARIABLE} ({path}): {reason}",
            "Leave GITHUB_OUTPUT as the runner set it (a file the step may append to).",
        ) from None
    return state


def _open_output(path: str) -> int:
    """$GITHUB_OUTPUT opened to append, as every file that decides where a secret goes:
    never through a symbolic link another user owns (files.follow), never waiting on a
    FIFO (opened non-blocking, then refused unless a regular file)."""
    from ecrlogin import files

    real = files.follow(path)
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT
    flags |= getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
    try:
        # 0600 only if it must be created: the runner's own file keeps its mode.
        fd = os.open(real, flags, 0o600)
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a FIFO no one reads: what it is says more
            raise files.not_regular(path, os.stat(real).st_mode) from None
        raise
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise files.not_regular(path, mode)
    return fd
