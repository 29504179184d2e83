"""Fingerprints compare what a run wrote with what the destination gives back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

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


@given(st.integers(min_value=-(10**18), max_value=10**18))
def test_an_int_is_its_normalised_decimal(value: int) -> None:
    assert canonical(None, value) == format(Decimal(str(value)).normalize(), "f") == canonical(None, Decimal(value))


@given(st.datetimes(min_value=dt.datetime(1900, 1, 2), max_value=dt.datetime(9998, 12, 30)))
def test_a_utc_datetime_is_the_same_instant_in_any_zone(moment: dt.datetime) -> None:
    utc = moment.replace(tzinfo=dt.UTC)
    elsewhere = utc.astimezone(dt.timezone(dt.timedelta(hours=-5)))
    assert canonical(None, utc) == canonical(None, elsewhere) == canonical(None, moment) == utc.isoformat()
