"""The rollback ledger: created ids in order, pre-images, and undo marks."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

import crossmap.state.ledger as ledger_module
from crossmap.state import Run, StateError, StateStore


def test_created_newest_first_across_targets(store: StateStore, run: Run) -> None:
    store.record_created(run.id, "Account", ["001A", "001B"])
    store.record_created(run.id, "Contact", ["003A"])
    store.record_created(run.id, "Account", ["001C"])
    assert list(store.created(run.id)) == [
        ("Account", "001C"),
        ("Contact", "003A"),
        ("Account", "001B"),
        ("Account", "001A"),
    ]


def test_created_is_per_run_and_keeps_first_position(store: StateStore, run: Run) -> None:
    other = store.begin_run(spec=run.spec, spec_hash="h", kind="delta", options={})
    store.record_created(run.id, "Account", ["001A", "001B"])
    store.record_created(other.id, "Account", ["001Z"])
    # A resumed run reporting 001A again does not move it to the front.
    store.record_created(run.id, "Account", ["001A", "001C"])
    assert list(store.created(run.id)) == [
        ("Account", "001C"),
        ("Account", "001B"),
        ("Account", "001A"),
    ]
    assert list(store.created(other.id)) == [("Account", "001Z")]


def test_mark_undone_hides_entries_of_that_run_and_target(store: StateStore, run: Run) -> None:
    other = store.begin_run(spec=run.spec, spec_hash="h", kind="delta", options={})
    store.record_created(run.id, "Account", ["001A", "001B"])
    store.record_created(run.id, "Contact", ["001A"])  # same id text, other target
    store.record_created(other.id, "Account", ["001A"])
    store.mark_undone(run.id, "Account", ["001A", "absent"])
    store.mark_undone(run.id, "NeverSeen", ["001B"])
    assert list(store.created(run.id)) == [("Contact", "001A"), ("Account", "001B")]
    assert list(store.created(other.id)) == [("Account", "001A")]
    # Marking again is harmless (rollback is idempotent).
    store.mark_undone(run.id, "Account", ["001A"])
    assert len(list(store.created(run.id))) == 2


def test_undo_marks_are_timestamped(store: StateStore, run: Run) -> None:
    store.record_created(run.id, "Account", ["001A"])
    store.mark_undone(run.id, "Account", ["001A"])
    (undone_at,) = store._db.connection.execute(
        "SELECT undone_at FROM ledger_view WHERE destination_id = '001A'"
    ).fetchone()
    assert undone_at.startswith("2026-01-02T03:04:")


def test_preimages_round_trip_with_strings_for_dates_and_decimals(
    store: StateStore, run: Run
) -> None:
    store.record_preimages(
        run.id,
        "Account",
        [
            (
                "001A",
                {
                    "Name": "Acme",
                    "AnnualRevenue": Decimal("1000000.50"),
                    "Since": date(1999, 5, 1),
                    "Touched": datetime(2025, 1, 1, 12, 0, tzinfo=UTC),
                    "Employees": 12,
                    "Active": True,
                    "Fax": None,
                },
            )
        ],
    )
    assert list(store.preimages(run.id)) == [
        (
            "Account",
            "001A",
            {
                "Name": "Acme",
                "AnnualRevenue": "1000000.50",
                "Since": "1999-05-01",
                "Touched": "2025-01-01T12:00:00+00:00",
                "Employees": 12,
                "Active": True,
                "Fax": None,
            },
        )
    ]


def test_first_preimage_of_a_field_wins(store: StateStore, run: Run) -> None:
    # The run updates 001A twice (main pass, then deferred lookups): the pre-run value
    # of Name is the first one recorded; ParentId is new in the second update.
    store.record_preimages(run.id, "Account", [("001A", {"Name": "Original", "Fax": None})])
    store.record_preimages(
        run.id, "Account", [("001A", {"Name": "Set by pass 1", "ParentId": "001P"})]
    )
    # Within one call too.
    store.record_preimages(
        run.id, "Contact", [("003A", {"Email": "a@x"}), ("003A", {"Email": "b@x", "Phone": "1"})]
    )
    assert list(store.preimages(run.id)) == [
        ("Contact", "003A", {"Email": "a@x", "Phone": "1"}),
        ("Account", "001A", {"Name": "Original", "Fax": None, "ParentId": "001P"}),
    ]


def test_mark_undone_covers_preimages(store: StateStore, run: Run) -> None:
    store.record_preimages(run.id, "Account", [("001A", {"Name": "A"}), ("001B", {"Name": "B"})])
    store.mark_undone(run.id, "Account", ["001B"])
    assert [entry[1] for entry in store.preimages(run.id)] == ["001A"]


def test_ledger_streams_in_pages_while_rollback_marks_undone(
    store: StateStore, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ledger_module, "PAGE", 4)
    ids = [f"001{i:03d}" for i in range(30)]
    store.record_created(run.id, "Account", ids)
    seen = []
    for target, destination_id in store.created(run.id):
        seen.append(destination_id)
        store.mark_undone(run.id, target, [destination_id])
    assert seen == ids[::-1]
    assert list(store.created(run.id)) == []


def test_ledger_calls_with_unknown_run(store: StateStore) -> None:
    with pytest.raises(StateError, match="unknown run 5"):
        store.record_created(5, "Account", ["001"])
    with pytest.raises(StateError, match="unknown run 5"):
        store.record_preimages(5, "Account", [("001", {})])
    with pytest.raises(StateError, match="unknown run 5"):
        list(store.created(5))
    with pytest.raises(StateError, match="unknown run 5"):
        list(store.preimages(5))
    with pytest.raises(StateError, match="unknown run 5"):
        store.mark_undone(5, "Account", ["001"])
