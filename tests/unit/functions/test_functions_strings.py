"""Text functions: results, and failures with their exact messages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from crossmap.functions import ConversionError
from crossmap.functions import strings as s


def test_trim_lower_upper() -> None:
    assert s.trim("  No heat \t\n") == "No heat"
    assert s.lower("Ana@Example.COM") == "ana@example.com"
    assert s.upper("cod") == "COD"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("en_route", "En Route"),
        ("IN_PROGRESS", "In Progress"),
        ("residential", "Residential"),
        ("  flat   rate ", "Flat Rate"),
        ("o'brien", "O'brien"),
        ("mcdonald", "Mcdonald"),
        ("", ""),
    ],
)
def test_title(value: str, expected: str) -> None:
    assert s.title(value) == expected


def test_capitalize_and_upper_first() -> None:
    assert s.capitalize("hELLO wORLD") == "Hello world"
    assert s.upper_first("cod") == "Cod"
    assert s.upper_first("eMail") == "EMail"
    assert s.upper_first("") == ""


def test_truncate() -> None:
    assert s.truncate("No heat", 2) == "No"
    assert s.truncate("No heat", 255) == "No heat"
    assert s.truncate("No heat", 0) == ""


def test_truncate_refuses_a_negative_length() -> None:
    with pytest.raises(ConversionError, match=r"^truncate length must be 0 or more, not -1$"):
        s.truncate("x", -1)


def test_substring() -> None:
    assert s.substring("J-10001", 2, 3) == "100"
    assert s.substring("J-10001", 5, 10) == "01"
    assert s.substring("J-10001", 50, 2) == ""


def test_substring_refuses_negative_positions() -> None:
    with pytest.raises(
        ConversionError, match=r"^substring start and length must be 0 or more, not -1 and 2$"
    ):
        s.substring("abc", -1, 2)


def test_replace() -> None:
    assert s.replace("a-b-c", "-", "/") == "a/b/c"
    with pytest.raises(ConversionError, match=r"^replace needs a non-empty text to replace$"):
        s.replace("abc", "", "x")


def test_regex_replace() -> None:
    assert s.regex_replace("(555) 010-2030", r"[^0-9]", "") == "5550102030"
    assert s.regex_replace("Ng, Ana", r"(\w+), (\w+)", r"\2 \1") == "Ana Ng"


def test_regex_replace_reports_a_bad_pattern() -> None:
    with pytest.raises(ConversionError) as caught:
        s.regex_replace("abc", "(", "x")
    assert str(caught.value) == (
        "'(' is not a valid regular expression: missing ), unterminated subpattern at position 0"
    )


def test_regex_replace_reports_a_bad_replacement() -> None:
    with pytest.raises(ConversionError) as caught:
        s.regex_replace("abc", "b", r"\2")
    assert (
        str(caught.value)
        == "'\\\\2' is not a valid replacement: invalid group reference 2 at position 1"
    )


def test_pattern_cache_stays_bounded() -> None:
    for n in range(s._MAX_PATTERNS + 10):
        assert s.matches(f"x{n}", f"x{n}$")
    assert len(s._PATTERNS) <= s._MAX_PATTERNS


def test_matches_searches_anywhere_unless_anchored() -> None:
    assert s.matches("ana@example.com", "@example")
    assert not s.matches("ana@example.com", "^@example")
    assert s.matches("J-10001", r"^J-[0-9]+$")


def test_split() -> None:
    assert s.split("Mon AM;Tue PM", ";") == ["Mon AM", "Tue PM"]
    assert s.split("", ";") == []
    assert s.split("a;;b", ";") == ["a", "", "b"]
    with pytest.raises(ConversionError, match=r"^split needs a non-empty separator$"):
        s.split("a", "")


def test_join_converts_elements_and_skips_nulls() -> None:
    assert s.join(["Mon AM", None, "Tue PM"], ";") == "Mon AM;Tue PM"
    assert s.join([1, Decimal("2.50"), True, date(2025, 1, 2)], ", ") == "1, 2.50, true, 2025-01-02"
    assert s.join([], ";") == ""


def test_join_refuses_nested_lists() -> None:
    with pytest.raises(ConversionError, match=r"^\[1\] is a list, not text; use join"):
        s.join([[1]], ";")


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("", None), ("   \t\n", None), ("Ng", "Ng"), (" Ng ", " Ng ")],
)
def test_nonblank(value: str | None, expected: str | None) -> None:
    assert s.nonblank(value) == expected


def test_pad_left() -> None:
    assert s.pad_left("42", 5) == "00042"
    assert s.pad_left("42", 4, " ") == "  42"
    assert s.pad_left("123456", 5) == "123456"
    with pytest.raises(
        ConversionError, match=r"^pad_left fill must be exactly one character, not 'ab'$"
    ):
        s.pad_left("1", 3, "ab")


def test_digits_and_length() -> None:
    assert s.digits("+1 (555) 010-2030 ext. 4") == "155501020304"
    # Only ASCII digits: other scripts' digits would not dial.
    assert s.digits("٣٤5") == "5"
    assert s.length("No heat") == 7
    assert s.length("") == 0
