"""The AWS CLI's own functional tests of its ECR customization, replayed against ecrlogin.

Source: the public repository aws/aws-cli, `tests/functional/ecr/test_get_login.py`,
`tests/functional/ecr/test_get_login_password.py` and
`tests/functional/ecr_public/test_get_login_password.py` (branch develop, AWS CLI v1;
branch v2 keeps the two get-login-password files with the same cases), which test
`awscli/customizations/ecr.py` and `ecr_public.py`. Each case below names its test;
the cases are re-stated here, not copied: their canned answer, the request parameters
they check, and the stdout they expect, which we compare byte for byte (they check
with assertIn) together with the exit code.

Why a stub: their answers are canned (a token for `foo:bar`, the scheme-less
proxyEndpoint `1235.ecr.us-east-1.io`, entries for the made-up accounts 1234 and 5678)
and moto always answers with its own token and an `https://ACCOUNT.dkr.ecr...` endpoint.
So the suite's fault server (tests/support/faultserver.py) serves each canned answer
over HTTP on loopback, and records every request, whose JSON body shows the
parameters. The installed `ecrlogin` runs as a subprocess, and so do AWS CLI v1
(`aws` in this venv) and, where it has the command, v2 (`/usr/bin/aws`; it has no
get-login): each against its own scenario of the same canned answer, so that each
one's request is checked on its own.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support import faultserver as fs
from tests.support.env import fault_env_for
from tests.support.faults import assert_failed
from tests.support.faultserver import ECR_TARGET, PUBLIC_TARGET, FaultServer, Request
from tests.support.tools import BIN, require_aws_v2

pytestmark = pytest.mark.compat

REPO = "aws/aws-cli"
GET_LOGIN = "tests/functional/ecr/test_get_login.py::TestGetLoginCommand"
PASSWORD = "tests/functional/ecr/test_get_login_password.py::TestGetLoginPasswordCommand"
PUBLIC = "tests/functional/ecr_public/test_get_login_password.py::TestGetLoginPasswordCommand"

# Their answer: base64 of `foo:bar`, an endpoint without a scheme that is not ECR's.
FOO_BAR = {
    "authorizationToken": "Zm9vOmJhcg==",
    "proxyEndpoint": "1235.ecr.us-east-1.io",
    "expiresAt": "2015-10-16T00:00:00Z",
}
# Their second registry in test_prints_multiple_get_login_commands: `abc:123`.
ABC_123 = {
    "authorizationToken": "YWJjOjEyMw==",
    "proxyEndpoint": "4567.ecr.us-east-1.io",
    "expiresAt": "2015-10-16T00:00:00Z",
}
# ECR Public's answer is one object, without a proxyEndpoint.
PUBLIC_FOO_BAR = {"authorizationToken": "Zm9vOmJhcg==", "expiresAt": "2015-10-16T00:00:00Z"}


@dataclass(frozen=True)
class Reference:
    """One case of theirs: the command after `aws`, the canned `authorizationData`, the
    `registryIds` the one request must carry (None: none sent), and the exact stdout."""

    test: str
    args: tuple[str, ...]
    data: Any
    registry_ids: list[str] | None
    stdout: bytes
    # AWS CLI v2 has the command too (it dropped get-login).
    in_v2: bool = False

    @property
    def source(self) -> str:
        """Where the case comes from: repository, file and test."""
        return f"{REPO} {self.test}"

    @property
    def target(self) -> str:
        """The X-Amz-Target of the call the command must make."""
        return PUBLIC_TARGET if self.args[0] == "ecr-public" else ECR_TARGET


REFERENCES = [
    Reference(
        f"{GET_LOGIN}::test_prints_get_login_command",
        ("ecr", "get-login"),
        [FOO_BAR],
        None,
        b"docker login -u foo -p bar -e none 1235.ecr.us-east-1.io\n",
    ),
    Reference(
        f"{GET_LOGIN}::test_prints_login_command_with_no_email",
        ("ecr", "get-login", "--no-include-email"),
        [FOO_BAR],
        None,
        b"docker login -u foo -p bar 1235.ecr.us-east-1.io\n",
    ),
    Reference(
        f"{GET_LOGIN}::test_prints_login_with_email_flag",
        ("ecr", "get-login", "--include-email"),
        [FOO_BAR],
        None,
        b"docker login -u foo -p bar -e none 1235.ecr.us-east-1.io\n",
    ),
    Reference(
        f"{PASSWORD}::test_prints_login_password",
        ("ecr", "get-login-password"),
        [FOO_BAR],
        None,
        b"bar\n",
        in_v2=True,
    ),
    Reference(
        f"{PUBLIC}::test_prints_login_password",
        ("ecr-public", "get-login-password"),
        PUBLIC_FOO_BAR,
        None,
        b"bar\n",
        in_v2=True,
    ),
]
# test_prints_multiple_get_login_commands asks for `--registry-ids 1234 5678`, which no
# account can be: ecrlogin refuses them before any call (its documented exit 252, see
# the test below). Its answer, its request check and its two lines are replayed with
# two real account IDs in their place.
MULTIPLE = Reference(
    f"{GET_LOGIN}::test_prints_multiple_get_login_commands",
    ("ecr", "get-login", "--registry-ids", "111122223333", "444455556666"),
    [FOO_BAR, ABC_123],
    ["111122223333", "444455556666"],
    b"docker login -u foo -p bar -e none 1235.ecr.us-east-1.io\n"
    b"docker login -u abc -p 123 -e none 4567.ecr.us-east-1.io\n",
)
REFERENCES.append(MULTIPLE)


def case_id(reference: Reference) -> str:
    """The pytest id of a case: their test's name, and the file for the password tests."""
    file, _, name = reference.test.partition("::TestGetLogin")
    return f"{file.split('/')[-2]}/{name.partition('::')[2]}"


def replay(
    program: list[str], reference: Reference, server: FaultServer, env: Mapping[str, str]
) -> tuple[subprocess.CompletedProcess[bytes], list[Request]]:
    """Run `program ARGS` against its own scenario serving the case's canned answer."""
    scenario = server.scenario(fs.data(reference.data))
    result = subprocess.run(
        [*program, *reference.args, "--endpoint-url", scenario.url],
        env=dict(env),
        capture_output=True,
        timeout=120,
        check=False,
    )
    return result, list(scenario.requests)


def assert_their_request(requests: list[Request], reference: Reference) -> None:
    """Their checks on the call: exactly one, and `registryIds` only when given."""
    assert len(requests) == 1, reference.source
    [request] = requests
    assert request.target == reference.target, reference.source
    body = request.json()
    if reference.registry_ids is None:
        assert "registryIds" not in body, reference.source
    else:
        assert body["registryIds"] == reference.registry_ids, reference.source


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """The isolated environment, with no endpoint of its own (each run names one)."""
    return fault_env_for(tmp_path / "home")


@pytest.mark.parametrize("reference", REFERENCES, ids=[case_id(r) for r in REFERENCES])
def test_ecrlogin_passes_the_aws_cli_functional_case(
    reference: Reference, fault_server: FaultServer, env: dict[str, str]
) -> None:
    result, requests = replay([str(BIN / "ecrlogin")], reference, fault_server, env)
    assert (result.returncode, result.stdout) == (0, reference.stdout), (
        reference.source,
        result.stderr.decode(),
    )
    assert_their_request(requests, reference)


@pytest.mark.parametrize("reference", REFERENCES, ids=[case_id(r) for r in REFERENCES])
def test_aws_cli_v1_prints_the_same_for_the_case(
    reference: Reference, fault_server: FaultServer, env: dict[str, str]
) -> None:
    # The expected bytes are checked against the program the tests were written for.
    result, requests = replay([str(BIN / "aws")], reference, fault_server, env)
    assert (result.returncode, result.stdout) == (0, reference.stdout), result.stderr.decode()
    assert_their_request(requests, reference)


V2_REFERENCES = [r for r in REFERENCES if r.in_v2]


@pytest.mark.parametrize("reference", V2_REFERENCES, ids=[case_id(r) for r in V2_REFERENCES])
def test_aws_cli_v2_prints_the_same_for_the_case(
    reference: Reference, fault_server: FaultServer, env: dict[str, str]
) -> None:
    result, requests = replay([str(require_aws_v2())], reference, fault_server, env)
    assert (result.returncode, result.stdout) == (0, reference.stdout), result.stderr.decode()
    assert_their_request(requests, reference)


def test_their_made_up_registry_ids_are_refused_before_any_call(
    fault_server: FaultServer, env: dict[str, str]
) -> None:
    # aws/aws-cli tests/functional/ecr/test_get_login.py::TestGetLoginCommand::
    # test_prints_multiple_get_login_commands as written: the AWS CLI sends 1234 and 5678
    # and prints what the canned answer says; ECR itself would refuse them (a registry ID
    # is a 12-digit account). ecrlogin says so before calling, in one line (README: exit
    # codes), so the replay above uses real account IDs.
    as_written = (*MULTIPLE.args[:3], "1234", "5678")
    reference = Reference(MULTIPLE.test, as_written, MULTIPLE.data, ["1234", "5678"], b"")
    theirs, their_requests = replay([str(BIN / "aws")], reference, fault_server, env)
    assert (theirs.returncode, theirs.stdout) == (0, MULTIPLE.stdout)
    assert_their_request(their_requests, reference)
    ours, our_requests = replay([str(BIN / "ecrlogin")], reference, fault_server, env)
    assert_failed(ours, 252, "Invalid registry ID '1234'", "12-digit AWS account ID")
    assert our_requests == []


# -- the same endpoints in the other commands that print them (issue 14, item 5) ------------

ENDPOINTS = {
    "scheme-less": "1235.ecr.us-east-1.io",
    "emulator": "http://localhost:4566",
}


@pytest.mark.parametrize("endpoint", list(ENDPOINTS.values()), ids=list(ENDPOINTS))
@pytest.mark.parametrize(
    "args",
    [
        ("ecr", "get-login-password"),
        ("ecr", "get-login", "--no-include-email"),
        ("ecr", "get-authorization-token", "--output", "json"),
        ("ecr", "get-authorization-token", "--output", "text"),
    ],
    ids=["get-login-password", "get-login", "get-authorization-token-json", "-text"],
)
def test_an_endpoint_that_is_not_ecr_s_is_printed_as_aws_cli_v1_and_v2_print_it(
    args: tuple[str, ...], endpoint: str, fault_server: FaultServer, env: dict[str, str]
) -> None:
    # v2 and ecrlogin print timestamps as iso8601 by default, v1 only when the profile
    # says so: with it set, all three print the same bytes.
    Path(env["AWS_CONFIG_FILE"]).write_text("[default]\ncli_timestamp_format = iso8601\n")
    entry = {**FOO_BAR, "proxyEndpoint": endpoint, "expiresAt": fs.FAULT_EXPIRES_AT}
    reference = Reference("issue 14", args, [entry], None, b"")
    programs = {"v1": [str(BIN / "aws")], "ecrlogin": [str(BIN / "ecrlogin")]}
    if args[1] != "get-login":
        programs["v2"] = [str(require_aws_v2())]
    outputs = {}
    for name, program in programs.items():
        result, requests = replay(program, reference, fault_server, env)
        assert result.returncode == 0, (name, result.stderr.decode())
        assert_their_request(requests, reference)
        outputs[name] = result.stdout
    assert outputs["ecrlogin"] == outputs["v1"]
    assert outputs.get("v2", outputs["v1"]) == outputs["v1"]
    if args[1] == "get-login":
        assert outputs["ecrlogin"] == f"docker login -u foo -p bar {endpoint}\n".encode()
    elif args[-1] == "json":
        [printed] = json.loads(outputs["ecrlogin"])["authorizationData"]
        assert printed["proxyEndpoint"] == endpoint
