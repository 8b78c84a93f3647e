"""The token core and the client seam, called with plain arguments.

The core runs in-process against botocore's Stubber (see tests/support/stubbed.py
for why a stub): it checks the exact request parameters and the response shape.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ecrlogin import awsclient, core, logs
from ecrlogin.errors import PARAMETER, ConfigurationError, ParameterError, ResponseError
from ecrlogin.options import ClientOptions
from tests.support.stubbed import (
    FUTURE,
    StubbedAws,
    ecr_entry,
    install,
    isolate_aws,
    public_data,
)


@pytest.fixture
def stubbed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> StubbedAws:
    return install(monkeypatch, tmp_path)


def test_no_registry_ids_sends_no_registry_ids(stubbed: StubbedAws) -> None:
    stubbed.expect(
        "ecr", {"authorizationData": [ecr_entry("123456789012", "own:pass")]}, expected_params={}
    )
    [token] = core.fetch(ClientOptions(region="eu-west-1")).tokens
    assert (token.username, token.password) == ("AWS", "own:pass")
    assert token.expires_at == FUTURE
    assert stubbed.regions == [("ecr", "eu-west-1")]
    stubbed.verify()


def test_registry_ids_are_sent_as_given_and_every_registry_comes_back(
    stubbed: StubbedAws,
) -> None:
    ids = ["111111111111", "222222222222"]
    stubbed.expect(
        "ecr",
        {"authorizationData": [ecr_entry(i, f"pw-{i}") for i in ids]},
        expected_params={"registryIds": ids},
    )
    tokens = core.fetch(ClientOptions(region="us-east-1"), ids).tokens
    assert [t.proxy_endpoint for t in tokens] == [
        f"https://{i}.dkr.ecr.us-east-1.amazonaws.com" for i in ids
    ]
    assert [t.password for t in tokens] == ["pw-111111111111", "pw-222222222222"]
    stubbed.verify()


@pytest.mark.parametrize(
    "bad", ["12345", "1234567890123", "12345678901a", "", " 123456789012", "123456789012\n"]
)
def test_bad_registry_id_is_a_parameter_error_before_any_request(
    stubbed: StubbedAws, bad: str
) -> None:
    with pytest.raises(ParameterError) as caught:
        core.fetch(ClientOptions(region="us-east-1"), ["123456789012", bad])
    assert caught.value.exit_code == PARAMETER
    assert repr(bad) in caught.value.message
    assert "12-digit" in caught.value.message
    assert stubbed.regions == []  # no client was even built


def test_the_answer_holds_the_response_without_metadata(
    stubbed: StubbedAws,
) -> None:
    stubbed.expect("ecr", {"authorizationData": [ecr_entry("123456789012", "x")]}, {})
    response = core.fetch(ClientOptions(region="us-east-1")).response
    assert set(response) == {"authorizationData"}


def test_empty_authorization_data_is_a_response_error(stubbed: StubbedAws) -> None:
    stubbed.expect("ecr", {"authorizationData": []}, {})
    with pytest.raises(ResponseError, match="holds no authorizationData"):
        core.fetch(ClientOptions(region="us-east-1"))


def test_fetched_secrets_are_redacted_from_logs(stubbed: StubbedAws) -> None:
    password = "fetched-secret-password-value"
    stubbed.expect("ecr", {"authorizationData": [ecr_entry("123456789012", password)]}, {})
    [token] = core.fetch(ClientOptions(region="us-east-1")).tokens
    line = logs.redact(f"token={token.token} password {password}")
    assert password not in line
    assert token.token not in line


def test_ecr_public_defaults_to_us_east_1_whatever_the_environment_says(
    stubbed: StubbedAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    stubbed.expect("ecr-public", {"authorizationData": public_data("public-pw")}, {})
    [token] = core.fetch(ClientOptions(), public=True).tokens
    assert (token.password, token.proxy_endpoint) == ("public-pw", "https://public.ecr.aws")
    assert stubbed.regions == [("ecr-public", "us-east-1")]


def test_ecr_public_honours_an_explicit_region(stubbed: StubbedAws) -> None:
    stubbed.expect("ecr-public", {"authorizationData": public_data("pw")}, {})
    core.fetch(ClientOptions(region="us-west-2"), public=True)
    assert stubbed.regions == [("ecr-public", "us-west-2")]


def test_ecr_public_takes_no_registry_ids(stubbed: StubbedAws) -> None:
    with pytest.raises(ParameterError, match="ECR Public has no registry IDs"):
        core.fetch(ClientOptions(), ["123456789012"], public=True)


def test_client_uses_standard_retries_unless_configured(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    isolate_aws(monkeypatch, tmp_path)
    client = awsclient.create_client("ecr", ClientOptions(region="us-east-1"))
    assert client.meta.config.retries["mode"] == "standard"
    (tmp_path / "aws-config").write_text("[default]\nretry_mode = adaptive\n")
    client = awsclient.create_client("ecr", ClientOptions(region="us-east-1"))
    assert client.meta.config.retries["mode"] == "adaptive"


def test_client_options_reach_botocore(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate_aws(monkeypatch, tmp_path)
    options = ClientOptions(
        region="ap-south-1",
        endpoint_url="http://127.0.0.1:9",
        read_timeout=0,
        connect_timeout=7,
    )
    client = awsclient.create_client("ecr", options)
    assert client.meta.region_name == "ap-south-1"
    assert client.meta.endpoint_url == "http://127.0.0.1:9"
    assert client.meta.config.read_timeout is None  # 0 means "wait forever", as in the AWS CLI
    assert client.meta.config.connect_timeout == 7


def test_unknown_timestamp_format_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    isolate_aws(monkeypatch, tmp_path)
    (tmp_path / "aws-config").write_text("[default]\ncli_timestamp_format = epoch\n")
    with pytest.raises(ConfigurationError, match="cli_timestamp_format 'epoch'"):
        awsclient.create_client("ecr", ClientOptions(region="us-east-1"))
