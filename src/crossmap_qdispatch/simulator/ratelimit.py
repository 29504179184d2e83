"""The simulator's published rate limits: fixed per-minute and per-day windows per
client, reported in ``X-RateLimit-*`` headers and enforced with ``429`` +
``Retry-After``."""

from __future__ import annotations

import math

from attrs import define, field, frozen

from crossmap_qdispatch.clock import Clock


@frozen
class Limits:
    """Requests allowed per client per minute and per (UTC) day."""

    per_minute: int = 600
    per_day: int = 50_000


@frozen
class Decision:
    """The outcome of one request against the limits, and the headers to send."""

    allowed: bool
    headers: dict[str, str]
    retry_after: int | None = None


@define
class _Usage:
    minute: int = -1
    minute_count: int = 0
    day: int = -1
    day_count: int = 0


@define
class RateLimiter:
    """Fixed-window counters per client; rejected requests do not count."""

    limits: Limits
    clock: Clock
    _usage: dict[str, _Usage] = field(factory=dict)

    def check(self, client: str) -> Decision:
        """Count a request by ``client`` if the windows allow it."""
        now = self.clock.now()
        minute, day = int(now // 60), int(now // 86400)
        use = self._usage.setdefault(client, _Usage())
        if use.minute != minute:
            use.minute, use.minute_count = minute, 0
        if use.day != day:
            use.day, use.day_count = day, 0
        minute_reset = math.ceil((minute + 1) * 60 - now)
        day_reset = math.ceil((day + 1) * 86400 - now)
        allowed = (use.minute_count < self.limits.per_minute and
                   use.day_count < self.limits.per_day)
        if allowed:
            use.minute_count += 1
            use.day_count += 1
        headers = {
            "X-RateLimit-Limit": str(self.limits.per_minute),
            "X-RateLimit-Remaining": str(max(0, self.limits.per_minute - use.minute_count)),
            "X-RateLimit-Reset": str(max(1, minute_reset)),
            "X-RateLimit-Limit-Day": str(self.limits.per_day),
            "X-RateLimit-Remaining-Day": str(max(0, self.limits.per_day - use.day_count)),
        }
        if allowed:
            return Decision(True, headers)
        wait = day_reset if use.day_count >= self.limits.per_day else minute_reset
        return Decision(False, headers, max(1, wait))
