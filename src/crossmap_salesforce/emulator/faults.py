"""Fault injection: failures a real org produces now and then, on purpose.

Off by default. When switched on, each kind of fault draws from its own
``random.Random`` seeded from the run's seed, so the same seed and the same sequence
of requests give the same faults, run after run.
"""

from __future__ import annotations

import random
import threading

from attrs import field, frozen


@frozen
class FaultPlan:
    """Which faults to inject and how often (rates are shares between 0 and 1)."""

    seed: int = 0
    lock_row_rate: float = 0.0
    """Share of record writes that fail with ``UNABLE_TO_LOCK_ROW``."""
    unavailable_rate: float = 0.0
    """Share of API requests answered with a 503."""
    latency_ms: int = 0
    """Latency added to every API request."""
    bulk_fail_rate: float = 0.0
    """Share of Bulk API 2.0 ingest jobs that end ``Failed``."""
    _rngs: dict[str, random.Random] = field(factory=dict, init=False, repr=False, eq=False)
    _lock: threading.Lock = field(factory=threading.Lock, init=False, repr=False, eq=False)

    @property
    def active(self) -> bool:
        """Is any fault switched on?"""
        return bool(
            self.lock_row_rate or self.unavailable_rate or self.latency_ms or self.bulk_fail_rate
        )

    def _draw(self, kind: str, rate: float) -> bool:
        if rate <= 0:
            return False
        with self._lock:
            rng = self._rngs.get(kind)
            if rng is None:
                rng = self._rngs[kind] = random.Random(f"{self.seed}:{kind}")
            return rng.random() < rate

    def lock_row(self) -> bool:
        """Should this record write fail with ``UNABLE_TO_LOCK_ROW``?"""
        return self._draw("lock_row", self.lock_row_rate)

    def unavailable(self) -> bool:
        """Should this request get a 503?"""
        return self._draw("unavailable", self.unavailable_rate)

    def bulk_fails(self) -> bool:
        """Should this Bulk API 2.0 job end ``Failed``?"""
        return self._draw("bulk", self.bulk_fail_rate)
