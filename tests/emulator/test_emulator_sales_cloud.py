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


# -- opportunities: the stage decides -------------------------------------------------

def test_opportunity_requires_name_stage_and_close_date(sf: Salesforce) -> None:
    """Object Reference, Opportunity: Name, StageName and CloseDate are required."""
    err = _reject(sf.Opportunity.create, {"Name": "No stage"})
    assert err["errorCode"] == "REQUIRED_FIELD_MISSING"
    assert err["message"] == "Required fields are missing: [StageName, CloseDate]"


def test_the_stage_implies_probability_forecast_and_closed_won(sf: Salesforce) -> None:
    """Object Reference, Opportunity: IsClosed, IsWon and ForecastCategory are
    controlled by StageName; Probability and ForecastCategoryName are implied by it
    unless given; OpportunityStage holds each stage's defaults."""
    rid = sf.Opportunity.create({"Name": "Big", "StageName": "Negotiation/Review",
                                 "CloseDate": "2024-08-15", "Amount": 1000})["id"]
    opp = sf.Opportunity.get(rid)
    assert (opp["Probability"], opp["ForecastCategoryName"], opp["ForecastCategory"]) == (
        90, "Pipeline", "Pipeline")
    assert (opp["IsClosed"], opp["IsWon"]) == (False, False)
    assert opp["ExpectedRevenue"] == 900
    assert (opp["FiscalYear"], opp["FiscalQuarter"], opp["Fiscal"]) == (2024, 3, "2024 3")
    sf.Opportunity.update(rid, {"StageName": "Closed Won"})
    won = sf.Opportunity.get(rid)
    assert (won["IsClosed"], won["IsWon"], won["Probability"]) == (True, True, 100)
    assert won["ForecastCategoryName"] == "Closed"
    sf.Opportunity.update(rid, {"StageName": "Closed Lost"})
    lost = sf.Opportunity.get(rid)
    assert (lost["IsClosed"], lost["IsWon"], lost["Probability"]) == (True, False, 0)
    # A probability the row gives wins over the stage's default.
    own = sf.Opportunity.create({"Name": "Own", "StageName": "Prospecting",
                                 "CloseDate": "2024-08-15", "Probability": 35})["id"]
    assert sf.Opportunity.get(own)["Probability"] == 35
    # IsWon is controlled by the stage, never written.
    err = _reject(sf.Opportunity.create, {"Name": "x", "StageName": "Prospecting",
                                          "CloseDate": "2024-08-15", "IsWon": True})
    assert err["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"


# -- price books and products ---------------------------------------------------------

def _standard_book(sf: Salesforce) -> str:
    books = sf.query("SELECT Id FROM Pricebook2 WHERE IsStandard = true")["records"]
    return str(books[0]["Id"])


def test_a_custom_price_needs_the_standard_price_first(sf: Salesforce) -> None:
    """Object Reference, PricebookEntry/Pricebook2: a product gets its standard price
    (in the one standard price book) before an entry in a custom price book."""
    product = sf.Product2.create({"Name": "Widget", "ProductCode": "W-1",
                                  "IsActive": True})["id"]
    custom = sf.Pricebook2.create({"Name": "Partners", "IsActive": True})["id"]
    err = _reject(sf.PricebookEntry.create, {"Pricebook2Id": custom, "Product2Id": product,
                                             "UnitPrice": 8, "IsActive": True})
    assert err["errorCode"] == "STANDARD_PRICE_NOT_DEFINED"
    standard = sf.PricebookEntry.create({"Pricebook2Id": _standard_book(sf),
                                         "Product2Id": product, "UnitPrice": 10,
                                         "IsActive": True})["id"]
    entry = sf.PricebookEntry.get(standard)
    assert (entry["Name"], entry["ProductCode"]) == ("Widget", "W-1")
    twice = _reject(sf.PricebookEntry.create, {"Pricebook2Id": _standard_book(sf),
                                               "Product2Id": product, "UnitPrice": 11})
    assert twice["errorCode"] == "DUPLICATE_VALUE"
    inherited = sf.PricebookEntry.create({"Pricebook2Id": custom, "Product2Id": product,
                                          "UnitPrice": 0, "UseStandardPrice": True,
                                          "IsActive": True})["id"]
    assert sf.PricebookEntry.get(inherited)["UnitPrice"] == 10


def test_a_line_item_needs_an_active_entry_of_the_opportunitys_price_book(
        sf: Salesforce) -> None:
    """Object Reference, OpportunityLineItem: the line's price book entry must be
    active and in the opportunity's price book; one of UnitPrice and TotalPrice; the
    opportunity's Amount becomes the sum of its lines."""
    book = _standard_book(sf)
    product = sf.Product2.create({"Name": "Gizmo", "IsActive": True})["id"]
    active = sf.PricebookEntry.create({"Pricebook2Id": book, "Product2Id": product,
                                       "UnitPrice": 25, "IsActive": True})["id"]
    other = sf.Product2.create({"Name": "Old", "IsActive": True})["id"]
    inactive = sf.PricebookEntry.create({"Pricebook2Id": book, "Product2Id": other,
                                         "UnitPrice": 5})["id"]  # IsActive defaults to false
    opp = sf.Opportunity.create({"Name": "Deal", "StageName": "Qualification",
                                 "CloseDate": "2024-10-01"})["id"]
    err = _reject(sf.OpportunityLineItem.create, {"OpportunityId": opp, "Quantity": 1,
                                                  "PricebookEntryId": inactive, "UnitPrice": 5})
    assert err["errorCode"] == "FIELD_INTEGRITY_EXCEPTION" and "inactive" in err["message"]
    both = _reject(sf.OpportunityLineItem.create, {"OpportunityId": opp, "Quantity": 1,
                                                   "PricebookEntryId": active, "UnitPrice": 5,
                                                   "TotalPrice": 5})
    assert both["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"
    line = sf.OpportunityLineItem.create({"OpportunityId": opp, "PricebookEntryId": active,
                                          "Quantity": 3, "UnitPrice": 20})["id"]
    got = sf.OpportunityLineItem.get(line)
    assert (got["ListPrice"], got["TotalPrice"], got["Product2Id"]) == (25, 60, product)
    assert got["Name"] == "Deal Gizmo"
    by_total = sf.OpportunityLineItem.create({"OpportunityId": opp, "Product2Id": product,
                                              "Quantity": 2, "TotalPrice": 30})["id"]
    assert sf.OpportunityLineItem.get(by_total)["UnitPrice"] == 15
    deal = sf.Opportunity.get(opp)
    assert (deal["Amount"], deal["HasOpportunityLineItem"], deal["Pricebook2Id"]) == (
        90, True, book)
    # Now the opportunity is in the standard book: an entry of another book is refused.
    custom = sf.Pricebook2.create({"Name": "Elsewhere", "IsActive": True})["id"]
    elsewhere = sf.PricebookEntry.create({"Pricebook2Id": custom, "Product2Id": product,
                                          "UnitPrice": 9, "IsActive": True})["id"]
    err = _reject(sf.OpportunityLineItem.create, {"OpportunityId": opp, "Quantity": 1,
                                                  "PricebookEntryId": elsewhere, "UnitPrice": 9})
    assert "different pricebook" in err["message"]
    missing = _reject(sf.OpportunityLineItem.create, {"OpportunityId": opp, "Quantity": 1,
                                                      "UnitPrice": 9})
    assert missing["errorCode"] == "REQUIRED_FIELD_MISSING"


def test_an_asset_needs_an_account_or_a_contact(sf: Salesforce) -> None:
    """Object Reference, Asset: every asset needs an account, a contact, or both."""
    err = _reject(sf.Asset.create, {"Name": "Orphan"})
    assert err["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"
    account = sf.Account.create({"Name": "Owner of assets"})["id"]
    asset = sf.Asset.create({"Name": "Pump", "AccountId": account})["id"]
    assert sf.Asset.get(asset)["AccountId"] == account


def test_an_order_needs_an_account_and_a_member_a_lead_or_contact(sf: Salesforce) -> None:
    """Object Reference, Order: AccountId is "Required" (though nillable in the
    describe); CampaignMember: the association of a campaign with a lead or a
    contact."""
    err = _reject(sf.Order.create, {"EffectiveDate": "2024-06-01", "Status": "Draft"})
    assert err["errorCode"] == "REQUIRED_FIELD_MISSING" and err["fields"] == ["AccountId"]
    account = sf.Account.create({"Name": "Orders Inc"})["id"]
    order = sf.Order.create({"AccountId": account, "EffectiveDate": "2024-06-01",
                             "Status": "Draft"})["id"]
    assert sf.Order.get(order)["OrderNumber"]  # auto-numbered
    campaign = sf.Campaign.create({"Name": "Spring"})["id"]
    err = _reject(sf.CampaignMember.create, {"CampaignId": campaign})
    assert err["errorCode"] == "REQUIRED_FIELD_MISSING"
    lead = sf.Lead.create({"LastName": "Member", "Company": "M"})["id"]
    member = sf.CampaignMember.create({"CampaignId": campaign, "LeadId": lead})["id"]
    assert sf.CampaignMember.get(member)["Status"] == "Sent"  # the default status


def test_the_rules_hold_on_the_bulk_path(sf: Salesforce) -> None:
    """Every write path goes through the same rules: a Bulk API 2.0 load of
    opportunities gets the stage's probability, and a row without a stage fails."""
    (result,) = sf.bulk2.Opportunity.insert(records=[
        {"Name": "bulk won", "StageName": "Closed Won", "CloseDate": "2024-03-01"},
        {"Name": "bulk no stage", "CloseDate": "2024-03-01"},
    ], wait=0)
    assert result["numberRecordsFailed"] == 1
    rows = sf.query("SELECT Probability, IsWon FROM Opportunity WHERE Name = 'bulk won'")
    assert rows["records"][0]["Probability"] == 100 and rows["records"][0]["IsWon"] is True
