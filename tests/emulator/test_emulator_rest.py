"""sObject rows, external ids, describe and limits through simple-salesforce."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from emulator_support import CAPTURES, Raw, error_of
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)

from crossmap_salesforce.emulator import OrgSettings, running_org


def test_create_returns_201_with_an_18_character_id(raw: Raw) -> None:
    r = raw("POST", "/sobjects/Account/", json={"Name": "Created"})
    assert r.status_code == 201
    body = r.json()
    assert body["success"] is True and body["errors"] == []
    assert len(body["id"]) == 18 and body["id"].startswith("001")


def test_get_returns_attributes_and_every_field(sf: Salesforce) -> None:
    rid = sf.Account.create({"Name": "Readable", "NumberOfEmployees": 12})["id"]
    rec = sf.Account.get(rid)
    assert rec["attributes"] == {"type": "Account",
                                 "url": f"/services/data/v59.0/sobjects/Account/{rid}"}
    assert rec["Name"] == "Readable" and rec["NumberOfEmployees"] == 12
    assert "Website" in rec and rec["Website"] is None
    assert rec["CreatedDate"] == "2024-05-06T07:08:09.000+0000"
    assert rec["IsDeleted"] is False


def test_fifteen_character_ids_are_accepted(sf: Salesforce) -> None:
    rid = sf.Account.create({"Name": "Short id"})["id"]
    assert sf.Account.get(rid[:15])["Id"] == rid


def test_update_returns_204_and_changes_the_record(sf: Salesforce) -> None:
    rid = sf.Account.create({"Name": "Before"})["id"]
    assert sf.Account.update(rid, {"Name": "After"}) == 204
    assert sf.Account.get(rid)["Name"] == "After"


def test_delete_returns_204_and_then_entity_is_deleted(sf: Salesforce) -> None:
    rid = sf.Account.create({"Name": "Doomed"})["id"]
    assert sf.Account.delete(rid) == 204
    with pytest.raises(SalesforceResourceNotFound) as info:
        sf.Account.get(rid)
    assert error_of(info.value)["errorCode"] == "ENTITY_IS_DELETED"


def test_an_unknown_id_is_404_not_found(sf: Salesforce) -> None:
    with pytest.raises(SalesforceResourceNotFound) as info:
        sf.Account.get("001000000000000AAA")
    assert error_of(info.value)["errorCode"] == "NOT_FOUND"


def test_upsert_on_external_id_creates_then_updates(sf: Salesforce, raw: Raw, ext_field: str) -> None:
    r = raw("PATCH", f"/sobjects/Account/{ext_field}/UP-1", json={"Name": "Upserted"})
    assert r.status_code == 201 and r.json()["created"] is True
    rid = r.json()["id"]
    r = raw("PATCH", f"/sobjects/Account/{ext_field}/up-1", json={"Name": "Upserted again"})
    assert r.status_code == 200 and r.json() == {"id": rid, "success": True, "errors": [],
                                                 "created": False}
    assert sf.Account.get(rid)["Name"] == "Upserted again"
    # simple-salesforce's own upsert returns the status code.
    assert sf.Account.upsert(f"{ext_field}/UP-1", {"Name": "Third"}) == 200


def test_get_by_external_id(sf: Salesforce, ext_field: str) -> None:
    rid = sf.Account.create({"Name": "Findable", ext_field: "FIND-1"})["id"]
    assert sf.Account.get_by_custom_id(ext_field, "FIND-1")["Id"] == rid
    with pytest.raises(SalesforceResourceNotFound):
        sf.Account.get_by_custom_id(ext_field, "MISSING")


def test_upsert_on_a_field_that_is_not_an_external_id_is_404(raw: Raw) -> None:
    r = raw("PATCH", "/sobjects/Account/Name/x", json={"Name": "x"})
    assert r.status_code == 404 and r.json()[0]["errorCode"] == "NOT_FOUND"


def test_unknown_object_is_404(raw: Raw) -> None:
    r = raw("GET", "/sobjects/Nope__c/describe")
    assert r.status_code == 404 and r.json()[0]["errorCode"] == "NOT_FOUND"


def test_global_describe_lists_every_modelled_object(sf: Salesforce) -> None:
    body = sf.describe()
    assert body["maxBatchSize"] == 200 and body["encoding"] == "UTF-8"
    names = {o["name"] for o in body["sobjects"]}
    assert {"Account", "Contact", "Case", "Event", "Task", "User", "Profile", "Group",
            "CaseComment", "ContentVersion", "ContentDocument", "ContentDocumentLink",
            "Organization"} <= names
    account = next(o for o in body["sobjects"] if o["name"] == "Account")
    assert account["keyPrefix"] == "001"
    assert account["urls"]["describe"] == "/services/data/v59.0/sobjects/Account/describe"


_COMPARED = ("type", "length", "precision", "scale", "nillable", "createable", "updateable",
             "defaultedOnCreate", "externalId", "unique", "referenceTo", "restrictedPicklist")


@pytest.mark.parametrize("name", ["Account", "Contact", "Case", "Event", "Task"])
def test_describe_agrees_with_the_real_capture(sf: Salesforce, name: str) -> None:
    captured = json.loads((CAPTURES / f"{name}.json").read_text())
    real = {f["name"]: f for f in captured["fields"]}
    ours = getattr(sf, name).describe()
    assert ours["name"] == name and ours["keyPrefix"] == captured["keyPrefix"]
    compared = 0
    for field in ours["fields"]:
        if field.get("custom") and field["name"] not in real:
            continue  # added at run time through the Tooling API
        assert field["name"] in real, field["name"]
        for key in _COMPARED:
            value = field[key]
            if key == "referenceTo":
                # A custom object created through the Tooling API earlier in the session
                # (activities enabled) joins WhatId's targets, as it would in a real org.
                value = [t for t in value if not t.endswith("__c") or t in real[field["name"]][key]]
            assert value == real[field["name"]][key], (field["name"], key)
        values = [p["value"] for p in field.get("picklistValues") or []]
        assert values == [p["value"] for p in real[field["name"]]["picklistValues"]]
        compared += 1
    assert compared > 20


def test_limits_report_the_daily_request_counter(sf: Salesforce) -> None:
    before = sf.limits()["DailyApiRequests"]
    after = sf.limits()["DailyApiRequests"]
    assert after["Max"] == before["Max"]
    assert after["Remaining"] == before["Remaining"] - 1


def test_every_response_carries_sforce_limit_info(sf: Salesforce, raw: Raw) -> None:
    r = raw("GET", "/limits")
    used, maximum = r.headers["Sforce-Limit-Info"].removeprefix("api-usage=").split("/")
    assert int(used) >= 1 and int(maximum) == 1_000_000
    sf.query("SELECT Id FROM Organization")
    assert sf.api_usage["api-usage"].total == 1_000_000


def test_requests_beyond_the_daily_limit_get_403(tmp_path: Path) -> None:
    with running_org(tmp_path, settings=OrgSettings(daily_api_requests=3)) as org:
        sf = org.salesforce()
        try:
            for _ in range(3):
                sf.query("SELECT Id FROM Organization")
            with pytest.raises(SalesforceRefusedRequest) as info:
                sf.query("SELECT Id FROM Organization")
            assert error_of(info.value) == {"errorCode": "REQUEST_LIMIT_EXCEEDED",
                                            "message": "TotalRequests Limit exceeded.",
                                            "fields": []}
        finally:
            sf.session.close()


def test_malformed_json_is_rejected(raw: Raw) -> None:
    r = raw("POST", "/sobjects/Account", data=b"{not json",
            headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()[0]["errorCode"] == "JSON_PARSER_ERROR"


def test_object_info_and_versions(raw: Raw) -> None:
    assert raw("GET", "/sobjects/Account").json()["objectDescribe"]["name"] == "Account"
    assert any(v["version"] == "59.0" for v in raw("GET", "/services/data").json())


def test_objects_that_cannot_be_created_or_deleted_say_so(sf: Salesforce, raw: Raw) -> None:
    r = raw("POST", "/sobjects/Organization", json={"Name": "second org"})
    assert r.status_code == 400 and r.json()[0] == {
        "errorCode": "INVALID_TYPE_FOR_OPERATION",
        "message": "entity type cannot be inserted: Organization", "fields": []}
    org_id = sf.query("SELECT Id FROM Organization")["records"][0]["Id"]
    r = raw("DELETE", f"/sobjects/Organization/{org_id}")
    assert r.status_code == 400 and r.json()[0]["errorCode"] == "INVALID_TYPE_FOR_OPERATION"


def test_several_errors_of_one_record_are_all_reported(raw: Raw) -> None:
    r = raw("POST", "/sobjects/Contact", json={"Foo__c": 1, "Email": "not-an-email"})
    codes = [e["errorCode"] for e in r.json()]
    assert r.status_code == 400
    assert codes == ["INVALID_FIELD", "INVALID_EMAIL_ADDRESS", "REQUIRED_FIELD_MISSING"]


def test_parent_by_external_id_in_json(sf: Salesforce, ext_field: str) -> None:
    parent = sf.Account.create({"Name": "Parent by key", ext_field: "PK-1"})["id"]
    rid = sf.Contact.create({"LastName": "child", "Account": {ext_field: "pk-1"}})["id"]
    assert sf.Contact.get(rid)["AccountId"] == parent
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Contact.create({"LastName": "orphan", "Account": {ext_field: "PK-404"}})
    assert error_of(info.value) == {
        "errorCode": "INVALID_FIELD", "fields": ["AccountId"],
        "message": f"Foreign key external ID: PK-404 not found for field {ext_field} in "
                   "entity Account"}
