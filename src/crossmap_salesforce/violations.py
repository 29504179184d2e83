"""The row validator's neutral violations in Salesforce's words: its error codes
(``StatusCode``) and message shapes.

A table, as the style guide prefers: one line per ``ViolationKind``. The local org
answers a rejected row with these, so what it returns on the wire is what Salesforce
returns; preflight names a predicted rejection with the same code. The codes are
Salesforce's ``StatusCode`` values ("Core Data Types Used in API Calls",
https://developer.salesforce.com/docs/platform/api/guide/sforce-api-calls-concepts-core-data-objects.html);
the message shapes are those recorded in /work/shared/reference/salesforce-api.md
(REST error bodies ``[{"message", "errorCode", "fields"}]``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final

from crossmap.schema import Violation
from crossmap.schema.validate import ViolationKind

K = ViolationKind

CODES: Final[Mapping[ViolationKind, str]] = {
    K.UNKNOWN_FIELD: "INVALID_FIELD",
    K.ID_ON_INSERT: "INVALID_FIELD_FOR_INSERT_UPDATE",
    K.NOT_WRITABLE: "INVALID_FIELD_FOR_INSERT_UPDATE",
    K.WRONG_TYPE: "INVALID_TYPE_ON_FIELD_IN_RECORD",
    K.TOO_LONG: "STRING_TOO_LONG",
    K.INVALID_EMAIL: "INVALID_EMAIL_ADDRESS",
    K.OUT_OF_RANGE: "NUMBER_OUTSIDE_VALID_RANGE",
    K.NOT_IN_PICKLIST: "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
    K.MISSING_REQUIRED: "REQUIRED_FIELD_MISSING",
}
"""Violation kind → Salesforce's error code."""

NOT_WRITABLE_ADVICE: Final = (
    "Please check the security settings of this field and verify that it is "
    "read/write for your profile or permission set."
)


def _field(v: Violation) -> str:
    return v.fields[0] if v.fields else ""


MESSAGES: Final[Mapping[ViolationKind, Callable[[Violation], str]]] = {
    K.UNKNOWN_FIELD: lambda v: f"No such column '{_field(v)}' on sobject of type {v.object}",
    K.ID_ON_INSERT: lambda v: "cannot specify Id in an insert call",
    K.NOT_WRITABLE: lambda v: f"Unable to create/update fields: {', '.join(v.fields)}. {NOT_WRITABLE_ADVICE}",
    K.WRONG_TYPE: lambda v: f"{_field(v)}: value not of required type: {v.value}",
    K.TOO_LONG: lambda v: f"{_field(v)}: data value too large: {v.value} (max length={v.limit})",
    K.INVALID_EMAIL: lambda v: f"{_field(v)}: invalid email address: {v.value}",
    K.OUT_OF_RANGE: lambda v: f"{_field(v)}: value outside of valid range on numeric field: {v.value}",
    K.NOT_IN_PICKLIST: lambda v: f"{_field(v)}: bad value for restricted picklist field: {v.value}",
    K.MISSING_REQUIRED: lambda v: f"Required fields are missing: [{', '.join(v.fields)}]",
}
"""Violation kind → the message Salesforce gives, worded from the violation's facts."""


def salesforce_error(violation: Violation) -> tuple[str, str]:
    """``(errorCode, message)`` as Salesforce words ``violation``."""
    return CODES[violation.kind], MESSAGES[violation.kind](violation)
