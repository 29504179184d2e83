"""Parsing and formatting field values as text.

The one place that knows the text forms of dates, datetimes, times, decimals,
integers and booleans: CSV cells (Bulk API 2.0), JSON strings (REST) and spec
literals all go through here, so every reader agrees on what ``"2024-01-02"`` or
``"true"`` means.

Salesforce writes datetimes as ``2024-01-02T03:04:05.000+0000``; ISO 8601 forms
(``Z``, ``+00:00``, no fraction) are accepted too. A datetime without an offset is
taken as UTC, as Salesforce does.
"""

from __future__ import annotations

import base64
import binascii
import decimal as _decimal
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time

from crossmap.schema.types import (
    Blob,
    Boolean,
    Date,
    DateTime,
    Enum,
    FieldType,
    Id,
    Integer,
    ListOf,
    Numeric,
    Reference,
    String,
    Text,
    Time,
    Untyped,
)

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
# Date, "T" (or a space), hh:mm[:ss[.fraction]], optional Z or +hh[:]mm.
_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?\Z"
)
_TIME = re.compile(r"\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?\Z")
_INTEGER = re.compile(r"[+-]?\d+\Z")
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\Z")

_TRUE = frozenset({"true", "1"})
_FALSE = frozenset({"false", "0"})

_FRACTION = re.compile(r"\.(\d+)")


def _fraction_to_micro(text: str) -> str:
    # fromisoformat accepts 3 or 6 fraction digits only; real data has 1-9.
    def fix(m: re.Match[str]) -> str:
        return "." + (m.group(1) + "000000")[:6]

    return _FRACTION.sub(fix, text, count=1)


def parse_date(text: str) -> date:
    """``YYYY-MM-DD`` → ``date``; anything else raises ``ValueError``."""
    if not _DATE.match(text):
        raise ValueError(f"not a date (YYYY-MM-DD): {text!r}")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not a date (out of range): {text!r}") from None


def parse_datetime(text: str) -> datetime:
    """An ISO 8601 / Salesforce datetime → an aware ``datetime`` (UTC when the text
    has no offset); anything else raises ``ValueError``."""
    if not _DATETIME.match(text):
        raise ValueError(f"not a datetime (YYYY-MM-DDThh:mm:ss[.sss][Z|+hhmm]): {text!r}")
    try:
        value = datetime.fromisoformat(_fraction_to_micro(text))
    except ValueError:
        raise ValueError(f"not a datetime (out of range): {text!r}") from None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def parse_time(text: str) -> time:
    """``hh:mm[:ss[.sss]][Z]`` → ``time`` (offset dropped when it is UTC)."""
    if not _TIME.match(text):
        raise ValueError(f"not a time (hh:mm:ss[.sss][Z]): {text!r}")
    try:
        value = time.fromisoformat(_fraction_to_micro(text))
    except ValueError:
        raise ValueError(f"not a time (out of range): {text!r}") from None
    if value.tzinfo is not None and value.utcoffset() == UTC.utcoffset(None):
        value = value.replace(tzinfo=None)
    return value


def parse_integer(text: str) -> int:
    """Decimal digits with an optional sign → ``int``."""
    if not _INTEGER.match(text):
        raise ValueError(f"not an integer: {text!r}")
    return int(text)


def parse_decimal(text: str) -> _decimal.Decimal:
    """A finite decimal number (``12``, ``-1.50``, ``1e3``) → ``decimal.Decimal``."""
    if not _DECIMAL.match(text):
        raise ValueError(f"not a number: {text!r}")
    return _decimal.Decimal(text)


def parse_boolean(text: str) -> bool:
    """``true``/``false`` (any case) or ``1``/``0`` → ``bool``."""
    folded = text.strip().lower()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise ValueError(f"not a boolean (true/false): {text!r}")


def parse_blob(text: str) -> bytes:
    """Base64 text → bytes."""
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("not valid base64 content") from None


def _parse_multi(text: str) -> tuple[str, ...]:
    return tuple(part for part in text.split(";") if part)


def _identity(text: str) -> str:
    return text


def parse_value(field_type: FieldType, text: str) -> object:
    """The typed Python value ``text`` stands for in a field of ``field_type``.

    Strings, references and ids stay strings; a multi-select enum becomes a tuple of
    its members. Raises ``ValueError`` when ``text`` is not a value of that type
    (length and picklist membership are the validator's business, not parsing's).
    """
    if isinstance(field_type, Enum) and field_type.multi:
        return _parse_multi(text)
    parser = _PARSERS[type(field_type)]
    return parser(text)


_PARSERS: dict[type, Callable[[str], object]] = {
    String: _identity,
    Text: _identity,
    Integer: parse_integer,
    Numeric: parse_decimal,
    Boolean: parse_boolean,
    Date: parse_date,
    DateTime: parse_datetime,
    Time: parse_time,
    Enum: _identity,
    Reference: _identity,
    ListOf: _identity,
    Blob: parse_blob,
    Id: _identity,
    Untyped: _identity,
}


def format_datetime(value: datetime) -> str:
    """Salesforce's datetime form, in UTC: ``2024-01-02T03:04:05.000+0000``. A naive
    datetime is taken as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    utc = value.astimezone(UTC)
    # Not strftime: its %Y does not pad years before 1000 on every platform.
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T"
        f"{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}.{utc.microsecond // 1000:03d}+0000"
    )


def format_time(value: time) -> str:
    """Salesforce's time form: ``03:04:05.000Z``."""
    return (
        f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}."
        f"{value.microsecond // 1000:03d}Z"
    )


def format_decimal(value: _decimal.Decimal | float) -> str:
    """Plain positional notation, never exponent form (``1E+3`` → ``1000``)."""
    if isinstance(value, float):
        value = _decimal.Decimal(repr(value))
    elif isinstance(value, int):
        return str(value)
    return f"{value:f}"


def format_value(value: object) -> str:
    """The text form of a typed value, the inverse of ``parse_value``: ``None`` → ``""``,
    booleans → ``true``/``false``, dates ISO, datetimes in Salesforce's form, decimals
    positional, bytes base64, a multi-select tuple joined with ``;``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return format_time(value)
    if isinstance(value, _decimal.Decimal | float | int):
        return format_decimal(value)
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, tuple | list | frozenset | set):
        return ";".join(str(v) for v in value)
    return str(value)
