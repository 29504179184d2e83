"""SOQL execution (the ``/query``, ``/queryAll`` and ``/tooling/query`` endpoints
over it are ``query_endpoints``).

The executor resolves every field path against the org definition first (so a bad
name fails before any record is read), loads the object's records, loads parents
level by level for relationship paths (one batched read per level), then filters,
sorts and pages in Python.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import attrs
from attrs import frozen

from crossmap_salesforce.emulator.conditions import (
    Operand,
    Parents,
    Resolved,
    compile_condition,
    condition_paths,
    ids_wanted,
    query_paths,
    record_operand,
    resolve,
    sort_rows,
    typed_value,
)
from crossmap_salesforce.emulator.errors import OrgError
from crossmap_salesforce.emulator.grouping import grouped as grouped_rows
from crossmap_salesforce.emulator.orgdef import ObjectDef
from crossmap_salesforce.emulator.soql import (
    Aggregate,
    Compare,
    DateFn,
    FieldsMacro,
    OrderItem,
    Path,
    Query,
    SubQuery,
    parse,
)
from crossmap_salesforce.emulator.tooling import TOOLING_DESCRIBES, tooling_rows

if TYPE_CHECKING:
    from crossmap_salesforce.emulator.server import Emulator

__all__ = ["ChildSelect", "Cursors", "Resolved", "Result", "execute", "flat_row", "resolve", "shape"]

PAGE = 2000


@frozen
class Result:
    """The rows a query selected, before paging."""

    object: str
    records: list[dict[str, Any]]
    count_only: bool


_TOOLING: dict[str, ObjectDef] = {}


def _tooling_object(name: str) -> ObjectDef | None:
    if not _TOOLING:
        for obj, fields in TOOLING_DESCRIBES.items():
            _TOOLING[obj.lower()] = ObjectDef({"name": obj, "keyPrefix": "", "fields": fields})
    return _TOOLING.get(name.lower())


SEMI_NESTED = ("Semi join sub-selects are only allowed at the top level WHERE expressions "
               "and not in nested WHERE expressions.")


@frozen
class ChildSelect:
    """A child relationship subquery of a select list, resolved."""

    name: str
    """The relationship name (``Contacts``), the key of the parent row's value."""
    od: ObjectDef
    field: str
    """The child's reference field to the parent."""
    select: tuple[Resolved, ...]
    where: Any | None
    order: tuple[OrderItem, ...]
    limit: int | None
    resolved: dict[Path, Resolved]


def _object(emulator: Emulator, name: str, text: str) -> ObjectDef:
    od = emulator.org.definition.find(name)
    if od is None:
        raise OrgError(400, "INVALID_TYPE",
                       f"\n{text}\nsObject type '{name}' is not supported. If you are "
                       "attempting to use a custom object, be sure to append the '__c' after "
                       "the entity name. Please reference your WSDL or the describe call for the "
                       "appropriate names.")
    return od


def _expand(fields: Sequence[Any], od: ObjectDef, limit: int | None) -> tuple[Any, ...]:
    """``FIELDS(ALL|STANDARD|CUSTOM)`` replaced by the object's fields. "FIELDS(ALL)
    and FIELDS(CUSTOM) ... the LIMIT n clause is required, where n is less than or
    equal to 200" (SOQL and SOSL Reference, FIELDS())."""
    out: list[Any] = []
    for item in fields:
        if not isinstance(item, FieldsMacro):
            out.append(item)
            continue
        if item.kind != "STANDARD" and (limit is None or limit > 200):
            raise OrgError(400, "MALFORMED_QUERY",
                           f"The SOQL FIELDS function must have a LIMIT of at most 200 when "
                           f"it selects FIELDS({item.kind})")
        for name, f in od.fields.items():
            if f["type"] in ("address", "location"):
                continue
            custom = bool(f.get("custom"))
            if item.kind == "ALL" or (item.kind == "CUSTOM") == custom:
                out.append(Path((name,)))
    seen: set[Any] = set()
    unique = []
    for item in out:
        key = str(item).lower() if isinstance(item, Path) else item
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return tuple(unique)


def _load(emulator: Emulator, od: ObjectDef, where: Any, include_deleted: bool,
          tooling: bool) -> list[dict[str, Any]]:
    org = emulator.org
    if tooling:
        return tooling_rows(org, od.name)
    wanted = ids_wanted(where)
    if wanted is None:
        return list(org.store.scan(od.name, include_deleted=include_deleted))
    # WHERE Id = … / Id IN (…): read those records, not the whole object.
    found = org.store.get_many(wanted)
    return [data for rid, (obj, deleted, data) in sorted(found.items())
            if obj == od.name and (include_deleted or not deleted)]


def _semi_values(emulator: Emulator, outer: Resolved, node: Compare, top: bool,
                 text: str) -> set[str]:
    """The Ids a semi-join (or anti-join) subquery selects."""
    if not top:
        raise OrgError(400, "MALFORMED_QUERY", SEMI_NESTED)
    sub = node.values[0]
    assert isinstance(sub, SubQuery)
    if outer.ftype not in ("id", "reference"):
        raise OrgError(400, "MALFORMED_QUERY",
                       f"Semi join sub-selects need an Id or reference field, not {outer.path}")
    od = _object(emulator, sub.source, text)
    (path,) = sub.fields
    inner = resolve(emulator, od, path)
    if inner.ftype not in ("id", "reference"):
        raise OrgError(400, "MALFORMED_QUERY",
                       f"Semi join sub-selects can select only an Id or reference field, not {path}")
    resolved = {p: resolve(emulator, od, p) for p in (path, *condition_paths(sub.where))}
    records = _load(emulator, od, sub.where, False, False)
    parents = Parents(emulator)
    parents.load(records, (r.hops for r in resolved.values()))

    def nested(_: Compare, __: bool) -> set[str]:
        raise OrgError(400, "MALFORMED_QUERY", "Nesting of semi join sub-selects is not supported")

    if sub.where is not None:
        keep = compile_condition(sub.where, lambda n: record_operand(n, resolved, parents), nested)
        records = [r for r in records if keep(r)]
    return {v for rec in records if (v := typed_value(inner.ftype, parents.walk(rec, inner)))}


def _child_select(emulator: Emulator, od: ObjectDef, sub: SubQuery) -> ChildSelect:
    rel = next((c for c in od.describe.get("childRelationships") or []
                if str(c.get("relationshipName") or "").lower() == sub.source.lower()), None)
    if rel is None:
        raise OrgError(400, "INVALID_TYPE",
                       f"Didn't understand relationship '{sub.source}' in FROM part of query "
                       "call. If you are attempting to use a custom relationship, be sure to "
                       "append the '__r' after the custom relationship name.")
    child = emulator.org.definition.get(rel["childSObject"])
    fields = _expand(sub.fields, child, sub.limit)
    paths = [*fields, *condition_paths(sub.where), *(o.path for o in sub.order)]
    for p in paths:
        if not isinstance(p, Path):
            raise OrgError(400, "MALFORMED_QUERY",
                           "a relationship subquery selects and sorts by fields only")
    resolved = {p: resolve(emulator, child, p) for p in paths}
    return ChildSelect(rel["relationshipName"], child, rel["field"],
                       tuple(resolved[f] for f in fields), sub.where, sub.order, sub.limit,
                       resolved)


def execute(
    emulator: Emulator, text: str, *, include_deleted: bool = False, version: str = "59.0",
    tooling: bool = False,
) -> tuple[Query, list[Any], Result]:
    """Run a SOQL query (on the Tooling objects with ``tooling``); returns the parsed
    query, its resolved select list (``Resolved`` fields, ``ChildSelect`` subqueries;
    aggregate queries answer ``AggregateResult`` rows) and the rows."""
    org = emulator.org
    q = parse(text, today=org.now().date())
    od = _tooling_object(q.object) if tooling else org.definition.find(q.object)
    if od is None:
        od = _object(emulator, q.object, text)
    q = attrs.evolve(q, fields=_expand(q.fields, od, q.limit))
    resolved = {p: resolve(emulator, od, p) for p in query_paths(q)}
    aggregates = [f for f in q.fields if isinstance(f, Aggregate)]
    subqueries = [f for f in q.fields if isinstance(f, SubQuery)]
    grouped = bool(q.group) or bool(aggregates)
    count_all = any(a.func == "COUNT" and a.arg is None for a in aggregates)
    if count_all and len(q.fields) > 1:
        raise OrgError(400, "MALFORMED_QUERY", "COUNT() cannot be used with other fields")
    if grouped and subqueries:
        raise OrgError(400, "MALFORMED_QUERY",
                       "a relationship subquery cannot be used in an aggregate query")
    if q.having is not None and not grouped:
        raise OrgError(400, "MALFORMED_QUERY", "HAVING needs GROUP BY or an aggregate")
    if not grouped and any(isinstance(f, DateFn) for f in q.fields):
        raise OrgError(400, "MALFORMED_QUERY", "Date functions in SELECT need GROUP BY")
    children = [_child_select(emulator, od, sub) for sub in subqueries]
    records = _load(emulator, od, q.where, include_deleted, tooling)
    parents = Parents(emulator)
    parents.load(records, (r.hops for r in resolved.values()))

    def operand_of(node: Any) -> Operand:
        return record_operand(node, resolved, parents)

    def semi(node: Compare, top: bool) -> set[str]:
        if not isinstance(node.path, Path):
            raise OrgError(400, "MALFORMED_QUERY",
                           f"Semi join sub-selects need an Id or reference field, not {node.path}")
        return _semi_values(emulator, resolved[node.path], node, top, text)

    if q.where is not None:
        keep = compile_condition(q.where, operand_of, semi)
        records = [rec for rec in records if keep(rec)]
    if count_all and not q.group:
        return q, list(q.fields), Result(od.name, records, True)
    if grouped:
        rows = grouped_rows(q, records, operand_of)
        return q, list(q.fields), Result(od.name, rows, False)
    for item in q.order:
        if isinstance(item.path, Aggregate):
            raise OrgError(400, "MALFORMED_QUERY", "ORDER BY an aggregate needs GROUP BY")
    sort_rows(records, q.order, operand_of)
    if q.offset:
        if q.offset > 2000:
            raise OrgError(400, "NUMBER_OUTSIDE_VALID_RANGE",
                           "Maximum SOQL offset allowed is 2000")
        records = records[q.offset:]
    if q.limit is not None:
        records = records[: q.limit]
    select: list[Any] = []
    kids = iter(children)
    for f in q.fields:
        select.append(next(kids) if isinstance(f, SubQuery) else resolved[f])
    shaped = [shape(emulator, od, rec, select, parents, version, tooling) for rec in records]
    if children:
        _attach_children(emulator, records, shaped, children, version, include_deleted)
    return q, select, Result(od.name, shaped, False)


def _attach_children(emulator: Emulator, records: list[dict[str, Any]],
                     shaped: list[dict[str, Any]], children: Sequence[ChildSelect],
                     version: str, include_deleted: bool) -> None:
    """Each parent row's child relationship subqueries: ``{totalSize, done, records}``,
    or ``null`` when it has no such child."""
    ids = {rec["Id"] for rec in records}
    for child in children:
        kids = [c for c in emulator.org.store.scan(child.od.name, include_deleted=include_deleted)
                if c.get(child.field) in ids]
        parents = Parents(emulator)
        parents.load(kids, (r.hops for r in child.resolved.values()))

        def operand_of(node: Any, child: ChildSelect = child, parents: Parents = parents) -> Operand:
            return record_operand(node, child.resolved, parents)

        if child.where is not None:
            def no_semi(_: Compare, __: bool) -> set[str]:
                raise OrgError(400, "MALFORMED_QUERY", SEMI_NESTED)

            keep = compile_condition(child.where, operand_of, no_semi)
            kids = [k for k in kids if keep(k)]
        sort_rows(kids, child.order, operand_of)
        by_parent: dict[str, list[dict[str, Any]]] = {}
        for k in kids:
            by_parent.setdefault(k[child.field], []).append(k)
        for rec, row in zip(records, shaped, strict=True):
            mine = by_parent.get(rec["Id"], [])[: child.limit]
            row[child.name] = None if not mine else {
                "totalSize": len(mine), "done": True,
                "records": [shape(emulator, child.od, k, child.select, parents, version)
                            for k in mine]}


def shape(emulator: Emulator, od: ObjectDef, rec: dict[str, Any], select: Sequence[Any],
          parents: Parents, version: str = "59.0", tooling: bool = False) -> dict[str, Any]:
    """A query row in the REST shape: ``attributes`` and nested parent objects."""
    area = "tooling/sobjects" if tooling else "sobjects"
    out: dict[str, Any] = {"attributes": {"type": od.name,
                                          "url": f"/services/data/v{version}/{area}/{od.name}/{rec['Id']}"}}
    definition = emulator.org.definition
    for r in select:
        if isinstance(r, ChildSelect):
            out[r.name] = None  # filled in by _attach_children
            continue
        assert isinstance(r, Resolved)
        if not r.hops:
            value = rec.get(r.field)
            f = od.fields.get(r.field)
            if f is not None and f["type"] == "base64" and value:
                value = f"{out['attributes']['url']}/{r.field}"
            out[r.field] = value
            continue
        node, current = out, rec
        for ref_field, rel in r.hops:
            hit = parents.cache.get(current.get(ref_field)) if current is not None else None  # type: ignore[arg-type]
            if hit is None:
                node[rel] = None
                break
            obj, data = hit
            child = node.get(rel)
            if child is None:
                child = {"attributes": {"type": obj,
                                        "url": f"/services/data/v{version}/sobjects/{obj}/{data['Id']}"}}
                node[rel] = child
            node, current = child, data
        else:
            parent_def = definition.find(node["attributes"]["type"])
            name = r.field
            if parent_def is not None and parent_def.field(name) is not None:
                node[parent_def.field(name)["name"]] = current.get(parent_def.field(name)["name"])  # type: ignore[index]
    return out


def flat_row(rec: dict[str, Any], select: Sequence[Any]) -> list[Any]:
    """A shaped query row flattened to the select list (for CSV)."""
    row = []
    for r in select:
        assert isinstance(r, Resolved)
        node: Any = rec
        for _, rel in r.hops:
            node = node.get(rel) if isinstance(node, dict) else None
        row.append(node.get(r.field) if isinstance(node, dict) else None)
    return row


class Cursors:
    """Open query cursors (``nextRecordsUrl``), oldest dropped first."""

    def __init__(self, keep: int = 200) -> None:
        self._open: OrderedDict[str, tuple[list[dict[str, Any]], int]] = OrderedDict()
        self._lock = threading.Lock()
        self._keep = keep

    def open(self, rows: list[dict[str, Any]], batch: int) -> str:
        """Register the rows after the first page; returns the cursor id."""
        cursor = "01g" + secrets.token_hex(6)  # 01g: query locator prefix
        with self._lock:
            self._open[cursor] = (rows, batch)
            while len(self._open) > self._keep:
                self._open.popitem(last=False)
        return cursor

    def get(self, cursor: str) -> tuple[list[dict[str, Any]], int]:
        """The rows and batch size of a cursor, or the 400 for an unknown one."""
        with self._lock:
            hit = self._open.get(cursor)
        if hit is None:
            raise OrgError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        return hit
