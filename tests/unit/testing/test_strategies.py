"""The Hypothesis strategies of crossmap.testing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from crossmap import schema as s
from crossmap.testing.strategies import from_dataset, from_field, from_object

SCHEMA = s.Schema([
    s.ObjectSchema("teams", [s.FieldSchema("id", s.String(8), nullable=False), s.FieldSchema("name", s.String(5))],
                   key="id"),
    s.ObjectSchema("people", [
        s.FieldSchema("id", s.String(8), nullable=False),
        s.FieldSchema("team_id", s.Reference(("teams",)), nullable=False),
        s.FieldSchema("coach_id", s.Reference(("teams",))),
        s.FieldSchema("score", s.Numeric(5, 2)),
        s.FieldSchema("born", s.Date()),
        s.FieldSchema("seen", s.DateTime()),
        s.FieldSchema("kind", s.Enum(("a", "b"))),
        s.FieldSchema("open", s.Enum(("x",), restricted=False)),
        s.FieldSchema("tags", s.ListOf("tags")),
    ], key="id"),
    s.ObjectSchema("tags", [s.FieldSchema("label", s.String(3), nullable=False)]),
])
PEOPLE = SCHEMA.object("people")


@settings(max_examples=150)
@given(record=from_object(SCHEMA, "people"))
def test_records_have_the_schema_types(record: dict) -> None:
    assert isinstance(record["id"], str) and len(record["id"]) <= 8
    assert record.keys() <= set(PEOPLE.fields)
    if record.get("score") is not None:
        assert isinstance(record["score"], Decimal) and abs(record["score"]) < 1000
        assert record["score"].as_tuple().exponent == -2
    if record.get("born") is not None:
        assert type(record["born"]) is dt.date
    if record.get("seen") is not None:
        assert record["seen"].tzinfo is not None
    assert record.get("kind") in (None, "a", "b")
    for tag in record.get("tags") or ():
        assert isinstance(tag["label"], str) and len(tag["label"]) <= 3


def test_open_enums_and_nulls_are_generated() -> None:
    seen: set[object] = set()

    @settings(max_examples=300, database=None)
    @given(record=from_object(SCHEMA, "people"))
    def collect(record: dict) -> None:
        seen.add(record.get("open"))
        seen.add("missing score" if "score" not in record else "score")

    collect()
    assert {"x", None, "missing score", "score"} <= seen
    assert any(isinstance(v, str) and v not in ("x", "missing score", "score") for v in seen)


@settings(max_examples=80)
@given(data=from_dataset(SCHEMA, ["people", "teams"], max_records=4))
def test_datasets_are_connected_and_keys_unique(data: dict) -> None:
    teams = [t["id"] for t in data["teams"]]
    assert len(teams) == len(set(teams))
    for person in data["people"]:
        assert person["team_id"] in teams
        assert person.get("coach_id") in (None, *teams)


@settings(max_examples=80)
@given(data=from_dataset(SCHEMA, ["people", "teams"], orphans=True))
def test_orphans_point_nowhere(data: dict) -> None:
    teams = {t["id"] for t in data["teams"]}
    for person in data["people"]:
        assert person["team_id"] in teams or person["team_id"].startswith("orphan_")


def test_bad_arguments_fail_at_draw_time_with_a_suggestion() -> None:
    strategy = from_object(SCHEMA, "peple")  # building it is fine

    @given(strategy)
    def draw(record: dict) -> None:
        raise AssertionError("unreachable")

    with pytest.raises(InvalidArgument, match="no object 'peple' \\(did you mean 'people'\\?\\)"):
        draw()
    with pytest.raises(InvalidArgument, match="pass the schema"):
        from_field(PEOPLE.fields["tags"])


@given(st.data())
def test_overrides_pin_fields(data: st.DataObject) -> None:
    record = data.draw(from_object(SCHEMA, "people", overrides={"id": "p1", "kind": st.just("b")}))
    assert record["id"] == "p1" and record["kind"] == "b"
