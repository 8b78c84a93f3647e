"""The one way ecrlogin runs another program: its own process group, one deadline, bounded output.

A fallback credential store (`pass` -> `gpg` -> `pinentry`) or a container
client may start children of its own. Each program runs as the leader of a new
process group (POSIX: a new session; Windows: CREATE_NEW_PROCESS_GROUP), so
that when its time is up the whole group is killed, not only the program we
started. What it prints is kept up to OUTPUT_LIMIT bytes per stream; the rest
is read and thrown away (the program is never blocked on a full pipe), and the
result says which streams were cut so the caller can say so in one line.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# What ecrlogin keeps of each stream a child prints (stdout and stderr each).
# A credential store answers in bytes or kilobytes; 1 MiB is far above any real answer.
OUTPUT_LIMIT = 1 << 20
_CHUNK = 1 << 16


@dataclass(frozen=True)
class Finished:
    """A program that ended: its exit code, what was kept of its output, which streams were cut."""

    returncode: int
    stdout: bytes
    stderr: bytes
    cut: tuple[str, ...]


def cut_warning(done: Finished, program: str, action: str, check: str) -> str | None:
    """The one warning line for output cut at OUTPUT_LIMIT (None when nothing was cut):
    `program` printed more for `action`, only the first part was kept; check `check`."""
    if not done.cut:
        return None
    return (
        f"{program} printed more than {OUTPUT_LIMIT // 1024} KiB on "
        f"{' and '.join(done.cut)} for {action}; ecrlogin kept only the first part. "
        f"Check {check}."
    )


class TimedOut(Exception):
    """The program did not end within its time; it and its process group were killed."""


_WINDOWS = os.name == "nt"
# Windows has no sessions; a new process group there is what `taskkill /T` ends as one.
_NEW_GROUP = getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0x200) if _WINDOWS else 0


def _kill_group(child: subprocess.Popen[bytes]) -> None:
    """Kill `child` and every process of its group (its own children included)."""
    killpg = getattr(os, "killpg", None)
    if killpg is not None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            killpg(child.pid, signal.SIGKILL)  # the leader's pid is its group's id
    else:  # pragma: no cover - Windows: no process groups to signal; end the tree
        subprocess.run(
            ["taskkill", "/F", "/T", "/PID", str(child.pid)], capture_output=True, check=False
        )
    with contextlib.suppress(OSError):
        child.kill()
    child.wait()  # reaped, so no zombie is left; the pipes end once the whole group is gone


class _Drain(threading.Thread):
    """Read a pipe to its end, keeping at most `limit` bytes."""

    def __init__(self, pipe: object, limit: int) -> None:
        super().__init__(daemon=True)
        self._pipe = pipe
        self._limit = limit
        self._chunks: list[bytes] = []
        self._kept = 0
        self.cut = False

    def run(self) -> None:
        read = self._pipe.read1 if hasattr(self._pipe, "read1") else self._pipe.read  # type: ignore[attr-defined]
        try:
            while chunk := read(_CHUNK):
                room = self._limit - self._kept
                if len(chunk) > room:
                    self.cut = True
                    chunk = chunk[: max(room, 0)]
                if chunk:
                    self._chunks.append(chunk)
                    self._kept += len(chunk)
        except (OSError, ValueError):  # closed under us after a kill
            pass

    def data(self) -> bytes:
        return b"".join(self._chunks)


def _feed(pipe: object, data: bytes) -> None:
    try:
        pipe.write(data)  # type: ignore[attr-defined]
    except (BrokenPipeError, OSError, ValueError):
        pass  # the program stopped reading: its answer says what it made of that
    finally:
        with contextlib.suppress(OSError):
            pipe.close()  # type: ignore[attr-defined]


def run(
    argv: Sequence[str],
    *,
    input: bytes = b"",
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
    limit: int = OUTPUT_LIMIT,
) -> Finished:
    """Run `argv` with `input` on stdin in its own process group; raise TimedOut (after
    killing the group) when it is not done within `timeout` seconds (None: no limit).
    OSError when it cannot be started."""
    child = subprocess.Popen(
        list(argv),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=dict(env) if env is not None else None,
        start_new_session=not _WINDOWS,
        creationflags=_NEW_GROUP,
    )
    deadline = None if timeout is None else time.monotonic() + timeout

    def left() -> float | None:
        return None if deadline is None else max(deadline - time.monotonic(), 0.0)

    # From here on a signal ends the group: the program may already be running (and
    # starting children) before the threads below are up.
    try:
        drains = [_Drain(child.stdout, limit), _Drain(child.stderr, limit)]
        feeder = threading.Thread(target=_feed, args=(child.stdin, input), daemon=True)
        for thread in (*drains, feeder):
            thread.start()
        child.wait(timeout=left())
        # A child the program left behind may still hold the pipes open: the same deadline.
        for drain in drains:
            drain.join(left())
        stuck = any(drain.is_alive() for drain in drains)
    except subprocess.TimeoutExpired:
        stuck = True
    except BaseException:  # a signal to ecrlogin ends the program's whole group too
        _kill_group(child)
        raise
    if stuck:
        _kill_group(child)
        raise TimedOut()
    out, err = drains
    cut = tuple(name for name, drain in (("stdout", out), ("stderr", err)) if drain.cut)
    return Finished(child.returncode, out.data(), err.data(), cut)
