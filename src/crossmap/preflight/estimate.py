"""The API calls a run will need, against the destination's remaining daily budget,
and how long the run should take. Both are estimates, and say so.

Calls: what the engine would hand the destination (from the coverage pass: each
step's rows as one load stream, files 100 at a time; for a destination without load
streams, in ``batch_size`` batches) priced by the destination's optional
``estimate_calls(batch_sizes) -> int`` capability (its real batching rules: a
Salesforce stream of 1,200 rows or more is one Bulk job), else one call per batch. Extraction: the source's optional
``extraction_requests(object, records) -> int``, paced by its optional
``requests_per_minute() -> float | None``. Loading time: calls × (the measured round
trip of the budget check + ``SERVER_SECONDS_PER_CALL``). Steps are timed one after
another, as a run without parallel waves loads them.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from attrs import frozen

from crossmap.compiler import Plan, ir
from crossmap.connectors import Destination, Source, StreamingDestination
from crossmap.connectors.protocols import (
    BudgetedDestination,
    PricingDestination,
    RateLimitedSource,
    RequestCountingSource,
    capability,
)
from crossmap.errors import CrossmapError
from crossmap.preflight.coverage import Coverage

SERVER_SECONDS_PER_CALL = 0.5
"""Time a destination spends on one write call of a batch, beyond the network round
trip (a Salesforce collection of 200 rows with triggers and sharing typically takes
0.3–2 s). A documented guess: preflight cannot time a write without writing."""
RESOLUTION_READ_PAGE = 2000
"""Records per page when a resolve block reads the destination (a SOQL query page)."""


@frozen
class StepCalls:
    """API calls to load one step's rows (``deferred``: its later update pass), and
    source requests to extract its records."""

    step: str
    target: str
    rows: int
    calls: int
    deferred_calls: int
    extraction_requests: int
    seconds: float


@frozen
class Estimate:
    """The run's calls and duration, and the destination's daily budget (``None``
    where the connectors cannot tell)."""

    steps: tuple[StepCalls, ...]
    resolution_calls: int
    total_calls: int
    extraction_requests: int
    budget_remaining: int | None
    budget_max: int | None
    budget_message: str | None
    requests_per_minute: float | None
    round_trip: float | None
    seconds: float
    notes: tuple[str, ...] = ()

    @property
    def budget_short(self) -> bool:
        """Would the run exhaust the destination's remaining daily requests?"""
        return self.budget_message is not None


def estimate(
    plan: Plan,
    coverage: Coverage,
    source: Source,
    destination: Destination,
    *,
    batch_size: int = 10_000,
    destination_records: Mapping[str, int] | None = None,
    counts: Mapping[str, int] | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> Estimate:
    """Price the run ``coverage`` describes. ``destination_records`` are how many
    records each resolve block reads from the destination; ``counts`` the source's
    records per object (default: those the coverage pass read)."""
    counts = coverage.counts if counts is None else counts
    pricing = capability(destination, PricingDestination)
    price: Callable[[Iterable[int]], int] = pricing.estimate_calls if pricing is not None else _one_per_batch
    streams = isinstance(destination, StreamingDestination)
    counting = capability(source, RequestCountingSource)
    per_object: Callable[[str, int], int] | None = counting.extraction_requests if counting is not None else None
    limited = capability(source, RateLimitedSource)
    rate: float | None = limited.requests_per_minute() if limited is not None else None
    notes = []
    if per_object is None:
        notes.append("the source cannot say how many requests extraction takes: counted as none")
    budget_remaining = budget_max = None
    message = None
    round_trip = None
    steps: list[StepCalls] = []
    budgeted = capability(destination, BudgetedDestination)
    check = budgeted.check_budget if budgeted is not None else None
    deferred = {step.name for step in plan.steps if any(a.deferred or _defers(a.value) for a in step.assignments)}
    for step in coverage.steps:
        sizes = _sizes(step.batches)
        calls = price(sizes if streams else (c for size in sizes for c in _chunks(size, batch_size)))
        again = price(_chunks(step.rows, batch_size)) if step.step in deferred else 0
        requests = 0
        if per_object is not None:
            # The engine extracts a step's source object for the step, and again for
            # its deferred pass.
            requests = per_object(step.source, counts.get(step.source, 0)) * (2 if again else 1)
        steps.append(StepCalls(step.step, step.target, step.rows, calls, again, requests, 0.0))
    resolution_calls = sum(max(1, math.ceil(n / RESOLUTION_READ_PAGE)) for n in (destination_records or {}).values())
    resolution_requests = 0
    if per_object is not None:
        resolution_requests = sum(per_object(r.source, counts.get(r.source, 0)) for r in plan.resolutions)
    total = sum(s.calls + s.deferred_calls for s in steps) + resolution_calls + (1 if check else 0)
    if check is not None:
        started = clock()
        try:
            limits: Any = check(total)
            round_trip = clock() - started
        except CrossmapError as error:
            round_trip = clock() - started
            message = str(error)
            limits = _limits(check)
        if limits is not None:
            budget_remaining = int(limits.daily_api_remaining)
            budget_max = int(limits.daily_api_max)
    else:
        notes.append("the destination does not report an API budget")
    per_call = (round_trip or 0.0) + SERVER_SECONDS_PER_CALL
    timed = []
    for s in steps:
        extract = 60.0 * s.extraction_requests / rate if rate else 0.0
        # Extraction runs ahead of loading in a background thread: the slower one paces the step.
        timed.append(StepCalls(s.step, s.target, s.rows, s.calls, s.deferred_calls, s.extraction_requests,
                               max(extract, (s.calls + s.deferred_calls) * per_call)))
    seconds = sum(s.seconds for s in timed) + (60.0 * resolution_requests / rate if rate else 0.0)
    seconds += resolution_calls * per_call
    if rate is None:
        notes.append("the source publishes no rate limit: extraction time not counted")
    return Estimate(tuple(timed), resolution_calls, total, sum(s.extraction_requests for s in timed) + resolution_requests,
                    budget_remaining, budget_max, message, rate, round_trip, seconds, tuple(notes))


def _limits(check: Callable[[int], Any]) -> Any:
    try:
        return check(0)
    except CrossmapError:
        return None


def _defers(node: object) -> bool:
    return isinstance(node, ir.Lookup) and node.missing == "defer"


def _sizes(batches: Iterable[tuple[int, int]]) -> Iterator[int]:
    for size, times in batches:
        for _ in range(times):
            yield size


def _chunks(rows: int, size: int) -> Iterator[int]:
    full, rest = divmod(rows, size)
    yield from (size for _ in range(full))
    if rest:
        yield rest


def _one_per_batch(batch_sizes: Iterable[int]) -> int:
    return sum(1 for size in batch_sizes if size > 0)
