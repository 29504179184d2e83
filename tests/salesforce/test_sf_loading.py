"""Loading through both paths (sObject Collections and Bulk API 2.0), every
operation, per-row errors, and reading back, end to end against the emulator."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sf_support import count, create_ext_field, destination, org_at

from crossmap.connectors.protocols import Destination
from crossmap_salesforce.connector import SalesforceDestination
from crossmap_salesforce.emulator import OrgHandle, OrgSettings

PATHS = {"collections": 100_000, "bulk": 1}
"""Path name → bulk_threshold forcing it."""


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrgHandle]:
    # Hard deletes need the "Bulk API Hard Delete" permission, granted here.
    with org_at(tmp_path_factory.mktemp("sf-load"),
                settings=OrgSettings(bulk_api_hard_delete=True)) as handle:
        create_ext_field(handle)
        yield handle


@pytest.fixture(params=sorted(PATHS))
def dest(request: pytest.FixtureRequest, org: OrgHandle) -> SalesforceDestination:
    return destination(org, bulk_threshold=PATHS[request.param], bulk_poll_interval=0.0)


def _used_bulk(dest: SalesforceDestination) -> bool:
    return bool(dest.loader.bulk_jobs)


def test_it_is_a_destination(dest: SalesforceDestination) -> None:
    assert isinstance(dest, Destination)


def test_insert_maps_results_and_errors_to_refs(dest: SalesforceDestination, org: OrgHandle) -> None:
    tag = f"ins-{dest.settings.bulk_threshold}"
    rows: list[tuple[str, dict[str, Any]]] = [
        ("src-1", {"Name": f"{tag} one", "NumberOfEmployees": 5}),
        ("src-2", {"Name": None}),                                  # required
        ("src-3", {"Name": f"{tag} three", "Rating": "Hot"}),
        ("src-4", {"Name": "x" * 300}),                             # too long
    ]
    results = dest.load("Account", "insert", rows)
    assert [r.ref for r in results] == [ref for ref, _ in rows]
    assert [r.ok for r in results] == [True, False, True, False]
    assert all(r.created and r.id and r.id.startswith("001") for r in results if r.ok)
    by_ref = {r.ref: r for r in results}
    assert by_ref["src-2"].error_code == "REQUIRED_FIELD_MISSING"
    assert by_ref["src-2"].error_fields == ("Name",)
    assert "hint:" in (by_ref["src-2"].error_message or "")
    assert by_ref["src-4"].error_code == "STRING_TOO_LONG"
    assert _used_bulk(dest) == (dest.settings.bulk_threshold == 1)
    got = {r["Id"]: r for r in dest.read("Account", [by_ref["src-1"].id or ""], ["Name", "NumberOfEmployees"])}
    assert got[by_ref["src-1"].id or ""]["NumberOfEmployees"] == 5
    assert count(org, f"SELECT COUNT() FROM Account WHERE Name LIKE '{tag}%'") == 2


def test_an_unknown_field_fails_its_rows(dest: SalesforceDestination) -> None:
    results = dest.load("Account", "insert", [
        ("good", {"Name": "fine"}),
        ("bad", {"Name": "odd", "Nope__c": 1}),
    ])
    assert "Nope__c" in (results[1].error_message or "")
    if dest.settings.bulk_threshold > 2:  # sObject Collections: the row alone fails
        assert results[1].error_code == "INVALID_FIELD" and results[0].ok
    else:
        # A Bulk job's CSV has one header: an unknown column fails the job as a whole
        # ("InvalidBatch : Field name not found : Nope__c"), so every row fails.
        assert [r.error_code for r in results] == ["BULK_JOB_FAILED"] * 2
        assert "InvalidBatch : Field name not found : Nope__c" in (results[0].error_message or "")


def test_identical_rows_each_get_their_own_record(dest: SalesforceDestination) -> None:
    rows = [(f"same-{i}", {"Name": f"twin {dest.settings.bulk_threshold}"}) for i in range(3)]
    results = dest.load("Account", "insert", rows)
    assert all(r.ok for r in results)
    assert len({r.id for r in results}) == 3


def test_upsert_creates_then_updates_on_the_external_id(dest: SalesforceDestination) -> None:
    tag = f"U{dest.settings.bulk_threshold}"
    first = dest.load("Account", "upsert", [
        ("a", {"Ext__c": f"{tag}-A", "Name": "Alpha"}),
        ("b", {"Ext__c": f"{tag}-B", "Name": "Beta"}),
        ("c", {"Ext__c": None, "Name": "no key"}),
    ], external_id="Ext__c")
    assert [r.created for r in first[:2]] == [True, True]
    assert first[2].error_code == "CROSSMAP_MISSING_EXTERNAL_ID"
    second = dest.load("Account", "upsert", [
        ("b", {"Ext__c": f"{tag}-B", "Name": "Beta 2"}),
        ("d", {"Ext__c": f"{tag}-D", "Name": "Delta"}),
    ], external_id="Ext__c")
    assert second[0].ok and not second[0].created and second[0].id == first[1].id
    assert second[1].ok and second[1].created
    names = {r["Ext__c"]: r["Name"] for r in dest.read("Account", [first[1].id or ""], ["Ext__c", "Name"])}
    assert names == {f"{tag}-B": "Beta 2"}


def test_children_can_name_their_parent_by_external_id(dest: SalesforceDestination) -> None:
    tag = f"P{dest.settings.bulk_threshold}"
    parent = dest.load("Account", "upsert", [("p", {"Ext__c": tag, "Name": "Parent"})],
                       external_id="Ext__c")[0]
    kids = dest.load("Contact", "insert", [
        ("k1", {"LastName": "Kid", "Account": {"Ext__c": tag}}),
        ("k2", {"LastName": "Orphan", "Account": {"Ext__c": f"{tag}-missing"}}),
    ])
    assert kids[0].ok, kids[0]
    assert kids[1].error_code == "INVALID_FIELD"
    row = next(iter(dest.read("Contact", [kids[0].id or ""], ["AccountId"])))
    assert row["AccountId"] == parent.id


def test_update_and_null_and_missing_ids(dest: SalesforceDestination) -> None:
    made = dest.load("Account", "insert", [("m", {"Name": "Before", "Phone": "123"})])[0]
    results = dest.load("Account", "update", [
        ("m", {"Id": made.id, "Name": "After", "Phone": None}),
        ("gone", {"Id": "001000000000009AAA", "Name": "x"}),
        ("noid", {"Name": "x"}),
    ])
    assert results[0].ok and results[0].id == made.id and not results[0].created
    assert not results[1].ok and results[1].error_code in ("INVALID_CROSS_REFERENCE_KEY", "MALFORMED_ID",
                                                           "NOT_FOUND", "ENTITY_IS_DELETED")
    assert results[2].error_code == "CROSSMAP_MISSING_ID"
    row = next(iter(dest.read("Account", [made.id or ""], ["Name", "Phone"])))
    assert row["Name"] == "After" and row["Phone"] is None


@pytest.mark.parametrize("operation", ["delete", "hard_delete"])
def test_deletes_remove_records(dest: SalesforceDestination, org: OrgHandle, operation: str) -> None:
    tag = f"del-{operation}-{dest.settings.bulk_threshold}"
    made = dest.load("Account", "insert", [(f"d{i}", {"Name": tag}) for i in range(3)])
    results = dest.load("Account", operation,  # type: ignore[arg-type]
                        [(r.ref, {"Id": r.id}) for r in made[:2]])
    assert [r.ok for r in results] == [True, True]
    assert [r.id for r in results] == [r.id for r in made[:2]]
    assert [r["Id"] for r in dest.read("Account", [r.id or "" for r in made], ["Name"])] == [made[2].id]
    # Hard deletes skip the recycle bin (always through Bulk, which alone can do them).
    in_bin = count(org, f"SELECT COUNT() FROM Account WHERE Name = '{tag}' AND IsDeleted = true")
    assert in_bin == 0  # plain queries never show deleted rows
    all_rows = org.sf.query_all(f"SELECT Id FROM Account WHERE Name = '{tag}'", include_deleted=True)
    assert all_rows["totalSize"] == (3 if operation == "delete" else 1)


def test_read_everything_pages_through_the_query(dest: SalesforceDestination) -> None:
    every = list(dest.read("Account", None, ["Name"]))
    assert every and all(set(r) == {"Id", "Name"} for r in every)
    assert len({r["Id"] for r in every}) == len(every)


def test_a_large_batch_takes_bulk_by_default(org: OrgHandle) -> None:
    dest = destination(org, bulk_poll_interval=0.0)
    rows = [(f"big-{i}", {"Name": f"big {i}"}) for i in range(2000)]
    results = dest.load("Account", "insert", rows)
    assert len(dest.loader.bulk_jobs) == 1
    assert all(r.ok for r in results)
    assert len({r.id for r in results}) == 2000
    small = destination(org)
    small.load("Account", "insert", rows[:1999:10])
    assert small.loader.bulk_jobs == []


def test_collections_are_split_at_200(org: OrgHandle) -> None:
    dest = destination(org)
    before = dest.api.calls
    results = dest.load("Account", "insert", [(f"c{i}", {"Name": f"c {i}"}) for i in range(450)])
    assert all(r.ok for r in results)
    assert dest.api.calls - before == 3


def test_describe_is_live_and_cached(org: OrgHandle) -> None:
    dest = destination(org)
    schema = dest.describe()
    account = schema.objects["Account"]
    assert account.fields["Ext__c"].external_id
    assert account.fields["Name"].createable
    assert "Contact" in schema.objects
    calls = dest.api.calls
    dest.describe()
    assert dest.api.calls == calls
    only = destination(org, objects=("Case",)).describe()
    assert list(only.objects) == ["Case"]
    assert not only.objects["Case"].fields["ClosedDate"].createable


def test_static_schema_needs_no_connection() -> None:
    schema = SalesforceDestination.static_schema({})
    assert "Account" in schema.objects and "Ext__c" not in schema.objects["Account"].fields


def test_typed_values_travel_in_both_wire_forms(dest: SalesforceDestination) -> None:
    import datetime as dt
    from decimal import Decimal

    account = dest.load("Account", "insert", [("t", {"Name": "typed", "AnnualRevenue": Decimal("1234.50")})])[0]
    contact = dest.load("Contact", "insert", [("c", {"LastName": "Typed", "Birthdate": dt.date(1990, 2, 3),
                                                     "AccountId": account.id})])[0]
    start = dt.datetime(2024, 5, 6, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    event = dest.load("Event", "insert", [("e", {"Subject": "Visit", "StartDateTime": start,
                                                 "DurationInMinutes": 30, "WhatId": account.id})])[0]
    assert account.ok and contact.ok and event.ok, (account, contact, event)
    assert next(iter(dest.read("Account", [account.id or ""], ["AnnualRevenue"])))["AnnualRevenue"] == 1234.5
    assert next(iter(dest.read("Contact", [contact.id or ""], ["Birthdate"])))["Birthdate"] == "1990-02-03"
    stored = next(iter(dest.read("Event", [event.id or ""], ["StartDateTime"])))["StartDateTime"]
    assert stored.startswith("2024-05-06T07:30:00")


class _ResultList:
    """A streamed result list, as ``Api.call(..., stream=True)`` gives it."""

    def __init__(self, text: str) -> None:
        self.body = text.encode()

    def iter_content(self, size: int) -> Iterator[bytes]:
        for start in range(0, len(self.body), 7):  # small chunks: lines split across them
            yield self.body[start:start + 7]

    def close(self) -> None:
        pass


def test_results_are_matched_on_the_uploaded_cells_whatever_their_layout() -> None:
    from crossmap_salesforce.bulk import BulkLoader, LineIndex, line_key

    class Api:
        def call(self, method: str, path: str, **kwargs: Any) -> _ResultList:
            # Columns in another order, a blank line, a row cut short, a row not uploaded.
            return _ResultList('"sf__Id","sf__Created",B,A\n'
                               "001A,true,b1,a1\n\n"
                               "001B,false,,a2\n"
                               "001C,true\n"
                               "001D,true,zz,zz\n")

    waiting = LineIndex()
    for index, cells in enumerate([("a1", "b1"), ("a2", ""), ("", "")]):
        waiting.add(line_key(cells), index)
    found = list(BulkLoader(Api())._results("750x", "successfulResults", ("A", "B"), waiting))  # type: ignore[arg-type]
    assert [(hit, line.get("sf__Id"), line.get("sf__Created")) for hit, line in found] == [
        (0, "001A", "true"), (1, "001B", "false"), (2, "001C", "true")]
    assert waiting.left() == []
