"""Real command lines: ecrlogin answers the `aws ecr ...` login lines people actually write.

tests/data/aws_invocations.json holds 100 distinct invocations of `aws ecr get-login-password`,
`get-login`, `get-authorization-token` and `aws ecr-public ...`, read from public repositories
(scripts, Makefiles, workflows, buildspecs, READMEs, tests) and issue threads, each with its
source and its argv after `aws` normalised (see the file's "columns"). Each line runs through
its reference -- AWS CLI v1 for `get-login`, which v2 removed, and AWS CLI v2 for everything
else -- and through ecrlogin as a user rewrites it: `ecrlogin ARGV` with the word `ecr` dropped,
and `ecrlogin ARGV` as written (`ecrlogin ecr ...`; ECR Public only as written,
`ecrlogin ecr-public ...`). Both must print the same stdout bytes and exit with the same code,
mistakes included: a line the reference rejects must be rejected with the reference's code.
One line passes the registry ID `REGISTRY_IDS` (a `$` missing): moto hands it a token, real
ECR rejects it, so there ecrlogin must fail as AWS would, naming the ID, with nothing on stdout.

ECR calls go to the suite's moto server. moto does not serve ECR Public, so ecr-public lines go,
for the reference and for ecrlogin alike, to the suite's one stub endpoint
(tests/support/faultserver.py) scripted with a correct answer whose token is valid until 2100.

The references are slow programs, so the processes of every selected line start up front, four
at a time, each in a home of its own; each test then compares its own results.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypedDict, cast

import pytest

from tests.support.env import ACCESS_KEY_ID, SECRET_ACCESS_KEY, isolated_env
from tests.support.faultserver import FaultServer, token
from tests.support.tools import BIN, require_aws_v2

pytestmark = pytest.mark.compat


class Invocation(TypedDict):
    """One row of the data file (its "note" is for readers only)."""

    repo: str
    path: str
    line: str
    argv: list[str]


DATA = Path(__file__).resolve().parent.parent / "data" / "aws_invocations.json"
INVOCATIONS = cast(list[Invocation], json.loads(DATA.read_text(encoding="utf-8"))["invocations"])
Argv = tuple[str, ...]
ARGVS: list[Argv] = [tuple(row["argv"]) for row in INVOCATIONS]
SOURCES = {tuple(row["argv"]): f"{row['repo']}/{row['path']}" for row in INVOCATIONS}
Spelling = Literal["without-ecr", "as-written"]
Who = Literal["reference", "without-ecr", "as-written"]
WORKERS = 4
# Lines whose reference answer here comes from moto's leniency, not from AWS: moto hands out a
# token for any registry ID, while ECR rejects one that is not 12 digits (the API's pattern for
# registryIds), so the user of such a line gets an error and no token, from either program.
REJECTED_BY_ECR = {
    ("ecr", "--region=us-east-1", "get-login", "--registry-ids", "REGISTRY_IDS"),
}


def profiles_named(argvs: Sequence[Argv]) -> list[str]:
    """Every profile the lines name (`--profile NAME` or `--profile=NAME`)."""
    names = set()
    for argv in argvs:
        for i, word in enumerate(argv):
            if word.startswith("--profile="):
                names.add(word.partition("=")[2])
            elif word == "--profile" and i + 1 < len(argv):
                names.add(argv[i + 1])
    return sorted(names)


PROFILES = profiles_named(ARGVS)


def is_public(argv: Argv) -> bool:
    """True for an `aws ecr-public ...` line."""
    return "ecr-public" in argv


def v1_is_reference(argv: Argv) -> bool:
    """`get-login` exists only in AWS CLI v1; v2 is the reference for everything else."""
    return "get-login" in argv


def spellings(argv: Argv) -> dict[Spelling, Argv]:
    """ecrlogin's argv for each way a user rewrites the line (ECR Public: only as written)."""
    if is_public(argv):
        return {"as-written": argv}
    at = argv.index("ecr")
    return {"without-ecr": argv[:at] + argv[at + 1 :], "as-written": argv}


def write_aws_files(home: Path) -> None:
    """The config and credentials files: every profile the corpus names, with the test keys.

    An explicit --profile skips the environment's keys, so each profile carries them too.
    v2 prints timestamps in iso8601 by default, v1 and ecrlogin in the wire format; every
    profile says iso8601, as test_compat_v2 does, so the references' bytes are comparable.
    """
    # No cli_timestamp_format: both sides print with their default (v2's is iso8601).
    sections = ["[default]\n"]
    sections += [f"[profile {name}]\n" for name in PROFILES]
    (home / "aws-config").write_text("\n".join(sections))
    (home / "aws-credentials").write_text(
        "\n".join(
            f"[{name}]\naws_access_key_id = {ACCESS_KEY_ID}\n"
            f"aws_secret_access_key = {SECRET_ACCESS_KEY}\n"
            for name in PROFILES
        )
    )


@dataclass(frozen=True)
class Outcome:
    """What one program did with one line."""

    code: int
    stdout: bytes
    stderr: bytes


def execute(command: Sequence[str], env: Mapping[str, str]) -> Outcome:
    """Run a program to its end and keep what it did."""
    done = subprocess.run(
        list(command), env=dict(env), capture_output=True, timeout=120, check=False
    )
    return Outcome(done.returncode, done.stdout, done.stderr)


def selected_argvs(session: pytest.Session) -> list[Argv]:
    """The lines whose tests this run will run (after -k and deselection)."""
    wanted: list[Argv] = []
    for item in session.items:
        callspec = getattr(item, "callspec", None)
        if item.path == Path(__file__) and callspec is not None:
            argv = callspec.params["argv"]
            if argv not in wanted:
                wanted.append(argv)
    return wanted


@pytest.fixture(scope="module")
def outcomes(
    request: pytest.FixtureRequest,
    moto_url: str,
    fault_server: FaultServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[tuple[Argv, Who], Future[Outcome]]]:
    """Each selected line run by its reference and by ecrlogin in each spelling, in parallel."""
    v1 = str(BIN / "aws")
    v2 = str(require_aws_v2())
    ecrlogin = str(BIN / "ecrlogin")
    public = fault_server.scenario(token())
    jobs: dict[tuple[Argv, Who], tuple[list[str], dict[str, str]]] = {}

    def env_for(name: str, url: str) -> dict[str, str]:
        home = tmp_path_factory.mktemp(name)
        write_aws_files(home)
        return {**isolated_env(home), "AWS_ENDPOINT_URL": url}

    for argv in selected_argvs(request.session):
        url = public.url if is_public(argv) else moto_url
        # AWS CLI 2.9 predates AWS_ENDPOINT_URL: it takes the endpoint as an option.
        reference = [v1, *argv] if v1_is_reference(argv) else [v2, "--endpoint-url", url, *argv]
        jobs[(argv, "reference")] = (reference, env_for("reference", url))
        for spelling, words in spellings(argv).items():
            jobs[(argv, spelling)] = ([ecrlogin, *words], env_for(spelling, url))
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        yield {key: pool.submit(execute, *job) for key, job in jobs.items()}


def shown(words: Argv) -> str:
    """Words joined for reading, an empty one shown as ''."""
    return " ".join(word or "''" for word in words)


def describe(argv: Argv, spelling: Spelling, theirs: Outcome, ours: Outcome) -> str:
    """The failure message: the line, its source, both codes and both stderr tails."""
    reference = "AWS CLI v1" if v1_is_reference(argv) else "AWS CLI v2"
    return (
        f"{SOURCES[argv]}: `aws {shown(argv)}`\n"
        f"{reference} exited {theirs.code}, "
        f"`ecrlogin {shown(spellings(argv)[spelling])}` exited {ours.code}\n"
        f"reference stdout: {theirs.stdout[-300:]!r}\necrlogin stdout: {ours.stdout[-300:]!r}\n"
        f"reference stderr: {theirs.stderr.decode(errors='replace')[-400:]}\n"
        f"ecrlogin stderr: {ours.stderr.decode(errors='replace')[-400:]}"
    )


CASES = [
    pytest.param(argv, spelling, id=f"{spelling}:{shown(argv)}")
    for argv in ARGVS
    for spelling in spellings(argv)
]


@pytest.mark.parametrize(("argv", "spelling"), CASES)
def test_ecrlogin_answers_as_the_reference_does(
    outcomes: dict[tuple[Argv, Who], Future[Outcome]], argv: Argv, spelling: Spelling
) -> None:
    theirs = outcomes[(argv, "reference")].result()
    ours = outcomes[(argv, spelling)].result()
    message = describe(argv, spelling, theirs, ours)
    if argv in REJECTED_BY_ECR:
        assert theirs.code == 0, "moto now rejects this ID too: compare as usual\n" + message
        assert ours.code != 0, message
        assert ours.stdout == b"", message
        assert b"REGISTRY_IDS" in ours.stderr, message  # the error names the bad ID
        return
    if theirs.code == 0:
        assert theirs.stdout, "the reference succeeded and printed nothing:\n" + message
    assert (ours.code, ours.stdout) == (theirs.code, theirs.stdout), message


def test_the_corpus_holds_100_distinct_sourced_lines() -> None:
    assert len(set(ARGVS)) == len(ARGVS) >= 100
    for row in INVOCATIONS:
        assert row["repo"].count("/") == 1, row
        assert row["path"], row
        assert "aws" in row["line"] or "ecr" in row["line"], row
