"""The signals ecrlogin turns into one line and an exit code: SIGINT, SIGTERM, SIGHUP, SIGQUIT.

Apart from the error hierarchy (ecrlogin.errors, which re-exports these) because
the two protocol programs install the handlers on every call, a cache hit
included, where importing the whole hierarchy would cost a millisecond.
"""

from __future__ import annotations

INTERRUPTED = 130
TERMINATED = 143
HUNG_UP = 129
QUIT = 131


class Signalled(BaseException):
    """Raised by our SIGINT/SIGTERM/SIGHUP/SIGQUIT handlers, carrying the exit code of the signal.

    A BaseException, so no library's `except Exception` (botocore's, logging's)
    swallows it mid-fetch, and not a KeyboardInterrupt, so Typer cannot turn a
    SIGTERM into its own silent exit 130.
    """

    def __init__(self, exit_code: int = INTERRUPTED) -> None:
        self.exit_code = exit_code
        super().__init__(exit_code)


# What each signal we handle exits with (128 + its number, as a shell reports it) and
# says. SIGHUP: the terminal or the session that ran us went away. SIGQUIT: Ctrl-\ at
# a terminal, whose default (a core dump) would leave a fallback store running.
_SIGNALS = {"SIGINT": INTERRUPTED, "SIGTERM": TERMINATED, "SIGHUP": HUNG_UP, "SIGQUIT": QUIT}
WORDS = {INTERRUPTED: "Interrupted", TERMINATED: "Terminated", HUNG_UP: "Hangup", QUIT: "Quit"}


def handle_signals() -> None:
    """Make SIGINT exit 130, SIGTERM 143, SIGHUP 129 and SIGQUIT 131 through the error edge."""
    # `_signal` (loaded with the interpreter), not `signal`: that one imports `enum`,
    # milliseconds on every credential-helper cache hit; signal() and the numbers are
    # the same.
    import _signal  # type: ignore[import-not-found]  # typeshed has no stub for it

    codes = {
        getattr(_signal, name): code
        for name, code in _SIGNALS.items()
        if hasattr(_signal, name)  # Windows has no SIGHUP or SIGQUIT
    }

    def interrupt(signum: int, frame: object) -> None:
        # The first signal decides: the rest are ignored while the edge unwinds (a
        # fallback store's group ended, its line written), or a second one (systemd's
        # SIGHUP right after SIGTERM) would raise again mid-cleanup, into a traceback.
        for handled in codes:
            _signal.signal(handled, _signal.SIG_IGN)
        raise Signalled(codes.get(signum, INTERRUPTED))

    for signum in codes:
        try:
            _signal.signal(signum, interrupt)
        except ValueError:  # not the main thread (a test calling a program's run()):
            return  # that thread's caller keeps its own handlers
