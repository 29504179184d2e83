"""SOQL through simple-salesforce's query API, on a custom object of its own (made
through the Tooling API) so other tests' records do not interfere."""

from __future__ import annotations

from typing import Any

import pytest
from emulator_support import Raw, error_of
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest


def _field(raw: Raw, name: str, **meta: Any) -> None:
    r = raw("POST", "/tooling/sobjects/CustomField",
            json={"FullName": f"Widget__c.{name}", "Metadata": {"label": name[:-3], **meta}})
    assert r.status_code == 201, r.text


@pytest.fixture(scope="module")
def widgets(raw: Raw, sf: Salesforce) -> list[str]:
    r = raw("POST", "/tooling/sobjects/CustomObject", json={
        "FullName": "Widget__c",
        "Metadata": {"label": "Widget", "pluralLabel": "Widgets",
                     "nameField": {"type": "Text", "label": "Widget Name"}},
    })
    assert r.status_code == 201, r.text
    _field(raw, "Rank__c", type="Number", precision=10, scale=0)
    _field(raw, "Due__c", type="Date")
    _field(raw, "Seen__c", type="DateTime")
    _field(raw, "Active__c", type="Checkbox")
    _field(raw, "Account__c", type="Lookup", referenceTo="Account", relationshipName="Widgets")
    account = sf.Account.create({"Name": "Widget Maker"})["id"]
    rows = [
        {"Name": "alpha", "Rank__c": 1, "Due__c": "2024-01-01", "Active__c": True,
         "Seen__c": "2024-05-06T01:00:00Z", "Account__c": account},
        {"Name": "Beta", "Rank__c": 2, "Due__c": "2024-02-01", "Active__c": False},
        {"Name": "gamma", "Rank__c": 3, "Due__c": "2024-03-01", "Active__c": True,
         "Account__c": account},
        {"Name": "delta", "Rank__c": None, "Due__c": None},
    ]
    r = raw("POST", "/composite/sobjects",
            json={"records": [{"attributes": {"type": "Widget__c"}, **row} for row in rows]})
    assert all(i["success"] for i in r.json()), r.text
    return [i["id"] for i in r.json()]


def names(sf: Salesforce, where: str) -> list[str]:
    rows = sf.query(f"SELECT Name FROM Widget__c WHERE {where} ORDER BY Name")["records"]
    return [r["Name"] for r in rows]


def test_custom_object_appears_in_describe(sf: Salesforce, widgets: list[str]) -> None:
    desc = sf.Widget__c.describe()
    assert desc["custom"] is True and desc["keyPrefix"].startswith("a")
    assert {"Rank__c", "Due__c", "Account__c"} <= {f["name"] for f in desc["fields"]}
    assert widgets[0].startswith(desc["keyPrefix"])


def test_field_list_and_record_shape(sf: Salesforce, widgets: list[str]) -> None:
    rec = sf.query(f"SELECT Id, Name, Rank__c FROM Widget__c WHERE Id = '{widgets[0]}'")["records"][0]
    assert list(rec) == ["attributes", "Id", "Name", "Rank__c"]
    assert rec["attributes"]["type"] == "Widget__c" and rec["Rank__c"] == 1


def test_parent_relationship_fields(sf: Salesforce, widgets: list[str]) -> None:
    """SOQL and SOSL Reference, "Relationship Names for Custom Objects and Custom
    Fields": a custom lookup Account__c is Account__r in a path; the metadata's
    relationshipName names the parent's child relationship (Widgets__r)."""
    rows = sf.query("SELECT Name, Account__r.Name FROM Widget__c ORDER BY Name")["records"]
    by_name = {r["Name"]: r["Account__r"] for r in rows}
    assert by_name["alpha"]["Name"] == "Widget Maker"
    assert by_name["alpha"]["attributes"]["type"] == "Account"
    assert by_name["Beta"] is None
    with pytest.raises(SalesforceMalformedRequest):
        sf.query("SELECT Name, Account.Name FROM Widget__c")
    parent = sf.query("SELECT Name, (SELECT Name FROM Widgets__r ORDER BY Name) FROM Account "
                      "WHERE Name = 'Widget Maker'")["records"][0]
    assert [w["Name"] for w in parent["Widgets__r"]["records"]] == ["alpha", "gamma"]


def test_count(sf: Salesforce, widgets: list[str]) -> None:
    res = sf.query("SELECT COUNT() FROM Widget__c WHERE Active__c = true")
    assert res["totalSize"] == 2 and res["records"] == []
    agg = sf.query("SELECT COUNT(Id) FROM Widget__c")["records"][0]
    assert agg["expr0"] == 4


@pytest.mark.parametrize(("where", "expected"), [
    ("Rank__c = 2", ["Beta"]),
    ("Rank__c != 2", ["alpha", "delta", "gamma"]),
    ("Rank__c < 2", ["alpha"]),
    ("Rank__c <= 2", ["alpha", "Beta"]),
    ("Rank__c > 2", ["gamma"]),
    ("Rank__c >= 2", ["Beta", "gamma"]),
    ("Name IN ('alpha', 'GAMMA')", ["alpha", "gamma"]),
    ("Name NOT IN ('alpha')", ["Beta", "delta", "gamma"]),
    ("Name LIKE '%ta'", ["Beta", "delta"]),
    ("Name LIKE 'b_t_'", ["Beta"]),
    ("Name = 'BETA'", ["Beta"]),
    ("Rank__c = null", ["delta"]),
    ("Rank__c != null AND Active__c = true", ["alpha", "gamma"]),
    ("Rank__c = 1 OR Rank__c = 3", ["alpha", "gamma"]),
    ("NOT Rank__c = 1", ["Beta", "delta", "gamma"]),
    ("(Rank__c = 1 OR Rank__c = 2) AND NOT Active__c = false", ["alpha"]),
    ("Due__c >= 2024-02-01", ["Beta", "gamma"]),
    ("Seen__c < 2024-05-06T02:00:00Z", ["alpha"]),
    ("Seen__c = TODAY", ["alpha"]),
    ("Account__r.Name = 'Widget Maker'", ["alpha", "gamma"]),
])
def test_where_operators(sf: Salesforce, widgets: list[str], where: str, expected: list[str]) -> None:
    assert names(sf, where) == expected


def test_order_limit_offset(sf: Salesforce, widgets: list[str]) -> None:
    rows = sf.query("SELECT Name FROM Widget__c ORDER BY Rank__c DESC NULLS LAST LIMIT 2 OFFSET 1")
    assert [r["Name"] for r in rows["records"]] == ["Beta", "alpha"]
    nulls_first = sf.query("SELECT Name FROM Widget__c ORDER BY Rank__c")["records"]
    assert nulls_first[0]["Name"] == "delta"


def test_query_all_sees_deleted_records(sf: Salesforce, raw: Raw, widgets: list[str]) -> None:
    rid = raw("POST", "/sobjects/Widget__c", json={"Name": "ghost"}).json()["id"]
    raw("DELETE", f"/sobjects/Widget__c/{rid}")
    assert names(sf, "Name = 'ghost'") == []
    rows = sf.query_all("SELECT Name, IsDeleted FROM Widget__c WHERE Name = 'ghost'",
                        include_deleted=True)["records"]
    assert rows == [{"attributes": rows[0]["attributes"], "Name": "ghost", "IsDeleted": True}]


def test_pages_of_2000_with_next_records_url(sf: Salesforce, raw: Raw) -> None:
    for batch in range(11):
        r = raw("POST", "/composite/sobjects", json={"records": [
            {"attributes": {"type": "Task"}, "Subject": f"page-{batch}-{i}"} for i in range(200)]})
        assert all(i["success"] for i in r.json())
    first = sf.query("SELECT Id FROM Task WHERE Subject LIKE 'page-%'")
    assert first["totalSize"] == 2200 and first["done"] is False
    assert len(first["records"]) == 2000
    assert first["nextRecordsUrl"].startswith("/services/data/v59.0/query/")
    second = sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)
    assert second["done"] is True and len(second["records"]) == 200
    everything = sf.query_all("SELECT Id FROM Task WHERE Subject LIKE 'page-%'")
    assert len({r["Id"] for r in everything["records"]}) == 2200


@pytest.mark.parametrize(("soql", "code", "fragment"), [
    ("SELECT Id FRM Widget__c", "MALFORMED_QUERY", "unexpected token: 'FRM'"),
    ("SELECT FROM Widget__c", "MALFORMED_QUERY", "ERROR at Row:1:Column:13"),
    ("SELECT Id FROM Widget__c WHERE", "MALFORMED_QUERY", "unexpected end of query"),
    ("SELECT Nope__c FROM Widget__c", "INVALID_FIELD", "No such column 'Nope__c'"),
    ("SELECT Id FROM Nope__c", "INVALID_TYPE", "sObject type 'Nope__c' is not supported"),
    ("SELECT Id FROM Widget__c WHERE Rank__c = 'x'", "INVALID_FIELD", "must be of type double"),
    ("SELECT Id FROM Widget__c WHERE Due__c = '2024-01-01'", "INVALID_FIELD",
     "should not be enclosed in quotes"),
])
def test_bad_queries_are_rejected_with_a_useful_message(
    sf: Salesforce, widgets: list[str], soql: str, code: str, fragment: str
) -> None:
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.query(soql)
    err = error_of(info.value)
    assert err["errorCode"] == code and fragment in err["message"]


def test_query_all_pages_continue_on_query_all(raw: Raw, widgets: list[str]) -> None:
    first = raw("GET", "/queryAll", params={"q": "SELECT Id FROM Widget__c"},
                headers={"Sforce-Query-Options": "batchSize=200"}).json()
    assert first["done"] is True  # fewer than 200 widgets
    for _ in range(2):
        raw("POST", "/composite/sobjects", json={"records": [
            {"attributes": {"type": "Task"}, "Subject": "qa"} for _ in range(150)]})
    tasks = raw("GET", "/queryAll", params={"q": "SELECT Id FROM Task WHERE Subject = 'qa'"},
                headers={"Sforce-Query-Options": "batchSize=200"}).json()
    assert len(tasks["records"]) == 200 and tasks["nextRecordsUrl"].startswith(
        "/services/data/v59.0/queryAll/")
    nxt = raw("GET", tasks["nextRecordsUrl"]).json()
    assert nxt["totalSize"] == tasks["totalSize"] and nxt["records"][0]["Id"] not in {
        r["Id"] for r in tasks["records"]}


def test_id_filters_accept_both_id_forms(sf: Salesforce, widgets: list[str]) -> None:
    short = [w[:15] for w in widgets[:2]]
    rows = sf.query(f"SELECT Name FROM Widget__c WHERE Id IN ('{short[0]}', '{short[1]}') "
                    "AND Rank__c != null ORDER BY Name")["records"]
    assert [r["Name"] for r in rows] == ["alpha", "Beta"]
    assert sf.query(f"SELECT Id FROM Widget__c WHERE Id = '{widgets[2]}'")["totalSize"] == 1
    account = sf.query("SELECT Id FROM Account LIMIT 1")["records"][0]["Id"]
    assert sf.query(f"SELECT Id FROM Widget__c WHERE Id = '{account}'")["totalSize"] == 0
