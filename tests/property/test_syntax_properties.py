"""Properties of the front end over generated specs.

- No input, however malformed, produces anything but a ``CrossmapError``: text
  generated from the grammar itself (``hypothesis.extra.lark``), mutations of it and
  of the shipped specs, arbitrary unicode, and binary garbage.
- Formatting is idempotent and preserves meaning: parse(format(x)) == parse(x).
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.lark import from_lark

from crossmap.errors import CrossmapError, SpecError
from crossmap.syntax import format_spec, parse
from crossmap.syntax.parser import grammar

ROOT = Path(__file__).resolve().parents[2]
FLAGSHIP = (ROOT / "specs" / "qdispatch_to_salesforce.xmap").read_text(encoding="utf-8")

# Tokens that make parse-breaking edits likely to hit interesting states.
_PIECES = ["{", "}", "(", ")", "[", "]", '"', "`", "->", "=", "==", ":", ",", "|", "??", "\n",
           " ", "#", "@2024-01-01", "map", "if", "then", "else", "lookup(", "missing", "\\", "\x00",
           "é", "\ud7ff", "-" * 3]

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))


def generated_specs() -> st.SearchStrategy[str]:
    return from_lark(grammar(), start="start")


def mutated(base: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """``base`` with a few random cuts, insertions and duplications."""

    @st.composite
    def build(draw: st.DrawFn) -> str:
        text = draw(base)
        for _ in range(draw(st.integers(1, 4))):
            at = draw(st.integers(0, len(text)))
            edit = draw(st.sampled_from(["insert", "delete", "duplicate"]))
            if edit == "insert":
                text = text[:at] + draw(st.sampled_from(_PIECES) | st.text(max_size=3)) + text[at:]
            elif edit == "delete":
                text = text[:at] + text[at + draw(st.integers(1, 12)) :]
            else:
                text = text[:at] + text[at : at + 20] + text[at:]
        return text

    return build()


def parses_or_fails_cleanly(text: str) -> None:
    try:
        parse(text)
    except CrossmapError as error:
        assert str(error)  # every error renders to a message


@SETTINGS
@given(generated_specs())
def test_grammar_generated_text_never_crashes(text: str) -> None:
    parses_or_fails_cleanly(text)


@SETTINGS
@given(mutated(generated_specs()) | mutated(st.just(FLAGSHIP)))
def test_mutated_specs_never_crash(text: str) -> None:
    parses_or_fails_cleanly(text)


@SETTINGS
@given(st.text() | st.binary().map(lambda b: b.decode("latin-1")))
def test_arbitrary_text_never_crashes(text: str) -> None:
    parses_or_fails_cleanly(text)


@SETTINGS
@given(generated_specs())
def test_format_preserves_meaning_and_is_idempotent(text: str) -> None:
    try:
        original = parse(text)
    except SpecError:
        assume(False)
        raise  # unreachable: assume(False) aborts the example
    formatted = format_spec(text)
    assert parse(formatted) == original
    assert format_spec(formatted) == formatted


def test_deep_nesting_and_long_chains_are_errors_not_crashes() -> None:
    for text in (
        "map a -> B { X = " + "(" * 5000 + "1" + ")" * 5000 + " }",
        "map a -> B { X = " + " + ".join(["a"] * 3000) + " }",
        "map a -> B { X = " + "not " * 3000 + "a }",
    ):
        parses_or_fails_cleanly(text)


def test_huge_file_parses() -> None:
    block = "map jobs -> Case {\n" + "".join(f"  F{i}__c = f{i} ?? \"x\"\n" for i in range(50)) + "}\n"
    spec = parse(block * 200)
    assert len(spec.items) == 200
