"""Running spec tests: given records through the generated code, expectations as
partial matches, diffs against the closest row, the made-up crosswalk ids."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from spectest_schemas import SOURCE, build

from crossmap.spectest import NOT_SET, FieldDiff, SpecTestResult, run_spec_tests

MAPPINGS = '''
resolve staff -> User {
  by lower(email) = lower(Email)
  fallback "admin@example.com"
}

map teams -> Team {
  Title = title ?? "?"
}

map people -> Person {
  skip when name == "ghost" because "ghosts are not migrated"
  Name  = name ?? "(none)"
  Team  = lookup(teams, team_id) missing fail
  Boss  = lookup(people, boss_id) missing defer
  Owner = lookup(staff, owner_id) missing fallback
  Score = score
  Born  = to_date(born, "%Y-%m-%d")
}

map people.visits as visit -> Visit {
  key pid + "/" + (visit.note ?? "-")
  On     = visit.on
  Person = lookup(people, pid) missing fail
}
'''


def results(tests: str) -> dict[str, SpecTestResult]:
    plan = build(MAPPINGS + tests)
    return {r.name: r for r in run_spec_tests(plan, source_schema=SOURCE)}


def test_given_records_refer_to_each_other_through_made_up_ids() -> None:
    outcome = results('''
test "people join their team" {
  given teams { id: 7, title: "Ops" }
  given people { pid: "p1", name: "Ada", team_id: "7", boss_id: "p2", owner_id: "s1", score: 1.50, born: "2001-02-03" }
  given people { pid: "p2", name: "Bob", team_id: "7", owner_id: "s9" }
  given staff { id: "s1", email: "a@example.com" }
  expect Team { Title: "Ops" }
  expect Person { Name: "Ada", Team: "<Team 1>", Boss: "<Person 2>", Owner: "<User 1>", Score: 1.5, Born: @2001-02-03 }
  expect Person { Name: "Bob", Owner: "<User fallback>", Boss: null }
}
''')["people join their team"]
    assert outcome.passed, outcome.render()
    assert [e.passed for e in outcome.expectations] == [True, True, True]
    ada = outcome.expectations[1].closest
    assert ada is not None and ada["Score"] == Decimal("1.50") and ada["Born"] == dt.date(2001, 2, 3)
    assert len(outcome.rows["Person"]) == 2


def test_a_failed_expectation_diffs_against_the_closest_row() -> None:
    outcome = results('''
test "wrong name" {
  given teams { id: 7 }
  given people { pid: "p1", name: "Ada", team_id: "7" }
  given people { pid: "p2", name: "Eve", team_id: "8" }
  expect Person { Name: "Eve", Team: "<Team 1>", Score: 2 }
  expect no Team
}
''')["wrong name"]
    assert not outcome.passed
    person, no_team = outcome.expectations
    assert not person.passed and person.rows == 1
    assert person.closest is not None and person.closest["Name"] == "Ada"
    assert person.diffs == (FieldDiff("Name", "Eve", "Ada"), FieldDiff("Score", 2, None))
    assert not no_team.passed and no_team.rows == 1
    text = outcome.render()
    assert "<string>:" in text and "'wrong name' FAILED" in text
    assert "no match among 1 Person row" in text
    assert (
        "      field  expected  actual\n"
        "      Name   'Eve'     'Ada'\n"
        "      Score  2         None\n"
    ) in text, text
    assert "expect no Team: 1 Team row produced" in text
    # Eve's team was never loaded: the record failed, and the report says why.
    assert "people 'p2', field Team" in text and "no Team was loaded for teams '8'" in text


def test_skipped_and_failed_records_produce_no_rows() -> None:
    outcome = results('''
test "nobody loads" {
  given people { pid: "p1", name: "ghost" }
  given people { pid: "p2", name: "Al", team_id: "404" }
  expect no Person
}

test "but someone was expected" {
  given people { pid: "p1", name: "ghost" }
  expect Person { Name: "ghost" }
}
''')
    assert outcome["nobody loads"].passed
    expected = outcome["but someone was expected"]
    assert not expected.passed
    assert expected.expectations[0].closest is None
    text = expected.render()
    assert "no Person row was produced" in text
    assert "'p1' skipped (spec line" in text and "ghosts are not migrated" in text


def test_fan_out_rows_and_fields_a_row_does_not_set() -> None:
    outcome = results('''
test "visits" {
  given teams { id: 1 }
  given people { pid: "p1", team_id: "1", visits: [{ on: @2024-01-02, note: "a" }, { note: "b" }] }
  expect Visit { On: @2024-01-02, Person: "<Person 1>" }
  expect Visit { On: null }
  expect Visit { Colour: "red" }
}
''')["visits"]
    first, second, third = outcome.expectations
    assert first.passed and second.passed and first.rows == 2
    assert not third.passed and third.diffs == (FieldDiff("Colour", "red", NOT_SET),)
    assert "(not set)" in outcome.render()


def test_a_given_record_that_cannot_be_built_fails_the_test() -> None:
    outcome = results('''
test "bad given" {
  given people { pid: "p1", born: to_date("x", "%Y") }
  expect no Person
}
''')["bad given"]
    assert not outcome.passed and outcome.expectations == ()
    assert "could not be built" in outcome.render() and "'x'" in outcome.render()


def test_booleans_are_not_numbers() -> None:
    outcome = results('''
test "flags" {
  given teams { id: 1 }
  given people { pid: "p1", team_id: "1", score: 1 }
  expect Person { Score: true }
}
''')["flags"]
    assert not outcome.passed
    assert outcome.expectations[0].diffs == (FieldDiff("Score", True, 1),)
