"""The coverage pass streams: its peak memory does not grow with the record count.
Size from CROSSMAP_SCALE (records of the small run; the large run has four times as
many)."""

from __future__ import annotations

import os
import tracemalloc
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from preflight_support import SOURCE, TARGET, plan

from crossmap import schema as s
from crossmap.preflight import check_coverage
from crossmap.preflight.audit import effective_schema

SCALE = int(os.environ.get("CROSSMAP_SCALE", "2000"))


class Generated:
    """A source whose records are made as pages are asked for (nothing held)."""

    def __init__(self, customers: int) -> None:
        self.customers = customers

    def schema(self) -> s.Schema:
        return SOURCE

    def extract(self, object: str, *, since: datetime | None = None) -> Iterator[list[dict[str, Any]]]:
        for start in range(0, self.customers, 200):
            page = []
            for i in range(start, min(start + 200, self.customers)):
                if object == "customers":
                    page.append({"id": f"c{i}", "name": f"Customer {i}", "tier": ("Gold", "Platinum")[i % 2],
                                 "segment": f"Segment {i}"})
                else:
                    page.append({"id": f"j{i}", "customer_id": f"c{i}", "title": f"Job {i}", "tech_id": f"t{i % 7}"})
            yield page

    def tombstones(self, object: str, *, since: datetime | None = None) -> Iterator[Any]:
        return iter(())

    def open_blob(self, object: str, key: str, field: str) -> Iterator[bytes]:
        return iter(())


def peak(customers: int) -> tuple[int, int]:
    compiled = plan()
    target = effective_schema(TARGET, compiled.declarations)
    tracemalloc.start()
    try:
        coverage = check_coverage(compiled, Generated(customers), target)  # type: ignore[arg-type]
        _, top = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    issue = next(i for i in coverage.issues if i.field == "Tier__c")
    return top, issue.count


@pytest.mark.slow
def test_coverage_memory_stays_flat_as_records_grow() -> None:
    small, small_count = peak(SCALE)
    large, large_count = peak(4 * SCALE)
    assert (small_count, large_count) == (SCALE // 2, 2 * SCALE)  # every Platinum counted
    # Distinct values are capped (50 kept per problem), so four times the records
    # must not take four times the memory.
    assert large < small * 1.5 + 256 * 1024, (small, large)
