"""The org's daily API budget: read ``/limits`` before a run, stop before running dry.

Salesforce counts REST calls against a rolling 24-hour allowance shared by every
integration of the org. A migration that exhausts it halfway locks everybody out, so
a run estimates its calls first and refuses to start (or to go on) when the remaining
requests would not cover them; the run stays resumable from its state store.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from attrs import frozen

from crossmap_salesforce.composite import MAX_COLLECTION
from crossmap_salesforce.transport import Api, BudgetExceeded

BULK_CALLS_PER_JOB = 7
"""Create, upload, close, about three polls, and the three result downloads."""
BULK_THRESHOLD = 6 * MAX_COLLECTION
"""Rows from which one Bulk API 2.0 job (create, upload, close, a poll, the results:
five or six calls) costs no more calls than sObject Collections at 200 rows a call."""
BULK_ROWS_PER_UPLOAD = 100_000
"""Rows the connector puts in one job (well under the 150 MB upload limit)."""


@frozen
class Limits:
    """The parts of ``GET /limits`` a run cares about."""

    daily_api_max: int
    daily_api_remaining: int
    bulk_ingest_records_remaining: int | None = None


def fetch_limits(api: Api) -> Limits:
    """``GET /limits`` (this call itself counts as one request)."""
    body = api.json("GET", "limits/")
    daily = body.get("DailyApiRequests") or {}
    bulk = body.get("BulkV2IngestRecords") or {}
    return Limits(int(daily.get("Max", 0)), int(daily.get("Remaining", 0)),
                  int(bulk["Remaining"]) if "Remaining" in bulk else None)


def estimate_calls(batch_sizes: Iterable[int], *, bulk_threshold: int = BULK_THRESHOLD) -> int:
    """API calls needed to load batches of these sizes (one call per 200 rows below
    the Bulk threshold, about seven per Bulk job above it)."""
    total = 0
    for size in batch_sizes:
        if size <= 0:
            continue
        if size >= bulk_threshold:
            total += BULK_CALLS_PER_JOB * math.ceil(size / BULK_ROWS_PER_UPLOAD)
        else:
            total += math.ceil(size / MAX_COLLECTION)
    return total


def check_budget(api: Api, estimated_calls: int, *, reserve: int = 0) -> Limits:
    """The org's limits, or :class:`BudgetExceeded` when ``estimated_calls`` (plus a
    ``reserve`` left for other integrations) exceed the remaining daily requests."""
    limits = fetch_limits(api)
    needed = estimated_calls + reserve
    if needed > limits.daily_api_remaining:
        raise BudgetExceeded(
            f"the run needs about {estimated_calls} API requests"
            + (f" (plus {reserve} kept in reserve)" if reserve else "")
            + f" but the org has {limits.daily_api_remaining} of its {limits.daily_api_max} "
            "daily requests left; nothing was loaded. Resume the run once the rolling 24-hour "
            "window frees enough requests, or raise the org's limit."
        )
    return limits
