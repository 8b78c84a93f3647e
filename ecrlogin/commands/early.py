"""What `ecrlogin` answers before the command-line framework loads: `--version`, and
`get-login-password --cache` while the cache holds a fresh token.

A pipeline that runs `ecrlogin get-login-password --cache` before every push pays
for Typer on each call otherwise; the answer is the same one the command gives
(`ecrlogin.commands.password` calls `cached_password` too), and anything else, a
miss included, goes on to `ecrlogin.cli`.
"""

from __future__ import annotations

import os

from ecrlogin.commands.awsargs import GlobalOptions
from ecrlogin.commands.stdout import emit

# The command lines (global options already taken out) answered here: True for ECR Public.
_PASSWORD_COMMANDS = {
    ("get-login-password",): False,
    ("ecr", "get-login-password"): False,
    ("ecr-public", "get-login-password"): True,
}


def answer(opts: GlobalOptions, rest: list[str]) -> bool:
    """Answer the run here if it can be (its payload emitted); False: ecrlogin.cli runs it."""
    if opts.version:
        from ecrlogin import __version__

        emit(f"ecrlogin {__version__}\n")
        return True
    public = _PASSWORD_COMMANDS.get(tuple(rest))
    # click answers a shell-completion request (its variable set) before any command runs.
    completing = "_ECRLOGIN_COMPLETE" in os.environ
    return public is not None and not completing and cached_password(opts, [], public=public)


def cached_password(
    opts: GlobalOptions,
    ids: list[str],
    *,
    public: bool,
    github_output: bool = False,
    mask: bool | None = None,
) -> bool:
    """Print the fresh cached token's password when `--cache` asks for it and nothing
    needs the token core; False (nothing printed) otherwise."""
    # Imported here: `--version` needs none of them.
    from ecrlogin import cache, render
    from ecrlogin.hosts import is_account

    # --debug takes the core's path, which registers the password with the redactor; so do
    # the runner's masks and outputs, which need the registry a cache hit here does not know.
    lean = opts.cache and not opts.debug and not github_output and not mask
    if not lean or not all(map(is_account, ids)):
        return False
    hit = cache.cached_credentials(opts.aws, ids, public=public)
    if hit is None:
        return False
    emit(render.password_line(hit.password))
    return True
