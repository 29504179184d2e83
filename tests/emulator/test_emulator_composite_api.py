"""Composite, Composite Batch, Composite Graph and sObject Tree, the replication calls
(getUpdated/getDeleted), Tooling queries and record counts, driven through
simple-salesforce. Sources: REST API Developer Guide (resources_composite_composite,
resources_composite_batch, resources_composite_graph, resources_composite_sobject_tree,
resources_getupdated, resources_getdeleted, resources_record_count), Tooling API
Developer Guide (CustomObject)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from crossmap_salesforce.emulator import ManualClock


def test_composite_passes_references_between_subrequests(sf: Salesforce) -> None:
    """A later subrequest names an earlier result with @{referenceId.field}."""
    body = {"allOrNone": False, "compositeRequest": [
        {"method": "POST", "url": "/services/data/v59.0/sobjects/Account",
         "referenceId": "NewAccount", "body": {"Name": "Composite Co"}},
        {"method": "POST", "url": "/services/data/v59.0/sobjects/Contact",
         "referenceId": "NewContact",
         "body": {"LastName": "Ref", "AccountId": "@{NewAccount.id}"}},
        {"method": "GET", "referenceId": "Found",
         "url": "/services/data/v59.0/query?q=SELECT+Id,AccountId,Account.Name+FROM+Contact+WHERE+"
                "Id+=+'@{NewContact.id}'"},
        {"method": "GET", "referenceId": "Again",
         "url": "/services/data/v59.0/sobjects/Account/@{Found.records[0].AccountId}"},
    ]}
    out = sf.restful("composite", method="POST", json=body)["compositeResponse"]
    assert [r["httpStatusCode"] for r in out] == [201, 201, 200, 200]
    account_id = out[0]["body"]["id"]
    assert out[0]["httpHeaders"]["Location"].endswith(f"/sobjects/Account/{account_id}")
    assert sf.Contact.get(out[1]["body"]["id"])["AccountId"] == account_id
    assert out[2]["body"]["records"][0]["Account"]["Name"] == "Composite Co"
    assert out[3]["body"]["Name"] == "Composite Co"


def test_composite_all_or_none_rolls_everything_back(sf: Salesforce) -> None:
    body = {"allOrNone": True, "compositeRequest": [
        {"method": "POST", "url": "/services/data/v59.0/sobjects/Account",
         "referenceId": "ok", "body": {"Name": "rolled back co"}},
        {"method": "POST", "url": "/services/data/v59.0/sobjects/Contact",
         "referenceId": "bad", "body": {"FirstName": "no last name"}},
        {"method": "POST", "url": "/services/data/v59.0/sobjects/Account",
         "referenceId": "after", "body": {"Name": "never"}},
    ]}
    out = sf.restful("composite", method="POST", json=body)["compositeResponse"]
    assert [r["httpStatusCode"] for r in out] == [400, 400, 400]
    assert out[0]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert out[1]["body"][0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    assert out[2]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    found = sf.query("SELECT COUNT() FROM Account WHERE Name IN ('rolled back co', 'never')")
    assert found["totalSize"] == 0


def test_composite_without_all_or_none_halts_only_dependents(sf: Salesforce) -> None:
    body = {"compositeRequest": [
        {"method": "POST", "url": "/services/data/v59.0/sobjects/Contact",
         "referenceId": "bad", "body": {}},
        {"method": "POST", "url": "/services/data/v59.0/sobjects/Case",
         "referenceId": "dependent", "body": {"Subject": "x", "ContactId": "@{bad.id}"}},
        {"method": "POST", "url": "/services/data/v59.0/sobjects/Account",
         "referenceId": "independent", "body": {"Name": "kept co"}},
    ]}
    out = sf.restful("composite", method="POST", json=body)["compositeResponse"]
    assert [r["httpStatusCode"] for r in out] == [400, 400, 201]
    assert out[1]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert sf.Account.get(out[2]["body"]["id"])["Name"] == "kept co"


def test_composite_refuses_more_than_25_subrequests(sf: Salesforce) -> None:
    requests = [{"method": "GET", "url": "/services/data/v59.0/limits", "referenceId": f"r{i}"}
                for i in range(26)]
    with pytest.raises(SalesforceMalformedRequest):
        sf.restful("composite", method="POST", json={"compositeRequest": requests})


def test_composite_batch_runs_independent_subrequests(sf: Salesforce) -> None:
    account = sf.Account.create({"Name": "batch co"})["id"]
    body = {"haltOnError": True, "batchRequests": [
        {"method": "PATCH", "url": f"v59.0/sobjects/Account/{account}",
         "richInput": {"Phone": "555"}},
        {"method": "GET", "url": f"v59.0/sobjects/Account/{account}?fields=Phone"},
        {"method": "POST", "url": "v59.0/sobjects/Contact", "richInput": {}},
        {"method": "GET", "url": "v59.0/limits"},
    ]}
    out = sf.restful("composite/batch", method="POST", json=body)
    assert out["hasErrors"] is True
    assert [r["statusCode"] for r in out["results"]] == [204, 200, 400, 412]
    assert out["results"][1]["result"]["Phone"] == "555"
    assert out["results"][3]["result"][0]["errorCode"] == "BATCH_PROCESSING_HALTED"


def test_composite_graph_is_all_or_none_per_graph(sf: Salesforce) -> None:
    body = {"graphs": [
        {"graphId": "good", "compositeRequest": [
            {"method": "POST", "url": "/services/data/v59.0/sobjects/Account",
             "referenceId": "acc", "body": {"Name": "graph co"}},
            {"method": "POST", "url": "/services/data/v59.0/sobjects/Opportunity",
             "referenceId": "opp", "body": {"Name": "graph deal", "StageName": "Prospecting",
                                            "CloseDate": "2024-12-01",
                                            "AccountId": "@{acc.id}"}}]},
        {"graphId": "bad", "compositeRequest": [
            {"method": "POST", "url": "/services/data/v59.0/sobjects/Account",
             "referenceId": "acc2", "body": {"Name": "graph co 2"}},
            {"method": "POST", "url": "/services/data/v59.0/sobjects/Opportunity",
             "referenceId": "opp2", "body": {"Name": "no stage", "AccountId": "@{acc2.id}"}}]},
    ]}
    graphs = {g["graphId"]: g for g in sf.restful("composite/graph", method="POST",
                                                    json=body)["graphs"]}
    assert graphs["good"]["isSuccessful"] is True and graphs["bad"]["isSuccessful"] is False
    assert sf.query("SELECT COUNT() FROM Account WHERE Name = 'graph co 2'")["totalSize"] == 0
    assert sf.query("SELECT COUNT() FROM Opportunity WHERE Name = 'graph deal'")["totalSize"] == 1


def test_sobject_tree_creates_parents_and_children_or_nothing(sf: Salesforce) -> None:
    tree = {"records": [
        {"attributes": {"type": "Account", "referenceId": "a1"}, "Name": "Tree Co",
         "Contacts": {"records": [
             {"attributes": {"type": "Contact", "referenceId": "c1"}, "LastName": "Leaf"}]},
         "Opportunities": {"records": [
             {"attributes": {"type": "Opportunity", "referenceId": "o1"}, "Name": "Tree deal",
              "StageName": "Prospecting", "CloseDate": "2024-11-01"}]}},
    ]}
    out = sf.restful("composite/tree/Account", method="POST", json=tree)
    assert out["hasErrors"] is False
    ids = {r["referenceId"]: r["id"] for r in out["results"]}
    assert sf.Contact.get(ids["c1"])["AccountId"] == ids["a1"]
    assert sf.Opportunity.get(ids["o1"])["AccountId"] == ids["a1"]
    broken = {"records": [
        {"attributes": {"type": "Account", "referenceId": "b1"}, "Name": "Broken Tree",
         "Contacts": {"records": [
             {"attributes": {"type": "Contact", "referenceId": "b2"}, "FirstName": "x"}]}}]}
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.restful("composite/tree/Account", method="POST", json=broken)
    content = info.value.content  # type: ignore[attr-defined]
    assert content["hasErrors"] is True
    assert content["results"][0]["referenceId"] == "b2"
    assert sf.query("SELECT COUNT() FROM Account WHERE Name = 'Broken Tree'")["totalSize"] == 0


def test_get_updated_and_get_deleted(sf: Salesforce, clock: ManualClock) -> None:
    now = clock()
    kept = sf.Lead.create({"LastName": "Replicated", "Company": "R"})["id"]
    gone = sf.Lead.create({"LastName": "Removed", "Company": "R"})["id"]
    sf.Lead.delete(gone)
    start, end = now - timedelta(hours=1), now + timedelta(hours=1)
    updated = sf.Lead.updated(start, end)
    assert kept in updated["ids"] and gone not in updated["ids"]
    assert updated["latestDateCovered"].startswith(end.strftime("%Y-%m-%dT%H:%M"))
    deleted = sf.Lead.deleted(start, end)
    assert [d["id"] for d in deleted["deletedRecords"]] == [gone]
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Lead.updated(now - timedelta(days=31), end)
    assert info.value.content[0]["errorCode"] == "INVALID_REPLICATION_DATE"  # type: ignore[attr-defined]


def test_tooling_query_lists_custom_objects_and_fields(sf: Salesforce) -> None:
    made = sf.toolingexecute("sobjects/CustomObject", method="POST", data={
        "FullName": "Listed__c", "Metadata": {"label": "Listed"}})
    sf.toolingexecute("sobjects/CustomField", method="POST", data={
        "FullName": "Listed__c.Code__c", "Metadata": {"type": "Text", "length": 5}})
    objects = sf.toolingexecute(
        "query/?q=SELECT+Id,DeveloperName,NamespacePrefix+FROM+CustomObject")
    row = next(r for r in objects["records"] if r["DeveloperName"] == "Listed")
    assert row["Id"] == made["id"] and row["NamespacePrefix"] is None
    assert row["attributes"]["type"] == "CustomObject"
    fields = sf.toolingexecute(
        "query/?q=SELECT+DeveloperName,TableEnumOrId+FROM+CustomField+WHERE+"
        "DeveloperName+=+'Code'")
    assert {(r["DeveloperName"], r["TableEnumOrId"]) for r in fields["records"]} >= {
        ("Code", made["id"])}


def test_record_count(sf: Salesforce) -> None:
    sf.Campaign.create({"Name": "Counted"})
    out = sf.restful("limits/recordCount", params={"sObjects": "Campaign,Note"})
    counts = {o["name"]: o["count"] for o in out["sObjects"]}
    assert counts["Campaign"] >= 1 and counts["Note"] >= 0
    assert set(counts) == {"Campaign", "Note"}
