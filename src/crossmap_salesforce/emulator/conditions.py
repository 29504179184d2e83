"""Field paths and conditions of a SOQL query: resolution against the org
definition, parent records loaded for relationship paths, typed comparable values,
and WHERE / HAVING trees compiled to predicates.

A predicate reads its operands through :class:`Operand` getters, so one compiler
serves records (``WHERE``) and aggregate groups (``HAVING``).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from attrs import frozen

from crossmap.schema.values import parse_date, parse_datetime
from crossmap_salesforce.emulator.aggregates import apply_date_fn, date_fn_type
from crossmap_salesforce.emulator.errors import OrgError
from crossmap_salesforce.emulator.ids import normalize
from crossmap_salesforce.emulator.orgdef import ObjectDef
from crossmap_salesforce.emulator.soql import (
    Aggregate,
    BoolOp,
    Compare,
    DateFn,
    Literal,
    OrderItem,
    Path,
    Query,
    SubQuery,
)

if TYPE_CHECKING:
    from crossmap_salesforce.emulator.server import Emulator

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


def invalid_field(name: str, entity: str) -> OrgError:
    return OrgError(400, "INVALID_FIELD", _NO_COLUMN.format(name=name, entity=entity))


def resolve(emulator: Emulator, od: ObjectDef, path: Path) -> Resolved:
    """Check ``path`` against ``od`` (and its parents)."""
    definition = emulator.org.definition
    current: list[ObjectDef] = [od]
    hops: list[tuple[str, str]] = []
    for part in path.parts[:-1]:
        ref = next((o.relationship(part) for o in current if o.relationship(part)), None)
        if ref is None:
            raise OrgError(400, "INVALID_FIELD",
                           f"Didn't understand relationship '{part}' in field path. If you are "
                           "attempting to use a custom relationship, be sure to append the '__r' "
                           "after the custom relationship name.")
        hops.append((ref["name"], ref["relationshipName"]))
        current = [t for t in (definition.find(n) for n in ref.get("referenceTo") or []) if t]
        if not current:
            raise invalid_field(str(path), od.name)
    last = path.parts[-1]
    for o in current:
        f = o.field(last)
        if f is not None:
            return Resolved(path, tuple(hops), f["name"], f["type"])
    raise invalid_field(str(path) if hops else last, current[0].name if current else od.name)


def condition_paths(node: Any) -> Iterable[Path]:
    """Paths a WHERE/HAVING tree reads (a semi-join's own fields are its object's)."""
    stack = [node] if node is not None else []
    while stack:
        item = stack.pop()
        if isinstance(item, BoolOp):
            stack.extend(item.items)
        elif isinstance(item, Compare):
            yield from operand_paths(item.path)


def operand_paths(node: Any) -> Iterable[Path]:
    if isinstance(node, Path):
        yield node
    elif isinstance(node, DateFn):
        yield node.path
    elif isinstance(node, Aggregate) and node.arg is not None:
        yield from operand_paths(node.arg)


def query_paths(q: Query) -> Iterable[Path]:
    for item in q.fields:
        if not isinstance(item, SubQuery):
            yield from operand_paths(item)
    yield from condition_paths(q.where)
    yield from condition_paths(q.having)
    for o in q.order:
        yield from operand_paths(o.path)
    for g in q.group:
        yield from operand_paths(g)


class Parents:
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


def typed_value(ftype: str, value: Any) -> Any:
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


QUOTED = {"string", "textarea", "picklist", "multipicklist", "email", "phone", "url", "combobox",
           "id", "reference", "encryptedstring", "base64", "time"}
NUMERIC_TYPES = {"int", "double", "currency", "percent"}


def literal_value(ftype: str, label: str, lit: Literal) -> Any:
    """A literal checked against the field's type, in comparable form."""
    if lit.kind == "null":
        return None
    type_name = {"datetime": "dateTime"}.get(ftype, ftype)
    ok = (
        (ftype in QUOTED and lit.kind == "string")
        or (ftype in NUMERIC_TYPES and lit.kind == "number")
        or (ftype == "boolean" and lit.kind == "boolean")
        or (ftype == "date" and lit.kind in ("date", "daterange"))
        or (ftype == "datetime" and lit.kind in ("datetime", "daterange"))
    )
    if not ok:
        quoted = "should be enclosed in quotes" if ftype in QUOTED else \
            "should not be enclosed in quotes"
        raise OrgError(400, "INVALID_FIELD",
                       f"value of filter criterion for field '{label}' must be of type "
                       f"{type_name} and {quoted}")
    if lit.kind == "daterange":
        return lit.value
    return typed_value(ftype, lit.value) if lit.kind == "string" else lit.value


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


def record_operand(node: Any, resolved: dict[Path, Resolved], parents: Parents) -> Operand:
    """How to read a path or a date function from one record."""
    if isinstance(node, DateFn):
        r = resolved[node.path]
        ftype = date_fn_type(node, r.ftype)

        def value(rec: Any, r: Resolved = r, func: str = node.func) -> Any:
            return apply_date_fn(func, typed_value(r.ftype, parents.walk(rec, r)))

        return Operand(ftype, str(node), value, value)
    if isinstance(node, Aggregate):
        raise OrgError(400, "MALFORMED_QUERY",
                       f"Aggregate {node} is only allowed in SELECT, ORDER BY and HAVING of "
                       "an aggregate query")
    r = resolved[node]
    return Operand(r.ftype, str(node), lambda rec: typed_value(r.ftype, parents.walk(rec, r)),
                   lambda rec: parents.walk(rec, r))


OperandOf = Callable[[Any], Operand]


def compile_condition(node: Any, operand_of: OperandOf, semi: Callable[[Compare, bool], set[str]],
             top: bool = True) -> Any:
    """A predicate function for a WHERE (or HAVING) tree."""
    if isinstance(node, BoolOp):
        nested = top and node.op == "and"
        parts = [compile_condition(n, operand_of, semi, nested) for n in node.items]
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
        if operand.ftype not in QUOTED or node.values[0].kind != "string":
            raise OrgError(400, "INVALID_QUERY_FILTER_OPERATOR",
                           f"invalid operator on field '{operand.label}': LIKE needs a text field")
        rx = _like(str(node.values[0].value))
        raw = operand.raw
        return lambda rec: (v := raw(rec)) is not None and rx.fullmatch(str(v)) is not None
    values = [literal_value(operand.ftype, operand.label, v) for v in node.values]
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


def ids_wanted(where: Any) -> set[str] | None:
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
            ids = ids_wanted(item)
            if ids is not None:
                return ids
    return None


def sort_rows(rows: list[Any], order: Sequence[OrderItem], operand_of: OperandOf) -> None:
    for item in reversed(order):
        operand = operand_of(item.path)
        null_rank = (0 if item.nulls_last else 1) if item.descending else (1 if item.nulls_last else 0)

        def key(row: Any, get: Getter = operand.typed, null_rank: int = null_rank) -> Any:
            v = get(row)
            return (null_rank, "") if v is None else (1 - null_rank, v)

        rows.sort(key=key, reverse=item.descending)


