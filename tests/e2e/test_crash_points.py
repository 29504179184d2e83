"""A run stopped at every journal boundary, then resumed, ends with the destination
an uninterrupted run leaves: 0 lost, 0 duplicated, 0 on a wrong parent. For an
upsert step (Case, on an external id) and an insert-only one (Comment: no external
id, two identical comments on most parents), into the jsonl destination.

The bounded matrix runs in CI; ``CROSSMAP_CRASH_MATRIX=full`` crashes at every
passage of every boundary."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from crash_points import POINTS, Crash, CrashingJsonl, CrashingStore, Trigger
from engine_support import SOURCE, T0, TARGET

from crossmap.compiler import Plan, compile
from crossmap.connectors import LoadResult, Operation
from crossmap.connectors.builtin.memory import MemorySource
from crossmap.engine import Engine, RunOptions
from crossmap.engine.sharing import SEPARATOR
from crossmap.functions import registry
from crossmap.reports import audit_report, render_text
from crossmap.state import StateStore

SPEC = """source memory
target memory

map customers -> Account {
  upsert on Ext__c
  Ext__c = id
  Name   = name ?? "(none)"
}

map jobs -> Case {
  upsert on Ext__c
  Ext__c    = id
  Subject   = title
  AccountId = lookup(customers, customer_id)
}

map jobs.notes as note -> Comment {
  key id + "#" + to_string(note.n)
  Body   = note.text
  CaseId = lookup(jobs, id)
}
"""
CUSTOMERS = 12
BATCH = 5
FULL = os.environ.get("CROSSMAP_CRASH_MATRIX") == "full"


def insert_only_plan() -> Plan:
    return compile(SPEC, source_schema=SOURCE, target_schema=TARGET, functions=registry())


def dataset() -> dict[str, list[dict[str, Any]]]:
    """Two jobs per customer; on most jobs two identical notes (one comment each)."""
    data: dict[str, list[dict[str, Any]]] = {"customers": [], "jobs": []}
    for i in range(CUSTOMERS):
        data["customers"].append({"id": f"c{i}", "name": f"Customer {i}", "updated_at": T0})
        for j in range(2):
            notes = [{"n": n, "text": "same words"} for n in range(2)] if (i + j) % 3 else []
            data["jobs"].append({"id": f"j{i}-{j}", "customer_id": f"c{i}", "title": f"Job {j}",
                                 "updated_at": T0, "notes": notes})
    return data


def destination_state(folder: Path) -> dict[str, Counter[tuple[Any, ...]]]:
    """Every record by object as a multiset, its lookups replaced by the external id
    of the record they point at (so a comment on the wrong case differs)."""
    destination = CrashingJsonl(folder, schema=TARGET)
    records = {o: destination.records(o) for o in ("Account", "Case", "Comment")}
    destination.close()
    ext = {r["Id"]: r.get("Ext__c") for rs in records.values() for r in rs}
    return {o: Counter(tuple(sorted((k, ext.get(v, v)) for k, v in r.items() if k != "Id")) for r in rs)
            for o, rs in records.items()}


def run(state: Path, folder: Path, trigger: Trigger | None = None, resume: int | None = None) -> None:
    with CrashingStore.open(state) as store:
        store.trigger = trigger
        destination = CrashingJsonl(folder, schema=TARGET)
        destination.trigger = trigger
        try:
            engine = Engine(insert_only_plan(), MemorySource(dataset(), SOURCE), destination, store,
                            RunOptions(batch_size=BATCH))
            engine.resume(resume) if resume is not None else engine.run()
        finally:
            destination.close()


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Counter[tuple[Any, ...]]]:
    root = tmp_path_factory.mktemp("reference")
    run(root / "state.db", root / "out")
    state = destination_state(root / "out")
    assert sum(state["Comment"].values()) > len(state["Comment"])  # identical comments exist
    with StateStore.open(root / "state.db") as store:
        (done,) = store.runs()
        REFERENCE_COUNTS.update(store.outcome_counts(done.id))
    return state


REFERENCE_COUNTS: dict[str, dict[str, int]] = {}
"""The uninterrupted run's outcome counts per step."""


def compare(found: dict[str, Counter[tuple[Any, ...]]], reference: dict[str, Counter[tuple[Any, ...]]]
            ) -> dict[str, int]:
    """Lost and duplicated records (a record on a wrong parent counts as one of each)."""
    lost = sum(((reference[o] - found[o]).total() for o in reference), 0)
    duplicated = sum(((found[o] - reference[o]).total() for o in reference), 0)
    return {"lost": lost, "duplicated": duplicated}


def _passages(point: str) -> range:
    """The passages of ``point`` crashed at: an uninterrupted run passes the journal's
    own points once per load stream (3), the others once per batch (12)."""
    last = 3 if point in ("journal:after", "settle:before") else 12
    return range(1, last + 1) if FULL else range(1, last + 1, 1 if last == 3 else 3)


def crash_then_resume(go: Callable[..., None], tmp_path: Path, point: str, n: int) -> int:
    """Run with a crash at the ``n``-th passage of ``point`` (skipped when an
    uninterrupted run passes it fewer times: no such moment exists), then resume;
    the stopped run's id."""
    trigger = Trigger(point, n)
    try:
        go(tmp_path / "state.db", tmp_path / "out", trigger)
    except Crash:
        pass
    if not trigger.fired:
        pytest.skip(f"an uninterrupted run passes {point} fewer than {n} times")
    with StateStore.open(tmp_path / "state.db") as store:
        (stopped,) = store.runs()
        assert stopped.status == "interrupted"
    go(tmp_path / "state.db", tmp_path / "out", resume=stopped.id)
    return stopped.id


CASES = [(point, n) for point in POINTS for n in _passages(point)]


@pytest.mark.parametrize(("point", "n"), CASES, ids=[f"{p}-{n}" for p, n in CASES])
def test_a_run_stopped_at_a_boundary_resumes_exactly(point: str, n: int, tmp_path: Path,
                                                     reference: dict[str, Counter[tuple[Any, ...]]]) -> None:
    stopped = crash_then_resume(run, tmp_path, point, n)
    assert compare(destination_state(tmp_path / "out"), reference) == {"lost": 0, "duplicated": 0}
    with StateStore.open(tmp_path / "state.db") as store:
        assert store.run(stopped).status == "succeeded"
        assert store.open_intents(store.run(stopped).spec) == []
        counts = store.outcome_counts(stopped)
        # Every record created once, as in an uninterrupted run: what the run had
        # loaded already is neither sent again nor reported as updated.
        assert counts["jobs.notes->Comment"] == {"created": sum(reference["Comment"].values())}
        assert counts == REFERENCE_COUNTS
        if point in ("load:after", "commit:before") or point == "journal:after" and n > 0:
            report = audit_report(insert_only_plan(), store, stopped)
            assert report.found_loaded == store.found_loaded(stopped)
            assert ("found already loaded" in render_text(report)) == (report.found_loaded > 0)
        if point in ("load:after", "commit:before"):
            assert store.found_loaded(stopped) > 0  # the batch in flight had landed


# Two steps of one wave into one object (issue 19, B2): their rows share one load
# stream per operation, journaled under each step's own intent. The second step's
# comment has the very values of a note on the same case, and keys that repeat the
# notes' keys, so neither the reconciliation nor the results may mix the two steps up.
SHARED_SPEC = SPEC.replace("lookup(jobs, id)", "lookup(jobs -> Case, id)") + """
map jobs -> Comment {
  key id + "#0"
  insert
  Body   = "same words"
  CaseId = lookup(jobs -> Case, id)
}
"""
SHARED_REFERENCE_COUNTS: dict[str, dict[str, int]] = {}


def shared_plan() -> Plan:
    return compile(SHARED_SPEC, source_schema=SOURCE, target_schema=TARGET, functions=registry())


class CountingJsonl(CrashingJsonl):
    """Remembers the steps (places in their group) whose rows each Comment call carried."""

    calls: list[set[str]]

    def load(self, object: str, operation: Operation, rows: Sequence[tuple[str, Mapping[str, Any]]], *,
             external_id: str | None = None) -> list[LoadResult]:
        if object == "Comment":
            self.calls.append({ref.partition(SEPARATOR)[0] for ref, _ in rows})
        return super().load(object, operation, rows, external_id=external_id)


def run_shared(state: Path, folder: Path, trigger: Trigger | None = None, resume: int | None = None,
               parallel: int = 4) -> list[set[str]]:
    with CrashingStore.open(state) as store:
        store.trigger = trigger
        destination = CountingJsonl(folder, schema=TARGET)
        destination.trigger, destination.calls = trigger, []
        try:
            engine = Engine(shared_plan(), MemorySource(dataset(), SOURCE), destination, store,
                            RunOptions(batch_size=BATCH, parallel=parallel))
            engine.resume(resume) if resume is not None else engine.run()
        finally:
            destination.close()
    return destination.calls


@pytest.fixture(scope="module")
def shared_reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Counter[tuple[Any, ...]]]:
    root = tmp_path_factory.mktemp("shared-reference")
    calls = run_shared(root / "state.db", root / "out")
    assert any(len(places) == 2 for places in calls)  # a call carried rows of both steps: one stream
    state = destination_state(root / "out")
    with StateStore.open(root / "state.db") as store:
        (done,) = store.runs()
        SHARED_REFERENCE_COUNTS.update(store.outcome_counts(done.id))
    assert SHARED_REFERENCE_COUNTS["jobs->Comment"] == {"created": 2 * CUSTOMERS}
    # One step alone, then both one after another: the same records either way.
    serial = tmp_path_factory.mktemp("shared-serial")
    run_shared(serial / "state.db", serial / "out", parallel=1)
    assert destination_state(serial / "out") == state
    return state


SHARED_CASES = [(point, n) for point in POINTS for n in ((1, 2, 3, 4, 6, 9, 12) if FULL else (1, 2))]


@pytest.mark.parametrize(("point", "n"), SHARED_CASES, ids=[f"{p}-{n}" for p, n in SHARED_CASES])
def test_two_steps_sharing_one_stream_resume_exactly(point: str, n: int, tmp_path: Path,
                                                     shared_reference: dict[str, Counter[tuple[Any, ...]]]) -> None:
    stopped = crash_then_resume(run_shared, tmp_path, point, n)
    assert compare(destination_state(tmp_path / "out"), shared_reference) == {"lost": 0, "duplicated": 0}
    with StateStore.open(tmp_path / "state.db") as store:
        assert store.run(stopped).status == "succeeded"
        assert store.open_intents(store.run(stopped).spec) == []
        assert store.outcome_counts(stopped) == SHARED_REFERENCE_COUNTS
