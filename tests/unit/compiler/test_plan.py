"""The plan: waves from lookups, deferred cycles, round trip through cattrs."""

from __future__ import annotations

import json

import pytest
from compiler_schemas import build

from crossmap.compiler import plan_from_dict, plan_to_json
from crossmap.errors import SpecError


def test_waves_follow_lookups() -> None:
    plan = build(
        "map people.tags as tag -> Tag {\n  key id + tag.label\n  Label = tag.label\n  Person = lookup(people, id)\n}\n"
        "map people -> Person {\n  Name = name ?? \"?\"\n  Team = lookup(teams, team_id) missing null\n}\n"
        "map teams -> Team {\n  Title = title\n}\n"
    )
    assert plan.waves == (("teams->Team",), ("people->Person",), ("people.tags->Tag",))
    assert plan.step("people->Person").depends_on == ("teams->Team",)
    assert plan.deferred == ()


def test_a_self_lookup_is_deferred_not_an_error() -> None:
    plan = build('map people -> Person {\n  Name = name ?? "?"\n  Boss = lookup(people, boss_id) missing defer\n}\n')
    assert plan.waves == (("people->Person",),)
    assert plan.deferred == ("people->Person.Boss",)
    (boss,) = [a for a in plan.step("people->Person").assignments if a.field == "Boss"]
    assert boss.deferred


def test_plan_round_trips_through_json() -> None:
    plan = build(
        'valuemap kinds reversible {\n  "a" -> "Alpha"\n  "b" -> "Beta"\n}\n'
        'map people -> Person {\n  skip when visits == 0 because "never came"\n  let n = name ?? "?"\n'
        '  Name = n\n  Kind = kind | kinds\n  Born = born | to_date("%Y-%m-%d", on_error: null)\n'
        "  Score = score ?? 1.5\n}\n"
        'test "t" {\n  given people { id: "p1", kind: "a" }\n  expect Person { Kind: "Alpha" }\n}\n'
    )
    data = json.loads(plan_to_json(plan))
    assert plan_from_dict(data) == plan
    assert json.loads(plan_to_json(plan_from_dict(data))) == data


def test_errors_are_all_reported_at_once() -> None:
    with pytest.raises(SpecError) as caught:
        build("map people -> Person {\n  Nme = name\n  Born = nme\n}\n")
    codes = [d.code for d in caught.value.errors]
    assert codes == ["XM217", "XM204", "XM205"]
