"""Fingerprints compare what a run wrote with what the destination gives back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from crossmap import schema as s
from crossmap.engine.fingerprint import canonical, digest, fields_of, holds, shape

OBJ = s.ObjectSchema("Thing", [
    s.FieldSchema("Name", s.String(80)),
    s.FieldSchema("Amount", s.Numeric(16, 2)),
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
    expected = utc.replace(microsecond=utc.microsecond // 1000 * 1000).isoformat(timespec="milliseconds")
    assert canonical(None, utc) == canonical(None, elsewhere) == canonical(None, moment) == expected
    # Read back as text by a destination without a schema (a jsonl folder), typed or not.
    assert canonical(None, s.format_value(utc)) == canonical(OBJ.fields["When"], s.format_value(utc)) == expected


UNTYPED = s.FieldSchema("T", s.Untyped())


@given(st.one_of(
    st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30), timezones=st.just(dt.UTC)),
    st.dates(), st.times(), st.decimals(allow_nan=False, allow_infinity=False, places=4),
    st.integers(), st.booleans(), st.binary(max_size=20),
    st.lists(st.text(alphabet="abcxyz ", min_size=1, max_size=5), min_size=1, max_size=3).map(tuple),
))
def test_a_value_and_the_text_a_destination_keeps_for_it_compare_equal(value: object) -> None:
    # What a jsonl folder without a schema file gives back: the JSON of the value
    # (json_default: crossmap.schema.format_value's text; tuples as lists).
    import json

    from crossmap.connectors.builtin.coding import json_default

    kept = json.loads(json.dumps({"v": value}, default=json_default))["v"]
    assert canonical(UNTYPED, kept) == canonical(UNTYPED, value) == canonical(None, kept)


def test_the_issue_repro_a_datetime_written_to_a_schemaless_jsonl_folder() -> None:
    written = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    assert digest(None, {"T": written}, ["T"]) == digest(
        s.ObjectSchema("P", [UNTYPED]), {"T": "2024-01-01T00:00:00.000+0000"}, ["T"])


def test_a_number_beyond_a_doubles_digits_compares_as_the_double_it_becomes() -> None:
    written = Decimal("-99999999999999.99")  # 16 digits: Salesforce answers the double
    assert canonical(OBJ.fields["Amount"], float(written)) == canonical(OBJ.fields["Amount"], written)
    assert canonical(OBJ.fields["Amount"], Decimal("12345.67")) == "12345.67"  # exact within 15 digits
    assert canonical(OBJ.fields["Amount"], Decimal("12345.67")) != canonical(OBJ.fields["Amount"], 12345.68)


def test_fields_written_empty_are_kept_apart_and_must_stay_empty_or_hold_a_fill_in() -> None:
    row = {"Name": "a", "Amount": None, "Done": None, "When": ""}
    names = shape(["Name"], ["Amount", "Done", "When"])
    assert names == "Name|Amount,Done,When" and fields_of(names) == (["Name"], ["Amount", "Done", "When"])
    assert shape(["Name"], []) == "Name" and fields_of("Name,Amount") == (["Name", "Amount"], [])  # as before
    entries = [(names, digest(OBJ, row, ["Name"]))]
    assert holds(OBJ, row, entries)
    assert holds(OBJ, {"Name": "a", "Amount": "", "When": None}, entries)  # empty however given back
    assert not holds(OBJ, {**row, "Amount": Decimal(5)}, entries)  # set by hand
    assert not holds(OBJ, {**row, "Name": "b"}, entries)
    # The destination's own fill-in (a checkbox written empty holds false) is no change.
    fills = {"Done": False}.get

    def fill_in(field: str, value: object) -> bool:
        return field in ("Done",) and value == fills(field)

    assert holds(OBJ, {**row, "Done": False}, entries, fill_in)
    assert not holds(OBJ, {**row, "Done": False}, entries)  # a destination that fills nothing in
    assert not holds(OBJ, {**row, "Done": True}, entries, fill_in)
