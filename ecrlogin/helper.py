"""docker-credential-ecrlogin: the docker-credential-helpers protocol over the token cache.

`get` reads a server URL on stdin and prints
`{"ServerURL":...,"Username":"AWS","Secret":...}`; `list`, `store`, `erase` and
`version` complete the protocol. A failure is the protocol's message on stdout
and exit 1, plus one line on stderr that names the cause and the fix; a host
this helper cannot serve gets exactly `credentials not found in native
keychain`, so the client falls back to its usual behaviour.

A cache hit imports only this module, `hosts`, `config`, `identity` and
`cache`: not botocore, Typer, Rich, `json`, `re` or `typing`, so it answers
in about the time the interpreter takes to start.
"""

from __future__ import annotations

import os
import sys
import time

from ecrlogin import cache, config, identity

TYPE_CHECKING = False  # typing itself is too costly to import on the cache-hit path
if TYPE_CHECKING:
    from typing import BinaryIO

    from ecrlogin.config import Target
    from ecrlogin.errors import EcrloginError

PROGRAM = "docker-credential-ecrlogin"
NOT_FOUND = "credentials not found in native keychain"
ACTIONS = ("get", "list", "store", "erase", "version")
# A server URL is at most a few hundred bytes; `store` gets a small JSON object.
MAX_INPUT = 64 * 1024
_EXAMPLE = "123456789012.dkr.ecr.us-west-2.amazonaws.com"
# A client waits on the helper before every pull and push: a hung endpoint must
# not hold it for botocore's 60 s per attempt. The CLI's environment variables
# for --cli-connect-timeout / --cli-read-timeout override these.
TIMEOUTS = {"ECRLOGIN_CLI_CONNECT_TIMEOUT": 5.0, "ECRLOGIN_CLI_READ_TIMEOUT": 15.0}


class Failure(Exception):
    """A protocol failure: `reply` goes to stdout, `detail` is the one line on stderr."""

    def __init__(self, reply: str, detail: str, exit_code: int = 1) -> None:
        super().__init__(detail)
        self.reply = reply
        self.detail = detail
        self.exit_code = exit_code


def main() -> None:
    """Entry point of the `docker-credential-ecrlogin` console script."""
    sys.exit(run(sys.argv[1:]))


def run(args: list[str], stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> int:
    """Perform one protocol action; returns the exit status."""
    if os.environ.get("ECRLOGIN_DEBUG", "") not in ("", "0"):
        from ecrlogin import logs

        logs.enable_debug()
    source = stdin if stdin is not None else _std_stream(sys.stdin)
    sink = stdout if stdout is not None else _std_stream(sys.stdout)
    try:
        reply = _dispatch(args, source)
    except Failure as failure:
        _write(sink, failure.reply + "\n")
        _say("error", failure.detail)
        return failure.exit_code
    except KeyboardInterrupt:
        _say("error", "Interrupted.")
        return 130
    except Exception as exc:  # the protocol's edge: a line, never a traceback
        if "logging" in sys.modules:
            import logging

            logging.getLogger("ecrlogin").debug("Unexpected error", exc_info=exc)
        detail = (
            f"Unexpected {type(exc).__name__} in {PROGRAM}. "
            "Re-run with ECRLOGIN_DEBUG=1 for details, and report it."
        )
        _write(sink, detail + "\n")
        _say("error", detail)
        return 1
    except BaseException as exc:
        from ecrlogin import errors

        if not isinstance(exc, errors.Signalled):
            raise
        # SIGINT/SIGTERM while fetching (see _fetch): 130/143 and one line, like the CLI.
        _say("error", errors.translate(exc).message)
        return exc.exit_code
    _write(sink, reply)
    return 0


def _dispatch(args: list[str], source: BinaryIO | None) -> str:
    """Run the action named by `args`; its stdout text, or a Failure."""
    action = args[0] if len(args) == 1 else None
    if action == "get":
        return _get(source)
    if action == "list":
        return _list()
    if action == "store":
        _read(source)  # the helper fetches its own tokens; what `docker login` stored is moot
        return ""
    if action == "erase":
        _erase(source)
        return ""
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


def _std_stream(stream: object) -> BinaryIO | None:
    return getattr(stream, "buffer", None)


def _write(sink: BinaryIO | None, text: str) -> None:
    if sink is None or not text:
        return
    try:
        sink.write(text.encode("utf-8"))
        sink.flush()
    except (BrokenPipeError, ValueError):
        pass  # the client went away; nothing more to say


def _say(level: str, message: str) -> None:
    """One line on stderr, in the CLI's own format (Rich only on a terminal)."""
    from ecrlogin import ui  # only when there is something to say

    ui.say(level, message)


def _quote(text: str, limit: int = 40) -> str:
    shown = text if text.isprintable() else text.encode("unicode_escape").decode("ascii")
    if len(shown) > limit:
        shown = shown[: limit - 3] + "..."
    return f"'{shown}'"


def _read(source: BinaryIO | None) -> bytes:
    if source is None:
        return b""
    data = source.read(MAX_INPUT + 1)
    if len(data) > MAX_INPUT:
        raise Failure(
            NOT_FOUND,
            f"The input on stdin is longer than {MAX_INPUT // 1024} KiB, so it is not a server "
            f"URL; {PROGRAM} get reads one registry host, e.g. {_EXAMPLE}.",
        )
    return data


def _read_server_url(source: BinaryIO | None) -> str:
    data = _read(source)
    try:
        text = data.decode("utf-8").strip()
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


def _resolve(server_url: str) -> Target | None:
    """The target for `server_url` under the configuration file, if there is one."""
    return config.resolve(server_url, _settings())


def _settings() -> config.Config:
    """The configuration, parsed once per content: later calls read the cache's memo of it,
    because importing `tomllib` alone costs more than a whole cache-hit answer."""
    name = config.config_file()
    data = config.read_bytes(name)
    if data is None:
        return config.Config()
    if cache.disabled():
        return config.parse(data, name)
    from ecrlogin import __version__

    store = cache.Store()
    digest = identity.digest(b"config", __version__.encode(), name.encode(), data)
    memo = store.read_memo(digest)
    if memo is not None:
        try:
            return config.Config.loads(memo, name)
        except ValueError:
            pass  # not what dumps() wrote: parse the file again and replace it
    settings = config.parse(data, name)  # a bad file raises and is never memoized
    store.write_memo(digest, settings.dumps())
    return settings


def _registry_ids(target: Target) -> tuple[str, ...]:
    registry = target.registry
    return () if registry.public or not registry.account else (registry.account,)


def _flag(host_says: bool) -> bool | None:
    # A FIPS or dual-stack host asks for that endpoint; otherwise the AWS
    # configuration (AWS_USE_FIPS_ENDPOINT, ...) decides, as for the CLI.
    return True if host_says else None


def _cache_key(target: Target) -> str:
    """The key core.cache_key gives for the same request, computed without botocore."""
    registry = target.registry
    return identity.cache_key(
        service=registry.service,
        region=registry.region,
        registry_ids=_registry_ids(target),
        endpoint_url=None,
        use_fips=_flag(registry.fips),
        use_dualstack=_flag(registry.dualstack),
        profile=target.profile,
    )


def _get(source: BinaryIO | None) -> str:
    server_url = _read_server_url(source)
    try:
        target = _resolve(server_url)
    except Exception as exc:  # noqa: BLE001 - config errors are EcrloginErrors, imported lazily
        raise _failure(exc) from None
    if target is None:
        raise Failure(NOT_FOUND, _not_found_detail(server_url))
    use_cache = not cache.disabled()
    if use_cache:
        entry = cache.Store().read(_cache_key(target))
        if entry is not None and entry.fresh(time.time()):
            try:
                username, password = entry.credentials()
            except ValueError:
                pass  # an unusable token: fetch a new one below, which replaces it
            else:
                return _credentials_reply(server_url, username, password)
    username, password = _fetch(target, use_cache=use_cache)
    return _credentials_reply(server_url, username, password)


def _fetch(target: Target, *, use_cache: bool) -> tuple[str, str]:
    """The cache-miss path: the token core, which takes the lock and calls the API once."""
    from ecrlogin import core, errors
    from ecrlogin.awsclient import ClientOptions

    # Only here, where the wait can be long: a SIGTERM then unwinds (temporary
    # files removed, 143) instead of killing the process mid-write.
    errors.handle_signals()

    registry = target.registry
    connect_timeout, read_timeout = (_timeout(name) for name in TIMEOUTS)
    options = ClientOptions(
        region=registry.region,
        profile=target.profile,
        use_fips=_flag(registry.fips),
        use_dualstack=_flag(registry.dualstack),
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
    )
    try:
        tokens = core.fetch_tokens(
            options, _registry_ids(target), public=registry.public, use_cache=use_cache
        )
    except Exception as exc:  # noqa: BLE001 - mapped to the protocol's failure below
        raise _failure(exc) from None
    return tokens[0].username, tokens[0].password


def _timeout(name: str) -> float:
    """Seconds from the environment variable `name`, else the helper's default."""
    text = os.environ.get(name, "").strip()
    if not text:
        return TIMEOUTS[name]
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        detail = f"{name}={_quote(text)} is not a number of seconds; set e.g. 10, or unset it."
        raise Failure(detail, detail)
    return seconds


def _failure(exc: BaseException) -> Failure:
    from ecrlogin import errors

    error: EcrloginError = errors.translate(exc)
    exit_code = error.exit_code if isinstance(error, errors.Interrupted) else 1
    return Failure(error.message, error.message, exit_code)


def _not_found_detail(server_url: str) -> str:
    from ecrlogin.hosts import server_host

    host = server_host(server_url)
    if host is None:
        return (
            f"{_quote(server_url)} is not a registry host name; {PROGRAM} get reads one, "
            f"e.g. {_EXAMPLE}."
        )
    return (
        f"{host} is not an Amazon ECR registry, and {config.config_file()} maps no account and "
        f'region to it; to serve it, add [registries."{host}"] with account and region there.'
    )


def _json_string(text: str) -> str:
    if '"' in text or "\\" in text or not text.isprintable() or not text.isascii():
        import json

        return json.dumps(text)
    return f'"{text}"'


def _credentials_reply(server_url: str, username: str, password: str) -> str:
    return (
        f'{{"ServerURL":{_json_string(server_url)},"Username":{_json_string(username)},'
        f'"Secret":{_json_string(password)}}}\n'
    )


def _list() -> str:
    """`{server URL: username}` for every unexpired cached token; never the network."""
    import json

    found: dict[str, str] = {}
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


def _erase(source: BinaryIO | None) -> None:
    """Drop the cache entry that `get` would serve for this host (`docker logout`)."""
    try:
        server_url = _read_server_url(source)
    except Failure:
        return  # nothing that names a host: nothing to erase
    from ecrlogin.hosts import server_host

    host = server_host(server_url)
    if host is None or cache.disabled():
        return
    keys, hosts = [], [host]
    try:
        target = _resolve(server_url)
    except Exception:  # noqa: BLE001 - a broken config still lets the host's entries go
        target = None
    if target is not None:
        keys.append(_cache_key(target))
    cache.Store().remove(keys=keys, hosts=hosts)
