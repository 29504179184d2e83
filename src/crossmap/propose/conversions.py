"""Conversions: text an export writes, read as the type a destination field holds.

A CSV export writes every value as text, often for people: ``"$1,200.50"``,
``"1,200"``, ``"40%"``, ``"03/15/2024"``, ``"1704700800000"`` (epoch milliseconds).
Such a column still fits a currency, number, percent, date or datetime field once it
is cleaned and converted. Each candidate conversion here is a pipeline of the
language's own functions (``regex_replace``, ``replace``, ``to_decimal``,
``to_integer``, ``to_date``, ``to_datetime``, ``date_of``, ``to_boolean``, ``floor``,
``add_days``; see docs/functions.md); a conversion is proposed when it converts
(almost) every sampled value, run through those very functions, so the draft's
expression does at run time what was checked here.

Epoch timestamps convert to dates (``add_days(@1970-01-01, floor(... / 86400))``);
the language has no function from an epoch to a datetime, so none is proposed for a
datetime field.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Sequence
from decimal import Decimal

from attrs import frozen

from crossmap.functions import STANDARD, ConversionError

SHARE = 0.9
"""The share of sampled values a conversion must convert."""

EPOCH = dt.date(1970, 1, 1)

DATE_FORMATS: tuple[str, ...] = (
    "iso8601", "%m/%d/%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y/%m/%d", "%b %d, %Y", "%d %b %Y", "%B %d, %Y",
    "%m/%d/%y", "%d-%m-%Y",
)
"""Date formats tried, in order (US month-first before day-first: where both read
every value, the first is proposed and the reviewer is told it is ambiguous)."""

DATETIME_FORMATS: tuple[str, ...] = (
    "iso8601", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M", "%m/%d/%Y %H:%M",
    "%m/%d/%Y %I:%M %p", "%b %d, %Y %I:%M %p", "%d.%m.%Y %H:%M", "%d/%m/%Y %H:%M",
)
"""Datetime formats tried, in order."""

_EPOCH_SECONDS = re.compile(r"^\d{9,10}$")
_EPOCH_MILLIS = re.compile(r"^\d{12,13}$")
_EARLIEST, _LATEST = 946_684_800, 4_102_444_800  # 2000-01-01 .. 2100-01-01


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@frozen
class Conversion:
    """A conversion of text values to ``kind`` (``decimal``, ``integer``, ``date``,
    ``datetime``, ``boolean``): ``label`` says what it reads (``currency text``),
    ``expression`` is its .xmap expression with ``{}`` for the field, ``apply``
    runs it on one value (raising ConversionError), ``share`` is the part of the
    sampled values it converted and ``note`` a caveat for the reviewer."""

    kind: str
    label: str
    expression: str
    apply: Callable[[str], object]
    share: float = 1.0
    note: str | None = None

    def render(self, field: str) -> str:
        """The expression, reading ``field`` (already spelled as spec text)."""
        return self.expression.replace("{}", field)


def _call(name: str) -> Callable[..., object]:
    return STANDARD[name]


def _pipeline(*steps: tuple[str, tuple[object, ...]]) -> tuple[str, Callable[[str], object]]:
    text = "{}" + "".join(
        f" | {name}" + (f"({', '.join(_quoted(str(a)) for a in args)})" if args else "") for name, args in steps
    )

    def apply(value: str) -> object:
        result: object = value
        for name, args in steps:
            result = _call(name)(result, *args)
        return result

    return text, apply


def _epoch_date(divisor: int) -> tuple[str, Callable[[str], object]]:
    def apply(value: str) -> object:
        seconds = Decimal(value.strip()) / divisor * 86400
        if not _EARLIEST <= seconds <= _LATEST:
            raise ConversionError(f"{value!r} is not an epoch timestamp between 2000 and 2100")
        number = _call("to_decimal")(value)
        assert isinstance(number, Decimal)
        days = _call("floor")(number / divisor)
        return _call("add_days")(EPOCH, days)

    return f"add_days(@1970-01-01, floor(to_decimal({{}}) / {divisor}))", apply


def _candidates(kind: str, values: Sequence[str]) -> list[tuple[str, tuple[str, Callable[[str], object]]]]:
    money = ("regex_replace", ("[$€£¥,\\s]", ""))
    if kind == "decimal":
        return [
            ("decimal text", _pipeline(("to_decimal", ()))),
            ("thousands separators", _pipeline(("replace", (",", "")), ("to_decimal", ()))),
            ("currency text", _pipeline(money, ("to_decimal", ()))),
            ("percent text", _pipeline(("replace", ("%", "")), ("to_decimal", ()))),
        ]
    if kind == "integer":
        return [
            ("whole-number text", _pipeline(("to_integer", ()))),
            ("thousands separators", _pipeline(("replace", (",", "")), ("to_integer", ()))),
        ]
    if kind == "boolean":
        return [("yes/no text", _pipeline(("to_boolean", ())))]
    if kind == "date":
        out = [(f"dates {f}", _pipeline(("to_date", (f,)))) for f in DATE_FORMATS]
        out += [(f"datetimes {f}", _pipeline(("to_datetime", (f,)), ("date_of", ()))) for f in DATETIME_FORMATS]
        if all(_EPOCH_MILLIS.match(v) for v in values):
            out.append(("epoch milliseconds", _epoch_date(86_400_000)))
        elif all(_EPOCH_SECONDS.match(v) for v in values):
            out.append(("epoch seconds", _epoch_date(86_400)))
        return out
    if kind == "datetime":
        return [(f"datetimes {f}", _pipeline(("to_datetime", (f,)))) for f in DATETIME_FORMATS]
    return []


def _share(apply: Callable[[str], object], values: Sequence[str]) -> float:
    converted = 0
    for value in values:
        try:
            apply(value)
        except (ConversionError, ArithmeticError, ValueError):
            continue
        converted += 1
    return converted / len(values)


def find_conversion(values: Sequence[str], kind: str) -> Conversion | None:
    """The first conversion of ``kind`` that converts at least ``SHARE`` of the
    sampled text ``values`` (blank ones ignored), or None. Dates and datetimes take
    the format that reads the most values, and note a second one that reads as
    many (``03/04/2024``: March or April)."""
    return _find(tuple(values), kind)


@functools.lru_cache(maxsize=4096)
def _find(values: tuple[str, ...], kind: str) -> Conversion | None:
    texts = [v.strip() for v in values if v.strip()]
    if not texts:
        return None
    found: list[Conversion] = []
    for label, (expression, apply) in _candidates(kind, texts):
        share = _share(apply, texts)
        if share >= SHARE:
            found.append(Conversion(kind, label, expression, apply, share))
            if kind not in ("date", "datetime"):
                break
    if not found:
        return None
    best = max(found, key=lambda c: c.share)  # the first of the best
    others = [c.label for c in found if c is not best and c.share == best.share]
    if others:
        return Conversion(best.kind, best.label, best.expression, best.apply, best.share,
                          note=f"the values also read as {others[0]}")
    return best
