"""The built-in destinations' (memory, jsonl) error codes and words for errors.

The row validator's violations keep their neutral codes (``TOO_LONG``) and messages:
the built-in destinations have no codes of their own for them. Their loader
(:mod:`crossmap.connectors.builtin.loading`) fails a row for the causes a CRM's
loader does, under the neutral codes below; this is their hint table, as a plugin
keeps its own.
"""

from __future__ import annotations

from crossmap.connectors.vocabulary import UPSERTED_DUPLICATE_HINT, ErrorVocabulary

NOT_UNIQUE = "NOT_UNIQUE"
"""A unique or external id field would hold a value another record holds, or a batch
gives one external id twice (every such row fails)."""
NO_SUCH_RECORD = "NO_SUCH_RECORD"
"""The row's Id names no record."""
RECORD_DELETED = "RECORD_DELETED"
"""The row's Id names a record that was (softly) deleted."""
MISSING_ID = "MISSING_ID"
"""An update, delete or undelete row without an Id."""
MISSING_EXTERNAL_ID = "MISSING_EXTERNAL_ID"
"""An upsert row without a value in the external id field."""
REJECTED = "REJECTED"
"""The destination's own rule refused the row (the memory destination's ``fail`` hook)."""

HINTS: dict[str, str] = {
    NOT_UNIQUE: "two records share an external id: make the key {at_line} unique, or upsert on it",
    NO_SUCH_RECORD: "a lookup points at a record that does not exist: check the parent mapping of {step}",
    RECORD_DELETED: "the record was deleted in the destination: drop the row, or re-run the parent step",
    MISSING_ID: "update and delete rows need the record's Id",
    MISSING_EXTERNAL_ID: "upsert rows need a value in the external id field",
}
"""The loader's error code → what to do (a template)."""

BUILTIN_ERRORS = ErrorVocabulary(hints=HINTS, upsert_hints={NOT_UNIQUE: UPSERTED_DUPLICATE_HINT},
                                 gone=frozenset({NO_SUCH_RECORD, RECORD_DELETED}))
"""What the built-in destinations' ``error_vocabulary()`` returns."""
