"""The state store's one error type."""

from __future__ import annotations

from crossmap.errors import CrossmapError


class StateError(CrossmapError):
    """The state database cannot be used: unknown run, unreadable or too new a file.

    The message names the database file (or run) and says what to do about it.
    """
