"""Classifying a cell: equal, normalised, truncated, dropped, changed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from crossmap import schema as s
from crossmap.sample import classify

UTC = dt.UTC


@pytest.mark.parametrize(("computed", "stored", "field_type"), [
    ("Acme", "Acme", s.String(80)),
    (None, None, s.String(80)),
    (dt.datetime(2025, 1, 2, 15, 4, 5, tzinfo=UTC), "2025-01-02T15:04:05.000+0000", s.DateTime()),
    (dt.datetime(2025, 1, 2, 10, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=-5))), "2025-01-02T15:04:05Z",
     s.DateTime()),
    (Decimal("12.50"), 12.5, s.Numeric(8, 2)),
    (3, "3", s.Integer()),
    (dt.date(2025, 1, 2), "2025-01-02", s.Date()),
    (True, "true", s.Boolean()),
    (False, False, s.Boolean()),
    (["a", "b"], "a;b", s.Enum(("a", "b"), multi=True)),
    ("0015g0000000003AAA", "0015g0000000003AAA", s.Reference(("Account",))),
])
def test_equal(computed: object, stored: object, field_type: s.FieldType) -> None:
    assert classify(computed, stored, field_type) == ("equal", None)


@pytest.mark.parametrize(("computed", "stored", "field_type", "note"), [
    ("", None, s.String(80), "empty text stored as null"),
    ("in progress", "In Progress", s.Enum(("In Progress",), restricted=False), "case changed"),
    ("Ana@Example.com", "ana@example.com", s.String(80, "email"), "case changed"),
    ("two  words\n", "two words", s.Text(), "whitespace changed"),
    ("0015g0000000003AAA", "0015g0000000003", s.Reference(("Account",)), "15- and 18-character forms of one id"),
    (dt.datetime(2025, 1, 2, 15, 4, 5, 123456, tzinfo=UTC), "2025-01-02T15:04:05.123+0000", s.DateTime(),
     "kept to the millisecond"),
    (dt.datetime(2025, 1, 2, 15, 4, 5, 987000, tzinfo=UTC), "2025-01-02T15:04:05Z", s.DateTime(),
     "kept to the second"),
    (Decimal("12.345"), 12.35, s.Numeric(8, 2), "rounded to 2 decimal places"),
    (dt.datetime(2025, 1, 2, 15, 0, tzinfo=UTC), "2025-01-02", s.Date(), "a datetime stored as its date"),
    ("b;a", "a;b", s.Enum(("a", "b"), multi=True), "the same selections in another order or case"),
])
def test_normalised(computed: object, stored: object, field_type: s.FieldType, note: str) -> None:
    assert classify(computed, stored, field_type) == ("normalised", note)


def test_truncated() -> None:
    kind, note = classify("A long description", "A long desc", s.String(11))
    assert kind == "truncated" and note == "18 characters cut to 11"


@pytest.mark.parametrize(("computed", "field_type"), [
    ("Acme", s.String(80)), (Decimal("1.5"), s.Numeric(8, 2)), (True, s.Boolean()),
])
def test_dropped(computed: object, field_type: s.FieldType) -> None:
    assert classify(computed, None, field_type)[0] == "dropped"


@pytest.mark.parametrize(("computed", "stored", "field_type"), [
    ("Acme", "Globex", s.String(80)),
    ("Acme Ltd", "Acme", s.Integer()),  # not text: no prefix rule
    (Decimal("12.345"), 12.3, s.Numeric(8, 2)),
    (dt.datetime(2025, 1, 2, 15, 4, 5, tzinfo=UTC), "2025-01-02T16:04:05Z", s.DateTime()),
    (True, False, s.Boolean()),
    ("New", "Escalated", s.Enum(("New", "Escalated"))),
])
def test_changed(computed: object, stored: object, field_type: s.FieldType) -> None:
    assert classify(computed, stored, field_type)[0] == "changed"


def test_filled_where_the_plan_sent_none() -> None:
    # A default, or a stamp such as ClosedDate: the run wrote nothing there.
    assert classify(None, "Web", s.Enum(("Web",))) == ("filled", "the destination set a value where the plan sent none")


def test_without_a_field_type_the_computed_value_decides() -> None:
    assert classify(dt.datetime(2025, 1, 2, tzinfo=UTC), "2025-01-02T00:00:00Z")[0] == "equal"
    assert classify(Decimal("2.0"), 2)[0] == "equal"
    assert classify("x", "y")[0] == "changed"
