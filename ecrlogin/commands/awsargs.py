"""The AWS CLI's global options: one table, taken from anywhere on the command line.

The AWS CLI accepts each of its global options before the service, between the
service and the command, and after the command, as `--opt value` or
`--opt=value`, and a unique abbreviation of one (Python's argparse). So does
ecrlogin: `split()` takes them out of argv in one pass before the command
parser sees the rest, so every command, group and position accepts them alike,
and they cost one scan of argv. The table is the AWS CLI's own list (v1's and
v2's `awscli/data/cli.json`) plus ecrlogin's `--cache/--no-cache`; options that
change nothing for these commands are accepted and ignored, as the AWS CLI
ignores them.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from ecrlogin import errors
from ecrlogin.awsformat import OUTPUTS
from ecrlogin.options import ClientOptions, parse_seconds

Kind = Literal["value", "flag", "version"]


@dataclass(frozen=True)
class Spec:
    """One global option: how it is written, what it takes, what it does."""

    name: str  # e.g. "--region"
    kind: Kind
    help: str
    metavar: str = ""
    choices: tuple[str, ...] = ()
    # False: accepted (and its value checked) for the AWS CLI's sake, and ignored.
    honoured: bool = True
    envvar: str | None = None
    # The key in the parsed values; a negative flag stores False under its positive key.
    key: str = ""
    value: object = True
    # How the help names it, when not by `name` (e.g. "--cache/--no-cache").
    label: str = ""
    # False: ecrlogin's own, not the AWS CLI's; it never makes an abbreviation of an AWS CLI
    # option ambiguous (`--ca` stays --ca-bundle, as in the AWS CLI).
    aws: bool = True

    @property
    def dest(self) -> str:
        return self.key or self.name[2:].replace("-", "_")


GLOBAL_OPTIONS: tuple[Spec, ...] = (
    Spec("--region", "value", "AWS region (default: AWS_REGION / the profile).", "REGION"),
    Spec("--profile", "value", "Named profile from the AWS config files.", "NAME"),
    Spec("--endpoint-url", "value", "Use this URL instead of the service endpoint.", "URL"),
    Spec("--no-verify-ssl", "flag", "Do not verify the endpoint's TLS certificate."),
    Spec("--ca-bundle", "value", "CA bundle to verify the endpoint's certificate with.", "PATH"),
    Spec(
        "--cli-read-timeout",
        "value",
        "Socket read timeout in seconds (0: none; default 60).",
        "SECONDS",
        envvar="ECRLOGIN_CLI_READ_TIMEOUT",
    ),
    Spec(
        "--cli-connect-timeout",
        "value",
        "Connect timeout in seconds (0: none; default 60).",
        "SECONDS",
        envvar="ECRLOGIN_CLI_CONNECT_TIMEOUT",
    ),
    Spec(
        "--output",
        "value",
        "Output format of get-authorization-token; json for login and doctor.",
        "FORMAT",
        choices=OUTPUTS,
    ),
    Spec("--query", "value", "JMESPath applied to get-authorization-token's answer.", "JMESPATH"),
    Spec("--no-sign-request", "flag", "Send the token request unsigned (ECR emulators)."),
    Spec("--debug", "flag", "Log botocore's debug output on stderr, secrets redacted."),
    Spec("--version", "version", "Print the version and exit."),
    Spec(
        "--cache",
        "flag",
        "Serve the token from the shared cache while it is fresh (default --no-cache: a "
        "fresh token each call, as the AWS CLI). ECRLOGIN_NO_CACHE=1 overrides.",
        label="--cache/--no-cache",
        aws=False,
    ),
    Spec("--no-cache", "flag", "", key="cache", value=False, aws=False),
    # Accepted and ignored: they change nothing for these commands, in the AWS CLI too.
    Spec("--no-paginate", "flag", "", honoured=False),
    Spec("--color", "value", "", "on|off|auto", choices=("on", "off", "auto"), honoured=False),
    Spec(
        "--cli-binary-format",
        "value",
        "",
        "FORMAT",
        choices=("base64", "raw-in-base64-out"),
        honoured=False,
    ),
    Spec("--no-cli-pager", "flag", "", honoured=False),
    Spec("--no-cli-auto-prompt", "flag", "", honoured=False),
    # Refused with one line: there is no prompt to give (AWS CLI v2 refuses it off a terminal).
    Spec("--cli-auto-prompt", "flag", "Refused: ecrlogin has no prompt."),
)
_BY_NAME = {spec.name: spec for spec in GLOBAL_OPTIONS}


@dataclass(frozen=True)
class GlobalOptions:
    """The global options of one run, wherever on the command line they stood."""

    aws: ClientOptions
    debug: bool = False
    # --cache: serve the token from the shared cache while it is fresh (off unless asked).
    cache: bool = False
    # --output and --query as given (None: not given); each command decides what they mean.
    output: str | None = None
    query: str | None = None
    version: bool = False


def split(argv: list[str]) -> tuple[GlobalOptions, list[str]]:
    """Take the global options out of `argv`: (their values, the rest for the command parser).

    Raises ParameterError (252, as AWS CLI v2) for an option without its value, a
    value outside its choices, an ambiguous abbreviation or a bad --query or
    --endpoint-url, and EcrloginError (255) for a timeout that is not a number.
    """
    values: dict[str, Any] = {}
    rest: list[str] = []
    args = iter(argv)
    for arg in args:
        if arg == "--":
            rest.append(arg)
            rest.extend(args)
            break
        name, has_value, inline = arg.partition("=")
        spec = _lookup(name) if arg.startswith("--") else None
        if spec is None:
            rest.append(arg)
            continue
        if spec.kind != "value":
            if has_value:
                raise _usage(f"argument {spec.name}: ignored explicit argument '{inline}'")
            values[spec.dest] = spec.value
            continue
        value = inline if has_value else next(args, None)
        if value is None or (not has_value and _looks_like_option(value)):
            raise _usage(f"argument {spec.name}: expected one argument")
        if spec.choices and value not in spec.choices:
            raise _usage(
                f"argument {spec.name}: Invalid choice '{value}', valid choices are: "
                + " | ".join(spec.choices)
            )
        values[spec.dest] = value
    return _build(values), rest


def _lookup(name: str) -> Spec | None:
    """The global option `name` names: exactly, or as the one it abbreviates.

    Ambiguous is a usage error (252), unless exactly one of the candidates is the
    AWS CLI's: ecrlogin's own options never make an AWS CLI abbreviation ambiguous.
    """
    try:
        full = unique_prefix(name, _BY_NAME)
    except AmbiguousPrefix as exc:
        theirs = [match for match in exc.matches if _BY_NAME[match].aws]
        if len(theirs) != 1:
            raise _usage(f"ambiguous option: {name} could match {', '.join(exc.matches)}") from None
        full = theirs[0]
    return None if full is None else _BY_NAME[full]


class AmbiguousPrefix(ValueError):
    """A long option name that abbreviates several names; `matches` are those, in order."""

    def __init__(self, name: str, matches: list[str]) -> None:
        super().__init__(name, matches)
        self.matches = matches


def unique_prefix(name: str, names: Iterable[str]) -> str | None:
    """The one of `names` (long options) that `name` is or abbreviates, or None.

    argparse's rule, which the AWS CLI's parsers follow: an exact name wins, any
    other prefix must match exactly one name. Raises AmbiguousPrefix when it
    matches several; what that means is the caller's (a global option: 252).
    """
    known = list(names)
    if name in known:
        return name
    if len(name) < 3 or not name.startswith("--"):
        return None
    matches = [full for full in known if full.startswith(name)]
    if len(matches) > 1:
        raise AmbiguousPrefix(name, matches)
    return matches[0] if matches else None


def _looks_like_option(value: str) -> bool:
    # argparse's rule: "-x" is an option, "-1" (a negative number) is a value.
    if not value.startswith("-") or value == "-":
        return False
    try:
        float(value)
    except ValueError:
        return True
    return False


def _usage(message: str) -> errors.ParameterError:
    return errors.ParameterError(message, "Run `ecrlogin --help` for the options.")


def _build(values: dict[str, Any]) -> GlobalOptions:
    """Check the values that need more than a choice, and make the options."""
    if values.get("cli_auto_prompt"):
        raise errors.EcrloginError(
            "ecrlogin has no auto-prompt (--cli-auto-prompt)",
            "Drop --cli-auto-prompt and give the options on the command line.",
        )
    endpoint = values.get("endpoint_url")
    if endpoint == "":
        # AWS CLI v2's usage error; a URL without a scheme is botocore's "Invalid endpoint"
        # (255), as there.
        raise errors.ParameterError(
            'Bad value for --endpoint-url "": scheme is missing',
            "Give it as http://HOST[:PORT] or https://HOST[:PORT].",
        )
    query = values.get("query")
    if query is not None:
        _check_query(query)
    aws = ClientOptions(
        region=values.get("region"),
        # Empty is unset, as in the AWS CLI (it sets the profile only for a non-empty value).
        profile=values.get("profile") or None,
        endpoint_url=endpoint,
        verify_ssl=not values.get("no_verify_ssl", False),
        ca_bundle=values.get("ca_bundle"),
        read_timeout=_seconds(values, "cli_read_timeout"),
        connect_timeout=_seconds(values, "cli_connect_timeout"),
        sign_request=not values.get("no_sign_request", False),
    )
    return GlobalOptions(
        aws=aws,
        debug=bool(values.get("debug")),
        cache=bool(values.get("cache")),
        output=values.get("output"),
        query=query,
        version=bool(values.get("version")),
    )


def _seconds(values: dict[str, Any], dest: str) -> float | None:
    """A timeout from its option or its environment variable, checked."""
    spec = _BY_NAME["--" + dest.replace("_", "-")]
    text = values.get(dest)
    if text is None and spec.envvar:
        text = os.environ.get(spec.envvar) or None
    if text is None:
        return None
    return parse_seconds(str(text), spec.name if dest in values else spec.envvar or spec.name)


def _check_query(query: str) -> None:
    """A --query that is not JMESPath fails before any call, as in the AWS CLI."""
    import jmespath
    from jmespath.exceptions import JMESPathError

    try:
        jmespath.compile(query)
    except JMESPathError as exc:
        raise errors.ParameterError(
            f"Bad value for --query {errors.redacted_line(query, 80)}: "
            f"{' '.join(str(exc).split())}",
            "Check the JMESPath expression (see https://jmespath.org).",
        ) from None
