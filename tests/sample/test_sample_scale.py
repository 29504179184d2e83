"""Selecting from a large source: memory holds the selection, not the source.

Size from CROSSMAP_SCALE (customers; each has 3 jobs with 2 items: 10 records per
customer; default 1,500 customers = 15,000 records; tried at 30,000 customers)."""

from __future__ import annotations

import datetime as dt
import os
import time
import tracemalloc
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from crossmap.connectors import Blob, Page, Tombstone
from crossmap.sample import select_sample
from crossmap.schema import Schema
from tests.sample.sample_support import KINDS, SOURCE, STATUSES, T0, plan

SCALE = int(os.environ.get("CROSSMAP_SCALE", "1500"))


class GeneratedSource:
    """Records made as they are extracted: the test's own memory stays flat."""

    def __init__(self, customers: int) -> None:
        self.customers = customers

    def schema(self) -> Schema:
        return SOURCE

    def _records(self, obj: str) -> Iterator[dict[str, Any]]:
        for c in range(self.customers):
            if obj == "customers":
                yield {"id": f"c{c:07}", "name": f"Customer {c}" * 5, "tier": ("gold", "silver", None)[c % 3],
                       "parent_id": None, "manager_id": None}
            for j in range(3):
                job = f"j{c:07}{j}"
                if obj == "jobs":
                    status = "cancelled" if c == self.customers - 1 else STATUSES[(c + j) % 3]
                    yield {"id": job, "customer_id": f"c{c:07}", "title": "A job title " * 8, "status": status,
                           "done_at": T0 + dt.timedelta(minutes=c) if status == "done" else None,
                           "hours": Decimal(c % 40) / 4, "urgent": j == 0}
                for i in range(2):
                    if obj == "items":
                        yield {"id": f"i{job}{i}", "job_id": job, "kind": KINDS[(c + i) % 3],
                               "rate": Decimal(c % 900) / 100}
        if obj == "techs":
            yield {"id": "t0", "email": "t0@example.com"}

    def extract(self, object: str, *, since: dt.datetime | None = None) -> Iterator[Page]:
        page: list[dict[str, Any]] = []
        for record in self._records(object):
            page.append(record)
            if len(page) == 500:
                yield page
                page = []
        if page:
            yield page

    def tombstones(self, object: str, *, since: dt.datetime | None = None) -> Iterator[Tombstone]:
        return iter(())

    def open_blob(self, object: str, key: str, field: str) -> Blob:
        raise AssertionError("no files here")


@pytest.mark.slow
def test_memory_holds_the_selection_not_the_source(capsys: pytest.CaptureFixture[str]) -> None:
    the_plan = plan()
    source = GeneratedSource(SCALE)
    one_page = sum(len(repr(r)) for r in next(source.extract("jobs")))
    tracemalloc.start()
    started = time.perf_counter()
    try:
        selection = select_sample(the_plan, source, 200)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    elapsed = time.perf_counter() - started
    records = SCALE * 10
    with capsys.disabled():
        print(f"\nselected {selection.total} of {records} records in {elapsed:.1f} s, peak {peak / 1e6:.1f} MB")
    assert 100 <= selection.total <= 300
    assert {j["status"] for j in selection.records["jobs"]} == set(STATUSES)
    # the peak is a few pages and the selection, whatever the size of the source
    assert peak < 40 * one_page + 5_000_000
