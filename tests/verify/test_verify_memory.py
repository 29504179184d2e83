"""``crossmap verify`` on the in-memory connectors: a clean run verifies clean; a
value changed, a record deleted, an extra record and a child moved to another parent
after the run are each found; a resumed run verifies clean; a run alone, and the
fingerprints alone (no source at hand)."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
from engine_support import SOURCE, T0, TARGET, dataset, plan

from crossmap.connectors import LoadResult, Operation
from crossmap.connectors.builtin.memory import MemoryDestination, MemorySource
from crossmap.engine import Engine, RunOptions
from crossmap.state import StateStore
from crossmap.verify import VerifyError, VerifyReport, render_html, render_text, verify


@pytest.fixture
def store(tmp_path: Path) -> Iterator[StateStore]:
    with StateStore.open(tmp_path / "state.db") as opened:
        yield opened


def _run(store: StateStore, destination: MemoryDestination, data: dict[str, list[dict[str, Any]]] | None = None
         ) -> int:
    source = MemorySource(data or dataset(), SOURCE)
    return Engine(plan(), source, destination, store, RunOptions(batch_size=2, now=lambda: T0)).run().run.id


def _verify(store: StateStore, destination: MemoryDestination, run_id: int | None = None,
            data: dict[str, list[dict[str, Any]]] | None = None, *, with_source: bool = True) -> VerifyReport:
    source = MemorySource(data or dataset(), SOURCE) if with_source else None
    return verify(plan(), destination, store, source=source, run_id=run_id)


def _one(destination: MemoryDestination, obj: str, ext: str) -> dict[str, Any]:
    (found,) = [r for r in destination.records(obj) if r.get("Ext__c") == ext]
    return found


def _update(destination: MemoryDestination, obj: str, row: dict[str, Any]) -> None:
    (result,) = destination.load(obj, "update", [("x", row)])
    assert result.ok, result


def test_a_clean_run_verifies_clean(store: StateStore) -> None:
    destination = MemoryDestination(TARGET)
    run_id = _run(store, destination)
    report = _verify(store, destination)
    assert report.ok, render_text(report)
    assert report.runs == (run_id,) and report.compared_with == "source"
    assert {s.step: s.checked for s in report.steps} == {
        "customers->Account": 2, "jobs->Case": 2, "jobs.notes->Comment": 2}
    assert report.totals() == {"equal": 2 * 3 + 2 * 3 + 2 * 3}
    assert report.missing == report.extra == report.wrong_parent == 0
    assert all(t.extras_checked for t in report.targets)
    assert report.api_calls is None and report.reads >= 3
    assert "verified" in render_text(report) and "NOT" not in render_text(report)
    assert "<h1>Verify: verified</h1>" in render_html(report)
    assert '"ok": true' in report.to_json()


def test_a_value_changed_after_the_run_is_found(store: StateStore) -> None:
    destination = MemoryDestination(TARGET)
    _run(store, destination)
    _update(destination, "Case", {"Id": _one(destination, "Case", "j2")["Id"], "Subject": "Drip"})
    report = _verify(store, destination)
    assert not report.ok
    (subject,) = [f for f in report.fields if f.step == "jobs->Case" and f.field == "Subject"]
    # The memory destination keeps no modification stamp: changed, not attributed.
    assert subject.counts == {"equal": 1, "changed": 1}
    (example,) = subject.examples["changed"]
    assert (example.key, example.computed, example.stored) == ("j2", "Leak", "Drip")
    assert any("no modification stamp" in n for n in report.notes)


def test_a_record_deleted_in_the_destination_is_missing(store: StateStore) -> None:
    destination = MemoryDestination(TARGET)
    _run(store, destination)
    case = _one(destination, "Case", "j2")
    (gone,) = destination.load("Case", "delete", [("x", {"Id": case["Id"]})])
    assert gone.ok
    report = _verify(store, destination)
    assert not report.ok and report.missing == 1
    (cases,) = [s for s in report.steps if s.step == "jobs->Case"]
    assert cases.missing == 1 and cases.examples["missing"][0].key == "j2"
    assert report.totals()["missing"] == 3  # each of its mapped fields


def test_an_extra_record_is_found(store: StateStore) -> None:
    destination = MemoryDestination(TARGET)
    _run(store, destination)
    # As a crash between a write and its record in the crosswalk leaves one.
    (made,) = destination.load("Account", "insert", [("x", {"Name": "Orphan", "Ext__c": "c9"})])
    assert made.ok
    # A record of the org's own, without the migration's external id, is no extra.
    destination.load("Account", "insert", [("y", {"Name": "Theirs"})])
    report = _verify(store, destination)
    assert not report.ok and report.extra == 1
    (accounts,) = [t for t in report.targets if t.target == "Account"]
    assert accounts.read == 4 and accounts.examples[0].id == made.id and "c9" in (accounts.examples[0].note or "")


def test_a_child_moved_to_another_parent_is_counted(store: StateStore) -> None:
    destination = MemoryDestination(TARGET)
    _run(store, destination)
    other = _one(destination, "Account", "c2")["Id"]
    _update(destination, "Case", {"Id": _one(destination, "Case", "j1")["Id"], "AccountId": other})
    report = _verify(store, destination)
    assert not report.ok and report.wrong_parent == 1
    (cases,) = [s for s in report.steps if s.step == "jobs->Case"]
    assert cases.examples["wrong parent"][0].key == "j1"


def test_a_source_changed_since_the_run_is_no_destination_problem(store: StateStore) -> None:
    destination = MemoryDestination(TARGET)
    _run(store, destination)
    data = dataset()
    data["jobs"][1]["title"] = "Big leak"
    report = _verify(store, destination, data=data)
    assert report.ok, render_text(report)
    (cases,) = [s for s in report.steps if s.step == "jobs->Case"]
    assert cases.source_changed == 1 and cases.checked == 2


def test_one_run_alone(store: StateStore) -> None:
    destination = MemoryDestination(TARGET)
    first = _run(store, destination)
    data = dataset()
    data["customers"].append({"id": "c4", "name": "Delta Co", "updated_at": T0})
    second = _run(store, destination, data)
    report = _verify(store, destination, second, data=data)
    assert report.ok and report.runs == (second, first)
    # The second run updated every record again and created c4.
    assert {s.step: s.checked for s in report.steps}["customers->Account"] == 3
    with pytest.raises(VerifyError, match="no run 99"):
        _verify(store, destination, 99)


def test_fingerprints_alone_without_the_source(store: StateStore) -> None:
    destination = MemoryDestination(TARGET)
    _run(store, destination)
    assert _verify(store, destination, with_source=False).ok
    _update(destination, "Case", {"Id": _one(destination, "Case", "j2")["Id"], "Subject": "Drip"})
    report = _verify(store, destination, with_source=False)
    assert report.compared_with == "fingerprints" and not report.ok
    (whole,) = [f for f in report.fields if f.step == "jobs->Case"]
    assert whole.counts == {"equal": 1, "changed": 1}


def test_a_field_written_empty_and_set_since_is_found_without_the_source(store: StateStore) -> None:
    # j2 has no title: the run wrote its Case's Subject empty. The memory destination
    # fills nothing in, so a subject set there by hand is a change of what the run wrote.
    data = dataset()
    data["jobs"][1]["title"] = None
    destination = MemoryDestination(TARGET)
    _run(store, destination, data)
    assert _verify(store, destination, data=data, with_source=False).ok
    j2 = _one(destination, "Case", "j2")
    assert j2.get("Subject") is None
    _update(destination, "Case", {"Id": j2["Id"], "Subject": "Set by hand"})
    report = _verify(store, destination, data=data, with_source=False)
    assert not report.ok
    (whole,) = [f for f in report.fields if f.step == "jobs->Case"]
    assert whole.counts == {"equal": 1, "changed": 1}


def test_nothing_to_verify(store: StateStore) -> None:
    with pytest.raises(VerifyError, match="no run"):
        _verify(store, MemoryDestination(TARGET))


class _Crashing(MemoryDestination):
    """Stops the process (as a kill would) on its ``after``-th write."""

    def __init__(self, after: int) -> None:
        super().__init__(TARGET)
        self.after = after

    def load(self, object: str, operation: Operation, rows: Sequence[tuple[str, Mapping[str, Any]]], *,
             external_id: str | None = None) -> list[LoadResult]:
        self.after -= 1
        if self.after == 0:
            raise KeyboardInterrupt
        return super().load(object, operation, rows, external_id=external_id)


def test_a_resumed_run_verifies_clean(store: StateStore) -> None:
    destination = _Crashing(after=3)
    with pytest.raises(KeyboardInterrupt):
        _run(store, destination)
    (interrupted,) = store.runs()
    assert interrupted.status == "interrupted"
    half = _verify(store, destination)
    # Half a run: the deferred pass never filled c2's parent.
    assert not half.ok and half.wrong_parent == 1
    Engine(plan(), MemorySource(dataset(), SOURCE), destination, store,
           RunOptions(batch_size=2, now=lambda: T0)).resume(interrupted.id)
    report = _verify(store, destination)
    assert report.ok, render_text(report)
    assert sum(s.checked for s in report.steps) == 6


class _WriteOnly(MemoryDestination):
    def read(self, object: str, ids: Any, fields: Sequence[str]) -> Iterator[dict[str, Any]]:
        raise NotImplementedError


def test_a_destination_that_cannot_read_back_says_so(store: StateStore) -> None:
    destination = MemoryDestination(TARGET)
    _run(store, destination)
    blind = _WriteOnly(TARGET)
    with pytest.raises(VerifyError, match="cannot read records back"):
        _verify(store, blind)
