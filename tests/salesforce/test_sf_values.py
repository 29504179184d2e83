"""Python values as Salesforce's wire forms."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from crossmap_salesforce.values import to_cell, to_json

ZONES = st.none() | st.builds(dt.timezone, st.timedeltas(min_value=dt.timedelta(hours=-14),
                                                         max_value=dt.timedelta(hours=14)))


@given(st.datetimes(min_value=dt.datetime(1000, 1, 2), max_value=dt.datetime(9998, 12, 30), timezones=ZONES))
def test_a_datetime_is_its_utc_instant_to_the_millisecond(value: dt.datetime) -> None:
    cell = to_cell(value)
    assert cell == to_json(value) and cell.endswith("+0000") and len(cell) == 28
    instant = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)  # naive: taken as UTC
    utc = instant.astimezone(dt.UTC)
    expected = utc.replace(microsecond=utc.microsecond // 1000 * 1000)
    assert dt.datetime.strptime(cell, "%Y-%m-%dT%H:%M:%S.%f%z") == expected


def test_a_year_before_1000_keeps_four_digits() -> None:
    assert to_cell(dt.datetime(999, 1, 2, 3, 4, 5, 678_900)) == "0999-01-02T03:04:05.678+0000"
