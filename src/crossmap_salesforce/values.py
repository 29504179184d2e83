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
    """A row value as a Bulk API 2.0 CSV cell (``None`` → ``#N/A``: set to null)."""
    if type(value) is str:
        return value
    if value is None:
        return NULL_CELL
    if isinstance(value, bool):
        return "true" if value else "false"
    converted = to_json(value)
    if isinstance(converted, float) and converted.is_integer():
        return str(int(converted))
    return str(converted)
