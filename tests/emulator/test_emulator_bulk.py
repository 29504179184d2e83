"""Bulk API 2.0 ingest and query jobs, driven by simple-salesforce's ``bulk2``."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from emulator_support import Raw
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceOperationError

from crossmap_salesforce.emulator import OrgSettings, running_org
from crossmap_salesforce.emulator.bulk import BulkJobs


def _worker(raw: Raw) -> BulkJobs:
    """The in-process org's Bulk worker (so tests wait for it instead of polling)."""
    assert raw.org.emulator is not None
    return raw.org.emulator.bulk


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_insert_reports_counts_and_per_row_results(sf: Salesforce) -> None:
    records = [{"LastName": f"Bulk{i}", "Email": f"b{i}@example.com"} for i in range(5)]
    records.append({"LastName": "", "Email": "nolastname@example.com"})
    (result,) = sf.bulk2.Contact.insert(records=records, wait=0)
    assert result["numberRecordsProcessed"] == 6 and result["numberRecordsFailed"] == 1
    ok = _rows(sf.bulk2.Contact.get_successful_records(result["job_id"]))
    assert len(ok) == 5 and all(r["sf__Created"] == "true" for r in ok)
    assert {r["LastName"] for r in ok} == {f"Bulk{i}" for i in range(5)}
    assert all(r["sf__Id"].startswith("003") for r in ok)
    failed = _rows(sf.bulk2.Contact.get_failed_records(result["job_id"]))
    assert failed == [{"sf__Id": "", "sf__Error": "REQUIRED_FIELD_MISSING:Required fields are "
                       "missing: [LastName]:LastName --", "LastName": "",
                       "Email": "nolastname@example.com"}]


def test_csv_values_are_parsed_and_validated(sf: Salesforce) -> None:
    (result,) = sf.bulk2.Account.insert(records=[
        {"Name": "csv-1", "NumberOfEmployees": "42", "AnnualRevenue": "1234.5"},
        {"Name": "csv-2", "NumberOfEmployees": "lots", "AnnualRevenue": ""},
    ], wait=0)
    assert result["numberRecordsFailed"] == 1
    ok = _rows(sf.bulk2.Account.get_successful_records(result["job_id"]))
    rec = sf.Account.get(ok[0]["sf__Id"])
    assert rec["NumberOfEmployees"] == 42 and rec["AnnualRevenue"] == 1234.5
    failed = _rows(sf.bulk2.Account.get_failed_records(result["job_id"]))
    assert failed[0]["sf__Error"].startswith("INVALID_TYPE_ON_FIELD_IN_RECORD:")


def test_upsert_marks_created_per_row(sf: Salesforce, ext_field: str) -> None:
    sf.Account.create({"Name": "already", ext_field: "BU-1"})
    (result,) = sf.bulk2.Account.upsert(records=[
        {ext_field: "BU-1", "Name": "updated"}, {ext_field: "BU-2", "Name": "created"},
    ], external_id_field=ext_field, wait=0)
    assert result["numberRecordsFailed"] == 0
    rows = {r[ext_field]: r["sf__Created"]
            for r in _rows(sf.bulk2.Account.get_successful_records(result["job_id"]))}
    assert rows == {"BU-1": "false", "BU-2": "true"}
    assert sf.Account.get_by_custom_id(ext_field, "BU-1")["Name"] == "updated"


def test_update_empty_cell_keeps_and_na_clears(sf: Salesforce) -> None:
    rid = sf.Account.create({"Name": "keep", "Website": "https://a.example", "Phone": "123"})["id"]
    (result,) = sf.bulk2.Account.update(
        records=[{"Id": rid, "Name": "", "Website": "#N/A", "Phone": "456"}], wait=0)
    assert result["numberRecordsFailed"] == 0
    rec = sf.Account.get(rid)
    assert (rec["Name"], rec["Website"], rec["Phone"]) == ("keep", None, "456")
    ok = _rows(sf.bulk2.Account.get_successful_records(result["job_id"]))
    assert ok[0]["sf__Created"] == "false"


def test_delete_goes_to_the_recycle_bin(sf: Salesforce) -> None:
    soft = sf.Account.create({"Name": "soft"})["id"]
    (r1,) = sf.bulk2.Account.delete(records=[{"Id": soft}], wait=0)
    assert r1["numberRecordsFailed"] == 0
    found = sf.query_all(f"SELECT Id, IsDeleted FROM Account WHERE Id = '{soft}'",
                         include_deleted=True)["records"]
    assert [(r["Id"], r["IsDeleted"]) for r in found] == [(soft, True)]
    # Hard deletes (which erase) are in test_emulator_fidelity: they need a permission.


def test_query_job_pages_with_locators(sf: Salesforce) -> None:
    sf.bulk2.Account.insert(records=[{"Name": f"qj-{i:02d}"} for i in range(25)], wait=0)
    pages = list(sf.bulk2.Account.query("SELECT Name, Owner.Name FROM Account WHERE Name LIKE "
                                        "'qj-%' ORDER BY Name", max_records=10, wait=0))
    assert len(pages) == 3
    rows = [r for page in pages for r in _rows(page)]
    assert [r["Name"] for r in rows] == [f"qj-{i:02d}" for i in range(25)]
    assert rows[0]["Owner.Name"] == "Org Admin"


def test_query_results_headers(raw: Raw) -> None:
    job = raw("POST", "/jobs/query", json={"operation": "query",
                                           "query": "SELECT Id FROM Organization"}).json()
    assert job["state"] == "UploadComplete"
    assert _worker(raw).wait_idle()
    assert raw("GET", f"/jobs/query/{job['id']}").json()["state"] == "JobComplete"
    r = raw("GET", f"/jobs/query/{job['id']}/results", params={"maxRecords": 5})
    assert r.headers["Sforce-NumberOfRecords"] == "1" and r.headers["Sforce-Locator"] == "null"
    assert r.text.splitlines()[0] == "Id"


def test_malformed_query_job_is_rejected_at_creation(raw: Raw) -> None:
    r = raw("POST", "/jobs/query", json={"operation": "query", "query": "SELECT FROM"})
    assert r.status_code == 400 and r.json()[0]["errorCode"] == "MALFORMED_QUERY"


def test_job_state_machine(raw: Raw) -> None:
    job = raw("POST", "/jobs/ingest", json={"operation": "insert", "object": "Account",
                                            "contentType": "CSV", "lineEnding": "LF"}).json()
    assert job["state"] == "Open" and job["id"].startswith("750")
    assert raw("GET", f"/jobs/ingest/{job['id']}/successfulResults").status_code == 412
    r = raw("PUT", f"/jobs/ingest/{job['id']}/batches", data=b"Name\nsm\n",
            headers={"Content-Type": "text/csv"})
    assert r.status_code == 201
    assert raw("PATCH", f"/jobs/ingest/{job['id']}",
               json={"state": "Aborted"}).json()["state"] == "Aborted"
    late = raw("PUT", f"/jobs/ingest/{job['id']}/batches", data=b"Name\nx\n",
               headers={"Content-Type": "text/csv"})
    assert late.status_code == 409 and late.json()[0]["errorCode"] == "INVALIDJOBSTATE"
    assert raw("DELETE", f"/jobs/ingest/{job['id']}").status_code == 204
    assert raw("GET", f"/jobs/ingest/{job['id']}").status_code == 404


def test_ingest_job_for_an_unknown_object_is_rejected(raw: Raw) -> None:
    r = raw("POST", "/jobs/ingest", json={"operation": "insert", "object": "Nope"})
    assert r.status_code == 400 and r.json()[0]["errorCode"] == "INVALIDJOB"


def test_upload_size_and_daily_record_limits(tmp_path: Path) -> None:
    settings = OrgSettings(bulk_upload_bytes=64, bulk_daily_records=3)
    with running_org(tmp_path, settings=settings) as org:
        sf = org.salesforce()
        raw = Raw(org)
        try:
            job = raw("POST", "/jobs/ingest", json={"operation": "insert", "object": "Account"})
            r = raw("PUT", f"/jobs/ingest/{job.json()['id']}/batches", data=b"Name\n" + b"x" * 100)
            assert r.status_code == 400 and r.json()[0]["errorCode"] == "EXCEEDED_QUOTA"
            with pytest.raises(SalesforceOperationError, match="ExceededQuota"):
                sf.bulk2.Account.insert(records=[{"Name": f"n{i}"} for i in range(4)], wait=0)
            assert sf.query("SELECT COUNT() FROM Account")["totalSize"] == 0
            limits = sf.limits()["BulkV2IngestRecords"]
            assert limits == {"Max": 3, "Remaining": 3}
        finally:
            sf.session.close()
            raw.close()


def test_csv_quoting_round_trips_awkward_text(sf: Salesforce) -> None:
    awkward = ['comma, inside', 'quote " inside', "line\nbreak", "ünïcödé ✓", "  padded  "]
    records = [{"LastName": f"awk{i}", "Description": text} for i, text in enumerate(awkward)]
    (result,) = sf.bulk2.Contact.insert(records=records, wait=0)
    assert result["numberRecordsFailed"] == 0
    ok = _rows(sf.bulk2.Contact.get_successful_records(result["job_id"]))
    for row in ok:
        assert sf.Contact.get(row["sf__Id"])["Description"] == row["Description"]
    assert sorted(r["Description"] for r in ok) == sorted(awkward)


def test_other_delimiters_and_line_endings(raw: Raw) -> None:
    job = raw("POST", "/jobs/ingest", json={"operation": "insert", "object": "Account",
                                            "columnDelimiter": "SEMICOLON",
                                            "lineEnding": "CRLF"}).json()
    raw("PUT", f"/jobs/ingest/{job['id']}/batches", data=b"Name;Phone\r\nsemi;123\r\n",
        headers={"Content-Type": "text/csv"})
    raw("PATCH", f"/jobs/ingest/{job['id']}", json={"state": "UploadComplete"})
    assert _worker(raw).wait_idle()
    info = raw("GET", f"/jobs/ingest/{job['id']}").json()
    assert info["state"] == "JobComplete"
    assert info["numberRecordsProcessed"] == 1 and info["numberRecordsFailed"] == 0
    ok = raw("GET", f"/jobs/ingest/{job['id']}/successfulResults").text
    assert ok.splitlines()[1].endswith("true,semi,123")


def test_insert_rows_may_not_carry_an_id(sf: Salesforce) -> None:
    existing = sf.Account.create({"Name": "has id"})["id"]
    (result,) = sf.bulk2.Account.insert(records=[{"Id": existing, "Name": "again"}], wait=0)
    assert result["numberRecordsFailed"] == 1
    failed = _rows(sf.bulk2.Account.get_failed_records(result["job_id"]))
    assert failed[0]["sf__Error"].startswith("INVALID_FIELD_FOR_INSERT_UPDATE:")


def test_parent_by_external_id_column(sf: Salesforce, ext_field: str) -> None:
    parent = sf.Account.create({"Name": "Bulk parent", ext_field: "BP-1"})["id"]
    (result,) = sf.bulk2.Contact.insert(records=[
        {"LastName": "kid", f"Account.{ext_field}": "BP-1"},
        {"LastName": "lost", f"Account.{ext_field}": "BP-404"},
    ], wait=0)
    assert result["numberRecordsFailed"] == 1
    ok = _rows(sf.bulk2.Contact.get_successful_records(result["job_id"]))
    assert sf.Contact.get(ok[0]["sf__Id"])["AccountId"] == parent
    failed = _rows(sf.bulk2.Contact.get_failed_records(result["job_id"]))
    assert failed[0]["sf__Error"].startswith("INVALID_FIELD:Foreign key external ID: BP-404")
