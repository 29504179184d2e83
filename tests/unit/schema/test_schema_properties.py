"""Property tests: schemas survive serialisation; valid values never violate."""

from __future__ import annotations

import decimal
import json
from datetime import UTC, datetime, time
from typing import Any as TAny

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crossmap.errors import CrossmapError
from crossmap.schema import (
    FIELD_TYPES,
    Any,
    Blob,
    Boolean,
    Date,
    DateTime,
    Decimal,
    Enum,
    FieldSchema,
    FieldType,
    Id,
    Integer,
    ListOf,
    ObjectSchema,
    Reference,
    Schema,
    SchemaFormatError,
    String,
    Text,
    Time,
    format_value,
    parse_value,
    schema_from_dict,
    schema_to_dict,
    validate_row,
)

NAMES = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,12}", fullmatch=True)
LENGTHS = st.none() | st.integers(1, 300)
# Enum members: no ";" (the multi-select separator) and never the CSV null token.
MEMBERS = st.text(st.characters(blacklist_characters=";", blacklist_categories=("Cs",)),
                  min_size=1, max_size=12).filter(lambda s: s != "#N/A")


@st.composite
def decimal_types(draw: st.DrawFn) -> Decimal:
    precision = draw(st.none() | st.integers(1, 18))
    if precision is None:
        return Decimal(None, None)
    return Decimal(precision, draw(st.integers(0, precision)))


FIELD_TYPE_STRATEGIES: dict[type, st.SearchStrategy[TAny]] = {
    String: st.builds(String, LENGTHS, st.sampled_from([None, "phone", "url"]))
    | st.builds(String, st.none() | st.integers(80, 300), st.just("email")),
    Text: st.builds(Text, LENGTHS),
    Integer: st.builds(Integer),
    Decimal: decimal_types(),
    Boolean: st.builds(Boolean),
    Date: st.builds(Date),
    DateTime: st.builds(DateTime),
    Time: st.builds(Time),
    Enum: st.builds(
        Enum,
        st.lists(MEMBERS, min_size=1, max_size=5, unique=True).map(tuple),
        st.booleans(),
        st.booleans(),
    ),
    Reference: st.builds(Reference, st.lists(NAMES, min_size=1, max_size=3).map(tuple)),
    ListOf: st.builds(ListOf, NAMES),
    Blob: st.builds(Blob),
    Id: st.builds(Id),
    Any: st.builds(Any),
}


def test_every_field_type_has_a_strategy() -> None:
    assert set(FIELD_TYPE_STRATEGIES) == set(FIELD_TYPES)


field_types: st.SearchStrategy[FieldType] = st.one_of(*FIELD_TYPE_STRATEGIES.values())

fields = st.builds(
    FieldSchema,
    NAMES,
    field_types,
    label=st.none() | st.text(max_size=20),
    nullable=st.booleans(),
    createable=st.booleans(),
    updateable=st.booleans(),
    defaulted_on_create=st.booleans(),
    external_id=st.booleans(),
    unique=st.booleans(),
    custom=st.booleans(),
    relationship_name=st.none() | NAMES,
)


@st.composite
def objects(draw: st.DrawFn, name: str | None = None) -> ObjectSchema:
    fs = draw(st.lists(fields, max_size=8, unique_by=lambda f: f.name.casefold()))
    key = draw(st.none() | st.sampled_from([f.name for f in fs])) if fs else None
    return ObjectSchema(
        name if name is not None else draw(NAMES),
        fs,
        label=draw(st.none() | st.text(max_size=10)),
        key=key,
        custom=draw(st.booleans()),
        createable=draw(st.booleans()),
        updateable=draw(st.booleans()),
        deletable=draw(st.booleans()),
    )


schemas = st.lists(objects(), max_size=4, unique_by=lambda o: o.name).map(Schema)


@given(schemas)
def test_schema_round_trips_through_cattrs_and_json(schema: Schema) -> None:
    data = schema_to_dict(schema)
    assert schema_from_dict(json.loads(json.dumps(data))) == schema


def test_serialised_form_is_tagged_and_compact() -> None:
    schema = Schema([ObjectSchema("A", [FieldSchema("X", String(10), nullable=False)])])
    assert schema_to_dict(schema) == {
        "objects": {
            "A": {
                "name": "A",
                "fields": {
                    "X": {"name": "X", "type": {"kind": "string", "max_length": 10},
                          "nullable": False}
                },
            }
        }
    }


# --- valid values --------------------------------------------------------------------

TEXT_CHARS = st.characters(blacklist_categories=("Cs",))


def _strings(max_length: int | None) -> st.SearchStrategy[str]:
    return st.text(TEXT_CHARS, min_size=1, max_size=min(max_length or 40, 40)).filter(
        lambda s: s != "#N/A"
    )


EMAILS = st.from_regex(r"[a-z0-9._%+-]{1,20}@[a-z0-9-]{1,20}(\.[a-z]{2,6}){1,2}", fullmatch=True)


def valid_values(t: FieldType) -> st.SearchStrategy[object]:
    """Values a destination must accept for a field of type ``t`` (never null)."""
    match t:
        case String(max_length=n, format="email"):
            return EMAILS.filter(lambda s: n is None or len(s) <= n)
        case String(max_length=n) | Text(max_length=n):
            return _strings(n)
        case Integer():
            return st.integers()
        case Decimal(precision=None):
            return st.decimals(allow_nan=False, allow_infinity=False) | st.floats(
                allow_nan=False, allow_infinity=False
            )
        case Decimal(precision=p, scale=s):
            scale = s or 0
            bound = decimal.Decimal(10) ** (p - scale) - decimal.Decimal(1).scaleb(-scale)
            return st.decimals(-bound, bound, places=scale)
        case Boolean():
            return st.booleans()
        case Date():
            return st.dates()
        case DateTime():
            return st.datetimes(timezones=st.just(UTC))
        case Time():
            return st.times()
        case Enum(values=values, multi=False):
            return st.sampled_from(values)
        case Enum(values=values, multi=True):
            return st.lists(st.sampled_from(values), min_size=1, unique=True)
        case Reference() | Id():
            return _strings(18)
        case ListOf():
            return st.lists(st.dictionaries(NAMES, st.integers(), max_size=2), max_size=2)
        case Blob():
            return st.binary(min_size=1, max_size=20)
        case Any():
            return st.integers() | st.text(min_size=1)
    raise AssertionError(t)


@st.composite
def insertable_rows(draw: st.DrawFn, *, text: bool) -> tuple[ObjectSchema, dict[str, object]]:
    obj = draw(objects(name="Thing"))
    row: dict[str, object] = {}
    for f in obj:
        if not f.createable or isinstance(f.type, Id):
            continue
        if text and isinstance(f.type, ListOf):
            # Nested records have no CSV form; a CSV row cannot fill such a field.
            if f.required_on_create:
                row[f.name] = ""
            continue
        if f.required_on_create or draw(st.booleans()):
            value = draw(valid_values(f.type))
            row[f.name] = format_value(value) if text else value
    return obj, row


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(insertable_rows(text=False))
def test_valid_typed_rows_never_violate(case: tuple[ObjectSchema, dict[str, object]]) -> None:
    obj, row = case
    assert validate_row(obj, row, operation="insert") == []
    assert validate_row(obj, row, operation="upsert") == []


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(insertable_rows(text=True))
def test_valid_text_rows_never_violate(case: tuple[ObjectSchema, dict[str, object]]) -> None:
    obj, row = case
    unfillable = [n for n, v in row.items() if v == ""]
    violations = validate_row(obj, row, operation="insert", text_values=True)
    if unfillable:
        assert [v.fields for v in violations] == [tuple(unfillable)]
    else:
        assert violations == []


@given(field_types.flatmap(lambda t: st.tuples(st.just(t), valid_values(t))))
def test_text_form_parses_back(case: tuple[FieldType, object]) -> None:
    t, value = case
    if isinstance(t, ListOf | Any):
        return  # no text form to speak of
    parsed = parse_value(t, format_value(value))
    if isinstance(t, Enum) and t.multi:
        assert set(parsed) == set(value)  # type: ignore[call-overload, arg-type]
    elif isinstance(t, DateTime | Time):
        # The text forms carry milliseconds.
        assert isinstance(parsed, datetime | time) and isinstance(value, datetime | time)
        assert parsed.replace(microsecond=parsed.microsecond // 1000) == value.replace(
            microsecond=value.microsecond // 1000
        )
    elif isinstance(t, Decimal):
        expected = decimal.Decimal(repr(value)) if isinstance(value, float) else value
        assert parsed == expected
    else:
        assert parsed == value


def test_bad_data_is_a_schema_format_error_naming_each_problem() -> None:
    bad = {
        "objects": {
            "A": {"name": "A", "fields": {
                "X": {"name": "X", "type": {"kind": "decimal", "precision": "big"}},
            }},
            "B": {"name": "B", "fields": {"X": {"name": "Y", "type": {"kind": "string"}}}},
        }
    }
    with pytest.raises(SchemaFormatError) as info:
        schema_from_dict(bad)
    assert isinstance(info.value, CrossmapError)
    problems = info.value.problems
    assert len(problems) == 2
    assert "$.objects['A'].fields['X'].type.precision" in problems[0]
    assert "field stored under 'X' is named 'Y'" in problems[1]
    with pytest.raises(SchemaFormatError, match="expected a mapping"):
        schema_from_dict({"objects": []})


def test_a_schema_with_a_new_object_template_round_trips() -> None:
    template = ObjectSchema("New", [FieldSchema("Id", String(18), nullable=False),
                                    FieldSchema("Name", String(80))], key="Id")
    schema = Schema([ObjectSchema("A", [FieldSchema("X", String(10))])], template,
                    [("A", "X")])
    assert schema_from_dict(json.loads(json.dumps(schema_to_dict(schema)))) == schema
    # Adding objects keeps the template.
    assert schema.with_fields("A", [FieldSchema("Y", String(5))]).new_object == template
    assert schema.with_fields("A", []).new_object_referrers == (("A", "X"),)
    assert schema_to_dict(Schema([ObjectSchema("A", [])])).keys() == {"objects"}
