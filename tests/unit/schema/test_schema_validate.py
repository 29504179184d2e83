"""The row validator: one test per rule, with the neutral kinds, facts and messages.

Salesforce's codes and wording for each kind: tests/salesforce/test_sf_violations.py."""

from __future__ import annotations

import decimal
from datetime import UTC, date, datetime, time

import pytest

from crossmap.schema import (
    Blob,
    Boolean,
    Date,
    DateTime,
    Enum,
    FieldSchema,
    Id,
    Integer,
    ListOf,
    Numeric,
    ObjectSchema,
    Reference,
    RowValidator,
    String,
    Text,
    Time,
    Untyped,
    Violation,
    ViolationKind,
    row_validator,
    validate_row,
    validate_value,
)

K = ViolationKind

CASE = ObjectSchema(
    "Case",
    [
        FieldSchema("Id", Id(), nullable=False, createable=False, updateable=False,
                    defaulted_on_create=True),
        FieldSchema("Subject", String(255)),
        FieldSchema("Description", Text(32000)),
        FieldSchema("Status", Enum(["New", "Working", "Closed"], restricted=True),
                    defaulted_on_create=True),
        FieldSchema("Origin", Enum(["Phone", "Web"], restricted=False)),
        FieldSchema("Tags__c", Enum(["a", "b", "c"], restricted=True, multi=True)),
        FieldSchema("LastName__c", String(80), nullable=False),
        FieldSchema("Code__c", String(10), nullable=False),
        FieldSchema("ClosedDate", DateTime(), createable=False, updateable=False),
        FieldSchema("IsClosed", Boolean(), nullable=False, createable=False, updateable=False,
                    defaulted_on_create=True),
        FieldSchema("ParentId", Reference(["Case"]), updateable=False),
        FieldSchema("IsEscalated", Boolean(), nullable=False, defaulted_on_create=True),
        FieldSchema("Flag__c", Boolean(), nullable=False),
        FieldSchema("Count__c", Integer()),
        FieldSchema("Amount__c", Numeric(5, 2)),
        FieldSchema("Ratio__c", Numeric()),
        FieldSchema("Due__c", Date()),
        FieldSchema("When__c", DateTime()),
        FieldSchema("At__c", Time()),
        FieldSchema("SuppliedEmail", String(80, "email")),
        FieldSchema("SuppliedPhone", String(40, "phone")),
        FieldSchema("Body__c", Blob()),
        FieldSchema("Lines__c", ListOf("Line")),
        FieldSchema("Extra__c", Untyped()),
        FieldSchema("OwnerId", Reference(["User", "Group"]), nullable=False,
                    defaulted_on_create=True),
        FieldSchema("CreatedDate", DateTime(), nullable=False, createable=False,
                    updateable=False, defaulted_on_create=True),
    ],
    key="Id",
)

BASE = {"LastName__c": "Smith", "Code__c": "C-1"}


def insert(row: dict[str, object], **kw: object) -> list[Violation]:
    return validate_row(CASE, {**BASE, **row}, operation="insert", **kw)  # type: ignore[arg-type]


def one(violations: list[Violation]) -> Violation:
    assert len(violations) == 1, violations
    return violations[0]


# --- acceptance ---------------------------------------------------------------------


def test_a_valid_row_has_no_violations() -> None:
    row = {
        "Subject": "Printer on fire",
        "Description": "x" * 32000,
        "Status": "New",
        "Origin": "Carrier pigeon",  # unrestricted picklist: any text
        "Tags__c": "a;c",
        "ParentId": "500000000000001AAA",
        "Flag__c": False,
        "Count__c": 3,
        "Amount__c": decimal.Decimal("999.99"),
        "Ratio__c": 1.5,
        "Due__c": date(2024, 1, 2),
        "When__c": datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
        "At__c": time(9, 30),
        "SuppliedEmail": "ops@example.com",
        "SuppliedPhone": "anything goes (555)",
        "Body__c": b"\x00\x01",
        "Lines__c": [{"Sku": "A"}],
        "Extra__c": object(),
    }
    assert insert(row) == []


def test_json_text_forms_are_accepted_in_typed_rows() -> None:
    # REST bodies carry dates, datetimes, numbers and booleans as JSON strings.
    row = {
        "Due__c": "2024-01-02",
        "When__c": "2024-01-02T03:04:05.000+0000",
        "At__c": "09:30:00.000Z",
        "Count__c": "12",
        "Amount__c": "12.5",
        "Flag__c": "true",
        "Body__c": "AAE=",
    }
    assert insert(row) == []


# --- MISSING_REQUIRED ---------------------------------------------------------------


def test_insert_lists_every_missing_required_field_in_one_violation() -> None:
    v = one(validate_row(CASE, {"Subject": "s"}, operation="insert"))
    assert v == Violation(
        K.MISSING_REQUIRED,
        "required fields have no value: LastName__c, Code__c",
        ("LastName__c", "Code__c"),
        object="Case",
    )


def test_null_and_empty_string_count_as_missing_on_insert() -> None:
    v = one(validate_row(CASE, {"LastName__c": None, "Code__c": ""}, operation="insert"))
    assert v.code == "MISSING_REQUIRED"
    assert v.fields == ("LastName__c", "Code__c")


def test_upsert_requires_like_insert() -> None:
    v = one(validate_row(CASE, {"Code__c": "x"}, operation="upsert"))
    assert v.message == "required fields have no value: LastName__c"


def test_update_does_not_require_fields() -> None:
    row = {"Id": "500000000000001AAA", "Subject": "s"}
    assert validate_row(CASE, row, operation="update") == []


def test_update_may_not_null_a_non_nullable_field() -> None:
    v = one(validate_row(CASE, {"Id": "5001", "LastName__c": None}, operation="update"))
    assert v == Violation(
        K.MISSING_REQUIRED, "required fields have no value: LastName__c", ("LastName__c",), object="Case"
    )


def test_booleans_and_defaulted_fields_are_never_required() -> None:
    assert CASE.field("Flag__c").required_on_create is False
    assert CASE.field("OwnerId").required_on_create is False
    # Nulling a boolean on update means false, as in Salesforce.
    assert validate_row(CASE, {"Id": "5001", "Flag__c": None}, operation="update") == []
    assert insert({"Flag__c": None, "OwnerId": None}) == []


# --- UNKNOWN_FIELD --------------------------------------------------------------------


def test_unknown_field_is_invalid_field() -> None:
    v = one(insert({"Foo__c": 1}))
    assert v == Violation(K.UNKNOWN_FIELD, "no field 'Foo__c' on Case", ("Foo__c",), object="Case")


def test_field_names_match_case_insensitively() -> None:
    assert validate_row(CASE, {"lastname__c": "x", "CODE__C": "y"}, operation="insert") == []
    v = one(insert({"subject": "x" * 256}))
    assert v.code == "TOO_LONG"
    assert v.fields == ("Subject",)


# --- NOT_WRITABLE, ID_ON_INSERT -----------------------------------------------


def test_non_createable_fields_are_rejected_on_insert_in_one_violation() -> None:
    v = one(insert({"ClosedDate": "2024-01-02T03:04:05.000+0000", "IsClosed": True}))
    assert v == Violation(
        K.NOT_WRITABLE,
        "fields an insert may not write: ClosedDate, IsClosed",
        ("ClosedDate", "IsClosed"),
        object="Case",
    )


def test_non_createable_field_is_rejected_on_upsert() -> None:
    v = one(validate_row(CASE, {**BASE, "ClosedDate": None}, operation="upsert"))
    assert v.code == "NOT_WRITABLE"
    assert v.fields == ("ClosedDate",)


def test_non_updateable_field_is_rejected_on_update_but_not_insert() -> None:
    v = one(validate_row(CASE, {"Id": "5001", "ParentId": "5002"}, operation="update"))
    assert v.message == "fields an update may not write: ParentId"
    assert insert({"ParentId": "5002"}) == []


def test_audit_fields_may_be_written_on_create_when_allowed() -> None:
    row = {"CreatedDate": "2020-01-01T00:00:00.000+0000"}
    assert one(insert(row)).fields == ("CreatedDate",)
    assert insert(row, allow_audit_fields=frozenset({"CreatedDate"})) == []
    # The permission is about creation only.
    v = one(
        validate_row(
            CASE,
            {"Id": "5001", **row},
            operation="update",
            allow_audit_fields=frozenset({"CreatedDate"}),
        )
    )
    assert v.code == "NOT_WRITABLE"


def test_id_selects_the_record_on_update_and_upsert_but_not_insert() -> None:
    assert validate_row(CASE, {"Id": "5001"}, operation="update") == []
    assert validate_row(CASE, {**BASE, "Id": "5001"}, operation="upsert") == []
    v = one(insert({"Id": "5001"}))
    assert v == Violation(K.ID_ON_INSERT, "an insert may not give the record's id", ("Id",), object="Case")


# --- TOO_LONG ------------------------------------------------------------------


@pytest.mark.parametrize("operation", ["insert", "update", "upsert"])
def test_string_too_long(operation: str) -> None:
    value = "y" * 256
    row = {**BASE, "Subject": value}
    v = one(validate_row(CASE, row, operation=operation))  # type: ignore[arg-type]
    assert v == Violation(
        K.TOO_LONG, f"Subject: longer than the field's 255 characters: {value}", ("Subject",), value, 255
    )


def test_string_at_max_length_is_fine_and_text_has_its_own_limit() -> None:
    assert insert({"Subject": "y" * 255}) == []
    v = one(insert({"Description": "d" * 32001}))
    assert v.code == "TOO_LONG"
    assert v.limit == 32000 and "32000 characters" in v.message


# --- NOT_IN_PICKLIST -------------------------------------------


def test_restricted_picklist_rejects_unknown_value() -> None:
    v = one(insert({"Status": "Foo"}))
    assert v == Violation(
        K.NOT_IN_PICKLIST, "Status: not one of the restricted picklist's values: Foo", ("Status",), "Foo"
    )


def test_restricted_picklist_is_case_sensitive() -> None:
    assert one(insert({"Status": "new"})).code == "NOT_IN_PICKLIST"


def test_multi_select_checks_every_member() -> None:
    assert insert({"Tags__c": ["a", "b"]}) == []
    v = one(insert({"Tags__c": "a;zz;b"}))
    assert (v.message, v.value) == ("Tags__c: not one of the restricted picklist's values: zz", "zz")


# --- WRONG_TYPE ---------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("Flag__c", "yes"),
        ("Flag__c", 1),
        ("Count__c", "1.5"),
        ("Count__c", True),
        ("Count__c", 1.5),
        ("Amount__c", "12,5"),
        ("Amount__c", float("nan")),
        ("Amount__c", False),
        ("Due__c", "2024-13-01"),
        ("Due__c", "01/02/2024"),
        ("Due__c", datetime(2024, 1, 2, tzinfo=UTC)),
        ("When__c", "2024-01-02"),
        ("When__c", date(2024, 1, 2)),
        ("At__c", "25:00:00"),
        ("Subject", 42),
        ("ParentId", 42),
        ("Body__c", "not base64!"),
        ("Lines__c", "not a list"),
        ("Status", 3),
    ],
)
def test_wrong_type(field: str, value: object) -> None:
    v = one(insert({field: value}))
    # The value itself, not an equal one (NaN equals nothing).
    assert v.value is value
    assert (v.kind, v.message, v.fields) == (K.WRONG_TYPE, f"{field}: not a value of the field's type: {value}",
                                             (field,))


def test_integral_float_is_an_integer() -> None:
    assert insert({"Count__c": 3.0}) == []


# --- INVALID_EMAIL ------------------------------------------------------------


@pytest.mark.parametrize("value", ["bob", "bob@", "@example.com", "bob@example", "a b@example.com"])
def test_bad_email(value: str) -> None:
    v = one(insert({"SuppliedEmail": value}))
    assert v == Violation(K.INVALID_EMAIL, f"SuppliedEmail: not an email address: {value}", ("SuppliedEmail",), value)


# --- OUT_OF_RANGE -------------------------------------------------------


@pytest.mark.parametrize("value", [1000, "1000.00", decimal.Decimal(-1000), 999.995])
def test_number_outside_valid_range(value: object) -> None:
    # Numeric(5, 2): three digits before the point. 999.995 rounds up to 1000.00.
    v = one(insert({"Amount__c": value}))
    assert v == Violation(
        K.OUT_OF_RANGE, f"Amount__c: more than the field's 3 whole digits: {value}", ("Amount__c",), value, 3
    )


@pytest.mark.parametrize("value", [999, "-999.99", decimal.Decimal("0.001"), 999.994, 0])
def test_number_inside_range_and_extra_fraction_digits_round(value: object) -> None:
    assert insert({"Amount__c": value}) == []


# --- text values (Bulk API 2.0 CSV) ----------------------------------------------------


def test_text_values_parse_every_type() -> None:
    row = {
        "Flag__c": "false",
        "Count__c": "-7",
        "Amount__c": "12.50",
        "Due__c": "2024-02-29",
        "When__c": "2024-01-02T03:04:05Z",
        "At__c": "23:59:59",
        "Tags__c": "a;b",
        "Status": "Closed",
    }
    assert insert(row, text_values=True) == []


def test_text_values_bad_cells_are_typed_violations() -> None:
    violations = insert({"Flag__c": "maybe", "Due__c": "2023-02-29"}, text_values=True)
    assert [v.code for v in violations] == ["WRONG_TYPE"] * 2
    assert violations[1].message == "Due__c: not a value of the field's type: 2023-02-29"


def test_text_values_empty_cell_is_missing_on_insert() -> None:
    v = one(validate_row(CASE, {"LastName__c": "", "Code__c": "x"}, operation="insert",
                         text_values=True))
    assert v.fields == ("LastName__c",)


def test_text_values_empty_cell_leaves_field_unchanged_on_update() -> None:
    row = {"Id": "5001", "LastName__c": "", "ClosedDate": ""}
    assert validate_row(CASE, row, operation="update", text_values=True) == []


def test_text_values_na_is_an_explicit_null() -> None:
    row = {"Id": "5001", "LastName__c": "#N/A"}
    v = one(validate_row(CASE, row, operation="update", text_values=True))
    assert v.code == "MISSING_REQUIRED"
    v = one(validate_row(CASE, {"Id": "5001", "ParentId": "#N/A"}, operation="update",
                         text_values=True))
    assert v.code == "NOT_WRITABLE"
    assert validate_row(CASE, {"Id": "5001", "Subject": "#N/A"}, operation="update",
                        text_values=True) == []


# --- order, caching, misuse -------------------------------------------------------------


def test_violations_come_in_salesforce_order_with_neutral_codes() -> None:
    row = {"Bogus": 1, "Subject": "s" * 300, "ClosedDate": None, "Code__c": "c"}
    codes = [v.code for v in validate_row(CASE, row, operation="insert")]
    assert codes == [
        "UNKNOWN_FIELD",
        "NOT_WRITABLE",
        "TOO_LONG",
        "MISSING_REQUIRED",
    ]


def test_row_validator_is_cached_per_object_and_options() -> None:
    a = row_validator(CASE, operation="insert")
    assert row_validator(CASE, operation="insert") is a
    assert row_validator(CASE, operation="update") is not a
    assert row_validator(CASE, operation="insert", text_values=True) is not a
    assert isinstance(a, RowValidator)
    assert "Case" in repr(a)


def test_unknown_operation_is_rejected() -> None:
    with pytest.raises(ValueError, match="operation must be one of"):
        validate_row(CASE, {}, operation="delete")  # type: ignore[arg-type]


def test_validate_value_checks_a_single_value() -> None:
    assert validate_value(CASE.field("Status"), "New") is None
    bad = validate_value(CASE.field("Status"), "Nope")
    assert bad is not None and bad.code == "NOT_IN_PICKLIST"


# --- references by external id, through the relationship name ---------------------------

CONTACT = ObjectSchema(
    "Contact",
    [
        FieldSchema("LastName", String(80), nullable=False),
        FieldSchema("AccountId", Reference(["Account"]), nullable=False,
                    relationship_name="Account"),
        FieldSchema("ReportsToId", Reference(["Contact"]), updateable=False,
                    relationship_name="ReportsTo"),
        FieldSchema("Plain__c", Reference(["Account"])),
    ],
)


def test_reference_by_external_id_fills_the_reference_field() -> None:
    row = {"LastName": "Lovelace", "Account": {"Ext__c": "A-1"}}
    assert validate_row(CONTACT, row, operation="insert") == []
    assert validate_row(CONTACT, {"LastName": "L", "account": {"Ext__c": "A-1"}},
                        operation="insert") == []


def test_reference_by_external_id_as_a_csv_column() -> None:
    row = {"LastName": "Lovelace", "Account.Ext__c": "A-1"}
    assert validate_row(CONTACT, row, operation="insert", text_values=True) == []
    v = one(validate_row(CONTACT, {"LastName": "L", "Account.Ext__c": ""}, operation="insert",
                         text_values=True))
    assert v.fields == ("AccountId",)


def test_reference_by_external_id_must_be_one_key_and_writable() -> None:
    v = one(validate_row(CONTACT, {"LastName": "L", "Account": "001"}, operation="insert"))
    assert v.code == "WRONG_TYPE"
    assert v.fields == ("AccountId",)
    v = one(validate_row(CONTACT, {"ReportsTo.Ext__c": "C-1"}, operation="update"))
    assert v.message == "fields an update may not write: ReportsToId"


def test_unknown_relationship_is_an_unknown_field() -> None:
    for key in ["Acount.Ext__c", "Account.Owner.Ext__c", "Plain__c.Ext__c", "Account."]:
        v = validate_row(CONTACT, {"LastName": "L", "AccountId": "001", key: "x"},
                         operation="insert")
        assert [x.code for x in v] == ["UNKNOWN_FIELD"], key
        assert v[0].fields == (key,)


@pytest.mark.parametrize(
    ("number_type", "value", "ok"),
    [
        (Numeric(2, 2), "0.99", True),
        (Numeric(2, 2), "0.999", False),  # rounds to 1.00: one whole digit, none allowed
        (Numeric(2, 2), "0.0999", True),
        (Numeric(18, 0), "1e17", True),
        (Numeric(18, 0), "1e18", False),
        (Numeric(18, 0), "1e999999", False),  # must not expand a million digits
        (Numeric(3, None), "999.9999", True),
        (Numeric(3, None), "1000", False),
        (Numeric(None, None), "1e999999", True),
    ],
)
def test_decimal_range_edges(number_type: Numeric, value: str, ok: bool) -> None:
    obj = ObjectSchema("N", [FieldSchema("X", number_type)])
    codes = [v.code for v in validate_row(obj, {"X": value}, operation="insert")]
    assert codes == ([] if ok else ["OUT_OF_RANGE"])
