"""Time for the emulator, injectable so tests never sleep."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]
"""Returns the current time as an aware UTC datetime."""


def system_clock() -> datetime:
    """The real time, in UTC."""
    return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to (for tests and reproducible demos)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, **delta: float) -> None:
        """Move forward by ``timedelta(**delta)``."""
        with self._lock:
            self._now += timedelta(**delta)


def sf_datetime(value: datetime) -> str:
    """A datetime in Salesforce's wire form, ``2024-01-02T03:04:05.000+0000``."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"
