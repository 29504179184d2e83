"""Deterministic crash points at the journal's boundaries, for the crash-point tests.

A run is stopped dead (``Crash`` is a ``BaseException``: nothing in crossmap catches
it but the engine's bookkeeping of an interrupted run) at the n-th passage of one
boundary, on either side of the destination call or of the state store's commit:

- ``journal:after``: the intent is journaled, nothing sent
- ``load:before`` / ``load:after``: around one destination call (a batch, or one
  whole Bulk job on Salesforce, where the job-level points are in
  ``tests/salesforce/test_salesforce_crash_points.py``)
- ``commit:before`` / ``commit:after``: around the store's commit of a call's results
- ``settle:before``: every result is recorded, the intent is still open
"""

from __future__ import annotations

import gc
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import pytest

from crossmap.connectors import LoadResult, Operation
from crossmap.connectors.builtin.jsonl import JsonlDestination
from crossmap.state import StateStore

POINTS = ("journal:after", "load:before", "load:after", "commit:before", "commit:after", "settle:before")


class Crash(BaseException):
    """The process dies here."""


@contextmanager
def crash_expected() -> Iterator[None]:
    """Expect the simulated death, then drop what the dead run left open. A real
    ``kill -9`` leaves nothing behind, but a crash inside the test process leaves the
    connections of requests in flight to the garbage collector, whose
    ``ResourceWarning`` would fail whichever test happens to run at that moment."""
    with pytest.raises(Crash):
        yield
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


class Trigger:
    """Fires once, at the n-th passage of ``point``."""

    def __init__(self, point: str, n: int) -> None:
        self.point, self.n = point, n
        self.seen: dict[str, int] = {}
        self.fired = False

    def passing(self, point: str) -> None:
        self.seen[point] = self.seen.get(point, 0) + 1
        if not self.fired and point == self.point and self.seen[point] == self.n:
            self.fired = True
            raise Crash(f"{point} #{self.n}")


class CrashingStore(StateStore):
    """A state store that dies at the trigger's commit and journal points."""

    trigger: Trigger | None = None

    def _pass(self, point: str) -> None:
        if self.trigger is not None:
            self.trigger.passing(point)

    def journal_intent(self, *args: Any, **kwargs: Any) -> int:
        intent = super().journal_intent(*args, **kwargs)
        self._pass("journal:after")
        return intent

    @contextmanager
    def atomic(self, *names: str) -> Iterator[object]:
        self._pass("commit:before")
        with super().atomic(*names) as transaction:
            yield transaction
        self._pass("commit:after")

    def settle_intent(self, intent: int, found: int = 0, *, by: int | None = None) -> None:
        self._pass("settle:before")
        super().settle_intent(intent, found, by=by)


class CrashingJsonl(JsonlDestination):
    """A jsonl destination that dies around its n-th load call."""

    trigger: Trigger | None = None

    def load(self, object: str, operation: Operation, rows: Sequence[tuple[str, Mapping[str, Any]]], *,
             external_id: str | None = None) -> list[LoadResult]:
        if self.trigger is not None:
            self.trigger.passing("load:before")
        results = super().load(object, operation, rows, external_id=external_id)
        if self.trigger is not None:
            self.trigger.passing("load:after")
        return results
