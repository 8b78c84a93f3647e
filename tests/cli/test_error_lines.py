"""The golden table of the error lines the docs show (tests/data/error_lines.json).

Each line README.md or docs/*.md shows after `ecrlogin: error:` is one row: the
situation that produces it, its exit code and the key words a user relies on.
Each situation is produced for real (moto, the fault server, files in an
isolated HOME); the docs and the table are checked against each other, so
neither can drift. Other tests assert these lines by their key words only.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support import faultserver as fs
from tests.support.env import basic_token
from tests.support.faultserver import FaultServer
from tests.support.helper import write_config
from tests.support.tools import ecrlogin

ROOT = Path(__file__).resolve().parents[2]
TABLE: list[dict[str, Any]] = json.loads(
    (ROOT / "tests" / "data" / "error_lines.json").read_text(encoding="utf-8")
)["lines"]
PREFIX = "ecrlogin: error: "
# A doc line with one of these is the shape of every line, not one a run prints.
TEMPLATES = ("CAUSE", "(after `ecrlogin: error: `)")


def doc_lines() -> dict[str, str]:
    """Every `ecrlogin: error: ...` line the docs show, with the file that shows it."""
    found: dict[str, str] = {}
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for text in path.read_text(encoding="utf-8").splitlines():
            at = text.find(PREFIX)
            if at < 0 or any(template in text for template in TEMPLATES):
                continue
            line = text[at:]
            if at > 0 and text[at - 1] == "`":  # shown inline, as one code span
                line = line[: line.rfind("`")]
            found[line.rstrip()] = path.name
    return found


def test_every_error_line_the_docs_show_is_in_the_table_and_no_other() -> None:
    shown = doc_lines()
    assert shown, "the docs show no error line: the scan is broken"
    assert sorted(shown) == sorted(row["doc"] for row in TABLE)


@pytest.mark.parametrize("row", TABLE, ids=[row["situation"] for row in TABLE])
def test_the_table_names_the_docs_own_words(row: dict[str, Any]) -> None:
    # The key words are the doc line's, so a test of them is a test of the docs.
    assert row["doc"].startswith(PREFIX)
    assert row["words"]
    for word in row["words"]:
        assert word in row["doc"], word


# Each situation: the environment that produces it, from the suite's isolated one.


def _no_credentials(env: dict[str, str], _: FaultServer) -> dict[str, str]:
    return {k: v for k, v in env.items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}


def _config_unknown_key(env: dict[str, str], _: FaultServer) -> dict[str, str]:
    write_config(
        env,
        '[registries."123456789012.dkr.ecr.us-west-2.amazonaws.com"]\nprofile = "prod"\n\n'
        '[registries."registry.example.com"]\naccount = "123456789012"\n'
        'region = "us-west-2"\nprofil = "prod"\n',
    )
    return env


def _docker_config(env: dict[str, str], data: dict[str, Any]) -> None:
    path = Path(env["HOME"]) / ".docker" / "config.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))
    path.chmod(0o600)


def _doctor_stored_expired(env: dict[str, str], _: FaultServer) -> dict[str, str]:
    write_config(
        env, '[registries."localhost:5000"]\naccount = "123456789012"\nregion = "eu-west-1"\n'
    )
    # An ECR token's shape: base64 of JSON with its own expiry (2021-02-01).
    body = {"payload": "cGF5bG9hZA==", "datakey": "a2V5", "version": "2", "type": "DATA_KEY"}
    password = base64.b64encode(json.dumps({**body, "expiration": 1612137600}).encode()).decode()
    _docker_config(env, {"auths": {"localhost:5000": {"auth": basic_token("AWS", password)}}})
    return env


def _doctor_no_entry(env: dict[str, str], _: FaultServer) -> dict[str, str]:
    _docker_config(env, {})
    return env


def _throttled(env: dict[str, str], server: FaultServer) -> dict[str, str]:
    # Stubbed: moto never throttles; two attempts keep botocore's retries short.
    url = server.scenario(fs.throttle()).url
    return {**env, "AWS_ENDPOINT_URL": url, "AWS_MAX_ATTEMPTS": "2"}


SITUATIONS: dict[str, Callable[[dict[str, str], FaultServer], dict[str, str]]] = {
    "no-credentials": _no_credentials,
    "config-unknown-key": _config_unknown_key,
    "doctor-stored-expired": _doctor_stored_expired,
    "doctor-no-entry": _doctor_no_entry,
    "throttled": _throttled,
}


def test_every_row_names_a_situation_this_file_produces() -> None:
    assert sorted(row["situation"] for row in TABLE) == sorted(SITUATIONS)


@pytest.mark.parametrize("row", TABLE, ids=[row["situation"] for row in TABLE])
def test_each_documented_error_line_with_its_exit_code(
    row: dict[str, Any], aws_env: dict[str, str], fault_server: FaultServer
) -> None:
    env = SITUATIONS[row["situation"]](dict(aws_env), fault_server)
    result = ecrlogin(*row["argv"], env=env)
    assert result.returncode == row["exit"], result.stderr.decode()
    assert result.stdout == b""
    errors = [line for line in result.stderr.decode().splitlines() if line.startswith(PREFIX)]
    assert len(errors) == 1, result.stderr.decode()
    for word in row["words"]:
        assert word in errors[0], (word, errors[0])
