"""What the AWS CLI v2 prints for responses: run by the Python that runs `/usr/bin/aws`.

Reads a JSON list of cases from stdin, each {"output", "query", "timestamp_format",
"width"} and either "service" and "body" (the wire JSON of a GetAuthorizationToken
answer, parsed here by v2's own botocore parser with its timestamp setting) or
"data" (an already parsed response); formats each with v2's own formatter and
writes a JSON list of {"stdout": text, "failed": bool}. Nothing of ecrlogin's is
imported here: this file runs on Debian's Python, beside v2's modules.
"""

import argparse
import io
import json
import sys
from typing import Any

import awscli  # Debian's awscli makes its bundled botocore importable
import awscli.table
import botocore.parsers
import botocore.session
import jmespath
from awscli.customizations.timestampformat import identity, iso_format
from awscli.formatter import get_formatter

PARSERS = {"iso8601": iso_format, "wire": identity}


def parse(case: dict[str, Any], session: Any) -> Any:
    """The response as v2's parser gives it to the formatter."""
    if "data" in case:
        return case["data"]
    model = session.get_service_model(case["service"])
    shape = model.operation_model("GetAuthorizationToken").output_shape
    parser = botocore.parsers.create_parser(model.metadata["protocol"])
    parser = type(parser)(timestamp_parser=PARSERS[case["timestamp_format"]])
    response = {"body": case["body"].encode(), "headers": {}, "status_code": 200}
    parsed = parser.parse(response, shape)
    parsed.pop("ResponseMetadata", None)
    return parsed


def run(case: dict[str, Any], session: Any) -> dict[str, Any]:
    """What v2 prints for one case, and whether its formatter failed (v2 exits 255)."""
    parsed = parse(case, session)
    query = jmespath.compile(case["query"]) if case["query"] is not None else None
    args = argparse.Namespace(query=query, color="off")
    awscli.table.determine_terminal_width = lambda default_width=80: case["width"]
    formatter = get_formatter(case["output"], args)
    stream = io.StringIO()
    try:
        formatter("GetAuthorizationToken", parsed, stream)
    except Exception:  # noqa: BLE001 - v2 exits 255 on whatever its formatter raises
        return {"stdout": stream.getvalue(), "failed": True}
    return {"stdout": stream.getvalue(), "failed": False}


def main() -> None:
    session = botocore.session.get_session()
    cases = json.load(sys.stdin)
    json.dump([run(case, session) for case in cases], sys.stdout)


if __name__ == "__main__":
    main()
