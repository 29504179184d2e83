"""Describe fields built from the Object Reference's terms, and what every custom
object has.

:func:`field` turns one row of facts (type, length or precision, the Reference's
"Properties" line) into a describe field with every key a real describe carries (see
the captured ``Account.json``); the Sales Cloud tables use it. :func:`custom_object_describe`
is the describe of a custom object before any custom field: "Custom objects
automatically include these standard fields" (Salesforce Help, *Custom Object
Standard Fields*, help.salesforce.com/s/articleView?id=sf.dev_objectfields.htm;
Object Reference, *Custom Object__c*, sforce_api_objects_custom_object__c.htm):
``Id``, ``OwnerId`` (a user or a queue), ``IsDeleted``, ``Name`` (text of up to 80
characters or an auto number), ``CreatedDate``, ``CreatedById``,
``LastModifiedDate``, ``LastModifiedById``, ``SystemModstamp``,
``LastViewedDate``, ``LastReferencedDate``, and ``LastActivityDate`` when the object
allows activities. The static catalogue gives it to every object a spec declares
(``Schema.new_object``) and the local org's Tooling API creates objects from it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

Row = tuple[str, str, str, str, Mapping[str, Any]]
"""``(name, label, type, props, extra)``; ``props`` spells the Reference's properties
with one letter each: ``C`` Create, ``U`` Update, ``N`` Nillable, ``D`` Defaulted on
create, ``R`` Restricted picklist, ``A`` Auto number, ``K`` calculated, ``L``
idLookup. ``extra`` holds ``length``, ``precision``, ``scale``, ``digits``,
``values`` (picklist), ``default`` (the default picklist value), ``defaultValue``,
``ref`` (referenceTo) and ``rel`` (relationshipName)."""

_SOAP = {
    "id": "tns:ID", "reference": "tns:ID", "boolean": "xsd:boolean", "int": "xsd:int",
    "double": "xsd:double", "currency": "xsd:double", "percent": "xsd:double",
    "date": "xsd:date", "datetime": "xsd:dateTime", "address": "urn:address",
}
_TEXT = frozenset({"string", "textarea", "picklist", "multipicklist", "email", "phone",
                   "url", "combobox", "encryptedstring"})


def _values(values: Sequence[str], default: str | None) -> list[dict[str, Any]]:
    return [
        {"active": True, "defaultValue": v == default, "label": v, "validFor": None,
         "value": v}
        for v in values
    ]


def field(name: str, label: str, type_: str, props: str, extra: Mapping[str, Any]) -> dict[str, Any]:
    """One describe field, every key a real describe carries."""
    length = int(extra.get("length", 18 if type_ in ("id", "reference") else 0))
    long_text = type_ == "textarea" and length > 255
    values = extra.get("values", ())
    return {
        "name": name,
        "label": label,
        "type": type_,
        "length": length,
        "byteLength": length * 3 if type_ in _TEXT else length,
        "precision": int(extra.get("precision", 0)),
        "scale": int(extra.get("scale", 0)),
        "digits": int(extra.get("digits", 0)),
        "nillable": "N" in props,
        "createable": "C" in props,
        "updateable": "U" in props,
        "defaultedOnCreate": "D" in props,
        "defaultValue": extra.get("defaultValue"),
        "picklistValues": _values(values, extra.get("default")),
        "restrictedPicklist": "R" in props,
        "referenceTo": list(extra.get("ref", ())),
        "relationshipName": extra.get("rel"),
        "externalId": False,
        "unique": False,
        "idLookup": "L" in props or type_ == "id",
        "calculated": "K" in props,
        "autoNumber": "A" in props,
        "custom": False,
        "soapType": _SOAP.get(type_, "xsd:string"),
        "filterable": not long_text and type_ != "address",
        "sortable": not long_text and type_ != "address",
    }


def custom_object_fields(
    label: str, *, auto_number: bool = False, name_label: str | None = None,
    activities: bool = False,
) -> list[dict[str, Any]]:
    """The standard fields of a custom object labelled ``label``. ``Name`` is text
    (nillable and defaulted on create, as the captured ``Custom__c`` shows) or, with
    ``auto_number``, a read-only auto number."""
    no: Mapping[str, Any] = {}
    name_props = "DAL" if auto_number else "CUNDL"
    rows: list[Row] = [
        ("Id", "Record ID", "id", "D", no),
        ("OwnerId", "Owner ID", "reference", "CUD", {"ref": ("Group", "User"), "rel": "Owner"}),
        ("IsDeleted", "Deleted", "boolean", "D", {"defaultValue": False}),
        ("Name", name_label or f"{label} Name", "string", name_props,
         {"length": 30 if auto_number else 80}),
        ("CreatedDate", "Created Date", "datetime", "D", no),
        ("CreatedById", "Created By ID", "reference", "D", {"ref": ("User",), "rel": "CreatedBy"}),
        ("LastModifiedDate", "Last Modified Date", "datetime", "D", no),
        ("LastModifiedById", "Last Modified By ID", "reference", "D",
         {"ref": ("User",), "rel": "LastModifiedBy"}),
        ("SystemModstamp", "System Modstamp", "datetime", "D", no),
        *([("LastActivityDate", "Last Activity Date", "date", "N", no)] if activities else []),
        ("LastViewedDate", "Last Viewed Date", "datetime", "N", no),
        ("LastReferencedDate", "Last Referenced Date", "datetime", "N", no),
    ]
    return [field(*row) for row in rows]


def custom_object_describe(
    name: str, label: str | None = None, *, plural: str | None = None,
    key_prefix: str = "a00", auto_number: bool = False, name_label: str | None = None,
    activities: bool = False,
) -> dict[str, Any]:
    """The describe of custom object ``name`` as created, before any custom field."""
    label = label or name.removesuffix("__c").replace("_", " ")
    return {
        "name": name, "label": label, "labelPlural": plural or label + "s",
        "keyPrefix": key_prefix, "custom": True, "createable": True, "updateable": True,
        "deletable": True, "queryable": True,
        "fields": custom_object_fields(label, auto_number=auto_number, name_label=name_label,
                                       activities=activities),
        "childRelationships": [],
    }
