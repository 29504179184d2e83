"""Lookups checked against the destination's reference targets at compile time
(issue 21): a polymorphic field takes only the objects its ``referenceTo`` lists,
and a field typed as a record's own id takes no lookup at all.

Salesforce: a task "can also be related to one account, asset, campaign, case,
contract, opportunity, product, solution, or custom object" (TaskRelation, Object
Reference for the Salesforce Platform,
https://developer.salesforce.com/docs/atlas.en-us.264.0.object_reference.meta/object_reference/sforce_api_objects_taskrelation.htm);
``describe`` lists those in ``Task.WhatId``'s ``referenceTo``, and a custom object
appears there once activities are allowed on it. An insert that sets an Id field
fails with INVALID_FIELD_FOR_INSERT_UPDATE, "cannot specify Id in an insert call"
(https://opfocus.com/blog/understanding-cannot-specify-id-on-insert-exception/).
"""

from __future__ import annotations

import pytest

from crossmap import schema as s
from crossmap.compiler import compile
from crossmap.errors import SpecError
from crossmap.functions import registry

ID = s.FieldSchema("Id", s.Id(), nullable=False, createable=False, updateable=False, defaulted_on_create=True)
SOURCE = s.Schema([
    s.ObjectSchema("deals", [s.FieldSchema("id", s.String(20), nullable=False)], key="id"),
    s.ObjectSchema("companies", [s.FieldSchema("id", s.String(20), nullable=False)], key="id"),
    s.ObjectSchema("calls", [s.FieldSchema("id", s.String(20), nullable=False), s.FieldSchema("deal_id", s.String(20)),
                             s.FieldSchema("company_id", s.String(20))], key="id"),
])
TARGET = s.Schema([
    s.ObjectSchema("Account", [ID], key="Id"),
    s.ObjectSchema("Deal__c", [ID], key="Id"),
    s.ObjectSchema("Task", [ID, s.FieldSchema("WhatId", s.Reference(("Account", "Opportunity"))),
                            s.FieldSchema("AccountRef", s.Id())], key="Id"),
    s.ObjectSchema("Note", [ID, s.FieldSchema("About", s.Reference(("Account", "Asset", "Campaign", "Case",
                                                                      "Contract", "Opportunity")))], key="Id"),
])
HEAD = "source src\ntarget dst\nmap deals -> Deal__c {\n}\nmap companies -> Account {\n}\n"


def codes(body: str) -> list[tuple[str, str | None]]:
    try:
        compile(HEAD + body, source_schema=SOURCE, target_schema=TARGET, functions=registry())
    except SpecError as error:
        return [(d.code, d.hint) for d in error.diagnostics]
    return []


def test_a_polymorphic_field_takes_a_lookup_into_an_object_it_lists() -> None:
    assert codes("map calls -> Task {\n  WhatId = lookup(companies, company_id) missing null\n}\n") == []


@pytest.mark.parametrize("value", [
    "lookup(deals, deal_id) missing null",
    # Joined with an allowed object, the value may still be a Deal__c id.
    "lookup(deals, deal_id) missing null ?? lookup(companies, company_id) missing null",
    "if deal_id != null then lookup(deals, deal_id) missing null else lookup(companies, company_id) missing null",
])
def test_a_lookup_into_an_object_the_field_does_not_list_is_an_error(value: str) -> None:
    ((code, hint),) = codes(f"map calls -> Task {{\n  WhatId = {value}\n}}\n")
    assert code == "XM218"
    assert hint is not None and "polymorphic" in hint and "not at Deal__c" in hint


def test_a_lookup_into_a_field_typed_as_an_own_id_is_an_error() -> None:
    ((code, hint),) = codes("map calls -> Task {\n  AccountRef = lookup(companies, company_id) missing null\n}\n")
    assert code == "XM235"
    assert hint is not None and "lookup(Account)" in hint


def test_a_long_list_of_targets_is_shortened_in_the_message_and_given_whole_in_the_hint() -> None:
    try:
        compile(HEAD + "map calls -> Note {\n  About = lookup(deals, deal_id) missing null\n}\n",
                source_schema=SOURCE, target_schema=TARGET, functions=registry())
    except SpecError as error:
        (diagnostic,) = error.diagnostics
    else:
        raise AssertionError("a lookup into an object the field does not list compiled")
    assert diagnostic.message == ("'Note.About' refers to Account, Asset, Campaign, Case (or 2 more), "
                                  "but this lookup gives Deal__c")
    assert diagnostic.hint is not None
    assert "(Account, Asset, Campaign, Case, Contract, Opportunity), not at Deal__c" in diagnostic.hint
