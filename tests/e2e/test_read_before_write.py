"""Read before write (issue 19): before an upsert step's first write, one query reads
the records it is about to match by external id. A record that was in the
destination before the run (made by someone else) is updated by its Id, without the
fields only a create may set, and its pre-image is kept so a rollback restores it."""

from __future__ import annotations

import os
import tracemalloc
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from engine_support import SOURCE, T0, TARGET, dataset, plan

from crossmap.connectors import LoadResult, Operation
from crossmap.connectors.builtin.memory import MemoryDestination, MemorySource
from crossmap.engine import Engine, RunOptions, rollback
from crossmap.state import StateStore


class Counting(MemoryDestination):
    """Counts reads of every record of an object (the snapshot's one query)."""

    full_reads: list[str]

    def read(self, object, ids, fields):  # type: ignore[no-untyped-def]
        if ids is None:
            self.full_reads.append(object)
        return super().read(object, ids, fields)


def test_a_record_there_before_the_run_is_updated_and_restored_by_rollback(tmp_path: Path) -> None:
    target = Counting(TARGET)
    target.full_reads = []
    (before,) = target.load("Account", "insert", [("x", {"Ext__c": "c1", "Name": "Made by hand"})])
    with StateStore.open(tmp_path / "state.db") as store:
        engine = Engine(plan(), MemorySource(dataset(), SOURCE), target, store, RunOptions(batch_size=2))
        summary = engine.run()
        accounts = summary.counts["customers->Account"]
        assert accounts == {"created": 1, "updated": 1, "failed": 1}  # c1 was there, c2 is new, c3 fails
        assert store.id_for("customers->Account", "c1") == before.id
        assert target.full_reads.count("Account") == 1  # one snapshot for the step, none per batch
        assert [r["Name"] for r in target.records("Account") if r["Id"] == before.id] == ["Acme"]
        assert rollback(plan(), target, store, summary.run.id).ok
    assert [r["Name"] for r in target.records("Account")] == ["Made by hand"]


SCALE = int(os.environ.get("CROSSMAP_SCALE", "20000"))
"""Records the destination already holds, all matched by the run (a bounded size in CI)."""


class Existing(MemoryDestination):
    """A destination already holding ``SCALE`` Accounts with external ids, which keeps
    nothing: its snapshot is generated as it is read, and a load only answers."""

    held = SCALE

    def snapshot(self, object: str, key: str, fields: Sequence[str]) -> Iterator[dict[str, Any]]:
        return ({"Id": f"001{i:012d}", key: f"C{i}", "Name": f"Old name {i}"} for i in range(self.held))

    def load(self, object: str, operation: Operation, rows: Sequence[tuple[str, Mapping[str, Any]]], *,
             external_id: str | None = None) -> list[LoadResult]:
        return [LoadResult(ref, str(row.get("Id") or f"new-{ref}"), created=operation != "update")
                for ref, row in rows]


def _peak(folder: Path, records: int) -> int:
    """The Python heap's peak during a run of ``records`` customers, each matching a
    record the destination holds already."""
    customers = [{"id": f"c{i}", "name": f"Customer {i}", "updated_at": T0} for i in range(records)]
    target = Existing(TARGET)
    target.held = records
    with StateStore.open(folder / "state.db") as store:
        engine = Engine(plan(), MemorySource({"customers": customers, "jobs": []}, SOURCE), target, store,
                        RunOptions(parallel=1, prefetch=0, batch_size=500))
        # What is bounded anyway (the rows of a batch, the crosswalk cache), out of the way.
        engine.lookups.size = 1000
        tracemalloc.start()
        try:
            summary = engine.run()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert summary.counts["customers->Account"] == {"updated": records}  # each matched by the snapshot
        assert store.id_for("customers->Account", f"c{records - 1}") == f"001{records - 1:012d}"
        # The pre-images come from the snapshot (this destination reads nothing back).
        (image,) = [fields for _, id, fields in store.preimages(summary.run.id) if id == f"001{0:012d}"]
        assert image["Name"] == "Old name 0"
    return peak


@pytest.mark.slow
def test_a_step_matching_many_existing_records_keeps_memory_bounded(tmp_path: Path) -> None:
    """The snapshot of the records an upsert step matches waits in a scratch
    database, not in memory: from a quarter of ``SCALE`` existing records to all of
    them, the run's Python heap peak grows by less than 40 bytes a record. Held in
    dicts (Id, casefolded external id and the step's fields per record, then by Id for
    the pre-images) it grew by about 500 bytes a record."""
    small, large = SCALE // 4, SCALE
    (tmp_path / "small").mkdir()
    (tmp_path / "large").mkdir()
    first = _peak(tmp_path / "small", small)  # first: what a first run allocates once is in both
    grown = _peak(tmp_path / "large", large) - first
    assert grown < 40 * (large - small), f"{grown / (large - small):.0f} bytes a record"
