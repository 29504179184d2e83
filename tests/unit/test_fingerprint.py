"""Fingerprints compare what a run wrote with what the destination gives back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from crossmap import schema as s
from crossmap.engine.fingerprint import canonical, digest

OBJ = s.ObjectSchema("Thing", [
    s.FieldSchema("Name", s.String(80)),
    s.FieldSchema("Amount", s.Decimal(16, 2)),
    s.FieldSchema("When", s.DateTime()),
    s.FieldSchema("Done", s.Boolean()),
])


def test_the_forms_a_destination_gives_back_compare_equal() -> None:
    assert canonical(OBJ.fields["Amount"], "1.50") == canonical(OBJ.fields["Amount"], Decimal("1.5")) == "1.5"
    written = dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    assert canonical(OBJ.fields["When"], "2024-01-02T03:04:05.000+0000") == canonical(OBJ.fields["When"], written)
    assert canonical(OBJ.fields["Done"], "true") == canonical(OBJ.fields["Done"], True) == "true"
    assert canonical(OBJ.fields["Name"], " 1.50 ") == " 1.50 "   # text stays as it is
    assert canonical(OBJ.fields["Amount"], "not a number") == "not a number"
    assert canonical(None, "") == canonical(OBJ.fields["Name"], None) == ""


def test_a_digest_changes_with_any_value_and_not_with_the_form() -> None:
    fields = ["Amount", "Name", "When"]
    written = {"Name": "Acme", "Amount": Decimal("1.50"), "When": dt.datetime(2024, 1, 2, tzinfo=dt.UTC)}
    read_back = {"Name": "Acme", "Amount": 1.5, "When": "2024-01-02T00:00:00.000+0000"}
    assert digest(OBJ, written, fields) == digest(OBJ, read_back, fields)
    assert digest(OBJ, written, fields) != digest(OBJ, {**read_back, "Name": "Acme Inc"}, fields)
    assert digest(None, {"Name": "Acme"}, ["Name"]) == digest(OBJ, {"Name": "Acme"}, ["Name"])
