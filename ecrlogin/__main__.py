"""`python -m ecrlogin` and the `ecrlogin` console script."""

from __future__ import annotations


def main() -> None:
    """Run the command line (imported lazily so `--help` pays only for what it uses)."""
    try:
        from ecrlogin.cli import main as cli_main
    except KeyboardInterrupt:
        # Ctrl-C while the program is still loading: the line and code it gives later.
        import sys

        sys.stderr.write("ecrlogin: error: Interrupted\n")
        raise SystemExit(130) from None
    cli_main()


if __name__ == "__main__":
    main()
