"""The formatter: canonical output, comments kept, idempotent."""

from __future__ import annotations

from pathlib import Path

import pytest

from crossmap.syntax import format_spec, parse

ROOT = Path(__file__).resolve().parents[3]
SPECS = sorted((ROOT / "specs").rglob("*.xmap"))


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_shipped_specs_are_formatted(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert format_spec(text) == text


def test_canonical_layout() -> None:
    messy = (
        'map jobs->Case{Subject=trim( title )\nStatus= if(closed)then "Closed" else "New"\n'
        "Priority = (urgency | case_priority)\nX = (a + b) * c\n}\n"
        'valuemap v{"a"->"A" "bb","c"->"C" else keep}'
    )
    assert format_spec(messy) == (
        "map jobs -> Case {\n"
        "  Subject  = trim(title)\n"
        '  Status   = if closed then "Closed" else "New"\n'
        "  Priority = urgency | case_priority\n"
        "  X        = (a + b) * c\n"
        "}\n"
        "\n"
        "valuemap v {\n"
        '  "a"       -> "A"\n'
        '  "bb", "c" -> "C"\n'
        "  else keep\n"
        "}\n"
    )


def test_comments_are_kept_in_place() -> None:
    text = (
        "# leading\n"
        "\n"
        "map a -> B {  # header comment\n"
        "  # before X\n"
        "  X = 1  # after X\n"
        "\n"
        "  Y = 2\n"
        "  # at the end of the block\n"
        "}\n"
        "# at the end of the file\n"
    )
    assert format_spec(text) == text


def test_parentheses_are_kept_where_needed() -> None:
    for expression in ("(a or b) and c", "-(a + b)", "(if a then b else c) + 1", "not (a and b)",
                       "(a | f) + 1", "(a == b) == c", "a - (b - c)"):
        text = f"map a -> B {{\n  X = {expression}\n}}\n"
        formatted = format_spec(text)
        assert formatted == text
        assert parse(formatted) == parse(text)


def test_names_that_read_as_keywords_are_quoted() -> None:
    formatted = format_spec("map a -> B {\n  `key` = `not`\n}\n")
    assert formatted == "map a -> B {\n  `key` = `not`\n}\n"
    assert parse(formatted) == parse("map a -> B { `key` = `not` }")


def test_strings_and_dates_round_trip() -> None:
    text = 'map a -> B {\n  X = "tab\\t quote\\" bell\\u0007"\n  D = @2024-01-31T14:30:00Z\n}\n'
    assert format_spec(text) == text
