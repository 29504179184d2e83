"""Dates, datetimes and times. Formats and zones are always explicit, never guessed:
a format is a ``strptime``/``strftime`` pattern or the word ``iso8601``; a zone is
an IANA name or an offset (see :func:`crossmap.functions.zones.zone`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import TypeVar
from zoneinfo import ZoneInfo

from crossmap.functions.context import FunctionContext
from crossmap.functions.errors import ConversionError
from crossmap.functions.strftime import compiled
from crossmap.functions.zones import zone

ISO8601 = "iso8601"

_Temporal = TypeVar("_Temporal", date, datetime)

_D = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_T = r"[0-9]{2}:[0-9]{2}:[0-9]{2}"

_ON_1900 = date(1900, 1, 1)  # the date strptime gives a time-only format


def _iso_clock(value: str) -> datetime:
    return datetime.combine(_ON_1900, time.fromisoformat(value))


# strptime re-reads its format on every call (several microseconds). For these
# common formats a value of exactly the right shape is parsed by fromisoformat
# instead, which then accepts exactly what strptime would; any other value falls
# through to strptime, so behaviour is identical and only the speed differs.
_ISO_SHAPED: dict[str, tuple[re.Pattern[str], Callable[[str], datetime]]] = {
    "%Y-%m-%d": (re.compile(_D, re.ASCII), datetime.fromisoformat),
    "%Y-%m-%d %H:%M:%S": (re.compile(f"{_D} {_T}", re.ASCII), datetime.fromisoformat),
    "%Y-%m-%dT%H:%M:%S": (re.compile(f"{_D}T{_T}", re.ASCII), datetime.fromisoformat),
    "%H:%M:%S": (re.compile(_T, re.ASCII), _iso_clock),
    "%H:%M": (re.compile(r"[0-9]{2}:[0-9]{2}", re.ASCII), _iso_clock),
}

# fromisoformat also reads date-only text ('2025-01-02', '20250102', '2025-W01-1');
# every form with a time of day is longer than this.
_LONGEST_DATE_ONLY = 10


def _failure(value: str, kind: str, format: str, exc: ValueError) -> ConversionError:
    reason = str(exc)
    if "directive" in reason or "stray %" in reason:
        return ConversionError(f"{format!r} is not a valid {kind} format: {reason}")
    return ConversionError(f"{value!r} is not a {kind} in format {format}")


def _parse(value: str, format: str, kind: str) -> datetime:
    """strptime, with the fast path for ISO-shaped values of the common formats."""
    try:
        fast = _ISO_SHAPED.get(format)
        if fast is not None and fast[0].fullmatch(value):
            return fast[1](value)
        return datetime.strptime(value, format)
    except ValueError as exc:
        raise _failure(value, kind, format, exc) from None


def to_date(value: str, format: str) -> date:
    """The date written in ``value`` in ``format`` (``%d/%m/%Y``, or ``iso8601``)."""
    if format == ISO8601:
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise _failure(value, "date", format, exc) from None
    return _parse(value, format, "date").date()


def to_datetime(value: str, format: str, tz: str = "UTC") -> datetime:
    """The instant written in ``value`` in ``format``, always aware.

    A value with an offset (``iso8601`` with ``Z`` or ``+02:00``, or a format with
    ``%z``) keeps it; a value without one is read as wall-clock time in ``tz``. A wall
    time that the zone skips (a daylight-saving gap) is refused; one it repeats is
    read as the first of the two.
    """
    if format == ISO8601:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError as exc:
            raise _failure(value, "datetime", format, exc) from None
        if len(value) <= _LONGEST_DATE_ONLY:
            raise ConversionError(
                f"{value!r} is not a datetime in format {format}: it has no time of day"
            )
    else:
        parsed = _parse(value, format, "datetime")
    if parsed.tzinfo is not None:
        return parsed
    where = zone(tz)
    # combine() rather than replace(tzinfo=...): several times faster on 3.11.
    local = datetime.combine(parsed.date(), parsed.time(), where)
    if type(where) is ZoneInfo and _changes_on(where, parsed) and _skipped(local, where):
        raise ConversionError(f"{value!r} does not exist in time zone {tz}: the clocks skip it")
    return local


# (zone, day number) -> whether the zone's offset changes during that local day.
# Checking every value for a daylight-saving gap costs more than parsing it; only
# values on the few days a year with a transition need the full check.
_TRANSITION_DAYS: dict[tuple[tzinfo, int], bool] = {}
_MAX_TRANSITION_DAYS = 100_000
_MIDNIGHT = time(0)
# fold=1 reads a midnight that falls in a gap with the offset after the gap, so a
# gap that ends exactly at the next midnight still shows as a change of offset.
_NEXT_MIDNIGHT = time(0, fold=1)
_ONE_DAY = timedelta(days=1)


def _changes_on(where: tzinfo, wall: datetime) -> bool:
    key = (where, wall.toordinal())
    changes = _TRANSITION_DAYS.get(key)
    if changes is None:
        day = wall.date()
        start = datetime.combine(day, _MIDNIGHT, where).utcoffset()
        try:
            end = datetime.combine(day + _ONE_DAY, _NEXT_MIDNIGHT, where).utcoffset()
        except OverflowError:  # the last day of the calendar: check every value
            end = None
        changes = start != end
        if len(_TRANSITION_DAYS) >= _MAX_TRANSITION_DAYS:
            _TRANSITION_DAYS.clear()
        _TRANSITION_DAYS[key] = changes
    return changes


def _skipped(local: datetime, where: tzinfo) -> bool:
    # In a gap the wall time does not survive a round trip through UTC; in an
    # overlap (or a normal hour) it does.
    back = local.astimezone(UTC).astimezone(where)
    return back.replace(tzinfo=None) != local.replace(tzinfo=None)


def to_date_in(value: str, formats: list[str]) -> date:
    """The date written in ``value`` in the first of ``formats`` that reads all of
    it. The order is the spec's, never guessed: ``["%d/%m/%Y", "%m/%d/%Y"]`` reads
    ``01/02/2025`` as the first of February."""
    return _first_format(value, formats, "date", to_date)


def to_datetime_in(value: str, formats: list[str], tz: str = "UTC") -> datetime:
    """The instant written in ``value`` in the first of ``formats`` that reads all
    of it, as :func:`to_datetime` reads it in that format."""
    return _first_format(value, formats, "datetime", lambda v, f: to_datetime(v, f, tz))


def _first_format(value: str, formats: list[str], kind: str, read: Callable[[str, str], _Temporal]) -> _Temporal:
    if not formats:
        raise ConversionError(f"no {kind} format to read {value!r} with: the list of formats is empty")
    for format in formats:
        if not isinstance(format, str):
            raise ConversionError(f"{format!r} is not a {kind} format: formats are strings")
        try:
            return read(value, format)
        except ConversionError as exc:
            if "is not a valid" in str(exc) or "does not exist in time zone" in str(exc):
                raise  # a broken format, or a wall time the zone skips: not a reason to try the next
    raise ConversionError(f"{value!r} is not a {kind} in any of the formats {', '.join(formats)}")


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def from_epoch_seconds(value: Decimal) -> datetime:
    """The instant ``value`` seconds after 1970-01-01T00:00:00Z (Unix time; a
    fraction keeps its microseconds), in UTC."""
    return _from_epoch(value, 1, "seconds")


def from_epoch_millis(value: Decimal) -> datetime:
    """The instant ``value`` milliseconds after 1970-01-01T00:00:00Z, in UTC
    (JavaScript's ``Date.now()``, many APIs' timestamps)."""
    return _from_epoch(value, 1000, "milliseconds")


def _from_epoch(value: Decimal | int, per_second: int, unit: str) -> datetime:
    try:
        micros = int(Decimal(value) * 1_000_000 / per_second)
        return _EPOCH + timedelta(microseconds=micros)
    except (OverflowError, ArithmeticError, ValueError):
        raise ConversionError(f"{value} {unit} since 1970 is outside the supported datetimes") from None


def to_time(value: str, format: str) -> time:
    """The time of day written in ``value`` in ``format`` (``%H:%M``, or ``iso8601``)."""
    if format == ISO8601:
        try:
            return time.fromisoformat(value)
        except ValueError as exc:
            raise _failure(value, "time", format, exc) from None
    return _parse(value, format, "time").timetz()


def format_date(value: date, format: str) -> str:
    """The date as text in ``format`` (``strftime`` pattern, or ``iso8601``)."""
    if format == ISO8601:
        return value.isoformat()
    return value.strftime(format)


def format_datetime(value: datetime, format: str, tz: str = "UTC") -> str:
    """The instant as wall-clock text in ``tz``, in ``format`` (``strftime`` pattern,
    or ``iso8601``, which includes the offset). A value without an offset is taken as
    already being wall-clock time in ``tz``."""
    where = zone(tz)
    if value.tzinfo is None:
        local = datetime.combine(value.date(), value.time(), where)
    else:
        local = value.astimezone(where)
    if format == ISO8601:
        return local.isoformat()
    fast = compiled(format)
    return local.strftime(format) if fast is None else fast(local)


def date_of(value: datetime, tz: str = "UTC") -> date:
    """The calendar date of the instant in ``tz``: ``2025-01-02T03:00Z`` is
    ``2025-01-01`` in ``America/Chicago``. A value without an offset keeps its date."""
    if value.tzinfo is None:
        return value.date()
    return value.astimezone(zone(tz)).date()


def add_days(value: date, days: int) -> date:
    """The date ``days`` days later (earlier when negative)."""
    try:
        return value + timedelta(days=days)
    except OverflowError:
        raise ConversionError(
            f"{value.isoformat()} plus {days} days is outside the supported dates"
        ) from None


def days_between(start: date, end: date) -> int:
    """Whole days from ``start`` to ``end``; negative when ``end`` is earlier."""
    return (end - start).days


def now(*, context: FunctionContext) -> datetime:
    """The current instant from the run's clock (aware, UTC); fixed under test."""
    return context.now()


def today(tz: str | None = None, *, context: FunctionContext) -> date:
    """Today's date in ``tz``, or in the run's default time zone when ``tz`` is
    null or not given."""
    return context.now().astimezone(zone(context.default_tz if tz is None else tz)).date()
