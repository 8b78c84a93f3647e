"""`awsformat.format_response`: the AWS CLI v2's five output formats, --query and timestamps.

The golden strings were printed by `/usr/bin/aws` (2.9.19); the comparisons run
v2's own parser and formatter (tests/support/awscli_v2_format.py, on the Python
that runs `/usr/bin/aws`) on the same responses, ECR Public's among them (moto
does not serve ECR Public, so only this test covers its shape against v2).
"""

from __future__ import annotations

import argparse
import copy
import io
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.session
import jmespath
import pytest
from awscli.formatter import JSONFormatter, TextFormatter
from hypothesis import given
from hypothesis import settings as examples
from hypothesis import strategies as st

from ecrlogin import awsclient, awsformat
from ecrlogin.awsformat import OUTPUTS, format_response
from ecrlogin.errors import ConfigurationError, FormatError, ParameterError
from ecrlogin.options import ClientOptions
from tests.support.tools import require_aws_v2

AWS_V2_PYTHON = Path("/usr/bin/python3")
ORACLE = Path(__file__).parents[1] / "support" / "awscli_v2_format.py"

TOKEN = "QVdTOjEyMzQ1Njc4OTAxMi1hdXRoLXRva2Vu"
ENDPOINT = "https://123456789012.dkr.ecr.us-east-1.amazonaws.com"
EXPIRY = 1420070400  # moto's expiresAt, as it sends it
ECR = {
    "authorizationData": [
        {"authorizationToken": TOKEN, "expiresAt": EXPIRY, "proxyEndpoint": ENDPOINT}
    ]
}
ECR_TWO = {
    "authorizationData": [
        {"authorizationToken": "QVdTOmE=", "expiresAt": 1.7e9, "proxyEndpoint": "https://a"},
        {"authorizationToken": "QVdTOmI=", "expiresAt": 1700000000.5, "proxyEndpoint": "https://b"},
    ]
}
PUBLIC = {"authorizationData": {"authorizationToken": TOKEN, "expiresAt": EXPIRY}}


def formatted(data: Any, output: str, query: str | None = None, **kwargs: Any) -> str:
    kwargs.setdefault("timestamp_format", "wire")
    return format_response(data, output=output, query=query, **kwargs)


@pytest.fixture
def local_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This process in India's time zone (+05:30, no daylight saving), as v2 would see it."""
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


# --- what v2 printed (moto's answer, TZ=UTC) ---------------------------------------------

V2_TABLE = """\
----------------------------------------------------------------------------------
|                              GetAuthorizationToken                             |
+--------------------------------------------------------------------------------+
||                               authorizationData                              ||
|+---------------------+--------------------------------------------------------+|
||  authorizationToken |  QVdTOjEyMzQ1Njc4OTAxMi1hdXRoLXRva2Vu                  ||
||  expiresAt          |  1420070400                                            ||
||  proxyEndpoint      |  https://123456789012.dkr.ecr.us-east-1.amazonaws.com  ||
|+---------------------+--------------------------------------------------------+|
"""

V2_YAML = f"""\
authorizationData:
- authorizationToken: {TOKEN}
  expiresAt: '2015-01-01T00:00:00+00:00'
  proxyEndpoint: {ENDPOINT}
"""


def test_table_is_v2s_on_a_pipe() -> None:
    assert formatted(ECR, "table") == V2_TABLE


def test_a_wide_terminal_keeps_the_row_across() -> None:
    # What v2 prints on a 200-column terminal with --color off.
    lines = formatted(ECR, "table", width=200).splitlines()
    assert len(lines[0]) == 114
    assert lines[5] == (
        "||          authorizationToken           |  expiresAt  |"
        "                     proxyEndpoint                      ||"
    )
    assert lines[7] == f"||  {TOKEN} |  1420070400 |  {ENDPOINT}  ||"


def test_yaml_and_yaml_stream_are_v2s(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    try:
        assert formatted(ECR, "yaml", timestamp_format="iso8601") == V2_YAML
        stream = formatted(ECR, "yaml-stream", timestamp_format="iso8601")
    finally:
        monkeypatch.undo()
        time.tzset()
    assert stream == (
        f"- authorizationData:\n  - authorizationToken: {TOKEN}\n"
        f"    expiresAt: '2015-01-01T00:00:00+00:00'\n    proxyEndpoint: {ENDPOINT}\n"
    )


def test_iso8601_is_in_the_local_time_zone(local_zone: None) -> None:
    # botocore's parser (v2's) turns epoch seconds into local time, offset included.
    query = "authorizationData[0].expiresAt"
    assert formatted(ECR, "text", query, timestamp_format="iso8601") == (
        "2015-01-01T05:30:00+05:30\n"
    )
    assert formatted(
        ECR_TWO, "json", "authorizationData[].expiresAt", timestamp_format="iso8601"
    ) == ('[\n    "2023-11-15T03:43:20+05:30",\n    "2023-11-15T03:43:20.500000+05:30"\n]\n')


def test_wire_keeps_the_number_as_sent() -> None:
    query = "authorizationData[].expiresAt"
    assert formatted(ECR, "text", query) == "1420070400\n"
    assert formatted(ECR_TWO, "json", query) == "[\n    1700000000.0,\n    1700000000.5\n]\n"


def test_the_query_sees_converted_timestamps(local_zone: None) -> None:
    query = "authorizationData[?starts_with(expiresAt, '2015')].proxyEndpoint"
    assert formatted(ECR, "text", query, timestamp_format="iso8601") == ENDPOINT + "\n"


def test_the_response_is_not_changed() -> None:
    data = json.loads(json.dumps(ECR))
    formatted(data, "json", timestamp_format="iso8601")
    assert data == ECR


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        ("json", "null\n"),
        ("text", "None\n"),
        ("table", ""),
        ("yaml", "null\n"),
        ("yaml-stream", "- null\n"),
    ],
)
def test_a_null_query_result(output: str, expected: str) -> None:
    assert formatted(ECR, output, "authorizationData[0].nothing") == expected


@pytest.mark.parametrize("output", OUTPUTS)
def test_an_empty_response_prints_nothing(output: str) -> None:
    assert formatted({}, output) == ""


def test_a_scalar_table_is_its_title_alone() -> None:
    assert formatted(ECR, "table", "length(authorizationData)") == (
        "-----------------------\n|GetAuthorizationToken|\n+---------------------+\n"
    )


def test_ecr_public_nests_its_one_entry() -> None:
    assert formatted(PUBLIC, "text") == f"AUTHORIZATIONDATA\t{TOKEN}\t{EXPIRY}\n"
    assert formatted(PUBLIC, "yaml") == (
        f"authorizationData:\n  authorizationToken: {TOKEN}\n  expiresAt: {EXPIRY}\n"
    )


def test_the_recipe_prints_tokens_one_per_tab() -> None:
    # `--output text --query 'authorizationData[].authorizationToken'`: one line, tab-separated.
    assert formatted(ECR_TWO, "text", "authorizationData[].authorizationToken") == (
        "QVdTOmE=\tQVdTOmI=\n"
    )


def test_bad_query_is_a_parameter_error_naming_the_expression() -> None:
    with pytest.raises(ParameterError) as caught:
        formatted(ECR, "json", "authorizationData[")
    assert caught.value.exit_code == 252
    assert "--query authorizationData[" in caught.value.message
    assert "\n" not in caught.value.message


@pytest.mark.parametrize("output", ["text", "table"])
def test_a_list_mixing_objects_and_values_fails_as_in_v2(output: str) -> None:
    with pytest.raises(FormatError) as caught:
        formatted(ECR, output, "[authorizationData[0].proxyEndpoint, authorizationData[0]]")
    assert caught.value.exit_code == 255
    assert f"{output} format" in caught.value.message


def test_the_timestamp_members_are_the_models() -> None:
    """Every timestamp member of the two GetAuthorizationToken outputs, per botocore's models."""
    session = botocore.session.get_session()
    found = set()

    def walk(shape: Any) -> None:
        for name, member in getattr(shape, "members", {}).items():
            if member.type_name == "timestamp":
                found.add(name)
            walk(member)
        if shape.type_name == "list":
            walk(shape.member)

    for service in ("ecr", "ecr-public"):
        model = session.get_service_model(service)
        walk(model.operation_model("GetAuthorizationToken").output_shape)
    assert found == awsformat.TIMESTAMP_MEMBERS


def test_yaml_is_imported_only_for_yaml() -> None:
    code = (
        "import sys, json\n"
        "from ecrlogin.awsformat import format_response\n"
        "data = json.loads(sys.argv[1])\n"
        "for output in ('json', 'text', 'table'):\n"
        "    format_response(data, output=output, query=None, timestamp_format='wire')\n"
        "before = 'ruamel.yaml' in sys.modules\n"
        "format_response(data, output='yaml', query=None, timestamp_format='wire')\n"
        "print(before, 'ruamel.yaml' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, json.dumps(ECR)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout == "False True\n"


def test_yaml_uses_libyamls_emitter_as_v2_does() -> None:
    # Without ruamel.yaml.clib, ruamel.yaml falls back to its Python emitter, which
    # quotes and wraps some strings differently from v2.
    from ruamel.yaml import YAML

    assert "_ruamel_yaml" in YAML(typ="safe").Emitter.__module__


# --- where the settings come from: --output, AWS_DEFAULT_OUTPUT, the profile ------------


@pytest.fixture
def aws_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An empty AWS config file and no AWS_ settings from this machine."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    config = tmp_path / "aws-config"
    config.write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    return config


def configured(output: str | None = None) -> tuple[str, str]:
    found = awsclient.output_settings(ClientOptions(), output)
    return found.output, found.timestamp_format


def test_defaults_are_v2s(aws_config: Path) -> None:
    assert configured() == ("json", "iso8601")


def test_profile_output_and_timestamp_format(aws_config: Path) -> None:
    aws_config.write_text("[default]\noutput = table\ncli_timestamp_format = wire\n")
    assert configured() == ("table", "wire")
    aws_config.write_text("[default]\noutput = yaml\ncli_timestamp_format = none\n")
    assert configured() == ("yaml", "wire")  # none: AWS CLI v1's name for wire


def test_the_option_beats_the_environment_which_beats_the_profile(
    aws_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    aws_config.write_text("[default]\noutput = table\n")
    monkeypatch.setenv("AWS_DEFAULT_OUTPUT", "yaml-stream")
    assert configured() == ("yaml-stream", "iso8601")
    assert configured("text") == ("text", "iso8601")
    monkeypatch.setenv("AWS_DEFAULT_OUTPUT", "xml")
    assert configured("text") == ("text", "iso8601")  # an unused bad value is no error


@pytest.mark.parametrize("value", ["xml", ""])
def test_an_unknown_configured_output_fails_with_255(
    aws_config: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_OUTPUT", value)
    with pytest.raises(FormatError) as caught:
        configured()
    assert caught.value.exit_code == 255
    assert "AWS_DEFAULT_OUTPUT" in caught.value.message
    monkeypatch.delenv("AWS_DEFAULT_OUTPUT")
    aws_config.write_text(f"[default]\noutput = {value}\n")
    with pytest.raises(FormatError, match="profile's `output`"):
        configured()


def test_an_unknown_timestamp_format_is_a_configuration_error(aws_config: Path) -> None:
    aws_config.write_text("[default]\noutput = xml\ncli_timestamp_format = epoch\n")
    with pytest.raises(ConfigurationError, match="cli_timestamp_format 'epoch'"):
        configured()  # checked before the output format, as v2 does


# --- against v2's own parser and formatter ------------------------------------------------


def v2_prints(cases: list[dict[str, Any]], tz: str = "Asia/Kolkata") -> list[dict[str, Any]]:
    """What the AWS CLI v2's formatter prints for each case (see awscli_v2_format.py)."""
    require_aws_v2()
    result = subprocess.run(
        [str(AWS_V2_PYTHON), str(ORACLE)],
        input=json.dumps(cases),
        env={"PATH": os.environ.get("PATH", ""), "TZ": tz, "LC_ALL": "C.UTF-8"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    answers: list[dict[str, Any]] = json.loads(result.stdout)
    return answers


def ours(case: dict[str, Any]) -> dict[str, Any]:
    data = case["data"] if "data" in case else json.loads(case["body"])
    try:
        text = format_response(
            data,
            output=case["output"],
            query=case["query"],
            timestamp_format=case["timestamp_format"],
            width=case["width"],
        )
    except FormatError:
        return {"stdout": "", "failed": True}
    return {"stdout": text, "failed": False}


def assert_like_v2(cases: list[dict[str, Any]]) -> None:
    theirs = v2_prints(cases)
    differ = []
    for case, expected in zip(cases, theirs, strict=True):
        mine = ours(case)
        if expected["failed"]:
            # v2 may have printed part of the text before failing; we print nothing.
            mine["stdout"] = expected["stdout"]
        if mine != expected:
            differ.append((case, expected, mine))
    assert not differ, f"{len(differ)} of {len(cases)} differ; first: {differ[:3]}"


QUERIES = [
    None,
    "authorizationData[0].proxyEndpoint",
    "authorizationData",
    "authorizationData[0]",
    "length(authorizationData)",
    "authorizationData[0].nothing",
    "authorizationData[].[proxyEndpoint, expiresAt]",
    'authorizationData[].{e: proxyEndpoint, t: expiresAt, n: `{"x": [1, 2]}`}',
    "{data: authorizationData, count: length(authorizationData)}",
    "authorizationData[?false]",
    "`0`",
    '`"yes"`',
    '`[[1, [2, 3]], "s", [{"k": 3}]]`',
]


def test_ecr_and_ecr_public_print_as_in_v2(local_zone: None) -> None:
    bodies = [("ecr", ECR), ("ecr", ECR_TWO), ("ecr-public", PUBLIC)]
    cases = [
        {
            "service": service,
            "body": json.dumps(body),
            "output": output,
            "query": query,
            "timestamp_format": timestamps,
            "width": width,
        }
        for service, body in bodies
        for output in OUTPUTS
        for query in [*QUERIES, "authorizationData.expiresAt"]
        for timestamps in ("iso8601", "wire")
        for width in (80, 200)
    ]
    assert_like_v2(cases)


# Strings that YAML quotes or escapes, that terminals show two columns wide, and
# that a table or text line must carry as they are.
WORDS = [
    "",
    "a",
    "yes",
    "no",
    "null",
    "~",
    "1e3",
    "0o12",
    "012",
    "2015-01-01",
    "12:30",
    "a b",
    "- x",
    "#x",
    "a: b",
    "'q'",
    '"d"',
    "x\ny",
    "t\tt",
    " lead",
    "trail ",
    "中文",
    "\uff46\uff55\uff4c\uff4c",  # full-width "full"
    "é",
    "😀",
    "\u00a7",
    "x" * 90,
    "word " * 20,
    "https://123456789012.dkr.ecr.us-east-1.amazonaws.com",
]


def random_value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(10 if depth < 3 else 6)
    if kind == 0:
        return rng.choice([None, True, False])
    if kind == 1:
        return rng.choice([0, 1, -7, 2**40, 12345678901234567890])
    if kind == 2:
        return rng.choice([0.0, 1.5, -0.25, 1e-7, 1.7e9, 1e300, 1700000000.5])
    if kind in (3, 4, 5):
        return rng.choice(WORDS)
    if kind in (6, 7):
        return {
            rng.choice(WORDS[:20]): random_value(rng, depth + 1) for _ in range(rng.randrange(5))
        }
    if kind == 8 and rng.random() < 0.8:
        # A list of objects, as responses hold them, sharing some keys.
        keys = rng.sample(WORDS[:20], 4)
        return [
            {key: random_value(rng, depth + 1) for key in rng.sample(keys, rng.randrange(1, 5))}
            for _ in range(rng.randrange(1, 4))
        ]
    return [random_value(rng, depth + 1) for _ in range(rng.randrange(5))]


def test_any_data_prints_as_in_v2() -> None:
    """A fixed-seed fuzz: every format, against v2's formatter, on data of every shape."""
    rng = random.Random(20261207)
    # A response is an object; a query makes anything of it.
    responses = [({"Data": random_value(rng)}, rng.choice([None, "Data"])) for _ in range(300)]
    cases = [
        {"data": data, "output": output, "query": query, "timestamp_format": "wire", "width": width}
        for data, query in responses
        for output in OUTPUTS
        for width in ((80, 30, 160) if output == "table" else (80,))
    ]
    assert_like_v2(cases)


# --- json and text against AWS CLI v1's formatters (pip's awscli: on every machine) ------


def v1_prints(data: Any, output: str, query: str | None) -> str:
    """What AWS CLI v1's own formatter writes for this response (v2's json and text agree)."""
    args = argparse.Namespace(query=jmespath.compile(query) if query else None)
    formatter = JSONFormatter(args) if output == "json" else TextFormatter(args)
    stream = io.StringIO()
    formatter("get-authorization-token", copy.deepcopy(data), stream)
    return stream.getvalue()


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("output", ["json", "text"])
def test_json_and_text_match_aws_cli_v1(output: str, query: str | None) -> None:
    assert formatted(ECR_TWO, output, query) == v1_prints(ECR_TWO, output, query)


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
)


def homogeneous(items: list[Any]) -> bool:
    """Lists in API responses hold all objects or no objects (the AWS CLI relies on it)."""
    dicts = [isinstance(item, dict) for item in items]
    return all(dicts) or not any(dicts)


json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4).filter(homogeneous),
        st.dictionaries(st.text(max_size=6), inner, max_size=4),
    ),
    max_leaves=20,
)


@examples(max_examples=300, deadline=None)
@given(data=st.dictionaries(st.text(max_size=6), json_values, max_size=4))
def test_any_response_renders_like_aws_cli_v1(data: dict[str, Any]) -> None:
    for output in ("json", "text"):
        assert formatted(data, output) == v1_prints(data, output, None)
