"""The AWS CLI's global options, taken out of argv wherever they stand (awsargs.split)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecrlogin import errors
from ecrlogin.commands import awsargs
from ecrlogin.commands.awsargs import GLOBAL_OPTIONS, split

AWS_CLI_V2_TABLE = Path("/usr/lib/python3/dist-packages/awscli/data/cli.json")


def _names_in(table: Path) -> set[str]:
    return {f"--{name}" for name in json.loads(table.read_text())["options"]}


def test_the_table_is_the_aws_clis_own_list() -> None:
    # v1's list (the pip package) and v2's (Debian's awscli), less v1's `--v2-debug`.
    import awscli

    v1 = _names_in(Path(awscli.__file__).parent / "data" / "cli.json")
    ours = {spec.name for spec in GLOBAL_OPTIONS}
    assert v1 - {"--v2-debug"} <= ours
    if AWS_CLI_V2_TABLE.exists():
        assert _names_in(AWS_CLI_V2_TABLE) <= ours
    assert ours - v1 - _names_in(AWS_CLI_V2_TABLE) == {"--cache", "--no-cache"}
    # The options marked as the AWS CLI's are exactly those (see _lookup's abbreviations).
    assert {spec.name for spec in GLOBAL_OPTIONS if not spec.aws} == {"--cache", "--no-cache"}


@pytest.mark.parametrize(
    "argv",
    [
        ["--region", "eu-west-1", "ecr", "get-login"],
        ["--region=eu-west-1", "ecr", "get-login"],
        ["ecr", "--region", "eu-west-1", "get-login"],
        ["ecr", "--region=eu-west-1", "get-login"],
        ["ecr", "get-login", "--region", "eu-west-1"],
        ["ecr", "get-login", "--region=eu-west-1"],
        ["ecr", "get-login", "--reg", "eu-west-1"],  # argparse's abbreviation
    ],
)
def test_a_global_option_is_taken_from_any_position(argv: list[str]) -> None:
    opts, rest = split(argv)
    assert opts.aws.region == "eu-west-1"
    assert rest == ["ecr", "get-login"]


def test_the_last_of_one_option_wins_and_others_pass_through() -> None:
    first = ["--cache", "get-login-password", "--registry-id", "1", "--no-cache", "--region", "a"]
    then = ["--region", "b", "--no-cli-pager", "--color", "off", "--output", "text"]
    opts, rest = split([*first, *then])
    assert (opts.aws.region, opts.cache, opts.output) == ("b", False, "text")
    assert rest == ["get-login-password", "--registry-id", "1"]


def test_after_a_double_dash_nothing_is_taken() -> None:
    opts, rest = split(["get-login", "--", "--region", "x"])
    assert opts.aws.region is None
    assert rest == ["get-login", "--", "--region", "x"]


def test_every_value_option_has_its_value_and_flags_have_none() -> None:
    opts, _ = split(
        [
            "--profile=p",
            "--endpoint-url",
            "http://127.0.0.1:1",
            "--ca-bundle",
            "/ca.pem",
            "--no-verify-ssl",
            "--no-sign-request",
            "--cli-read-timeout",
            "0",
            "--cli-connect-timeout=2.5",
            "--query",
            "authorizationData[0]",
            "--debug",
            "--cli-binary-format",
            "raw-in-base64-out",
            "--no-paginate",
            "--no-cli-auto-prompt",
        ]
    )
    aws = opts.aws
    assert (aws.profile, aws.endpoint_url, aws.ca_bundle) == ("p", "http://127.0.0.1:1", "/ca.pem")
    assert (aws.verify_ssl, aws.sign_request) == (False, False)
    assert (aws.read_timeout, aws.connect_timeout) == (0.0, 2.5)
    assert (opts.query, opts.debug, opts.version) == ("authorizationData[0]", True, False)


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["get-login", "--region"], "argument --region: expected one argument"),
        (["--profile", "--region", "x"], "argument --profile: expected one argument"),
        (["--output", "xml"], "argument --output: Invalid choice 'xml'"),
        (["--color", "yes"], "argument --color: Invalid choice 'yes'"),
        (["--cli-binary-format", "raw"], "argument --cli-binary-format: Invalid choice"),
        (["--debug=1"], "argument --debug: ignored explicit argument '1'"),
        (["--c", "on"], "ambiguous option: --c could match"),
        (["--query", "["], "Bad value for --query ["),
        (["--endpoint-url="], "Bad value for --endpoint-url"),
    ],
)
def test_a_command_line_mistake_is_252_with_one_line(argv: list[str], words: str) -> None:
    with pytest.raises(errors.ParameterError) as caught:
        split(argv)
    assert caught.value.exit_code == 252
    assert words in caught.value.message
    assert "\n" not in caught.value.message


@pytest.mark.parametrize("value", ["abc", "-1", "nan", "1e10", ""])
def test_a_timeout_that_is_not_seconds_is_255(value: str) -> None:
    # AWS CLI v2 exits 255 for a timeout that is not a number or is negative.
    with pytest.raises(errors.EcrloginError) as caught:
        split([f"--cli-read-timeout={value}"])
    assert caught.value.exit_code == 255
    assert "--cli-read-timeout" in caught.value.message


def test_a_timeout_comes_from_its_environment_variable_unless_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ECRLOGIN_CLI_CONNECT_TIMEOUT", "7")
    assert split([])[0].aws.connect_timeout == 7.0
    assert split(["--cli-connect-timeout", "3"])[0].aws.connect_timeout == 3.0
    monkeypatch.setenv("ECRLOGIN_CLI_CONNECT_TIMEOUT", "soon")
    with pytest.raises(errors.EcrloginError, match="ECRLOGIN_CLI_CONNECT_TIMEOUT"):
        split([])


def test_auto_prompt_is_refused_with_one_line() -> None:
    with pytest.raises(errors.EcrloginError) as caught:
        split(["get-login-password", "--cli-auto-prompt"])
    assert caught.value.exit_code == 255
    assert "--cli-auto-prompt" in caught.value.message


_WORDS = st.sampled_from(["get-login", "ecr", "--registry-ids", "1", "x", "", "-", "--no-include"])


@given(st.lists(_WORDS, max_size=6), st.integers(0, 6))
def test_taking_the_options_out_leaves_the_rest_in_order(words: list[str], at: int) -> None:
    at = min(at, len(words))
    opts, rest = split([*words[:at], "--profile", "p", *words[at:]])
    assert opts.aws.profile == "p"
    assert rest == words


def test_what_is_not_a_global_option_is_not_taken() -> None:
    # The command's own options, values that look like options, and a lone "-".
    argv = ["login", "--client", "podman", "--no-include-email", "-", "--registry-ids", ""]
    assert split(argv)[1] == argv
    assert awsargs.split(["--region", "-1"])[0].aws.region == "-1"  # argparse: a number


def test_no_command_option_is_taken_for_an_abbreviated_global_one() -> None:
    # awsargs runs before the command parser, so a command's own option that abbreviates
    # a global one (say a `--reg` of its own) would be taken away from it.
    from ecrlogin import cli

    tables = [cli.ROOT_COMMANDS, cli.ECR_COMMANDS, cli.PUBLIC_COMMANDS, cli.CACHE_COMMANDS]
    names = {
        opt
        for table in tables
        for name, target in table.items()
        for param in cli.load_command(name, target).params
        for opt in [*param.opts, *param.secondary_opts]
        if opt.startswith("--")
    }
    assert "--registry-ids" in names  # the commands were really read
    for name in names:
        assert awsargs._lookup(name.partition("=")[0]) is None, name


def test_a_commands_own_option_may_be_abbreviated_as_in_argparse() -> None:
    # A real script (see tests/data/aws_invocations.json): `get-login --registry-id ID`.
    from ecrlogin import cli

    names = ["--registry-ids", "--include-email", "--no-include-email"]
    assert cli._unabbreviated("--registry-id", names) == "--registry-ids"
    assert cli._unabbreviated("--registry-id=1", names) == "--registry-ids=1"
    assert cli._unabbreviated("--no-incl", names) == "--no-include-email"
    assert cli._unabbreviated("--in", names) == "--include-email"
    assert cli._unabbreviated("--bogus", names) == "--bogus"  # left for the parser to refuse
    assert cli._unabbreviated("--include-email", names) == "--include-email"
    # Ambiguous: left as it is, for the command's parser to refuse (a global option's is 252).
    assert cli._unabbreviated("--no", ["--no-a", "--no-b"]) == "--no"


def test_one_rule_expands_an_abbreviation_for_global_and_command_options() -> None:
    # argparse's rule: the exact name wins, any other prefix must name exactly one option.
    names = ["--include-email", "--no-include-email", "--in"]
    assert awsargs.unique_prefix("--in", names) == "--in"
    assert awsargs.unique_prefix("--no", names) == "--no-include-email"
    assert awsargs.unique_prefix("--bogus", names) is None
    assert awsargs.unique_prefix("--", names) is None  # the end of the options
    with pytest.raises(awsargs.AmbiguousPrefix) as ambiguous:
        awsargs.unique_prefix("--i", names)
    assert ambiguous.value.matches == ["--include-email", "--in"]


@pytest.mark.parametrize("command", ["login", "logout"])
def test_help_is_never_read_as_an_abbreviation(command: str) -> None:
    # `--help` abbreviates login's `--helper`: it must stay the help.
    from ecrlogin.__main__ import main as ecrlogin_main

    with pytest.raises(SystemExit) as exited:
        ecrlogin_main([command, "--help"])
    assert exited.value.code == 0


@pytest.mark.parametrize("argv", [["--profile", ""], ["--profile="]])
def test_an_empty_profile_is_no_profile(argv: list[str]) -> None:
    # The AWS CLI sets the profile only for a non-empty --profile (`--profile "$P"`, P unset).
    assert split(["get-login-password", *argv])[0].aws.profile is None


def test_an_abbreviation_of_one_aws_option_is_not_made_ambiguous_by_ecrlogins_own() -> None:
    # AWS CLI v2 reads `--ca PATH` as --ca-bundle; ecrlogin's extra --cache must not take that
    # abbreviation away (a line that works with `aws` would exit 252).
    assert split(["--ca", "/ca.pem", "get-login-password"])[0].aws.ca_bundle == "/ca.pem"
    # Abbreviations only ecrlogin's options answer still reach them.
    assert split(["--cac"])[0].cache is True
