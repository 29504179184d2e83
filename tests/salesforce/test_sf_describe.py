"""Describe JSON → crossmap schema, type by type."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crossmap.schema import (
    Blob,
    Boolean,
    Date,
    DateTime,
    Enum,
    FieldType,
    Id,
    Integer,
    Numeric,
    Reference,
    String,
    Text,
    Time,
)
from crossmap.schema import (
    Untyped as AnyType,
)
from crossmap_salesforce.describe import (
    FIELD_TYPES,
    field_from_describe,
    object_from_describe,
    schema_from_describes,
)

REPO = Path(__file__).resolve().parents[2]
CAPTURES = REPO / "tests" / "fixtures" / "salesforce-describe"


def sf_field(type_: str, **kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "F", "label": "F", "type": type_, "length": 0, "precision": 0, "scale": 0,
        "nillable": True, "createable": True, "updateable": True, "defaultedOnCreate": False,
        "picklistValues": [], "restrictedPicklist": False, "referenceTo": [],
        "relationshipName": None, "externalId": False, "unique": False, "custom": False,
    }
    base.update(kw)
    return base


def pick(*values: str, inactive: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    return [{"active": v not in inactive, "defaultValue": False, "label": v, "validFor": None,
             "value": v} for v in values]


@pytest.mark.parametrize(
    ("describe", "expected"),
    [
        (sf_field("id", length=18), Id()),
        (sf_field("string", length=80), String(80)),
        (sf_field("textarea", length=255), String(255)),
        (sf_field("textarea", length=32000), Text(32000)),
        (sf_field("picklist", length=40, picklistValues=pick("A", "B"), restrictedPicklist=True),
         Enum(("A", "B"), restricted=True)),
        (sf_field("picklist", picklistValues=pick("A", "Old", inactive=("Old",))),
         Enum(("A",), restricted=False)),
        (sf_field("multipicklist", picklistValues=pick("A", "B")),
         Enum(("A", "B"), restricted=False, multi=True)),
        (sf_field("combobox", length=255, picklistValues=pick("Call")), String(255)),
        (sf_field("reference", referenceTo=["Group", "User"]), Reference(("Group", "User"))),
        (sf_field("boolean"), Boolean()),
        (sf_field("int", digits=9), Integer()),
        (sf_field("double", precision=18, scale=15), Numeric(18, 15)),
        (sf_field("currency", precision=18, scale=2), Numeric(18, 2)),
        (sf_field("percent", precision=3, scale=0), Numeric(3, 0)),
        (sf_field("double"), Numeric(None, None)),
        (sf_field("date"), Date()),
        (sf_field("datetime"), DateTime()),
        (sf_field("time"), Time()),
        (sf_field("email", length=80), String(80, "email")),
        (sf_field("phone", length=40), String(40, "phone")),
        (sf_field("url", length=255), String(255, "url")),
        (sf_field("base64"), Blob()),
        (sf_field("anyType"), AnyType()),
        (sf_field("someFutureType"), AnyType()),
    ],
)
def test_type_table(describe: dict[str, Any], expected: FieldType) -> None:
    field = field_from_describe(describe)
    assert field is not None
    assert field.type == expected


@pytest.mark.parametrize("type_", ["address", "location"])
def test_compound_fields_are_skipped(type_: str) -> None:
    assert field_from_describe(sf_field(type_)) is None


def test_every_documented_type_is_in_the_table() -> None:
    documented = {"id", "string", "textarea", "picklist", "multipicklist", "combobox",
                  "reference", "boolean", "int", "double", "currency", "percent", "date",
                  "datetime", "email", "phone", "url", "address", "base64"}
    assert documented <= set(FIELD_TYPES)


def test_flags_map_straight_across() -> None:
    f = field_from_describe(sf_field(
        "reference", name="OwnerId", label="Owner ID", nillable=False, createable=True,
        updateable=False, defaultedOnCreate=True, externalId=True, unique=True, custom=True,
        relationshipName="Owner", referenceTo=["User"],
    ))
    assert f is not None
    assert (f.name, f.label, f.nullable, f.createable, f.updateable, f.defaulted_on_create,
            f.external_id, f.unique, f.custom, f.relationship_name) == (
        "OwnerId", "Owner ID", False, True, False, True, True, True, True, "Owner")


def test_real_account_capture_converts() -> None:
    d = json.loads((CAPTURES / "Account.json").read_text(encoding="utf-8"))
    account = object_from_describe(d)
    assert account.name == "Account"
    assert account.key == "Id"
    assert "BillingAddress" not in account.fields  # compound
    assert account.field("BillingCity").type == String(40)
    assert account.field("AnnualRevenue").type == Numeric(18, 0)
    assert account.required_on_create == ("Name",)


def test_custom_object_capture_converts() -> None:
    d = json.loads((CAPTURES / "Custom__c.json").read_text(encoding="utf-8"))
    schema = schema_from_describes([d])
    obj = schema.object("custom__c")
    assert obj.custom
    assert obj.key == "Id"
    assert len(obj.fields) == len(d["fields"])
