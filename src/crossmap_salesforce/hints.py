"""Salesforce error codes → what to do about them: the one table of Salesforce's
hints.

A table, as the style guide prefers: one line per code a load can meet. Each hint is
a template (``{field}``, ``{step}``, ``{at_line}``: see
:mod:`crossmap.connectors.vocabulary`). The connector appends a code's hint to a
failed row's message (no spec line known there: ``{at_line}`` reads "in the spec");
an audit report shows it with the field and the spec line filled in, found through
``SalesforceDestination.error_vocabulary()`` without connecting.
"""

from __future__ import annotations

from collections.abc import Sequence

from crossmap.connectors.protocols import LoadResult
from crossmap.connectors.vocabulary import UPSERTED_DUPLICATE_HINT, ErrorVocabulary, render_hint
from crossmap_salesforce import violations

HINTS: dict[str, str] = {
    "REQUIRED_FIELD_MISSING": "give {field} a value or a default (`?? \"...\"`) {at_line}",
    "INVALID_FIELD": "the field does not exist on the object or is not visible: check the "
                     "spelling against the org's describe, or deploy the spec's declarations",
    "INVALID_FIELD_FOR_INSERT_UPDATE": "{field} is read-only for this operation (a system or formula "
                                       "field): stop mapping it {at_line}, or write the value to a custom "
                                       "field instead",
    "DUPLICATE_VALUE": "a unique or external id field already holds this value: upsert on "
                       "the external id instead of inserting, or make the key {at_line} unique",
    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST": "map {field} through a value map ({at_line}) whose outputs "
                                               "are the picklist's values, or add the value in Setup",
    "INVALID_CROSS_REFERENCE_KEY": "a lookup points at a record that does not exist: load the "
                                   "parent first (check the parent mapping of {step}) or check the crosswalk",
    "FIELD_INTEGRITY_EXCEPTION": "a lookup points at a record of the wrong object type, or a "
                                 "field combination is invalid: check the referenced record",
    "STRING_TOO_LONG": "truncate {field} {at_line}: truncate(value, <the field's length>), or widen the field",
    "MALFORMED_ID": "an Id field holds something that is not a Salesforce Id of that object",
    "NOT_FOUND": "the record does not exist (deleted or never loaded): re-run the parent step",
    "ENTITY_IS_DELETED": "the record is in the recycle bin: undelete it or drop the row",
    "UNABLE_TO_LOCK_ROW": "another process held the record or its parent locked; the "
                          "connector re-queued it and ran out of attempts: run `crossmap run "
                          "--retry-failed` to load these again",
    "REQUEST_LIMIT_EXCEEDED": "the org's daily API requests are used up: resume the run after "
                              "the 24-hour window moves on",
    "INVALID_SESSION_ID": "the session expired and logging in again failed: check the profile",
    "INVALID_TYPE": "the object does not exist in the org or the user cannot see it",
    "INVALID_TYPE_FOR_OPERATION": "the object does not allow this operation",
    "ALL_OR_NONE_OPERATION_ROLLED_BACK": "another row of the same call failed; fix that row",
    "DUPLICATE_USERNAME": "usernames are unique across every Salesforce org: make them unique",
    "INVALID_EMAIL_ADDRESS": "the value is not an email address: clean it in the spec",
    "INVALID_TYPE_ON_FIELD_IN_RECORD": "the value is not of {field}'s type: convert it {at_line}",
    "NUMBER_OUTSIDE_VALID_RANGE": "the number has more whole digits than {field} holds: scale it "
                                  "{at_line}, or widen the field",
    "INVALID_ID_FIELD": "the same Id appears twice in one batch, or the Id is invalid",
    "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY": "a trigger or flow in the org rejected the row: "
                                            "read the message and fix the data or the automation",
    "FIELD_CUSTOM_VALIDATION_EXCEPTION": "an org validation rule rejected the row",
    "INVALID_ROW": "the Bulk API could not parse the row: check for stray delimiters",
    "SERVER_UNAVAILABLE": "Salesforce stayed unavailable through every retry: re-run later",
    "BULK_JOB_FAILED": "the Bulk API job failed on every retry: check the job in Setup → "
                       "Bulk Data Load Jobs, then re-run",
    "CROSSMAP_UNCERTAIN_INSERT": "the request failed after it was sent, so the records may or "
                                 "may not exist: check the org before re-running, and give the "
                                 "object an external id (upsert) to make retries safe",
    "CROSSMAP_NO_RESULT": "Salesforce returned no result for the row: re-run it",
    "CROSSMAP_MISSING_ID": "update and delete rows need the record's Id",
    "CROSSMAP_MISSING_EXTERNAL_ID": "upsert rows need a value in the external id field",
}
"""Error code → resolution hint (a template)."""

UPSERT_HINTS: dict[str, str] = {"DUPLICATE_VALUE": UPSERTED_DUPLICATE_HINT}
"""The hint instead, in a step that already upserts (issue 20: not "upsert on it")."""

DEFAULT_HINT = "see Salesforce's error message; fix the data or the mapping and re-run"

GONE = frozenset({"ENTITY_IS_DELETED", "NOT_FOUND", "INVALID_CROSS_REFERENCE_KEY"})
"""The codes of a row whose record does not exist (any more): in the recycle bin, or
never there (an Id in the URL: ``NOT_FOUND``; in the body: ``INVALID_CROSS_REFERENCE_KEY``)."""

VOCABULARY = ErrorVocabulary(
    codes=violations.CODES, messages=violations.MESSAGES, hints=HINTS, upsert_hints=UPSERT_HINTS, gone=GONE,
)
"""What ``SalesforceDestination.error_vocabulary()`` returns."""


def hint_for(code: str | None, fields: Sequence[str] = ()) -> str:
    """The resolution hint for a Salesforce (or connector) error code, for a row
    failing on ``fields``."""
    if code is None:
        return ""
    return render_hint(HINTS.get(code, DEFAULT_HINT), field=", ".join(fields) or None)


def failed(ref: str, code: str, message: str, fields: tuple[str, ...] = ()) -> LoadResult:
    """A failed row's result; the message ends with the hint for its code."""
    return LoadResult(ref, None, error_code=code, error_message=f"{message} (hint: {hint_for(code, fields)})",
                      error_fields=fields)
