"""``crossmap.reports.status``: the runs of a spec as ``crossmap status`` shows them,
as data (its ``--json``) and as a table."""

from __future__ import annotations

from pathlib import Path

from crossmap.reports.status import render_status, runs_overview
from crossmap.state import Outcome, StateStore


def test_an_empty_store_has_no_runs(tmp_path: Path) -> None:
    with StateStore.open(tmp_path / "state.db") as store:
        overview = runs_overview(store)
    assert overview == {"holder": None, "runs": []}
    assert render_status(overview) == ["no runs yet"]


def test_runs_newest_first_with_their_counts(tmp_path: Path) -> None:
    with StateStore.open(tmp_path / "state.db") as store:
        first = store.begin_run(spec="x.xmap", spec_hash="h", kind="full", options={})
        store.record_outcomes(first.id, "customers", "customers", [
            Outcome("c1", "created"), Outcome("c2", "created"), Outcome("c3", "failed", code="X", reason="no")])
        store.end_run(first.id, "succeeded")
        second = store.begin_run(spec="x.xmap", spec_hash="h", kind="delta", options={})
        overview = runs_overview(store)
    runs = overview["runs"]
    assert [r["id"] for r in runs] == [second.id, first.id]
    assert (runs[1]["records"], runs[1]["failed"], runs[1]["kind"]) == (3, 1, "full")
    assert runs[0]["ended_at"] is None and runs[1]["ended_at"] is not None
    lines = render_status(overview)
    assert lines[0].split() == ["run", "kind", "status", "started", "records", "failed", "notes"]
    assert lines[2].split()[:2] == [str(first.id), "full"] and lines[2].split()[-2:] == ["3", "1"]
    assert len(lines) == 3


def test_the_holder_comes_first(tmp_path: Path) -> None:
    lines = render_status({"holder": "crossmap run (pid 42)", "runs": []})
    assert lines == ["in use by crossmap run (pid 42)", "no runs yet"]
