"""CLI tests: the installed programs against moto or the stub endpoint."""
