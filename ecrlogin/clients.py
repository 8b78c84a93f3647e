"""Container-client login: run each client's own `login --password-stdin`.

The password is written to the client's stdin and nowhere else: never into
argv (visible in process lists) and never into the environment (visible in
/proc/PID/environ). A client's failure comes back with its own message and
exit code.
"""

from __future__ import annotations

import signal
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from ecrlogin import process
from ecrlogin.errors import GENERAL, MAX_QUOTED, ClientLoginError, quoted_output
from ecrlogin.logs import register_secret
from ecrlogin.programs import RelativePathEntry, look_path


@dataclass(frozen=True)
class Client:
    """How one container client logs in and out."""

    name: str
    # Words between the executable and `login` / `logout` (helm: `registry`).
    prefix: tuple[str, ...] = ()

    def login_args(self, username: str, host: str, extra: Sequence[str] = ()) -> list[str]:
        """Arguments after the executable for a login that reads the password from stdin."""
        return [*self.prefix, "login", "--username", username, "--password-stdin", *extra, host]

    def logout_args(self, host: str, extra: Sequence[str] = ()) -> list[str]:
        """Arguments after the executable for a logout."""
        return [*self.prefix, "logout", *extra, host]


class ClientName(str, Enum):
    """The clients whose own login `login --client` runs: the one list of their names."""

    docker = "docker"
    podman = "podman"
    nerdctl = "nerdctl"
    finch = "finch"
    buildah = "buildah"
    skopeo = "skopeo"
    helm = "helm"
    oras = "oras"


# Words a client wants between its name and `login` / `logout`.
_PREFIXES = {ClientName.helm: ("registry",)}
CLIENTS = {name.value: Client(name.value, _PREFIXES.get(name, ())) for name in ClientName}


def login(
    name: str,
    host: str,
    username: str,
    password: str,
    extra_args: Sequence[str] = (),
    *,
    timeout: float | None = None,
) -> str | None:
    """Log client `name` into `host`, stopping it after `timeout` seconds (None: no limit);
    return the warning line when its output was cut; raise ClientLoginError with the
    client's message and code."""
    client = CLIENTS[name]
    args = client.login_args(username, host, extra_args)
    # A trailing newline, as `get-login-password | docker login --password-stdin` sends;
    # every client strips it.
    return _run(
        client, args, stdin=f"{password}\n", secret=password, action="login", timeout=timeout
    )


def logout(
    name: str, host: str, extra_args: Sequence[str] = (), *, timeout: float | None = None
) -> str | None:
    """Log client `name` out of `host`, bounded and reported as `login`."""
    client = CLIENTS[name]
    return _run(
        client,
        client.logout_args(host, extra_args),
        stdin="",
        secret=None,
        action="logout",
        timeout=timeout,
    )


def _run(
    client: Client,
    args: list[str],
    *,
    stdin: str,
    secret: str | None,
    action: str,
    timeout: float | None,
) -> str | None:
    what = " ".join([client.name, *client.prefix, action])
    try:
        executable = look_path(client.name)
    except RelativePathEntry as exc:
        raise ClientLoginError(
            f"{client.name} was found as {exc.path} through the relative PATH entry "
            f"{exc.entry!r}, which ecrlogin (like docker) does not run: a program in the "
            "current folder would get the password",
            "Remove empty and relative entries from PATH.",
            exit_code=GENERAL,
        ) from None
    if executable is None:
        raise ClientLoginError(
            f"{client.name} is not installed or not on PATH",
            f"Install {client.name}, pick another --client, or use --write-config "
            "(no client needed).",
            exit_code=GENERAL,
        )
    try:
        done = process.run([executable, *args], input=stdin.encode(), timeout=timeout)
    except process.TimedOut:
        # Its whole process group is stopped already: nothing is left holding the password.
        raise ClientLoginError(
            f"`{what}` did not finish within {timeout:g} s, so ecrlogin stopped it",
            f"Check that `{what}` works by hand ({client.name} itself, its daemon or "
            "a prompt it waits on), or raise --cli-read-timeout (0: no limit).",
            exit_code=GENERAL,
        ) from None
    except OSError as exc:
        raise ClientLoginError(
            f"Cannot run {executable}: {exc.strerror or exc}",
            f"Check that {client.name} is executable.",
            exit_code=GENERAL,
        ) from None
    if secret:
        register_secret(secret)
    cut = process.cut_warning(done, client.name, action, f"`{what}` by hand")
    if done.returncode == 0:
        return cut
    # The fallback store's rule: the first line, redacted whole, or withheld.
    message = quoted_output(done.stderr, done.stdout, f"`{what}`", MAX_QUOTED) or ": no message"
    code = done.returncode
    if code < 0:  # killed by a signal: report it as a shell would
        code = 128 - code
        message = f"{message} (killed by {_signal_name(-done.returncode)})"
    raise ClientLoginError(
        f"`{what}` failed with exit code {code}{message}",
        None,
        exit_code=code,
        warning=cut,
    )


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
