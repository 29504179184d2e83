"""Salesforce describe results → crossmap schemas.

Per-type differences are a table (``FIELD_TYPES``), as sqlglot keeps a dialect's
differences in tables: one small converter per Salesforce field type. Compound fields
(``address``, ``location``) map to nothing, because their components
(``BillingStreet``, ``BillingCity``, ...) are fields of their own and the compound is
read-only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any as _Any

from crossmap.schema import (
    Blob,
    Boolean,
    Date,
    DateTime,
    Enum,
    FieldSchema,
    FieldType,
    Id,
    Integer,
    Numeric,
    ObjectSchema,
    Reference,
    Schema,
    String,
    Text,
    Time,
    Untyped,
)
from crossmap_salesforce.custom_objects import custom_object_describe

FieldDescribe = Mapping[str, _Any]
TypeConverter = Callable[[FieldDescribe], "FieldType | None"]

# Salesforce calls a textarea of up to 255 characters a "Text Area"; longer ones
# ("Long Text Area", "Rich Text Area") cannot be filtered or grouped: they behave as
# text, not as strings.
SHORT_TEXTAREA_MAX = 255


def _length(f: FieldDescribe) -> int | None:
    length = f.get("length")
    return length if isinstance(length, int) and length > 0 else None


def _numeric(f: FieldDescribe) -> Numeric:
    precision = f.get("precision") or None
    scale = f.get("scale")
    return Numeric(precision, scale if precision is not None else None)


def _picklist_values(f: FieldDescribe) -> tuple[str, ...]:
    # Inactive values are rejected on write, so they are not members of the enum.
    return tuple(
        str(v["value"]) for v in f.get("picklistValues") or () if v.get("active", True)
    )


def _textarea(f: FieldDescribe) -> FieldType:
    length = _length(f)
    if length is not None and length <= SHORT_TEXTAREA_MAX:
        return String(length)
    return Text(length)


def _picklist(f: FieldDescribe) -> FieldType:
    return Enum(_picklist_values(f), restricted=bool(f.get("restrictedPicklist")))


def _multipicklist(f: FieldDescribe) -> FieldType:
    return Enum(_picklist_values(f), restricted=bool(f.get("restrictedPicklist")), multi=True)


def _skip(_f: FieldDescribe) -> None:
    return None


FIELD_TYPES: dict[str, TypeConverter] = {
    "id": lambda f: Id(),
    "string": lambda f: String(_length(f)),
    "encryptedstring": lambda f: String(_length(f)),
    "textarea": _textarea,
    "picklist": _picklist,
    "multipicklist": _multipicklist,
    # A combobox suggests values but accepts any text.
    "combobox": lambda f: String(_length(f)),
    "reference": lambda f: Reference(tuple(f.get("referenceTo") or ())),
    "boolean": lambda f: Boolean(),
    "int": lambda f: Integer(),
    "long": lambda f: Integer(),
    "double": _numeric,
    "currency": _numeric,
    "percent": _numeric,
    "date": lambda f: Date(),
    "datetime": lambda f: DateTime(),
    "time": lambda f: Time(),
    "email": lambda f: String(_length(f), "email"),
    "phone": lambda f: String(_length(f), "phone"),
    "url": lambda f: String(_length(f), "url"),
    "address": _skip,
    "location": _skip,
    "base64": lambda f: Blob(),
    "anyType": lambda f: Untyped(),
}
"""Salesforce field type → converter to a crossmap type (``None``: not a field of the
schema). A type missing from the table becomes ``Untyped``: nothing can be checked."""


def field_from_describe(f: FieldDescribe) -> FieldSchema | None:
    """One describe field → a ``FieldSchema``, or ``None`` for compound fields."""
    convert = FIELD_TYPES.get(str(f["type"]))
    field_type = Untyped() if convert is None else convert(f)
    if field_type is None:
        return None
    return FieldSchema(
        str(f["name"]),
        field_type,
        label=f.get("label"),
        nullable=bool(f.get("nillable", True)),
        createable=bool(f.get("createable", True)),
        updateable=bool(f.get("updateable", True)),
        defaulted_on_create=bool(f.get("defaultedOnCreate", False)),
        external_id=bool(f.get("externalId", False)),
        unique=bool(f.get("unique", False)),
        custom=bool(f.get("custom", False)),
        relationship_name=f.get("relationshipName"),
    )


def object_from_describe(describe: Mapping[str, _Any]) -> ObjectSchema:
    """A ``GET /sobjects/{O}/describe`` result → an ``ObjectSchema`` keyed by ``Id``."""
    fields = [
        converted
        for converted in (field_from_describe(f) for f in describe.get("fields") or ())
        if converted is not None
    ]
    names = {f.name for f in fields}
    return ObjectSchema(
        str(describe["name"]),
        fields,
        label=describe.get("label"),
        key="Id" if "Id" in names else None,
        custom=bool(describe.get("custom", False)),
        createable=bool(describe.get("createable", True)),
        updateable=bool(describe.get("updateable", True)),
        deletable=bool(describe.get("deletable", True)),
    )


def new_custom_object() -> ObjectSchema:
    """What a custom object a spec declares has before its declared fields: the
    standard fields every custom object gets (``Name``, ``OwnerId``, the audit
    fields; see :mod:`crossmap_salesforce.custom_objects`)."""
    return object_from_describe(custom_object_describe("New__c"))


NEW_OBJECT_REFERRERS: tuple[tuple[str, str], ...] = (
    ("Task", "WhatId"), ("Event", "WhatId"), ("Note", "ParentId"),
)
"""Lookups that may point at a custom object the spec declares: activities relate to
it (``scaffold`` creates it with "Allow Activities", ``enableActivities``), and a
note may be attached to any custom object (Object Reference, Note)."""


CUSTOM_SUFFIX = "__c"
"""What a Salesforce custom field or object name ends with."""


def schema_from_describes(describes: Iterable[Mapping[str, _Any]]) -> Schema:
    """Describe results of several objects → one ``Schema``, which gives an object a
    spec declares the fields every Salesforce custom object has, and lets tasks,
    events and notes point at it; custom names end in ``__c`` (Object Reference,
    "Custom Fields": "the names of custom fields are identified by a suffix of two
    underscores immediately followed by a lowercase 'c' character")."""
    return Schema([object_from_describe(d) for d in describes], new_custom_object(),
                  NEW_OBJECT_REFERRERS, CUSTOM_SUFFIX)
