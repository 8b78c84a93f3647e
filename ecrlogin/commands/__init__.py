"""One module per command group; each registers its commands on `ecrlogin.cli.app`."""
