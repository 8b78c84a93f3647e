"""GitHub Actions: the step outputs of aws-actions/amazon-ecr-login, and masks the runner sees.

A simulated runner (tests/support/github_actions.py) reads the outputs file and the
workflow commands the way actions/runner does. The installed `ecrlogin` runs against
the suite's moto server, except where a password moto cannot give is the point
(a line break in it): those come from the suite's stub endpoint, which serves any
password.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecrlogin import basicauth, github_actions
from tests.support import faultserver as fs
from tests.support.env import MOTO_PASSWORD, fault_env_for
from tests.support.faultserver import FAULT_PASSWORD, FaultServer
from tests.support.github_actions import (
    commands,
    masked,
    masks,
    parse_outputs,
    read_outputs,
    runner_env,
)
from tests.support.tools import ecrlogin

EU = "111122223333.dkr.ecr.eu-west-1.amazonaws.com"
EU2 = "444455556666.dkr.ecr.eu-west-1.amazonaws.com"
US = "111122223333.dkr.ecr.us-west-2.amazonaws.com"
MOTO_TOKEN = basicauth.encode("AWS", MOTO_PASSWORD)


@pytest.fixture
def env(aws_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    return {**aws_env, "DOCKER_CONFIG": str(tmp_path / "docker")}


def suffix_of(host: str) -> str:
    return host.replace(".", "_").replace("-", "_")


# --- the names ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("registry", "suffix"),
    [
        # The action's README names these two.
        (
            "123456789012.dkr.ecr.us-east-1.amazonaws.com",
            "123456789012_dkr_ecr_us_east_1_amazonaws_com",
        ),
        ("public.ecr.aws", "public_ecr_aws"),
        (
            "123456789012.dkr-ecr-fips.us-gov-west-1.on.aws",
            "123456789012_dkr_ecr_fips_us_gov_west_1_on_aws",
        ),
        ("registry.example:5000", "registry_example_5000"),
        # A run of characters becomes one `_`; `_` itself is a word character and stays.
        ("a..b--c", "a_b_c"),
        ("a._b", "a__b"),
        ("mirror_1.example", "mirror_1_example"),
    ],
)  # fmt: skip
def test_the_output_suffix_is_the_actions(registry: str, suffix: str) -> None:
    assert github_actions.output_suffix(registry) == suffix


# --- login in a simulated runner -----------------------------------------------------------


def test_login_output_json_is_valid_json_and_the_masks_go_to_the_runner_first(
    env: dict[str, str], tmp_path: Path
) -> None:
    runner, outputs = runner_env(env, tmp_path / "runner")
    result = ecrlogin("login", "--write-config", "--output", "json", EU, env=runner)
    assert result.returncode == 0, result.stderr
    # stdout (`> login.json`) is the payload alone, valid JSON with no secret in it.
    assert [item["registry"] for item in json.loads(result.stdout)] == [EU]
    assert b"::" not in result.stdout
    assert MOTO_PASSWORD.encode() not in result.stdout
    # The runner reads stderr for workflow commands too: the masks are its first lines,
    # and every later line, as the runner logs it, shows no secret.
    found = commands(result.stderr)
    assert [(number, name) for number, name, _ in found] == [(0, "add-mask"), (1, "add-mask")]
    assert masks(result.stderr) == [MOTO_PASSWORD, MOTO_TOKEN]
    later = result.stderr.decode().splitlines()[2:]
    assert later
    assert all(masked(line, [MOTO_PASSWORD, MOTO_TOKEN]) == line for line in later)
    # The outputs amazon-ecr-login sets for one registry, as the runner reads the file.
    assert read_outputs(outputs) == {
        "registry": EU,
        f"docker_username_{suffix_of(EU)}": "AWS",
        f"docker_password_{suffix_of(EU)}": MOTO_PASSWORD,
    }
    assert "docker_password_111122223333_dkr_ecr_eu_west_1_amazonaws_com" in read_outputs(outputs)


def test_several_registries_get_one_pair_each_and_no_registry_output(
    env: dict[str, str], tmp_path: Path
) -> None:
    runner, outputs = runner_env(env, tmp_path / "runner")
    result = ecrlogin("login", "--write-config", EU, EU2, US, env=runner)
    assert result.returncode == 0, result.stderr
    assert result.stdout == b""
    assert read_outputs(outputs) == {
        f"docker_{kind}_{suffix_of(host)}": value
        for host in (EU, EU2, US)
        for kind, value in (("username", "AWS"), ("password", MOTO_PASSWORD))
    }
    # In the file's multi-line form, with one delimiter that is in no value.
    text = outputs.read_bytes().decode()
    assert text.count("<<") == 6
    assert "=" not in text.replace("<<", "")


def test_a_failed_target_leaves_the_others_outputs_and_no_registry(
    env: dict[str, str], tmp_path: Path
) -> None:
    runner, outputs = runner_env(env, tmp_path / "runner")
    result = ecrlogin("login", "--write-config", "bad!host", EU, env=runner)
    assert result.returncode == 252
    assert result.stdout == b""
    # As the action: `registry` is for a login of one registry, not the one that worked.
    assert read_outputs(outputs) == {
        f"docker_username_{suffix_of(EU)}": "AWS",
        f"docker_password_{suffix_of(EU)}": MOTO_PASSWORD,
    }


def test_no_mask_still_writes_the_outputs_for_a_later_job(
    env: dict[str, str], tmp_path: Path
) -> None:
    # A later job can read only outputs the runner does not mask (the action's
    # `mask-password: false`); the file is the same.
    runner, outputs = runner_env(env, tmp_path / "runner")
    result = ecrlogin("login", "--write-config", "--no-mask", EU, env=runner)
    assert result.returncode == 0, result.stderr
    assert commands(result.stderr) == []
    assert read_outputs(outputs)[f"docker_password_{suffix_of(EU)}"] == MOTO_PASSWORD


def test_outputs_are_appended_after_what_the_step_wrote_before(
    env: dict[str, str], tmp_path: Path
) -> None:
    runner, outputs = runner_env(env, tmp_path / "runner")
    outputs.write_text("earlier=kept\n")
    assert ecrlogin("login", "--write-config", EU, env=runner).returncode == 0
    assert read_outputs(outputs)["earlier"] == "kept"
    assert read_outputs(outputs)["registry"] == EU


@pytest.mark.parametrize("github_actions_value", [None, "false", "1", "TRUE"])
def test_nothing_is_written_outside_actions(
    env: dict[str, str], tmp_path: Path, github_actions_value: str | None
) -> None:
    runner, outputs = runner_env(env, tmp_path / "runner")
    del runner["GITHUB_ACTIONS"]
    if github_actions_value is not None:
        runner["GITHUB_ACTIONS"] = github_actions_value
    login = ecrlogin("login", "--write-config", "--output", "json", EU, env=runner)
    password = ecrlogin("get-login-password", "--github-output", env=runner)
    assert (login.returncode, password.returncode) == (0, 0), password.stderr
    assert outputs.read_bytes() == b""
    assert commands(login.stderr) == commands(password.stderr) == []
    assert json.loads(login.stdout)[0]["registry"] == EU
    assert password.stdout == f"{MOTO_PASSWORD}\n".encode()
    assert password.stderr.decode() == (
        "ecrlogin: note: Not in GitHub Actions (GITHUB_ACTIONS is not true), so no step "
        "outputs were written.\n"
    )


def test_a_runner_without_an_outputs_file_gets_a_warning(env: dict[str, str]) -> None:
    runner = {**env, "GITHUB_ACTIONS": "true"}
    result = ecrlogin("login", "--write-config", EU, env=runner)
    assert result.returncode == 0
    assert masks(result.stderr) == [MOTO_PASSWORD, MOTO_TOKEN]
    [warning] = [line for line in result.stderr.decode().splitlines() if "warning" in line]
    assert "GITHUB_OUTPUT is not set" in warning
    assert "no step outputs were written" in warning


def test_an_unwritable_outputs_file_fails_the_step_with_one_line(
    env: dict[str, str], tmp_path: Path
) -> None:
    runner = {**env, "GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(tmp_path / "no" / "file")}
    result = ecrlogin("login", "--write-config", EU, env=runner)
    assert result.returncode == 255
    assert result.stdout == b""
    last = result.stderr.decode().splitlines()[-1]
    assert last.startswith("ecrlogin: error: Cannot write the step outputs to GITHUB_OUTPUT (")
    assert "No such file or directory" in last
    assert MOTO_PASSWORD not in last


# --- get-login-password --github-output ------------------------------------------------------


def test_get_login_password_github_output(env: dict[str, str], tmp_path: Path) -> None:
    runner, outputs = runner_env(env, tmp_path / "runner")
    result = ecrlogin("get-login-password", "--github-output", "--region", "us-west-2", env=runner)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{MOTO_PASSWORD}\n".encode()  # the pipe to docker login
    assert result.stderr.decode() == f"::add-mask::{MOTO_PASSWORD}\n::add-mask::{MOTO_TOKEN}\n"
    host = "123456789012.dkr.ecr.us-west-2.amazonaws.com"
    assert read_outputs(outputs) == {
        "registry": host,
        f"docker_username_{suffix_of(host)}": "AWS",
        f"docker_password_{suffix_of(host)}": MOTO_PASSWORD,
    }


def test_get_login_password_masks_only_when_asked(env: dict[str, str], tmp_path: Path) -> None:
    runner, outputs = runner_env(env, tmp_path / "runner")
    # Without --github-output it is the AWS CLI's command: the password and nothing else.
    plain = ecrlogin("get-login-password", env=runner)
    assert (plain.stdout, plain.stderr) == (f"{MOTO_PASSWORD}\n".encode(), b"")
    masked_only = ecrlogin("get-login-password", "--mask", env=runner)
    assert masks(masked_only.stderr) == [MOTO_PASSWORD, MOTO_TOKEN]
    unmasked = ecrlogin("get-login-password", "--github-output", "--no-mask", env=runner)
    assert unmasked.stderr == b""
    assert outputs.read_text().count("<<") == 3  # the one run that asked for outputs


def test_a_password_with_line_breaks_stays_one_output_and_one_mask(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    # moto's password is a plain word; the stub endpoint serves any password.
    password = "first line\nregistry<<X\nX\r\nlast%0A"
    scenario = fault_server.scenario(fs.token(password=password))
    runner, outputs = runner_env(fault_env_for(tmp_path / "home"), tmp_path / "runner")
    result = ecrlogin(
        "login", "--write-config", "--endpoint-url", scenario.url, "--output", "json", env=runner
    )
    assert result.returncode == 0, result.stderr
    assert masks(result.stderr)[0] == password
    host = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
    assert read_outputs(outputs) == {
        "registry": host,
        f"docker_username_{suffix_of(host)}": "AWS",
        f"docker_password_{suffix_of(host)}": password,
    }


# --- the file format, against the runner's reader ---------------------------------------------

NAMES = st.from_regex(r"[a-zA-Z0-9_]{1,20}", fullmatch=True)


@given(st.lists(st.tuples(NAMES, st.text()), min_size=1, max_size=5))
def test_any_values_read_back_exactly_as_the_runner_reads_them(
    outputs: list[tuple[str, str]],
) -> None:
    delimiter = github_actions._delimiter([text for pair in outputs for text in pair])
    text = "".join(github_actions.output_block(name, value, delimiter) for name, value in outputs)
    # The runner reads `\n` as the line end on Linux; a lone `\r` is part of the value.
    assert parse_outputs(text) == outputs


def test_a_delimiter_inside_a_value_is_refused() -> None:
    with pytest.raises(ValueError, match="delimiter"):
        github_actions.output_block("name", "a\nEOF\nb", "EOF")


def test_ecr_public_outputs_name_public_ecr_aws(fault_server: FaultServer, tmp_path: Path) -> None:
    # moto has no ECR Public; the stub endpoint answers for it.
    scenario = fault_server.scenario(fs.token())
    runner, outputs = runner_env(fault_env_for(tmp_path / "home"), tmp_path / "runner")
    expected = {
        "registry": "public.ecr.aws",
        "docker_username_public_ecr_aws": "AWS",
        "docker_password_public_ecr_aws": FAULT_PASSWORD,
    }
    login = ecrlogin(
        "login", "--write-config", "public.ecr.aws", "--endpoint-url", scenario.url, env=runner
    )
    assert login.returncode == 0, login.stderr
    assert read_outputs(outputs) == expected
    outputs.write_bytes(b"")
    password = ecrlogin(
        "ecr-public", "get-login-password", "--github-output", "--endpoint-url", scenario.url,
        env=runner,
    )  # fmt: skip
    assert (password.returncode, password.stdout) == (0, f"{FAULT_PASSWORD}\n".encode())
    assert masks(password.stderr) == [FAULT_PASSWORD, basicauth.encode("AWS", FAULT_PASSWORD)]
    assert read_outputs(outputs) == expected
