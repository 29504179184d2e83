"""``crossmap verify`` against the local org: the whole object read by one Bulk API
2.0 query job (its cost stated, the same for 40 records as for 400), a value edited
in the org after the run reported as changed since the run (the record's
``SystemModstamp`` is later than the run's end: "Date and time when a user or
automated process (such as a trigger) last modified this record", Salesforce,
*System Fields*, https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/system_fields.htm),
a deleted record missing, a record with the migration's external id the crosswalk
does not know extra."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "salesforce"))
from sf_support import create_ext_field, destination, org_at

from crossmap import schema as s
from crossmap.compiler import Plan, compile
from crossmap.connectors.builtin.memory import MemorySource
from crossmap.engine import Engine, RunOptions
from crossmap.functions import registry
from crossmap.state import StateStore
from crossmap.verify import VerifyReport, render_text, verify
from crossmap_salesforce.connector import SalesforceDestination
from crossmap_salesforce.emulator import OrgHandle

SOURCE = s.Schema([s.ObjectSchema("customers", [
    s.FieldSchema("id", s.String(10), nullable=False), s.FieldSchema("name", s.String(40), nullable=False),
], key="id")])
SPEC = """source memory
target salesforce
map customers -> Account {
  upsert on Ext__c
  Ext__c = id
  Name = name
  Description = "from " + id
}
"""
THRESHOLD = 20
"""Bulk API from this many records (loading, and reading back)."""


def _data(n: int) -> dict[str, list[dict[str, str]]]:
    return {"customers": [{"id": f"c{i}", "name": f"Customer {i}"} for i in range(n)]}


@pytest.fixture
def org(tmp_path: Path) -> Iterator[OrgHandle]:
    with org_at(tmp_path / "org") as handle:
        create_ext_field(handle)
        yield handle


def _plan(target: SalesforceDestination) -> Plan:
    return compile(SPEC, source_schema=SOURCE, target_schema=target.describe(), functions=registry())


def _run_and_verify(org: OrgHandle, store: StateStore, n: int) -> VerifyReport:
    target = destination(org, bulk_threshold=THRESHOLD)
    plan = _plan(target)
    Engine(plan, MemorySource(_data(n), SOURCE), target, store, RunOptions(batch_size=50)).run()
    return _verify(org, store, n)


def _verify(org: OrgHandle, store: StateStore, n: int) -> VerifyReport:
    target = destination(org, bulk_threshold=THRESHOLD)
    return verify(_plan(target), target, store, source=MemorySource(_data(n), SOURCE))


def _account(org: OrgHandle, ext: str) -> str:
    (record,) = org.sf.query(f"SELECT Id FROM Account WHERE Ext__c = '{ext}'")["records"]
    return str(record["Id"])


def test_a_clean_run_verifies_clean_at_a_cost_flat_in_the_records(org: OrgHandle, tmp_path: Path) -> None:
    with StateStore.open(tmp_path / "tiny.db") as store:
        tiny = _run_and_verify(org, store, 10)
    # Under the threshold: a count and one REST query.
    assert tiny.ok and tiny.api_calls == 2, render_text(tiny)
    with StateStore.open(tmp_path / "small.db") as store:
        small = _run_and_verify(org, store, 40)
    assert small.ok, render_text(small)
    assert small.totals() == {"equal": 40 * 3}
    assert "5 API calls" in render_text(small)
    with StateStore.open(tmp_path / "large.db") as store:
        large = _run_and_verify(org, store, 400)
    assert large.ok, render_text(large)
    assert large.totals() == {"equal": 400 * 3}
    # One Bulk query job per object whatever its size: the count, the job's
    # creation, a status check, one set of results, the job's deletion.
    assert small.api_calls == large.api_calls == 5


def test_changes_in_the_org_after_the_run_are_found(org: OrgHandle, tmp_path: Path) -> None:
    with StateStore.open(tmp_path / "state.db") as store:
        assert _run_and_verify(org, store, 30).ok
        org.sf.Account.update(_account(org, "c1"), {"Name": "Renamed in the org"})
        org.sf.Account.delete(_account(org, "c2"))
        org.sf.Account.create({"Name": "Left by a crash", "Ext__c": "c77"})
        report = _verify(org, store, 30)
    assert not report.ok
    (name,) = [f for f in report.fields if f.field == "Name"]
    assert name.counts == {"equal": 28, "changed_since": 1, "missing": 1}
    (edited,) = name.examples["changed_since"]
    assert edited.key == "c1" and edited.stored == "Renamed in the org" and "after run 1 ended" in (edited.note or "")
    assert report.missing == 1 and report.steps[0].examples["missing"][0].key == "c2"
    assert report.extra == 1 and "c77" in (report.targets[0].examples[0].note or "")


def test_bulk_results_keep_records_whole_across_sets(org: OrgHandle) -> None:
    """Values with line breaks, read by a Bulk API 2.0 query job in sets of a few
    records: every record comes back whole (a set holds ``maxRecords`` records, not
    lines: Salesforce, *Get Results for a Query Job*,
    https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/query_get_job_results.htm)."""
    from crossmap_salesforce import bulkquery

    target = destination(org, bulk_threshold=THRESHOLD)
    rows = [(f"r{i}", {"Name": f"A{i}", "Ext__c": f"m{i}", "Description": f"line one\nline two, \"{i}\"\n"})
            for i in range(30)]
    assert all(r.ok for r in target.load("Account", "upsert", rows, external_id="Ext__c"))
    pages = list(bulkquery.scan(target.api, "Account", ["Name", "Ext__c", "Description"], threshold=1,
                                settings=target.settings.load_settings().bulk, sleep=target.sleep,
                                results_per_call=7))
    got = {r["Ext__c"]: r for page in pages for r in page}
    assert len(got) == 30
    assert all(got[f"m{i}"]["Description"] == f"line one\nline two, \"{i}\"\n" for i in range(30))
    assert all(got[f"m{i}"]["Name"] == f"A{i}" for i in range(30))
