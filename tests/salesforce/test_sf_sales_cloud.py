"""The Sales Cloud objects of the static catalogue, held against Salesforce's
Object Reference (the pages are listed in
src/crossmap_salesforce/standard_objects/PROVENANCE.md) and, where one exists, a real
capture (the global describe's key prefixes, Task/Event's activity lookups)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crossmap.schema import Boolean, Date, Enum, Numeric, Reference, String, Text
from crossmap_salesforce.standard_objects import STANDARD_OBJECTS, load_describe, standard_schema
from crossmap_salesforce.standard_objects.sales_cloud import OBJECTS, OPPORTUNITY_STAGES

CAPTURES = Path(__file__).resolve().parents[1] / "fixtures" / "salesforce-describe"

SALES_CLOUD = (
    "Lead", "Opportunity", "OpportunityContactRole", "OpportunityLineItem", "Product2",
    "Pricebook2", "PricebookEntry", "Campaign", "CampaignMember", "Contract", "Order",
    "OrderItem", "Asset", "Note",
)


def test_every_sales_cloud_object_is_shipped() -> None:
    assert set(SALES_CLOUD) <= set(STANDARD_OBJECTS)
    assert set(OBJECTS) == set(SALES_CLOUD)


def test_key_prefixes_agree_with_the_real_global_describe() -> None:
    captured = json.loads((CAPTURES / "global.json").read_text(encoding="utf-8"))
    real = {s["name"]: s["keyPrefix"] for s in captured["sobjects"]}
    compared = [n for n in SALES_CLOUD if real.get(n)]
    assert compared == ["Opportunity", "OpportunityContactRole", "Campaign", "CampaignMember"]
    for name in compared:
        assert load_describe(name)["keyPrefix"] == real[name], name


@pytest.mark.parametrize(("name", "required"), [
    # "Required." in each field's description in the Object Reference.
    ("Opportunity", ("Name", "StageName", "CloseDate")),
    ("Lead", ("LastName", "Company")),
    ("OpportunityLineItem", ("OpportunityId", "Quantity")),
    ("OpportunityContactRole", ("OpportunityId", "ContactId")),
    ("Product2", ("Name",)),
    ("Pricebook2", ("Name",)),
    ("PricebookEntry", ("Pricebook2Id", "Product2Id", "UnitPrice")),
    ("Campaign", ("Name",)),
    ("CampaignMember", ("CampaignId",)),
    ("Contract", ("AccountId",)),
    ("Order", ("EffectiveDate", "Status")),
    ("OrderItem", ("OrderId", "PricebookEntryId", "Quantity", "UnitPrice")),
    ("Asset", ("Name",)),
    ("Note", ("ParentId", "Title")),
])
def test_required_fields_are_the_documented_ones(name: str, required: tuple[str, ...]) -> None:
    assert set(standard_schema().object(name).required_on_create) == set(required)


def test_documented_field_facts() -> None:
    s = standard_schema()
    opp = s.object("Opportunity")
    assert opp.field("Name").type == String(120)
    assert opp.field("Amount").type == Numeric(18, 2)
    assert opp.field("CloseDate").type == Date()
    stage = opp.field("StageName").type
    assert isinstance(stage, Enum) and not stage.restricted
    assert stage.values == tuple(s[0] for s in OPPORTUNITY_STAGES)
    # Derived from the stage: read-only (no Create, no Update in the Reference).
    for derived in ("IsClosed", "IsWon", "ForecastCategory", "ExpectedRevenue"):
        assert not opp.field(derived).createable and not opp.field(derived).updateable
    assert opp.field("Probability").createable and opp.field("Probability").defaulted_on_create
    assert opp.field("ForecastCategoryName").type == Enum(
        ("Omitted", "Pipeline", "Best Case", "Commit", "Closed"), restricted=True)
    assert opp.field("AccountId").relationship_name == "Account"
    assert opp.field("Pricebook2Id").type == Reference(("Pricebook2",))
    assert s.object("Lead").field("OwnerId").type == Reference(("Group", "User"))
    assert s.object("Lead").field("Description").type == Text(32000)
    assert not s.object("Lead").field("Name").createable
    line = s.object("OpportunityLineItem")
    assert not line.field("OpportunityId").updateable  # Create only
    assert not line.field("PricebookEntryId").updateable
    assert not line.field("ListPrice").createable
    assert line.field("Quantity").type == Numeric(12, 2)
    entry = s.object("PricebookEntry")
    assert entry.field("IsActive").type == Boolean() and entry.field("IsActive").defaulted_on_create
    assert not entry.field("Pricebook2Id").updateable
    assert not s.object("Pricebook2").field("IsStandard").createable
    member = s.object("CampaignMember")
    assert member.field("Status").type == Enum(("Sent", "Responded"), restricted=False)
    assert not member.field("LeadId").updateable and not member.field("ContactId").updateable
    assert "OwnerId" not in member.fields and "OwnerId" not in s.object("Product2").fields
    assert s.object("Contract").field("ContractNumber").type == String(30)
    assert not s.object("Contract").field("ContractNumber").createable


def test_polymorphic_lookups() -> None:
    s = standard_schema()
    parent = s.object("Note").field("ParentId")
    assert isinstance(parent.type, Reference)
    assert {"Account", "Contact", "Opportunity", "Lead", "Contract"} <= set(parent.type.targets)
    assert not parent.updateable
    who = s.object("CampaignMember").field("LeadOrContactId").type
    assert who == Reference(("Contact", "Lead"))


@pytest.mark.parametrize("activity", ["Task", "Event"])
def test_activities_may_point_at_the_sales_cloud_objects(activity: str) -> None:
    """Task/Event.WhatId and WhoId as the real captures list them: every Sales Cloud
    object that takes activities is a target, and a Lead is a 'who'."""
    fields = {f["name"]: f for f in load_describe(activity)["fields"]}
    what = set(fields["WhatId"]["referenceTo"])
    assert {"Account", "Asset", "Campaign", "Case", "Contract", "Opportunity", "Order",
            "Product2"} <= what
    assert {"Lead", "OpportunityLineItem", "PricebookEntry", "Note"}.isdisjoint(what)
    assert sorted(fields["WhoId"]["referenceTo"]) == ["Contact", "Lead"]


def test_child_relationships_name_the_children() -> None:
    account = {c["relationshipName"]: c for c in load_describe("Account")["childRelationships"]}
    assert account["Opportunities"]["childSObject"] == "Opportunity"
    assert account["Contacts"]["childSObject"] == "Contact"  # from the capture, kept
    opp = {c["relationshipName"]: c["childSObject"]
           for c in load_describe("Opportunity")["childRelationships"]}
    assert opp["OpportunityLineItems"] == "OpportunityLineItem"
    assert opp["OpportunityContactRoles"] == "OpportunityContactRole"
    for name in SALES_CLOUD:
        for child in load_describe(name)["childRelationships"]:
            fields = {f["name"]: f for f in load_describe(child["childSObject"])["fields"]}
            assert name in fields[child["field"]]["referenceTo"], (name, child)
