"""Schema scaffolding: declarations → checklist, source-format package, and fields
created through the Tooling API, then checked against a fresh describe."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from sf_support import destination, org_at
from simple_salesforce.exceptions import SalesforceMalformedRequest

from crossmap.compiler.plan import Declaration
from crossmap.schema import (
    Boolean,
    Date,
    DateTime,
    Decimal,
    Enum,
    FieldSchema,
    Reference,
    String,
    Text,
)
from crossmap_salesforce.emulator import OrgHandle
from crossmap_salesforce.metadata import MetadataError, checklist, field_metadata, write_package

NS = {"md": "http://soap.sforce.com/2006/04/metadata"}

DECLARATIONS = (
    Declaration("Account", False, None, (
        FieldSchema("Legacy_Id__c", String(40), external_id=True, unique=True, custom=True),
        FieldSchema("Tier__c", Enum(("Gold", "Silver"), restricted=True), custom=True),
    )),
    Declaration("Widget__c", True, "Widget", (
        FieldSchema("Code__c", String(20), external_id=True, custom=True, label="Code"),
        FieldSchema("Weight__c", Decimal(10, 2), custom=True),
        FieldSchema("Notes__c", Text(5000), custom=True),
        FieldSchema("Contact_Email__c", String(format="email"), custom=True),
        FieldSchema("Active__c", Boolean(), nullable=False, defaulted_on_create=True, custom=True),
        FieldSchema("Made_On__c", Date(), custom=True),
        FieldSchema("Shipped_At__c", DateTime(), custom=True),
        FieldSchema("Colors__c", Enum(("Red", "Blue"), multi=True), custom=True),
        FieldSchema("Account__c", Reference(("Account",)), custom=True),
    )),
)


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrgHandle]:
    with org_at(tmp_path_factory.mktemp("sf-meta")) as handle:
        yield handle


def test_checklist_names_every_object_and_field() -> None:
    lines = checklist(DECLARATIONS)
    assert lines[0] == "[ ] Account.Legacy_Id__c: Text (length=40, externalId=True, unique=True)"
    assert "[ ] Account.Tier__c: Picklist (values=Gold|Silver)" in lines
    assert "[ ] create custom object Widget__c (Widget)" in lines
    assert "[ ] Widget__c.Account__c: Lookup (referenceTo=Account)" in lines
    assert len(lines) == 2 + 1 + 9


def test_package_is_in_metadata_api_format(tmp_path: Path) -> None:
    """One ``objects/<Object>.object`` per object, a CustomObject with its fields
    (Metadata API Developer Guide, "CustomObject": in a .object file the fields are
    ``fields`` elements); the package ``sf project deploy start --metadata-dir``
    deploys (tests/emulator/test_sf_cli.py deploys it)."""
    written = write_package(DECLARATIONS, tmp_path)
    assert tmp_path / "package.xml" in written
    assert sorted(p.name for p in (tmp_path / "objects").iterdir()) == ["Account.object",
                                                                       "Widget__c.object"]
    package = ET.parse(tmp_path / "package.xml").getroot()
    members = {t.findtext("md:name", namespaces=NS): [m.text for m in t.findall("md:members", NS)]
               for t in package.findall("md:types", NS)}
    assert members["CustomObject"] == ["Widget__c"]
    assert "Account.Legacy_Id__c" in members["CustomField"] and len(members["CustomField"]) == 11
    obj = ET.parse(tmp_path / "objects/Widget__c.object").getroot()
    assert obj.findtext("md:label", namespaces=NS) == "Widget"
    assert obj.findtext("md:nameField/md:type", namespaces=NS) == "Text"
    assert len(obj.findall("md:fields", NS)) == 9
    account = ET.parse(tmp_path / "objects/Account.object").getroot()
    assert account.find("md:label", NS) is None  # an existing object: its fields only
    by_name = {f.findtext("md:fullName", namespaces=NS): f for f in account.findall("md:fields", NS)}
    pick = by_name["Tier__c"]
    assert pick.findtext("md:valueSet/md:restricted", namespaces=NS) == "true"
    values = [v.text for v in pick.findall("md:valueSet/md:valueSetDefinition/md:value/md:fullName", NS)]
    assert values == ["Gold", "Silver"]
    ext = by_name["Legacy_Id__c"]
    assert ext.findtext("md:externalId", namespaces=NS) == "true"
    assert ext.findtext("md:length", namespaces=NS) == "40"


def test_apply_creates_what_is_missing_and_describe_agrees(org: OrgHandle, tmp_path: Path) -> None:
    dest = destination(org)
    assert "Widget__c" not in dest.describe().objects
    report = dest.deploy_declarations(DECLARATIONS, folder=tmp_path / "pkg")
    assert report.ok, report.problems
    assert "Widget__c" in report.created and "Widget__c.Account__c" in report.created
    assert len(report.created) == 12 and report.existing == ()
    assert (tmp_path / "pkg" / "package.xml").is_file()
    widget = dest.describe().objects["Widget__c"]
    assert widget.fields["Code__c"].external_id
    assert widget.fields["Weight__c"].type == Decimal(10, 2)
    assert widget.fields["Colors__c"].type == Enum(("Red", "Blue"), restricted=True, multi=True)
    assert widget.fields["Account__c"].type == Reference(("Account",))
    # Running it again changes nothing and still checks clean.
    again = dest.deploy_declarations(DECLARATIONS)
    assert again.created == () and len(again.existing) == 12 and again.ok
    # And the new object takes records at once.
    account = dest.load("Account", "upsert", [("a", {"Legacy_Id__c": "L1", "Name": "Acme",
                                                     "Tier__c": "Gold"})], external_id="Legacy_Id__c")[0]
    made = dest.load("Widget__c", "upsert", [("w", {"Code__c": "W-1", "Name": "Widget 1",
                                                    "Account__c": account.id, "Weight__c": 1.5})],
                     external_id="Code__c")[0]
    assert made.ok and made.created, made


def test_a_field_the_org_got_wrong_is_reported(org: OrgHandle) -> None:
    dest = destination(org)
    org.sf.toolingexecute("sobjects/CustomField", method="POST", data={
        "FullName": "Contact.Score__c", "Metadata": {"label": "Score", "type": "Text", "length": 10}})
    org.sf.toolingexecute("sobjects/CustomField", method="POST", data={
        "FullName": "Contact.Grade__c", "Metadata": {"label": "Grade", "type": "Picklist", "valueSet": {
            "valueSetDefinition": {"value": [{"fullName": "A"}]}}}})
    wrong = (Declaration("Contact", False, None, (
        FieldSchema("Score__c", Decimal(5, 0), custom=True),
        FieldSchema("Absent__c", Date(), custom=True),
        FieldSchema("Grade__c", Enum(("A", "B")), custom=True),
    )),)
    report = dest.deploy_declarations(wrong, apply=False)
    assert report.created == () and report.problems == ()
    report = dest.deploy_declarations(wrong)
    assert report.created == ("Contact.Absent__c",)
    assert report.problems == ("Contact.Score__c: the org has type string, declared Number",
                               "Contact.Grade__c: the org's picklist lacks B")
    assert not report.ok


def test_types_without_a_salesforce_field_are_refused() -> None:
    with pytest.raises(MetadataError, match="custom field names end in __c"):
        field_metadata(FieldSchema("Plain", String(10)))
    with pytest.raises(MetadataError, match="exactly one object"):
        field_metadata(FieldSchema("Who__c", Reference(("Contact", "Lead"))))
    assert field_metadata(FieldSchema("Parent__c", Reference(("Account",)), nullable=False))["type"] == \
        "MasterDetail"


def test_a_new_objects_standard_fields_are_not_custom_fields(tmp_path: Path) -> None:
    """Every custom object has Name, OwnerId and the audit fields (Salesforce Help,
    "Custom Object Standard Fields"): a declaration may restate Name, which labels the
    object's name field, and none of them becomes a CustomField."""
    decl = Declaration("Gadget__c", True, "Gadget", (
        FieldSchema("Name", String(80), label="Gadget Title"),
        FieldSchema("Size__c", Decimal(5, 0), custom=True),
    ))
    assert checklist([decl]) == ["[ ] create custom object Gadget__c (Gadget)",
                                 "[ ] Gadget__c.Size__c: Number (precision=5, scale=0)"]
    write_package([decl], tmp_path)
    root = ET.parse(tmp_path / "objects" / "Gadget__c.object").getroot()
    assert [f.findtext("md:fullName", namespaces=NS) for f in root.findall("md:fields", NS)] == [
        "Size__c"]
    assert root.findtext("md:nameField/md:label", namespaces=NS) == "Gadget Title"
    # "Allow Activities", as the static schema assumed (Task/Event.WhatId).
    assert root.findtext("md:enableActivities", namespaces=NS) == "true"
    too_long = Declaration("Gadget__c", True, None, (FieldSchema("Name", String(120)),))
    with pytest.raises(MetadataError, match="at most 80 characters"):
        checklist([too_long])
    # On an existing object a standard-looking name is still refused.
    with pytest.raises(MetadataError, match="custom field names end in __c"):
        checklist([Declaration("Account", False, None, (FieldSchema("Name", String(80)),))])


def test_a_declared_name_deploys_and_verifies(org: OrgHandle) -> None:
    decl = Declaration("Named__c", True, None, (FieldSchema("Name", String(80)),
                                                FieldSchema("Code__c", String(10), custom=True)))
    report = destination(org).deploy_declarations([decl])
    assert report.ok, report.problems
    assert set(report.created) == {"Named__c", "Named__c.Code__c"}
    unnamed = org.sf.Named__c.create({"Code__c": "c"})["id"]
    assert org.sf.Named__c.get(unnamed)["Name"] == unnamed[:15]


def test_child_relationship_names_are_unique_per_parent(org: OrgHandle) -> None:
    """SOQL and SOSL Reference, "Relationship Names for Custom Objects and Custom
    Fields": the parent names a custom lookup's children by the field's
    relationshipName + __r, unique among its child relationships. Two declared
    objects each with a Case__c master-detail (as the flagship spec has) get
    different names, and the parent's subqueries read both."""
    decls = [
        Declaration("Stop__c", True, None, (FieldSchema("Case__c", Reference(("Case",)),
                                                         nullable=False, custom=True),)),
        Declaration("Part__c", True, None, (
            FieldSchema("Case__c", Reference(("Case",)), nullable=False, custom=True),
            FieldSchema("Spare_For__c", Reference(("Case",)), custom=True))),
        Declaration("Contact", False, None, (FieldSchema("Buddy__c", Reference(("Case",)),
                                                          custom=True),)),
    ]
    names = [field_metadata(f, d)["relationshipName"] for d in decls for f in d.fields]
    assert names == ["Stops", "Part_Cases", "Part_Spare_Fors", "Contact_Buddys"]
    report = destination(org).deploy_declarations(decls)
    assert report.ok, report.problems
    case = org.sf.Case.create({"Subject": "with children"})["id"]
    org.sf.Stop__c.create({"Case__c": case})
    org.sf.Part__c.create({"Case__c": case, "Spare_For__c": case})
    row = org.sf.query(f"SELECT (SELECT Id FROM Stops__r), (SELECT Id FROM Part_Cases__r), "
                       f"(SELECT Id FROM Part_Spare_Fors__r) FROM Case WHERE Id = '{case}'")
    rec = row["records"][0]
    assert [rec[k]["totalSize"] for k in ("Stops__r", "Part_Cases__r", "Part_Spare_Fors__r")] == [
        1, 1, 1]


def test_a_duplicate_child_relationship_name_is_refused(org: OrgHandle) -> None:
    raw = org.sf
    raw.toolingexecute("sobjects/CustomObject", method="POST",
                       data={"FullName": "Dup__c", "Metadata": {"label": "Dup"}})
    body = {"Metadata": {"type": "Lookup", "referenceTo": "Case", "relationshipName": "Dups"}}
    raw.toolingexecute("sobjects/CustomField", method="POST",
                       data={"FullName": "Dup__c.One__c", **body})
    with pytest.raises(SalesforceMalformedRequest) as info:
        raw.toolingexecute("sobjects/CustomField", method="POST",
                           data={"FullName": "Dup__c.Two__c", **body})
    assert info.value.content[0]["errorCode"] == "DUPLICATE_DEVELOPER_NAME"  # type: ignore[attr-defined]
    fields = {f["name"] for f in raw.Dup__c.describe()["fields"]}
    assert "Two__c" not in fields
