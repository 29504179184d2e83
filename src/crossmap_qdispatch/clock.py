"""Clocks: the system's, and a manual one so tests never sleep.

The simulator (token expiry, rate-limit windows, mutation timestamps) and the
connector (pacing, ``Retry-After``, backoff) both take a clock; giving both the same
``ManualClock`` makes a test of a one-minute rate-limit window run in milliseconds.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Clock(Protocol):
    """Wall-clock seconds since the epoch, and a way to wait."""

    def now(self) -> float:
        """Seconds since the Unix epoch."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` (a manual clock just moves forward)."""
        ...

    def sleep_until(self, deadline: float) -> None:
        """Wait until ``now() >= deadline``."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> float:
        """``time.time()``."""
        return time.time()

    def sleep(self, seconds: float) -> None:
        """``time.sleep()``."""
        if seconds > 0:
            time.sleep(seconds)

    def sleep_until(self, deadline: float) -> None:
        """Sleep until the wall clock reaches ``deadline``."""
        self.sleep(deadline - time.time())


class ManualClock:
    """A clock that moves only when told to; ``sleep`` advances it instantly.

    Thread-safe, because the connector's worker threads and the simulator's event loop
    read it concurrently.
    """

    def __init__(self, start: float) -> None:
        self._now = float(start)
        self._lock = threading.Lock()

    def now(self) -> float:
        """The current manual time."""
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds``."""
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        with self._lock:
            self._now += seconds

    def sleep(self, seconds: float) -> None:
        """Advance instead of waiting."""
        if seconds > 0:
            self.advance(seconds)

    def sleep_until(self, deadline: float) -> None:
        """Jump to ``deadline`` unless time is already past it. Absolute deadlines keep
        concurrent sleepers honest: two threads waiting for t+1 and t+2 end at t+2,
        not at t+3 as two relative sleeps would."""
        with self._lock:
            self._now = max(self._now, deadline)
