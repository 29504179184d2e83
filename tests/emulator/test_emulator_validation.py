"""Validation on write: the core rules through the REST API, and what only
Salesforce checks (references, uniqueness, audit fields, Events, Cases, Users)."""

from __future__ import annotations

from pathlib import Path

import pytest
from emulator_support import error_of
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from crossmap_salesforce.emulator import OrgSettings, running_org


def _reject(create: object, data: dict[str, object]) -> dict[str, object]:
    with pytest.raises(SalesforceMalformedRequest) as info:
        create(data)  # type: ignore[operator]
    return error_of(info.value)


def test_required_field_missing(sf: Salesforce) -> None:
    err = _reject(sf.Contact.create, {"FirstName": "No last name"})
    assert err == {"errorCode": "REQUIRED_FIELD_MISSING",
                   "message": "Required fields are missing: [LastName]", "fields": ["LastName"]}


def test_unknown_field(sf: Salesforce) -> None:
    err = _reject(sf.Account.create, {"Name": "x", "Foo__c": 1})
    assert err["errorCode"] == "INVALID_FIELD"
    assert err["message"] == "No such column 'Foo__c' on sobject of type Account"


def test_field_names_are_case_insensitive(sf: Salesforce) -> None:
    rid = sf.Account.create({"name": "lower case", "NUMBEROFEMPLOYEES": 3})["id"]
    assert sf.Account.get(rid)["NumberOfEmployees"] == 3


def test_string_too_long(sf: Salesforce) -> None:
    err = _reject(sf.Case.create, {"Subject": "x" * 256})
    assert err["errorCode"] == "STRING_TOO_LONG" and err["fields"] == ["Subject"]


def test_wrong_value_type(sf: Salesforce) -> None:
    err = _reject(sf.Account.create, {"Name": "x", "NumberOfEmployees": "many"})
    assert err["errorCode"] == "INVALID_TYPE_ON_FIELD_IN_RECORD"


def test_case_closed_date_is_not_writable(sf: Salesforce) -> None:
    err = _reject(sf.Case.create, {"Subject": "x", "ClosedDate": "2024-01-01T00:00:00Z"})
    assert err["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert err["message"].startswith("Unable to create/update fields: ClosedDate.")


def test_audit_fields_need_the_org_permission(sf: Salesforce) -> None:
    err = _reject(sf.Account.create, {"Name": "x", "CreatedDate": "2020-01-01T00:00:00Z"})
    assert err["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"


def test_audit_fields_are_accepted_when_the_org_allows_them(tmp_path: Path) -> None:
    with running_org(tmp_path, settings=OrgSettings(set_audit_fields=True)) as org:
        sf = org.salesforce()
        try:
            rid = sf.Account.create({"Name": "Old", "CreatedDate": "2020-01-02T03:04:05Z"})["id"]
            assert sf.Account.get(rid)["CreatedDate"] == "2020-01-02T03:04:05.000+0000"
            # Only on create: an update may not rewrite them.
            with pytest.raises(SalesforceMalformedRequest):
                sf.Account.update(rid, {"CreatedDate": "2021-01-01T00:00:00Z"})
        finally:
            sf.session.close()


def test_reference_must_exist(sf: Salesforce) -> None:
    err = _reject(sf.Contact.create, {"LastName": "x", "AccountId": "001000000000009AAA"})
    assert err["errorCode"] == "INVALID_CROSS_REFERENCE_KEY" and err["fields"] == ["AccountId"]


def test_reference_must_be_of_an_allowed_type(sf: Salesforce) -> None:
    contact = sf.Contact.create({"LastName": "Someone"})["id"]
    err = _reject(sf.Contact.create, {"LastName": "x", "AccountId": contact})
    assert err["errorCode"] == "FIELD_INTEGRITY_EXCEPTION" and err["fields"] == ["AccountId"]


def test_reference_must_be_shaped_like_an_id(sf: Salesforce) -> None:
    err = _reject(sf.Contact.create, {"LastName": "x", "AccountId": "garbage"})
    assert err["errorCode"] == "MALFORMED_ID"


def test_reference_to_a_deleted_record_is_rejected(sf: Salesforce) -> None:
    account = sf.Account.create({"Name": "Gone"})["id"]
    sf.Account.delete(account)
    err = _reject(sf.Contact.create, {"LastName": "x", "AccountId": account})
    assert err["errorCode"] == "INVALID_CROSS_REFERENCE_KEY"


def test_polymorphic_references_accept_each_allowed_type(sf: Salesforce) -> None:
    account = sf.Account.create({"Name": "What"})["id"]
    case = sf.Case.create({"Subject": "What"})["id"]
    for what in (account, case):
        rid = sf.Task.create({"Subject": "t", "WhatId": what})["id"]
        assert sf.Task.get(rid)["WhatId"] == what
    queue = sf.query("SELECT Id FROM Group WHERE Type = 'Queue'")["records"][0]["Id"]
    rid = sf.Case.create({"Subject": "queued", "OwnerId": queue})["id"]
    assert sf.Case.get(rid)["OwnerId"] == queue


def test_restricted_picklist(sf: Salesforce) -> None:
    rid = sf.Case.create({"Subject": "x"})["id"]
    link = {"ContentDocumentId": "069000000000001AAA", "LinkedEntityId": rid, "ShareType": "Z"}
    err = _reject(sf.ContentDocumentLink.create, link)
    assert err["errorCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"


def test_external_id_values_are_unique(sf: Salesforce, ext_field: str) -> None:
    first = sf.Account.create({"Name": "a", ext_field: "DUP-1"})["id"]
    err = _reject(sf.Account.create, {"Name": "b", ext_field: "dup-1"})
    assert err["errorCode"] == "DUPLICATE_VALUE"
    assert err["message"] == (f"duplicate value found: {ext_field} duplicates value on record "
                              f"with id: {first}")


def test_usernames_are_unique(sf: Salesforce) -> None:
    profile = sf.query("SELECT Id FROM Profile WHERE Name = 'Standard User'")["records"][0]["Id"]
    user = {"Username": "New.User@example.com", "LastName": "User", "Email": "n@example.com",
            "Alias": "nuser", "ProfileId": profile, "TimeZoneSidKey": "GMT",
            "LocaleSidKey": "en_US", "EmailEncodingKey": "UTF-8", "LanguageLocaleKey": "en_US"}
    sf.User.create(user)
    err = _reject(sf.User.create, {**user, "Username": "new.user@EXAMPLE.com"})
    assert err["errorCode"] == "DUPLICATE_USERNAME"


def test_event_needs_a_duration_or_an_end(sf: Salesforce) -> None:
    err = _reject(sf.Event.create, {"Subject": "x", "StartDateTime": "2024-01-01T10:00:00Z"})
    assert err["errorCode"] == "REQUIRED_FIELD_MISSING" and "DurationInMinutes" in err["message"]


def test_event_end_fills_the_duration(sf: Salesforce) -> None:
    rid = sf.Event.create({"Subject": "x", "StartDateTime": "2024-01-01T10:00:00Z",
                           "EndDateTime": "2024-01-01T11:30:00Z"})["id"]
    ev = sf.Event.get(rid)
    assert ev["DurationInMinutes"] == 90
    assert ev["ActivityDateTime"] == "2024-01-01T10:00:00.000+0000"
    assert ev["ActivityDate"] == "2024-01-01"


def test_event_duration_and_end_must_agree(sf: Salesforce) -> None:
    err = _reject(sf.Event.create, {"Subject": "x", "StartDateTime": "2024-01-01T10:00:00Z",
                                    "EndDateTime": "2024-01-01T11:00:00Z",
                                    "DurationInMinutes": 30})
    assert err["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"


def test_event_may_not_exceed_fourteen_days(sf: Salesforce) -> None:
    err = _reject(sf.Event.create, {"Subject": "x", "StartDateTime": "2024-01-01T10:00:00Z",
                                    "DurationInMinutes": 15 * 24 * 60})
    assert err["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"


def test_all_day_event_uses_the_activity_date(sf: Salesforce) -> None:
    rid = sf.Event.create({"Subject": "day", "IsAllDayEvent": True,
                           "ActivityDate": "2024-02-03"})["id"]
    ev = sf.Event.get(rid)
    assert ev["DurationInMinutes"] == 1440 and ev["ActivityDate"] == "2024-02-03"


def test_closing_a_case_sets_is_closed_and_closed_date(sf: Salesforce) -> None:
    rid = sf.Case.create({"Subject": "open"})["id"]
    case = sf.Case.get(rid)
    assert case["Status"] == "New" and case["IsClosed"] is False and case["ClosedDate"] is None
    sf.Case.update(rid, {"Status": "Closed"})
    case = sf.Case.get(rid)
    assert case["IsClosed"] is True and case["ClosedDate"] == "2024-05-06T07:08:09.000+0000"
    sf.Case.update(rid, {"Status": "Working"})
    case = sf.Case.get(rid)
    assert case["IsClosed"] is False and case["ClosedDate"] is None


def test_case_numbers_are_assigned(sf: Salesforce) -> None:
    first = sf.Case.get(sf.Case.create({"Subject": "n1"})["id"])["CaseNumber"]
    second = sf.Case.get(sf.Case.create({"Subject": "n2"})["id"])["CaseNumber"]
    assert len(first) == 8 and int(second) == int(first) + 1


def test_update_may_not_null_a_required_field(sf: Salesforce) -> None:
    rid = sf.Contact.create({"LastName": "Keep"})["id"]
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Contact.update(rid, {"LastName": None})
    assert error_of(info.value)["errorCode"] == "REQUIRED_FIELD_MISSING"


def test_contact_name_is_derived(sf: Salesforce) -> None:
    rid = sf.Contact.create({"FirstName": "Ada", "LastName": "Lovelace"})["id"]
    assert sf.Contact.get(rid)["Name"] == "Ada Lovelace"


def test_moving_an_event_keeps_its_duration(sf: Salesforce) -> None:
    rid = sf.Event.create({"Subject": "move", "StartDateTime": "2024-01-01T10:00:00Z",
                           "DurationInMinutes": 45})["id"]
    sf.Event.update(rid, {"StartDateTime": "2024-01-02T08:00:00Z"})
    ev = sf.Event.get(rid)
    assert ev["EndDateTime"] == "2024-01-02T08:45:00.000+0000"
    assert ev["ActivityDateTime"] == "2024-01-02T08:00:00.000+0000"
    sf.Event.update(rid, {"EndDateTime": "2024-01-02T09:00:00Z"})
    assert sf.Event.get(rid)["DurationInMinutes"] == 60
