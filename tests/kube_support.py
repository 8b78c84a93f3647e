"""Helpers for the Kubernetes tests: kubectl run offline, as the reference and as a parser.

No cluster is available, so every call is one kubectl makes without a server
(KUBECONFIG=/dev/null): `create secret ... --dry-run=client`, and the `--local`
forms of `label`, `patch` and `set`, which parse the manifests kubectl would send.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from tests.conftest import require_tool


def kubectl(args: list[str], home: Path, stdin: bytes | None = None) -> bytes:
    """kubectl's stdout for `args`, run with no cluster; fails the test on a non-zero exit."""
    done = subprocess.run(
        [require_tool("kubectl"), *args],
        input=stdin,
        env={"KUBECONFIG": "/dev/null", "HOME": str(home), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def kubectl_objects(args: list[str], home: Path, stdin: bytes | None = None) -> list[Any]:
    """The objects an offline `kubectl ... -o json` printed (one JSON document each)."""
    text = kubectl([*args, "-o", "json"], home, stdin).decode()
    return [json.loads(part) for part in text.replace("}\n{", "}\0{").split("\0")]
