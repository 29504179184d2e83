"""Errors raised by schema look-ups.

They are ``CrossmapError``s (a user's spec or data names the object) and
``LookupError``s (callers may catch them like a missing key); the message names what
was looked up, where, and the closest existing names.
"""

from __future__ import annotations

from collections.abc import Iterable

from crossmap.errors import CrossmapError
from crossmap.schema.names import suggestion


class SchemaLookupError(CrossmapError, LookupError):
    """An object or field name that a schema does not have."""

    def __str__(self) -> str:
        # LookupError's default str() would repr() the message, adding quotes.
        return str(self.args[0]) if self.args else ""


class UnknownObjectError(SchemaLookupError):
    """The schema has no object of this name."""

    def __init__(self, name: str, candidates: Iterable[str]) -> None:
        self.name = name
        super().__init__(f"unknown object {name!r}{suggestion(name, candidates)}")


class UnknownFieldError(SchemaLookupError):
    """The object has no field of this name."""

    def __init__(self, object_name: str, name: str, candidates: Iterable[str]) -> None:
        self.object_name = object_name
        self.name = name
        super().__init__(
            f"unknown field {name!r} on object {object_name!r}{suggestion(name, candidates)}"
        )
