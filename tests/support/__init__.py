"""Support code shared by the tests and the benchmarks: servers, environments, runners.

Fixtures live in tests/conftest.py; what they (and benchmarks/) build on lives here,
importable without pytest.
"""
