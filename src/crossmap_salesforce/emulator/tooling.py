"""Tooling API: custom objects and fields created at run time.

``POST /tooling/sobjects/CustomObject`` with ``{"FullName": "Widget__c", "Metadata":
{...}}`` and ``POST /tooling/sobjects/CustomField`` with ``{"FullName":
"Account.Ext__c", "Metadata": {"type": "Text", "length": 40, "externalId": true, ...}}``.
Both extend the org definition, so describe, validation and SOQL see them at once.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from starlette.responses import Response

if TYPE_CHECKING:
    from crossmap_salesforce.emulator.org import Org

from crossmap_salesforce.custom_objects import custom_object_describe, field
from crossmap_salesforce.emulator.clock import sf_datetime
from crossmap_salesforce.emulator.errors import OrgError
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


def _child_relationship(definition: OrgDefinition, child: str, field_name: str,
                        meta: dict[str, Any]) -> dict[str, Any]:
    """The parent's describe with the child relationship of a new custom lookup:
    named by the metadata's ``relationshipName`` + ``__r`` (so ``SELECT Name,
    (SELECT Name FROM Visits__r) FROM Case`` works), unique among the parent's child
    relationships (a second one of the same name is ``DUPLICATE_DEVELOPER_NAME``)."""
    parent = definition.get(str(meta["referenceTo"]))
    base = str(meta.get("relationshipName") or child.removesuffix("__c") + "s")
    name = base.removesuffix("__r") + "__r"
    describe = copy.deepcopy(parent.describe)
    children = describe.setdefault("childRelationships", [])
    if any(str(c.get("relationshipName") or "").lower() == name.lower() for c in children):
        raise OrgError(400, "DUPLICATE_DEVELOPER_NAME",
                       f"There is already a Child Relationship named {base.removesuffix('__r')} "
                       f"on {parent.name}.")
    children.append({
        "cascadeDelete": meta.get("type") == "MasterDetail", "childSObject": child,
        "field": field_name, "relationshipName": name, "restrictedDelete": False,
    })
    return describe


def _flag(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def _allow_activities(definition: OrgDefinition, name: str) -> None:
    """"Allow Activities" on a custom object: tasks and events may name its records
    in ``WhatId`` (Salesforce Help, *Custom Object Definition*: "Allow Activities:
    allows users to associate tasks and scheduled calendar events related to the
    custom object records"); the activities' describes list it in ``referenceTo``."""
    _refer(definition, name, [("Task", "WhatId"), ("Event", "WhatId")])


def _refer(definition: OrgDefinition, name: str, lookups: list[tuple[str, str]]) -> None:
    """Let each ``(object, field)`` lookup point at custom object ``name`` too (a
    note may be attached to any custom object: Object Reference, Note)."""
    for object_name, field_name in lookups:
        od = definition.find(object_name)
        if od is None:
            continue
        describe = copy.deepcopy(od.describe)
        for f in describe["fields"]:
            if f["name"] == field_name and name not in f["referenceTo"]:
                f["referenceTo"] = sorted([*f["referenceTo"], name])
        definition.save_custom(describe)


def _field(name: str, meta: dict[str, Any]) -> dict[str, Any]:
    mtype = meta.get("type")
    if mtype not in FIELD_TYPES:
        raise OrgError(400, "FIELD_INTEGRITY_EXCEPTION",
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
            raise OrgError(400, "FIELD_INTEGRITY_EXCEPTION", "referenceTo is required")
        d["referenceTo"] = [target]
        # SOQL and SOSL Reference, "Relationship Names for Custom Objects and Custom
        # Fields": a custom lookup Mother__c is Mother__r from the child; the
        # metadata's relationshipName (the child relationship name) + "__r" from
        # the parent (see _child_relationship).
        d["relationshipName"] = name[:-3] + "__r"
        d["length"] = 18
    return d


def create(call: Call) -> Response:
    """``POST /tooling/sobjects/{CustomObject|CustomField}``."""
    org = call.emulator.org
    kind = call.params["object"]
    body = call.json()
    if not isinstance(body, dict) or not body.get("FullName"):
        raise OrgError(400, "REQUIRED_FIELD_MISSING", "Required fields are missing: [FullName]",
                       ("FullName",))
    meta = body.get("Metadata") or {}
    full_name = str(body["FullName"])
    definition = org.definition
    if kind.lower() == "customobject":
        if not full_name.endswith("__c"):
            raise OrgError(400, "FIELD_INTEGRITY_EXCEPTION", "Custom object names end in __c")
        if definition.find(full_name) is not None:
            raise OrgError(400, "DUPLICATE_DEVELOPER_NAME",
                           f"There is already an object named {full_name}")
        describe = _custom_object(full_name, meta, definition.next_custom_prefix())
        definition.save_custom(describe)
        _refer(definition, full_name, [("Note", "ParentId")])
        if _flag(meta.get("enableActivities")):
            _allow_activities(definition, full_name)
        new_id = _remember(call, full_name, "01I", meta)
    elif kind.lower() == "customfield":
        object_name, _, field_name = full_name.partition(".")
        od = definition.get(object_name)
        if not field_name.endswith("__c"):
            raise OrgError(400, "FIELD_INTEGRITY_EXCEPTION", "Custom field names end in __c")
        if od.field(field_name) is not None:
            raise OrgError(400, "DUPLICATE_DEVELOPER_NAME",
                           f"There is already a field named {field_name} on {od.name}")
        if meta.get("type") in ("Lookup", "MasterDetail") and definition.find(
                str(meta.get("referenceTo", ""))) is None:
            raise OrgError(400, "FIELD_INTEGRITY_EXCEPTION",
                           f"referenceTo: no such object {meta.get('referenceTo')}")
        describe = copy.deepcopy(od.describe)
        describe["fields"].append(_field(field_name, meta))
        parent = None
        if meta.get("type") in ("Lookup", "MasterDetail"):
            parent = _child_relationship(definition, od.name, field_name, meta)
        definition.save_custom(describe)
        if parent is not None:
            definition.save_custom(parent)
        new_id = _remember(call, f"{od.name}.{field_name}", "00N", meta)
    else:
        raise OrgError(404, "NOT_FOUND", "The requested resource does not exist")
    return json_response({"id": new_id, "success": True, "errors": [], "warnings": [],
                          "infos": []}, 201)


# -- Tooling API queries ----------------------------------------------------------------

#: The Tooling objects a query may name, as describes (Tooling API Developer Guide,
#: "CustomObject" and "CustomField": Id, DeveloperName without the ``__c`` suffix,
#: NamespacePrefix, ManageableState, TableEnumOrId for a field's object).
TOOLING_DESCRIBES: dict[str, list[dict[str, Any]]] = {
    "CustomObject": [
        field("Id", "Custom Object ID", "id", "D", {}),
        field("DeveloperName", "Object Name", "string", "", {"length": 40}),
        field("NamespacePrefix", "Namespace Prefix", "string", "N", {"length": 15}),
        field("ManageableState", "Manageable State", "picklist", "R", {
            "length": 40, "values": ("released", "deleted", "deprecated", "installed",
                                     "beta", "unmanaged")}),
        field("Description", "Description", "string", "N", {"length": 1000}),
        field("CreatedDate", "Created Date", "datetime", "D", {}),
        field("LastModifiedDate", "Last Modified Date", "datetime", "D", {}),
    ],
    "CustomField": [
        field("Id", "Custom Field Definition ID", "id", "D", {}),
        field("DeveloperName", "Field Name", "string", "", {"length": 40}),
        field("TableEnumOrId", "Table Enum or ID", "string", "", {"length": 40}),
        field("NamespacePrefix", "Namespace Prefix", "string", "N", {"length": 15}),
        field("ManageableState", "Manageable State", "picklist", "R", {
            "length": 40, "values": ("released", "deleted", "deprecated", "installed",
                                     "beta", "unmanaged")}),
        field("CreatedDate", "Created Date", "datetime", "D", {}),
        field("LastModifiedDate", "Last Modified Date", "datetime", "D", {}),
    ],
}


def _remember(call: Call, full_name: str, prefix: str, meta: dict[str, Any]) -> str:
    """The Tooling record of a new object or field, kept for Tooling queries."""
    org = call.emulator.org
    now = sf_datetime(org.now())
    with org.store.transaction() as conn:
        new_id = make_id(prefix, org.store.allocate(prefix))
        known = dict(org.store.get_setting("tooling_records", {}))
        known[full_name] = {"Id": new_id, "CreatedDate": now, "LastModifiedDate": now,
                            "Description": meta.get("description")}
        org.store.put_setting(conn, "tooling_records", known)
    return new_id


def tooling_rows(org: Org, object_name: str) -> list[dict[str, Any]]:
    """The rows of a Tooling object, from the org's custom objects and fields."""
    known: dict[str, dict[str, Any]] = org.store.get_setting("tooling_records", {})
    rows = []
    for name, info in sorted(known.items()):
        base = {"NamespacePrefix": None, "ManageableState": "unmanaged", **info}
        if object_name == "CustomObject" and "." not in name:
            rows.append({**base, "DeveloperName": name.removesuffix("__c")})
        elif object_name == "CustomField" and "." in name:
            table, _, fname = name.partition(".")
            owner = known.get(table)
            rows.append({**base, "DeveloperName": fname.removesuffix("__c"),
                         "TableEnumOrId": owner["Id"] if owner else table})
    return rows
