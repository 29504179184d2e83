"""Delta watermarks per spec and source object."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from crossmap.state import Run, StateError, StateStore


def test_no_watermark_before_the_first_delta(store: StateStore) -> None:
    assert store.watermark("a.xmap", "Job") is None


def test_set_and_read_back_in_utc(store: StateStore, run: Run) -> None:
    chicago = timezone(timedelta(hours=-6))
    value = datetime(2026, 3, 1, 18, 30, 15, 123456, tzinfo=chicago)
    store.set_watermark("a.xmap", "Job", value, run.id)
    got = store.watermark("a.xmap", "Job")
    assert got == value
    assert got is not None and got.utcoffset() == timedelta(0)
    assert store.watermark("a.xmap", "Customer") is None
    assert store.watermark("b.xmap", "Job") is None


def test_latest_set_wins_even_backwards(store: StateStore, run: Run) -> None:
    later = store.begin_run(spec="a.xmap", spec_hash="h", kind="delta", options={})
    store.set_watermark("a.xmap", "Job", datetime(2026, 3, 2, tzinfo=UTC), run.id)
    store.set_watermark("a.xmap", "Job", datetime(2026, 3, 1, tzinfo=UTC), later.id)
    assert store.watermark("a.xmap", "Job") == datetime(2026, 3, 1, tzinfo=UTC)
    (setter,) = store._db.connection.execute(
        "SELECT run_id FROM watermarks WHERE spec = 'a.xmap' AND source_object = 'Job'"
    ).fetchone()
    assert setter == later.id


def test_naive_datetime_refused(store: StateStore, run: Run) -> None:
    with pytest.raises(ValueError, match="no timezone"):
        store.set_watermark("a.xmap", "Job", datetime(2026, 3, 1), run.id)
    assert store.watermark("a.xmap", "Job") is None


def test_unknown_run_refused(store: StateStore) -> None:
    with pytest.raises(StateError, match="unknown run 3"):
        store.set_watermark("a.xmap", "Job", datetime(2026, 3, 1, tzinfo=UTC), 3)
