"""Helpers for the Kubernetes tests: kubectl run offline, as the reference and as a parser.

No cluster is available, so every call is one kubectl makes without a server
(KUBECONFIG=/dev/null): `create secret ... --dry-run=client`, and the `--local`
forms of `label`, `patch` and `set`, which parse the manifests kubectl would send.
"""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path
from typing import Any

from tests.support.tools import require_tool


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


def decoded_config(secret: dict[str, Any]) -> bytes:
    """The raw bytes of a Secret's `.dockerconfigjson`."""
    return base64.b64decode(secret["data"][".dockerconfigjson"], validate=True)


GUIDE = Path(__file__).resolve().parents[2] / "docs" / "kubernetes.md"


def guide_section(title: str) -> str:
    """The Kubernetes guide's text from the heading `title` to the next heading of the same
    level."""
    text = GUIDE.read_text()
    level = title[: title.index(" ") + 1]
    start = text.index(f"\n{title}\n")
    end = text.find(f"\n{level}", start + len(title) + 2)
    return text[start : end if end != -1 else None]


def guide_commands(section: str) -> list[str]:
    """The `$ ` command lines of a section of the Kubernetes guide, continuation lines joined."""
    body = guide_section(section)
    commands: list[str] = []
    current: str | None = None
    for line in body.splitlines():
        if current is not None:
            current += " " + line.strip()
        elif line.startswith("$ "):
            current = line[2:]
        else:
            continue
        if current.endswith("\\"):
            current = current[:-1]
        else:
            commands.append(" ".join(current.split()))
            current = None
    return commands
