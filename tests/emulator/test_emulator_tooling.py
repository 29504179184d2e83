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


def test_a_custom_object_has_the_standard_fields_of_every_custom_object(
        raw: Raw, sf: Salesforce) -> None:
    """Salesforce Help, "Custom Object Standard Fields" (sf.dev_objectfields.htm):
    Name, OwnerId and the audit fields come with the object. A record left unnamed is
    named after its 15-character Id (salesforce.stackexchange.com/questions/139392)."""
    r = raw("POST", "/tooling/sobjects/CustomObject", json={
        "FullName": "Plain__c", "Metadata": {"label": "Plain", "pluralLabel": "Plains",
                                             "nameField": {"type": "Text", "label": "Title"}}})
    assert r.status_code == 201, r.text
    fields = {f["name"]: f for f in sf.Plain__c.describe()["fields"]}
    assert {"Id", "Name", "OwnerId", "IsDeleted", "CreatedDate", "CreatedById",
            "LastModifiedDate", "LastModifiedById", "SystemModstamp"} <= set(fields)
    assert fields["Name"]["label"] == "Title" and fields["Name"]["length"] == 80
    assert fields["Name"]["nameField"] is True and fields["Name"]["createable"] is True
    assert "LastActivityDate" not in fields  # activities are not allowed
    rid = sf.Plain__c.create({})["id"]
    assert sf.Plain__c.get(rid)["Name"] == rid[:15]
    # A note may be attached to any custom object (Object Reference, Note).
    note = sf.Note.create({"ParentId": rid, "Title": "on a custom object"})["id"]
    assert sf.Note.get(note)["ParentId"] == rid
    # Without "Allow Activities", a task cannot name the record.
    bad = raw("POST", "/sobjects/Task", json={"Subject": "x", "WhatId": rid})
    assert bad.json()[0]["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"


def test_allow_activities_and_an_auto_number_name(raw: Raw, sf: Salesforce) -> None:
    """"Allow Activities" lets tasks and events relate to the object's records
    (Salesforce Help, "Custom Object Definition"; Metadata API CustomObject
    ``enableActivities``); an auto-number name is read-only."""
    r = raw("POST", "/tooling/sobjects/CustomObject", json={
        "FullName": "Visit__c", "Metadata": {"label": "Visit", "enableActivities": True,
                                             "nameField": {"type": "AutoNumber",
                                                           "label": "Visit Number"}}})
    assert r.status_code == 201, r.text
    fields = {f["name"]: f for f in sf.Visit__c.describe()["fields"]}
    assert fields["Name"]["autoNumber"] is True and fields["Name"]["createable"] is False
    assert "LastActivityDate" in fields
    what = next(f for f in sf.Task.describe()["fields"] if f["name"] == "WhatId")
    assert "Visit__c" in what["referenceTo"]
    visit = sf.Visit__c.create({})["id"]
    assert sf.Visit__c.get(visit)["Name"]  # numbered
    task = sf.Task.create({"Subject": "Follow up", "WhatId": visit})["id"]
    assert sf.Task.get(task)["WhatId"] == visit
    refused = raw("POST", "/sobjects/Visit__c", json={"Name": "mine"})
    assert refused.json()[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
