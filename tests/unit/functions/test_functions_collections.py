"""Lists, nested records and null handling."""

from __future__ import annotations

from crossmap.functions import collections as col
from crossmap.functions import nulls

HISTORY: list[dict[str, object]] = [
    {"status": "Pending", "changed_at": "2025-01-01T09:00:00Z"},
    {"status": "Assigned", "changed_at": "2025-01-01T10:00:00Z"},
    {"status": "Assigned", "changed_at": "2025-01-02T10:00:00Z"},
]


def test_first_last_count() -> None:
    assert col.first([3, 4]) == 3
    assert col.last([3, 4]) == 4
    assert col.first([]) is None
    assert col.last(None) is None
    assert col.count([3, 4]) == 2
    assert col.count([]) == 0
    assert col.count(None) == 0


def test_find_returns_the_first_match_or_null() -> None:
    assert col.find(HISTORY, "status", "Assigned") is HISTORY[1]
    assert col.find(HISTORY, "status", "Cancelled") is None
    assert col.find(HISTORY, "missing", None) is HISTORY[0]
    assert col.find([None, {"a": 1}], "a", 1) == {"a": 1}  # type: ignore[list-item]


def test_pluck_keeps_positions() -> None:
    assert col.pluck(HISTORY, "status") == ["Pending", "Assigned", "Assigned"]
    assert col.pluck([{"a": 1}, {}, None], "a") == [1, None, None]  # type: ignore[list-item]


def test_get() -> None:
    assert col.get({"equipment_model": "X1"}, "equipment_model") == "X1"
    assert col.get({}, "equipment_model") is None


def test_default_and_is_null() -> None:
    assert nulls.default(None, "Job site") == "Job site"
    assert nulls.default("", "Job site") == ""
    assert nulls.default(0, 5) == 0
    assert nulls.is_null(None) is True
    assert nulls.is_null("") is False
    assert nulls.is_null([]) is False
