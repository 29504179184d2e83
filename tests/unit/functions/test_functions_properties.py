"""Hypothesis properties: round trips, bounds, and the date fast path agreeing with
strptime on every value of its shape."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import assume, given
from hypothesis import strategies as st

from crossmap.functions import ConversionError, zone
from crossmap.functions import conversions as c
from crossmap.functions import numbers as n
from crossmap.functions import strings as s
from crossmap.functions import temporal as t

ZONES = ["UTC", "America/Chicago", "Europe/London", "Australia/Lord_Howe", "Asia/Kolkata", "-03:30"]

# strftime does not zero-pad years below 1000, and converting an instant near the
# ends of the calendar to another zone overflows: stay inside.
instants = st.datetimes(
    min_value=datetime(1000, 1, 2), max_value=datetime(9998, 12, 30), timezones=st.just(UTC)
)


@given(instants, st.sampled_from(ZONES))
def test_iso8601_round_trips_exactly(instant: datetime, tz: str) -> None:
    text = t.format_datetime(instant, "iso8601", tz)
    assert t.to_datetime(text, "iso8601", "UTC") == instant


@given(
    instants.map(lambda d: d.replace(microsecond=0)),
    st.sampled_from(ZONES),
    st.sampled_from(["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%d.%m.%Y %H:%M:%S"]),
)
def test_wall_clock_formats_round_trip(instant: datetime, tz: str, format: str) -> None:
    wall = instant.astimezone(zone(tz))
    # A wall time the zone repeats names two instants; the text cannot say which.
    assume(wall.replace(fold=1 - wall.fold).utcoffset() == wall.utcoffset())
    text = t.format_datetime(instant, format, tz)
    parsed = t.to_datetime(text, format, tz)
    assert parsed == instant
    assert parsed.tzinfo is not None


@given(
    st.dates(min_value=date(1000, 1, 1)),
    st.sampled_from(["%Y-%m-%d", "%d/%m/%Y", "%Y%m%d", "iso8601"]),
)
def test_dates_round_trip(day: date, format: str) -> None:
    assert t.to_date(t.format_date(day, format), format) == day


SHAPES = {
    "%Y-%m-%d": r"[0-9]{4}-[0-9]{2}-[0-9]{2}",
    "%Y-%m-%d %H:%M:%S": r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}",
    "%Y-%m-%dT%H:%M:%S": r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}",
    "%H:%M:%S": r"[0-9]{2}:[0-9]{2}:[0-9]{2}",
    "%H:%M": r"[0-9]{2}:[0-9]{2}",
}


def _shaped(format: str) -> st.SearchStrategy[tuple[str, str]]:
    # Any digits of the right shape (mostly refused), and real values (accepted).
    real = st.datetimes(min_value=datetime(1000, 1, 1)).map(lambda d: d.strftime(format))
    texts = st.one_of(st.from_regex(f"\\A{SHAPES[format]}\\Z"), real)
    return st.tuples(st.just(format), texts)


@given(st.sampled_from(sorted(SHAPES)).flatmap(_shaped))
def test_fast_path_agrees_with_strptime(case: tuple[str, str]) -> None:
    format, value = case
    assert set(t._ISO_SHAPED) == set(SHAPES)
    try:
        expected: datetime | None = datetime.strptime(value, format)
    except ValueError:
        expected = None
    try:
        got: datetime | None = t._parse(value, format, "datetime")
    except ConversionError:
        got = None
    assert got == expected


@given(st.text(), st.integers(min_value=0, max_value=300))
def test_truncate_never_exceeds_its_length(value: str, length: int) -> None:
    result = s.truncate(value, length)
    assert len(result) <= length
    assert value.startswith(result)
    assert len(result) == min(len(value), length)


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_title_is_idempotent_and_has_no_underscores(value: str) -> None:
    once = s.title(value)
    assert s.title(once) == once
    assert "_" not in once


@given(st.one_of(st.none(), st.text()))
def test_nonblank_keeps_only_text_with_substance(value: str | None) -> None:
    result = s.nonblank(value)
    if result is None:
        assert value is None or not value.strip()
    else:
        assert result == value and result.strip()


@given(st.text(min_size=1), st.sampled_from([";", ", ", "|"]))
def test_join_inverts_split(value: str, separator: str) -> None:
    assert s.join(list(s.split(value, separator)), separator) == value


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_decimal_text_round_trips(value: Decimal) -> None:
    text = c.to_string(value)
    assert "E" not in text and "e" not in text
    assert n.to_decimal(text) == value


@given(st.integers())
def test_integer_text_round_trips(value: int) -> None:
    assert n.to_integer(c.to_string(value)) == value
    assert n.to_integer(n.to_decimal(value)) == value


@given(
    st.decimals(min_value=-(10**12), max_value=10**12, allow_nan=False, places=6),
    st.integers(min_value=0, max_value=4),
)
def test_round_is_within_half_a_unit(value: Decimal, places: int) -> None:
    result = n.round_decimal(value, places)
    assert result.as_tuple().exponent == -places
    assert abs(result - value) <= Decimal(5).scaleb(-places - 1)


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_cents_to_decimal_is_exact(cents: int) -> None:
    amount = n.cents_to_decimal(cents)
    assert amount * 100 == cents
    assert amount.as_tuple().exponent == -2


@given(st.dates(), st.integers(min_value=-3650, max_value=3650))
def test_add_days_and_days_between_agree(day: date, days: int) -> None:
    target = day.toordinal() + days
    if not date.min.toordinal() <= target <= date.max.toordinal():
        try:
            t.add_days(day, days)
        except ConversionError as exc:
            assert "is outside the supported dates" in str(exc)
            return
        raise AssertionError("add_days went past the calendar without an error")
    later = t.add_days(day, days)
    assert later.toordinal() == target
    assert t.days_between(day, later) == days


@given(instants, st.sampled_from(ZONES))
def test_date_of_is_the_date_of_the_wall_clock(instant: datetime, tz: str) -> None:
    text = t.format_datetime(instant, "%Y-%m-%d", tz)
    assert t.date_of(instant, tz) == t.to_date(text, "%Y-%m-%d")
    assert t.date_of(instant, tz) == instant.astimezone(zone(tz)).date()


def test_offsets_are_fixed() -> None:
    assert zone("-03:30") == timezone(-timedelta(hours=3, minutes=30))
