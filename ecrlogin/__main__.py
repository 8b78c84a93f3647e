"""`python -m ecrlogin` and the `ecrlogin` console script."""

from __future__ import annotations


def main() -> None:
    """Run the command line (imported lazily so `--help` pays only for what it uses)."""
    try:
        if _version_asked():
            return
        from ecrlogin.cli import main as cli_main
    except KeyboardInterrupt:
        # Ctrl-C while the program is still loading: the line and code it gives later.
        import sys

        sys.stderr.write("ecrlogin: error: Interrupted\n")
        raise SystemExit(130) from None
    cli_main()


def _version_asked() -> bool:
    """Answer `--version` (wherever it stands, read by the one table of global options)
    without loading the command-line framework; False for anything else, including a
    command line the table refuses. Every failure goes to the program's one error edge."""
    import sys

    from ecrlogin import __version__
    from ecrlogin.commands import awsargs
    from ecrlogin.errors import EcrloginError

    try:
        asked = awsargs.split(sys.argv[1:])[0].version
    except EcrloginError:
        return False
    if asked:
        from ecrlogin.commands.stdout import emit

        try:
            emit(f"ecrlogin {__version__}\n")
        except EcrloginError as exc:
            from ecrlogin.cli import fail  # the program's one error edge

            raise SystemExit(fail(exc)) from None
    return asked


if __name__ == "__main__":
    main()
