"""A write a killed run left in flight is reconciled by the next run of the spec even
when the spec was edited since and no longer has the step that wrote it (issue 19):
the journal holds what that takes (object, operation, source object, every row's key,
fields, fingerprint and parents). What cannot be reconciled stops the run before it
writes into that object, naming the rows and why."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from crash_points import Crash, CrashingJsonl, CrashingStore, crash_expected
from engine_support import SOURCE, TARGET
from test_crash_points import SPEC, dataset, destination_state

from crossmap.compiler import Plan, compile
from crossmap.connectors import LoadResult, Operation
from crossmap.connectors.builtin.memory import MemorySource
from crossmap.connectors.protocols import Record
from crossmap.engine import Engine, RunOptions
from crossmap.engine.reconcile import UnreconciledWrites
from crossmap.errors import CrossmapError
from crossmap.functions import registry
from crossmap.reports import audit_report, render_text
from crossmap.state import StateStore

COMMENTS = "jobs.notes->Comment"
EDITED = SPEC.split("map jobs.notes")[0]
"""The spec, edited: it no longer loads the notes."""


class DiesAfterComments(CrashingJsonl):
    """Dies once its second Comment batch is written (the store knows the first only)."""

    comment_calls = 0

    def load(self, object: str, operation: Operation, rows: Sequence[tuple[str, Mapping[str, Any]]], *,
             external_id: str | None = None) -> list[LoadResult]:
        results = super().load(object, operation, rows, external_id=external_id)
        if object == "Comment":
            DiesAfterComments.comment_calls += 1
            if DiesAfterComments.comment_calls == 2:
                raise Crash("after the second Comment batch")
        return results


def plan_of(text: str) -> Plan:
    return compile(text, source_schema=SOURCE, target_schema=TARGET, functions=registry())


def run(state: Path, folder: Path, text: str, destination: CrashingJsonl) -> Engine:
    with CrashingStore.open(state) as store:
        try:
            engine = Engine(plan_of(text), MemorySource(dataset(), SOURCE), destination, store,
                            RunOptions(batch_size=5))
            engine.run()
        finally:
            destination.close()
    return engine


def stopped_in_comments(tmp_path: Path) -> int:
    """Run the whole spec until it dies during its comments; the stopped run's id."""
    DiesAfterComments.comment_calls = 0
    with crash_expected():
        run(tmp_path / "state.db", tmp_path / "out", SPEC, DiesAfterComments(tmp_path / "out", schema=TARGET))
    with StateStore.open(tmp_path / "state.db") as store:
        (stopped,) = store.runs()
        assert [i.step for i in store.open_intents(stopped.spec)] == [COMMENTS]
    return stopped.id


def files(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_a_write_of_a_step_the_edited_spec_no_longer_has_is_reconciled_before_the_run_writes(
        tmp_path: Path) -> None:
    stopped = stopped_in_comments(tmp_path)
    landed = destination_state(tmp_path / "out")["Comment"]
    with StateStore.open(tmp_path / "state.db") as store:
        recorded_before = dict(store.crosswalk(COMMENTS))
    engine = run(tmp_path / "state.db", tmp_path / "out", EDITED, CrashingJsonl(tmp_path / "out", schema=TARGET))
    # The edited spec's run wrote no comment, and took none away.
    assert destination_state(tmp_path / "out")["Comment"] == landed
    comments = CrashingJsonl(tmp_path / "out", schema=TARGET)
    ids = {r["Id"] for r in comments.records("Comment")}
    comments.close()
    expected = sum(len(job["notes"]) for job in dataset()["jobs"])
    with StateStore.open(tmp_path / "state.db") as store:
        assert store.open_intents(store.run(stopped).spec) == []
        crosswalk = dict(store.crosswalk(COMMENTS))
        # Every comment that landed is in the crosswalk under the old step's name: the
        # batch the store knew, and the one in flight, found by the reconciliation.
        assert set(crosswalk.values()) == ids and len(crosswalk) == len(ids) > len(recorded_before)
        found = store.found_loaded(stopped)
        assert found == len(ids) - len(recorded_before) == engine.reconciliation.found > 0
        counts = store.outcome_counts(stopped)[COMMENTS]
        # The rows of the interrupted write that had not landed: failed, and why.
        assert counts["created"] == len(ids)
        assert counts.get("failed", 0) == engine.reconciliation.not_loaded
        assert counts["created"] + counts["failed"] == expected  # each row: landed, or failed
        groups = [g for g in store.error_groups(stopped) if g.step == COMMENTS]
        assert all(g.code == "CROSSMAP_NOT_LOADED" and "no longer in the spec" in g.reason for g in groups)
        report = render_text(audit_report(plan_of(SPEC), store, stopped))
        assert f"resumed: {found} rows of writes in flight" in report
        # The run that found them says so too.
        (later,) = [r.id for r in store.runs() if r.id != stopped]
        assert store.found_for_earlier_runs(later) == [(stopped, found)]
        later_report = render_text(audit_report(plan_of(EDITED), store, later))
        assert f"reconciled: {found} rows of writes run {stopped} left in flight were found already loaded" in (
            later_report)


class CommentsGone(CrashingJsonl):
    """A destination that can no longer read Comments back (the object deleted there)."""

    def read(self, object: str, ids: Iterable[str] | None, fields: Sequence[str]) -> Iterator[Record]:
        if object == "Comment":
            raise CrossmapError("INVALID_TYPE: sObject type 'Comment' is not supported")
        return super().read(object, ids, fields)


def test_a_write_that_cannot_be_reconciled_stops_the_run_before_it_writes_naming_its_rows(
        tmp_path: Path) -> None:
    """The destination cannot say what of a write landed (it refuses to read the
    object back): a run that writes into that object stops first, with every row's key
    and the reason, and the write stays open for the next run."""
    stopped = stopped_in_comments(tmp_path)
    before = files(tmp_path / "out")
    with pytest.raises(UnreconciledWrites) as raised:
        run(tmp_path / "state.db", tmp_path / "out", SPEC, CommentsGone(tmp_path / "out", schema=TARGET))
    message = str(raised.value)
    assert f"run {stopped}, step {COMMENTS}" in message
    assert "reading what landed failed: INVALID_TYPE" in message and "nothing was written" in message
    with StateStore.open(tmp_path / "state.db") as store:
        (intent,) = store.open_intents(store.run(stopped).spec)
        keys = [row[0] for row in store.intent_rows(intent.id)]
    assert keys and all(key in message for key in keys[:10])
    assert files(tmp_path / "out") == before
    # Once the destination answers again, the next run reconciles the write and loads.
    run(tmp_path / "state.db", tmp_path / "out", SPEC, CrashingJsonl(tmp_path / "out", schema=TARGET))
    with StateStore.open(tmp_path / "state.db") as store:
        assert store.open_intents(store.run(stopped).spec) == []
    expected = sum(len(job["notes"]) for job in dataset()["jobs"])
    assert sum(destination_state(tmp_path / "out")["Comment"].values()) == expected
