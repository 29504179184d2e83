"""Generated code and the reference evaluator agree, record for record.

For every step of the flagship spec (and of a small spec using every expression
form), Hypothesis draws source records from the source schema — values of each
field's type, nulls, missing keys, hostile strings, values outside enums, nested
lists for fan-out steps — and a crosswalk with some keys present and some absent;
``StepProgram.run`` and ``reference.evaluate_record`` must give the same results, or
escape with the same error.

The ``test_evident_*`` tests at the end hold the generated code to the semantics the
language promises where it is known to fall short; their assertion messages say what
is wrong (they fail until the code generator is fixed).
"""

from __future__ import annotations

import datetime as dt
import traceback
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crossmap import schema as s
from crossmap.codegen import Failed, MemoryLookups, Program, Result, Row, Skipped, generate
from crossmap.codegen.reference import (
    evaluate_record,
    evaluate_resolution_key,
    evaluate_step,
    resolution_target_key,
)
from crossmap.compiler import Plan, compile
from crossmap.connectors import static_schema
from crossmap.functions import FunctionContext, registry

ROOT = Path(__file__).resolve().parents[2]
FLAGSHIP = ROOT / "specs" / "qdispatch_to_salesforce.xmap"
CONTEXT = FunctionContext.fixed(dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.UTC), default_tz="Europe/Paris")

KEYS = ("k1", "k2", "k3", "k4")
"""Source keys records refer to; each example loads a random subset of them."""

HOSTILE = (
    "", " ", "  padded  ", "\t\n", "\x00", "NULL", "null", "None", "'; DROP TABLE x; --",
    "\u202eevil", "ＡＢＣ", "e\u0301", "😀" * 3, "%s%n{0}", "a" * 300, "Completed ", "COMPLETED",
)
"""Strings that break naive code: blanks, control characters, bidi, wide and combining
characters, format strings, near-miss enum values, over-long text."""

ZONES = (dt.UTC, dt.timezone(dt.timedelta(hours=-5)), dt.timezone(dt.timedelta(hours=5, minutes=30)))


# ---- strategies from a source schema ------------------------------------------------------


def _text(max_length: int | None) -> st.SearchStrategy[str]:
    limit = min(max_length or 60, 60) + 4  # sometimes longer than the field allows
    return st.one_of(st.text(max_size=limit), st.sampled_from(HOSTILE), st.sampled_from(KEYS))


def _datetimes() -> st.SearchStrategy[dt.datetime]:
    return st.datetimes(
        min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 1, 1),
        timezones=st.sampled_from(ZONES) | st.none(),  # type: ignore[arg-type]
    )


def value_strategy(field_type: s.FieldType, source: s.Schema, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values of one field type, hostile ones included."""
    match field_type:
        case s.String(max_length=n) | s.Text(max_length=n):
            return _text(n)
        case s.Integer():
            return st.integers(-(2**40), 2**40)
        case s.Decimal():
            return st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-(10**9), max_value=10**9)
        case s.Boolean():
            return st.booleans()
        case s.Date():
            return st.dates(dt.date(1900, 1, 1), dt.date(2200, 1, 1))
        case s.DateTime():
            return _datetimes()
        case s.Time():
            return st.times()
        case s.Enum(values=values, multi=multi):
            member = (st.sampled_from(values) if values else st.nothing()) | st.sampled_from(HOSTILE)
            return st.lists(member, max_size=3) if multi else member
        case s.Reference() | s.Id():
            return st.sampled_from(KEYS) | st.sampled_from(HOSTILE[:3])
        case s.ListOf(object=name):
            if depth > 2:
                return st.just([])
            return st.lists(record_strategy(source.object(name), source, depth + 1), max_size=3)
        case s.Blob():
            return st.binary(max_size=16)
        case _:
            return st.none() | st.text(max_size=8) | st.integers()


def record_strategy(obj: s.ObjectSchema, source: s.Schema, depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    """Records of ``obj``: every field present, null or missing. Fields that may not
    be null are now and then null or missing too, as real exports are."""

    @st.composite
    def records(draw: st.DrawFn) -> dict[str, Any]:
        record: dict[str, Any] = {}
        for field in obj:
            weights = ("value", "value", "value", "null", "missing") if field.nullable else ("value",) * 12 + ("null", "missing")
            shape = draw(st.sampled_from(weights))
            if shape == "value":
                record[field.name] = draw(value_strategy(field.type, source, depth))
            elif shape == "null":
                record[field.name] = None
        return record

    return records()


def step_records(step_source: str, path: tuple[str, ...], source: s.Schema) -> st.SearchStrategy[dict[str, Any]]:
    """Source records for a step; for a fan-out, ones whose nested list has elements
    (empty, null and missing lists still come from ``record_strategy`` elsewhere)."""
    obj = source.object(step_source)
    records = record_strategy(obj, source)
    if len(path) != 1:
        return records
    field_type = obj.fields[path[0]].type
    assert isinstance(field_type, s.ListOf)
    element = record_strategy(source.object(field_type.object), source, 1)
    # A non-record element fails on both sides; one now and then keeps them honest.
    items = st.lists(element | st.just("not a record"), min_size=1, max_size=4)
    return st.one_of(records, st.tuples(records, items).map(lambda pair: {**pair[0], path[0]: pair[1]}))


def lookup_contents(plan: Plan) -> st.SearchStrategy[tuple[dict[str, dict[object, str]], dict[str, str]]]:
    """Crosswalk contents: for each lookup target, a subset of ``KEYS``; fallbacks or not."""
    names = [step.name for step in plan.steps] + [r.name for r in plan.resolutions]

    def ids(name: str) -> st.SearchStrategy[dict[object, str]]:
        return st.sets(st.sampled_from(KEYS)).map(lambda keys: {k: f"<{name} {k}>" for k in sorted(keys)})

    subsets = st.fixed_dictionaries({name: ids(name) for name in names})
    fallbacks = st.fixed_dictionaries({
        r.name: st.sampled_from([f"<fallback of {r.name}>", None]) for r in plan.resolutions
    }).map(lambda found: {k: v for k, v in found.items() if v is not None})
    return st.tuples(subsets, fallbacks)


# ---- running both ---------------------------------------------------------------------------


def outcome(run: Callable[[], Iterable[object]]) -> str:
    """What running gives, as text: the results, or the error that escaped (``repr``
    so that decimals, datetimes and ``Deferred`` markers compare exactly)."""
    try:
        return repr(list(run()))
    except Exception as exc:  # noqa: BLE001 - an escaping error is an outcome to compare
        return f"raised {type(exc).__name__}: {exc}"


class Harness:
    """A plan, its generated program and the crosswalk both read (refilled per example)."""

    def __init__(self, plan: Plan, functions: dict[str, Callable[..., object]] | None = None) -> None:
        self.plan = plan
        self.functions = functions or dict(registry())
        self.lookups = MemoryLookups()
        self.program: Program = generate(plan, functions=self.functions, lookups=self.lookups, context=CONTEXT)

    def load(self, contents: tuple[dict[str, dict[object, str]], dict[str, str]]) -> None:
        ids, fallbacks = contents
        # Generated lookups bind each step's dict: refill the dicts, do not replace them.
        for table in self.lookups.ids.values():
            table.clear()
        for name, keys in ids.items():
            self.lookups.table(name).update(keys)
        self.lookups.fallbacks.clear()
        self.lookups.fallbacks.update(fallbacks)

    def agree(self, step_name: str, record: dict[str, Any]) -> None:
        step = self.plan.step(step_name)
        generated = outcome(lambda: self.program[step_name].run(record))
        reference = outcome(lambda: evaluate_record(
            self.plan, step, record, functions=self.functions, lookups=self.lookups, context=CONTEXT
        ))
        assert generated == reference, f"{step_name} on {record!r}"


def _flagship() -> tuple[Plan, s.Schema]:
    source = static_schema("source", "qdispatch")
    plan = compile(FLAGSHIP, source_schema=source, target_schema=static_schema("target", "salesforce"))
    return plan, source


FLAGSHIP_PLAN, QDISPATCH = _flagship()
FLAGSHIP_HARNESS = Harness(FLAGSHIP_PLAN)
AGREEMENT = settings(
    max_examples=60, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def test_every_flagship_step_is_covered() -> None:
    assert {step.name for step in FLAGSHIP_PLAN.steps} == set(STEP_NAMES)
    assert len(STEP_NAMES) >= 10


STEP_NAMES = [step.name for step in FLAGSHIP_PLAN.steps]


@pytest.mark.parametrize("step_name", STEP_NAMES)
def test_flagship_step_agrees_with_reference(step_name: str) -> None:
    step = FLAGSHIP_PLAN.step(step_name)
    records = step_records(step.source, step.path, QDISPATCH)

    @AGREEMENT
    @given(record=records, contents=lookup_contents(FLAGSHIP_PLAN))
    def check(record: dict[str, Any], contents: Any) -> None:
        FLAGSHIP_HARNESS.load(contents)
        FLAGSHIP_HARNESS.agree(step_name, record)

    check()


@pytest.mark.parametrize("name", [r.name for r in FLAGSHIP_PLAN.resolutions])
def test_flagship_resolution_keys_agree_with_reference(name: str) -> None:
    resolution = next(r for r in FLAGSHIP_PLAN.resolutions if r.name == name)
    compiled = FLAGSHIP_HARNESS.program.resolutions[name]
    records = record_strategy(QDISPATCH.object(resolution.source), QDISPATCH)

    @AGREEMENT
    @given(record=records, value=st.none() | _text(80))
    def check(record: dict[str, Any], value: str | None) -> None:
        assert outcome(lambda: [compiled.key(record)]) == outcome(
            lambda: [evaluate_resolution_key(FLAGSHIP_PLAN, resolution, record, context=CONTEXT)]
        )
        assert outcome(lambda: [compiled.target_key(value)]) == outcome(
            lambda: [resolution_target_key(resolution, value)]
        )

    check()
    assert evaluate_resolution_key(FLAGSHIP_PLAN, resolution, {"email": " Ada@Example.COM "}) == "ada@example.com"


def test_fan_out_gives_one_result_per_element() -> None:
    # Guards the agreement test against agreeing on nothing: fan-outs do produce rows.
    step = FLAGSHIP_PLAN.step("jobs.status_history->CaseComment")
    FLAGSHIP_HARNESS.load(({"jobs->Case": {"k1": "CASE1"}}, {}))
    record = {
        "id": "k1",
        "status_history": [
            {"status": "Assigned", "changed_at": dt.datetime(2025, 1, 2, 3, 4, tzinfo=dt.UTC)},
            {"status": None},
            "not a record",
        ],
    }
    results = list(evaluate_record(FLAGSHIP_PLAN, step, record, lookups=FLAGSHIP_HARNESS.lookups, context=CONTEXT))
    assert len(results) == 3  # one per element: the one that is not a record fails
    assert isinstance(results[2], Failed) and "is str 'not a record'" in results[2].reason
    assert results[0].values["CommentBody"] == "Status changed to Assigned at 2025-01-02 03:04 UTC"  # type: ignore[union-attr]
    assert results[0].key != results[1].key
    FLAGSHIP_HARNESS.agree(step.name, record)


# ---- every expression form ------------------------------------------------------------------

ID = s.FieldSchema("Id", s.Id(), nullable=False, createable=False, updateable=False, defaulted_on_create=True)
SMALL_SOURCE = s.Schema([
    s.ObjectSchema("people", [
        s.FieldSchema("id", s.String(20), nullable=False),
        s.FieldSchema("name", s.String(50)),
        s.FieldSchema("kind", s.Enum(("a", "b", "c"))),
        s.FieldSchema("born", s.String(12)),
        s.FieldSchema("score", s.Decimal(8, 2)),
        s.FieldSchema("visits", s.Integer()),
        s.FieldSchema("active", s.Boolean()),
        s.FieldSchema("boss_id", s.Reference(("people",))),
        s.FieldSchema("seen", s.DateTime()),
        s.FieldSchema("custom", s.Any()),
        s.FieldSchema("tags", s.ListOf("tags")),
    ], key="id"),
    s.ObjectSchema("tags", [s.FieldSchema("label", s.String(20)), s.FieldSchema("n", s.Integer())]),
])
SMALL_TARGET = s.Schema([
    s.ObjectSchema("Person", [
        ID,
        s.FieldSchema("Name", s.String(80), nullable=False),
        s.FieldSchema("Kind", s.String(20)),
        s.FieldSchema("Note", s.Text()),
        s.FieldSchema("Score", s.Decimal(16, 4)),
        s.FieldSchema("Flag", s.Boolean()),
        s.FieldSchema("Born", s.Date()),
        s.FieldSchema("Boss", s.Reference(("Person",))),
        s.FieldSchema("Count", s.Integer()),
    ], key="Id"),
    s.ObjectSchema("Tag", [ID, s.FieldSchema("Label", s.String(40)), s.FieldSchema("Person", s.Reference(("Person",)))], key="Id"),
])
SMALL_SPEC = '''source src
target dst

valuemap strict {
  "a" -> "Alpha"
  "b" -> "Beta"
  else error
}
valuemap loose {
  "a" -> "Alpha"
  else keep
}
valuemap fixed {
  "a" -> "Alpha"
  null -> "Nobody"
  else "Other"
}

def label_of(value) { if value == null then "?" else upper(value) }

map people -> Person {
  skip when kind == "c" and visits > 3 because "regulars of kind c"
  skip when not (active ?? true)
  let closed = kind in ["a", "b"]
  let ratio = score / visits
  let first = tags[0]
  Name  = (name | loose) ?? label_of(kind) ?? "?"
  Kind  = if closed then (name | strict) else (kind | fixed)
  Note  = (if ratio == null then null else to_string(ratio)) ?? (if visits >= 0 or score < 0 then "pos" else "neg")
  Score = -(score * 2 + visits % 7 - 1)
  Flag  = visits != null and (score <= 10 or not closed) or name not in [kind, "x"]
  Born  = to_date(born, "%Y-%m-%d", on_error: @1970-01-01)
  Boss  = lookup(people, boss_id) missing defer
  Count = length(join([name ?? "", kind ?? "", to_string(custom["x"] ?? "")], ",")) + length(tags[1]["label"] ?? "") + (first["n"] ?? 0)
}

map people.tags as tag -> Tag {
  key id + "/" + (tag.label ?? "-")
  Label  = truncate(tag.label + ":" + to_string(tag.n), 40)
  Person = lookup(people, id) missing fail
}
'''


SMALL_PLAN = compile(SMALL_SPEC, source_schema=SMALL_SOURCE, target_schema=SMALL_TARGET)
SMALL_HARNESS = Harness(SMALL_PLAN)


@pytest.mark.parametrize("step_name", [step.name for step in SMALL_PLAN.steps])
def test_every_expression_form_agrees_with_reference(step_name: str) -> None:
    step = SMALL_PLAN.step(step_name)
    records = step_records(step.source, step.path, SMALL_SOURCE)

    @AGREEMENT
    @given(record=records, contents=lookup_contents(SMALL_PLAN))
    def check(record: dict[str, Any], contents: Any) -> None:
        SMALL_HARNESS.load(contents)
        SMALL_HARNESS.agree(step_name, record)

    check()


def test_the_small_spec_reaches_every_outcome() -> None:
    # The agreement above only means something if these records take every path.
    SMALL_HARNESS.load(({"people->Person": {"k2": "P2"}}, {}))
    step = SMALL_PLAN.step("people->Person")

    def run(record: dict[str, Any]) -> Result:
        SMALL_HARNESS.agree(step.name, record)
        return evaluate_step(SMALL_PLAN, step, record, lookups=SMALL_HARNESS.lookups, context=CONTEXT)

    def row(record: dict[str, Any]) -> dict[str, Any]:
        result = run(record)
        assert isinstance(result, Row), result
        return result.values

    def failed(record: dict[str, Any]) -> Failed:
        result = run(record)
        assert isinstance(result, Failed), result
        return result

    def skipped(record: dict[str, Any]) -> str:
        result = run(record)
        assert isinstance(result, Skipped), result
        return result.reason

    full = {"id": "k1", "name": "a", "kind": "a", "score": Decimal("2.5"), "visits": 2, "boss_id": "k2",
            "born": "2001-02-03", "custom": {"x": 7}, "tags": [{"label": "t"}, {"label": "uv"}]}
    assert row(full) == {
        "Name": "Alpha", "Kind": "Alpha", "Note": "1.25", "Score": Decimal("-6.0"), "Flag": True,
        "Born": dt.date(2001, 2, 3), "Count": len("a,a,7") + 2,
    }  # Boss is a self lookup: filled in the deferred pass, not at load time
    divided = failed({"id": "k1", "kind": None, "born": "x", "visits": 0, "score": Decimal(1)})
    assert divided.field is None and divided.line == 25  # 1 / 0 in `let ratio`: no field
    nulls = row({"id": "k1", "kind": None, "born": "x"})
    assert nulls["Kind"] == "Nobody" and nulls["Born"] == dt.date(1970, 1, 1)
    assert nulls["Name"] == "?" and nulls["Note"] == "neg"  # null comparisons are false
    assert skipped({"id": "k1", "kind": "c", "visits": 4}) == "regulars of kind c"
    assert skipped({"id": "k1", "active": False}) == "skip when not (active ?? true)"
    assert row({"id": "k1", "kind": "c"})["Kind"] == "Other"
    missed = failed({"id": "k1", "kind": "a", "name": "zz"})
    assert (missed.field, missed.reason) == ("Kind", "'zz' is not in value map 'strict'")
    assert failed({"name": "x"}).reason.startswith("its key: ")


def test_deferred_pass_agrees_with_reference() -> None:
    # A self lookup is filled in a later update pass: both sides leave it out at load
    # time and compute it, alone, in the deferred pass.
    self_plan = compile(
        "source src\ntarget dst\nmap people -> Person {\n  Name = name ?? \"?\"\n"
        "  Boss = lookup(people, boss_id) missing defer\n}\n",
        source_schema=SMALL_SOURCE, target_schema=SMALL_TARGET,
    )
    assert self_plan.deferred == ("people->Person.Boss",)
    lookups = MemoryLookups({"people->Person": {"k1": "P1"}})
    program = generate(self_plan, lookups=lookups, context=CONTEXT)
    step = self_plan.step("people->Person")
    for record in ({"id": "k2", "boss_id": "k1"}, {"id": "k3", "boss_id": "k9"}, {"id": "k4"}):
        reference = evaluate_step(self_plan, step, record, lookups=lookups, context=CONTEXT, deferred=True)
        assert program["people->Person"].deferred is not None
        assert reference.values == program["people->Person"].deferred(record)  # type: ignore[union-attr]
        load_time = evaluate_step(self_plan, step, record, lookups=lookups, context=CONTEXT)
        assert load_time == program["people->Person"].apply(record)
        assert "Boss" not in load_time.values  # type: ignore[union-attr]


# ---- tracebacks point at the spec --------------------------------------------------------


def explode(value: str) -> str:
    """A user function with a bug (not a conversion failure)."""
    raise RuntimeError(f"user function bug on {value!r}")


def test_a_failing_transform_traceback_names_the_spec_line(tmp_path: Path) -> None:
    spec = tmp_path / "spec.xmap"
    spec.write_text(
        'source src\ntarget dst\n\nmap people -> Person {\n  Name = "x"\n  Note = explode(name)\n}\n',
        encoding="utf-8",
    )
    functions = {**registry(), "explode": explode}
    plan = compile(spec, source_schema=SMALL_SOURCE, target_schema=SMALL_TARGET, functions=functions)
    program = generate(plan, functions=functions, context=CONTEXT)
    with pytest.raises(RuntimeError) as caught:
        program["people->Person"].apply({"id": "p1", "name": "Ada"})
    text = "".join(traceback.format_exception(caught.value))
    assert f"{spec}:6" in text, text
    assert "'Note': " in text and "# " + f"{spec}:6" in text, text
    assert "user function bug on 'Ada'" in text
    # The reference evaluator lets the same bug escape rather than calling it a failure.
    with pytest.raises(RuntimeError, match="user function bug"):
        evaluate_step(plan, plan.step("people->Person"), {"id": "p1", "name": "Ada"}, functions=functions)


# ---- where the generated code falls short of the language's semantics ---------------------


def test_evident_reading_a_field_through_a_null_let_gives_null() -> None:
    plan = compile(
        "source src\ntarget dst\nmap people -> Person {\n  let first = tags[0]\n  Name = \"x\"\n"
        "  Note = first.label\n}\n",
        source_schema=SMALL_SOURCE, target_schema=SMALL_TARGET,
    )
    record = {"id": "p1", "tags": []}
    expected = evaluate_step(plan, plan.step("people->Person"), record)
    assert expected.values == {"Name": "x", "Note": None}  # type: ignore[union-attr]
    try:
        got: object = generate(plan)["people->Person"].apply(record)
    except AttributeError as exc:
        got = f"raised AttributeError: {exc}"
    assert got == expected, (
        "codegen bug (lower.py Emitter._field): a field read through a `let` local that is "
        "null must give null (ir.Field: 'Reading through a null gives null'), but the "
        "generated `v_first.get('label')` raises AttributeError, which escapes the batch"
    )


def test_evident_value_map_with_decimal_inputs_matches_decimals() -> None:
    plan = compile(
        "source src\ntarget dst\nvaluemap band {\n  1.5 -> \"Low\"\n  2 -> \"High\"\n  else error\n}\n"
        "map people -> Person {\n  Name = \"x\"\n  Kind = score | band\n}\n",
        source_schema=SMALL_SOURCE, target_schema=SMALL_TARGET,
    )
    got = generate(plan)["people->Person"].apply({"id": "p1", "score": Decimal("1.5")})
    assert got == evaluate_step(plan, plan.step("people->Person"), {"id": "p1", "score": Decimal("1.5")})
    assert getattr(got, "values", None) == {"Name": "x", "Kind": "Low"}, (
        "compiler bug (compile._value_map_plan/_json): value map entries are stored as JSON, "
        "so the decimal input 1.5 becomes the string '1.5' and never matches Decimal('1.5') "
        f"(date inputs and outputs become strings the same way); got {got}"
    )


def test_evident_to_string_of_null_is_null() -> None:
    plan = compile(
        "source src\ntarget dst\nmap people -> Person {\n  Name = \"x\"\n  Note = to_string(score)\n}\n",
        source_schema=SMALL_SOURCE, target_schema=SMALL_TARGET,
    )
    got = generate(plan)["people->Person"].apply({"id": "p1", "score": None})
    assert got == evaluate_step(plan, plan.step("people->Person"), {"id": "p1", "score": None})
    assert getattr(got, "values", None) == {"Name": "x", "Note": None}, (
        "compiler bug (compiler.types.from_python / expressions._call_function): a parameter "
        "hinted `object` maps to the nullable `any` type, so the call is not skipped for a null "
        "argument; crossmap.functions.admits_null says only `X | None` admits null, and "
        f"docs/functions.md says to_string is 'Null in, null out'; got {got}"
    )


def _generated(plan: Plan, record: dict[str, Any]) -> object:
    try:
        return generate(plan, context=CONTEXT)["people->Person"].apply(record)
    except Exception as exc:  # noqa: BLE001 - what escapes is the finding
        return f"raised {type(exc).__name__}: {exc}"


def test_evident_a_key_may_read_a_let() -> None:
    plan = compile(
        'source src\ntarget dst\nmap people -> Person {\n  let k = "p-" + id\n  key k\n  Name = k\n}\n',
        source_schema=SMALL_SOURCE, target_schema=SMALL_TARGET,
    )
    expected = evaluate_step(plan, plan.step("people->Person"), {"id": "1"}, context=CONTEXT)
    assert expected == Row("p-1", {"Name": "p-1"})
    got = _generated(plan, {"id": "1"})
    assert got == expected, (
        "codegen bug (lower.key_source): the key function does not compute the `let` "
        f"bindings its expression reads, so `key k` raises NameError; got {got}"
    )


def test_evident_a_skip_rule_may_read_a_let() -> None:
    plan = compile(
        'source src\ntarget dst\nmap people -> Person {\n  let regular = (visits ?? 0) > 3\n'
        '  skip when regular because "regulars"\n  Name = "x"\n}\n',
        source_schema=SMALL_SOURCE, target_schema=SMALL_TARGET,
    )
    expected = evaluate_step(plan, plan.step("people->Person"), {"id": "p1", "visits": 5}, context=CONTEXT)
    assert expected == Skipped("p1", "regulars", 5)
    got = _generated(plan, {"id": "p1", "visits": 5})
    assert got == expected, (
        "codegen bug (lower.step_source): skip rules are emitted before the `let` "
        f"bindings they read, so `skip when regular` raises UnboundLocalError; got {got}"
    )


def test_evident_a_skip_rule_that_fails_fails_the_record() -> None:
    plan = compile(
        'source src\ntarget dst\nmap people -> Person {\n'
        '  skip when to_integer(born) > 3 because "late"\n  Name = "x"\n}\n',
        source_schema=SMALL_SOURCE, target_schema=SMALL_TARGET,
    )
    record = {"id": "p1", "born": "soon"}
    expected = evaluate_step(plan, plan.step("people->Person"), record, context=CONTEXT)
    assert isinstance(expected, Failed) and (expected.field, expected.line) == (None, 4)
    got = _generated(plan, record)
    assert got == expected, (
        "codegen bug (lower.step_source): a `skip when` test is not inside the per-record "
        "failure handling, so a conversion failing in it escapes and aborts the batch "
        f"instead of failing the record (issue 3: 'it never aborts the batch'); got {got}"
    )
