"""Command lines a second review found answered differently from AWS CLI v2 (`/usr/bin/aws`).

Both programs run for real against the suite's moto server, each given `--endpoint-url`
(AWS CLI 2.9 ignores AWS_ENDPOINT_URL).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.env import ACCOUNT
from tests.support.tools import assert_both_print

pytestmark = pytest.mark.compat
PASSWORD = f"{ACCOUNT}-auth-token\n".encode()


# `--profile "$PROFILE"` with PROFILE empty: both AWS CLIs take an empty --profile as no
# --profile at all (they set the profile only when the value is non-empty), so the line
# succeeds with the environment's credentials.
@pytest.mark.parametrize(
    "argv",
    [
        ["ecr", "get-login-password", "--profile", ""],
        ["ecr", "get-login-password", "--profile="],
        ["--profile", "", "ecr", "get-login-password"],
    ],
    ids=["spaced", "equals", "before"],
)
def test_an_empty_profile_option_is_no_profile(
    aws_env: dict[str, str], moto_url: str, v2: Path, argv: list[str]
) -> None:
    assert_both_print(v2, argv, aws_env, moto_url, PASSWORD)


def test_an_abbreviated_ca_bundle_works_as_in_aws_cli_v2(
    aws_env: dict[str, str], moto_url: str, v2: Path
) -> None:
    # argparse resolves `--ca` to --ca-bundle, the only AWS CLI option it abbreviates.
    argv = ["ecr", "get-login-password", "--ca", "/etc/ssl/certs/ca-certificates.crt"]
    assert_both_print(v2, argv, aws_env, moto_url, PASSWORD)
