"""Read before write (issue 19): before an upsert step's first write, one query reads
the records it is about to match by external id. A record that was in the
destination before the run (made by someone else) is updated by its Id, without the
fields only a create may set, and its pre-image is kept so a rollback restores it."""

from __future__ import annotations

from pathlib import Path

from engine_support import SOURCE, TARGET, dataset, plan

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
