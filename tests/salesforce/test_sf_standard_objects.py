"""The shipped standard-object describes, held against real describe captures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crossmap.schema import (
    Blob,
    Enum,
    Reference,
    String,
    Text,
    UnknownObjectError,
    validate_row,
)
from crossmap_salesforce.standard_objects import STANDARD_OBJECTS, load_describe, standard_schema
from crossmap_salesforce.violations import salesforce_error

REPO = Path(__file__).resolve().parents[2]
CAPTURES = REPO / "tests" / "fixtures" / "salesforce-describe"
CAPTURED = ("Account", "Contact", "Case", "Event", "Task")

# The facts a shipped field must share with the real one.
COMPARED = (
    "type", "length", "precision", "scale", "nillable", "createable", "updateable",
    "defaultedOnCreate", "externalId", "unique", "restrictedPicklist",
)
OBJECT_KEYS = {
    "name", "label", "labelPlural", "keyPrefix", "custom", "createable", "updateable",
    "deletable", "queryable", "fields", "childRelationships",
}
FIELD_KEYS = {
    "name", "label", "type", "length", "byteLength", "precision", "scale", "digits",
    "nillable", "createable", "updateable", "defaultedOnCreate", "defaultValue",
    "picklistValues", "restrictedPicklist", "referenceTo", "relationshipName", "externalId",
    "unique", "idLookup", "calculated", "autoNumber", "custom", "soapType", "filterable",
    "sortable",
}
PREFIXES = {
    "Account": "001", "Contact": "003", "Case": "500", "Event": "00U", "Task": "00T",
    "User": "005", "Profile": "00e", "Group": "00G", "CaseComment": "00a",
    "ContentVersion": "068", "ContentDocument": "069", "ContentDocumentLink": "06A",
    "Organization": "00D", "Lead": "00Q", "Opportunity": "006",
    "OpportunityContactRole": "00K", "OpportunityLineItem": "00k", "Product2": "01t",
    "Pricebook2": "01s", "PricebookEntry": "01u", "Campaign": "701", "CampaignMember": "00v",
    "Contract": "800", "Order": "801", "OrderItem": "802", "Asset": "02i", "Note": "002",
}


def capture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CAPTURES / f"{name}.json").read_text(encoding="utf-8"))
    return data


def test_the_captures_are_where_the_tests_expect_them() -> None:
    assert {f"{n}.json" for n in CAPTURED} <= {p.name for p in CAPTURES.iterdir()}


@pytest.mark.parametrize("name", CAPTURED)
def test_shipped_fields_match_the_real_describe(name: str) -> None:
    real = {f["name"]: f for f in capture(name)["fields"]}
    shipped = load_describe(name)
    # Every standard field is shipped; only the capturing orgs' own fields are left out.
    assert {f["name"] for f in shipped["fields"]} == {n for n in real if not n.endswith("__c")}
    for field in shipped["fields"]:
        assert field["name"] in real, f"{name}.{field['name']} is not in the capture"
        other = real[field["name"]]
        for key in COMPARED:
            assert field[key] == other[key], f"{name}.{field['name']}.{key}"
        assert sorted(field["referenceTo"]) == sorted(other["referenceTo"])
        assert field["picklistValues"] == other["picklistValues"], f"{name}.{field['name']}"


@pytest.mark.parametrize("name", CAPTURED)
def test_shipped_object_facts_match_the_real_describe(name: str) -> None:
    real = capture(name)
    shipped = load_describe(name)
    for key in OBJECT_KEYS - {"fields", "childRelationships"}:
        assert shipped[key] == real[key], key


@pytest.mark.parametrize("name", STANDARD_OBJECTS)
def test_every_file_has_the_describe_shape(name: str) -> None:
    d = load_describe(name)
    assert set(d) == OBJECT_KEYS
    assert d["name"] == name
    assert d["keyPrefix"] == PREFIXES[name]
    names = [f["name"] for f in d["fields"]]
    assert len(names) == len(set(names))
    for f in d["fields"]:
        assert set(f) == FIELD_KEYS, f["name"]
        assert not f["name"].endswith("__c")
        for value in f["picklistValues"]:
            assert set(value) == {"active", "defaultValue", "label", "validFor", "value"}
    for child in d["childRelationships"]:
        assert child["childSObject"] in STANDARD_OBJECTS


@pytest.mark.parametrize("name", STANDARD_OBJECTS)
def test_system_fields_are_not_createable(name: str) -> None:
    fields = {f["name"]: f for f in load_describe(name)["fields"]}
    assert fields["Id"]["type"] == "id"
    assert "SystemModstamp" in fields
    system = ("Id", "IsDeleted", "CreatedDate", "CreatedById", "LastModifiedDate",
              "LastModifiedById", "SystemModstamp")
    for field in system:
        if field in fields:
            assert not fields[field]["createable"], field
            assert not fields[field]["updateable"], field
            assert not fields[field]["nillable"], field


def test_load_describe_is_case_insensitive_and_returns_fresh_copies() -> None:
    first = load_describe("casecomment")
    assert first["name"] == "CaseComment"
    first["fields"].clear()
    assert load_describe("CaseComment")["fields"]
    with pytest.raises(UnknownObjectError, match="did you mean 'Contact'"):
        load_describe("Contct")


def test_standard_schema_holds_every_object_once() -> None:
    schema = standard_schema()
    assert standard_schema() is schema
    assert [o.name for o in schema] == list(STANDARD_OBJECTS)
    for obj in schema:
        assert obj.key == "Id"


def test_documented_facts_of_the_written_objects() -> None:
    s = standard_schema()
    assert s.object("User").required_on_create == (
        "Username", "LastName", "Email", "Alias", "TimeZoneSidKey", "LocaleSidKey",
        "EmailEncodingKey", "ProfileId", "LanguageLocaleKey",
    )
    assert s.object("User").field("Alias").type == String(8)
    assert not s.object("User").field("IsActive").required_on_create
    comment = s.object("CaseComment")
    assert comment.required_on_create == ("ParentId",)
    assert comment.field("ParentId").type == Reference(("Case",))
    assert not comment.field("ParentId").updateable
    assert comment.field("CommentBody").type == Text(4000)
    link = s.object("ContentDocumentLink")
    assert link.required_on_create == ("LinkedEntityId", "ContentDocumentId")
    assert link.field("ShareType").type == Enum(("V", "C", "I"), restricted=True)
    assert link.field("Visibility").type == Enum(
        ("AllUsers", "InternalUsers", "SharedUsers"), restricted=True
    )
    assert "CreatedDate" not in link.fields
    version = s.object("ContentVersion")
    assert version.field("VersionData").type == Blob()
    assert not version.field("FileType").createable
    # A first version needs no ContentDocumentId: inserting it creates the document.
    assert version.required_on_create == ("Title",)
    assert not version.field("ContentDocumentId").updateable


def test_case_rules_from_the_reference() -> None:
    case = standard_schema().object("Case")
    assert case.field("OwnerId").type == Reference(("Group", "User"))
    v = validate_row(case, {"Subject": "s", "ClosedDate": "2024-01-02T00:00:00.000+0000"},
                     operation="insert")
    assert [salesforce_error(x)[0] for x in v] == ["INVALID_FIELD_FOR_INSERT_UPDATE"]
    assert v[0].fields == ("ClosedDate",)


def test_contact_requires_last_name() -> None:
    contact = standard_schema().object("Contact")
    v = validate_row(contact, {"FirstName": "Ada"}, operation="insert")
    assert [salesforce_error(x) for x in v] == [
        ("REQUIRED_FIELD_MISSING", "Required fields are missing: [LastName]")
    ]
