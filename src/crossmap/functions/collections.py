"""Lists and nested records: the shapes a source's embedded data arrives in."""

from __future__ import annotations


def first(values: list[object] | None) -> object | None:
    """The first element, or null for an empty or null list."""
    return values[0] if values else None


def last(values: list[object] | None) -> object | None:
    """The last element, or null for an empty or null list."""
    return values[-1] if values else None


def count(values: list[object] | None) -> int:
    """The number of elements; a null list has none."""
    return len(values) if values else 0


def find(values: list[dict[str, object]], field: str, value: object) -> dict[str, object] | None:
    """The first record whose ``field`` equals ``value``, or null when none does:
    ``find(status_history, "status", "Assigned")``."""
    for record in values:
        if record is not None and record.get(field) == value:
            return record
    return None


def pluck(values: list[dict[str, object]], field: str) -> list[object]:
    """Each record's ``field``, in order; null where a record (or its field) is
    missing, so positions line up with the records."""
    return [None if record is None else record.get(field) for record in values]


def get(record: dict[str, object], key: str) -> object | None:
    """The record's field ``key``, or null when it has none (``record["key"]``
    says the same where the key is a literal)."""
    return record.get(key)
