"""Compiled strftime patterns give exactly what ``datetime.strftime`` gives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crossmap.functions import strftime
from crossmap.functions import temporal as t

COMPILED = ["Y", "y", "m", "d", "H", "M", "S", "f", "Z", "%"]
ZONES = st.sampled_from([UTC, timezone(timedelta(hours=-5), "EST"), timezone(timedelta(minutes=330))])

patterns = st.lists(
    st.one_of(
        st.sampled_from(COMPILED).map(lambda d: "%" + d),
        st.text(st.characters(min_codepoint=32, max_codepoint=126, exclude_characters="%"), max_size=4),
    ),
    max_size=8,
).map("".join)


@given(st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31),
                    timezones=st.none() | ZONES), patterns)
def test_a_compiled_pattern_agrees_with_strftime(value: datetime, pattern: str) -> None:
    formatter = strftime.compiled(pattern)
    assert formatter is not None, pattern
    assert formatter(value) == value.strftime(pattern)


@pytest.mark.parametrize("pattern", ["%b %d", "%A", "%z", "%Y%", "%-d", "\u00e9t\u00e9 %Y", "a\x00%Y"])
def test_other_patterns_stay_with_strftime(pattern: str) -> None:
    assert strftime.compiled(pattern) is None
    # format_datetime still formats them, through strftime.
    value = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)
    if "\x00" not in pattern:
        assert t.format_datetime(value, pattern) == value.strftime(pattern)


def test_years_before_1000_are_written_as_strftime_writes_them() -> None:
    value = datetime(999, 1, 2, tzinfo=UTC)
    assert t.format_datetime(value, "%Y-%m-%d %Z") == value.strftime("%Y-%m-%d %Z")


def test_the_flagship_comment_format_in_another_zone() -> None:
    value = datetime(2025, 1, 2, 3, 4, tzinfo=UTC)
    assert t.format_datetime(value, "%Y-%m-%d %H:%M %Z", tz="America/Chicago") == "2025-01-01 21:04 CST"
