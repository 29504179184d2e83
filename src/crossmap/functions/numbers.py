"""Numbers: exact decimals for money and measures, integers for counts. Never
floats: a float cannot hold 0.10 exactly."""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from crossmap.functions.errors import ConversionError

# Plain decimal notation only: no exponent, no thousands separators, no '_', no
# NaN or Infinity (all of which Decimal() itself would accept).
_DECIMAL_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)", re.ASCII)

# round() quantizes to one of these; built once, indexed by the number of places.
_QUANTA: tuple[Decimal, ...] = tuple(Decimal(1).scaleb(-places) for places in range(29))


def to_decimal(value: object) -> Decimal:
    """An exact decimal from a decimal, an integer, plain decimal text (``-12.50``,
    surrounding spaces ignored) or a float (read as its shortest text, so ``0.1`` is
    ``0.1``). Exponents, thousands separators, NaN and infinities are refused."""
    if type(value) is Decimal:
        if value.is_finite():
            return value
    elif type(value) is str:
        text = value.strip()
        if _DECIMAL_TEXT.fullmatch(text):
            return Decimal(text)
    elif type(value) is int:
        return Decimal(value)
    elif type(value) is float and math.isfinite(value):
        # A JSON source may deliver 2.5 as a float; its repr is the number written.
        return Decimal(repr(value))
    raise ConversionError(f"{value!r} is not a decimal number")


def to_integer(value: object) -> int:
    """A whole number from an integer, or from a decimal, float or decimal text whose
    value is whole (``12``, ``12.00``). Fractions are refused, never rounded: use
    ``round``, ``floor`` or ``ceil`` first."""
    if type(value) is int:
        return value
    if type(value) is bool:
        raise ConversionError(f"{value!r} is not a whole number")
    try:
        number = to_decimal(value)
    except ConversionError:
        raise ConversionError(f"{value!r} is not a whole number") from None
    if number != number.to_integral_value():
        raise ConversionError(f"{value!r} is not a whole number")
    return int(number)


def cents_to_decimal(cents: int) -> Decimal:
    """An amount of money from its whole cents: ``1234`` -> ``12.34``."""
    return Decimal(cents).scaleb(-2)


def round_decimal(value: Decimal, places: int = 0) -> Decimal:
    """The value rounded to ``places`` decimal places, halves away from zero
    (``2.345`` -> ``2.35``, ``-2.5`` -> ``-3``), the way money is rounded."""
    if not 0 <= places < len(_QUANTA):
        raise ConversionError(f"round places must be from 0 to {len(_QUANTA) - 1}, not {places}")
    try:
        return Decimal(value).quantize(_QUANTA[places], ROUND_HALF_UP)
    except InvalidOperation:
        raise ConversionError(f"{value!r} cannot be rounded to {places} places") from None


def absolute(value: Decimal) -> Decimal:
    """The value without its sign."""
    return Decimal(value).copy_abs()


def floor(value: Decimal) -> int:
    """The largest whole number not above the value: ``2.7`` -> ``2``, ``-2.1`` -> ``-3``."""
    try:
        return math.floor(value)
    except (ValueError, OverflowError):
        raise ConversionError(f"{value!r} is not a finite number") from None


def ceil(value: Decimal) -> int:
    """The smallest whole number not below the value: ``2.1`` -> ``3``, ``-2.7`` -> ``-2``."""
    try:
        return math.ceil(value)
    except (ValueError, OverflowError):
        raise ConversionError(f"{value!r} is not a finite number") from None
