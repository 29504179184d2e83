"""Found by the random-spec differential test (tests/property/test_random_specs.py):
the reference evaluator tested every rule before any ``let``, while the generated
code runs statements in spec order. Spec order is the semantics: a ``let`` that
fails above a rule fails the record there; a rule above a failing ``let`` wins."""

from __future__ import annotations

from compiler_schemas import build

from crossmap.codegen import Failed, generate
from crossmap.codegen.reference import evaluate_step


def test_statements_run_in_spec_order_in_both() -> None:
    plan = build('map people -> Person {\n  let broken = visits % 0\n  fail when true because "a rule"\n'
                 '  Name = "x"\n}\nmap people.tags as tag -> Tag {\n  key id + ":" + tag.label\n'
                 '  fail when true because "first"\n  let broken = tag.n % 0\n  Label = "x"\n}\n')
    person, tag = plan.step("people->Person"), plan.step("people.tags->Tag")
    program = generate(plan)
    record = {"id": "p1", "visits": 3, "tags": [{"label": "a", "n": 1}]}
    expected = Failed("people", "p1", None, 4, "integer modulo by zero")
    assert program[person.name].apply(record) == evaluate_step(plan, person, record) == expected
    element = record["tags"][0]  # type: ignore[index]
    expected = Failed("people", "p1:a", None, 10, "first")
    assert program[tag.name].apply(record, element) == evaluate_step(plan, tag, record, element) == expected


def test_a_key_computes_only_the_bindings_it_reads() -> None:
    plan = build('map people -> Person {\n  let broken = visits % 0\n  let k = "p:" + id\n  key k\n  Name = k\n}\n')
    step = plan.step("people->Person")
    record = {"id": "p1", "visits": 3}
    # The key does not read `broken`: the record has its key, and fails on line 4.
    expected = Failed("people", "p:p1", None, 4, "integer modulo by zero")
    assert generate(plan)[step.name].apply(record) == evaluate_step(plan, step, record) == expected
