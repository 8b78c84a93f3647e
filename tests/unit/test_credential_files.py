"""Issue #15, third review: the token cache's key must see every file botocore takes an
identity from, or one identity's token is served to another (docs/helper.md: "one
identity's token is never served to another")."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ecrlogin import identity
from ecrlogin.options import ClientOptions

REGISTRY = ("123456789012",)


def _key(environ: dict[str, str]) -> str:
    return identity.cache_key(
        ClientOptions(region="us-east-1"), REGISTRY, public=False, environ=environ
    )


@pytest.mark.parametrize(
    ("variable", "first", "second"),
    [
        (
            "BOTO_CONFIG",
            "[Credentials]\naws_access_key_id = AKIAFIRSTIDENTITY001\naws_secret_access_key = a\n",
            "[Credentials]\naws_access_key_id = AKIASECONDIDENTITY01\naws_secret_access_key = b\n",
        ),
        (
            "AWS_CREDENTIAL_FILE",
            "AWSAccessKeyId=AKIAFIRSTIDENTITY001\nAWSSecretKey=a\n",
            "AWSAccessKeyId=AKIASECONDIDENTITY01\nAWSSecretKey=b\n",
        ),
        (
            # botocore expands $VARIABLES in the path (configloader.raw_config_parse)
            "AWS_SHARED_CREDENTIALS_FILE",
            "[default]\naws_access_key_id = AKIAFIRSTIDENTITY001\naws_secret_access_key = a\n",
            "[default]\naws_access_key_id = AKIASECONDIDENTITY01\naws_secret_access_key = b\n",
        ),
    ],
    ids=["BOTO_CONFIG", "AWS_CREDENTIAL_FILE", "$VAR-in-AWS_SHARED_CREDENTIALS_FILE"],
)
def test_two_identities_from_a_credentials_file_botocore_reads_get_two_keys(
    tmp_path: Path, variable: str, first: str, second: str
) -> None:
    credentials = tmp_path / "credentials"
    environ = {
        "HOME": str(tmp_path),
        "PATH": os.environ.get("PATH", ""),
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "ATTACK15_DIR": str(tmp_path),
    }
    environ[variable] = (
        "$ATTACK15_DIR/credentials" if variable.startswith("AWS_SHARED") else str(credentials)
    )
    credentials.write_text(first)
    credentials.chmod(0o600)
    before = _key(environ)
    credentials.write_text(second)  # botocore now signs as another identity
    assert _key(environ) != before
