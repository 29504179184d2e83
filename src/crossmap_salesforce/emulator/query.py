"""SOQL execution and the ``/query`` and ``/queryAll`` endpoints.

The executor resolves every field path against the org definition first (so a bad
name fails before any record is read), loads the object's records, loads parents
level by level for relationship paths (one batched read per level), then filters,
sorts and pages in Python.
"""

from __future__ import annotations

import operator
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import attrs
from attrs import frozen
from starlette.responses import Response

from crossmap.schema.values import parse_date, parse_datetime
from crossmap_salesforce.emulator.aggregates import (
    aggregate_type,
    apply_date_fn,
    compute,
    date_fn_type,
    output_name,
)
from crossmap_salesforce.emulator.errors import ApiError
from crossmap_salesforce.emulator.http import Call, json_response
from crossmap_salesforce.emulator.ids import normalize
from crossmap_salesforce.emulator.orgdef import ObjectDef
from crossmap_salesforce.emulator.soql import (
    Aggregate,
    BoolOp,
    Compare,
    DateFn,
    FieldsMacro,
    Literal,
    OrderItem,
    Path,
    Query,
    SubQuery,
    parse,
)

if TYPE_CHECKING:
    from crossmap_salesforce.emulator.server import Emulator

PAGE = 2000
_NO_COLUMN = ("No such column '{name}' on entity '{entity}'. If you are attempting to use a "
              "custom field, be sure to append the '__c' after the custom field name. Please "
              "reference your WSDL or the describe call for the appropriate names.")


@frozen
class Resolved:
    """A field path checked against the schema: the reference fields walked, the
    final field's name and type (from the first modeled target that has it)."""

    path: Path
    hops: tuple[tuple[str, str], ...]
    """(reference field, relationship name as written) per hop."""
    field: str
    ftype: str


@frozen
class Result:
    """The rows a query selected, before paging."""

    object: str
    records: list[dict[str, Any]]
    count_only: bool


def _invalid_field(name: str, entity: str) -> ApiError:
    return ApiError(400, "INVALID_FIELD", _NO_COLUMN.format(name=name, entity=entity))


def resolve(emulator: Emulator, od: ObjectDef, path: Path) -> Resolved:
    """Check ``path`` against ``od`` (and its parents)."""
    definition = emulator.org.definition
    current: list[ObjectDef] = [od]
    hops: list[tuple[str, str]] = []
    for part in path.parts[:-1]:
        ref = next((o.relationship(part) for o in current if o.relationship(part)), None)
        if ref is None:
            raise ApiError(400, "INVALID_FIELD",
                           f"Didn't understand relationship '{part}' in field path. If you are "
                           "attempting to use a custom relationship, be sure to append the '__r' "
                           "after the custom relationship name.")
        hops.append((ref["name"], ref["relationshipName"]))
        current = [t for t in (definition.find(n) for n in ref.get("referenceTo") or []) if t]
        if not current:
            raise _invalid_field(str(path), od.name)
    last = path.parts[-1]
    for o in current:
        f = o.field(last)
        if f is not None:
            return Resolved(path, tuple(hops), f["name"], f["type"])
    raise _invalid_field(str(path) if hops else last, current[0].name if current else od.name)


def _condition_paths(node: Any) -> Iterable[Path]:
    """Paths a WHERE/HAVING tree reads (a semi-join's own fields are its object's)."""
    stack = [node] if node is not None else []
    while stack:
        item = stack.pop()
        if isinstance(item, BoolOp):
            stack.extend(item.items)
        elif isinstance(item, Compare):
            yield from _operand_paths(item.path)


def _operand_paths(node: Any) -> Iterable[Path]:
    if isinstance(node, Path):
        yield node
    elif isinstance(node, DateFn):
        yield node.path
    elif isinstance(node, Aggregate) and node.arg is not None:
        yield from _operand_paths(node.arg)


def _paths(q: Query) -> Iterable[Path]:
    for item in q.fields:
        if not isinstance(item, SubQuery):
            yield from _operand_paths(item)
    yield from _condition_paths(q.where)
    yield from _condition_paths(q.having)
    for o in q.order:
        yield from _operand_paths(o.path)
    for g in q.group:
        yield from _operand_paths(g)


class _Parents:
    """Parent records loaded for relationship paths, by Id."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.cache: dict[str, tuple[str, dict[str, Any]]] = {}

    def load(self, records: Sequence[dict[str, Any]], hops_list: Iterable[tuple[tuple[str, str], ...]]) -> None:
        store = self.emulator.org.store
        for hops in {h for h in hops_list if h}:
            level = list(records)
            for ref_field, _ in hops:
                ids = {r.get(ref_field) for r in level} - {None} - self.cache.keys()
                found = store.get_many(i for i in ids if isinstance(i, str))
                for rid, (obj, deleted, data) in found.items():
                    if not deleted:
                        self.cache[rid] = (obj, data)
                level = [self.cache[r[ref_field]][1] for r in level
                         if r.get(ref_field) in self.cache]

    def walk(self, record: dict[str, Any], r: Resolved) -> Any:
        current = record
        for ref_field, _ in r.hops:
            hit = self.cache.get(current.get(ref_field))  # type: ignore[arg-type]
            if hit is None:
                return None
            current = hit[1]
        return current.get(r.field)


def _typed(ftype: str, value: Any) -> Any:
    """A stored value in comparable form."""
    if value is None:
        return None
    if ftype == "datetime":
        return parse_datetime(value)
    if ftype == "date":
        return parse_date(value)
    if ftype in ("string", "textarea", "picklist", "multipicklist", "email", "phone", "url",
                 "combobox", "encryptedstring"):
        return str(value).casefold()
    if ftype in ("id", "reference"):
        return normalize(str(value)) or str(value)
    return value


_QUOTED = {"string", "textarea", "picklist", "multipicklist", "email", "phone", "url", "combobox",
           "id", "reference", "encryptedstring", "base64", "time"}
_NUMERIC = {"int", "double", "currency", "percent"}


def _literal(ftype: str, label: str, lit: Literal) -> Any:
    """A literal checked against the field's type, in comparable form."""
    if lit.kind == "null":
        return None
    type_name = {"datetime": "dateTime"}.get(ftype, ftype)
    ok = (
        (ftype in _QUOTED and lit.kind == "string")
        or (ftype in _NUMERIC and lit.kind == "number")
        or (ftype == "boolean" and lit.kind == "boolean")
        or (ftype == "date" and lit.kind in ("date", "daterange"))
        or (ftype == "datetime" and lit.kind in ("datetime", "daterange"))
    )
    if not ok:
        quoted = "should be enclosed in quotes" if ftype in _QUOTED else \
            "should not be enclosed in quotes"
        raise ApiError(400, "INVALID_FIELD",
                       f"value of filter criterion for field '{label}' must be of type "
                       f"{type_name} and {quoted}")
    if lit.kind == "daterange":
        return lit.value
    return _typed(ftype, lit.value) if lit.kind == "string" else lit.value


def _like(pattern: str) -> re.Pattern[str]:
    out = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
        i += 1
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


def _in_range(value: Any, bounds: tuple[date, date], op: str) -> bool:
    day = value.date() if isinstance(value, datetime) else value
    low, high = bounds
    return {
        "=": low <= day <= high, "!=": not (low <= day <= high), "<": day < low,
        "<=": day <= high, ">": day > high, ">=": day >= low,
    }.get(op, False)


_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
    ">": operator.gt, ">=": operator.ge,
}


Getter = Callable[[Any], Any]
"""A typed value read from a row (a record, or a group of them)."""


@frozen
class Operand:
    """A condition's or sort key's left side: its type, a label for messages, how to
    read its comparable value and its raw value."""

    ftype: str
    label: str
    typed: Getter
    raw: Getter


def record_operand(node: Any, resolved: dict[Path, Resolved], parents: _Parents) -> Operand:
    """How to read a path or a date function from one record."""
    if isinstance(node, DateFn):
        r = resolved[node.path]
        ftype = date_fn_type(node, r.ftype)

        def value(rec: Any, r: Resolved = r, func: str = node.func) -> Any:
            return apply_date_fn(func, _typed(r.ftype, parents.walk(rec, r)))

        return Operand(ftype, str(node), value, value)
    if isinstance(node, Aggregate):
        raise ApiError(400, "MALFORMED_QUERY",
                       f"Aggregate {node} is only allowed in SELECT, ORDER BY and HAVING of "
                       "an aggregate query")
    r = resolved[node]
    return Operand(r.ftype, str(node), lambda rec: _typed(r.ftype, parents.walk(rec, r)),
                   lambda rec: parents.walk(rec, r))


OperandOf = Callable[[Any], Operand]


def _compile(node: Any, operand_of: OperandOf, semi: Callable[[Compare, bool], set[str]],
             top: bool = True) -> Any:
    """A predicate function for a WHERE (or HAVING) tree."""
    if isinstance(node, BoolOp):
        nested = top and node.op == "and"
        parts = [_compile(n, operand_of, semi, nested) for n in node.items]
        if node.op == "and":
            return lambda rec: all(p(rec) for p in parts)
        if node.op == "or":
            return lambda rec: any(p(rec) for p in parts)
        inner = parts[0]
        return lambda rec: not inner(rec)
    assert isinstance(node, Compare)
    operand = operand_of(node.path)
    get = operand.typed
    op = node.op
    if op in ("semi_in", "semi_notin"):
        members = semi(node, top)
        if op == "semi_in":
            return lambda rec: get(rec) in members
        return lambda rec: get(rec) not in members
    if op == "like":
        if operand.ftype not in _QUOTED or node.values[0].kind != "string":
            raise ApiError(400, "INVALID_QUERY_FILTER_OPERATOR",
                           f"invalid operator on field '{operand.label}': LIKE needs a text field")
        rx = _like(str(node.values[0].value))
        raw = operand.raw
        return lambda rec: (v := raw(rec)) is not None and rx.fullmatch(str(v)) is not None
    values = [_literal(operand.ftype, operand.label, v) for v in node.values]
    if op in ("in", "notin"):
        members_ = {v for v in values if not isinstance(v, tuple)}
        if op == "in":
            return lambda rec: get(rec) in members_
        return lambda rec: get(rec) not in members_
    target = values[0]
    if isinstance(target, tuple):
        return lambda rec: (v := get(rec)) is not None and _in_range(v, target, op)
    if target is None:
        if op == "=":
            return lambda rec: get(rec) is None
        if op == "!=":
            return lambda rec: get(rec) is not None
        return lambda rec: False
    if operand.ftype == "datetime" and not isinstance(target, datetime) and isinstance(target, date):
        target = datetime(target.year, target.month, target.day, tzinfo=UTC)
    compare: Callable[[Any, Any], bool] = _OPERATORS[op]
    if op == "!=":
        return lambda rec: (v := get(rec)) is None or compare(v, target)
    return lambda rec: (v := get(rec)) is not None and compare(v, target)


def _ids_wanted(where: Any) -> set[str] | None:
    """The Ids a WHERE clause restricts the query to, when a top-level conjunct is
    ``Id = '…'`` or ``Id IN (…)``; ``None`` when it does not (scan everything). The
    full predicate still runs on the records read."""
    if (isinstance(where, Compare) and isinstance(where.path, Path)
            and where.path.parts == ("Id",) and where.op in ("=", "in")):
        if all(v.kind == "string" for v in where.values):
            return {i for v in where.values if (i := normalize(str(v.value)))}
        return None
    if isinstance(where, BoolOp) and where.op == "and":
        for item in where.items:
            ids = _ids_wanted(item)
            if ids is not None:
                return ids
    return None


_TOOLING: dict[str, ObjectDef] = {}


def _tooling_object(name: str) -> ObjectDef | None:
    from crossmap_salesforce.emulator.tooling import TOOLING_DESCRIBES

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
        raise ApiError(400, "INVALID_TYPE",
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
            raise ApiError(400, "MALFORMED_QUERY",
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
        from crossmap_salesforce.emulator.tooling import tooling_rows

        return tooling_rows(org, od.name)
    wanted = _ids_wanted(where)
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
        raise ApiError(400, "MALFORMED_QUERY", SEMI_NESTED)
    sub = node.values[0]
    assert isinstance(sub, SubQuery)
    if outer.ftype not in ("id", "reference"):
        raise ApiError(400, "MALFORMED_QUERY",
                       f"Semi join sub-selects need an Id or reference field, not {outer.path}")
    od = _object(emulator, sub.source, text)
    (path,) = sub.fields
    inner = resolve(emulator, od, path)
    if inner.ftype not in ("id", "reference"):
        raise ApiError(400, "MALFORMED_QUERY",
                       f"Semi join sub-selects can select only an Id or reference field, not {path}")
    resolved = {p: resolve(emulator, od, p) for p in (path, *_condition_paths(sub.where))}
    records = _load(emulator, od, sub.where, False, False)
    parents = _Parents(emulator)
    parents.load(records, (r.hops for r in resolved.values()))

    def nested(_: Compare, __: bool) -> set[str]:
        raise ApiError(400, "MALFORMED_QUERY", "Nesting of semi join sub-selects is not supported")

    if sub.where is not None:
        keep = _compile(sub.where, lambda n: record_operand(n, resolved, parents), nested)
        records = [r for r in records if keep(r)]
    return {v for rec in records if (v := _typed(inner.ftype, parents.walk(rec, inner)))}


def _child_select(emulator: Emulator, od: ObjectDef, sub: SubQuery) -> ChildSelect:
    rel = next((c for c in od.describe.get("childRelationships") or []
                if str(c.get("relationshipName") or "").lower() == sub.source.lower()), None)
    if rel is None:
        raise ApiError(400, "INVALID_TYPE",
                       f"Didn't understand relationship '{sub.source}' in FROM part of query "
                       "call. If you are attempting to use a custom relationship, be sure to "
                       "append the '__r' after the custom relationship name.")
    child = emulator.org.definition.get(rel["childSObject"])
    fields = _expand(sub.fields, child, sub.limit)
    paths = [*fields, *_condition_paths(sub.where), *(o.path for o in sub.order)]
    for p in paths:
        if not isinstance(p, Path):
            raise ApiError(400, "MALFORMED_QUERY",
                           "a relationship subquery selects and sorts by fields only")
    resolved = {p: resolve(emulator, child, p) for p in paths}
    return ChildSelect(rel["relationshipName"], child, rel["field"],
                       tuple(resolved[f] for f in fields), sub.where, sub.order, sub.limit,
                       resolved)


def _sort(rows: list[Any], order: Sequence[OrderItem], operand_of: OperandOf) -> None:
    for item in reversed(order):
        operand = operand_of(item.path)
        null_rank = (0 if item.nulls_last else 1) if item.descending else (1 if item.nulls_last else 0)

        def key(row: Any, get: Getter = operand.typed, null_rank: int = null_rank) -> Any:
            v = get(row)
            return (null_rank, "") if v is None else (1 - null_rank, v)

        rows.sort(key=key, reverse=item.descending)


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
    resolved = {p: resolve(emulator, od, p) for p in _paths(q)}
    aggregates = [f for f in q.fields if isinstance(f, Aggregate)]
    subqueries = [f for f in q.fields if isinstance(f, SubQuery)]
    grouped = bool(q.group) or bool(aggregates)
    count_all = any(a.func == "COUNT" and a.arg is None for a in aggregates)
    if count_all and len(q.fields) > 1:
        raise ApiError(400, "MALFORMED_QUERY", "COUNT() cannot be used with other fields")
    if grouped and subqueries:
        raise ApiError(400, "MALFORMED_QUERY",
                       "a relationship subquery cannot be used in an aggregate query")
    if q.having is not None and not grouped:
        raise ApiError(400, "MALFORMED_QUERY", "HAVING needs GROUP BY or an aggregate")
    if not grouped and any(isinstance(f, DateFn) for f in q.fields):
        raise ApiError(400, "MALFORMED_QUERY", "Date functions in SELECT need GROUP BY")
    children = [_child_select(emulator, od, sub) for sub in subqueries]
    records = _load(emulator, od, q.where, include_deleted, tooling)
    parents = _Parents(emulator)
    parents.load(records, (r.hops for r in resolved.values()))

    def operand_of(node: Any) -> Operand:
        return record_operand(node, resolved, parents)

    def semi(node: Compare, top: bool) -> set[str]:
        if not isinstance(node.path, Path):
            raise ApiError(400, "MALFORMED_QUERY",
                           f"Semi join sub-selects need an Id or reference field, not {node.path}")
        return _semi_values(emulator, resolved[node.path], node, top, text)

    if q.where is not None:
        keep = _compile(q.where, operand_of, semi)
        records = [rec for rec in records if keep(rec)]
    if count_all and not q.group:
        return q, list(q.fields), Result(od.name, records, True)
    if grouped:
        rows = _grouped(q, records, operand_of)
        return q, list(q.fields), Result(od.name, rows, False)
    for item in q.order:
        if isinstance(item.path, Aggregate):
            raise ApiError(400, "MALFORMED_QUERY", "ORDER BY an aggregate needs GROUP BY")
    _sort(records, q.order, operand_of)
    if q.offset:
        if q.offset > 2000:
            raise ApiError(400, "NUMBER_OUTSIDE_VALID_RANGE",
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


def _grouped(q: Query, records: list[dict[str, Any]], operand_of: OperandOf) -> list[dict[str, Any]]:
    """``AggregateResult`` rows: one per group (one in all without GROUP BY)."""
    for f in q.fields:
        if isinstance(f, (Path, DateFn)) and f not in q.group:
            raise ApiError(400, "MALFORMED_QUERY", f"Field must be grouped or aggregated: {f}")
    keys = [operand_of(g) for g in q.group]
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for rec in records:
        groups.setdefault(tuple(k.typed(rec) for k in keys), []).append(rec)
    if not q.group:
        groups = {(): records}
    aggregates = {f for f in q.fields if isinstance(f, Aggregate)}
    aggregates.update(_condition_aggregates(q.having))
    aggregates.update(o.path for o in q.order if isinstance(o.path, Aggregate))
    rows: list[dict[str, Any]] = []
    for members in groups.values():
        ctx: dict[Any, Any] = {}
        for g, k in zip(q.group, keys, strict=True):
            ctx[g] = (k.typed(members[0]), k.raw(members[0]))
        for agg in aggregates:
            if agg.arg is None:
                ctx[agg] = (len(members), len(members))
                continue
            arg = operand_of(agg.arg)
            aggregate_type(agg, arg.ftype)
            typed = [arg.typed(m) for m in members]
            raw = [arg.raw(m) for m in members]
            value = compute(agg, typed, raw)
            comparable = compute(agg, typed, typed) if agg.func in ("MAX", "MIN") else value
            ctx[agg] = (comparable, value)
        rows.append(ctx)

    def group_operand(node: Any) -> Operand:
        if isinstance(node, Aggregate):
            arg_type = operand_of(node.arg).ftype if node.arg is not None else None
            ftype = aggregate_type(node, arg_type)
        elif node in q.group:
            ftype = operand_of(node).ftype
        else:
            raise ApiError(400, "MALFORMED_QUERY", f"Field must be grouped or aggregated: {node}")
        return Operand(ftype, str(node), lambda ctx: ctx[node][0], lambda ctx: ctx[node][1])

    if q.having is not None:
        def no_semi(_: Compare, __: bool) -> set[str]:
            raise ApiError(400, "MALFORMED_QUERY", "HAVING cannot hold a semi-join")

        keep = _compile(q.having, group_operand, no_semi)
        rows = [r for r in rows if keep(r)]
    _sort(rows, q.order, group_operand)
    if q.offset:
        rows = rows[q.offset:]
    if q.limit is not None:
        rows = rows[: q.limit]
    out = []
    for ctx in rows:
        row: dict[str, Any] = {"attributes": {"type": "AggregateResult"}}
        counter = [0]
        for f in q.fields:
            value = ctx[f][1]
            if isinstance(value, date) and not isinstance(value, datetime):
                value = value.isoformat()
            row[output_name(f, counter)] = value
        out.append(row)
    return out


def _condition_aggregates(node: Any) -> Iterable[Aggregate]:
    stack = [node] if node is not None else []
    while stack:
        item = stack.pop()
        if isinstance(item, BoolOp):
            stack.extend(item.items)
        elif isinstance(item, Compare) and isinstance(item.path, Aggregate):
            yield item.path


def _attach_children(emulator: Emulator, records: list[dict[str, Any]],
                     shaped: list[dict[str, Any]], children: Sequence[ChildSelect],
                     version: str, include_deleted: bool) -> None:
    """Each parent row's child relationship subqueries: ``{totalSize, done, records}``,
    or ``null`` when it has no such child."""
    ids = {rec["Id"] for rec in records}
    for child in children:
        kids = [c for c in emulator.org.store.scan(child.od.name, include_deleted=include_deleted)
                if c.get(child.field) in ids]
        parents = _Parents(emulator)
        parents.load(kids, (r.hops for r in child.resolved.values()))

        def operand_of(node: Any, child: ChildSelect = child, parents: _Parents = parents) -> Operand:
            return record_operand(node, child.resolved, parents)

        if child.where is not None:
            def no_semi(_: Compare, __: bool) -> set[str]:
                raise ApiError(400, "MALFORMED_QUERY", SEMI_NESTED)

            keep = _compile(child.where, operand_of, no_semi)
            kids = [k for k in kids if keep(k)]
        _sort(kids, child.order, operand_of)
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
          parents: _Parents, version: str = "59.0", tooling: bool = False) -> dict[str, Any]:
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
            raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        return hit


def _batch_size(call: Call) -> int:
    options = call.headers.get("sforce-query-options", "")
    m = re.search(r"batchSize\s*=\s*(\d+)", options)
    return max(200, min(PAGE, int(m.group(1)))) if m else PAGE


def _page(call: Call, rows: list[dict[str, Any]], start: int, batch: int, cursor: str | None,
          total: int, endpoint: str) -> Response:
    page = rows[start: start + batch]
    body: dict[str, Any] = {"totalSize": total, "done": start + batch >= len(rows), "records": page}
    if not body["done"]:
        cursor = cursor or call.emulator.cursors.open(rows, batch)
        body["nextRecordsUrl"] = f"{call.prefix()}/{endpoint}/{cursor}-{start + batch}"
    return json_response(body)


def _run(call: Call, include_deleted: bool, tooling: bool = False) -> Response:
    text = call.query.get("q")
    if not text:
        raise ApiError(400, "MALFORMED_QUERY", "A query string has to be specified")
    result = execute(call.emulator, text, include_deleted=include_deleted,
                     version=call.version, tooling=tooling)[2]
    endpoint = "tooling/query" if tooling else "queryAll" if include_deleted else "query"
    if result.count_only:
        return json_response({"totalSize": len(result.records), "done": True, "records": []})
    return _page(call, result.records, 0, _batch_size(call), None, len(result.records), endpoint)


def run(call: Call) -> Response:
    """``GET /query?q=…``."""
    return _run(call, False)


def run_tooling(call: Call) -> Response:
    """``GET /tooling/query?q=…`` (CustomObject, CustomField)."""
    return _run(call, False, tooling=True)


def run_all(call: Call) -> Response:
    """``GET /queryAll?q=…`` (deleted records included)."""
    return _run(call, True)


def more(call: Call) -> Response:
    """``GET /query/{cursor}-{offset}``: the next page."""
    return _more(call, "query")


def more_all(call: Call) -> Response:
    """``GET /queryAll/{cursor}-{offset}``: the next page of a queryAll."""
    return _more(call, "queryAll")


def _more(call: Call, endpoint: str) -> Response:
    locator = call.params["locator"]
    cursor, _, offset = locator.rpartition("-")
    if not cursor or not offset.isdigit():
        raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    rows, batch = call.emulator.cursors.get(cursor)
    return _page(call, rows, int(offset), batch, cursor, len(rows), endpoint)
