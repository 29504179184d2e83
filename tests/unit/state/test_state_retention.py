"""Closing runs: the ledger goes, from the file's bytes too; the crosswalk stays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from state_helpers import FakeClock

from crossmap.state import RunClosedError, StateError, StateStore
from crossmap.state.retention import (
    describe_close,
    parse_age,
    require_rollback_window,
    select_older_than,
)

SECRET = "Margaret Okonkwo-Vasquez, 17 Quarry Lane, +44 7700 900123"
"""A pre-image no other row of the store contains."""
KEPT = "Harold Pennywhistle, 3 Mill Road"
"""A pre-image of a run left open."""


def raw_bytes(path: Path) -> bytes:
    """The database file and its write-ahead log, as they are on disk."""
    return b"".join(p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists())


def loaded_run(store: StateStore, preimage: str, suffix: str) -> int:
    run = store.begin_run(spec="a.xmap", spec_hash="h", kind="full", options={})
    store.put_ids(run.id, "people->Contact", "Contact", [(f"P-{suffix}", f"003{suffix}", False)])
    store.record_created(run.id, "Contact", [f"003new{suffix}"])
    store.record_preimages(run.id, "Contact", [(f"003{suffix}", {"Name": preimage, "Phone": "+44 7700 900123"})])
    store.record_written(run.id, "Contact", [(f"003{suffix}", "Name,Phone", "d" * 64)])
    store.end_run(run.id, "succeeded")
    return run.id


def test_a_closed_runs_preimages_are_gone_from_the_files_bytes(db_path: Path, store: StateStore) -> None:
    closing = loaded_run(store, SECRET, "1")
    kept = loaded_run(store, KEPT, "2")
    before = raw_bytes(db_path)
    assert SECRET.encode() in before and KEPT.encode() in before  # the search can find it

    report = store.close_runs([closing])

    assert [(c.run_id, c.preimages, c.created, c.written) for c in report.closed] == [(closing, 1, 1, 1)]
    assert report.vacuumed
    after = raw_bytes(db_path)
    assert SECRET.encode() not in after
    assert KEPT.encode() in after  # the open run's rollback window is untouched
    assert not db_path.with_name("state.db-wal").exists() or db_path.with_name("state.db-wal").stat().st_size == 0
    # the crosswalk stays: a re-run still updates 0031 instead of creating a duplicate
    assert store.id_for("people->Contact", "P-1") == "0031"
    assert list(store.preimages(closing)) == [] and list(store.created(closing)) == []
    assert store.written(closing, "Contact", ["0031"]) == {}
    assert [image[2]["Name"] for image in store.preimages(kept)] == [KEPT]
    closed = store.run(closing)
    assert closed.closed and closed.closed_at is not None and closed.status == "succeeded"
    assert not store.run(kept).closed


def test_closed_values_stay_gone_after_reopening(db_path: Path, clock: FakeClock) -> None:
    with StateStore.open(db_path, clock=clock) as store:
        store.close_runs([loaded_run(store, SECRET, "1")])
    with StateStore.open(db_path, clock=clock) as store:
        assert store.run(1).closed
    assert SECRET.encode() not in raw_bytes(db_path)


def test_closing_again_reports_it_and_vacuums_again(store: StateStore) -> None:
    run_id = loaded_run(store, SECRET, "1")
    store.close_runs([run_id])
    again = store.close_runs([run_id])
    assert again.closed == () and again.already_closed == (run_id,) and again.vacuumed
    assert describe_close(again)[0] == f"run {run_id}: already closed"


def test_a_running_run_is_left_open(store: StateStore) -> None:
    running = store.begin_run(spec="a.xmap", spec_hash="h", kind="full", options={})
    store.record_preimages(running.id, "Contact", [("0031", {"Name": SECRET})])
    report = store.close_runs([running.id])
    assert report.still_running == (running.id,) and report.closed == () and not report.vacuumed
    assert not store.run(running.id).closed
    assert [image[2]["Name"] for image in store.preimages(running.id)] == [SECRET]
    assert "still running" in describe_close(report)[0]


def test_an_unknown_run_is_a_state_error(store: StateStore) -> None:
    with pytest.raises(StateError, match="unknown run 9"):
        store.close_runs([9])


def test_a_closed_run_cannot_be_resumed_nor_rolled_back(store: StateStore) -> None:
    run_id = loaded_run(store, SECRET, "1")
    store.close_runs([run_id])
    with pytest.raises(StateError, match=f"run {run_id} was closed"):
        store.resume_run(run_id)
    with pytest.raises(RunClosedError, match=f"run {run_id} cannot be rolled back: it was closed at "):
        require_rollback_window(store.run(run_id))
    require_rollback_window(store.run(loaded_run(store, KEPT, "2")))  # an open run passes


@pytest.mark.parametrize(("text", "age"), [("30d", timedelta(days=30)), ("12h", timedelta(hours=12)),
                                           ("2w", timedelta(weeks=2)), ("90m", timedelta(minutes=90)),
                                           (" 7D ", timedelta(days=7))])
def test_ages(text: str, age: timedelta) -> None:
    assert parse_age(text) == age


@pytest.mark.parametrize("text", ["30", "d", "30 days", "-1d", "1.5d", ""])
def test_unreadable_ages_say_how_to_write_one(text: str) -> None:
    with pytest.raises(StateError, match="e.g. 30d"):
        parse_age(text)


def test_older_than_goes_by_the_end_of_each_run(store: StateStore, clock: FakeClock) -> None:
    clock.now = datetime(2026, 1, 1, tzinfo=UTC)
    old = loaded_run(store, SECRET, "1")
    clock.now = datetime(2026, 3, 1, tzinfo=UTC)
    recent = loaded_run(store, KEPT, "2")
    never_ended = store.begin_run(spec="a.xmap", spec_hash="h", kind="full", options={})
    now = datetime(2026, 3, 15, tzinfo=UTC)
    assert select_older_than(store.runs(), parse_age("30d"), now) == [old]
    assert select_older_than(store.runs(), parse_age("1d"), now) == [old, recent, never_ended.id]
    # A killed run never ended: chosen by its start, then left open because it is running.
    report = store.close_runs(select_older_than(store.runs(), parse_age("1d"), now))
    assert [c.run_id for c in report.closed] == [old, recent] and report.still_running == (never_ended.id,)
