"""Tooling API: custom objects and fields created at run time."""

from __future__ import annotations

from emulator_support import Raw
from simple_salesforce import Salesforce


def test_custom_field_appears_in_describe_and_is_validated(raw: Raw, sf: Salesforce) -> None:
    r = raw("POST", "/tooling/sobjects/CustomField", json={
        "FullName": "Contact.Tier__c",
        "Metadata": {"label": "Tier", "type": "Picklist", "valueSet": {
            "restricted": True, "valueSetDefinition": {"value": [
                {"fullName": "Gold", "default": False}, {"fullName": "Silver"}]}}},
    })
    assert r.status_code == 201 and r.json()["success"] is True
    field = next(f for f in sf.Contact.describe()["fields"] if f["name"] == "Tier__c")
    assert field["custom"] is True and field["restrictedPicklist"] is True
    assert [p["value"] for p in field["picklistValues"]] == ["Gold", "Silver"]
    ok = raw("POST", "/sobjects/Contact", json={"LastName": "t", "Tier__c": "Gold"})
    assert ok.status_code == 201
    bad = raw("POST", "/sobjects/Contact", json={"LastName": "t", "Tier__c": "Bronze"})
    assert bad.json()[0]["errorCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"


def test_duplicate_custom_field_is_rejected(raw: Raw) -> None:
    body = {"FullName": "Case.Code__c", "Metadata": {"type": "Text", "length": 10}}
    assert raw("POST", "/tooling/sobjects/CustomField", json=body).status_code == 201
    again = raw("POST", "/tooling/sobjects/CustomField", json=body)
    assert again.status_code == 400 and again.json()[0]["errorCode"] == "DUPLICATE_DEVELOPER_NAME"


def test_master_detail_children_cascade_on_delete(raw: Raw, sf: Salesforce) -> None:
    assert raw("POST", "/tooling/sobjects/CustomObject",
               json={"FullName": "Line__c", "Metadata": {"label": "Line"}}).status_code == 201
    assert raw("POST", "/tooling/sobjects/CustomField", json={
        "FullName": "Line__c.Case__c",
        "Metadata": {"type": "MasterDetail", "referenceTo": "Case", "relationshipName": "Case"},
    }).status_code == 201
    case = sf.Case.create({"Subject": "parent"})["id"]
    line = raw("POST", "/sobjects/Line__c", json={"Name": "l1", "Case__c": case}).json()["id"]
    missing = raw("POST", "/sobjects/Line__c", json={"Name": "orphan"})
    assert missing.json()[0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    sf.Case.delete(case)
    assert raw("GET", f"/sobjects/Line__c/{line}").json()[0]["errorCode"] == "ENTITY_IS_DELETED"
