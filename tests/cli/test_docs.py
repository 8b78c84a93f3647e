"""Every `console` block of README.md and docs/*.md runs here, or says why it cannot.

A block runs in one bash against the suite's moto server (`AWS_ENDPOINT_URL`,
which ecrlogin reads), in the isolated home of `aws_env` (its working directory
too), so the docs cannot
drift from the program: each `$ ` command must exit 0, and the lines a block
shows after a command must be what it prints (stdout and stderr together, as a
terminal shows them). In a shown line `...` stands for any text (a password cut
short), and a date, a time or a duration stands for any other: moto's tokens
carry an expiry from the past, the docs show a real one. A block that cannot
run here (real AWS, a cluster, root, PyPI) has `<!-- not-run: REASON -->` on
the line before it.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
MARKER = re.compile(r"<!-- not-run: (?P<reason>.*?) -->")
HOME = "/home/me"  # the reader's home in the docs' output
# A date, a time or a duration in the docs stands for any other of its form:
# (what the docs show, what it matches).
DATE = r"\d{4}-\d\d-\d\d([T ]\d\d:\d\d(:\d\d)?)?"
HOURS = r"\d+ ?h \d+ ?m"  # 11h 59m, 11 h 59 m
VARIABLE = [
    (re.compile(DATE), DATE),
    (re.compile(HOURS), HOURS),
    (re.compile(r"\d+h\d+m\d+s"), r"(\d+h)?(\d+m)?\d+s"),  # a Go duration: 5h59m30s, 0s
]


@dataclass(frozen=True)
class Command:
    """One `$ ` command of a block (continuation lines kept) and the lines it shows."""

    text: str
    shown: tuple[str, ...]


@dataclass(frozen=True)
class Block:
    """One console block: where it is, its not-run reason if any, its commands."""

    page: Path
    line: int
    reason: str | None
    body: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"

    def commands(self) -> list[Command]:
        commands: list[Command] = []
        text: list[str] = []
        shown: list[str] = []
        continued = False
        for line in self.body:
            if continued:
                text.append(line)
            elif line.startswith("$ "):
                if text:
                    commands.append(Command("\n".join(text), tuple(shown)))
                text, shown = [line[2:]], []
            else:
                assert text, f"{self.name}: output before any `$ ` command"
                shown.append(line)
            continued = line.endswith("\\")
        if text:
            commands.append(Command("\n".join(text), tuple(shown)))
        return commands


def console_blocks(page: Path) -> list[Block]:
    """The page's ```console blocks (indented ones too, as in a list item)."""
    lines = page.read_text().splitlines()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        stripped = lines[index].strip()
        if stripped == "```console":
            indent = lines[index][: len(lines[index]) - len(lines[index].lstrip())]
            end = index + 1
            while lines[end].strip() != "```":
                end += 1
            before = lines[index - 1].strip() if index else ""
            marker = MARKER.fullmatch(before)
            body = tuple(line.removeprefix(indent) for line in lines[index + 1 : end])
            blocks.append(Block(page, index + 1, marker["reason"] if marker else None, body))
            index = end
        index += 1
    return blocks


BLOCKS = [block for page in PAGES for block in console_blocks(page)]
RUNNABLE = [block for block in BLOCKS if block.reason is None]


def test_the_pages_have_console_blocks_and_some_run() -> None:
    assert ROOT / "README.md" in {block.page for block in BLOCKS}
    assert len(RUNNABLE) >= 5, [block.name for block in RUNNABLE]


def test_every_marker_gives_a_reason_and_sits_on_a_block() -> None:
    for page in PAGES:
        lines = page.read_text().splitlines()
        for number, line in enumerate(lines, 1):
            if not line.strip().startswith("<!-- not-run"):
                continue
            marker = MARKER.fullmatch(line.strip())
            assert marker, f"{page.name}:{number}: write it as <!-- not-run: REASON -->"
            assert len(marker["reason"].split()) >= 3, f"{page.name}:{number}: say why"
            assert lines[number].strip() == "```console", f"{page.name}:{number}: no block"


def pattern(shown: str) -> re.Pattern[str]:
    """A shown output line as a pattern: `...` any text, dates and durations any other."""
    parts = []
    for piece in re.split(r"(\.\.\.)", shown):
        if piece == "...":
            parts.append(".*")
            continue
        position = 0
        spans = sorted(
            (match.start(), match.end(), regex)
            for form, regex in VARIABLE
            for match in form.finditer(piece)
        )
        for start, end, regex in spans:
            if start < position:
                continue
            parts.append(re.escape(piece[position:start]) + regex)
            position = end
        parts.append(re.escape(piece[position:]))
    return re.compile("".join(parts))


SEPARATOR = "\x1e"


def script(commands: list[Command], bin_dir: Path) -> str:
    """One bash script running the commands in order, each one's output and status framed."""
    lines = ["trap 'kill $(jobs -p) 2>/dev/null' EXIT"]
    for number, command in enumerate(commands):
        # The docs name the checkout's venv; the suite may run from another.
        text = command.text.replace(".venv/bin/", f"{bin_dir}/")
        lines += [
            f"printf '{SEPARATOR}{number}\\n'",
            f"{{ {text}\n}} 2>&1",
            f"printf '{SEPARATOR}rc=%d\\n' $?",
        ]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("block", RUNNABLE, ids=[block.name for block in RUNNABLE])
def test_the_block_runs_as_shown(block: Block, aws_env: dict[str, str]) -> None:
    commands = block.commands()
    assert commands, f"{block.name}: no `$ ` command; mark it not-run with a reason"
    bin_dir = Path(sys.executable).parent
    env = {**aws_env, "PATH": f"{bin_dir}:{aws_env['PATH']}"}
    done = subprocess.run(
        ["bash", "-c", script(commands, bin_dir)],
        env=env,
        cwd=aws_env["HOME"],  # what a block writes lands in the test's home
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=60,
        check=False,
    )
    frames = done.stdout.split(SEPARATOR)[1:]
    assert len(frames) == 2 * len(commands), done.stdout
    for number, command in enumerate(commands):
        output = frames[2 * number].split("\n", 1)[1]
        status = frames[2 * number + 1].strip()
        assert status == "rc=0", f"{block.name}: `{command.text}` gave {status}:\n{output}"
        if not command.shown:
            continue
        printed = output.replace(aws_env["HOME"], HOME).rstrip("\n").splitlines()
        assert len(printed) == len(command.shown), f"{block.name}: `{command.text}`:\n{output}"
        for shown, line in zip(command.shown, printed, strict=True):
            assert pattern(shown).fullmatch(line), f"{block.name}: {line!r} is not {shown!r}"


def slug(heading: str) -> str:
    """A heading's anchor as GitHub and MkDocs both spell it for our headings."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_the_readme_links_into_the_docs_resolve() -> None:
    # mkdocs build --strict checks the links between the guides; the README is not part
    # of the site, so its links are checked here.
    links = re.findall(r"\]\((docs/[^)#]+)(?:#([^)]+))?\)", (ROOT / "README.md").read_text())
    assert links
    for target, anchor in links:
        page = ROOT / target
        assert page.is_file(), target
        if anchor:
            headings = re.findall(r"^#+ (.+)$", page.read_text(), re.MULTILINE)
            assert anchor in {slug(heading) for heading in headings}, f"{target}#{anchor}"
