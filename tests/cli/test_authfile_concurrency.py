"""30 `login --write-config` processes into one file at once: every entry survives."""

from __future__ import annotations

import base64
import json
import stat
import subprocess
from pathlib import Path

from tests.support.env import MOTO_PASSWORD
from tests.support.tools import BIN

RUNS = 30


def test_thirty_concurrent_logins_keep_all_thirty_entries(
    aws_env: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "shared" / "config.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"psFormat": "keep me", "auths": {"other.example": {}}}))
    path.chmod(0o600)  # kept through every rewrite
    hosts = [f"{100000000000 + n}.dkr.ecr.us-east-1.amazonaws.com" for n in range(RUNS)]
    procs = [
        subprocess.Popen(
            [str(BIN / "ecrlogin"), "login", "--write-config", "--config-file", str(path), host],
            env=aws_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for host in hosts
    ]
    outcomes = [(proc.communicate(timeout=240), proc.returncode) for proc in procs]
    assert [code for _, code in outcomes] == [0] * RUNS, [err for (_, err), _ in outcomes]
    data = json.loads(path.read_text())
    assert data["psFormat"] == "keep me"
    assert data["auths"].pop("other.example") == {}
    auth = base64.b64encode(f"AWS:{MOTO_PASSWORD}".encode()).decode()
    assert data["auths"] == {host: {"auth": auth} for host in hosts}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # Only the file and its lock: no temp file left behind by any writer.
    assert sorted(p.name for p in path.parent.iterdir()) == ["config.json", "config.json.lock"]
