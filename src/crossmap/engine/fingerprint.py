"""Fingerprints of the values a run wrote, compared at rollback to find records
someone changed in the destination after the run (those are skipped and reported,
not overwritten).

A value has one canonical text form whatever form a destination gives it back in,
so that what was written and what is read back compare equal when they are the same
value: a decimal written as ``1.50`` and read back as ``1.5``; a datetime written as
a ``datetime`` and read back as Salesforce's ``2024-01-02T03:04:05.000+0000``, or as
the text a JSON-lines folder without a schema file holds; a multi-select written as
a tuple and read back as ``a;b`` or a JSON list; bytes and their base64 text.

Typed fields (the destination's schema) parse text by their type. Untyped fields
(no schema, or ``Any``) recognise text in the forms crossmap itself writes
temporal values and numbers in (``crossmap.schema.format_value``), so the two sides
of a comparison agree whichever of them is typed. Datetimes and times compare to the
millisecond, the precision Salesforce and the folder destinations keep; a number of
more than 15 significant digits compares as the double it becomes in an API that
carries numbers as doubles (Salesforce's JSON and its org).

Fields a run wrote empty (null or ``""``) are kept apart, after ``NULLS`` in the
fields of a fingerprint (``"A,B|C"``: A and B written with the values the digest
covers, C written empty), and take no part in the digest: a destination may store a
value of its own there (Salesforce: a checkbox holds false, a picklist its default,
a custom object's ``Name`` the record's Id, an Event's end computed from its start).
:func:`holds` wants each of them empty, or holding a value the destination says is
its own fill-in (``crossmap.connectors.FillingDestination``); a destination without
that capability (memory, jsonl) stores what it is given, so its field must be empty.
That is exact without reading anything back after the write (which would cost API
calls a run does not otherwise make): the fill-ins are known from the destination's
describe, and a value set by hand that is not one of them is seen as a change.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from crossmap import schema as s

_TEXT = (s.String, s.Text, s.Enum, s.Id, s.Reference)
_DOUBLE_DIGITS = 15
"""Significant digits a double always carries exactly."""
_UNTYPED = (s.Untyped, s.ListOf)

# Text an untyped field may hold for a value crossmap wrote typed: a datetime, a
# date, a time or a number (format_value's forms, and the ISO forms parse_* accept).
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\Z")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_TIME = re.compile(r"\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?Z?\Z")


def _recognised(text: str) -> object:
    """The typed value ``text`` is the written form of, else ``text`` itself."""
    first = text[:1]
    if not (first.isdigit() or first in "+-."):
        return text
    try:
        if _DATETIME.match(text):
            return s.parse_datetime(text)
        if _DATE.match(text):
            return s.parse_date(text)
        if _TIME.match(text):
            return s.parse_time(text)
        if _NUMBER.match(text):
            return Decimal(text)
    except (ValueError, InvalidOperation):
        pass
    return text


def canonical(field: s.FieldSchema | None, value: Any) -> str:
    """One text form per value, whatever form the destination gives it back in."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        field_type = None if field is None else field.type
        if isinstance(field_type, _TEXT):
            return value  # the common case, first
        if field_type is None or isinstance(field_type, _UNTYPED):
            value = _recognised(value)
            if isinstance(value, str):
                return value
        else:
            text = value
            try:
                value = s.parse_value(field_type, text)
            except ValueError:
                return text
            if isinstance(value, str):
                return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if type(value) is int:
        return str(value)  # what the normalised Decimal gives, without making one
    if isinstance(value, int | float | Decimal):
        try:
            number = value if type(value) is Decimal else Decimal(str(value))
            if not number.is_finite():
                return str(number)
            shape = number.as_tuple()
            if len(shape.digits) > _DOUBLE_DIGITS and isinstance(shape.exponent, int) and shape.exponent < 0:
                # More digits than a double carries: compared as the double a
                # destination that keeps numbers as doubles (Salesforce's API) holds.
                number = Decimal(repr(float(number)))
            return format(number.normalize(), "f")
        except (InvalidOperation, OverflowError):
            return str(value)
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo is dt.UTC else (
            value if value.tzinfo else value.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
        return moment.replace(microsecond=moment.microsecond // 1000 * 1000).isoformat(timespec="milliseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        clock = value.replace(tzinfo=None) if value.utcoffset() in (None, dt.timedelta(0)) else value
        return clock.replace(microsecond=clock.microsecond // 1000 * 1000).isoformat(timespec="milliseconds")
    if isinstance(value, bytes | bytearray):
        # As its base64 text would be read, so bytes and that text agree untyped too.
        return canonical(None, base64.b64encode(value).decode("ascii"))
    if isinstance(value, list | tuple):
        return ";".join(canonical(None, v) for v in value)
    if isinstance(value, set | frozenset):
        return ";".join(sorted(canonical(None, v) for v in value))
    return str(value)


def digest(obj: s.ObjectSchema | None, values: Mapping[str, Any], fields: list[str]) -> str:
    """The fingerprint of ``values`` over ``fields``."""
    find = obj.find_field if obj is not None else _no_field
    text = "\x1f".join([f"{f}={canonical(find(f), values.get(f))}" for f in fields])
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _no_field(name: str) -> None:
    return None


NULLS = "|"
"""Separates, in a fingerprint's fields, those written with a value from those
written empty (see the module docstring)."""

FillIn = Callable[[str, Any], bool]
"""``(field, value)``: could ``value`` be what the destination stored by itself in
a field written empty?"""


def shape(valued: Iterable[str], empty: Iterable[str]) -> str:
    """The fields of a fingerprint: those written with a value, then (after ``NULLS``)
    those written empty; with none empty, the comma-separated list alone (as
    fingerprints kept before empty fields were recorded)."""
    written = ",".join(valued)
    nulls = ",".join(empty)
    return f"{written}{NULLS}{nulls}" if nulls else written


def fields_of(names: str) -> tuple[list[str], list[str]]:
    """(fields written with a value, fields written empty) of a fingerprint's fields."""
    written, _, nulls = names.partition(NULLS)
    return [f for f in written.split(",") if f], [f for f in nulls.split(",") if f]


def holds(obj: s.ObjectSchema | None, values: Mapping[str, Any], entries: Iterable[tuple[str, str]],
          fill_in: FillIn | None = None) -> bool:
    """Do ``values`` (a record read back, or a row) still hold what each fingerprint
    of ``entries`` (``(fields, digest)``) says was written? A field written empty
    must be empty, or hold what ``fill_in`` says the destination puts there itself."""
    for names, value in entries:
        written, nulls = fields_of(names)
        if digest(obj, values, written) != value:
            return False
        for name in nulls:
            found = values.get(name)
            if not (_empty(found) or (fill_in is not None and fill_in(name, found))):
                return False
    return True


def _empty(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, list | tuple | set | frozenset) and not value)
