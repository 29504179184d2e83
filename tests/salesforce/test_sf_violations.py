"""Salesforce's words for the row validator's neutral violations, and its one table
of hints, supplied through the ``ErrorNaming`` capability.

Codes are Salesforce's ``StatusCode`` values ("Core Data Types Used in API Calls",
https://developer.salesforce.com/docs/platform/api/guide/sforce-api-calls-concepts-core-data-objects.html);
the message shapes are the REST error bodies recorded in
/work/shared/reference/salesforce-api.md ("Errors": ``Required fields are missing:
[LastName]``, ``No such column 'Foo__c' on sobject of type Account``, ``Subject: data
value too large: <v> (max length=255)``, ...).
"""

from __future__ import annotations

import decimal
import string

import pytest

from crossmap.connectors import protocols
from crossmap.connectors.builtin.vocabulary import BUILTIN_ERRORS
from crossmap.connectors.vocabulary import NEUTRAL, destination_vocabulary, render_hint
from crossmap.schema import (
    Enum,
    FieldSchema,
    Id,
    Numeric,
    ObjectSchema,
    String,
    ViolationKind,
    validate_row,
)
from crossmap_salesforce.connector import SalesforceDestination
from crossmap_salesforce.hints import HINTS, VOCABULARY, hint_for
from crossmap_salesforce.violations import CODES, MESSAGES, NOT_WRITABLE_ADVICE, salesforce_error

K = ViolationKind

CASE = ObjectSchema("Case", [
    FieldSchema("Id", Id(), nullable=False, createable=False, updateable=False, defaulted_on_create=True),
    FieldSchema("Subject", String(255)),
    FieldSchema("Status", Enum(["New", "Closed"], restricted=True), defaulted_on_create=True),
    FieldSchema("LastName__c", String(80), nullable=False),
    FieldSchema("Amount__c", Numeric(5, 2)),
    FieldSchema("SuppliedEmail", String(80, "email")),
    FieldSchema("ClosedDate", String(30), createable=False, updateable=False),
    FieldSchema("Count__c", Numeric(18, 0)),
], key="Id")


def sf(row: dict[str, object], operation: str = "insert") -> list[tuple[str, str]]:
    return [salesforce_error(v) for v in validate_row(CASE, row, operation=operation)]  # type: ignore[arg-type]


def test_every_kind_has_a_salesforce_code_and_message() -> None:
    assert set(CODES) == set(ViolationKind) == set(MESSAGES)


@pytest.mark.parametrize(("row", "expected"), [
    ({"Subject": "s"}, ("REQUIRED_FIELD_MISSING", "Required fields are missing: [LastName__c]")),
    ({"LastName__c": "L", "Foo__c": 1}, ("INVALID_FIELD", "No such column 'Foo__c' on sobject of type Case")),
    ({"LastName__c": "L", "Id": "500"}, ("INVALID_FIELD_FOR_INSERT_UPDATE", "cannot specify Id in an insert call")),
    ({"LastName__c": "L", "ClosedDate": "x"},
     ("INVALID_FIELD_FOR_INSERT_UPDATE", f"Unable to create/update fields: ClosedDate. {NOT_WRITABLE_ADVICE}")),
    ({"LastName__c": "L", "Subject": "y" * 256},
     ("STRING_TOO_LONG", f"Subject: data value too large: {'y' * 256} (max length=255)")),
    ({"LastName__c": "L", "Status": "Foo"},
     ("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", "Status: bad value for restricted picklist field: Foo")),
    ({"LastName__c": "L", "Count__c": "x"},
     ("INVALID_TYPE_ON_FIELD_IN_RECORD", "Count__c: value not of required type: x")),
    ({"LastName__c": "L", "SuppliedEmail": "bob"},
     ("INVALID_EMAIL_ADDRESS", "SuppliedEmail: invalid email address: bob")),
    ({"LastName__c": "L", "Amount__c": decimal.Decimal(1000)},
     ("NUMBER_OUTSIDE_VALID_RANGE", "Amount__c: value outside of valid range on numeric field: 1000")),
])
def test_salesforce_words_each_kind_as_the_org_does(row: dict[str, object], expected: tuple[str, str]) -> None:
    assert sf(row) == [expected]


def test_the_connector_offers_its_vocabulary_without_connecting() -> None:
    assert isinstance(SalesforceDestination, protocols.ErrorNaming)
    assert destination_vocabulary("salesforce") is VOCABULARY
    assert destination_vocabulary("jsonl") is BUILTIN_ERRORS
    assert destination_vocabulary("no-such-destination") is NEUTRAL
    assert destination_vocabulary("no-such-destination", BUILTIN_ERRORS) is BUILTIN_ERRORS
    (missing,) = validate_row(CASE, {}, operation="insert")
    assert (VOCABULARY.code(missing), NEUTRAL.code(missing)) == ("REQUIRED_FIELD_MISSING", "MISSING_REQUIRED")
    assert VOCABULARY.message(missing) == "Required fields are missing: [LastName__c]"
    assert NEUTRAL.message(missing) == missing.message == "required fields have no value: LastName__c"


def test_every_hint_renders_with_and_without_a_spec_line() -> None:
    for code, template in HINTS.items():
        fields = {name for _, name, _, _ in string.Formatter().parse(template) if name}
        assert fields <= {"field", "step", "line", "at_line"}, code
        assert "{" not in render_hint(template, field="Name", line=12, step="a->B"), code
        assert "spec line ?" not in hint_for(code, ("Name",)), code


def test_a_failed_rows_message_ends_with_its_hint_naming_the_field() -> None:
    assert hint_for("STRING_TOO_LONG", ("Subject",)) == (
        "truncate Subject in the spec: truncate(value, <the field's length>), or widen the field")
    assert hint_for("REQUIRED_FIELD_MISSING") == 'give the field a value or a default (`?? "..."`) in the spec'


def test_a_duplicate_in_an_upserting_step_is_not_told_to_upsert() -> None:
    """Issue 20: the hint for DUPLICATE_VALUE in a step that already upserts."""
    assert "upsert on the external id" in (VOCABULARY.hint("DUPLICATE_VALUE") or "")
    upserting = VOCABULARY.hint("DUPLICATE_VALUE", upserting=True) or ""
    assert "already upserts" in upserting and "upsert on" not in upserting

