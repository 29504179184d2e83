"""The connector's client-side rate limiter: paces requests under the published limit.

Requests are spaced evenly at ``headroom`` × the per-minute limit, which keeps any
fixed or sliding one-minute window under the limit without bursts. The limit is
learned from ``X-RateLimit-Limit`` when not configured. A ``Retry-After`` (or an
exhausted ``X-RateLimit-Remaining``) pauses every thread until the given time, so
concurrent workers back off together instead of hammering a throttled server.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

from crossmap_qdispatch.clock import Clock


class Pacer:
    """Thread-safe request pacing (a leaky bucket with no burst allowance)."""

    def __init__(self, clock: Clock, per_minute: int | None, *, headroom: float = 0.95,
                 fallback_per_minute: int = 60) -> None:
        if not 0 < headroom <= 1:
            raise ValueError("headroom must be in (0, 1]")
        self.clock = clock
        self.headroom = headroom
        self._configured = per_minute
        self._limit = per_minute or fallback_per_minute
        self._lock = threading.Lock()
        self._next_slot = 0.0
        self._paused_until = 0.0
        self.requests = 0
        self.waited = 0.0

    @property
    def per_minute(self) -> int:
        """The per-minute limit being paced against."""
        return self._limit

    @property
    def interval(self) -> float:
        """Seconds between two request starts."""
        return 60.0 / (self._limit * self.headroom)

    def acquire(self) -> None:
        """Block until this thread may send a request."""
        with self._lock:
            now = self.clock.now()
            slot = max(self._next_slot, now, self._paused_until)
            self._next_slot = slot + self.interval
            self.requests += 1
        wait = slot - now
        if wait > 0:
            self.waited += wait
            self.clock.sleep_until(slot)

    def pause(self, seconds: float) -> None:
        """Hold every thread for ``seconds`` from now (a ``Retry-After``)."""
        with self._lock:
            until = self.clock.now() + max(0.0, seconds)
            self._paused_until = max(self._paused_until, until)
            self._next_slot = max(self._next_slot, self._paused_until)

    def observe(self, headers: Mapping[str, str]) -> None:
        """Learn the limit and react to an exhausted window from response headers."""
        limit = _int(headers.get("x-ratelimit-limit"))
        if limit and self._configured is None and limit != self._limit:
            with self._lock:
                self._limit = limit
                # Slots booked under the fallback guess would waste the real budget.
                self._next_slot = min(self._next_slot,
                                      max(self.clock.now(), self._paused_until) + self.interval)
        remaining = _int(headers.get("x-ratelimit-remaining"))
        reset = _int(headers.get("x-ratelimit-reset"))
        if remaining == 0 and reset:
            self.pause(reset)
        day_remaining = _int(headers.get("x-ratelimit-remaining-day"))
        if day_remaining == 0 and reset:
            # The day window's reset is not published; the 429 that follows carries it.
            self.pause(reset)


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None
