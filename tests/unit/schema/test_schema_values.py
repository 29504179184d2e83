"""Text forms of values: parsing and formatting."""

from __future__ import annotations

import decimal
from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crossmap.schema import (
    Blob,
    Boolean,
    Date,
    DateTime,
    Enum,
    Integer,
    Numeric,
    Reference,
    String,
    Time,
    format_datetime,
    format_value,
    parse_boolean,
    parse_date,
    parse_datetime,
    parse_decimal,
    parse_integer,
    parse_time,
    parse_value,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-02T03:04:05.000+0000", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2024-01-02T03:04:05Z", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2024-01-02T03:04:05+00:00", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2024-01-02T03:04:05.1Z", datetime(2024, 1, 2, 3, 4, 5, 100000, tzinfo=UTC)),
        ("2024-01-02T03:04:05.123456789Z", datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)),
        ("2024-01-02T03:04", datetime(2024, 1, 2, 3, 4, tzinfo=UTC)),
        (
            "2024-01-02T05:04:05.000+0200",
            datetime(2024, 1, 2, 5, 4, 5, tzinfo=timezone(timedelta(hours=2))),
        ),
    ],
)
def test_parse_datetime_forms(text: str, expected: datetime) -> None:
    parsed = parse_datetime(text)
    assert parsed == expected
    assert parsed.tzinfo is not None


@pytest.mark.parametrize(
    "text", ["2024-01-02", "20240102T030405Z", "2024-01-02T25:00:00Z", "yesterday", ""]
)
def test_parse_datetime_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="not a datetime"):
        parse_datetime(text)


def test_parse_date_is_strict() -> None:
    assert parse_date("2024-02-29") == date(2024, 2, 29)
    for text in ["20240229", "2024-2-29", "2023-02-29", "2024-01-02T00:00:00Z"]:
        with pytest.raises(ValueError):
            parse_date(text)


def test_parse_time() -> None:
    assert parse_time("03:04:05.000Z") == time(3, 4, 5)
    assert parse_time("23:59") == time(23, 59)
    with pytest.raises(ValueError, match="not a time"):
        parse_time("3pm")


def test_parse_numbers_and_booleans() -> None:
    assert parse_integer("-12") == -12
    assert parse_decimal("1e3") == decimal.Decimal(1000)
    assert parse_decimal(".5") == decimal.Decimal("0.5")
    for bad in ["NaN", "Infinity", "1,5", " 1"]:
        with pytest.raises(ValueError):
            parse_decimal(bad)
    with pytest.raises(ValueError):
        parse_integer("1.0")
    assert parse_boolean("TRUE") is True
    assert parse_boolean("0") is False
    with pytest.raises(ValueError, match="not a boolean"):
        parse_boolean("yes")


def test_parse_value_dispatches_on_type() -> None:
    assert parse_value(String(10), "abc") == "abc"
    assert parse_value(Integer(), "7") == 7
    assert parse_value(Numeric(5, 2), "1.25") == decimal.Decimal("1.25")
    assert parse_value(Boolean(), "false") is False
    assert parse_value(Date(), "2024-01-02") == date(2024, 1, 2)
    assert parse_value(Time(), "10:00:00") == time(10)
    assert parse_value(Enum(["a", "b"], multi=True), "a;b") == ("a", "b")
    assert parse_value(Reference(["Account"]), "001") == "001"
    assert parse_value(Blob(), "AAE=") == b"\x00\x01"
    with pytest.raises(ValueError):
        parse_value(DateTime(), "soon")


def test_format_value() -> None:
    assert format_value(None) == ""
    assert format_value(True) == "true"
    assert format_value(date(2024, 1, 2)) == "2024-01-02"
    assert format_value(datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)) == (
        "2024-01-02T03:04:05.678+0000"
    )
    assert format_value(time(3, 4, 5)) == "03:04:05.000Z"
    assert format_value(decimal.Decimal("1E+3")) == "1000"
    assert format_value(0.1) == "0.1"
    assert format_value(b"\x00\x01") == "AAE="
    assert format_value(("a", "b")) == "a;b"


def test_format_datetime_converts_to_utc_and_assumes_utc_when_naive() -> None:
    plus2 = timezone(timedelta(hours=2))
    assert format_datetime(datetime(2024, 1, 2, 5, tzinfo=plus2)) == "2024-01-02T03:00:00.000+0000"
    assert format_datetime(datetime(2024, 1, 2, 5, 0)) == "2024-01-02T05:00:00.000+0000"


@given(st.datetimes(timezones=st.just(UTC)))
def test_datetime_round_trips_at_millisecond_precision(value: datetime) -> None:
    expected = value.replace(microsecond=value.microsecond // 1000 * 1000)
    assert parse_datetime(format_value(value)) == expected


@given(st.dates())
def test_date_round_trips(value: date) -> None:
    assert parse_date(format_value(value)) == value


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_decimal_round_trips(value: decimal.Decimal) -> None:
    assert parse_decimal(format_value(value)) == value


@given(st.booleans())
def test_boolean_round_trips(value: bool) -> None:
    assert parse_boolean(format_value(value)) is value
