"""Redaction helpers: values masked to their type and length, long failing values
abbreviated, and redacted reports saying so."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from crossmap.engine.readback import Cell, RecordDiff
from crossmap.reports import AuditReport, ErrorLine, render_html, render_text
from crossmap.reports.redact import (
    MESSAGE_WIDTH,
    REDACTED_BANNER,
    WIDTH,
    abbreviate,
    mark_redacted,
    mask,
    redact_audit,
    redact_message,
    redact_record_diff,
    shorten_values,
)

SECRET = "Margaret Okonkwo-Vasquez"


@pytest.mark.parametrize(("value", "shown"), [
    (SECRET, "<redacted str, 24 chars>"),
    (42, "<redacted int, 2 digits>"),
    (Decimal("-1250.50"), "<redacted number, 6 digits>"),
    (True, "<redacted bool>"),
    (dt.date(2024, 5, 1), "<redacted date>"),
    (dt.datetime(2024, 5, 1, 9, tzinfo=dt.UTC), "<redacted datetime>"),
    (b"\x00\x01", "<redacted bytes, 2 bytes>"),
    (["a", "b"], "<redacted list, 2 items>"),
    ({"Name": SECRET}, "<redacted record, 1 field>"),
])
def test_a_masked_value_keeps_its_type_and_length(value: object, shown: str) -> None:
    assert mask(value) == shown
    assert mask(None) is None


def test_abbreviate_keeps_the_start_and_says_how_long() -> None:
    assert abbreviate("short") == "short"
    long = "x" * 300
    shortened = abbreviate(long)
    assert shortened.startswith("x" * (WIDTH - 1) + "…") and shortened.endswith("(300 chars)")
    assert len(shortened) < WIDTH + 15


def test_values_in_a_message_are_abbreviated_the_message_kept() -> None:
    value = "awaiting parts from " + SECRET + " at 17 Quarry Lane " * 12
    message = f"{value!r} is not in value map 'work_order_status'"
    shortened = shorten_values(message)
    assert shortened is not None
    assert value not in shortened and shortened.endswith("is not in value map 'work_order_status'")
    assert f"({len(value)} chars)" in shortened and SECRET in shortened  # its start identifies it
    unquoted = shorten_values("data value too large: " + "y" * 100 + " (max length=80)")
    assert unquoted == "data value too large: " + "y" * (WIDTH - 1) + "… (100 chars) (max length=80)"
    assert shorten_values("don't 'go' there") == "don't 'go' there"
    assert len(shorten_values("word " * 200) or "") < MESSAGE_WIDTH + 15
    assert shorten_values(None) is None


def test_a_redacted_message_is_only_its_length() -> None:
    assert redact_message(f"{SECRET!r} is not a date") == "<redacted message, 40 chars>"
    assert redact_message(None) is None


def test_a_record_diff_keeps_its_names_keys_and_verdicts() -> None:
    record = RecordDiff("people->Contact", "Contact", "P-7", "003000000000007", (
        Cell("LastName", (("last_name", SECRET),), SECRET, SECRET.upper(), "normalised", "case changed"),
        Cell("Phone", (("phone", None),), None, None, "equal"),
    ))
    redacted = redact_record_diff(record)
    assert SECRET.lower() not in repr(redacted).lower()
    assert (redacted.step, redacted.target, redacted.key, redacted.id) == (
        "people->Contact", "Contact", "P-7", "003000000000007")
    name, phone = redacted.cells
    assert name == Cell("LastName", (("last_name", "<redacted str, 24 chars>"),), "<redacted str, 24 chars>",
                        "<redacted str, 24 chars>", "normalised", "case changed")
    assert phone == record.cells[1]


def test_a_redacted_audit_report_in_all_three_forms() -> None:
    report = AuditReport(7, "shop.xmap", "full", "succeeded", "2026-01-01", None, (), (
        ErrorLine("people->Contact", "STRING_TOO_LONG", "LastName", 3, ("P-1", "P-2"),
                  f"{SECRET!r} is too long", "truncate LastName"),
    ))
    redacted = redact_audit(report)
    text, json_text, page = mark_redacted(render_text(redacted), redacted.to_json(), render_html(redacted))
    for form in (text, json_text, page):
        assert SECRET not in form
        assert "STRING_TOO_LONG" in form and "LastName" in form and "P-1" in form
    assert text.startswith(f"({REDACTED_BANNER})\n")
    data = json.loads(json_text)
    assert data["redacted"] is True and data["errors"][0]["reason"] == "<redacted message, 38 chars>"
    assert page.index(REDACTED_BANNER) > page.index("<body>")
    assert SECRET in render_text(report)  # the same report unredacted shows it: the check can fail
