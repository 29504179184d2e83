"""The flagship spec under crossmap.testing's properties, and deliberately broken
variants of it that the kit must catch, each with a minimal counterexample."""

from __future__ import annotations

from pathlib import Path

import pytest

from crossmap.compiler import Plan, compile
from crossmap.connectors import static_schema
from crossmap.errors import SpecError
from crossmap.functions import registry
from crossmap.syntax import load, parse
from crossmap.testing.properties import assert_spec_properties, check_round_trip

ROOT = Path(__file__).resolve().parents[2]
FLAGSHIP = ROOT / "specs" / "qdispatch_to_salesforce.xmap"
SOURCE = static_schema("source", "qdispatch")
TARGET = static_schema("target", "salesforce")
EXAMPLES = 25


def compile_variant(old: str, new: str, extra: str = "") -> Plan:
    """The flagship with ``old`` replaced by ``new`` (and ``extra`` appended)."""
    flagship = load(FLAGSHIP)
    text = FLAGSHIP.read_text(encoding="utf-8")
    assert old in text, old
    variant = parse(text.replace(old, new) + extra, path=str(FLAGSHIP))
    # Keep the included value maps: the variant is parsed from text, without includes.
    included = tuple(item for item in flagship.items if item not in parse(text, path=str(FLAGSHIP)).items)
    spec = type(variant)(variant.items + included, span=variant.span)
    return compile(spec, source_schema=SOURCE, target_schema=TARGET, functions=registry())


def broken(plan: Plan, step: str) -> str:
    with pytest.raises(AssertionError) as caught:
        assert_spec_properties(plan, SOURCE, TARGET, steps=[step], allow_failures=False, max_examples=200)
    return str(caught.value)


def test_the_flagship_holds_every_property() -> None:
    plan = compile(FLAGSHIP, source_schema=SOURCE, target_schema=TARGET, functions=registry())
    assert_spec_properties(plan, SOURCE, TARGET, allow_failures=False, max_examples=EXAMPLES)
    check_round_trip(plan, "work_order_status")


def test_a_field_that_can_overflow_its_length() -> None:
    plan = compile_variant("  Subject              = truncate(trim(title), 255)",
                           "  Subject              = description")
    message = broken(plan, "jobs->Case")
    assert "STRING_TOO_LONG: Subject: data value too large" in message
    # The minimal counterexample: one character too long.
    assert "data value too large: " + "x" * 256 + " (max length=255)" in message


def test_a_value_map_missing_a_value() -> None:
    # A job status a value map forgets is caught before any test runs (XM223)...
    forgetful = '\nvaluemap statuses {\n' + "".join(
        f'  "{s}" -> "{s}"\n' for s in ("Pending", "Assigned", "En Route", "In Progress", "Completed")
    ) + "}\n"
    with pytest.raises(SpecError, match=r"XM223\]: value map 'statuses' does not cover 'Cancelled'"):
        compile_variant("  Work_Order_Status__c = status | work_order_status",
                        "  Work_Order_Status__c = status | statuses", forgetful)
    # ...an open dropdown's values cannot be, so the properties find the gap.
    plan = compile_variant(
        "  Service_Tier__c      = custom_service_tier",
        "  Service_Tier__c      = custom_service_tier | tiers",
        '\nvaluemap tiers {\n  "Bronze" -> "Bronze"\n  "Silver" -> "Silver"\n  "Gold"   -> "Gold"\n}\n',
    )
    message = broken(plan, "jobs->Case")
    assert "failed on Service_Tier__c" in message
    assert "'0' is not in value map 'tiers'" in message


def test_a_nullable_value_into_a_required_field() -> None:
    plan = compile_variant('  LastName              = nonblank(last_name) ?? "(no last name)"',
                           '  LastName              = trim(last_name ?? "")')
    message = broken(plan, "contacts->Contact")
    assert "REQUIRED_FIELD_MISSING: Required fields are missing: [LastName]" in message


def test_a_date_parsed_with_the_wrong_format() -> None:
    plan = compile_variant("  Install_Date__c      = custom_install_date",
                           '  Install_Date__c      = to_date(to_string(custom_install_date), "%m/%d/%Y")')
    message = broken(plan, "jobs->Case")
    assert "failed on Install_Date__c" in message
    assert "'2000-01-01' is not a date in format %m/%d/%Y" in message
