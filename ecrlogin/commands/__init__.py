"""The command layer: one module per command group, each parsing its arguments and calling
the core; `ecrlogin.cli` registers every command by name."""
