"""crossmap's one Bulk API 2.0 query client (``crossmap_salesforce.bulkquery.records``),
used by read before write's snapshot and by verify's read-back, against the local org.

Salesforce, *Get Results for a Query Job*
(https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/query_get_job_results.htm):
``maxRecords`` splits a job's results into sets of at most that many records; each
response's ``Sforce-Locator`` header names the next set, and is ``null`` after the
last one. *Bulk API 2.0 Query*: query jobs are "designed to handle queries that return
large amounts of data (10,000 records or more)", hence ``SNAPSHOT_BULK_FROM``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sf_support import create_ext_field, destination, org_at

from crossmap_salesforce import bulkquery
from crossmap_salesforce.bulk import BulkSettings
from crossmap_salesforce.connector import SalesforceDestination
from crossmap_salesforce.emulator import OrgHandle
from crossmap_salesforce.transport import Api

RECORDS = 2050
"""More than one REST query page (2,000 records): a snapshot takes a query job only
when the first page does not hold every record."""
QUICK = BulkSettings(poll_interval=0.0)


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrgHandle]:
    with org_at(tmp_path_factory.mktemp("sf-bulk-query")) as handle:
        create_ext_field(handle, "Account")
        target = destination(handle, bulk_threshold=100, bulk_poll_interval=0.0)
        rows = [(f"r{i}", {"Name": f"Account {i}", "Ext__c": f"x{i}", "Description": f"one\ntwo, \"{i}\""})
                for i in range(RECORDS)]
        assert all(r.ok for r in target.load("Account", "upsert", rows, external_id="Ext__c"))
        target.load("Account", "insert", [("plain", {"Name": "No external id"})])
        target.close()
        yield handle


class CountingApi(Api):
    """The connector's door to the org, remembering each call's method, path and parameters."""

    seen: list[tuple[str, str, dict[str, Any]]]

    def call(self, method: str, path: str, **kwargs: Any) -> Any:  # type: ignore[override]
        self.seen.append((method, path, dict(kwargs.get("params") or {})))
        return super().call(method, path, **kwargs)


def counting(target: SalesforceDestination) -> CountingApi:
    api = CountingApi(target.api.sf, target.api.login, target.api.retry, target.api.sleep)
    api.seen = []
    target.api = target.loader.api = api
    return api


def test_a_query_job_is_read_set_by_set_following_the_locator(org: OrgHandle) -> None:
    with destination(org) as target:
        api = counting(target)
        found = list(bulkquery.records(api, "SELECT Id, Name, Ext__c, Description FROM Account", QUICK,
                                       sleep=lambda s: None, results_per_call=500))
    assert len(found) == RECORDS + 1
    by_ext = {r["Ext__c"]: r for r in found}
    assert by_ext["x7"]["Description"] == 'one\ntwo, "7"'  # a record whole across lines
    assert by_ext[None]["Name"] == "No external id"  # an empty cell is a null
    results = [params for method, path, params in api.seen if path.endswith("/results")]
    assert len(results) == 5  # 2,051 records in sets of 500
    assert results[0] == {"maxRecords": "500"}
    assert all(p["maxRecords"] == "500" and p["locator"] for p in results[1:])
    assert not any(method == "DELETE" for method, _, _ in api.seen)  # kept unless asked


def test_the_snapshot_by_a_query_job_reads_what_the_rest_query_reads(org: OrgHandle) -> None:
    """Read before write: the records holding an external id, by REST below
    ``bulk_from`` records and by a query job from it, several sets of results."""
    with destination(org) as target:
        api = counting(target)
        by_rest = list(bulkquery.snapshot(api, "Account", "Ext__c", ["Name"], settings=QUICK))
        assert not any("jobs/query" in path for _, path, _ in api.seen)
        by_job = list(bulkquery.snapshot(api, "Account", "Ext__c", ["Name"], settings=QUICK, sleep=lambda s: None,
                                         bulk_from=10, results_per_call=1000))
    assert len(by_rest) == RECORDS
    assert sorted((r["Id"], r["Ext__c"], r["Name"]) for r in by_job) == sorted(
        (r["Id"], r["Ext__c"], r["Name"]) for r in by_rest)
    assert sum(path.endswith("/results") for _, path, _ in api.seen) == 3  # 2,050 records in sets of 1,000


def test_scan_pages_a_query_job_and_deletes_it(org: OrgHandle, tmp_path: Path) -> None:
    with destination(org) as target:
        api = counting(target)
        pages = list(bulkquery.scan(api, "Account", ["Ext__c"], threshold=1, settings=QUICK, sleep=lambda s: None,
                                    results_per_call=1000))
    assert sum(len(p) for p in pages) == RECORDS + 1
    assert [len(p) for p in pages] == [2000, 51]  # pages of ``PAGE`` records, across the sets
    assert [method for method, path, _ in api.seen if "jobs/query" in path][-1] == "DELETE"


def test_a_query_job_that_outlasts_the_timeout_fails_with_a_clear_error(org: OrgHandle) -> None:
    with destination(org) as target, pytest.raises(bulkquery.QueryJobFailed, match="bulk_timeout"):
        list(bulkquery.records(target.api, "SELECT Id FROM Account", BulkSettings(timeout=0.0),
                               sleep=lambda s: None, clock=lambda: 100.0))
