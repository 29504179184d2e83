"""The built-in destinations' (memory, jsonl) words for errors.

The row validator's violations keep their neutral codes (``TOO_LONG``) and messages:
the built-in destinations have no codes of their own for them. Their loader's own
codes (:mod:`crossmap.connectors.builtin.loading`) follow a CRM's loader on purpose,
so a spec fails the same way against a folder as against an org; this is their hint
table, as a plugin keeps its own.
"""

from __future__ import annotations

from crossmap.connectors.vocabulary import UPSERTED_DUPLICATE_HINT, ErrorVocabulary

HINTS: dict[str, str] = {
    "DUPLICATE_VALUE": "two records share an external id: make the key {at_line} unique, or upsert on it",
    "INVALID_CROSS_REFERENCE_KEY": "a lookup points at a record that does not exist: check the parent "
                                   "mapping of {step}",
}
"""The loader's error code → what to do (a template)."""

BUILTIN_ERRORS = ErrorVocabulary(hints=HINTS, upsert_hints={"DUPLICATE_VALUE": UPSERTED_DUPLICATE_HINT})
"""What the built-in destinations' ``error_vocabulary()`` returns."""
