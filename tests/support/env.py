"""The isolated environment every test runs ecrlogin in, and the fake AWS identity."""

from __future__ import annotations

import base64
import os
from pathlib import Path

ACCOUNT = "123456789012"  # moto's default account
MOTO_PASSWORD = f"{ACCOUNT}-auth-token"
SECRET_ACCESS_KEY = "tEsT+SeCrEt/AccessKey0123456789abcdefSECRET"
ACCESS_KEY_ID = "AKIATESTTESTTEST1234"


def isolated_env(home: Path) -> dict[str, str]:
    """This process's environment with HOME, the AWS config files and the XDG directories in
    `home`, static test credentials in us-east-1, and no AWS_, ECRLOGIN_, XDG_, DOCKER_, CI or
    GITHUB_ settings of the developer's machine (or of a runner the suite runs in): nothing
    leaks in and nothing leaks out."""
    home.mkdir(parents=True, exist_ok=True)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "ECRLOGIN_", "XDG_", "DOCKER_", "REGISTRY_AUTH", "GITHUB_"))
        and key != "CI"
    }
    env.update(
        {
            "HOME": str(home),
            "USERPROFILE": str(home),  # Windows' home, where botocore and docker look
            "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": str(home / "aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(home / "aws-credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "XDG_RUNTIME_DIR": str(home / "run"),
            "NO_COLOR": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    return env


def basic_token(username: str, password: str) -> str:
    """The base64 token ECR returns for these credentials."""
    return base64.b64encode(f"{username}:{password}".encode()).decode()


SESSION_TOKEN = "IQoJb3JpZ2luX2VjEXAMPLE+SessionToken/0123456789abcdefSESSION=="


def fault_env_for(home: Path) -> dict[str, str]:
    """isolated_env in `home`, plus a session token, two attempts per call and no endpoint.

    Each fault test names its own endpoint, so nothing reaches moto by accident.
    """
    return {
        **isolated_env(home),
        "AWS_SESSION_TOKEN": SESSION_TOKEN,
        # Bounded retries: a failing endpoint sees exactly two calls.
        "AWS_MAX_ATTEMPTS": "2",
    }
