"""Generated transforms: semantics of each construct, failures as typed results."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from compiler_schemas import ID, SOURCE, build

from crossmap import schema as s
from crossmap.codegen import Deferred, Failed, MemoryLookups, Row, Skipped, generate
from crossmap.compiler import compile
from crossmap.functions import FunctionContext, registry

LOOKUPS = MemoryLookups({"teams->Team": {"t1": "TEAM1"}, "people->Person": {"p0": "BOSS0"}})


def program(body: str, lookups: MemoryLookups = LOOKUPS):  # type: ignore[no-untyped-def]
    plan = build(body + '\nmap teams -> Team {\n  Title = title\n}\n')
    return generate(plan, lookups=lookups, context=FunctionContext.fixed(dt.datetime(2025, 1, 2, tzinfo=dt.UTC)))


def person(body: str, record: dict[str, object]) -> object:
    return program(f"map people -> Person {{\n{body}\n}}")["people->Person"].apply(record)


def test_fields_nulls_and_coalescing() -> None:
    body = '  Name = name ?? "(none)"\n  Note = truncate(trim(name), 5)\n  Score = score * 2'
    assert person(body, {"id": "p1", "name": "  Ada Lovelace "}) == Row(
        "p1", {"Name": "  Ada Lovelace ", "Note": "Ada L", "Score": None}
    )
    assert person(body, {"id": "p2", "score": Decimal("1.25")}) == Row(
        "p2", {"Name": "(none)", "Note": None, "Score": Decimal("2.50")}
    )


def test_value_maps_else_error_keep_default() -> None:
    spec = (
        'valuemap strict {\n  "a" -> "Alpha"\n  "b" -> "Beta"\n}\n'
        'valuemap loose {\n  "a" -> "Alpha"\n  else keep\n}\n'
        'map people -> Person {\n  Name = (name | loose) ?? "?"\n  Kind = kind | strict\n}\n'
    )
    step = program(spec)["people->Person"]
    assert step.apply({"id": "p1", "name": "a", "kind": "b"}) == Row("p1", {"Name": "Alpha", "Kind": "Beta"})
    assert step.apply({"id": "p1", "name": "zed", "kind": None}) == Row("p1", {"Name": "zed", "Kind": None})
    failed = step.apply({"id": "p9", "name": "x", "kind": "c"})
    assert failed == Failed("people", "p9", "Kind", 13, "'c' is not in value map 'strict'")


def test_a_failure_names_the_statement_it_was_raised_on() -> None:
    # Every statement shares one try; the line a failure was raised on names it.
    # ``kind`` is read twice, so it is read once at the top: the failures still point
    # at the statements that used it.
    spec = (
        'valuemap strict {\n  "a" -> "Alpha"\n  "b" -> "Beta"\n}\n'
        'map people -> Person {\n  let k = kind | strict\n  Name = "x"\n'
        '  Note = (name ?? kind) | strict\n  Kind = k\n}\n'
    )
    step = program(spec)["people->Person"]
    assert "_get('kind')" in step.source.split("try:")[0]
    assert step.apply({"id": "p1", "kind": "a"}) == Row("p1", {"Name": "x", "Note": "Alpha", "Kind": "Alpha"})
    assert step.apply({"id": "p2", "kind": "z", "name": "a"}) == Failed(
        "people", "p2", None, 8, "'z' is not in value map 'strict'")
    assert step.apply({"id": "p3", "kind": "a", "name": "z"}) == Failed(
        "people", "p3", "Note", 10, "'z' is not in value map 'strict'")


def test_a_failure_in_the_returned_dict_names_its_field() -> None:
    # Fields after the last rule are written in the returned dict, one line each;
    # past 16 entries CPython builds the dict in chunks, and the lines still hold.
    wide = s.Schema([s.ObjectSchema("Wide", [ID, *(s.FieldSchema(f"F{i}", s.String(10)) for i in range(40))], key="Id")])
    assignments = "".join(f"  F{i} = {i} | to_string\n" for i in range(39))
    strict = 'valuemap strict {\n  "a" -> "A"\n  "b" -> "B"\n}\n'
    spec = f"source src\ntarget dst\n{strict}map people -> Wide {{\n{assignments}  F39 = kind | strict\n}}\n"
    step = generate(compile(spec, source_schema=SOURCE, target_schema=wide, functions=registry()))["people->Wide"]
    assert "'F39': " in step.source.split("return {")[1]
    assert step.apply({"id": "p1", "kind": "b"}) == Row("p1", {**{f"F{i}": str(i) for i in range(39)}, "F39": "B"})
    assert step.apply({"id": "p2", "kind": "z"}) == Failed("people", "p2", "F39", 47, "'z' is not in value map 'strict'")


def test_a_key_that_cannot_be_computed_fails_the_record() -> None:
    # A null key, or a key read from a `let` that fails: a Failed result from `apply`
    # and from `run_batch` (skipped records included), never an exception.
    strict = 'valuemap strict {\n  "a" -> "A"\n  "b" -> "B"\n}\n'
    step = program(strict + 'map people -> Person {\n  let k = kind | strict\n  key k\n  Name = "x"\n}\n')["people->Person"]
    failed = Failed("people", None, None, 7, "its key: 'z' is not in value map 'strict'")
    assert step.apply({"id": "p1", "kind": "z"}) == failed
    assert step.run_batch([{"id": "p1", "kind": "z"}, {"id": "p2", "kind": "b"}]) == ([("B", {"Name": "x"})], [failed])
    skipping = program('map people -> Person {\n  skip when name == null\n  Name = name ?? "?"\n}\n')["people->Person"]
    null = Failed("people", None, None, 3, "its key: the key is null")
    assert skipping.run_batch([{}, {"id": "p3"}]) == ([], [null, Skipped("p3", "skip when name == null", 4)])


def test_count_and_first_are_written_in_place_with_their_own_semantics() -> None:
    step = program('map people -> Person {\n  Name = "x"\n  Score = count(tags)\n  Boss = first(tags) ?? null\n}')
    source = step["people->Person"].source
    assert "len(" in source and "count" not in source.split("def transform")[1].split("\n", 1)[1]
    run = step["people->Person"].apply
    assert run({"id": "p", "tags": None}) == Row("p", {"Name": "x", "Score": 0, "Boss": None})
    assert run({"id": "p", "tags": []}) == Row("p", {"Name": "x", "Score": 0, "Boss": None})
    assert run({"id": "p", "tags": ["a", "b"]}) == Row("p", {"Name": "x", "Score": 2, "Boss": "a"})


def test_conversion_failures_follow_on_error() -> None:
    body = (
        '  Name = "x"\n  Born = born | to_date("%Y-%m-%d")\n'
        '  Note = to_string(to_date(born, "%Y-%m-%d", on_error: @1970-01-01))'
    )
    ok = person(body, {"id": "p1", "born": "2001-02-03"})
    assert ok == Row("p1", {"Name": "x", "Born": dt.date(2001, 2, 3), "Note": "2001-02-03"})
    failed = person(body, {"id": "p1", "born": "0000-00-00"})
    assert isinstance(failed, Failed) and failed.field == "Born" and failed.line == 5
    assert "'0000-00-00' is not a date" in failed.reason
    lenient = person('  Name = "x"\n  Born = born | to_date("%Y-%m-%d", on_error: null)', {"id": "p", "born": "?"})
    assert lenient == Row("p", {"Name": "x", "Born": None})
    defaulted = person('  Name = "x"\n  Note = to_string(to_date(born, "%Y", on_error: @1970-01-01))', {"id": "p", "born": "?"})
    assert defaulted == Row("p", {"Name": "x", "Note": "1970-01-01"})


def test_skip_rules_give_their_reason() -> None:
    body = '  skip when visits == 0 because "never came"\n  skip when name == null\n  Name = name ?? "?"'
    assert person(body, {"id": "p1", "visits": 0, "name": "x"}) == Skipped("p1", "never came", 4)
    assert person(body, {"id": "p2", "visits": 1}) == Skipped("p2", "skip when name == null", 5)
    assert person(body, {"id": "p3", "visits": 1, "name": "x"}) == Row("p3", {"Name": "x"})


def test_lookup_policies() -> None:
    body = '  Name = "x"\n  Team = lookup(teams, team_id) missing {policy}'
    assert person(body.format(policy="fail"), {"id": "p", "team_id": "t1"}) == Row("p", {"Name": "x", "Team": "TEAM1"})
    failed = person(body.format(policy="fail"), {"id": "p", "team_id": "t9"})
    assert isinstance(failed, Failed) and failed.reason == "no Team was loaded for teams 't9'"
    assert person(body.format(policy="null"), {"id": "p", "team_id": "t9"}) == Row("p", {"Name": "x", "Team": None})
    deferred = person(body.format(policy="defer"), {"id": "p", "team_id": "t9"})
    assert deferred == Row("p", {"Name": "x", "Team": Deferred("teams->Team", "t9")})


def test_deferred_fields_have_their_own_function() -> None:
    step = program('map people -> Person {\n  Name = name ?? "?"\n  Boss = lookup(people, boss_id) missing defer\n}')[
        "people->Person"
    ]
    assert step.apply({"id": "p1", "boss_id": "p0"}) == Row("p1", {"Name": "?"})
    assert step.deferred is not None
    assert step.deferred({"id": "p1", "boss_id": "p0"}) == {"Boss": "BOSS0"}


def test_fan_out_one_row_per_element() -> None:
    step = program("map people.tags as tag -> Tag {\n  key id + \"/\" + tag.label\n  Label = tag.label\n}")[
        "people.tags->Tag"
    ]
    results = list(step.run({"id": "p1", "tags": [{"label": "x"}, {"label": "y"}]}))
    assert results == [Row("p1/x", {"Label": "x"}), Row("p1/y", {"Label": "y"})]
    assert list(step.run({"id": "p2", "tags": None})) == []


def test_run_batch_separates_rows_from_other_outcomes() -> None:
    step = program('map people -> Person {\n  skip when visits == 0\n  Name = name ?? "?"\n  Born = born | to_date("%Y-%m-%d")\n}')[
        "people->Person"
    ]
    rows, others = step.run_batch(
        [{"id": "a", "visits": 1}, {"id": "b", "visits": 0}, {"id": "c", "visits": 1, "born": "bad"}]
    )
    assert rows == [("a", {"Name": "?", "Born": None})]
    assert [type(o) for o in others] == [Skipped, Failed]
    assert [o.key for o in others] == ["b", "c"]


def test_generated_source_points_at_the_spec() -> None:
    step = program('map people -> Person {\n  Name = name ?? "?"\n}')["people->Person"]
    assert "# <string>:4" in step.source
    assert "def transform_people_to_Person(record, element=None" in step.source


def test_a_value_python_cannot_take_fails_with_a_reason_not_python_text() -> None:
    # A source whose values are not what its schema says (a number where text is
    # declared) makes Python raise inside the expression: the reason says what went
    # wrong and what to do, not 'fromisoformat: argument must be str'.
    body = '  Name = "x"\n  Born = to_date(born, "iso8601")'
    failed = person(body, {"id": "p1", "born": 20010203})
    assert isinstance(failed, Failed) and failed.field == "Born"
    assert failed.reason == ("the expression got a value of a type the expression cannot take; check the type "
                             "the source declares for the fields it reads, or convert them explicitly")
    assert "fromisoformat" not in failed.reason and "argument" not in failed.reason
    from crossmap.codegen.runtime import failure_reason

    assert failure_reason(TypeError("'NoneType' object is not subscriptable")).startswith(
        "the expression got a null where the expression needs a value")
    assert failure_reason(ZeroDivisionError("division by zero")) == "division by zero"
