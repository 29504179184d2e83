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

from attrs import frozen
from starlette.responses import Response

from crossmap.schema.values import parse_date, parse_datetime
from crossmap_salesforce.emulator.errors import ApiError
from crossmap_salesforce.emulator.http import Call, json_response
from crossmap_salesforce.emulator.ids import normalize
from crossmap_salesforce.emulator.orgdef import ObjectDef
from crossmap_salesforce.emulator.soql import BoolOp, Compare, Count, Literal, Path, Query, parse

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


def _paths(q: Query) -> Iterable[Path]:
    for item in q.fields:
        if isinstance(item, Path):
            yield item
        elif item.path is not None:
            yield item.path
    stack = [q.where] if q.where is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, BoolOp):
            stack.extend(node.items)
        elif isinstance(node, Compare):
            yield node.path
    for o in q.order:
        yield o.path


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


def _literal(r: Resolved, lit: Literal) -> Any:
    """A literal checked against the field's type, in comparable form."""
    if lit.kind == "null":
        return None
    ftype = r.ftype
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
                       f"value of filter criterion for field '{r.path}' must be of type "
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


def _compile(node: Any, resolved: dict[Path, Resolved], parents: _Parents) -> Any:
    """A predicate function for a WHERE tree."""
    if isinstance(node, BoolOp):
        parts = [_compile(n, resolved, parents) for n in node.items]
        if node.op == "and":
            return lambda rec: all(p(rec) for p in parts)
        if node.op == "or":
            return lambda rec: any(p(rec) for p in parts)
        inner = parts[0]
        return lambda rec: not inner(rec)
    assert isinstance(node, Compare)
    r = resolved[node.path]
    ftype = r.ftype
    op = node.op

    def get(rec: dict[str, Any]) -> Any:
        return _typed(ftype, parents.walk(rec, r))

    if op == "like":
        if ftype not in _QUOTED or node.values[0].kind != "string":
            raise ApiError(400, "INVALID_QUERY_FILTER_OPERATOR",
                           f"invalid operator on field '{r.path}': LIKE needs a text field")
        rx = _like(str(node.values[0].value))
        return lambda rec: (v := parents.walk(rec, r)) is not None and rx.fullmatch(str(v)) is not None
    values = [_literal(r, v) for v in node.values]
    if op in ("in", "notin"):
        members = {v for v in values if not isinstance(v, tuple)}
        if op == "in":
            return lambda rec: get(rec) in members
        return lambda rec: get(rec) not in members
    target = values[0]
    if isinstance(target, tuple):
        return lambda rec: (v := get(rec)) is not None and _in_range(v, target, op)
    if target is None:
        if op == "=":
            return lambda rec: get(rec) is None
        if op == "!=":
            return lambda rec: get(rec) is not None
        return lambda rec: False
    if ftype == "datetime" and isinstance(target, datetime) is False and isinstance(target, date):
        target = datetime(target.year, target.month, target.day, tzinfo=UTC)
    compare: Callable[[Any, Any], bool] = _OPERATORS[op]
    if op == "!=":
        return lambda rec: (v := get(rec)) is None or compare(v, target)
    return lambda rec: (v := get(rec)) is not None and compare(v, target)


def _ids_wanted(where: Any) -> set[str] | None:
    """The Ids a WHERE clause restricts the query to, when a top-level conjunct is
    ``Id = '…'`` or ``Id IN (…)``; ``None`` when it does not (scan everything). The
    full predicate still runs on the records read."""
    if isinstance(where, Compare) and where.path.parts == ("Id",) and where.op in ("=", "in"):
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


def execute(
    emulator: Emulator, text: str, *, include_deleted: bool = False, version: str = "59.0",
    tooling: bool = False,
) -> tuple[Query, list[Resolved | Count], Result]:
    """Run a SOQL query (on the Tooling objects with ``tooling``); returns the parsed
    query, its resolved select list and rows."""
    org = emulator.org
    q = parse(text, today=org.now().date())
    od = _tooling_object(q.object) if tooling else org.definition.find(q.object)
    if od is None:
        raise ApiError(400, "INVALID_TYPE",
                       f"\n{text}\nsObject type '{q.object}' is not supported. If you are "
                       "attempting to use a custom object, be sure to append the '__c' after "
                       "the entity name. Please reference your WSDL or the describe call for the "
                       "appropriate names.")
    resolved = {p: resolve(emulator, od, p) for p in _paths(q)}
    counts = [f for f in q.fields if isinstance(f, Count)]
    if counts and len(q.fields) > 1 and any(c.path is None for c in counts):
        raise ApiError(400, "MALFORMED_QUERY", "COUNT() cannot be used with other fields")
    wanted = _ids_wanted(q.where)
    if tooling:
        from crossmap_salesforce.emulator.tooling import tooling_rows

        records = tooling_rows(org, od.name)
    elif wanted is None:
        records = list(org.store.scan(od.name, include_deleted=include_deleted))
    else:
        # WHERE Id = … / Id IN (…): read those records, not the whole object.
        found = org.store.get_many(wanted)
        records = [data for rid, (obj, deleted, data) in sorted(found.items())
                   if obj == od.name and (include_deleted or not deleted)]
    parents = _Parents(emulator)
    parents.load(records, (r.hops for r in resolved.values()))
    if q.where is not None:
        predicate = _compile(q.where, resolved, parents)
        records = [rec for rec in records if predicate(rec)]
    for item in reversed(q.order):
        r = resolved[item.path]
        null_rank = (0 if item.nulls_last else 1) if item.descending else (1 if item.nulls_last else 0)

        def key(rec: dict[str, Any], r: Resolved = r, null_rank: int = null_rank) -> Any:
            v = _typed(r.ftype, parents.walk(rec, r))
            return (null_rank, "") if v is None else (1 - null_rank, v)

        records.sort(key=key, reverse=item.descending)
    if q.offset:
        if q.offset > 2000:
            raise ApiError(400, "NUMBER_OUTSIDE_VALID_RANGE",
                           "Maximum SOQL offset allowed is 2000")
        records = records[q.offset:]
    if q.limit is not None:
        records = records[: q.limit]
    select: list[Resolved | Count] = [
        f if isinstance(f, Count) else resolved[f] for f in q.fields
    ]
    if counts:
        return q, select, Result(od.name, records, True)
    shaped = [shape(emulator, od, rec, select, parents, version, tooling)
              for rec in records]
    return q, select, Result(od.name, shaped, False)


def shape(emulator: Emulator, od: ObjectDef, rec: dict[str, Any], select: Sequence[Resolved | Count],
          parents: _Parents, version: str = "59.0", tooling: bool = False) -> dict[str, Any]:
    """A query row in the REST shape: ``attributes`` and nested parent objects."""
    area = "tooling/sobjects" if tooling else "sobjects"
    out: dict[str, Any] = {"attributes": {"type": od.name,
                                          "url": f"/services/data/v{version}/{area}/{od.name}/{rec['Id']}"}}
    definition = emulator.org.definition
    for r in select:
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


def flat_row(rec: dict[str, Any], select: Sequence[Resolved | Count]) -> list[Any]:
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
    if call.query.get("columns") == "true":
        from crossmap_salesforce.emulator import columns

        return json_response(columns.metadata(call.emulator, text))
    _, select, result = execute(call.emulator, text, include_deleted=include_deleted,
                                version=call.version, tooling=tooling)
    endpoint = "tooling/query" if tooling else "queryAll" if include_deleted else "query"
    if result.count_only:
        counts = [s for s in select if isinstance(s, Count)]
        if len(counts) == 1 and counts[0].path is None:
            return json_response({"totalSize": len(result.records), "done": True, "records": []})
        row: dict[str, Any] = {"attributes": {"type": "AggregateResult"}}
        for n, c in enumerate(counts):
            row[c.alias or f"expr{n}"] = len(result.records)
        return json_response({"totalSize": 1, "done": True, "records": [row]})
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
