"""The installed console script answers against the suite's moto server."""

from __future__ import annotations

from ecrlogin import __version__
from tests.support.env import MOTO_PASSWORD
from tests.support.tools import ecrlogin


def test_get_login_password_prints_the_password_and_a_newline(aws_env: dict[str, str]) -> None:
    result = ecrlogin("get-login-password", env=aws_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{MOTO_PASSWORD}\n".encode()
    assert result.stderr == b""


def test_version(aws_env: dict[str, str]) -> None:
    result = ecrlogin("--version", env=aws_env)
    assert (result.returncode, result.stdout) == (0, f"ecrlogin {__version__}\n".encode())


def test_version_anywhere_loads_no_command_line_framework(aws_env: dict[str, str]) -> None:
    # `--version` is answered before Typer/click load (the start-up target in README Speed);
    # -X importtime lists every module the run imported, on stderr.
    result = ecrlogin(
        "get-login-password", "--version", env={**aws_env, "PYTHONPROFILEIMPORTTIME": "1"}
    )
    assert result.returncode == 0
    assert result.stdout.startswith(b"ecrlogin ")
    imported = result.stderr.decode()
    assert "ecrlogin.commands.awsargs" in imported
    assert " typer" not in imported
    assert " click" not in imported
