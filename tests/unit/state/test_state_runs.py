"""Runs: begin, end, look-up, listing, the last successful run, and step progress."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from state_helpers import FakeClock

from crossmap.errors import CrossmapError
from crossmap.state import Run, StateError, StateStore


def test_begin_run_records_everything(store: StateStore, clock: FakeClock) -> None:
    started = clock.now
    run = store.begin_run(
        spec="specs/a.xmap",
        spec_hash="abc123",
        kind="delta",
        options={"batch": 200, "since": date(2026, 1, 1), "ratio": Decimal("0.5")},
    )
    assert run == Run(
        id=run.id,
        spec="specs/a.xmap",
        spec_hash="abc123",
        kind="delta",
        # JSON has no dates or Decimals: they come back as text.
        options={"batch": 200, "since": "2026-01-01", "ratio": "0.5"},
        started_at=started,
        ended_at=None,
        status="running",
        parent=None,
    )
    assert store.run(run.id) == run


def test_end_run_sets_status_and_end_time(store: StateStore, run: Run, clock: FakeClock) -> None:
    ended = clock.now
    store.end_run(run.id, "failed")
    stored = store.run(run.id)
    assert stored.status == "failed"
    assert stored.ended_at == ended
    assert stored.started_at < ended


def test_rolled_back_keeps_the_original_end_time(store: StateStore, run: Run) -> None:
    store.end_run(run.id, "succeeded")
    ended = store.run(run.id).ended_at
    store.end_run(run.id, "rolled_back")
    assert store.run(run.id).status == "rolled_back"
    assert store.run(run.id).ended_at == ended


def test_resume_run_sets_it_running_again(store: StateStore, run: Run) -> None:
    store.end_run(run.id, "interrupted")
    resumed = store.resume_run(run.id)
    assert (resumed.status, resumed.ended_at) == ("running", None)
    assert store.run(run.id) == resumed


def test_unknown_run_is_a_state_error(store: StateStore) -> None:
    with pytest.raises(StateError, match="unknown run 42") as raised:
        store.run(42)
    assert isinstance(raised.value, CrossmapError)
    for call in (
        lambda: store.end_run(42, "failed"),
        lambda: store.resume_run(42),
        lambda: store.mark_step_done(42, "Account"),
        lambda: store.steps_done(42),
        lambda: store.begin_run(spec="s", spec_hash="h", kind="retry", options={}, parent=42),
    ):
        with pytest.raises(StateError, match="unknown run 42"):
            call()


@pytest.mark.parametrize("kind", ["", "FULL", "incremental"])
def test_unknown_kind_refused(store: StateStore, kind: str) -> None:
    with pytest.raises(ValueError, match="unknown run kind"):
        store.begin_run(spec="s", spec_hash="h", kind=kind, options={})
    assert store.runs() == []


@pytest.mark.parametrize("status", ["running", "done", ""])
def test_unknown_end_status_refused(store: StateStore, run: Run, status: str) -> None:
    with pytest.raises(ValueError, match="unknown run status"):
        store.end_run(run.id, status)
    assert store.run(run.id).status == "running"


def test_runs_newest_first_and_by_spec(store: StateStore) -> None:
    a1 = store.begin_run(spec="a.xmap", spec_hash="1", kind="full", options={})
    b1 = store.begin_run(spec="b.xmap", spec_hash="1", kind="full", options={})
    a2 = store.begin_run(spec="a.xmap", spec_hash="2", kind="delta", options={})
    assert [r.id for r in store.runs()] == [a2.id, b1.id, a1.id]
    assert [r.id for r in store.runs("a.xmap")] == [a2.id, a1.id]
    assert store.runs("c.xmap") == []


def test_parent_links_a_retry_to_its_run(store: StateStore, run: Run) -> None:
    retry = store.begin_run(spec=run.spec, spec_hash="h1", kind="retry", options={}, parent=run.id)
    assert store.run(retry.id).parent == run.id


def test_last_run_filters_kind_and_status(store: StateStore) -> None:
    full = store.begin_run(spec="a.xmap", spec_hash="1", kind="full", options={})
    store.end_run(full.id, "succeeded")
    delta = store.begin_run(spec="a.xmap", spec_hash="1", kind="delta", options={})
    store.end_run(delta.id, "succeeded")
    failed = store.begin_run(spec="a.xmap", spec_hash="1", kind="delta", options={})
    store.end_run(failed.id, "failed")
    sample = store.begin_run(spec="a.xmap", spec_hash="1", kind="sample", options={})
    store.end_run(sample.id, "succeeded")
    other = store.begin_run(spec="b.xmap", spec_hash="1", kind="full", options={})
    store.end_run(other.id, "succeeded")

    found = store.last_run("a.xmap", kinds=("full", "delta"))
    assert found is not None and found.id == delta.id
    only_full = store.last_run("a.xmap", kinds=("full",))
    assert only_full is not None and only_full.id == full.id
    last_failed = store.last_run("a.xmap", kinds=("full", "delta"), status="failed")
    assert last_failed is not None and last_failed.id == failed.id
    assert store.last_run("a.xmap", kinds=("rollback",)) is None
    assert store.last_run("a.xmap", kinds=()) is None
    assert store.last_run("c.xmap", kinds=("full",)) is None


def test_steps_done_per_run(store: StateStore, run: Run) -> None:
    other = store.begin_run(spec="a.xmap", spec_hash="1", kind="full", options={})
    assert store.steps_done(run.id) == set()
    store.mark_step_done(run.id, "Customer->Account")
    store.mark_step_done(run.id, "Contact->Contact")
    store.mark_step_done(run.id, "Customer->Account")  # idempotent
    store.mark_step_done(other.id, "Job->Case")
    assert store.steps_done(run.id) == {"Customer->Account", "Contact->Contact"}
    assert store.steps_done(other.id) == {"Job->Case"}


def test_default_clock_is_utc(tmp_path: Path) -> None:
    with StateStore.open(tmp_path / "s.db") as store:
        before = datetime.now(UTC)
        run = store.begin_run(spec="s", spec_hash="h", kind="full", options={})
        assert run.started_at.tzinfo is not None
        assert run.started_at.utcoffset() == UTC.utcoffset(None)
        assert abs((run.started_at - before).total_seconds()) < 60
