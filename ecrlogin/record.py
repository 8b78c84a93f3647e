"""Frozen value records for the modules on the credential helper's cache-hit path.

`dataclasses` imports `inspect` and costs more to import than the helper's whole
cache-hit answer may take, so the few value types that path touches (registry,
config, cache entry) derive from this small base instead.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing itself is too costly to import on this path
if TYPE_CHECKING:
    from typing import NoReturn


class Record:
    """A value object: fields are its `__slots__`; equal by value, immutable, readable repr."""

    __slots__: tuple[str, ...] = ()

    def _set(self, **values: object) -> None:
        """Assign the fields once, from `__init__`."""
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash((type(self).__name__, *self._values()))

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({fields})"
