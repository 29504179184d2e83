"""Conversions to text and to booleans, from whatever a source delivers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from crossmap.functions.errors import ConversionError

_BOOLEANS: dict[str, bool] = {
    "true": True,
    "false": False,
    "yes": True,
    "no": False,
    "y": True,
    "n": False,
    "1": True,
    "0": False,
}


def to_boolean(value: object) -> bool:
    """``true``/``false``, ``yes``/``no``, ``y``/``n``, ``1``/``0`` (text in any case,
    surrounding spaces ignored), the integers 1 and 0, or a boolean."""
    if type(value) is bool:
        return value
    if type(value) is str:
        found = _BOOLEANS.get(value.strip().lower())
        if found is not None:
            return found
    elif type(value) is int and (value == 0 or value == 1):
        return value == 1
    raise ConversionError(f"{value!r} is not a boolean (expected true/false, yes/no, y/n or 1/0)")


def _decimal_text(value: Decimal) -> str:
    # Fixed-point notation: '1E+2' would be read back as text by a destination.
    return format(value, "f")


def _bytes_text(value: bytes) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConversionError(
            f"binary content is not UTF-8 text (byte {exc.start}: {value[exc.start : exc.start + 1]!r})"
        ) from None


def _float_text(value: float) -> str:
    # Shortest text that reads back as the same float: 0.1 -> '0.1'.
    return repr(value)


def _bool_text(value: bool) -> str:
    return "true" if value else "false"


# Exact types first: one dict read on the common path; subclasses go through the
# isinstance walk below. bool is listed before int because it is a subclass of it.
_TEXT: dict[type, Callable[[Any], str]] = {
    str: str,
    bool: _bool_text,
    int: int.__repr__,
    Decimal: _decimal_text,
    float: _float_text,
    # The types' own methods: no wrapper frame on the hot path (a key built from a
    # timestamp converts one per row).
    datetime: datetime.isoformat,
    date: date.isoformat,
    time: time.isoformat,
    bytes: _bytes_text,
}


def to_string(value: object) -> str:
    """The value as text: decimals in fixed-point notation (never an exponent),
    booleans as ``true``/``false``, dates, datetimes and times in ISO 8601, binary
    content decoded as UTF-8. Lists and records are refused: use ``join``."""
    if type(value) is str:
        return value
    convert = _TEXT.get(type(value))
    if convert is not None:
        return convert(value)
    for kind, convert in _TEXT.items():
        if isinstance(value, kind):
            return convert(value)
    if isinstance(value, (list, tuple)):
        raise ConversionError(f"{value!r} is a list, not text; use join(values, separator)")
    raise ConversionError(f"{value!r} ({type(value).__name__}) cannot be converted to text")
