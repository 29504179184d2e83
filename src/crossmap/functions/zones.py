"""Time zones by name, cached: the date functions look one up on every call."""

from __future__ import annotations

import re
from datetime import UTC, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crossmap.functions.errors import ConversionError

# A fixed offset written the ISO 8601 way: +02:00, -0530, +05.
_OFFSET = re.compile(r"([+-])([0-9]{2}):?([0-9]{2})?", re.ASCII)

# Seeded with the names that need no tz database; everything else is added on first
# use. A plain dict read is several times cheaper than ZoneInfo's own cache.
_ZONES: dict[str, tzinfo] = {"UTC": UTC, "Z": UTC, "Etc/UTC": UTC}


def zone(name: str) -> tzinfo:
    """The time zone called ``name``: an IANA name (``America/Chicago``), ``UTC`` or
    ``Z``, or a fixed offset (``+02:00``, ``-0530``).

    Raises :class:`ConversionError` for anything else: zones are never guessed.
    """
    try:
        return _ZONES[name]
    except KeyError:
        pass
    except TypeError:  # an unhashable value from a record
        raise ConversionError(f"{name!r} is not a time zone") from None
    found = _parse(name)
    _ZONES[name] = found
    return found


def _parse(name: str) -> tzinfo:
    if not isinstance(name, str):
        raise ConversionError(f"{name!r} is not a time zone")
    offset = _OFFSET.fullmatch(name)
    if offset is not None:
        sign, hours, minutes = offset.groups()
        delta = timedelta(hours=int(hours), minutes=int(minutes or 0))
        if delta >= timedelta(hours=24):
            raise ConversionError(f"{name!r} is not a time zone: offsets stay under 24:00")
        return timezone(-delta if sign == "-" else delta)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # ValueError: not a relative path, or not a TZif file; OSError: unreadable.
        raise ConversionError(
            f"{name!r} is not a time zone (expected an IANA name such as "
            f"'America/Chicago', 'UTC', or an offset such as '+02:00')"
        ) from None
