"""docker-credential-ecrlogin: the docker-credential-helpers protocol over the token cache.

`get` reads a server URL on stdin and prints
`{"ServerURL":...,"Username":"AWS","Secret":...}`; `list`, `store`, `erase` and
`version` complete the protocol. A failure is the protocol's message on stdout
and exit 1, plus one line on stderr that names the cause and the fix; a host
this helper cannot serve gets exactly `credentials not found in native
keychain`, so the client falls back to its usual behaviour.

As `credsStore` it serves every registry: ECR hosts itself, every other host
through a fallback store (`[store] fallback` or ECRLOGIN_FALLBACK_STORE, any
docker-credential-NAME on PATH), whose answer and exit code pass through
unchanged. Without one, `store` for such a host fails loudly rather than
dropping the credentials (unless AWS_ECR_IGNORE_CREDS_STORAGE=true asks for
amazon-ecr-credential-helper's "pretend it succeeded"; its AWS_ECR_DISABLE_CACHE
and AWS_ECR_CACHE_DIR are read by the cache module, for every program).

Its credentials come from ecrlogin.credentials, as the kubelet plugin's do. A
cache hit imports only ecrlogin's own lean modules (this one, `protocol`,
`credentials`, `hosts`, `config`, `options`, `identity`, `cache`, `jsontext`):
not botocore, Typer, Rich, `json`, `re` or `typing`, so it answers in about
the time the interpreter takes to start. Its error edge is the one both
protocol programs share (ecrlogin.protocol).
"""

from __future__ import annotations

import os
import sys
import time

from ecrlogin import cache, config, files, jsontext, protocol
from ecrlogin.credentials import cache_key, credentials, settings
from ecrlogin.credentials import timeout as _timeout
from ecrlogin.hosts import SPACE
from ecrlogin.protocol import Delegated, Failure
from ecrlogin.protocol import quote as _quote
from ecrlogin.protocol import say as _say

TYPE_CHECKING = False  # typing itself is too costly to import on the cache-hit path
if TYPE_CHECKING:
    from typing import BinaryIO

    from ecrlogin.cache import CacheWarning
    from ecrlogin.config import Target

PROGRAM = "docker-credential-ecrlogin"
NOT_FOUND = "credentials not found in native keychain"
ACTIONS = ("get", "list", "store", "erase", "version")
# A server URL is at most a few hundred bytes; `store` gets a small JSON object.
MAX_INPUT = 64 * 1024
_EXAMPLE = "123456789012.dkr.ecr.us-west-2.amazonaws.com"
# The Go helper's setting: `store` / `erase` succeed without storing (see ignore_storage).
IGNORE_STORAGE = "AWS_ECR_IGNORE_CREDS_STORAGE"
# Every failure is also the protocol's message on stdout, which the client shows.
_PROGRAM = protocol.Program(PROGRAM, "the client", replies=True)


def main() -> None:
    """Entry point of the `docker-credential-ecrlogin` console script."""
    files.reserve_standard_streams()
    sys.exit(run(sys.argv[1:]))


def run(args: list[str], stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> int:
    """Perform one protocol action; returns the exit status (the edge: ecrlogin.protocol)."""
    return protocol.run(_PROGRAM, _dispatch, args, stdin, stdout)


def _dispatch(
    args: list[str], source: BinaryIO | None, warnings: list[CacheWarning]
) -> str | Delegated:
    """Run the action named by `args`; its stdout text, the fallback store's answer, or a
    Failure. Warnings for a person are added to `warnings`."""
    action = args[0] if len(args) == 1 else None
    if action == "get":
        return _get(source, warnings)
    if action == "list":
        return _list(warnings)
    if action == "store":
        return _store(source, warnings)
    if action == "erase":
        return _erase(source)
    if action == "version":
        from ecrlogin import __version__

        return f"{PROGRAM} (ecrlogin) {__version__}\n"
    usage = f"Usage: {PROGRAM} <{'|'.join(ACTIONS)}>"
    if not args:
        shown = "no action given"
    elif len(args) > 1:
        shown = f"one action expected, got {len(args)} arguments"
    else:
        shown = f"unknown action {_quote(args[0])}"
    raise Failure(f"{shown}. {usage}", f"{shown}. {usage}")


def _read(source: BinaryIO | None) -> bytes:
    too_long = Failure(
        NOT_FOUND,
        f"The input on stdin is longer than {MAX_INPUT // 1024} KiB, so it is not a server "
        f"URL; {PROGRAM} get reads one registry host, e.g. {_EXAMPLE}.",
    )
    return protocol.read(source, MAX_INPUT, too_long)


def _read_server_url(source: BinaryIO | None) -> str:
    return _server_url(_read(source))


def _server_url(data: bytes) -> str:
    try:
        # Only the white space the protocol trims: anything else is part of the address.
        text = data.decode("utf-8").strip(SPACE)
    except UnicodeDecodeError:
        raise Failure(
            NOT_FOUND,
            f"The input on stdin is not UTF-8 text, so it is not a server URL; "
            f"{PROGRAM} get reads one registry host, e.g. {_EXAMPLE}.",
        ) from None
    if not text:
        raise Failure(
            NOT_FOUND,
            f"No server URL on stdin; {PROGRAM} get reads one registry host, e.g. {_EXAMPLE}.",
        )
    return text


def _resolve(server_url: str, warnings: list[CacheWarning]) -> Target | None:
    """The target for `server_url` under the configuration file, if there is one."""
    return config.resolve(server_url, settings(warnings))


def _fallback(warnings: list[CacheWarning]) -> tuple[str, str] | None:
    """The fallback store's name and where it was set (ECRLOGIN_FALLBACK_STORE or the
    config file), if any."""
    return config.fallback_store(settings(warnings))


def _get(source: BinaryIO | None, warnings: list[CacheWarning]) -> str | Delegated:
    data = _read(source)
    server_url = _server_url(data)
    target = _resolve(server_url, warnings)
    if target is None:
        fallback = _fallback(warnings)
        if fallback is not None:
            return _delegate(fallback, "get", data)
        # A host that is simply not ours gets what docker's own helpers answer
        # (ErrCredentialsNotFound on stdout, exit 1) and no line: docker asks its credsStore
        # this before every Docker Hub pull, and goes on without credentials.
        raise Failure(NOT_FOUND, _not_found_detail(server_url))
    found = credentials(target, warnings)
    return _credentials_reply(server_url, found.username, found.password)


def _not_found_detail(server_url: str) -> str | None:
    """The stderr line for a `get` this helper cannot serve; None for a registry host that is
    simply not ECR, whose reason goes to the debug log only (ECRLOGIN_DEBUG=1)."""
    from ecrlogin.hosts import server_host

    host = server_host(server_url)
    if host is None:
        return (
            f"{_quote(server_url)} is not a registry host name as docker reads it, so it gets "
            f"no token; {PROGRAM} get reads one, e.g. {_EXAMPLE}."
        )
    if "logging" in sys.modules:  # loaded by ECRLOGIN_DEBUG=1 (or a caller's own logging)
        import logging

        logging.getLogger("ecrlogin").debug(
            "%s is not an Amazon ECR registry, and %s maps no account and region to it; to "
            'serve it, add [registries."%s"] with account and region there.',
            host,
            config.config_file(),
            host,
        )
    return None


def _credentials_reply(server_url: str, username: str, password: str) -> str:
    reply = {"ServerURL": server_url, "Username": username, "Secret": password}
    return jsontext.dumps(reply) + "\n"


def _list(warnings: list[CacheWarning]) -> str | Delegated:
    """`{server URL: username}` for every unexpired cached token, merged with the fallback
    store's list; never the network."""
    import json

    found: dict[str, str] = {}
    fallback = _fallback(warnings)
    if fallback is not None:
        answer = _delegate(fallback, "list", b"")
        if answer.exit_code:
            return answer  # its failure, passed on (and said, by _delegate)
        listed = _json_object(answer.stdout)
        if listed is None or not all(isinstance(v, str) for v in listed.values()):
            detail = (
                f"The fallback credential store {config.store_program(fallback[0])} (set by "
                f"{fallback[1]}) answered list with something that is not a JSON object of "
                "server URL to user name; fix that store, or remove the fallback."
            )
            raise Failure(detail, detail)
        # A host ecrlogin serves is never answered by the fallback store: its entry there
        # is not what `get` gives, so only ecrlogin's own entries (below) list it.
        current = settings(warnings)
        found.update(
            {
                key: str(value)
                for key, value in listed.items()
                if config.resolve(key, current) is None
            }
        )
    if not cache.disabled():
        now = time.time()
        for entry in cache.Store().entries():
            if entry.expires <= now:
                continue
            for index, host in enumerate(entry.hosts):
                try:
                    found[host] = entry.credentials(index)[0]
                except ValueError:
                    continue
    return json.dumps(dict(sorted(found.items())), separators=(",", ":")) + "\n"


def _json_object(data: bytes) -> dict[str, object] | None:
    import json

    try:
        value = json.loads(data)
    except (ValueError, RecursionError):  # RecursionError: nested too deep to parse
        return None
    return value if isinstance(value, dict) else None


def _store(source: BinaryIO | None, warnings: list[CacheWarning]) -> str | Delegated:
    """`docker login`'s credentials: nothing to keep for a host this helper serves (it fetches
    its own tokens); any other host's go to the fallback store, or fail loudly."""
    data = _read(source)
    payload = _json_object(data)
    server_url = payload.get("ServerURL") if payload is not None else None
    if not isinstance(server_url, str) or not server_url.strip():
        detail = (
            f"{PROGRAM} store reads a JSON object with ServerURL, Username and Secret on "
            "stdin, and got something else; nothing was saved."
        )
        raise Failure(detail, detail)
    if _resolve(server_url, warnings) is not None:
        return ""
    fallback = _fallback(warnings)
    if fallback is not None:
        secret = payload.get("Secret") if payload is not None else None
        return _delegate(fallback, "store", data, secret if isinstance(secret, str) else None)
    from ecrlogin.hosts import server_host

    host = server_host(server_url) or _quote(server_url)
    if ignore_storage():
        _say(
            "warning",
            f"The credentials for {host} were not saved, and store succeeds anyway: "
            f"{IGNORE_STORAGE}=true. Unset it, or set a fallback store, to keep them.",
        )
        return ""
    detail = (
        f"The credentials for {host} were not saved: {PROGRAM} keeps none for registries "
        f'that are not Amazon ECR. Set a fallback store for them, [store] fallback = "pass" '
        f"in {config.config_file()} or {config.FALLBACK_VARIABLE}=pass (any "
        f"docker-credential-NAME on PATH), or name ecrlogin in credHelpers for the ECR "
        f"registries only."
    )
    raise Failure(detail, detail)


def ignore_storage() -> bool:
    """AWS_ECR_IGNORE_CREDS_STORAGE=true, read as amazon-ecr-credential-helper reads it
    (exactly "true", ecr-login/ecr.go): `store` and `erase` succeed and change nothing
    here. A fallback store, when one is set, still gets the hosts it keeps: that
    setting is ecrlogin's own and says where those credentials belong."""
    return os.environ.get(IGNORE_STORAGE) == "true"


def _erase(source: BinaryIO | None) -> str | Delegated:
    """Drop the cache entry that `get` would serve for this host (`docker logout`); another
    host's credentials are erased by the fallback store. With AWS_ECR_IGNORE_CREDS_STORAGE
    the cached token stays (the Go helper's "pretend it succeeded")."""
    data = _read(source)
    try:
        server_url = _server_url(data)
    except Failure:
        return ""  # nothing that names a host: nothing to erase
    from ecrlogin.hosts import server_host

    try:
        target = _resolve(server_url, [])
    except Exception:
        from ecrlogin.hosts import parse_registry

        if parse_registry(server_host(server_url) or "") is None:
            # Not an ECR host: the fallback store the broken config may name could hold
            # it, so saying "erased" would be a lie. The error goes to the one edge.
            raise
        target = None  # an ECR host: a broken config still lets its cache entries go
    else:
        if target is None:
            fallback = _fallback([])
            if fallback is not None:
                return _delegate(fallback, "erase", data)
    host = server_host(server_url)
    if host is None or cache.disabled() or ignore_storage():
        return ""
    keys, hosts = [], [host]
    if target is not None:
        keys.append(cache_key(target))
    cache.Store().remove(keys=keys, hosts=hosts)
    return ""


# Set in a fallback store's environment, so a store that leads back to us is refused.
_IN_FALLBACK = "ECRLOGIN_IN_FALLBACK_STORE"


def _delegate(
    fallback: tuple[str, str], action: str, data: bytes, secret: str | None = None
) -> Delegated:
    """Run the fallback store's `action` with `data` on stdin; its stdout and exit code.

    It is bounded by the helper's read timeout, like a token call. Its stderr is
    never repeated as is: a failure is one line that names the store, with the
    first line it printed, escaped and with any secret in play redacted, or
    without it when what it printed holds that secret in a shape redaction cannot
    mask whole (see logs.quotable_line).
    """
    from ecrlogin import process, programs
    from ecrlogin.logs import register_secrets

    name, where = fallback
    program = config.store_program(name)
    if os.environ.get(_IN_FALLBACK):
        # We were started by our own delegation: this store leads back to ecrlogin, and
        # delegating again would recurse without end.
        detail = (
            f"The fallback credential store {program} (set by {where}) runs "
            "docker-credential-ecrlogin again; name a store that keeps credentials itself."
        )
        raise Failure(detail, detail)
    try:
        path = programs.look_path(program)
    except programs.RelativePathEntry as exc:
        detail = (
            f"The fallback credential store {program} (set by {where}) was found as "
            f"{_quote(exc.path)} through the relative PATH entry {_quote(exc.entry)}, which "
            "docker refuses too (a program in the current folder would get every password); "
            "remove empty and relative entries from PATH."
        )
        raise Failure(detail, detail) from None
    if path is None:
        detail = (
            f"The fallback credential store {program} (set by {where}) is not on PATH, so "
            f"{action} cannot reach it; install it, or change {where}."
        )
        raise Failure(detail, detail)
    seconds = _timeout("ECRLOGIN_CLI_READ_TIMEOUT")
    try:
        done = process.run(
            [path, action],
            input=data,
            env={**os.environ, _IN_FALLBACK: "1"},
            timeout=seconds or None,  # 0: no limit, as for the token call
        )
    except process.TimedOut:
        detail = (
            f"The fallback credential store {program} did not answer {action} within "
            f"{seconds:g} s (ECRLOGIN_CLI_READ_TIMEOUT); check that store, e.g. a locked "
            "keyring or a passphrase prompt."
        )
        raise Failure(detail, detail) from None
    except OSError as exc:
        detail = f"The fallback credential store {program} could not be run: {exc.strerror or exc}."
        raise Failure(detail, detail) from None
    secrets = [secret] if secret else []
    if action == "get":
        answer = _json_object(done.stdout)
        if answer is not None and isinstance(answer.get("Secret"), str):
            secrets.append(str(answer["Secret"]))
    register_secrets(secrets)
    cut = process.cut_warning(
        done, f"The fallback credential store {program}", action, "that store"
    )
    if cut is not None:
        _say("warning", cut)
    if done.returncode != 0:
        from ecrlogin.errors import quoted_output

        quoted = quoted_output(done.stderr, done.stdout, program)
        if not quoted.startswith(":"):
            quoted += "."
        _say(
            "error",
            f"The fallback credential store {program} failed {action} (exit {done.returncode})"
            + quoted,
        )
    return Delegated(done.stdout, done.returncode)
