"""The code's shape: imports run one way, and the core stays free of the command line.

Read from the source with `ast`, so an import inside a function counts as much
as one at the top (only `if TYPE_CHECKING:` blocks, which never run, are left out).
"""

from __future__ import annotations

import ast
from pathlib import Path

import ecrlogin

PACKAGE = Path(ecrlogin.__file__).parent
# The entry points and the command layer: everything else is the core and its leaves.
OUTER = {
    "ecrlogin.__main__",
    "ecrlogin.cli",
    "ecrlogin.helper",
    "ecrlogin.provider",
    "ecrlogin.protocol",  # the two protocol programs' one edge: it writes their lines
    "ecrlogin.ui",
}
PRESENTATION = ("ecrlogin.ui", "typer", "rich", "click")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    return isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def imports(name: str) -> set[str]:
    """Every module `name` imports when it runs (ours by full name, others by top name)."""
    tree = ast.parse(MODULES[name].read_text())
    package = name if MODULES[name].name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    pending: list[ast.AST] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            pending.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    [*package.split(".")[: len(package.split(".")) - node.level + 1], base]
                )
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.add(submodule if submodule in MODULES else base)
        pending.extend(ast.iter_child_nodes(node))
    return {
        module if module.startswith("ecrlogin") else module.partition(".")[0]
        for module in found
        if module
    }


GRAPH = {name: {m for m in imports(name) if m in MODULES and m != name} for name in MODULES}


def cycle() -> list[str] | None:
    """One import cycle among our modules, or None."""
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(name: str) -> list[str] | None:
        state[name] = "open"
        path.append(name)
        for other in sorted(GRAPH[name]):
            if state.get(other) == "open":
                return [*path[path.index(other) :], other]
            if other not in state and (found := visit(other)) is not None:
                return found
        state[name] = "done"
        path.pop()
        return None

    for name in sorted(GRAPH):
        if name not in state and (found := visit(name)) is not None:
            return found
    return None


def test_the_graph_sees_imports_at_the_top_and_inside_functions() -> None:
    assert "ecrlogin.commands.awsargs" in GRAPH["ecrlogin.cli"]  # at the top
    assert "ecrlogin.core" in GRAPH["ecrlogin.credentials"]  # inside fetch_token
    assert "ecrlogin.core" not in GRAPH["ecrlogin.login"]  # only under TYPE_CHECKING


def test_there_is_no_import_cycle() -> None:
    assert cycle() is None, " -> ".join(cycle() or [])


def test_the_core_imports_neither_the_ui_nor_typer_nor_rich() -> None:
    core = [
        name for name in MODULES if name not in OUTER and not name.startswith("ecrlogin.commands")
    ]
    assert {"ecrlogin.core", "ecrlogin.render", "ecrlogin.login"} <= set(core)
    offending = {
        name: sorted(m for m in imports(name) if m.startswith(PRESENTATION)) for name in core
    }
    assert {name: found for name, found in offending.items() if found} == {}


def test_only_the_entry_point_imports_the_module_that_builds_the_app() -> None:
    importers = sorted(name for name, uses in GRAPH.items() if "ecrlogin.cli" in uses)
    assert importers == ["ecrlogin.__main__"]


def test_the_core_does_not_import_the_command_layer() -> None:
    outer = {"ecrlogin.cli", "ecrlogin.__main__"} | {
        name for name in MODULES if name.startswith("ecrlogin.commands")
    }
    for name, uses in GRAPH.items():
        if name not in outer:
            assert not uses & outer, (name, uses & outer)


def reachable(name: str) -> set[str]:
    """Every module of ours that importing `name` can load, itself included."""
    seen, pending = set(), [name]
    while pending:
        current = pending.pop()
        if current not in seen:
            seen.add(current)
            pending.extend(GRAPH.get(current, set()))
    return seen


def test_targets_and_pull_secret_touch_no_file_of_a_client() -> None:
    # Grouping targets is shared by login, logout and pull-secret; editing client files,
    # running clients and locking them belong to login alone.
    for name in ("ecrlogin.targets", "ecrlogin.pullsecret", "ecrlogin.commands.pullsecret"):
        assert not reachable(name) & {"ecrlogin.login", "ecrlogin.authfile", "ecrlogin.clients"}
        assert "filelock" not in reachable(name)


def _strings(name: str) -> set[str]:
    return {
        node.value
        for node in ast.walk(ast.parse(MODULES[name].read_text()))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


def test_one_module_talks_to_the_github_actions_runner() -> None:
    # A workflow command, the outputs file and the variable that says a runner is there:
    # one owner...
    def talks(strings: set[str]) -> bool:
        return bool({"GITHUB_ACTIONS", "GITHUB_OUTPUT"} & strings) or any(
            text.startswith("::add-mask::") for text in strings
        )

    owners = sorted(name for name in MODULES if talks(_strings(name)))
    assert owners == ["ecrlogin.github_actions"]
    # ...which only the command layer calls: the core never talks to the runner.
    importers = sorted(name for name, uses in GRAPH.items() if "ecrlogin.github_actions" in uses)
    assert importers
    assert all(name.startswith("ecrlogin.commands") for name in importers), importers
