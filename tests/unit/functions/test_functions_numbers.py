"""Numbers and conversions: exact decimals, whole numbers, booleans, text."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest

from crossmap.functions import ConversionError
from crossmap.functions import conversions as c
from crossmap.functions import numbers as n


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12.50", Decimal("12.50")),
        (" -12.5 ", Decimal("-12.5")),
        ("+3", Decimal(3)),
        (".5", Decimal("0.5")),
        ("7.", Decimal(7)),
        (42, Decimal(42)),
        (Decimal("1.10"), Decimal("1.10")),
        (0.1, Decimal("0.1")),
        (2.5, Decimal("2.5")),
    ],
)
def test_to_decimal(value: object, expected: Decimal) -> None:
    result = n.to_decimal(value)
    assert type(result) is Decimal
    assert result == expected
    assert str(result) == str(expected)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1,234.50", "'1,234.50' is not a decimal number"),
        ("1e5", "'1e5' is not a decimal number"),
        ("1_000", "'1_000' is not a decimal number"),
        ("NaN", "'NaN' is not a decimal number"),
        ("", "'' is not a decimal number"),
        (True, "True is not a decimal number"),
        (Decimal("Infinity"), "Decimal('Infinity') is not a decimal number"),
        (float("nan"), "nan is not a decimal number"),
        ([1], "[1] is not a decimal number"),
    ],
)
def test_to_decimal_refuses(value: object, message: str) -> None:
    with pytest.raises(ConversionError) as caught:
        n.to_decimal(value)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("value", "expected"),
    [(7, 7), ("12", 12), (" -3 ", -3), ("12.00", 12), (Decimal("4.0"), 4), (5.0, 5)],
)
def test_to_integer(value: object, expected: int) -> None:
    result = n.to_integer(value)
    assert type(result) is int
    assert result == expected


@pytest.mark.parametrize("value", ["12.5", Decimal("0.1"), 2.5, True, "twelve", None])
def test_to_integer_refuses_fractions_and_non_numbers(value: object) -> None:
    with pytest.raises(ConversionError) as caught:
        n.to_integer(value)
    assert str(caught.value) == f"{value!r} is not a whole number"


def test_cents_to_decimal() -> None:
    assert str(n.cents_to_decimal(1234)) == "12.34"
    assert str(n.cents_to_decimal(100)) == "1.00"
    assert str(n.cents_to_decimal(-5)) == "-0.05"


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        ("2.345", 2, "2.35"),
        ("2.5", 0, "3"),
        ("-2.5", 0, "-3"),
        ("2.4", 0, "2"),
        ("1", 2, "1.00"),
    ],
)
def test_round_halves_away_from_zero(value: str, places: int, expected: str) -> None:
    assert str(n.round_decimal(Decimal(value), places)) == expected


def test_round_accepts_integers_and_reports_bad_places() -> None:
    assert str(n.round_decimal(3, 2)) == "3.00"  # type: ignore[arg-type]
    with pytest.raises(ConversionError, match=r"^round places must be from 0 to 28, not -1$"):
        n.round_decimal(Decimal(1), -1)
    with pytest.raises(ConversionError, match=r"cannot be rounded to 2 places$"):
        n.round_decimal(Decimal("1E+30"), 2)


def test_abs_floor_ceil() -> None:
    assert n.absolute(Decimal("-2.50")) == Decimal("2.50")
    assert str(n.absolute(Decimal("-2.50"))) == "2.50"
    assert n.floor(Decimal("2.7")) == 2
    assert n.floor(Decimal("-2.1")) == -3
    assert n.ceil(Decimal("2.1")) == 3
    assert n.ceil(Decimal("-2.7")) == -2
    assert type(n.floor(Decimal("2.7"))) is int
    with pytest.raises(ConversionError, match=r"^Decimal\('Infinity'\) is not a finite number$"):
        n.floor(Decimal("Infinity"))
    with pytest.raises(ConversionError, match=r"^Decimal\('NaN'\) is not a finite number$"):
        n.ceil(Decimal("NaN"))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("true", True),
        (" FALSE ", False),
        ("Yes", True),
        ("no", False),
        ("Y", True),
        ("n", False),
        ("1", True),
        ("0", False),
        (1, True),
        (0, False),
        (True, True),
        (False, False),
    ],
)
def test_to_boolean(value: object, expected: bool) -> None:
    assert c.to_boolean(value) is expected


@pytest.mark.parametrize("value", ["maybe", "", "2", 2, -1, Decimal(1), 1.0, None])
def test_to_boolean_refuses(value: object) -> None:
    with pytest.raises(ConversionError) as caught:
        c.to_boolean(value)
    assert str(caught.value) == (
        f"{value!r} is not a boolean (expected true/false, yes/no, y/n or 1/0)"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("text", "text"),
        (12, "12"),
        (True, "true"),
        (False, "false"),
        (Decimal("1E+2"), "100"),
        (Decimal("1.50"), "1.50"),
        (Decimal("0.00000010"), "0.00000010"),
        (0.1, "0.1"),
        (date(2025, 1, 2), "2025-01-02"),
        (datetime(2025, 1, 2, 15, 4, 5, tzinfo=UTC), "2025-01-02T15:04:05+00:00"),
        (time(9, 30), "09:30:00"),
        ("Zoë".encode(), "Zoë"),
    ],
)
def test_to_string(value: object, expected: str) -> None:
    assert c.to_string(value) == expected


def test_to_string_handles_subclasses() -> None:
    class Code(str):
        pass

    class Flag(int):
        pass

    assert c.to_string(Code("x")) == "x"
    assert c.to_string(Flag(3)) == "3"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([1, 2], "[1, 2] is a list, not text; use join(values, separator)"),
        ({"a": 1}, "{'a': 1} (dict) cannot be converted to text"),
        (b"\xffab", "binary content is not UTF-8 text (byte 0: b'\\xff')"),
    ],
)
def test_to_string_refuses(value: object, message: str) -> None:
    with pytest.raises(ConversionError) as caught:
        c.to_string(value)
    assert str(caught.value) == message


def test_conversion_error_is_a_value_error_and_a_crossmap_error() -> None:
    from crossmap.errors import CrossmapError

    with pytest.raises(ValueError):
        n.to_decimal("x")
    assert issubclass(ConversionError, CrossmapError)
