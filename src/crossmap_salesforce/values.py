"""Python values ↔ Salesforce's wire forms (JSON for REST, CSV cells for Bulk)."""

from __future__ import annotations

import base64
import datetime as _dt
import decimal
from collections.abc import Mapping
from typing import Any

NULL_CELL = "#N/A"
"""Bulk API 2.0's way of setting a field to null (an empty cell leaves it unchanged)."""


def _datetime(value: _dt.datetime) -> str:
    # Naive datetimes are taken as UTC, the only zone the API never misreads.
    if value.tzinfo is not None and value.utcoffset():
        value = value.astimezone(_dt.UTC)
    # One % formatting: 2.8 µs against strftime's 6.9 (an f-string with these specs
    # takes twice as long as %), and a four-digit year always.
    return "%04d-%02d-%02dT%02d:%02d:%02d.%03d+0000" % (  # noqa: UP031
        value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond // 1000)


_AS_IS = frozenset({str, int, float, bool, type(None)})
"""Types that are their own wire form (checked first: most values are text)."""


def is_mapping(value: Any) -> bool:
    """A parent named by external id (``{"Ext__c": "X"}``), without the ABC check for
    the plain values most rows hold."""
    return type(value) is dict or (type(value) not in _AS_IS and isinstance(value, Mapping))


def to_json(value: Any) -> Any:
    """A row value as the REST API takes it."""
    if type(value) in _AS_IS:
        return value
    if isinstance(value, _dt.datetime):
        return _datetime(value)
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, _dt.time):
        return value.strftime("%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    if isinstance(value, decimal.Decimal):
        # Salesforce numbers are at most 18 digits; a double carries what the API keeps.
        return float(value)
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return ";".join(value)  # multi-select picklists
    if is_mapping(value):
        return {k: to_json(v) for k, v in value.items()}
    return value


def row_to_json(row: Mapping[str, Any]) -> dict[str, Any]:
    """A whole row for the REST API."""
    return {k: to_json(v) for k, v in row.items()}


def to_cell(value: Any) -> str:
    """A row value as a Bulk API 2.0 CSV cell (``None`` → ``#N/A``: set to null). An
    empty string is null too, as it is in JSON: an empty cell would leave the field
    unchanged on update ("Empty field values are ignored when you update records. To
    set a field value to null, use a field value of #N/A", Bulk API 2.0, "Valid CSV
    Record Rows")."""
    if type(value) is str:
        return value or NULL_CELL
    if value is None:
        return NULL_CELL
    if isinstance(value, bool):
        return "true" if value else "false"
    converted = to_json(value)
    if isinstance(converted, float) and converted.is_integer():
        return str(int(converted))
    return str(converted)


def csv_cannot_carry(row: Mapping[str, Any]) -> bool:
    """Does the row hold text a Bulk API 2.0 CSV cell cannot carry byte for byte? The
    text ``#N/A`` (the CSV's null marker: it would store null), and text with a
    carriage return (the CSV's line endings are LF or CRLF, and a CR inside a value
    does not come back as sent). Such rows go through sObject Collections (JSON),
    which carry any text."""
    for value in row.values():
        if type(value) is str and (value == NULL_CELL or "\r" in value):
            return True
    return False
