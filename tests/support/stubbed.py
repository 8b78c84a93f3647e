"""Run the token core in-process against botocore's Stubber.

moto has no ECR Public and always answers with an expired 2015 token, so the
tests that need either use a real botocore client (built by our own
`create_client` seam, so regions and options are ours) with a `Stubber`
attached: botocore checks the exact request parameters and validates the
response against the service model, and nothing goes on the network.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber

from ecrlogin import awsclient, core
from ecrlogin.options import ClientOptions
from tests.support.env import ACCESS_KEY_ID, SECRET_ACCESS_KEY

FUTURE = datetime(2030, 1, 1, tzinfo=timezone.utc)


def isolate_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Point this process's AWS settings at empty files in tmp_path and static test keys."""
    import os

    for key in list(os.environ):
        if key.startswith("AWS_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def ecr_entry(account: str, password: str, region: str = "us-east-1") -> dict[str, Any]:
    """One ECR `authorizationData` entry as botocore hands it over (expiresAt a datetime)."""
    return {
        "authorizationToken": base64.b64encode(f"AWS:{password}".encode()).decode(),
        "expiresAt": FUTURE,
        "proxyEndpoint": f"https://{account}.dkr.ecr.{region}.amazonaws.com",
    }


def public_data(password: str) -> dict[str, Any]:
    """ECR Public's `authorizationData`: one object, no proxy endpoint."""
    return {
        "authorizationToken": base64.b64encode(f"AWS:{password}".encode()).decode(),
        "expiresAt": FUTURE,
    }


@dataclass
class StubbedAws:
    """Replaces `core.create_client` with our real one plus a Stubber per client."""

    responses: list[tuple[str, dict[str, Any], dict[str, Any]]] = field(default_factory=list)
    regions: list[tuple[str, str]] = field(default_factory=list)
    stubbers: list[Stubber] = field(default_factory=list)

    def expect(
        self, service: str, response: dict[str, Any], expected_params: dict[str, Any]
    ) -> None:
        """The next client for `service` answers `response` to exactly `expected_params`."""
        self.responses.append((service, response, expected_params))

    def create_client(
        self,
        service: str,
        options: ClientOptions,
        *,
        on_secret: Callable[[str], None] | None = None,
    ) -> Any:
        client = awsclient.create_client(service, options, on_secret=on_secret)
        expected_service, response, params = self.responses.pop(0)
        assert service == expected_service
        self.regions.append((service, client.meta.region_name))
        stubber = Stubber(client)
        stubber.add_response("get_authorization_token", response, params)
        stubber.activate()
        self.stubbers.append(stubber)
        return client

    def verify(self) -> None:
        """Every expected call was made."""
        assert not self.responses
        for stubber in self.stubbers:
            stubber.assert_no_pending_responses()


def install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> StubbedAws:
    """Isolate the AWS environment and route the core's clients through a StubbedAws."""
    isolate_aws(monkeypatch, tmp_path)
    stub = StubbedAws()
    monkeypatch.setattr(core, "create_client", stub.create_client)
    return stub
