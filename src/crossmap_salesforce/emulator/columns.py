"""The column metadata of a SOQL query: ``GET /query?q=…&columns=true``.

A real org answers this form of the query resource with the shape of the result
instead of its rows: ``columnMetadata`` (one entry per selected column, a relationship
path nested as ``joinColumns`` under its relationship, an aggregate named by its alias
or ``exprN``), plus ``entityName``, ``groupBy``, ``idSelected`` and ``keyPrefix``. The
resource is not in the REST API reference; the Salesforce CLI's ``sf data query``
calls it to lay out its table (``@salesforce/plugin-data``, ``retrieveColumns`` in
``commands/data/query.js``, reads ``columnMetadata``, ``columnName``, ``displayName``,
``aggregate`` and ``joinColumns``), and the Developer Console's query editor does too.

The query runs through the executor itself, so a bad name gets the same error as
running it, ``FIELDS()`` expands the same way, and a child subquery answers its own
column with the subquery's fields as ``joinColumns``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crossmap_salesforce.emulator.conditions import resolve
from crossmap_salesforce.emulator.orgdef import ObjectDef
from crossmap_salesforce.emulator.query import ChildSelect, execute
from crossmap_salesforce.emulator.soql import Aggregate, DateFn, Path, SubQuery
from crossmap_salesforce.emulator.tooling import TOOLING_DESCRIBES

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


def metadata(emulator: Emulator, text: str, *, tooling: bool = False) -> dict[str, Any]:
    """The ``columns=true`` answer for the SOQL ``text`` (of the Tooling API's
    ``/tooling/query`` with ``tooling``)."""
    # The query's own executor checks every name (same errors as running it) and
    # expands FIELDS(); its resolved select list carries the child subqueries.
    q, select, result = execute(emulator, text, tooling=tooling)
    od = _tooling_object(result.object) if tooling else emulator.org.definition.get(result.object)
    columns: list[dict[str, Any]] = []
    by_relationship: dict[tuple[str, ...], dict[str, Any]] = {}
    expr = 0
    for index, item in enumerate(q.fields):
        if isinstance(item, Aggregate | DateFn):
            if isinstance(item, Aggregate) and item.arg is None and len(q.fields) == 1:
                continue  # COUNT() alone: a size, no column
            alias = item.alias
            if alias is None:
                alias, expr = f"expr{expr}", expr + 1
            columns.append(_function_column(emulator, od, item, alias))
        elif isinstance(item, SubQuery):
            child = select[index]
            assert isinstance(child, ChildSelect)
            column = _relationship(child.name)
            column["aggregate"] = True
            column["joinColumns"] = [_column(r.field, r.field, child.od.field(r.field))
                                     for r in child.select]
            columns.append(column)
        elif isinstance(item, Path):
            _path_column(emulator, od, item, columns, by_relationship)
    return {
        "columnMetadata": columns,
        "entityName": od.name,
        "groupBy": bool(q.group),
        "idSelected": any(isinstance(f, Path) and len(f.parts) == 1 and f.parts[0].lower() == "id"
                          for f in q.fields),
        "keyPrefix": od.describe.get("keyPrefix"),
    }


def _function_column(emulator: Emulator, od: ObjectDef, item: Aggregate | DateFn,
                     alias: str) -> dict[str, Any]:
    """An aggregate or a date function: named by its alias or ``exprN``, shown as the
    function; typed by what it returns."""
    if isinstance(item, DateFn) or item.func in ("COUNT", "COUNT_DISTINCT"):
        describe: dict[str, Any] | None = {"type": "int"}
    elif item.func == "AVG":
        describe = {"type": "double"}
    else:
        arg = item.arg.path if isinstance(item.arg, DateFn) else item.arg
        describe = None
        if arg is not None:
            r = resolve(emulator, od, arg)
            owner = od
            for _, rel in r.hops:
                owner = _target(emulator, owner, rel) or owner
            describe = owner.field(r.field)
    column = _column(alias, str(item), describe)
    column.update(aggregate=True, custom=False, insertable=False, updatable=False)
    return column


def _path_column(emulator: Emulator, od: ObjectDef, item: Path, columns: list[dict[str, Any]],
                 by_relationship: dict[tuple[str, ...], dict[str, Any]]) -> None:
    """A field: its own column, or nested under its relationship's column."""
    r = resolve(emulator, od, item)
    if not r.hops:
        columns.append(_column(r.field, r.field, od.field(r.field)))
        return
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


def _tooling_object(name: str) -> ObjectDef:
    """A Tooling API object (``CustomObject``, ``CustomField``) as its describe says."""
    fields = next(f for obj, f in TOOLING_DESCRIBES.items() if obj.lower() == name.lower())
    return ObjectDef({"name": name, "keyPrefix": "", "fields": fields})


def _target(emulator: Emulator, owner: ObjectDef | None, rel: str) -> ObjectDef | None:
    """The object a relationship of ``owner`` points at (the first modeled target)."""
    ref = owner.relationship(rel) if owner is not None else None
    for name in (ref or {}).get("referenceTo") or ():
        found = emulator.org.definition.find(name)
        if found is not None:
            return found
    return None
