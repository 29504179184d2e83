"""Classifying one field of one record: the value the plan computed against the value
the destination stored.

- ``equal``: the same value of the field's type. The wire form does not count: a
  datetime is compared as an instant, a decimal as a number, a date as a date, so
  ``2025-01-02T15:04:05.000+0000`` equals the datetime the plan computed.
- ``normalised``: the destination changed the form, not the meaning: case only
  (picklists, emails), whitespace, a 15- for an 18-character id, a datetime kept to
  the millisecond or second, a number rounded to the field's scale, an empty text
  stored as null, a multi-select in another order.
- ``truncated``: the stored text is a proper prefix of the computed text.
- ``dropped``: the plan computed a value; the destination holds none.
- ``filled``: the plan sent no value and the destination holds one (a default, a
  stamp such as Salesforce's ``ClosedDate`` when a Case closes, a trigger): the run
  wrote nothing there, so nothing it wrote was changed.
- ``changed``: anything else: changed by the destination (a trigger, a workflow).
- ``changed_since``: (verify) not what the run wrote, and the record was changed after
  the run ended, by someone or something else (the destination's modification stamp
  says so; see ``crossmap.verify``).
- ``missing``: the record itself is gone from the destination.
- ``unchecked``: not compared (file bytes the destination cannot give back).

One classifier serves the sample (``crossmap sample``) and the verification of runs
(``crossmap verify``): :func:`classify` for a cell, and
:mod:`crossmap.engine.readback` for the record around it.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Literal

from crossmap import schema as s

Kind = Literal["equal", "normalised", "filled", "truncated", "dropped", "changed", "changed_since", "missing",
               "unchecked"]
KINDS: tuple[Kind, ...] = ("equal", "normalised", "filled", "truncated", "dropped", "changed", "changed_since",
                           "missing", "unchecked")
PROBLEM_KINDS: frozenset[Kind] = frozenset({"truncated", "dropped", "changed", "changed_since", "missing"})
BADGE: dict[str, str] = {
    "equal": "#2e7d32", "normalised": "#1565c0", "filled": "#00838f", "truncated": "#ef6c00", "dropped": "#c62828",
    "changed": "#6a1b9a", "changed_since": "#ad1457", "missing": "#b71c1c", "unchecked": "#616161",
}
"""The colour of each class's badge in the HTML reports (the sample's and verify's)."""
"""The classes that mean a field does not hold what was written (``normalised`` is
the destination's documented change of form, ``filled`` a field the run left empty:
neither is a problem)."""

_SPACE = re.compile(r"\s+")
_ID = re.compile(r"^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$")


def _null(value: object) -> bool:
    return value is None or value == "" or value == [] or value == ()


def classify(computed: object, stored: object, field_type: s.FieldType | None = None) -> tuple[Kind, str | None]:
    """The class of one cell and, when it is not plain, a note saying what happened."""
    if isinstance(computed, list | tuple) and isinstance(stored, str):
        # A multi-select computed as a list is stored as its members joined by ";".
        computed = ";".join(str(item) for item in computed)
    if _null(computed) and _null(stored):
        if computed == "" and stored is None:
            return "normalised", "empty text stored as null"
        return "equal", None
    if _null(stored):
        return "dropped", "the destination holds no value"
    if _null(computed):
        return "filled", "the destination set a value where the plan sent none"
    if _typed_equal(computed, stored, field_type):
        return "equal", None
    note = _normalisation(computed, stored, field_type)
    if note is not None:
        return "normalised", note
    if _kind(computed, field_type) == "text" and isinstance(computed, str) and isinstance(stored, str) \
            and len(stored) < len(computed) and computed.startswith(stored):
        return "truncated", f"{len(computed)} characters cut to {len(stored)}"
    return "changed", None


# ---- reading a value as the field's type ----------------------------------------------


def as_datetime(value: object) -> dt.datetime | None:
    """An aware datetime from a datetime or ISO text (naive ones are taken as UTC)."""
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    else:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)


def as_date(value: object) -> dt.date | None:
    """A date from a date or ISO text."""
    if isinstance(value, dt.datetime):
        return None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def as_decimal(value: object) -> Decimal | None:
    """A Decimal from a number or numeric text (booleans are not numbers)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int | float | str):
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def as_bool(value: object) -> bool | None:
    """A boolean from a bool or ``true``/``false`` text."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def _typed_equal(computed: object, stored: object, field_type: s.FieldType | None) -> bool:
    if computed == stored and type(computed) is type(stored):
        return True
    kind = _kind(computed, field_type)
    if kind == "datetime":
        a, b = as_datetime(computed), as_datetime(stored)
        return a is not None and b is not None and a == b
    if kind == "date":
        return as_date(computed) is not None and as_date(computed) == as_date(stored)
    if kind == "number":
        x, y = as_decimal(computed), as_decimal(stored)
        return x is not None and y is not None and x == y
    if kind == "boolean":
        return as_bool(computed) is not None and as_bool(computed) == as_bool(stored)
    return str(computed) == str(stored) if kind == "text" and isinstance(stored, str) else False


def _kind(computed: object, field_type: s.FieldType | None) -> str:
    """How to compare: by the destination field's type, else by the computed value."""
    if isinstance(field_type, s.DateTime):
        return "datetime"
    if isinstance(field_type, s.Date):
        return "date"
    if isinstance(field_type, s.Integer | s.Numeric):
        return "number"
    if isinstance(field_type, s.Boolean):
        return "boolean"
    if field_type is not None and not isinstance(field_type, s.Untyped):
        return "text"
    if isinstance(computed, dt.datetime):
        return "datetime"
    if isinstance(computed, dt.date):
        return "date"
    if isinstance(computed, bool):
        return "boolean"
    if isinstance(computed, int | float | Decimal):
        return "number"
    return "text"


def _normalisation(computed: object, stored: object, field_type: s.FieldType | None) -> str | None:
    """What the destination did to the value, if it kept its meaning; else ``None``."""
    kind = _kind(computed, field_type)
    if kind == "datetime":
        a, b = as_datetime(computed), as_datetime(stored)
        if a is None or b is None:
            return None
        for unit, cut in (("millisecond", 1000), ("second", 1_000_000)):
            if a.replace(microsecond=a.microsecond // cut * cut) == b.replace(microsecond=b.microsecond // cut * cut):
                return f"kept to the {unit}"
        return None
    if kind == "number":
        x, y = as_decimal(computed), as_decimal(stored)
        if x is None or y is None:
            return None
        scale = field_type.scale if isinstance(field_type, s.Numeric) else None
        if isinstance(field_type, s.Integer):
            scale = 0
        # Salesforce rounds half up; other systems half to even: either is a rounding.
        if scale is not None and any(x.quantize(Decimal(1).scaleb(-scale), rounding=way) == y
                                     for way in (ROUND_HALF_UP, ROUND_HALF_EVEN)):
            return f"rounded to {scale} decimal places"
        return None
    if kind == "date":
        stamp = as_datetime(computed)
        if stamp is not None and stamp.date() == as_date(stored):
            return "a datetime stored as its date"
        return None
    if not isinstance(stored, str):
        return None
    text = str(computed)
    if (field_type is None or isinstance(field_type, s.Reference | s.Id)) and _ID.match(text) \
            and _ID.match(stored) and len(text) != len(stored) and text[:15] == stored[:15]:
        return "15- and 18-character forms of one id"
    if isinstance(field_type, s.Enum) and field_type.multi:
        parts = sorted(p.strip().casefold() for p in text.split(";"))
        if parts == sorted(p.strip().casefold() for p in stored.split(";")):
            return "the same selections in another order or case"
    if text.casefold() == stored.casefold():
        return "case changed"
    if _SPACE.sub(" ", text).strip() == _SPACE.sub(" ", stored).strip():
        return "whitespace changed"
    if _SPACE.sub(" ", text).strip().casefold() == _SPACE.sub(" ", stored).strip().casefold():
        return "case and whitespace changed"
    return None
