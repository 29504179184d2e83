"""Read before write's snapshot, spooled to a scratch SQLite table
(``crossmap.engine.snapshot.SnapshotSpool``)."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

from crossmap.engine.snapshot import CHUNK, SnapshotSpool


def test_records_are_found_by_their_external_id_whatever_its_case() -> None:
    with SnapshotSpool() as spool:
        held = spool.fill([
            {"Id": "001A", "Ext__c": "C-1", "Name": "Acme", "Other": "not kept"},
            {"Id": "001B", "Ext__c": "c-2", "Name": None},
            {"Id": "001C", "Ext__c": None, "Name": "no external id"},
            {"Id": "001D", "Ext__c": "", "Name": "an empty one"},
            {"Ext__c": "c-9", "Name": "no Id"},
        ], "Ext__c", ["Name"])
        assert held == spool.size == 2
        # Each value as the rows give it, casefolded to compare; unknown ones left out.
        assert spool.ids(["c-1", "C-2", "C-1", "c-3"]) == {"c-1": "001A", "C-2": "001B", "C-1": "001A"}
        assert spool.fields_of(["001B", "001A", "001Z"]) == {"001A": {"Ext__c": "C-1", "Name": "Acme"},
                                                             "001B": {"Ext__c": "c-2", "Name": None}}


def test_a_later_record_with_the_same_value_wins_as_in_a_dict() -> None:
    with SnapshotSpool() as spool:
        spool.fill([{"Id": "001A", "Ext__c": "X"}, {"Id": "001B", "Ext__c": "x"}], "Ext__c", [])
        assert spool.ids(["X"]) == {"X": "001B"}


def test_values_are_kept_as_the_ledger_keeps_pre_images() -> None:
    """Dates and decimals come back as text, as from the state store's ledger."""
    with SnapshotSpool() as spool:
        spool.fill([{"Id": "a", "K": "1", "When": dt.date(2024, 5, 1), "Amount": Decimal("1.10"), "Flag": True,
                     "Count": 3}], "K", ["When", "Amount", "Flag", "Count"])
        assert spool.fields_of(["a"]) == {"a": {"K": "1", "When": "2024-05-01", "Amount": "1.10", "Flag": True,
                                                "Count": 3}}


def test_many_values_are_looked_up_a_chunk_at_a_time() -> None:
    records = ({"Id": f"id{i}", "K": f"k{i}"} for i in range(3 * CHUNK + 7))
    with SnapshotSpool() as spool:
        spool.fill(records, "K", [])
        statements: list[str] = []
        spool._db.set_trace_callback(statements.append)
        found = spool.ids(f"K{i}" for i in range(0, 3 * CHUNK + 7, 1))
        assert len(found) == 3 * CHUNK + 7 and found["K42"] == "id42"
        assert len([s for s in statements if s.startswith("SELECT")]) == 4  # one per CHUNK values
        assert len(spool.fields_of([f"id{i}" for i in range(2 * CHUNK)])) == 2 * CHUNK


def test_an_empty_snapshot_is_never_queried_and_a_closed_one_answers_nothing() -> None:
    spool = SnapshotSpool()
    assert spool.fill([], "K", []) == 0
    statements: list[str] = []
    spool._db.set_trace_callback(statements.append)
    assert spool.ids(["a"]) == {} and spool.fields_of(["a"]) == {}
    assert statements == []
    spool.fill([{"Id": "a", "K": "a"}], "K", [])
    spool.close()
    spool.close()  # twice is harmless
    assert spool.ids(["a"]) == {} and spool.fields_of(["a"]) == {}


def test_another_thread_may_close_it() -> None:
    """A step sharing its load streams is closed by the group, maybe in another thread."""
    spool = SnapshotSpool()
    spool.fill([{"Id": "a", "K": "a"}], "K", [])
    errors: list[BaseException] = []

    def close() -> None:
        try:
            spool.close()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    worker = threading.Thread(target=close)
    worker.start()
    worker.join()
    assert errors == [] and spool.closed
