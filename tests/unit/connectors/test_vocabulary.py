"""A destination's words for errors (``crossmap.connectors.vocabulary``), with no
plugin: the neutral default, the lookup by name, and hint templates."""

from __future__ import annotations

import pytest

from crossmap.connectors import vocabulary as v
from crossmap.connectors.builtin import JsonlDestination, MemoryDestination
from crossmap.connectors.builtin.vocabulary import BUILTIN_ERRORS, NOT_UNIQUE
from crossmap.connectors.protocols import ErrorNaming, capability
from crossmap.connectors.registry import ConnectorError
from crossmap.schema import FieldSchema, ObjectSchema, String, ViolationKind, validate_row

NOTE = ObjectSchema("Note", [FieldSchema("Title", String(5), nullable=False)])


def test_without_a_vocabulary_a_violation_is_its_kind() -> None:
    (too_long,) = validate_row(NOTE, {"Title": "far too long"}, operation="insert")
    assert v.NEUTRAL.code(too_long) == too_long.code == "TOO_LONG"
    assert v.NEUTRAL.message(too_long) == too_long.message == "Title: longer than the field's 5 characters: far too long"
    assert v.NEUTRAL.hint("TOO_LONG") is None and v.NEUTRAL.hint(None) is None


def test_a_vocabulary_words_what_it_names_and_leaves_the_rest() -> None:
    words = v.ErrorVocabulary(codes={ViolationKind.TOO_LONG: "LONG"},
                              messages={ViolationKind.TOO_LONG: lambda x: f"max {x.limit}"})
    (too_long,) = validate_row(NOTE, {"Title": "far too long"}, operation="insert")
    (missing,) = validate_row(NOTE, {}, operation="insert")
    assert (words.code(too_long), words.message(too_long)) == ("LONG", "max 5")
    assert (words.code(missing), words.message(missing)) == ("MISSING_REQUIRED", missing.message)


def test_the_built_in_destinations_offer_theirs() -> None:
    assert capability(MemoryDestination(), ErrorNaming) is not None
    assert JsonlDestination.error_vocabulary() is MemoryDestination.error_vocabulary() is BUILTIN_ERRORS
    assert v.destination_vocabulary("jsonl") is BUILTIN_ERRORS
    # A duplicate in a step that already upserts is not told to upsert (issue 20).
    assert "upsert on it" in (BUILTIN_ERRORS.hint(NOT_UNIQUE) or "")
    assert BUILTIN_ERRORS.hint(NOT_UNIQUE, upserting=True) == v.UPSERTED_DUPLICATE_HINT


def test_the_lookup_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    assert v.destination_vocabulary("no-such-destination") is v.NEUTRAL
    assert v.destination_vocabulary("no-such-destination", BUILTIN_ERRORS) is BUILTIN_ERRORS

    class Plain:
        """A destination plugin that words nothing."""

    class Wrong:
        @staticmethod
        def error_vocabulary() -> object:
            return {"TOO_LONG": "LONG"}

    monkeypatch.setattr(v, "plugin", lambda role, name: {"plain": Plain, "wrong": Wrong}[name])
    assert v.destination_vocabulary("plain") is v.NEUTRAL
    with pytest.raises(ConnectorError, match="'wrong' connector's error_vocabulary"):
        v.destination_vocabulary("wrong")


def test_hint_templates() -> None:
    template = "truncate {field} {at_line} (step {step}, line {line})"
    assert v.render_hint(template, field="Name", step="a->B", line=7) == "truncate Name at spec line 7 (step a->B, line 7)"
    assert v.render_hint(template) == "truncate the field in the spec (step the step, line ?)"


def test_a_hint_template_a_plugin_got_wrong_never_breaks_a_report() -> None:
    assert v.render_hint("see {field} and {other}", field="Name") == "see Name and {other}"
    assert v.render_hint("a stray { brace", field="Name") == "a stray { brace"
    assert v.render_hint("{0} positional") == "{0} positional"
