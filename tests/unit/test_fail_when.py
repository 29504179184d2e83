"""``fail when COND because "reason"``: a record-level check that fails the record
with a reason while the run goes on — through every layer: parse, format, check,
generated code, the reference evaluator, spec tests and the plan's JSON."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crossmap import schema as s
from crossmap.codegen import Failed, Row, Skipped, generate
from crossmap.codegen.reference import evaluate_record, evaluate_step
from crossmap.compiler import FailRule, Plan, compile, compile_spec, plan_from_dict, plan_to_dict
from crossmap.connectors.builtin.memory import MemoryDestination, MemorySource
from crossmap.engine import Engine, RunOptions
from crossmap.errors import SpecError
from crossmap.functions import registry
from crossmap.spectest import run_spec_tests
from crossmap.state import StateStore
from crossmap.syntax import ast, format_spec, parse

ID = s.FieldSchema("Id", s.Id(), nullable=False, createable=False, updateable=False, defaulted_on_create=True)
SOURCE = s.Schema([
    s.ObjectSchema("items", [
        s.FieldSchema("id", s.String(20), nullable=False),
        s.FieldSchema("kind", s.String(20)),
        s.FieldSchema("rate", s.Numeric(10, 2)),
        s.FieldSchema("quantity", s.Numeric(10, 2)),
        s.FieldSchema("total", s.Numeric(12, 2)),
        s.FieldSchema("count", s.String(10)),
    ], key="id"),
])
TARGET = s.Schema([
    s.ObjectSchema("Line", [
        ID,
        s.FieldSchema("Kind", s.String(20)),
        s.FieldSchema("Total", s.Numeric(16, 2)),
    ], key="Id"),
])

SPEC = """source src
target dst

map items -> Line {
  skip when kind == "note" because "notes are not line items"
  let expected = round(rate * quantity, 2)
  fail when total != expected because "total is not rate × quantity"
  fail when to_integer(count) > 9
  Kind  = kind
  Total = total
}

test "a line item whose total is off fails" {
  given items {
    id: "i1"
    rate: 2.50
    quantity: 3.0
    total: 7.00
  }
  expect no Line
}

test "a good line item loads" {
  given items {
    id: "i2"
    rate: 2.50
    quantity: 3.0
    total: 7.50
  }
  expect Line {
    Total: 7.50
  }
}
"""


def _plan(text: str = SPEC) -> Plan:
    return compile(text, source_schema=SOURCE, target_schema=TARGET)


PLAN = _plan()
STEP = PLAN.step("items->Line")
PROGRAM = generate(PLAN)


def _both(record: dict[str, Any]) -> object:
    """The generated code's result, after checking the reference evaluator agrees."""
    generated = PROGRAM["items->Line"].apply(record)
    assert evaluate_step(PLAN, STEP, record) == generated
    return generated


# ---- syntax ------------------------------------------------------------------------------------


def test_parses_with_and_without_a_reason() -> None:
    spec = parse('map items -> Line {\n  fail when total < 0 because "negative"\n  fail when total == 0\n}\n')
    mapping = spec.items[0]
    assert isinstance(mapping, ast.Mapping)
    first, second = mapping.body
    assert isinstance(first, ast.FailWhen) and first.reason == "negative"
    assert isinstance(first.when, ast.Binary) and first.when.op == "<"
    assert isinstance(second, ast.FailWhen) and second.reason is None
    assert second.span.line == 3


def test_formats_canonically_and_idempotently() -> None:
    text = 'map items -> Line {\n  fail   when (total != rate*quantity)   because "off"\n  Total = total\n}\n'
    formatted = format_spec(text)
    assert formatted == 'map items -> Line {\n  fail when total != rate * quantity because "off"\n  Total = total\n}\n'
    assert format_spec(formatted) == formatted
    assert parse(formatted) == parse(text)


def test_a_field_called_fail_is_backquoted() -> None:
    text = "map items -> Line {\n  `fail` = true\n}\n"
    assert format_spec(text) == text
    with pytest.raises(SpecError, match="XM116"):
        parse("map items -> Line {\n  Kind = kind\n  fail = true\n}\n")


def test_fail_is_not_a_resolve_statement() -> None:
    with pytest.raises(SpecError, match="XM116.*'fail' is a keyword here"):
        parse('resolve items -> Line {\n  by id = Kind\n  fail when id == "x"\n}\n')


# ---- compiler ----------------------------------------------------------------------------------


def test_compiles_to_fail_rules_with_reasons_and_lines() -> None:
    assert STEP.fails == (
        FailRule(STEP.fails[0].when, "total is not rate × quantity", 7),
        FailRule(STEP.fails[1].when, "fail when to_integer(count) > 9", 8),
    )
    assert STEP.fails[0].when.type.kind == "boolean"
    assert [r.line for r in STEP.skips] == [5]


def test_the_condition_must_be_boolean() -> None:
    result = compile_spec(
        parse('source src\ntarget dst\nmap items -> Line {\n  fail when kind because "k"\n}\n'),
        source_schema=SOURCE, target_schema=TARGET, functions=registry(),
    )
    assert result.plan is None
    [diagnostic] = result.diagnostics
    assert diagnostic.code == "XM211"
    assert diagnostic.message == "`fail when` needs true or false, not string(20) or null"
    assert (diagnostic.span.line, diagnostic.span.column) == (4, 13)


def test_unknown_names_in_the_condition_are_reported() -> None:
    with pytest.raises(SpecError, match="XM205"):
        _plan('source src\ntarget dst\nmap items -> Line {\n  fail when totl > 1\n}\n')


def test_plan_json_round_trips_fail_rules() -> None:
    data = plan_to_dict(PLAN)
    step = next(st for st in data["steps"] if st["name"] == "items->Line")
    assert [rule["reason"] for rule in step["fails"]] == ["total is not rate × quantity", "fail when to_integer(count) > 9"]
    assert plan_from_dict(data) == PLAN


# ---- running ---------------------------------------------------------------------------------------


def test_a_record_the_rule_catches_fails_with_the_reason() -> None:
    result = _both({"id": "i1", "kind": "part", "rate": Decimal("2.50"), "quantity": Decimal(3),
                    "total": Decimal("7.00")})
    assert result == Failed("items", "i1", None, 7, "total is not rate × quantity")
    assert str(result) == "items 'i1' (spec line 7): total is not rate × quantity"


def test_a_record_the_rule_passes_loads() -> None:
    record = {"id": "i2", "kind": "part", "rate": Decimal("2.50"), "quantity": Decimal(3), "total": Decimal("7.50")}
    assert _both(record) == Row("i2", {"Kind": "part", "Total": Decimal("7.50")})


def test_a_null_condition_does_not_fail() -> None:
    # `expected` is null when rate is, and `null != null` is false: nothing fails.
    assert isinstance(_both({"id": "i3", "total": None, "rate": None, "quantity": None}), Row)
    # A comparison with a null operand is null, which does not fail the record.
    plan = _plan('source src\ntarget dst\nmap items -> Line {\n  fail when total > 100 because "too big"\n'
                 "  Total = total\n}\n")
    step = plan.step("items->Line")
    record = {"id": "i4", "total": None}
    assert generate(plan)["items->Line"].apply(record) == evaluate_step(plan, step, record) == Row("i4", {"Total": None})


def test_the_default_reason_is_the_rule_itself() -> None:
    result = _both({"id": "i5", "rate": Decimal(1), "quantity": Decimal(1), "total": Decimal(1), "count": "12"})
    assert result == Failed("items", "i5", None, 8, "fail when to_integer(count) > 9")


def test_a_rule_that_cannot_be_evaluated_fails_on_its_line() -> None:
    result = _both({"id": "i6", "rate": Decimal(1), "quantity": Decimal(1), "total": Decimal(1), "count": "many"})
    assert isinstance(result, Failed)
    assert (result.field, result.line) == (None, 8)
    assert "many" in result.reason


def test_an_earlier_skip_rule_wins() -> None:
    result = _both({"id": "i7", "kind": "note", "rate": Decimal(1), "quantity": Decimal(1), "total": Decimal(5)})
    assert result == Skipped("i7", "notes are not line items", 5)


def test_the_batch_goes_on_after_a_failed_record() -> None:
    records = [
        {"id": "a", "rate": Decimal(1), "quantity": Decimal(2), "total": Decimal(2)},
        {"id": "b", "rate": Decimal(1), "quantity": Decimal(2), "total": Decimal(3)},
        {"id": "c", "rate": Decimal(1), "quantity": Decimal(2), "total": Decimal(2)},
    ]
    rows, others = PROGRAM["items->Line"].run_batch(records)
    assert [key for key, _ in rows] == ["a", "c"]
    assert others == [Failed("items", "b", None, 7, "total is not rate × quantity")]


def test_generated_source_raises_the_rule_on_its_spec_line() -> None:
    source = PROGRAM["items->Line"].source
    assert "raise _FieldFailure(None, 7, 'total is not rate × quantity')" in source
    assert "# <string>:7" in source


def test_spec_tests_see_the_failure() -> None:
    first, second = run_spec_tests(PLAN, source_schema=SOURCE)
    assert first.passed and first.failed == (Failed("items", "i1", None, 7, "total is not rate × quantity"),)
    assert second.passed and second.failed == ()


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(
    record=st.fixed_dictionaries(
        {"id": st.sampled_from(["k1", "k2"])},
        optional={
            "kind": st.none() | st.sampled_from(["note", "part", ""]),
            "rate": st.none() | st.decimals(-100, 100, places=2),
            "quantity": st.none() | st.decimals(-100, 100, places=2),
            "total": st.none() | st.decimals(-1000, 1000, places=2),
            "count": st.none() | st.sampled_from(["1", "10", "x", " 9 ", ""]),
        },
    )
)
def test_generated_code_agrees_with_the_reference(record: dict[str, Any]) -> None:
    assert list(PROGRAM["items->Line"].run(record)) == list(evaluate_record(PLAN, STEP, record))


def test_the_engine_records_the_failure_and_loads_the_rest(tmp_path: Path) -> None:
    data = {"items": [
        {"id": "a", "kind": "part", "rate": Decimal(2), "quantity": Decimal(3), "total": Decimal(6)},
        {"id": "b", "kind": "part", "rate": Decimal(2), "quantity": Decimal(3), "total": Decimal(7)},
        {"id": "c", "kind": "note", "rate": Decimal(2), "quantity": Decimal(3), "total": Decimal(9)},
        {"id": "d", "kind": "part", "rate": Decimal(1), "quantity": Decimal(1), "total": Decimal(1)},
    ]}
    destination = MemoryDestination(TARGET)
    with StateStore.open(tmp_path / "state.db") as store:
        summary = Engine(PLAN, MemorySource(data, SOURCE), destination, store, RunOptions(batch_size=2)).run()
        assert summary.counts == {"items->Line": {"created": 2, "failed": 1, "skipped": 1}}
        failed = list(store.failures(summary.run.id, "items->Line"))
    assert [(o.key, o.field, o.line, o.reason, o.source_object) for o in failed] == [
        ("b", None, 7, "total is not rate × quantity", "items")
    ]
    assert sorted(r["Total"] for r in destination.records("Line")) == [Decimal(1), Decimal(6)]
