"""Unit tests: the core called with plain arguments, no network but loopback stubs."""
