"""Composite sObject collections (raw HTTPS: simple-salesforce has no wrapper)."""

from __future__ import annotations

from emulator_support import Raw
from simple_salesforce import Salesforce


def _acc(name: str, **extra: object) -> dict[str, object]:
    return {"attributes": {"type": "Account"}, "Name": name, **extra}


def test_create_returns_one_result_per_record_in_order(raw: Raw) -> None:
    r = raw("POST", "/composite/sobjects", json={
        "allOrNone": False,
        "records": [_acc("c1"), {"attributes": {"type": "Contact"}, "FirstName": "x"},
                    _acc("c3")],
    })
    assert r.status_code == 200
    items = r.json()
    assert [i["success"] for i in items] == [True, False, True]
    assert items[1] == {"id": None, "success": False, "errors": [
        {"statusCode": "REQUIRED_FIELD_MISSING", "message": "Required fields are missing: [LastName]",
         "fields": ["LastName"]}]}
    assert items[0]["id"].startswith("001") and items[2]["id"].startswith("001")


def test_all_or_none_rolls_back_every_record(raw: Raw, sf: Salesforce) -> None:
    before = sf.query("SELECT COUNT() FROM Account WHERE Name = 'aon'")["totalSize"]
    r = raw("POST", "/composite/sobjects", json={
        "allOrNone": True, "records": [_acc("aon"), _acc("aon", NumberOfEmployees="x")],
    })
    items = r.json()
    assert items[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert items[1]["errors"][0]["statusCode"] == "INVALID_TYPE_ON_FIELD_IN_RECORD"
    assert sf.query("SELECT COUNT() FROM Account WHERE Name = 'aon'")["totalSize"] == before


def test_all_or_none_across_object_types_rolls_back_earlier_groups(raw: Raw, sf: Salesforce) -> None:
    r = raw("POST", "/composite/sobjects", json={
        "allOrNone": True,
        "records": [_acc("aon-mixed"), {"attributes": {"type": "Contact"}, "FirstName": "no"}],
    })
    assert [i["success"] for i in r.json()] == [False, False]
    assert sf.query("SELECT COUNT() FROM Account WHERE Name = 'aon-mixed'")["totalSize"] == 0


def test_more_than_200_records_is_exceeded_id_limit(raw: Raw) -> None:
    r = raw("POST", "/composite/sobjects", json={"records": [_acc(f"n{i}") for i in range(201)]})
    assert r.status_code == 400 and r.json()[0]["errorCode"] == "EXCEEDED_ID_LIMIT"


def test_update_and_retrieve(raw: Raw) -> None:
    ids = [i["id"] for i in raw("POST", "/composite/sobjects",
                                json={"records": [_acc("u1"), _acc("u2")]}).json()]
    r = raw("PATCH", "/composite/sobjects", json={"records": [
        {"attributes": {"type": "Account"}, "Id": ids[0], "Name": "u1!"},
        {"attributes": {"type": "Account"}, "Id": "001000000000009AAA", "Name": "ghost"},
    ]})
    assert [i["success"] for i in r.json()] == [True, False]
    assert r.json()[1]["errors"][0]["statusCode"] == "INVALID_CROSS_REFERENCE_KEY"
    got = raw("GET", "/composite/sobjects/Account",
              params={"ids": ",".join(ids), "fields": "Id,Name"}).json()
    assert [g["Name"] for g in got] == ["u1!", "u2"]
    post = raw("POST", "/composite/sobjects/Account", json={"ids": ids[:1], "fields": ["Name"]})
    assert post.json()[0]["Name"] == "u1!"


def test_upsert_reports_created_per_record(raw: Raw, ext_field: str) -> None:
    raw("PATCH", f"/sobjects/Account/{ext_field}/CU-1", json={"Name": "exists"})
    r = raw("PATCH", f"/composite/sobjects/Account/{ext_field}", json={"records": [
        {"attributes": {"type": "Account"}, ext_field: "CU-1", "Name": "updated"},
        {"attributes": {"type": "Account"}, ext_field: "CU-2", "Name": "new"},
    ]})
    assert [(i["success"], i["created"]) for i in r.json()] == [(True, False), (True, True)]


def test_delete_by_ids(raw: Raw, sf: Salesforce) -> None:
    ids = [i["id"] for i in raw("POST", "/composite/sobjects",
                                json={"records": [_acc("d1"), _acc("d2")]}).json()]
    r = raw("DELETE", "/composite/sobjects", params={"ids": ",".join(ids)})
    assert [i["success"] for i in r.json()] == [True, True]
    again = raw("DELETE", "/composite/sobjects", params={"ids": ids[0]})
    assert again.json()[0]["errors"][0]["statusCode"] == "ENTITY_IS_DELETED"
    rows = sf.query_all(f"SELECT Id, IsDeleted FROM Account WHERE Id = '{ids[0]}'",
                        include_deleted=True)["records"]
    assert rows[0]["IsDeleted"] is True
