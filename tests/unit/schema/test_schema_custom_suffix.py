"""``Schema.custom_suffix``: what a destination's custom names end with, supplied by
the destination (Salesforce: ``__c``) so the compiler's hints need no system's rules."""

from __future__ import annotations

import json

from crossmap.compiler import compile
from crossmap.errors import SpecError
from crossmap.functions import registry
from crossmap.schema import (
    Boolean,
    FieldSchema,
    ObjectSchema,
    Schema,
    String,
    schema_from_dict,
    schema_to_dict,
)

SOURCE = Schema([ObjectSchema("jobs", [FieldSchema("id", String(10), nullable=False)], key="id")])
TARGET = Schema([ObjectSchema("Ticket", [FieldSchema("Ext", String(10), external_id=True, unique=True),
                                         FieldSchema("Open", Boolean(), updateable=False)])])
SPEC = "source memory\ntarget memory\nmap jobs -> Ticket {\n  upsert on Ext\n  on delete flag Open\n  Ext = id\n}\n"


def _hint(target: Schema) -> str:
    try:
        compile(SPEC, source_schema=SOURCE, target_schema=target, functions=registry())
    except SpecError as error:
        return next(d.hint or "" for d in error.diagnostics if d.code == "XM231")
    raise AssertionError("XM231 expected")


def test_the_compilers_hint_names_a_field_as_the_destination_would() -> None:
    assert _hint(TARGET).endswith("extend Ticket { Deleted_In_Source: checkbox }")
    suffixed = Schema(TARGET.objects, custom_suffix="__c")
    assert _hint(suffixed).endswith("extend Ticket { Deleted_In_Source__c: checkbox }")


def test_the_suffix_round_trips_and_survives_added_fields() -> None:
    suffixed = Schema(TARGET.objects, custom_suffix="__c")
    assert schema_from_dict(json.loads(json.dumps(schema_to_dict(suffixed)))) == suffixed
    assert "custom_suffix" not in schema_to_dict(TARGET)  # the default is left out
    assert suffixed.with_fields("Ticket", [FieldSchema("More", String(5))]).custom_suffix == "__c"
