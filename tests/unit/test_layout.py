"""The code's layout map in docs/development.md stays true: every module, and only modules."""

from __future__ import annotations

import re
from pathlib import Path

import ecrlogin

PACKAGE = Path(ecrlogin.__file__).parent
MAP = PACKAGE.parent / "docs" / "development.md"
ROW = re.compile(r"^\| `(ecrlogin/[\w/]+\.py)` \| (.+) \|$")


def mapped() -> dict[str, str]:
    """Each module the map names, with its one job."""
    rows = [ROW.match(line) for line in MAP.read_text(encoding="utf-8").splitlines()]
    return {row[1]: row[2] for row in rows if row}


def test_the_map_names_every_module_and_only_modules_that_exist() -> None:
    modules = {path.relative_to(PACKAGE.parent).as_posix() for path in PACKAGE.rglob("*.py")}
    assert sorted(mapped()) == sorted(modules)


def test_the_readme_leads_to_the_map() -> None:
    readme = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    assert "(docs/development.md)" in readme
