"""Errors of the function library: a value that cannot be converted, and a user
function that cannot be registered."""

from __future__ import annotations

from crossmap.errors import CrossmapError


class ConversionError(CrossmapError, ValueError):
    """A function could not convert or compute a value.

    The message names the offending value and what was expected, e.g.
    ``'0000-00-00' is not a date in format %Y-%m-%d``. The generated transform
    applies the spec's ``on_error:`` policy to it; functions never decide that.
    """


class FunctionRegistryError(CrossmapError):
    """A user function cannot be registered: it fails to import, collides with a
    standard function, or has type hints the compiler cannot check. The message names
    the distribution and the entry point."""


class UnknownFunctionError(FunctionRegistryError, LookupError):
    """No standard or registered function has this name."""

    def __init__(self, name: str, message: str) -> None:
        self.name = name
        super().__init__(message)

    def __str__(self) -> str:
        # LookupError's default str() would repr() the message, adding quotes.
        return str(self.args[0]) if self.args else ""
