"""Tooling API: custom objects and fields created at run time.

``POST /tooling/sobjects/CustomObject`` with ``{"FullName": "Widget__c", "Metadata":
{...}}`` and ``POST /tooling/sobjects/CustomField`` with ``{"FullName":
"Account.Ext__c", "Metadata": {"type": "Text", "length": 40, "externalId": true, ...}}``.
Both extend the org definition, so describe, validation and SOQL see them at once.
"""

from __future__ import annotations

import copy
from typing import Any

from starlette.responses import Response

from crossmap_salesforce.custom_objects import custom_object_describe
from crossmap_salesforce.emulator.errors import ApiError
from crossmap_salesforce.emulator.http import Call, json_response
from crossmap_salesforce.emulator.ids import make_id
from crossmap_salesforce.emulator.orgdef import OrgDefinition, field_describe

#: Metadata API field type → (describe type, extra describe keys).
FIELD_TYPES: dict[str, tuple[str, dict[str, Any]]] = {
    "Text": ("string", {}),
    "TextArea": ("textarea", {"length": 255}),
    "LongTextArea": ("textarea", {"sortable": False, "filterable": False}),
    "Email": ("email", {"length": 80}),
    "Phone": ("phone", {"length": 40}),
    "Url": ("url", {"length": 255}),
    "Number": ("double", {}),
    "Currency": ("currency", {}),
    "Percent": ("percent", {}),
    "Checkbox": ("boolean", {"nillable": False, "defaultedOnCreate": True}),
    "Date": ("date", {}),
    "DateTime": ("datetime", {}),
    "Picklist": ("picklist", {}),
    "MultiselectPicklist": ("multipicklist", {}),
    "Lookup": ("reference", {}),
    "MasterDetail": ("reference", {"nillable": False, "cascadeDelete": True,
                                   "updateable": False}),
}


def _custom_object(name: str, meta: dict[str, Any], prefix: str) -> dict[str, Any]:
    """A new custom object's describe: the standard fields every custom object has
    (:mod:`crossmap_salesforce.custom_objects`), in the emulator's full describe shape.
    ``nameField.type`` ``AutoNumber`` makes ``Name`` a read-only auto number;
    ``enableActivities`` adds ``LastActivityDate`` (and the object becomes a target
    of ``Task.WhatId`` / ``Event.WhatId``, see :func:`_allow_activities`)."""
    name_field = meta.get("nameField") or {}
    label = meta.get("label") or name.removesuffix("__c").replace("_", " ")
    auto = str(name_field.get("type", "Text")) == "AutoNumber"
    base = custom_object_describe(
        name, label, plural=meta.get("pluralLabel"), key_prefix=prefix, auto_number=auto,
        name_label=name_field.get("label"), activities=_flag(meta.get("enableActivities")),
    )
    fields = []
    for f in base["fields"]:
        extra = {k: v for k, v in f.items() if k not in ("name", "type")}
        if f["name"] == "Name":
            extra["nameField"] = True
        if f["name"] == "OwnerId":
            extra["polymorphicForeignKey"] = True
        fields.append(field_describe(f["name"], f["type"], **extra))
    return {**base, "fields": fields, "recordTypeInfos": [], "urls": {}}


def _flag(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def _allow_activities(definition: OrgDefinition, name: str) -> None:
    """"Allow Activities" on a custom object: tasks and events may name its records
    in ``WhatId`` (Salesforce Help, *Custom Object Definition*: "Allow Activities:
    allows users to associate tasks and scheduled calendar events related to the
    custom object records"); the activities' describes list it in ``referenceTo``."""
    for activity in ("Task", "Event"):
        od = definition.get(activity)
        describe = copy.deepcopy(od.describe)
        for f in describe["fields"]:
            if f["name"] == "WhatId" and name not in f["referenceTo"]:
                f["referenceTo"] = sorted([*f["referenceTo"], name])
        definition.save_custom(describe)


def _field(name: str, meta: dict[str, Any]) -> dict[str, Any]:
    mtype = meta.get("type")
    if mtype not in FIELD_TYPES:
        raise ApiError(400, "FIELD_INTEGRITY_EXCEPTION",
                       f"Unsupported field type: {mtype}. Supported: {', '.join(FIELD_TYPES)}")
    sf_type, extra = FIELD_TYPES[mtype]
    d = field_describe(name, sf_type, custom=True, label=meta.get("label") or name[:-3],
                       **copy.deepcopy(extra))
    if sf_type in ("string", "email", "phone", "url", "textarea"):
        d["length"] = int(meta.get("length") or d["length"] or 255)
        d["byteLength"] = d["length"] * 3
    if sf_type in ("double", "currency", "percent"):
        d["precision"] = int(meta.get("precision") or 18)
        d["scale"] = int(meta.get("scale") or 0)
    if meta.get("required"):
        d["nillable"] = False
    if meta.get("externalId"):
        d["externalId"] = True
        d["idLookup"] = True
    if meta.get("unique"):
        d["unique"] = True
    if sf_type == "boolean":
        d["defaultValue"] = str(meta.get("defaultValue", "false")).lower() == "true"
    if sf_type in ("picklist", "multipicklist"):
        value_set = meta.get("valueSet") or {}
        values = (value_set.get("valueSetDefinition") or {}).get("value") or []
        d["restrictedPicklist"] = bool(value_set.get("restricted"))
        d["picklistValues"] = [
            {"active": True, "defaultValue": bool(v.get("default")), "label": v.get("label")
             or v["fullName"], "validFor": None, "value": v["fullName"]}
            for v in values
        ]
    if sf_type == "reference":
        target = meta.get("referenceTo")
        if not target:
            raise ApiError(400, "FIELD_INTEGRITY_EXCEPTION", "referenceTo is required")
        d["referenceTo"] = [target]
        d["relationshipName"] = meta.get("relationshipName") or name[:-3] + "__r"
        d["length"] = 18
    return d


def create(call: Call) -> Response:
    """``POST /tooling/sobjects/{CustomObject|CustomField}``."""
    org = call.emulator.org
    kind = call.params["object"]
    body = call.json()
    if not isinstance(body, dict) or not body.get("FullName"):
        raise ApiError(400, "REQUIRED_FIELD_MISSING", "Required fields are missing: [FullName]",
                       ("FullName",))
    meta = body.get("Metadata") or {}
    full_name = str(body["FullName"])
    definition = org.definition
    if kind.lower() == "customobject":
        if not full_name.endswith("__c"):
            raise ApiError(400, "FIELD_INTEGRITY_EXCEPTION", "Custom object names end in __c")
        if definition.find(full_name) is not None:
            raise ApiError(400, "DUPLICATE_DEVELOPER_NAME",
                           f"There is already an object named {full_name}")
        describe = _custom_object(full_name, meta, definition.next_custom_prefix())
        definition.save_custom(describe)
        if _flag(meta.get("enableActivities")):
            _allow_activities(definition, full_name)
        new_id = make_id("01I", org.store.allocate_now("01I"))
    elif kind.lower() == "customfield":
        object_name, _, field_name = full_name.partition(".")
        od = definition.get(object_name)
        if not field_name.endswith("__c"):
            raise ApiError(400, "FIELD_INTEGRITY_EXCEPTION", "Custom field names end in __c")
        if od.field(field_name) is not None:
            raise ApiError(400, "DUPLICATE_DEVELOPER_NAME",
                           f"There is already a field named {field_name} on {od.name}")
        if meta.get("type") in ("Lookup", "MasterDetail") and definition.find(
                str(meta.get("referenceTo", ""))) is None:
            raise ApiError(400, "FIELD_INTEGRITY_EXCEPTION",
                           f"referenceTo: no such object {meta.get('referenceTo')}")
        describe = copy.deepcopy(od.describe)
        describe["fields"].append(_field(field_name, meta))
        definition.save_custom(describe)
        new_id = make_id("00N", org.store.allocate_now("00N"))
    else:
        raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
    return json_response({"id": new_id, "success": True, "errors": [], "warnings": [],
                          "infos": []}, 201)
