"""Switchable faults, deterministic by seed.

Every decision is a pure function of ``(seed, fault kind, request number)``: a run with
the same seed and the same request order sees the same faults.
"""

from __future__ import annotations

import random

from attrs import frozen


@frozen
class Faults:
    """Which faults the simulator injects; all off by default.

    - ``burst_429_every``: every N-th API request starts a burst of
      ``burst_429_length`` 429 responses carrying ``Retry-After: burst_retry_after``.
    - ``error_5xx_rate``: fraction of API requests answered 500/502/503.
    - ``slow_rate`` / ``slow_seconds``: fraction of requests delayed that long.
    - ``token_expire_every``: every N-th authenticated request finds its token expired
      (the token dies in the middle of a sync, often during a backoff).
    - ``processing_rate`` / ``processing_polls``: fraction of attachments whose content
      answers ``202 processing`` to its first ``processing_polls`` requests.
    """

    burst_429_every: int = 0
    burst_429_length: int = 3
    burst_retry_after: int = 1
    error_5xx_rate: float = 0.0
    slow_rate: float = 0.0
    slow_seconds: float = 0.05
    token_expire_every: int = 0
    processing_rate: float = 0.0
    processing_polls: int = 2

    @classmethod
    def named(cls, name: str) -> Faults:
        """A preset by name: ``none``, ``429``, ``5xx``, ``slow``, ``token_expiry``,
        ``processing`` or ``all``."""
        presets = {
            "none": cls(),
            "429": cls(burst_429_every=7, burst_429_length=3),
            "5xx": cls(error_5xx_rate=0.15),
            "slow": cls(slow_rate=0.2, slow_seconds=0.05),
            "token_expiry": cls(token_expire_every=9),
            "processing": cls(processing_rate=0.5, processing_polls=2),
        }
        if name == "all":
            return cls(burst_429_every=11, burst_429_length=2, error_5xx_rate=0.08,
                       slow_rate=0.05, slow_seconds=0.02, token_expire_every=13,
                       processing_rate=0.5)
        try:
            return presets[name]
        except KeyError:
            raise ValueError(f"unknown fault preset {name!r}; known: "
                             f"{', '.join([*presets, 'all'])}") from None


def _roll(seed: int, kind: str, n: int | str) -> float:
    return random.Random(f"{seed}/fault/{kind}/{n}").random()


class FaultInjector:
    """Decides, per request, which fault (if any) applies."""

    def __init__(self, seed: int, faults: Faults) -> None:
        self.seed = seed
        self.faults = faults
        self._burst_left = 0
        self._polls: dict[str, int] = {}

    def configure(self, faults: Faults) -> None:
        """Switch faults at run time (bursts in progress end)."""
        self.faults = faults
        self._burst_left = 0

    def throttle(self, n: int) -> int | None:
        """Retry-After seconds if request ``n`` falls in a 429 burst."""
        f = self.faults
        if f.burst_429_every and n % f.burst_429_every == 0:
            self._burst_left = f.burst_429_length
        if self._burst_left > 0:
            self._burst_left -= 1
            return f.burst_retry_after
        return None

    def server_error(self, n: int) -> int | None:
        """A 5xx status for request ``n``, or None."""
        if _roll(self.seed, "5xx", n) < self.faults.error_5xx_rate:
            return (500, 502, 503)[n % 3]
        return None

    def delay(self, n: int) -> float:
        """Seconds to hold request ``n`` before answering."""
        return self.faults.slow_seconds if _roll(self.seed, "slow", n) < self.faults.slow_rate else 0.0

    def expire_token(self, n: int) -> bool:
        """Whether the token used by authenticated request ``n`` has just expired."""
        every = self.faults.token_expire_every
        return bool(every) and n % every == 0

    def processing(self, attachment_id: str) -> bool:
        """Whether this content request finds the attachment still processing."""
        if _roll(self.seed, "processing", attachment_id) >= self.faults.processing_rate:
            return False
        seen = self._polls.get(attachment_id, 0)
        self._polls[attachment_id] = seen + 1
        return seen < self.faults.processing_polls
