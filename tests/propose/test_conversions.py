"""Conversions instead of custom text fields: sampled text that reads as the
destination field's type once cleaned is proposed into the standard field, through
the language's own functions (docs/functions.md)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from crossmap.cli import main
from crossmap.propose.conversions import find_conversion

CORPUS = Path(__file__).resolve().parent / "corpus"


@pytest.mark.parametrize(
    ("values", "kind", "expression", "first"),
    [
        (["$1,200.50", "1,200.00", "$4,047,008.72"], "decimal",
         'x | regex_replace("[$€£¥,\\\\s]", "") | to_decimal', Decimal("1200.50")),
        (["12.5", "-3"], "decimal", "x | to_decimal", Decimal("12.5")),
        (["1,200", "33"], "integer", 'x | replace(",", "") | to_integer', 1200),
        (["40%", "100%"], "decimal", 'x | replace("%", "") | to_decimal', Decimal(40)),
        (["03/15/2024", "12/31/2023"], "date", 'x | to_date("%m/%d/%Y")', dt.date(2024, 3, 15)),
        (["15.03.2024", "01.12.2023"], "date", 'x | to_date("%d.%m.%Y")', dt.date(2024, 3, 15)),
        (["Mar 15, 2024 02:15 PM"], "date", 'x | to_datetime("%b %d, %Y %I:%M %p") | date_of',
         dt.date(2024, 3, 15)),
        (["2024-09-07T18:45:00.000Z"], "datetime", 'x | to_datetime("iso8601")',
         dt.datetime(2024, 9, 7, 18, 45, tzinfo=dt.UTC)),
        (["1704700800000", "1704787200000"], "date", "add_days(@1970-01-01, floor(to_decimal(x) / 86400000))",
         dt.date(2024, 1, 8)),
        (["1704700800", "1704787200"], "date", "add_days(@1970-01-01, floor(to_decimal(x) / 86400))",
         dt.date(2024, 1, 8)),
        (["yes", "no", "Y"], "boolean", "x | to_boolean", True),
    ],
)
def test_known_cleanings_convert_text(values: list[str], kind: str, expression: str, first: object) -> None:
    found = find_conversion(values, kind)
    assert found is not None
    assert found.render("x") == expression
    assert found.apply(values[0]) == first


def test_what_does_not_convert_is_not_proposed() -> None:
    assert find_conversion(["12 apples", "n/a", "7"], "decimal") is None
    assert find_conversion(["soon", "later"], "date") is None
    # No function reads an epoch as a datetime: none is proposed.
    assert find_conversion(["1704700800000"], "datetime") is None
    # A few bad values among many are tolerated (90%)...
    assert find_conversion([*(f"{i},000" for i in range(1, 20)), "unknown"], "integer") is not None


def test_a_date_format_two_readings_fit_is_noted() -> None:
    found = find_conversion(["03/05/2024", "12/01/2024"], "date")
    assert found is not None and found.note == "the values also read as dates %d/%m/%Y"


def test_the_issues_hubspot_fields_get_standard_fields_with_conversions() -> None:
    """annualrevenue ("$1,200.50") and numberofemployees ("1,200") into AnnualRevenue
    and NumberOfEmployees, jobtitle into Title: no custom text fields for them."""
    result = CliRunner().invoke(main, [
        "propose", "--source", "csv", "--source-option", f"path={CORPUS / 'hubspot' / 'data'}",
        "--source-option", "key=hs_object_id", "--target", "salesforce", "--objects", "companies,contacts",
        "--sample", "200",
    ])
    assert result.exit_code == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert 'AnnualRevenue = annualrevenue | regex_replace("[$€£¥,\\\\s]", "") | to_decimal' in text
    assert 'NumberOfEmployees = numberofemployees | replace(",", "") | to_integer' in text
    assert "Title = truncate(jobtitle, 128)" in text
    assert "converted from currency text" in text
    for custom in ("Annualrevenue__c", "Numberofemployees__c", "Jobtitle__c", "Associatedcompanyid__c"):
        assert custom not in text


def test_custom_fields_are_typed_by_what_the_text_converts_to() -> None:
    """A custom field is proposed only where no destination field fits; it is then a
    datetime (or date, or currency) field with the conversion, not text. Digits that
    are codes (postal codes, ids) stay text."""
    result = CliRunner().invoke(main, [
        "propose", "--source", "csv", "--source-option", f"path={CORPUS / 'shopify' / 'data'}",
        "--source-option", "key_customers=Customer ID", "--target", "salesforce", "--objects", "customers",
        "--sample", "200",
    ])
    assert result.exit_code == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert 'Total_Spent__c = `Total Spent` | replace(",", "") | to_decimal' in text
    assert "Total_Spent__c: currency(18, 2)" in text
    assert "MailingPostalCode = truncate(Zip, 20)" in text  # '02108 stays text
