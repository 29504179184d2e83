"""Answers the local org used to give without an error where a real org refuses or
answers otherwise; each test names the Salesforce documentation it follows."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from emulator_support import Raw
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceMalformedRequest,
    SalesforceOperationError,
    SalesforceResourceNotFound,
)

from crossmap_salesforce.emulator import OrgSettings, running_org


def test_and_and_or_do_not_mix_without_parentheses(sf: Salesforce) -> None:
    """SOQL and SOSL Reference, "Condition Expression Syntax (WHERE Clause)":
    "Client applications must specify parentheses when nesting operators. However,
    multiple operators of the same type do not need to be nested." A real org answers
    MALFORMED_QUERY "unexpected token: OR"."""
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.query("SELECT Id FROM Account WHERE Name = 'a' AND Name = 'b' OR Name = 'c'")
    err = info.value.content[0]  # type: ignore[attr-defined]
    assert err["errorCode"] == "MALFORMED_QUERY"
    assert "unexpected token: 'OR'" in err["message"]
    assert "fields" not in err
    # The same operator repeated, or the two with parentheses, are fine.
    sf.query("SELECT Id FROM Account WHERE Name = 'a' OR Name = 'b' OR Name = 'c'")
    sf.query("SELECT Id FROM Account WHERE Name = 'a' AND (Name = 'b' OR Name = 'c')")
    sf.query("SELECT Id FROM Account WHERE (Name = 'a' AND Name = 'b') OR Name = 'c'")


@pytest.mark.parametrize("soql", [
    "SELECT COUNT() FROM Account",
    "SELECT COUNT(Id) n FROM Account",
    "SELECT Id FROM Account OFFSET 5",
])
def test_bulk_query_jobs_refuse_aggregates_and_offset(sf: Salesforce, raw: Raw, soql: str) -> None:
    """Bulk API 2.0 Developer Guide, "Understanding Bulk API 2.0 Query": Bulk API 2.0
    doesn't support SOQL with GROUP BY, OFFSET or TYPEOF, or aggregate functions such
    as COUNT(). The job is refused when it is created (the wire error code is not
    documented; the local org answers 400 INVALIDJOB)."""
    r = raw("POST", "/jobs/query", json={"operation": "query", "query": soql})
    assert r.status_code == 400, r.text
    assert r.json()[0]["errorCode"] == "INVALIDJOB"
    with pytest.raises(SalesforceMalformedRequest):
        list(sf.bulk2.Account.query(soql))


def test_an_unknown_column_fails_the_ingest_job_as_a_whole(sf: Salesforce, raw: Raw,
                                                           ext_field: str) -> None:
    """Bulk API 2.0 Developer Guide, "Prepare CSV Files": the header row names fields
    by their API names. A column the object lacks fails the job (state Failed,
    errorMessage "InvalidBatch : Field name not found : Foo__c"); no row is
    processed, and simple-salesforce raises its operation error."""
    with pytest.raises(SalesforceOperationError,
                       match="InvalidBatch : Field name not found : Foo__c"):
        sf.bulk2.Account.insert(records=[{"Name": "unknown-col a", "Foo__c": "x"},
                                         {"Name": "unknown-col b", "Foo__c": "y"}], wait=0)
    jobs = raw("GET", "/jobs/ingest").json()["records"]
    failed = [j for j in jobs if j["state"] == "Failed" and j["object"] == "Account"]
    assert failed and failed[-1]["numberRecordsProcessed"] == 0
    assert sf.query("SELECT COUNT() FROM Account WHERE Name LIKE 'unknown-col%'")["totalSize"] == 0
    # A parent named by a relationship column is a known column.
    (ok,) = sf.bulk2.Contact.insert(records=[{"LastName": "k", f"Account.{ext_field}": "x"}],
                                    wait=0)
    assert ok["numberRecordsProcessed"] == 1 and ok["numberRecordsFailed"] == 1


def test_bulk_query_csv_datetimes_end_in_z(sf: Salesforce) -> None:
    """Bulk query results write datetimes in UTC as ``2024-05-06T07:08:09.000Z`` (the
    form the Bulk API 2.0 guide's "Valid Date Format in Records" gives for CSV data),
    where REST JSON writes ``…+0000``."""
    rid = sf.Account.create({"Name": "dated for bulk"})["id"]
    rest = sf.Account.get(rid)["CreatedDate"]
    assert rest.endswith("+0000")
    pages = list(sf.bulk2.Account.query(
        f"SELECT Id, CreatedDate FROM Account WHERE Id = '{rid}'"))
    rows = list(csv.DictReader(io.StringIO(pages[0])))
    assert rows[0]["CreatedDate"] == rest[:-5] + "Z"


def test_request_errors_have_no_fields_key(raw: Raw) -> None:
    """A real org's bodies for NOT_FOUND, MALFORMED_QUERY and INVALID_SESSION_ID are
    ``[{"message": …, "errorCode": …}]``: record errors alone carry ``fields``
    (REST API Developer Guide, "Status Codes and Error Responses")."""
    assert raw("GET", "/sobjects/Nope__c").json() == [
        {"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}]
    bad = raw("GET", "/query", params={"q": "SELECT FROM"}).json()[0]
    assert bad["errorCode"] == "MALFORMED_QUERY" and "fields" not in bad
    forged = raw("GET", "/limits", headers={"Authorization": "Bearer forged"}).json()
    assert forged == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
    missing = raw("POST", "/sobjects/Contact", json={}).json()[0]
    assert missing["fields"] == ["LastName"]


def test_simple_salesforce_sees_the_same_error_bodies(sf: Salesforce) -> None:
    """The same bodies reach simple-salesforce's exceptions (its ``content``)."""
    with pytest.raises(SalesforceResourceNotFound) as info:
        sf.restful("sobjects/Nope__c/describe")
    assert info.value.content == [  # type: ignore[attr-defined]
        {"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}]
    with pytest.raises(SalesforceMalformedRequest) as bad:
        sf.Contact.create({})
    assert bad.value.content[0]["fields"] == ["LastName"]  # type: ignore[attr-defined]


def test_hard_delete_needs_the_bulk_api_hard_delete_permission(
        sf: Salesforce, tmp_path: Path) -> None:
    """Salesforce Help 000382207, "Hard Delete records with REST bulk API": the user
    needs the "Bulk API Hard Delete" permission, which no profile of a new org has by
    default. Without it the job is refused (the local org answers 400 INVALIDJOB;
    OrgSettings.bulk_api_hard_delete grants it)."""
    rid = sf.Account.create({"Name": "kept"})["id"]
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.bulk2.Account.hard_delete(records=[{"Id": rid}], wait=0)
    assert "Hard Delete" in str(info.value)
    assert sf.Account.get(rid)["Name"] == "kept"
    with running_org(tmp_path, settings=OrgSettings(bulk_api_hard_delete=True)) as org:
        gone = org.sf.Account.create({"Name": "gone"})["id"]
        (result,) = org.sf.bulk2.Account.hard_delete(records=[{"Id": gone}], wait=0)
        assert result["numberRecordsFailed"] == 0
        found = org.sf.query_all(f"SELECT Id FROM Account WHERE Id = '{gone}'",
                                 include_deleted=True)
        assert found["totalSize"] == 0
