"""Random, well-typed migrations for the differential tests (imported by
``test_random_specs.py``): a source schema, a destination schema and a spec over
them, drawn by Hypothesis, plus source records for them.

The source: objects ``src0`` (always) and ``src1`` (sometimes), each keyed by a
non-null ``id``, with fields of every scalar type (nullable or not), a nested list
of records (``items``, elements of ``item``), and an untyped list of strings
(``tags``, as a schema inferred from a sample types it). The spec: one mapping per
source object, a fan-out over ``items`` and one over ``tags``; each destination
field's value is a random typed expression over the fields in scope (every form:
literals, operators, ``??``, ``if``, calls, value maps, ``let``, a ``def``, lookups
with each policy, a self lookup and a cycle between two mappings, ``filter``/
``any``/``all``, ``on_error``), plus ``skip when`` and ``fail when`` rules. The destination fields are made to fit the expressions, so a
spec that does not compile is a bug of the compiler (or of this generator).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from attrs import frozen
from hypothesis import strategies as st

from crossmap import schema as s

KINDS = ("string", "integer", "decimal", "boolean", "date", "datetime")
ID = s.FieldSchema("Id", s.Id(), nullable=False, createable=False, updateable=False, defaulted_on_create=True)
KEYS = ("k1", "k2", "k3")
"""Source keys records use (and refer to one another by)."""

ENUM = ("open", "closed", "Pending é")

_FIELD_TYPES: dict[str, list[s.FieldType]] = {
    "string": [s.String(12), s.String(), s.Text(), s.Enum(ENUM, restricted=True), s.Enum(ENUM, restricted=False),
               s.String(12, "email"), s.Reference(("src0",)), s.Id()],
    "integer": [s.Integer()],
    "decimal": [s.Decimal(10, 2), s.Decimal()],
    "boolean": [s.Boolean()],
    "date": [s.Date()],
    "datetime": [s.DateTime()],
}
# Limits a value may break at run time (a long string, a decimal with too many
# digits): the destination then refuses the row, and the record fails with its reason.
_DESTINATION_TYPES: dict[str, list[s.FieldType]] = {
    "string": [s.Text(), s.String(40)], "integer": [s.Integer()], "decimal": [s.Decimal(), s.Decimal(8, 2)],
    "boolean": [s.Boolean()], "date": [s.Date()], "datetime": [s.DateTime()],
}


@frozen
class Migration:
    """A drawn migration: its schemas and spec text."""

    source: s.Schema
    target: s.Schema
    spec: str


def _kind_of(field_type: s.FieldType) -> str:
    for kind, types in _FIELD_TYPES.items():
        if field_type in types:
            return kind
    raise AssertionError(field_type)


class _Scope:
    """Names of each kind an expression may read."""

    def __init__(self, fields: dict[str, list[str]], depth_budget: int = 3) -> None:
        self.fields = fields
        self.depth_budget = depth_budget


_LITERALS: dict[str, st.SearchStrategy[str]] = {
    "string": st.sampled_from(['"a"', '""', '"  x "', '"open"', '"é😀"', '"%s"']),
    "integer": st.sampled_from(["0", "1", "7", "1700000000"]),
    "decimal": st.sampled_from(["0.5", "2.25", "100.00"]),
    "boolean": st.sampled_from(["true", "false"]),
    "date": st.sampled_from(["@2024-02-29", "@1970-01-01"]),
    "datetime": st.sampled_from(["@2025-01-02T03:04:05Z", "@2000-01-01T00:00:00+02:00"]),
}


def expression(draw: st.DrawFn, kind: str, scope: _Scope, depth: int = 0) -> str:
    """A random expression of ``kind`` over ``scope``'s names."""
    names = scope.fields.get(kind, [])
    if depth >= scope.depth_budget or draw(st.integers(0, 3)) == 0:
        if names and draw(st.booleans()):
            return draw(st.sampled_from(names))
        return draw(_LITERALS[kind])

    def sub(k: str) -> str:
        return expression(draw, k, scope, depth + 1)

    forms = _FORMS[kind]
    return "(" + forms[draw(st.integers(0, len(forms) - 1))](sub, draw, scope) + ")"


def _list_test(draw: st.DrawFn, scope: _Scope) -> str:
    """A condition on an element ``e`` of ``items``."""
    return draw(st.sampled_from([
        "e.n > 1", "e.label == null", "e.label != \"a\" and e.n != null", "not (e.flag ?? false)",
    ]))


_FORMS: dict[str, list[Any]] = {
    "string": [
        lambda sub, draw, scope: f"{sub('string')} + {sub('string')}",
        lambda sub, draw, scope: f"trim({sub('string')})",
        lambda sub, draw, scope: f"{sub('string')} | upper",
        lambda sub, draw, scope: f"truncate({sub('string')}, {draw(st.integers(0, 5))})",
        lambda sub, draw, scope: f"to_string({sub(draw(st.sampled_from(['integer', 'decimal', 'boolean'])))})",
        lambda sub, draw, scope: f"({sub('string')} ?? {sub('string')})",
        lambda sub, draw, scope: f"(if {sub('boolean')} then {sub('string')} else {sub('string')})",
        # `+ ""` forgets which values a string can take: a map that errors on other
        # inputs is then legal (a literal it does not list is XM223).
        lambda sub, draw, scope: f"({sub('string')} + \"\") | {draw(st.sampled_from(['vm_error', 'vm_keep', 'vm_default']))}",
        lambda sub, draw, scope: f"shout({sub('string')})",
        lambda sub, draw, scope: f"format_date({sub('date')}, \"%Y-%m-%d\")",
        lambda sub, draw, scope: f"nonblank({sub('string')}) ?? \"(blank)\"",
        lambda sub, draw, scope: "first(pluck(filter(items, e -> " + _list_test(draw, scope) + "), \"label\")) ?? \"-\"",
    ],
    "integer": [
        lambda sub, draw, scope: f"{sub('integer')} + {sub('integer')}",
        lambda sub, draw, scope: f"{sub('integer')} * {sub('integer')}",
        lambda sub, draw, scope: f"{sub('integer')} % {sub('integer')}",
        lambda sub, draw, scope: f"-{sub('integer')}",
        lambda sub, draw, scope: f"length({sub('string')})",
        lambda sub, draw, scope: "count(items)",
        lambda sub, draw, scope: "count(filter(items, e -> " + _list_test(draw, scope) + "))",
        lambda sub, draw, scope: f"({sub('integer')} ?? 0)",
        lambda sub, draw, scope: f"to_integer({sub('string')}, on_error: null)",
    ],
    "decimal": [
        lambda sub, draw, scope: f"{sub('decimal')} / {sub('integer')}",
        lambda sub, draw, scope: f"round({sub('decimal')}, 1)",
        lambda sub, draw, scope: f"to_decimal({sub('integer')})",
        lambda sub, draw, scope: f"{sub('decimal')} - {sub('decimal')}",
        lambda sub, draw, scope: f"to_decimal({sub('string')}, on_error: 0.5)",
    ],
    "boolean": [
        lambda sub, draw, scope: f"{sub('string')} == {sub('string')}",
        lambda sub, draw, scope: f"{sub('integer')} < {sub('integer')}",
        lambda sub, draw, scope: f"not {sub('boolean')}",
        lambda sub, draw, scope: f"({sub('boolean')} and {sub('boolean')})",
        lambda sub, draw, scope: f"({sub('boolean')} or {sub('boolean')})",
        lambda sub, draw, scope: f"{sub('string')} in [\"open\", \"a\"]",
        lambda sub, draw, scope: f"{sub('date')} == null",
        lambda sub, draw, scope: "any(items, e -> " + _list_test(draw, scope) + ")",
        lambda sub, draw, scope: "all(items, e -> " + _list_test(draw, scope) + ")",
    ],
    "date": [
        lambda sub, draw, scope: f"date_of({sub('datetime')})",
        lambda sub, draw, scope: f"to_date({sub('string')}, \"%Y-%m-%d\", on_error: null)",
        lambda sub, draw, scope: f"add_days({sub('date')}, {sub('integer')})",
        lambda sub, draw, scope: f"to_date_in({sub('string')}, [\"%d/%m/%Y\", \"iso8601\"], on_error: @2000-01-01)",
    ],
    "datetime": [
        lambda sub, draw, scope: f"from_epoch_seconds({sub('integer')})",
        lambda sub, draw, scope: f"from_epoch_millis({sub('decimal')})",
        lambda sub, draw, scope: f"to_datetime_in({sub('string')}, [\"iso8601\", \"%Y-%m-%d %H:%M\"], on_error: null)",
        lambda sub, draw, scope: f"({sub('datetime')} ?? @2025-01-02T03:04:05Z)",
    ],
}

PRELUDE = """source src
target dst

valuemap vm_error {
  "open"      -> "Open"
  "closed"    -> "Closed"
  "Pending é" -> "Pending"
  else error
}

valuemap vm_keep {
  "a" -> "A"
  else keep
}

valuemap vm_default {
  "open" -> "Open"
  null   -> "Nobody"
  else "Other"
}

def shout(value) { if value == null then "?" else upper(value) + "!" }
"""


@st.composite
def migrations(draw: st.DrawFn) -> Migration:
    """A random migration that compiles."""
    objects = ["src0", *(["src1"] if draw(st.booleans()) else [])]
    source_objects: list[s.ObjectSchema] = []
    scopes: dict[str, _Scope] = {}
    for name in objects:
        fields = [s.FieldSchema("id", s.String(20), nullable=False)]
        by_kind: dict[str, list[str]] = {}
        for i in range(draw(st.integers(1, 6))):
            kind = draw(st.sampled_from(KINDS))
            field_type = draw(st.sampled_from(_FIELD_TYPES[kind]))
            field_name = f"f{i}_{kind}"
            fields.append(s.FieldSchema(field_name, field_type, nullable=draw(st.booleans())))
            by_kind.setdefault(kind, []).append(field_name)
        fields.append(s.FieldSchema("items", s.ListOf("item"), nullable=draw(st.booleans())))
        # Read by no expression: records carry it, and nothing may trip on it. (Not a
        # Blob: the engine reads every record's file content before the transform,
        # and a folder or memory source refuses a record whose file is null, which
        # stops the run; left to the engine's owners, see issue 21's report.)
        fields.append(s.FieldSchema("opens_at", s.Time()))
        fields.append(s.FieldSchema("tags", s.Any()))
        if name == "src1":
            fields.append(s.FieldSchema("parent_id", s.String(20)))
        source_objects.append(s.ObjectSchema(name, fields, key="id"))
        scopes[name] = _Scope(by_kind)
    source_objects.append(s.ObjectSchema("item", [
        s.FieldSchema("n", s.Integer(), nullable=draw(st.booleans())),
        s.FieldSchema("label", s.String(10)), s.FieldSchema("flag", s.Boolean()),
    ]))
    source = s.Schema(source_objects)

    blocks: list[str] = []
    targets: list[s.ObjectSchema] = []

    def block(name: str, header: str, scope: _Scope, extra: list[tuple[str, str, str]]) -> None:
        """One map block into destination ``name``: lets, rules, then assignments."""
        lines: list[str] = []
        fields: list[s.FieldSchema] = [ID]
        scope = _Scope({k: list(v) for k, v in scope.fields.items()}, scope.depth_budget)
        for i in range(draw(st.integers(0, 2))):
            kind = draw(st.sampled_from(KINDS))
            lines.append(f"  let v{i} = {expression(draw, kind, scope)}")
            scope.fields.setdefault(kind, []).append(f"v{i}")
        if draw(st.booleans()):
            lines.append(f"  skip when {expression(draw, 'boolean', scope)}")
        if draw(st.integers(0, 3)) == 0:
            lines.append(f"  fail when {expression(draw, 'boolean', scope)} because \"a rule\"")
        assignments = [(f"F{i}", kind, expression(draw, kind, scope))
                       for i, kind in enumerate(draw(st.lists(st.sampled_from(KINDS), min_size=1, max_size=5)))]
        for field_name, kind, value in [*assignments, *extra]:
            lines.append(f"  {field_name} = {value}")
            target_type = s.Reference((value.split("lookup(")[1].split(",")[0].replace("src", "T"),)) \
                if kind == "id" else draw(st.sampled_from(_DESTINATION_TYPES[kind]))
            fields.append(s.FieldSchema(field_name, target_type))
        blocks.append(f"map {header} -> {name} {{\n" + "\n".join(lines) + "\n}\n")
        targets.append(s.ObjectSchema(name, fields, key="Id"))

    for name in objects:
        extra: list[tuple[str, str, str]] = []
        if name == "src1":
            missing = draw(st.sampled_from(["null", "fail", "defer"]))
            extra.append(("Parent", "id", f"lookup(src0, parent_id) missing {missing}"))
        elif draw(st.booleans()):  # a self lookup: deferred to the update pass
            extra.append(("Self", "id", "lookup(src0, tags[0]) missing null"))
        if name == "src0" and "src1" in objects and draw(st.booleans()):
            # src1 looks src0 up: this closes a cycle, deferred whatever the policy.
            missing = draw(st.sampled_from(["null", "fail", "defer"]))
            extra.append(("Child", "id", f"lookup(src1, tags[1]) missing {missing}"))
        block(name.replace("src", "T"), name, scopes[name], extra)
    # A fan-out over a nested list of records, and one over a list of strings.
    element_scope = _Scope({**scopes["src0"].fields, "integer": [*scopes["src0"].fields.get("integer", []), "it.n"],
                            "string": [*scopes["src0"].fields.get("string", []), "it.label", "src0.id"]})
    block("T2", "src0.items as it", element_scope, [("Owner", "id", "lookup(src0, id) missing fail")])
    blocks[-1] = blocks[-1].replace("{\n", "{\n  key id + \":\" + to_string(it.n)\n", 1)
    tag_scope = _Scope({**scopes["src0"].fields, "string": [*scopes["src0"].fields.get("string", []), "to_string(tag)"]})
    block("T3", "src0.tags as tag", tag_scope, [])
    blocks[-1] = blocks[-1].replace("{\n", "{\n  key id + \"#\" + to_string(tag)\n", 1)
    spec = PRELUDE + "\n" + "\n".join(blocks)
    return Migration(source, s.Schema(targets), spec)


# ---- records --------------------------------------------------------------------------------

_HOSTILE = ("", " ", "open", "closed", "Pending é", "a", "2024-02-29", "29/02/2024", "1700000000", "12.5",
            "\x00", "\u202e", "😀", "e\u0301", "2025-01-02 03:04", "2025-01-02T03:04:05+05:30", "NaN")


def _value(field_type: s.FieldType, source: s.Schema, depth: int) -> st.SearchStrategy[Any]:
    match field_type:
        case s.String() | s.Text() | s.Enum() | s.Reference() | s.Id():
            return st.sampled_from(_HOSTILE) | st.text(max_size=14)
        case s.Integer():
            return st.sampled_from([0, 1, -1, 2**31, -(2**63), 10**15]) | st.integers(-(10**6), 10**6)
        case s.Decimal():
            return st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-(10**12), max_value=10**12)
        case s.Boolean():
            return st.booleans()
        case s.Date():
            return st.sampled_from([dt.date(1, 1, 1), dt.date(9999, 12, 31)]) | st.dates()
        case s.DateTime():
            return st.datetimes(dt.datetime(1900, 1, 1), dt.datetime(2200, 1, 1), timezones=st.just(dt.UTC))
        case s.Time():
            return st.times()
        case s.Blob():
            return st.binary(max_size=8)
        case s.ListOf(object=name):
            element = records(source.object(name), source, depth + 1) | st.none()
            return st.lists(element, max_size=3) if depth < 2 else st.just([])
        case s.Any():
            return st.lists(st.sampled_from(KEYS) | st.text(max_size=5) | st.none() | st.integers(0, 3), max_size=3)
        case _:
            return st.sampled_from(KEYS)


def records(obj: s.ObjectSchema, source: s.Schema, depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    """Records of ``obj``: a value, a null or nothing for every field; a null now
    and then even where the schema says there is none (as an inferred schema's
    records have), except the key."""

    @st.composite
    def record(draw: st.DrawFn) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for field in obj:
            if field.name == "id":
                out["id"] = draw(st.sampled_from(KEYS))
                continue
            shape = draw(st.sampled_from(("value",) * 4 + ("null", "missing") if field.nullable
                                         else ("value",) * 9 + ("null",)))
            if shape == "value":
                out[field.name] = draw(_value(field.type, source, depth))
            elif shape == "null":
                out[field.name] = None
        if "parent_id" in obj.fields:
            out["parent_id"] = draw(st.sampled_from((*KEYS, None, "k404")))
        return out

    return record()


def datasets(source: s.Schema) -> st.SearchStrategy[dict[str, list[dict[str, Any]]]]:
    """Records of every top-level object, with distinct keys."""
    names = [name for name in source.objects if name.startswith("src")]
    return st.fixed_dictionaries({
        name: st.lists(records(source.object(name), source), max_size=3, unique_by=lambda r: r["id"])
        for name in names
    })


__all__ = ["KEYS", "Decimal", "Migration", "datasets", "migrations", "records"]
