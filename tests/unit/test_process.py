"""The one runner of other programs: what it keeps of their output, and their process group."""

from __future__ import annotations

import sys

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecrlogin import process

PRINT = "import sys; sys.stdout.buffer.write(b'o' * {out}); sys.stderr.buffer.write(b'e' * {err})"


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    out=st.integers(min_value=0, max_value=3000),
    err=st.integers(min_value=0, max_value=3000),
    limit=st.integers(min_value=1, max_value=2048),
)
def test_each_stream_is_kept_up_to_the_limit_and_said_cut_beyond_it(
    out: int, err: int, limit: int
) -> None:
    done = process.run(
        [sys.executable, "-c", PRINT.format(out=out, err=err)], timeout=30, limit=limit
    )
    assert done.returncode == 0
    assert done.stdout == b"o" * min(out, limit)
    assert done.stderr == b"e" * min(err, limit)
    assert done.cut == tuple(
        name for name, size in (("stdout", out), ("stderr", err)) if size > limit
    )


def test_input_larger_than_a_pipe_is_fed_while_output_is_read() -> None:
    data = b"i" * (3 << 20)  # more than a pipe holds: feeding and reading must overlap
    done = process.run(
        [sys.executable, "-c", "import sys; sys.stdout.buffer.write(sys.stdin.buffer.read())"],
        input=data,
        timeout=30,
    )
    assert done.stdout == data[: process.OUTPUT_LIMIT]
    assert done.cut == ("stdout",)


def test_the_program_runs_as_the_leader_of_its_own_group() -> None:
    done = process.run(
        [sys.executable, "-c", "import os; print(os.getpgid(0) == os.getpid())"], timeout=30
    )
    assert done.stdout == b"True\n"
