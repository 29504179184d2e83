"""The Sales Cloud objects in the local org, driven through simple-salesforce: their
describe, the standard price book every org has, activities on them, and the rules a
real org applies to opportunities and their products.

Sources (Object Reference for the Salesforce Platform, developer.salesforce.com/docs/
platform/object-reference/references/standard-objects/): object-opportunity.html,
object-opportunitystage.html, object-opportunitylineitem.html,
object-pricebookentry.html, object-pricebook2.html, object-task.html."""

from __future__ import annotations

import pytest
from emulator_support import error_of
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from crossmap_salesforce.standard_objects import load_describe
from crossmap_salesforce.standard_objects.sales_cloud import OBJECTS


def _reject(create: object, data: dict[str, object]) -> dict[str, object]:
    with pytest.raises(SalesforceMalformedRequest) as info:
        create(data)  # type: ignore[operator]
    return error_of(info.value)


def test_every_sales_cloud_object_is_described(sf: Salesforce) -> None:
    names = {s["name"] for s in sf.describe()["sobjects"]}
    assert set(OBJECTS) <= names
    described = sf.Opportunity.describe()
    assert described["keyPrefix"] == "006"
    assert [f["name"] for f in described["fields"]] == [
        f["name"] for f in load_describe("Opportunity")["fields"]]
    children = {c["relationshipName"] for c in described["childRelationships"]}
    assert {"OpportunityLineItems", "OpportunityContactRoles"} <= children


def test_the_org_has_one_active_standard_price_book(sf: Salesforce) -> None:
    books = sf.query("SELECT Id, Name, IsActive FROM Pricebook2 WHERE IsStandard = true")
    assert books["totalSize"] == 1
    assert books["records"][0]["Name"] == "Standard Price Book"
    assert books["records"][0]["IsActive"] is True


def test_lead_requires_last_name_and_company(sf: Salesforce) -> None:
    err = _reject(sf.Lead.create, {"LastName": "Nobody"})
    assert err["errorCode"] == "REQUIRED_FIELD_MISSING" and err["fields"] == ["Company"]
    rid = sf.Lead.create({"LastName": "Ng", "FirstName": "Ada", "Company": "Acme"})["id"]
    lead = sf.Lead.get(rid)
    assert rid.startswith("00Q") and lead["Name"] == "Ada Ng"
    assert lead["Status"] == "Open - Not Contacted"  # the picklist's default


def test_tasks_and_events_may_point_at_an_opportunity_and_a_lead(sf: Salesforce) -> None:
    opp = sf.Opportunity.create({"Name": "Deal", "StageName": "Prospecting",
                                 "CloseDate": "2024-09-30"})["id"]
    lead = sf.Lead.create({"LastName": "Who", "Company": "Acme"})["id"]
    task = sf.Task.create({"Subject": "Call", "WhatId": opp})["id"]
    event = sf.Event.create({"Subject": "Meet", "WhoId": lead,
                             "StartDateTime": "2024-06-01T10:00:00Z",
                             "DurationInMinutes": 30})["id"]
    assert sf.Task.get(task)["WhatId"] == opp
    assert sf.Event.get(event)["WhoId"] == lead
    # A Lead is a 'who', never a 'what'.
    err = _reject(sf.Task.create, {"Subject": "x", "WhatId": lead})
    assert err["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"


def test_a_note_takes_any_of_its_parents(sf: Salesforce) -> None:
    account = sf.Account.create({"Name": "Noted"})["id"]
    note = sf.Note.create({"ParentId": account, "Title": "Hello", "Body": "text"})["id"]
    assert note.startswith("002")
    result = sf.query(f"SELECT Title, Parent.Name FROM Note WHERE Id = '{note}'")
    assert result["records"][0]["Parent"]["Name"] == "Noted"
