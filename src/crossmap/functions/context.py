"""What a function may know about the run: the clock and the default time zone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from attrs import field, frozen

from crossmap.functions.zones import zone


def _system_now() -> datetime:
    return datetime.now(UTC)


def _check_tz(_instance: object, _attribute: object, value: str) -> None:
    # Fail when the run is configured, not on the first record that calls today().
    zone(value)


@frozen
class FunctionContext:
    """Passed by the generated code to every function that declares a keyword-only
    ``context: FunctionContext`` parameter (``now``, ``today``); the compiler hides it
    from the spec's argument list.

    ``now`` returns the current instant, aware and in UTC; inject a fixed clock to
    make transforms deterministic under test (see :meth:`fixed`). ``default_tz`` is
    the run's default IANA time zone.
    """

    now: Callable[[], datetime] = field(default=_system_now)
    default_tz: str = field(default="UTC", validator=_check_tz)

    @classmethod
    def fixed(cls, at: datetime, *, default_tz: str = "UTC") -> FunctionContext:
        """A context whose clock always reads ``at`` (which must be aware)."""
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError(f"a fixed clock needs an aware datetime, not {at.isoformat()}")
        instant = at.astimezone(UTC)
        return cls(now=lambda: instant, default_tz=default_tz)
