"""``run_batch`` on a fan-out step: the lean path gives what ``run`` gives, element by
element — rows, skips and failures alike, in order."""

from __future__ import annotations

import datetime as dt

from compiler_schemas import build

from crossmap.codegen import Failed, MemoryLookups, Row, Skipped, generate
from crossmap.functions import FunctionContext


def fan_out():  # type: ignore[no-untyped-def]
    plan = build(
        "map people.tags as tag -> Tag {\n"
        '  key id + "/" + (tag.label ?? "?")\n'
        "  skip when tag.n == 0\n"
        "  Label = tag.label | truncate(3)\n"
        "  Person = lookup(people, id) missing fail\n"
        "}\n"
        'map people -> Person {\n  Name = name ?? "?"\n}\n'
    )
    lookups = MemoryLookups({"people->Person": {"p1": "P1", "p3": "P3"}})
    context = FunctionContext.fixed(dt.datetime(2025, 1, 2, tzinfo=dt.UTC))
    return generate(plan, lookups=lookups, context=context)["people.tags->Tag"]


def test_nested_run_batch_agrees_with_run() -> None:
    step = fan_out()
    records = [
        {"id": "p1", "tags": [{"label": "alpha", "n": 1}, {"label": "hidden", "n": 0}]},
        {"id": "p2", "tags": None},
        {"id": "p4", "tags": [{"label": "beta", "n": 2}, "not a record", {"n": 3}]},
        {"id": None, "tags": [{"label": "x", "n": 1}]},
    ]
    rows, others = step.run_batch(records)
    expected = [result for record in records for result in step.run(record)]
    assert rows == [(r.key, r.values) for r in expected if isinstance(r, Row)]
    assert others == [r for r in expected if not isinstance(r, Row)]
    assert rows == [("p1/alpha", {"Label": "alp", "Person": "P1"})]
    # p4 has no Person (a failure per element); an element that is not a record
    # fails on its own (its key cannot be computed); a null id fails the key.
    assert [type(o) for o in others] == [Skipped, Failed, Failed, Failed, Failed]
    assert [o.key for o in others] == ["p1/hidden", "p4/beta", None, "p4/?", None]
    assert others[1].field == "Person"
    assert others[2].reason == "its key: '.label' reads a field of a record, but the value is str 'not a record'"
