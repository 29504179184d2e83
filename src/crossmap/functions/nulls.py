"""Functions that exist to see nulls (their parameters admit None, so the compiler
calls them with nulls instead of skipping them)."""

from __future__ import annotations


def default(value: object | None, fallback: object) -> object:
    """``value``, or ``fallback`` when it is null (the same as ``value ?? fallback``).
    Blank text is not null: combine with ``nonblank`` for that."""
    return fallback if value is None else value


def is_null(value: object | None) -> bool:
    """Whether the value is null. Blank text and empty lists are not null."""
    return value is None
