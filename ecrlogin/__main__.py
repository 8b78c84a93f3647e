"""`python -m ecrlogin` and the `ecrlogin` console script."""

from __future__ import annotations


def main() -> None:
    """Run the command line (imported lazily so `--help` pays only for what it uses)."""
    from ecrlogin.cli import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()
