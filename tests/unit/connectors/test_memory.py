"""The memory connectors and the load semantics they share with the jsonl destination."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from crossmap.connectors import Destination, Source, Tombstone
from crossmap.connectors.builtin import MemoryDestination, MemorySource
from crossmap.connectors.registry import ConnectorError
from crossmap.schema import (
    Boolean,
    Enum,
    FieldSchema,
    Id,
    Integer,
    ObjectSchema,
    Schema,
    String,
    UnknownObjectError,
)
from crossmap.schema import Numeric as DecimalType

ACCOUNT = ObjectSchema(
    "Account",
    [
        FieldSchema("Id", Id(), nullable=False, createable=False, updateable=False),
        FieldSchema("Name", String(20), nullable=False),
        FieldSchema("Ext__c", String(10), external_id=True, unique=True),
        FieldSchema("Tier__c", Enum(["Gold", "Silver"], restricted=True)),
        FieldSchema("Limit__c", DecimalType(6, 2)),
    ],
    key="Id",
)
SCHEMA = Schema([ACCOUNT])


def test_the_memory_connectors_satisfy_the_protocols() -> None:
    assert isinstance(MemorySource({}), Source)
    assert isinstance(MemoryDestination(), Destination)


def test_source_infers_a_schema_and_pages_copies() -> None:
    data = {"customers": [{"id": f"c{i}", "n": i, "vip": i % 2 == 0} for i in range(5)]}
    source = MemorySource(data, page_size=2)
    obj = source.schema().object("customers")
    assert obj.key == "id"
    assert obj.field("n").type == Integer() and not obj.field("n").nullable
    assert obj.field("vip").type == Boolean()
    pages = list(source.extract("customers"))
    assert [len(p) for p in pages] == [2, 2, 1]
    pages[0][0]["n"] = 99  # a consumer changing a record does not change the source
    assert data["customers"][0]["n"] == 0


def test_source_filters_by_watermark_and_lists_tombstones() -> None:
    records: list[dict[str, object]] = [
        {"id": "a", "updated_at": "2024-01-01T00:00:00Z"},
        {"id": "b", "updated_at": datetime(2024, 3, 1, tzinfo=UTC)},
        {"id": "c", "updated_at": date(2024, 2, 1)},
        {"id": "d"},  # no watermark: cannot be shown unchanged, so it comes along
    ]
    gone = [Tombstone("customers", "x", datetime(2024, 1, 5, tzinfo=UTC)),
            Tombstone("customers", "y", datetime(2024, 2, 5, tzinfo=UTC)),
            Tombstone("jobs", "z", datetime(2024, 2, 5, tzinfo=UTC))]
    source = MemorySource({"customers": records}, tombstones=gone)
    since = datetime(2024, 2, 1)  # naive: UTC
    assert [r["id"] for page in source.extract("customers", since=since) for r in page] == ["b", "c", "d"]
    assert [t.key for t in source.tombstones("customers", since=since)] == ["y"]
    assert [t.key for t in source.tombstones("customers")] == ["x", "y"]


def test_source_blobs_and_unknown_objects() -> None:
    content = bytes(range(256)) * 1000
    source = MemorySource({"files": [{"id": "f1", "body": base64.b64encode(content).decode()},
                                     {"id": "f2", "body": content}]})
    assert b"".join(source.open_blob("files", "f1", "body")) == content
    assert b"".join(source.open_blob("files", "f2", "body")) == content
    with pytest.raises(ConnectorError, match="no files 'f3'"):
        source.open_blob("files", "f3", "body")
    with pytest.raises(ConnectorError, match="did you mean 'files'"):
        source.extract("file")


def test_insert_assigns_fresh_ids_and_keeps_records() -> None:
    target = MemoryDestination()
    results = target.load("Account", "insert", [("s1", {"Name": "A"}), ("s2", {"Name": "B"})])
    assert [(r.ref, r.id, r.created, r.ok) for r in results] == [
        ("s1", "Account-1", True, True), ("s2", "Account-2", True, True)]
    assert target.records("Account") == [{"Id": "Account-1", "Name": "A"}, {"Id": "Account-2", "Name": "B"}]
    refused = target.load("Account", "insert", [("s3", {"Id": "Account-9", "Name": "C"})])
    assert refused[0].error_code == "ID_ON_INSERT"


def test_upsert_creates_then_updates_on_the_external_id() -> None:
    target = MemoryDestination(SCHEMA)
    first = target.load("Account", "upsert", [("s1", {"Ext__c": "E1", "Name": "A", "Limit__c": 5})],
                        external_id="Ext__c")
    again = target.load("Account", "upsert", [("s1", {"Ext__c": "E1", "Name": "A2"})], external_id="Ext__c")
    assert first[0].created and not again[0].created
    assert first[0].id == again[0].id
    assert target.records("Account") == [{"Id": first[0].id, "Ext__c": "E1", "Name": "A2", "Limit__c": 5}]
    twice = target.load("Account", "upsert", [("a", {"Ext__c": "E2", "Name": "X"}),
                                              ("b", {"Ext__c": "E2", "Name": "Y"}),
                                              ("c", {"Name": "Z"})], external_id="Ext__c")
    # An external id given twice fails both rows and stores neither, as Salesforce does
    # (see crossmap_salesforce/emulator/records.py for the sources).
    assert [r.error_code for r in twice] == ["NOT_UNIQUE", "NOT_UNIQUE", "MISSING_EXTERNAL_ID"]
    assert [r["Name"] for r in target.records("Account")] == ["A2"]
    with pytest.raises(ConnectorError, match="not an external id"):
        target.load("Account", "upsert", [("a", {"Name": "X"})], external_id="Name")


def test_rows_are_validated_against_the_schema() -> None:
    target = MemoryDestination(SCHEMA)
    results = target.load("Account", "insert", [
        ("ok", {"Name": "Fine", "Tier__c": "Gold", "Limit__c": Decimal("10.50")}),
        ("long", {"Name": "x" * 21}),
        ("bad", {"Name": "B", "Tier__c": "Bronze", "Nope__c": 1}),
        ("missing", {"Tier__c": "Gold"}),
    ])
    assert [r.error_code for r in results] == [None, "TOO_LONG", "UNKNOWN_FIELD", "MISSING_REQUIRED"]
    assert results[2].error_fields == ("Nope__c", "Tier__c")
    assert "not one of the restricted picklist's values: Bronze" in (results[2].error_message or "")
    assert len(target.records("Account")) == 1
    with pytest.raises(UnknownObjectError, match="did you mean 'Account'"):
        target.load("Acount", "insert", [("x", {"Name": "A"})])


def test_unique_fields_are_enforced_on_insert() -> None:
    target = MemoryDestination(SCHEMA)
    ok, clash = target.load("Account", "insert", [("a", {"Name": "A", "Ext__c": "E1"}),
                                                  ("b", {"Name": "B", "Ext__c": "E1"})])
    assert ok.ok and clash.error_code == "NOT_UNIQUE"
    assert clash.error_message == f"Ext__c: the record {ok.id} holds this value already"


def test_update_delete_and_their_errors() -> None:
    target = MemoryDestination(SCHEMA)
    (made,) = target.load("Account", "insert", [("a", {"Name": "A", "Tier__c": "Gold"})])
    assert made.id is not None
    updated = target.load("Account", "update", [("a", {"Id": made.id, "Tier__c": None}),
                                                ("b", {"Id": "Account-99", "Name": "N"}),
                                                ("c", {"Name": "N"}),
                                                ("d", {"Id": made.id, "Name": None})])
    assert [r.error_code for r in updated] == [None, "NO_SUCH_RECORD", "MISSING_ID",
                                               "MISSING_REQUIRED"]
    assert target.records("Account") == [{"Id": made.id, "Name": "A", "Tier__c": None}]
    assert list(target.read("Account", [made.id, "Account-99"], ["Name", "Limit__c"])) == [
        {"Id": made.id, "Name": "A", "Limit__c": None}]
    deleted = target.load("Account", "delete", [("a", {"Id": made.id})])
    assert deleted[0].ok and deleted[0].id == made.id
    again = target.load("Account", "delete", [("a", {"Id": made.id})])
    assert again[0].error_code == "RECORD_DELETED"
    assert target.load("Account", "update", [("a", {"Id": made.id, "Name": "X"})])[0].error_code == "RECORD_DELETED"
    assert target.records("Account") == []


def test_the_fail_hook_fails_chosen_rows() -> None:
    def fail(obj: str, row: object) -> str | None:
        return "no Zed here" if obj == "Account" and row.get("Name") == "Zed" else None  # type: ignore[attr-defined]

    target = MemoryDestination(fail=fail)
    results = target.load("Account", "insert", [("a", {"Name": "Ann"}), ("z", {"Name": "Zed"})])
    assert results[1].error_code == "REJECTED"
    assert results[1].error_message == "no Zed here" and results[1].id is None
    assert [r["Name"] for r in target.records("Account")] == ["Ann"]
    assert target.batches == [("Account", "insert", 2)]


def test_describe_without_a_schema_lists_what_was_loaded() -> None:
    target = MemoryDestination()
    target.load("Visit", "insert", [("a", {"When": "today", "Who": "Ann"})])
    visit = target.describe().object("Visit")
    assert list(visit.fields) == ["Id", "When", "Who"]
    assert MemoryDestination(SCHEMA).describe() is SCHEMA
