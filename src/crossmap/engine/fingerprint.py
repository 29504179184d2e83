"""Fingerprints of the values a run wrote, compared at rollback to find records
someone changed in the destination after the run (those are skipped and reported,
not overwritten).

Values are put in one canonical text form first, typed by the destination's schema,
so a decimal written as ``1.50`` and read back as ``1.5``, or a datetime read back as
Salesforce's ``2024-01-02T03:04:05.000+0000``, compare equal."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from crossmap import schema as s

_TEXT = (s.String, s.Text, s.Enum, s.Id, s.Reference)


def canonical(field: s.FieldSchema | None, value: Any) -> str:
    """One text form per value, whatever form the destination gives it back in."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        if field is None or isinstance(field.type, _TEXT):
            return value  # the common case, first
        text = value
        try:
            value = s.parse_value(field.type, text)
        except ValueError:
            return text
    if isinstance(value, bool):
        return "true" if value else "false"
    if type(value) is int:
        return str(value)  # what the normalised Decimal gives, without making one
    if isinstance(value, int | float | Decimal):
        try:
            return format((value if type(value) is Decimal else Decimal(str(value))).normalize(), "f")
        except InvalidOperation:
            return str(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is dt.UTC:
            return value.isoformat()
        return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def digest(obj: s.ObjectSchema | None, values: Mapping[str, Any], fields: list[str]) -> str:
    """The fingerprint of ``values`` over ``fields``."""
    find = obj.find_field if obj is not None else _no_field
    text = "\x1f".join([f"{f}={canonical(find(f), values.get(f))}" for f in fields])
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _no_field(name: str) -> None:
    return None
