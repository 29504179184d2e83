"""The column metadata of a SOQL query: ``GET /query?q=…&columns=true``.

A real org answers this form of the query resource with the shape of the result
instead of its rows: ``columnMetadata`` (one entry per selected column, a relationship
path nested as ``joinColumns`` under its relationship, an aggregate named by its alias
or ``exprN``), plus ``entityName``, ``groupBy``, ``idSelected`` and ``keyPrefix``. The
resource is not in the REST API reference; the Salesforce CLI's ``sf data query``
calls it to lay out its table (``@salesforce/plugin-data``, ``retrieveColumns`` in
``commands/data/query.js``, reads ``columnMetadata``, ``columnName``, ``displayName``,
``aggregate`` and ``joinColumns``), and the Developer Console's query editor does too.

The query is parsed and its paths resolved exactly as running it would (so a bad
field gets the same error) but no record is read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crossmap_salesforce.emulator.orgdef import ObjectDef
from crossmap_salesforce.emulator.query import execute, resolve
from crossmap_salesforce.emulator.soql import Count, Path, parse

if TYPE_CHECKING:
    from crossmap_salesforce.emulator.server import Emulator

#: describe type → the Apex type of a column of that type.
APEX_TYPES: dict[str, str] = {
    "id": "Id", "reference": "Id", "string": "String", "textarea": "String",
    "picklist": "String", "multipicklist": "String", "combobox": "String", "email": "String",
    "phone": "String", "url": "String", "encryptedstring": "String", "boolean": "Boolean",
    "int": "Integer", "long": "Long", "double": "Double", "currency": "Decimal",
    "percent": "Double", "date": "Date", "datetime": "Datetime", "time": "Time",
    "base64": "Blob", "address": "Address", "location": "Location",
}
_NUMBER = {"int", "long", "double", "currency", "percent"}
_TEXT = {"string", "textarea", "picklist", "multipicklist", "combobox", "email", "phone",
         "url", "encryptedstring", "id", "reference"}


def _column(name: str, display: str, describe: dict[str, Any] | None) -> dict[str, Any]:
    ftype = str(describe.get("type")) if describe else ""
    return {
        "aggregate": False,
        "apexType": APEX_TYPES.get(ftype),
        "booleanType": ftype == "boolean",
        "columnName": name,
        "custom": bool(describe and describe.get("custom")),
        "displayName": display,
        "foreignKeyName": None,
        "insertable": bool(describe and describe.get("createable")),
        "joinColumns": [],
        "numberType": ftype in _NUMBER,
        "textType": ftype in _TEXT,
        "updatable": bool(describe and describe.get("updateable")),
    }


def _relationship(name: str) -> dict[str, Any]:
    """A relationship's column: its fields are its ``joinColumns``."""
    return _column(name, name, None)


def metadata(emulator: Emulator, text: str) -> dict[str, Any]:
    """The ``columns=true`` answer for the SOQL ``text``."""
    org = emulator.org
    q = parse(text, today=org.now().date())
    od = org.definition.find(q.object)
    if od is None:
        execute(emulator, text)  # raises the query's own INVALID_TYPE
        raise AssertionError("unreachable: execute accepted an unknown object")
    columns: list[dict[str, Any]] = []
    by_relationship: dict[tuple[str, ...], dict[str, Any]] = {}
    expr = 0
    for item in q.fields:
        if isinstance(item, Count):
            if item.path is None and len(q.fields) == 1:
                continue  # COUNT() alone: a size, no column
            inner = "" if item.path is None else str(resolve(emulator, od, item.path).path)
            alias = item.alias
            if alias is None:
                alias, expr = f"expr{expr}", expr + 1
            column = _column(alias, f"COUNT({inner})", {"type": "int"})
            column.update(aggregate=True, insertable=False, updatable=False)
            columns.append(column)
            continue
        assert isinstance(item, Path)
        r = resolve(emulator, od, item)
        if not r.hops:
            columns.append(_column(r.field, r.field, od.field(r.field)))
            continue
        siblings: list[dict[str, Any]] = columns
        owner: ObjectDef | None = od
        walked: tuple[str, ...] = ()
        for _, rel in r.hops:
            walked = (*walked, rel.lower())
            node = by_relationship.get(walked)
            if node is None:
                ref = owner.relationship(rel) if owner is not None else None
                node = _relationship(ref["relationshipName"] if ref else rel)
                by_relationship[walked] = node
                siblings.append(node)
            siblings = node["joinColumns"]
            owner = _target(emulator, owner, rel)
        leaf = owner.field(r.field) if owner is not None else None
        siblings.append(_column(r.field, str(item), leaf))
    return {
        "columnMetadata": columns,
        "entityName": od.name,
        "groupBy": False,
        "idSelected": any(isinstance(f, Path) and len(f.parts) == 1 and f.parts[0].lower() == "id"
                          for f in q.fields),
        "keyPrefix": od.describe.get("keyPrefix"),
    }


def _target(emulator: Emulator, owner: ObjectDef | None, rel: str) -> ObjectDef | None:
    """The object a relationship of ``owner`` points at (the first modeled target)."""
    ref = owner.relationship(rel) if owner is not None else None
    for name in (ref or {}).get("referenceTo") or ():
        found = emulator.org.definition.find(name)
        if found is not None:
            return found
    return None
