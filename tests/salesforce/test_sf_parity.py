"""Both load paths store the same data: the same rows loaded through sObject
Collections and through Bulk API 2.0 leave the org holding the same values, field by
field, for inserts, upserts and updates, including the values a Bulk CSV cell cannot
carry as they are.

Salesforce, Bulk API 2.0, "Valid CSV Record Rows": "Empty field values are ignored
when you update records. To set a field value to null, use a field value of #N/A"
(https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/datafiles_csv_valid_record_rows.htm);
"Bulk API 2.0 supports two line-ending formats: linefeed (LF) and carriage-return
plus linefeed (CRLF)" ("Prepare CSV Files",
https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/datafiles_prepare_csv.htm).
So the text ``#N/A`` would be stored as null and a bare carriage return cannot be
relied on: rows holding them go through Collections (JSON), and an empty string
travels as ``#N/A`` (null, as JSON's empty string is), never as an empty cell that
leaves the field unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from sf_support import create_ext_field, destination, org_at

from crossmap_salesforce.emulator import OrgHandle
from crossmap_salesforce.values import csv_cannot_carry, to_cell

TEXTS = ["plain", "#N/A", "with\rcr", "with\r\nCRLF", "with\nLF", " padded ", 'quote"s,comma', "ünï©ødé ✓",
         "#n/a", "tab\tx", "null", "  "]
DESCRIPTIONS = ["#N/A", "a\rb", "", None, "line1\nline2", "  ", "#n/a", "tab\tx", "null", "\r", "x", "y"]
NUMBERS = [0, 5, None, 2**31 - 1, 7, 1, -2, 3, 4, 10**9, 6, 8]
MONEY = [Decimal("1.50"), Decimal("0.001"), None, Decimal("12345678901234.5"), Decimal("-0.5"), 1, 2, 3, 4,
         Decimal("1E+3"), Decimal(0), Decimal("99.99")]
FIELDS = ["Name", "Description", "NumberOfEmployees", "AnnualRevenue"]


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrgHandle]:
    with org_at(tmp_path_factory.mktemp("sf-parity")) as handle:
        create_ext_field(handle)
        yield handle


def _stream(org: OrgHandle, threshold: int, operation: Any, rows: list[tuple[str, dict[str, Any]]],
            external_id: str | None = None) -> list[Any]:
    dest = destination(org, bulk_threshold=threshold, bulk_poll_interval=0.0)
    stream = dest.open_load("Account", operation, external_id=external_id)
    for ref, row in rows:
        stream.add(ref, row)
    try:
        return [r for results in stream.send() for r in results]
    finally:
        stream.close()


def _stored(org: OrgHandle, ids: list[str]) -> dict[str, dict[str, Any]]:
    dest = destination(org)
    return {r["Ext__c"][1:]: {f: r.get(f) for f in FIELDS} for r in dest.read("Account", ids, ["Ext__c", *FIELDS])}


def test_both_paths_store_the_same_values_field_by_field(org: OrgHandle) -> None:
    stored = {}
    for path, threshold in (("c", 100_000), ("b", 1)):
        rows = [(f"r{i}", {"Ext__c": f"{path}{i}", "Name": TEXTS[i], "Description": DESCRIPTIONS[i],
                           "NumberOfEmployees": NUMBERS[i], "AnnualRevenue": MONEY[i]}) for i in range(len(TEXTS))]
        results = _stream(org, threshold, "upsert", rows, "Ext__c")
        assert all(r.ok for r in results), [(r.ref, r.error_code, r.error_message) for r in results if not r.ok]
        ids = [str(r.id) for r in results]
        inserted = _stored(org, ids)
        # An update that empties a field, and one that sets the special texts again.
        updates = [(r.ref, {"Id": r.id, "Description": "" if i % 2 else "#N/A", "Name": TEXTS[-1 - i]})
                   for i, r in enumerate(results)]
        assert all(r.ok for r in _stream(org, threshold, "update", updates))
        stored[path] = (inserted, _stored(org, ids))
    assert stored["c"] == stored["b"]
    inserted, updated = stored["b"]
    assert inserted["1"]["Name"] == "#N/A" and inserted["0"]["Description"] == "#N/A"  # text, not null
    assert inserted["1"]["Description"] == "a\rb" and inserted["2"]["Name"] == "with\rcr"  # byte for byte
    assert updated["1"]["Description"] is None  # "" empties the field on both paths
    assert updated["0"]["Description"] == "#N/A"


def test_what_goes_by_collections_and_how_cells_are_written() -> None:
    assert csv_cannot_carry({"Name": "#N/A"}) and csv_cannot_carry({"Name": "a\rb"})
    assert not csv_cannot_carry({"Name": "#n/a"}) and not csv_cannot_carry({"Name": "a\r\nb".replace("\r", "")})
    assert to_cell("") == to_cell(None) == "#N/A" and to_cell("x") == "x"


def test_a_batch_holding_text_the_csv_cannot_carry_goes_by_collections(org: OrgHandle) -> None:
    dest = destination(org, bulk_threshold=1, bulk_poll_interval=0.0)
    results = dest.load("Account", "insert", [("a", {"Name": "#N/A", "Description": "x\ry"}), ("b", {"Name": "b"})])
    assert all(r.ok for r in results) and not dest.loader.bulk_jobs
    got = {r["Id"]: (r["Name"], r["Description"]) for r in dest.read("Account", [str(r.id) for r in results],
                                                                        ["Name", "Description"])}
    assert got[str(results[0].id)] == ("#N/A", "x\ry")
    plain = dest.load("Account", "insert", [("c", {"Name": "plain", "Description": ""})])
    assert plain[0].ok and dest.loader.bulk_jobs  # the CSV carries it: Bulk
