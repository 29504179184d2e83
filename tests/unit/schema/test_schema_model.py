"""The schema model: field flags, look-ups, extension, "did you mean"."""

from __future__ import annotations

import pytest

import crossmap.schema as schema_pkg
from crossmap.schema import (
    Boolean,
    Enum,
    FieldSchema,
    Id,
    Integer,
    ListOf,
    Numeric,
    ObjectSchema,
    Reference,
    Schema,
    String,
    Text,
    UnknownFieldError,
    UnknownObjectError,
    close_names,
    describe_type,
    suggestion,
)

ACCOUNT = ObjectSchema(
    "Account",
    [
        FieldSchema("Id", Id(), nullable=False, createable=False, updateable=False),
        FieldSchema("Name", String(255), nullable=False),
        FieldSchema("Ext__c", String(40), external_id=True, unique=True, custom=True),
        FieldSchema("OwnerId", Reference(["User"]), nullable=False, defaulted_on_create=True,
                    relationship_name="Owner"),
    ],
    key="Id",
)
CONTACT = ObjectSchema("Contact", [FieldSchema("LastName", String(80), nullable=False)])
SCHEMA = Schema([ACCOUNT, CONTACT])


def test_required_on_create() -> None:
    assert FieldSchema("A", String(), nullable=False).required_on_create
    assert not FieldSchema("A", String()).required_on_create
    assert not FieldSchema("A", String(), nullable=False, createable=False).required_on_create
    assert not FieldSchema("A", String(), nullable=False,
                           defaulted_on_create=True).required_on_create
    assert not FieldSchema("A", Boolean(), nullable=False).required_on_create
    assert ACCOUNT.required_on_create == ("Name",)
    assert ACCOUNT.external_ids == ("Ext__c",)


def test_field_flags_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        FieldSchema("A", String(), None, False)  # type: ignore[misc]


def test_field_lookup_exact_and_case_insensitive() -> None:
    assert ACCOUNT.field("Name").type == String(255)
    assert ACCOUNT.find_field("name") is ACCOUNT.fields["Name"]
    assert ACCOUNT.find_field("NAME") is ACCOUNT.fields["Name"]
    assert ACCOUNT.find_field("Nope") is None
    with pytest.raises(UnknownFieldError) as info:
        ACCOUNT.field("name")
    assert str(info.value) == "unknown field 'name' on object 'Account' (did you mean 'Name'?)"


def test_unknown_field_suggests_close_names() -> None:
    with pytest.raises(UnknownFieldError, match=r"did you mean 'OwnerId'\?"):
        ACCOUNT.field("OwnerID_")


def test_object_lookup() -> None:
    assert SCHEMA.object("Account") is ACCOUNT
    assert SCHEMA.object("account") is ACCOUNT
    assert "CONTACT" in SCHEMA
    assert "Lead" not in SCHEMA
    assert len(SCHEMA) == 2
    assert [o.name for o in SCHEMA] == ["Account", "Contact"]
    with pytest.raises(UnknownObjectError) as info:
        SCHEMA.object("Acount")
    assert str(info.value) == "unknown object 'Acount' (did you mean 'Account'?)"
    assert isinstance(info.value, LookupError)


def test_did_you_mean() -> None:
    names = ["LastName", "FirstName", "Email", "MailingCity"]
    assert close_names("lastname", names) == ["LastName"]
    assert close_names("Emial", names) == ["Email"]
    assert close_names("zzz", names) == []
    assert suggestion("zzz", names) == ""
    assert suggestion("Nme", ["Name", "Names"]) == " (did you mean 'Name' or 'Names'?)"


def test_with_object_replaces_case_insensitively() -> None:
    new = ObjectSchema("ACCOUNT", [FieldSchema("Id", Id())])
    extended = SCHEMA.with_object(new)
    assert extended.object("Account") is new
    assert len(extended) == 2
    assert SCHEMA.object("Account") is ACCOUNT  # the original is unchanged


def test_with_fields_adds_and_replaces() -> None:
    extended = SCHEMA.with_fields(
        "account",
        [FieldSchema("Region__c", Enum(["EU", "US"]), custom=True),
         FieldSchema("name", String(80), nullable=False)],
    )
    account = extended.object("Account")
    assert account.field("Region__c").custom
    assert account.find_field("Name") == FieldSchema("name", String(80), nullable=False)
    assert "Name" not in account.fields
    assert account.key == "Id"
    assert "Region__c" not in SCHEMA.object("Account").fields
    with pytest.raises(UnknownObjectError):
        SCHEMA.with_fields("Lead", [])


def test_merged() -> None:
    other = Schema([
        ObjectSchema("Contact", [FieldSchema("Ext__c", String(20), external_id=True)]),
        ObjectSchema("Visit", [FieldSchema("Lines", ListOf("VisitLine"))]),
    ])
    merged = SCHEMA.merged(other)
    assert set(merged.object("Contact").fields) == {"LastName", "Ext__c"}
    assert "Visit" in merged
    assert merged.object("Account") == ACCOUNT


def test_construction_errors() -> None:
    with pytest.raises(ValueError, match="declared twice"):
        ObjectSchema("A", [FieldSchema("X", Integer()), FieldSchema("X", Integer())])
    with pytest.raises(ValueError, match="is named"):
        ObjectSchema("A", {"Y": FieldSchema("X", Integer())})
    with pytest.raises(ValueError, match="key 'Nope'"):
        ObjectSchema("A", [FieldSchema("X", Integer())], key="Nope")
    with pytest.raises(ValueError, match="declared twice"):
        Schema([CONTACT, CONTACT])
    with pytest.raises(ValueError, match="unknown string format"):
        String(10, "fax")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="must be >= 0"):
        String(-1)


def test_value_objects_are_frozen_and_compare_by_value() -> None:
    import attrs

    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        ACCOUNT.name = "X"  # type: ignore[misc]
    assert Enum(["a", "b"]) == Enum(("a", "b"))
    assert Enum(["a"]).values == ("a",)
    assert Reference("Account").targets == ("Account",)  # one name, not its letters
    assert hash(FieldSchema("A", Enum(["x"]))) == hash(FieldSchema("A", Enum(("x",))))
    rebuilt = ObjectSchema("Account", dict(ACCOUNT.fields), key="Id")
    ACCOUNT.find_field("name")  # fills ACCOUNT's cache: equality must ignore it
    assert rebuilt == ACCOUNT


def test_describe_type() -> None:
    assert describe_type(String(80)) == "string(80)"
    assert describe_type(String(80, "email")) == "email(80)"
    assert describe_type(Text()) == "text"
    assert describe_type(Numeric(18, 2)) == "decimal(18, 2)"
    assert describe_type(Numeric()) == "decimal"
    assert describe_type(Enum(["a"], restricted=True, multi=True)) == "multi-enum[restricted]"
    assert describe_type(Reference(["User", "Group"])) == "reference(User|Group)"
    assert describe_type(ListOf("Line")) == "list of Line"
    assert describe_type(Boolean()) == "boolean"


def test_public_names_are_exported() -> None:
    # (pytest rewrites the asserts of a plugin's distribution, adding "@py_..." names)
    public = {n for n in vars(schema_pkg) if not n.startswith(("_", "@"))}
    submodules = {"errors", "model", "names", "serialize", "types", "validate", "values"}
    assert public - submodules == set(schema_pkg.__all__)
    for name in schema_pkg.__all__:
        assert getattr(schema_pkg, name) is not None
