"""Names and labels as word tuples; synonyms; custom field naming."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crossmap import schema
from crossmap.propose import custom
from crossmap.propose.hints import NamingRules
from crossmap.propose.names import segment, singular, tokens
from crossmap.propose.similarity import word_similarity
from crossmap.propose.synonyms import Vocabulary
from crossmap_salesforce.propose_hints import HINTS


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("billing_address_line1", ("billing", "address", "line1")),
        ("BillingStreet", ("billing", "street")),
        ("StartDateTime", ("start", "datetime")),
        ("start_at", ("start", "datetime")),
        ("hired_on", ("hired", "date")),
        ("QD_Completed_At__c", ("qd", "completed", "datetime")),
        ("custom_equipment_model", ("equipment", "model")),
        ("is_primary", ("primary",)),
        ("qty_ordered", ("quantity", "ordered")),
        ("cust_addr", ("customer", "address")),
        ("Billing Zip/Postal Code", ("billing", "postal", "code", "postal", "code")),
        ("HTTPStatusCode", ("http", "status", "code")),
    ],
)
def test_tokens(name: str, expected: tuple[str, ...]) -> None:
    assert tokens(name) == expected


def test_a_system_prefix_is_dropped_only_when_named() -> None:
    assert tokens("QD_Job_Id__c", system_prefix="QD") == ("job", "id")
    assert tokens("QD_Job_Id__c") == ("qd", "job", "id")


def test_singular() -> None:
    assert [singular(w) for w in ("customers", "categories", "addresses", "status", "analysis", "Jobs")] == [
        "customer", "category", "address", "status", "analysis", "Job",
    ]


def test_synonym_phrases_rewrite_longest_first() -> None:
    vocabulary = Vocabulary(HINTS)
    assert vocabulary.canonical_field(("billing", "address", "line1")) == ("billing", "street")
    assert vocabulary.canonical_field(("billing", "address", "region")) == ("billing", "state")
    assert vocabulary.canonical_field(("urgency",)) == ("priority",)
    assert vocabulary.canonical_object(("job", "note")) == ("case", "comment")
    assert vocabulary.canonical_object(("work", "order")) == ("case",)


def test_the_core_knows_no_destination_object() -> None:
    # Object words come from the destination plugin's hints alone.
    assert Vocabulary().canonical_object(("work", "order")) == ("work", "order")


@pytest.mark.parametrize(
    ("glued", "expected"),
    [
        ("numberofemployees", ("number", "of", "employees")),
        ("mobilephone", ("mobile", "phone")),
        ("annualrevenue", ("annual", "revenue")),
        ("jobtitle", ("job", "title")),
        ("associatedcompanyid", ("associated", "company", "id")),
        ("description", ("description",)),
        ("lifecyclestage", ("lifecyclestage",)),
        ("zendesk", ("zendesk",)),
    ],
)
def test_glued_words_are_cut_into_known_words(glued: str, expected: tuple[str, ...]) -> None:
    known = frozenset({"number", "of", "employees", "mobile", "phone", "annual", "revenue", "title",
                       "company", "id", "description", "stage", "spot"})
    assert segment(glued, known) == expected


def test_word_similarity_pairs_near_words_and_discounts_type_words() -> None:
    assert word_similarity(("start", "datetime"), ("start", "datetime")) == 1.0
    assert word_similarity(("adress",), ("address",)) > 0.9
    # Sharing only a word that names a kind of value is weak evidence.
    assert word_similarity(("updated", "datetime"), ("activity", "datetime")) < 0.45
    assert word_similarity(("recurrence", "rule"), ("recurrence", "type")) < 0.7


SHORT_TEXT = schema.String(80)


def _field(name: str, ftype: schema.FieldType = SHORT_TEXT) -> schema.FieldSchema:
    return schema.FieldSchema(name, ftype)


def test_custom_names() -> None:
    """Salesforce's naming rules: a ``__c`` suffix, 40 characters (Object Reference,
    "Custom Fields"; Salesforce Help 000381913: see crossmap_salesforce.propose_hints.NAMING)."""
    sf = HINTS.naming
    taken = {"Name", "Type", "Phone"}
    assert custom.custom_name("jobs", _field("custom_equipment_model"), taken, "QD", sf) == "Equipment_Model__c"
    assert custom.custom_name("customers", _field("account_manager_id", schema.Reference("technicians")),
                              taken, "QD", sf) == "Account_Manager__c"
    # A one-word generic name is qualified by its object...
    assert custom.custom_name("contacts", _field("role"), taken, "QD", sf) == "Contact_Role__c"
    # ...and a name the object already has gets the migration's prefix.
    assert custom.custom_name("customers", _field("phone"), taken, "QD", sf) == "QD_Phone__c"
    assert custom.key_name("line_items", "QD", sf) == "QD_Line_Item_Id__c"
    long = custom.custom_name("x", _field("a_very_long_field_name_that_goes_on_and_on_forever"), taken, "QD", sf)
    assert len(long) <= sf.max_length == 40 and long.endswith("__c")


def test_custom_names_follow_the_destinations_rules() -> None:
    taken = {"Name", "Type", "Phone"}
    # A destination that says nothing: no suffix, a generous limit.
    assert custom.custom_name("jobs", _field("custom_equipment_model"), taken, "QD") == "Equipment_Model"
    assert custom.custom_name("customers", _field("phone"), taken, "QD") == "QD_Phone"
    assert custom.key_name("line_items", "QD") == "QD_Line_Item_Id"
    words = "a_very_long_field_name_that_goes_on_and_on_forever"
    assert custom.custom_name("x", _field(words), taken, "QD") == "A_Very_Long_Field_Name_That_Goes_On_And_On_Forever"
    # Another destination's rules: its suffix, its length, its characters.
    rules = NamingRules(custom_suffix="_x", max_length=12)
    assert custom.custom_name("jobs", _field("custom_equipment_model"), taken, "QD", rules) == "Equipment_x"
    assert rules.base("Equipment_x") == "Equipment"
    assert NamingRules(allowed="a-z_").fit("Ab_Cd") == "b_d"


@pytest.mark.parametrize(
    ("ftype", "declared", "expression"),
    [
        (schema.String(40, "phone"), "phone", "f"),
        (schema.String(80), "text(80)", "f"),
        (schema.String(), "text(255)", "truncate(f, 255)"),
        (schema.Text(), "long text(32000)", "truncate(f, 32000)"),
        (schema.Integer(), "number(18, 0)", "f"),
        (schema.Numeric(12, 3), "number(12, 3)", "f"),
        (schema.Boolean(), "checkbox", "f"),
        (schema.Enum(("a", "b")), 'picklist restricted ["a", "b"]', "f"),
        (schema.Enum(("a",), restricted=False), 'picklist ["a"]', "f"),
        (schema.Enum(("a", "b"), multi=True), "text(255)", 'truncate(join(f, ";"), 255)'),
    ],
)
def test_custom_declarations(ftype: schema.FieldType, declared: str, expression: str) -> None:
    assert custom.declaration(_field("f", ftype), ("f",), None) == (declared, expression)


def test_money_words_make_a_currency_and_nested_lists_have_no_custom_field() -> None:
    assert custom.declaration(_field("total", schema.Numeric(18, 2)), ("total",), None) == ("currency(18, 2)", "total")
    assert custom.declaration(_field("items", schema.ListOf("x")), ("items",), None) is None
    assert custom.declaration(_field("ref", schema.Reference("x")), ("ref",), None) is None
    assert custom.declaration(_field("ref", schema.Reference("x")), ("ref",), "Account") == ("lookup(Account)", "ref")
    assert custom.declaration(_field("who", schema.String()), ("who",), None, "email") == ("email", "who")


def test_the_naming_example_in_the_docs_runs() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "propose.md").read_text(encoding="utf-8")
    (block,) = [b for b in re.findall(r"```python\n(.*?)```", doc, re.DOTALL) if "NamingRules" in b]
    exec(compile(block, "propose.md", "exec"), {})  # noqa: S102
