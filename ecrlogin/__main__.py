"""`python -m ecrlogin` and the `ecrlogin` console script: the program's one error edge.

The global options are read here, once (awsargs.split), so `--version` and a
`get-login-password --cache` hit are answered without loading the command-line
framework (ecrlogin.commands.early); everything else goes to ecrlogin.cli with
the options already parsed.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    """Run `ecrlogin ARGV` (default: this process's arguments) and exit with its code.

    Every failure, wherever it happens, becomes one stderr line and its exit code
    here, through ecrlogin.cli.fail.
    """
    from ecrlogin import errors, files
    from ecrlogin.commands import awsargs, early

    # SIGINT (130), SIGTERM (143), SIGHUP (129) and SIGQUIT (131) raise errors.Signalled
    # wherever we are.
    errors.handle_signals()
    files.reserve_standard_streams()
    status = 0
    try:
        opts, rest = awsargs.split(list(sys.argv[1:] if argv is None else argv))
        if not early.answer(opts, rest):
            from ecrlogin import cli

            status = cli.main(opts, rest)
    except SystemExit:
        raise
    except BaseException as exc:  # noqa: BLE001 - the edge: every failure, one line
        status = _fail(exc)
    sys.exit(status)


def _fail(exc: BaseException) -> int:
    """cli.fail's line and code for `exc`; Ctrl-C while that module loads is the same line."""
    try:
        from ecrlogin.cli import fail
    except KeyboardInterrupt:
        sys.stderr.write("ecrlogin: error: Interrupted\n")
        return 130
    return fail(exc)


if __name__ == "__main__":
    main()
