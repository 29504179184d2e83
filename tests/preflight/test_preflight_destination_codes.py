"""Preflight names a predicted rejection as the destination will name it: the row
validator's neutral kinds through the destination's ``ErrorVocabulary``."""

from __future__ import annotations

from preflight_support import SPEC, TARGET, systems

from crossmap.compiler import compile
from crossmap.functions import registry
from crossmap.preflight import check_coverage
from crossmap.preflight.audit import effective_schema


def _issues(target: str) -> dict[tuple[str | None, str], str]:
    source, _ = systems()
    compiled = compile(SPEC.replace("target memory", f"target {target}", 1), source_schema=source.schema(),
                       target_schema=TARGET, functions=registry())
    coverage = check_coverage(compiled, source, effective_schema(TARGET, compiled.declarations))
    return {(i.field, i.code): i.message for i in coverage.issues}


def test_a_salesforce_target_gets_salesforces_codes_and_wording() -> None:
    """Codes and messages as the org gives them (/work/shared/reference/salesforce-api.md,
    "Errors"; Salesforce's StatusCode values, "Core Data Types Used in API Calls",
    https://developer.salesforce.com/docs/platform/api/guide/sforce-api-calls-concepts-core-data-objects.html)."""
    found = _issues("salesforce")
    assert ("Tier__c", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST") in found
    assert found[("Name", "REQUIRED_FIELD_MISSING")] == "Required fields are missing: [Name]"
    assert found[("Name", "STRING_TOO_LONG")].startswith("Name: data value too large: ")


def test_a_built_in_target_gets_the_neutral_codes() -> None:
    found = _issues("jsonl")
    assert ("Tier__c", "NOT_IN_PICKLIST") in found
    assert found[("Name", "MISSING_REQUIRED")] == "required fields have no value: Name"
    assert not any(code == "STRING_TOO_LONG" for _, code in found)
