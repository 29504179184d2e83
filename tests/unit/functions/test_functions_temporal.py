"""Dates, datetimes, times: explicit formats and zones, exact failure messages."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from crossmap.functions import ConversionError, FunctionContext, zone
from crossmap.functions import temporal as t

CHICAGO = ZoneInfo("America/Chicago")


def test_to_date() -> None:
    assert t.to_date("2025-01-02", "%Y-%m-%d") == date(2025, 1, 2)
    assert t.to_date("2025-1-2", "%Y-%m-%d") == date(2025, 1, 2)
    assert t.to_date("02/01/2025", "%d/%m/%Y") == date(2025, 1, 2)
    assert t.to_date("2025-01-02", "iso8601") == date(2025, 1, 2)
    assert type(t.to_date("2025-01-02", "%Y-%m-%d")) is date


@pytest.mark.parametrize(
    ("value", "format", "message"),
    [
        ("0000-00-00", "%Y-%m-%d", "'0000-00-00' is not a date in format %Y-%m-%d"),
        ("2025-02-30", "%Y-%m-%d", "'2025-02-30' is not a date in format %Y-%m-%d"),
        ("02/01/2025", "%Y-%m-%d", "'02/01/2025' is not a date in format %Y-%m-%d"),
        ("2025-01-02 ", "%Y-%m-%d", "'2025-01-02 ' is not a date in format %Y-%m-%d"),
        ("yesterday", "iso8601", "'yesterday' is not a date in format iso8601"),
        (
            "2025-01-02",
            "%Y-%q",
            "'%Y-%q' is not a valid date format: 'q' is a bad directive in format '%Y-%q'",
        ),
    ],
)
def test_to_date_refuses(value: str, format: str, message: str) -> None:
    with pytest.raises(ConversionError) as caught:
        t.to_date(value, format)
    assert str(caught.value) == message


def test_to_datetime_reads_naive_values_in_the_given_zone() -> None:
    result = t.to_datetime("2025-01-02 15:04:05", "%Y-%m-%d %H:%M:%S")
    assert result == datetime(2025, 1, 2, 15, 4, 5, tzinfo=UTC)
    assert result.utcoffset() == timedelta(0)
    chicago = t.to_datetime("2025-01-02 15:04:05", "%Y-%m-%d %H:%M:%S", "America/Chicago")
    assert chicago == datetime(2025, 1, 2, 21, 4, 5, tzinfo=UTC)
    assert chicago.tzinfo is CHICAGO
    assert t.to_datetime("02.01.2025 3:04 PM", "%d.%m.%Y %I:%M %p", "+02:00") == datetime(
        2025, 1, 2, 13, 4, tzinfo=UTC
    )


def test_to_datetime_keeps_an_offset_the_value_has() -> None:
    zulu = t.to_datetime("2025-01-02T15:04:05Z", "iso8601", "America/Chicago")
    assert zulu == datetime(2025, 1, 2, 15, 4, 5, tzinfo=UTC)
    assert zulu.utcoffset() == timedelta(0)
    offset = t.to_datetime("2025-01-02T15:04:05.250+05:30", "iso8601")
    assert offset.utcoffset() == timedelta(hours=5, minutes=30)
    assert offset.microsecond == 250_000
    with_z = t.to_datetime("2025-01-02 15:04:05 -0600", "%Y-%m-%d %H:%M:%S %z", "UTC")
    assert with_z.utcoffset() == timedelta(hours=-6)


@pytest.mark.parametrize(
    ("value", "format", "tz", "message"),
    [
        (
            "0000-00-00 00:00:00",
            "%Y-%m-%d %H:%M:%S",
            "UTC",
            "'0000-00-00 00:00:00' is not a datetime in format %Y-%m-%d %H:%M:%S",
        ),
        (
            "2025-01-02 25:00:00",
            "%Y-%m-%d %H:%M:%S",
            "UTC",
            "'2025-01-02 25:00:00' is not a datetime in format %Y-%m-%d %H:%M:%S",
        ),
        (
            "2025-01-02",
            "iso8601",
            "UTC",
            "'2025-01-02' is not a datetime in format iso8601: it has no time of day",
        ),
        ("soon", "iso8601", "UTC", "'soon' is not a datetime in format iso8601"),
        (
            "2025-03-09T02:30:00",
            "iso8601",
            "America/Chicago",
            (
                "'2025-03-09T02:30:00' does not exist in time zone America/Chicago: "
                "the clocks skip it"
            ),
        ),
        (
            "2025-01-02T00:00:00",
            "iso8601",
            "Mars/Olympus",
            (
                "'Mars/Olympus' is not a time zone (expected an IANA name such as "
                "'America/Chicago', 'UTC', or an offset such as '+02:00')"
            ),
        ),
    ],
)
def test_to_datetime_refuses(value: str, format: str, tz: str, message: str) -> None:
    with pytest.raises(ConversionError) as caught:
        t.to_datetime(value, format, tz)
    assert str(caught.value) == message


def test_to_datetime_around_daylight_saving_changes() -> None:
    # The last second before the gap and the first after it exist.
    before = t.to_datetime("2025-03-09T01:59:59", "iso8601", "America/Chicago")
    after = t.to_datetime("2025-03-09T03:00:00", "iso8601", "America/Chicago")
    # (same-zone subtraction is wall-clock arithmetic in Python, so compare in UTC)
    assert after.astimezone(UTC) - before.astimezone(UTC) == timedelta(seconds=1)
    # A repeated wall time is read as its first occurrence (daylight time).
    repeated = t.to_datetime("2025-11-02T01:30:00", "iso8601", "America/Chicago")
    assert repeated.utcoffset() == timedelta(hours=-5)
    # The same day seen twice uses the cache and still refuses the gap.
    for _ in range(2):
        with pytest.raises(ConversionError, match="the clocks skip it"):
            t.to_datetime("2025-03-09 02:00:00", "%Y-%m-%d %H:%M:%S", "America/Chicago")


def test_to_time() -> None:
    assert t.to_time("09:30", "%H:%M") == time(9, 30)
    assert t.to_time("9:30 PM", "%I:%M %p") == time(21, 30)
    assert t.to_time("09:30:15.5", "iso8601") == time(9, 30, 15, 500_000)
    with pytest.raises(ConversionError) as caught:
        t.to_time("25:00", "%H:%M")
    assert str(caught.value) == "'25:00' is not a time in format %H:%M"
    with pytest.raises(ConversionError) as caught:
        t.to_time("noon", "iso8601")
    assert str(caught.value) == "'noon' is not a time in format iso8601"


def test_format_date() -> None:
    assert t.format_date(date(2025, 1, 2), "%d/%m/%Y") == "02/01/2025"
    assert t.format_date(date(2025, 1, 2), "iso8601") == "2025-01-02"


def test_format_datetime_converts_to_the_zone() -> None:
    instant = datetime(2025, 1, 2, 3, 0, tzinfo=UTC)
    assert t.format_datetime(instant, "%Y-%m-%d %H:%M", "America/Chicago") == "2025-01-01 21:00"
    assert t.format_datetime(instant, "iso8601") == "2025-01-02T03:00:00+00:00"
    assert t.format_datetime(instant, "iso8601", "+05:30") == "2025-01-02T08:30:00+05:30"
    # A value without an offset is already wall-clock time in tz.
    naive = datetime(2025, 1, 2, 3, 0)
    assert t.format_datetime(naive, "iso8601", "America/Chicago") == "2025-01-02T03:00:00-06:00"


def test_date_of() -> None:
    instant = datetime(2025, 1, 2, 3, 0, tzinfo=UTC)
    assert t.date_of(instant) == date(2025, 1, 2)
    assert t.date_of(instant, "America/Chicago") == date(2025, 1, 1)
    assert t.date_of(datetime(2025, 1, 2, 23, 0), "Asia/Tokyo") == date(2025, 1, 2)


def test_add_days_and_days_between() -> None:
    assert t.add_days(date(2025, 2, 27), 2) == date(2025, 3, 1)
    assert t.add_days(date(2025, 1, 1), -1) == date(2024, 12, 31)
    assert t.days_between(date(2025, 1, 1), date(2025, 3, 1)) == 59
    assert t.days_between(date(2025, 3, 1), date(2025, 1, 1)) == -59
    with pytest.raises(ConversionError) as caught:
        t.add_days(date(9999, 12, 31), 1)
    assert str(caught.value) == "9999-12-31 plus 1 days is outside the supported dates"


def test_now_and_today_read_the_injected_clock() -> None:
    at = datetime(2025, 1, 2, 3, 0, tzinfo=UTC)
    context = FunctionContext(now=lambda: at)
    assert t.now(context=context) == at
    assert t.today(context=context) == date(2025, 1, 2)
    assert t.today("America/Chicago", context=context) == date(2025, 1, 1)
    chicago_run = FunctionContext(now=lambda: at, default_tz="America/Chicago")
    assert t.today(context=chicago_run) == date(2025, 1, 1)
    assert t.today(None, context=chicago_run) == date(2025, 1, 1)
    assert t.today("Asia/Tokyo", context=chicago_run) == date(2025, 1, 2)


def test_fixed_context() -> None:
    context = FunctionContext.fixed(datetime(2025, 1, 2, 9, 0, tzinfo=timezone(timedelta(hours=9))))
    assert t.now(context=context) == datetime(2025, 1, 2, 0, 0, tzinfo=UTC)
    assert t.now(context=context).tzinfo is UTC
    with pytest.raises(ValueError, match="needs an aware datetime"):
        FunctionContext.fixed(datetime(2025, 1, 2))


def test_default_context_uses_the_system_clock() -> None:
    before = datetime.now(UTC)
    read = t.now(context=FunctionContext())
    assert before <= read <= datetime.now(UTC)
    assert read.utcoffset() == timedelta(0)


def test_context_refuses_an_unknown_default_zone() -> None:
    with pytest.raises(ConversionError, match="^'Mars/Olympus' is not a time zone"):
        FunctionContext(default_tz="Mars/Olympus")


@pytest.mark.parametrize(
    ("name", "offset"),
    [
        ("UTC", timedelta(0)),
        ("Z", timedelta(0)),
        ("+02:00", timedelta(hours=2)),
        ("-0530", timedelta(hours=-5, minutes=-30)),
        ("+05", timedelta(hours=5)),
    ],
)
def test_zone_offsets(name: str, offset: timedelta) -> None:
    assert zone(name).utcoffset(None) == offset


@pytest.mark.parametrize("name", ["", "America", "/etc/localtime", "../zoneinfo/UTC", "+24:00"])
def test_zone_refuses(name: str) -> None:
    with pytest.raises(ConversionError, match="is not a time zone"):
        zone(name)


def test_zone_is_cached() -> None:
    assert zone("Europe/Paris") is zone("Europe/Paris")
    assert zone("UTC") is UTC


@pytest.mark.parametrize(
    ("value", "format"),
    [
        ("2025-01-02", "%Y-%m-%d"),
        ("2025-01-02 15:04:05", "%Y-%m-%d %H:%M:%S"),
        ("2025-01-02T15:04:05", "%Y-%m-%dT%H:%M:%S"),
        ("15:04:05", "%H:%M:%S"),
        ("15:04", "%H:%M"),
    ],
)
def test_common_formats_do_not_call_strptime(
    value: str, format: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = datetime.strptime(value, format).replace(tzinfo=UTC)

    def refuse(*_args: object) -> None:
        raise AssertionError("strptime was called on the fast path")

    # datetime.strptime delegates to this private helper of the standard library.
    monkeypatch.setattr("_strptime._strptime_datetime", refuse)
    assert t.to_datetime(value, format) == expected
    with pytest.raises(AssertionError, match="strptime was called"):
        t.to_datetime(value.replace("-", "/").replace(":", "."), format)
