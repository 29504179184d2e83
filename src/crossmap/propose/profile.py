"""Value profiles: what a field's values look like.

A shape comes from the schema where the schema says it (an ``email`` string, a
decimal with two places) and from sampled values otherwise: a source that types
everything as text (a CSV export) still shows which column holds emails, phone
numbers, dates or money. Distinct sampled values also stand in for picklist values
when the source does not declare any.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from collections import Counter
from collections.abc import Iterable
from typing import Literal

from attrs import frozen

from crossmap import schema

Shape = Literal["email", "phone", "url", "date", "datetime", "money"]

MONEY_WORDS: frozenset[str] = frozenset({
    "amount", "price", "rate", "total", "subtotal", "balance", "cost", "fee", "tax", "revenue",
    "paid", "due", "charge",
})
"""Words that make a two-place decimal a money value (``currency`` when proposed)."""

MAX_DISTINCT = 25
"""More distinct values than this and a text field is not picklist-like."""

SHARE = 0.8
"""The share of sampled values that must have a shape for the field to have it."""

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[\d\s().\-]{7,20}$")
_URL = re.compile(r"^https?://\S+$", re.IGNORECASE)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_MONEY = re.compile(r"^[$€£]?\s?-?\d{1,3}(,?\d{3})*\.\d{2}$")


@frozen
class ValueProfile:
    """What the sampled values of one field look like.

    ``shape`` is set when at least ``SHARE`` of the non-null values have it;
    ``values`` holds the distinct text values when there are few of them;
    ``max_length`` is the longest text seen.
    """

    count: int
    shape: Shape | None = None
    values: tuple[str, ...] | None = None
    max_length: int | None = None
    texts: tuple[str, ...] = ()
    """The sampled values, when every one is text (what a conversion is tried on)."""


def _shape_of(value: object) -> Shape | None:
    if isinstance(value, dt.datetime):
        return "datetime"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, decimal.Decimal):
        return "money" if value.as_tuple().exponent == -2 else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    for shape, pattern in (("email", _EMAIL), ("url", _URL), ("datetime", _DATETIME), ("date", _DATE),
                           ("money", _MONEY), ("phone", _PHONE)):
        if pattern.match(text):
            return shape  # type: ignore[return-value]
    return None


def profile_values(values: Iterable[object]) -> ValueProfile:
    """The profile of one field's sampled values (nulls and blanks ignored)."""
    seen = [v for v in values if v is not None and v != ""]
    if not seen:
        return ValueProfile(0)
    shapes = Counter(_shape_of(v) for v in seen)
    shape, hits = shapes.most_common(1)[0]
    texts = [v for v in seen if isinstance(v, str)]
    distinct = tuple(sorted(set(texts)))
    few = bool(texts) and len(texts) == len(seen) and len(distinct) <= MAX_DISTINCT and len(distinct) < len(seen)
    return ValueProfile(
        count=len(seen),
        shape=shape if shape is not None and hits >= SHARE * len(seen) else None,
        values=distinct if few and shape is None else None,
        max_length=max((len(t) for t in texts), default=None),
        texts=tuple(texts) if len(texts) == len(seen) else (),
    )


def profile_records(records: Iterable[dict[str, object]]) -> dict[str, ValueProfile]:
    """Profiles of every field seen in ``records``."""
    columns: dict[str, list[object]] = {}
    for record in records:
        for name, value in record.items():
            columns.setdefault(name, []).append(value)
    return {name: profile_values(values) for name, values in columns.items()}


def schema_shape(field: schema.FieldSchema, words: tuple[str, ...]) -> Shape | None:
    """The shape a field's declared type (and, for decimals, its name) implies."""
    match field.type:
        case schema.String(format=fmt) if fmt is not None:
            return fmt
        case schema.Date():
            return "date"
        case schema.DateTime():
            return "datetime"
        case schema.Decimal() if MONEY_WORDS & set(words):
            return "money"
    return None


def field_shape(field: schema.FieldSchema, words: tuple[str, ...], profile: ValueProfile | None) -> Shape | None:
    """The shape of a field: the schema's word first, the sampled values' otherwise."""
    declared = schema_shape(field, words)
    if declared is not None:
        return declared
    return profile.shape if profile is not None else None
