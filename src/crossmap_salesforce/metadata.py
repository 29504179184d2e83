"""Schema scaffolding: a spec's declarations → Salesforce custom objects and fields.

Three products from the same table of types:

- a checklist (what an admin would click in Setup),
- a deployable package in the Metadata API format (``package.xml`` and
  ``objects/<Object>.object``, a ``CustomObject`` holding the new object's settings and
  its ``fields``), which ``sf project deploy start --metadata-dir`` deploys as it is,
- the objects and fields themselves, created through the Tooling API, then checked
  against the org's describe.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from attrs import frozen

from crossmap.compiler.plan import Declaration
from crossmap.errors import CrossmapError
from crossmap.private_files import private_dir, write_private
from crossmap.schema import (
    Boolean,
    Date,
    DateTime,
    Decimal,
    Enum,
    FieldSchema,
    Integer,
    Reference,
    Schema,
    String,
    Text,
)
from crossmap_salesforce.custom_objects import custom_object_fields

API_VERSION = "59.0"
LONG_TEXT_DEFAULT = 32768
NAMESPACE = "http://soap.sforce.com/2006/04/metadata"


class MetadataError(CrossmapError):
    """A declaration cannot be expressed as Salesforce metadata."""


def _string(f: FieldSchema) -> dict[str, Any]:
    assert isinstance(f.type, String)
    fmt = f.type.format
    if fmt in ("email", "phone", "url"):
        return {"type": fmt.capitalize()}
    return {"type": "Text", "length": f.type.max_length or 255}


def _text(f: FieldSchema) -> dict[str, Any]:
    assert isinstance(f.type, Text)
    return {"type": "LongTextArea", "length": f.type.max_length or LONG_TEXT_DEFAULT,
            "visibleLines": 3}


def _decimal(f: FieldSchema) -> dict[str, Any]:
    assert isinstance(f.type, Decimal)
    return {"type": "Number", "precision": f.type.precision or 18, "scale": f.type.scale or 0}


def _enum(f: FieldSchema) -> dict[str, Any]:
    assert isinstance(f.type, Enum)
    values = [{"fullName": v, "default": False, "label": v} for v in f.type.values]
    meta: dict[str, Any] = {
        "type": "MultiselectPicklist" if f.type.multi else "Picklist",
        "valueSet": {"restricted": f.type.restricted, "valueSetDefinition": {"sorted": False,
                                                                             "value": values}},
    }
    if f.type.multi:
        meta["visibleLines"] = 4
    return meta


def _reference(f: FieldSchema) -> dict[str, Any]:
    assert isinstance(f.type, Reference)
    if len(f.type.targets) != 1:
        raise MetadataError(f"{f.name}: a custom lookup points at exactly one object")
    target = f.type.targets[0]
    # A required relationship is a master-detail: Salesforce's lookups may be empty.
    kind = "Lookup" if f.nullable else "MasterDetail"
    meta: dict[str, Any] = {"type": kind, "referenceTo": target}
    if kind == "Lookup":
        meta["deleteConstraint"] = "SetNull"
    return meta


FIELD_METADATA: dict[type, Callable[[FieldSchema], dict[str, Any]]] = {
    String: _string,
    Text: _text,
    Decimal: _decimal,
    Integer: lambda f: {"type": "Number", "precision": 18, "scale": 0},
    Boolean: lambda f: {"type": "Checkbox", "defaultValue": "false"},
    Date: lambda f: {"type": "Date"},
    DateTime: lambda f: {"type": "DateTime"},
    Enum: _enum,
    Reference: _reference,
}
"""crossmap field type → Metadata API field definition."""

DESCRIBE_TYPES: dict[str, tuple[str, ...]] = {
    "Text": ("string",), "LongTextArea": ("textarea",), "Email": ("email",), "Phone": ("phone",),
    "Url": ("url",), "Number": ("double", "int"), "Checkbox": ("boolean",), "Date": ("date",),
    "DateTime": ("datetime",), "Picklist": ("picklist",), "MultiselectPicklist": ("multipicklist",),
    "Lookup": ("reference",), "MasterDetail": ("reference",),
}
"""Metadata type → the describe types that show it was created right."""


STANDARD_FIELDS: frozenset[str] = frozenset(
    str(f["name"]).casefold() for f in custom_object_fields("New", activities=True)
)
"""The fields Salesforce gives every custom object (case-folded): a new object's
declaration may restate them (``Name: text(80)``), and they are never created as
custom fields."""


def custom_fields(decl: Declaration) -> tuple[FieldSchema, ...]:
    """The declared fields to create: on a new object, all but the standard fields
    every custom object has (``Name`` names the object's name field instead)."""
    if not decl.new:
        return decl.fields
    return tuple(f for f in decl.fields if f.name.casefold() not in STANDARD_FIELDS)


def _name_field(decl: Declaration, label: str) -> dict[str, Any]:
    declared = next((f for f in decl.fields if f.name.casefold() == "name"), None)
    if declared is None:
        return {"type": "Text", "label": f"{label} Name"}
    if not isinstance(declared.type, String) or declared.type.format is not None or (
            declared.type.max_length or 80) > 80:
        raise MetadataError(f"{decl.object}.Name: a custom object's name is text of at most "
                            f"80 characters (declare `Name: text(80)` or leave it out)")
    return {"type": "Text", "label": declared.label or f"{label} Name"}


#: The longest child relationship name Salesforce takes (the ``__r`` not counted).
RELATIONSHIP_NAME_MAX = 40


def child_relationship_name(f: FieldSchema, owner: Declaration | None) -> str:
    """A lookup's child relationship name (what the parent's subqueries say, plus
    ``__r``). It must be unique among the parent's child relationships, or the
    deploy fails: the child object's plural (``Visits``) when its declaration has no
    other lookup to the same parent, else the plural of object and field
    (``Job_Technician_Helpers``); on an existing object, always the latter. A name
    the spec gives wins."""
    if f.relationship_name:
        return f.relationship_name
    field_base = f.name.removesuffix("__c")
    if owner is None:
        return field_base
    child_base = owner.object.removesuffix("__c")
    assert isinstance(f.type, Reference)
    siblings = [g for g in owner.fields
                if isinstance(g.type, Reference) and g.type.targets == f.type.targets]
    name = f"{child_base}s" if owner.new and len(siblings) == 1 else f"{child_base}_{field_base}s"
    return name[:RELATIONSHIP_NAME_MAX].rstrip("_")


def field_metadata(f: FieldSchema, owner: Declaration | None = None) -> dict[str, Any]:
    """The Metadata API definition of one declared field (``owner``: its
    declaration, which names a lookup's child relationship)."""
    if not f.name.endswith("__c"):
        raise MetadataError(f"{f.name}: custom field names end in __c")
    convert = FIELD_METADATA.get(type(f.type))
    if convert is None:
        raise MetadataError(f"{f.name}: no Salesforce field type for {type(f.type).__name__}")
    meta = {"label": f.label or f.name.removesuffix("__c").replace("_", " "), **convert(f)}
    if isinstance(f.type, Reference):
        meta["relationshipName"] = child_relationship_name(f, owner)
    if f.external_id:
        meta["externalId"] = True
    if f.unique:
        meta["unique"] = True
    if not f.nullable and meta["type"] not in ("Checkbox", "MasterDetail"):
        meta["required"] = True
    return meta


def object_metadata(decl: Declaration) -> dict[str, Any]:
    """The Metadata API definition of a new custom object."""
    if not decl.object.endswith("__c"):
        raise MetadataError(f"{decl.object}: custom object names end in __c")
    label = decl.label or decl.object.removesuffix("__c").replace("_", " ")
    # "Allow Activities": the static schema lets Task/Event.WhatId point at every
    # declared object (crossmap_salesforce.describe.NEW_OBJECT_REFERRERS).
    return {"label": label, "pluralLabel": label + "s", "deploymentStatus": "Deployed",
            "sharingModel": "ReadWrite", "enableActivities": True,
            "nameField": _name_field(decl, label)}


def checklist(declarations: Iterable[Declaration]) -> list[str]:
    """(a) The field-creation checklist, one line per object or field to create."""
    lines = []
    for decl in declarations:
        if decl.new:
            lines.append(f"[ ] create custom object {decl.object} ({object_metadata(decl)['label']})")
        for f in custom_fields(decl):
            meta = field_metadata(f, decl)
            extras = [f"{k}={v}" for k, v in meta.items()
                      if k in ("length", "precision", "scale", "referenceTo", "externalId",
                               "unique", "required")]
            if "valueSet" in meta:
                values = [v["fullName"] for v in meta["valueSet"]["valueSetDefinition"]["value"]]
                extras.append("values=" + "|".join(values))
            lines.append(f"[ ] {decl.object}.{f.name}: {meta['type']}"
                         + (f" ({', '.join(extras)})" if extras else ""))
    return lines


def _xml(value: Any, tag: str, indent: str) -> list[str]:
    if isinstance(value, Mapping):
        inner = [line for k, v in value.items() for line in _xml(v, k, indent + "    ")]
        return [f"{indent}<{tag}>", *inner, f"{indent}</{tag}>"]
    if isinstance(value, list):
        return [line for item in value for line in _xml(item, tag, indent)]
    text = ("true" if value else "false") if isinstance(value, bool) else escape(str(value))
    return [f"{indent}<{tag}>{text}</{tag}>"]


def _document(root: str, body: Mapping[str, Any]) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<{root} xmlns="{NAMESPACE}">']
    for key, value in body.items():
        lines.extend(_xml(value, key, "    "))
    lines.append(f"</{root}>")
    return "\n".join(lines) + "\n"


def write_package(declarations: Iterable[Declaration], folder: str | Path) -> list[Path]:
    """(b) A deployable package in the Metadata API format under ``folder``; the files
    written. One ``objects/<Object>.object`` per object: a ``CustomObject`` with the new
    object's settings (none for an existing object) and a ``fields`` element per field,
    which is how a metadata-format package carries custom fields (a source-format
    project splits them into ``fields/<Field>.field-meta.xml`` files instead).
    ``sf project deploy start --metadata-dir FOLDER`` deploys it as written."""
    root = Path(folder)
    written: list[Path] = []
    objects: list[str] = []
    fields: list[str] = []
    private_dir(root / "objects")
    for decl in declarations:
        body: dict[str, Any] = {}
        if decl.new:
            objects.append(decl.object)
            body.update(object_metadata(decl))
        body["fields"] = [{"fullName": f.name, **field_metadata(f, decl)} for f in custom_fields(decl)]
        fields.extend(f"{decl.object}.{f.name}" for f in custom_fields(decl))
        path = root / "objects" / f"{decl.object}.object"
        write_private(path, _document("CustomObject", body))
        written.append(path)
    types = []
    if objects:
        types.append({"members": sorted(objects), "name": "CustomObject"})
    if fields:
        types.append({"members": sorted(fields), "name": "CustomField"})
    package = root / "package.xml"
    write_private(package, _document("Package", {"types": types, "version": API_VERSION}))
    written.append(package)
    return written


@frozen
class DeployReport:
    """What ``deploy_declarations`` did and what the describe afterwards showed."""

    created: tuple[str, ...]
    """``Object`` and ``Object.Field`` names created now."""
    existing: tuple[str, ...]
    """Names the org already had (left alone)."""
    problems: tuple[str, ...]
    """Mismatches between the declarations and the org's describe afterwards."""

    @property
    def ok(self) -> bool:
        """Did every declared field end up in the org as declared?"""
        return not self.problems


def verify(declarations: Iterable[Declaration], schema_of: Callable[[str], Mapping[str, Any] | None]) -> list[str]:
    """Declared fields compared with a describe: missing fields and wrong types.
    ``schema_of(object)`` is that object's describe result, or ``None``."""
    problems = []
    for decl in declarations:
        describe = schema_of(decl.object)
        if describe is None:
            problems.append(f"{decl.object}: not in the org")
            continue
        by_name = {str(f["name"]).casefold(): f for f in describe.get("fields") or ()}
        for f in custom_fields(decl):
            found = by_name.get(f.name.casefold())
            meta = field_metadata(f, decl)
            if found is None:
                problems.append(f"{decl.object}.{f.name}: not in the org")
            elif found["name"] != f.name:
                problems.append(f"{decl.object}.{f.name}: the org spells it {found['name']}")
            elif found["type"] not in DESCRIBE_TYPES[meta["type"]]:
                problems.append(f"{decl.object}.{f.name}: the org has type {found['type']}, "
                                f"declared {meta['type']}")
            elif meta.get("externalId") and not found.get("externalId"):
                problems.append(f"{decl.object}.{f.name}: not an external id in the org")
            elif isinstance(f.type, Enum):
                have = {str(v.get("value")) for v in found.get("picklistValues") or ()}
                missing = [v for v in f.type.values if v not in have]
                if missing:
                    problems.append(f"{decl.object}.{f.name}: the org's picklist lacks "
                                    + ", ".join(missing))
    return problems


def known_names(schema: Schema) -> set[str]:
    """``Object`` and ``Object.Field`` names of a schema, case-folded."""
    names = set()
    for obj in schema.objects.values():
        names.add(obj.name.casefold())
        names.update(f"{obj.name}.{f}".casefold() for f in obj.fields)
    return names
