"""Object and field matching on small hand-built schemas: synonyms, abbreviations,
types, picklist overlap, value profiles, relationships, resolve, one-to-one."""

from __future__ import annotations

import pytest

from crossmap import schema
from crossmap.propose import ProposeError, propose
from crossmap.propose.model import ObjectMatch, Proposal
from crossmap.propose.profile import profile_values
from crossmap.propose.valuemaps import draft_value_map, pair_values
from crossmap_salesforce.propose_hints import HINTS

F = schema.FieldSchema
KEY = F("id", schema.String(20), nullable=False, createable=False, unique=True, external_id=True)


def _source() -> schema.Schema:
    return schema.Schema([
        schema.ObjectSchema("customers", [
            KEY,
            F("company_name", schema.String(120)),
            F("tel", schema.String(30)),
            F("addr_city", schema.String(60)),
            F("segment", schema.Enum(("hot", "warm", "cold"))),
            F("loyalty_points", schema.Integer()),
        ], key="id", label="Customer"),
        schema.ObjectSchema("work_orders", [
            KEY,
            F("customer_id", schema.Reference("customers"), nullable=False),
            F("summary_text", schema.Text()),
            F("urgency", schema.Enum(("low", "high", "critical"))),
            F("qty", schema.Decimal(10, 2)),
            F("lines", schema.ListOf("work_order_lines")),
        ], key="id"),
        schema.ObjectSchema("work_order_lines", [F("sku", schema.String(20))]),
        schema.ObjectSchema("staff", [
            KEY, F("email", schema.String(120, "email")), F("last_name", schema.String(80)),
        ], key="id", label="Employee"),
        schema.ObjectSchema("warehouses", [KEY, F("code", schema.String(10))], key="id"),
    ])


def _target() -> schema.Schema:
    return schema.Schema([
        schema.ObjectSchema("Account", [
            F("Id", schema.Id(), createable=False),
            F("Name", schema.String(255), nullable=False, label="Account Name"),
            F("Phone", schema.String(40, "phone"), label="Account Phone"),
            F("BillingCity", schema.String(40), label="Billing City"),
            F("Rating", schema.Enum(("Hot", "Warm", "Cold")), label="Account Rating"),
        ]),
        schema.ObjectSchema("Case", [
            F("Id", schema.Id(), createable=False),
            F("AccountId", schema.Reference("Account"), label="Account ID"),
            F("Subject", schema.String(255)),
            F("Priority", schema.Enum(("Low", "Medium", "High"))),
            F("Quantity__c", schema.Decimal(10, 2), label="Quantity"),
            F("ClosedDate", schema.DateTime(), createable=False),
        ]),
        schema.ObjectSchema("User", [
            F("Id", schema.Id(), createable=False),
            F("Email", schema.String(128, "email"), nullable=False),
            F("LastName", schema.String(80), nullable=False),
            F("Username", schema.String(80), nullable=False),
            F("Alias", schema.String(8), nullable=False),
            F("ProfileId", schema.Reference("Profile"), nullable=False),
        ]),
    ])


@pytest.fixture(scope="module")
def proposal() -> Proposal:
    return propose(_source(), _target(), source_system="legacy", target_system="crm", hints=HINTS)


def _object(proposal: Proposal, name: str) -> ObjectMatch:
    return next(o for o in proposal.objects if o.source == name)


def _assigned(match: ObjectMatch) -> dict[str, str]:
    return {f.target: f.expression for f in match.fields}


def test_objects_pair_through_synonyms_and_unmatched_ones_are_listed(proposal: Proposal) -> None:
    assert {(o.source, o.target) for o in proposal.objects} == {
        ("customers", "Account"), ("work_orders", "Case"), ("staff", "User"),
    }
    assert proposal.unmatched_objects == ("warehouses",)


def test_fields_match_through_synonyms_abbreviations_and_labels(proposal: Proposal) -> None:
    account = _assigned(_object(proposal, "customers"))
    assert account["Name"] == 'company_name ?? "(no account name)"'  # required: never null
    assert account["Phone"] == "tel"
    assert account["BillingCity"] == "truncate(addr_city, 40)"
    case = _assigned(_object(proposal, "work_orders"))
    assert case["Quantity__c"] == "qty"
    assert case["Subject"] == "truncate(summary_text, 255)"


def test_picklist_overlap_drafts_a_value_map(proposal: Proposal) -> None:
    account = _object(proposal, "customers")
    rating = next(f for f in account.fields if f.target == "Rating")
    # Nothing alike in the names: the values carry the match.
    assert rating.value_map is not None
    assert rating.value_map.entries == (("hot", "Hot"), ("warm", "Warm"), ("cold", "Cold"))
    assert rating.value_map.otherwise == "error"
    assert rating.expression == "segment | account_rating"
    case = _object(proposal, "work_orders")
    priority = next(f for f in case.fields if f.target == "Priority")
    assert priority.value_map is not None and priority.value_map.unmatched == ("critical",)
    assert any("'critical'" in t.message for t in case.todos)


def test_references_become_lookups_through_the_matched_object(proposal: Proposal) -> None:
    case = _object(proposal, "work_orders")
    account_id = next(f for f in case.fields if f.target == "AccountId")
    assert account_id.kind == "lookup"
    assert account_id.expression == "lookup(customers, customer_id) missing fail"


def test_keys_custom_fields_and_todos(proposal: Proposal) -> None:
    account = _object(proposal, "customers")
    assert account.upsert_key == "LE_Customer_Id__c"
    customs = {c.name: c.declaration for c in account.custom_fields}
    assert customs["LE_Customer_Id__c"].startswith("text(20) external unique")
    assert customs["Loyalty_Points__c"] == "number(18, 0)"
    case = _object(proposal, "work_orders")
    assert any("work_orders.lines" in t.message for t in case.todos)
    # A read-only destination field is never proposed.
    assert "ClosedDate" not in _assigned(case)


def test_a_destination_needing_unfillable_fields_is_resolved(proposal: Proposal) -> None:
    staff = _object(proposal, "staff")
    assert staff.resolve
    assert staff.resolve_by == ("email", "Email")
    assert staff.unfilled == ("Username", "Alias", "ProfileId")
    assert staff.fields == ()


def test_required_fields_nobody_fills_become_todos() -> None:
    source = schema.Schema([schema.ObjectSchema("clients", [KEY, F("tel", schema.String(30))], key="id")])
    result = propose(source, _target(), source_system="legacy", target_system="crm", hints=HINTS)
    account = result.objects[0]
    assert [t.target for t in account.todos] == ["Name"]
    assert "Account requires Name" in account.todos[0].message


def test_incompatible_types_never_match() -> None:
    source = schema.Schema([schema.ObjectSchema("accounts", [KEY, F("phone", schema.Boolean())], key="id")])
    result = propose(source, _target(), source_system="legacy", target_system="crm", hints=HINTS)
    assert "Phone" not in _assigned(result.objects[0])


def test_sampled_values_reveal_shapes_and_picklists() -> None:
    source = schema.Schema([schema.ObjectSchema("clients", [
        KEY, F("contact", schema.String()), F("band", schema.String()), F("nm", schema.String(80)),
    ], key="id")])
    target = schema.Schema([schema.ObjectSchema("Account", [
        F("Name", schema.String(255), nullable=False),
        F("Email__c", schema.String(80, "email")),
        F("Rating", schema.Enum(("Hot", "Warm", "Cold"))),
    ])])
    samples = {"clients": [
        {"id": str(i), "contact": f"p{i}@example.com", "band": ["hot", "warm", "cold"][i % 3]} for i in range(9)
    ]}
    without = propose(source, target, source_system="csv", target_system="crm", hints=HINTS)
    assert {"Email__c", "Rating"}.isdisjoint(_assigned(without.objects[0]))
    with_samples = propose(source, target, source_system="csv", target_system="crm", samples=samples, hints=HINTS)
    fields = {f.target: f for f in with_samples.objects[0].fields}
    assert fields["Email__c"].source == "contact"
    assert fields["Rating"].source == "band"
    assert fields["Rating"].value_map is not None
    # An open source may hold other values; a restricted picklist would reject them.
    assert fields["Rating"].value_map.otherwise == "null"


def test_value_profiles() -> None:
    assert profile_values(["a@b.io", "c@d.org", None, ""]).shape == "email"
    assert profile_values(["+1 555 0100", "(555) 010-2000"]).shape == "phone"
    assert profile_values(["2024-01-02", "2024-02-03"]).shape == "date"
    assert profile_values(["$1,200.00", "15.50"]).shape == "money"
    mixed = profile_values(["x", "y", "x", "y"])
    assert mixed.shape is None and mixed.values == ("x", "y") and mixed.max_length == 1
    assert profile_values([]).count == 0


def test_value_pairing_is_case_and_separator_insensitive_and_fuzzy() -> None:
    pairs, unmatched = pair_values(("walk_in", "Cancelled", "phone", "zzz"), ("Walk In", "Canceled", "Phone"))
    assert pairs == (("walk_in", "Walk In"), ("Cancelled", "Canceled"), ("phone", "Phone"))
    assert unmatched == ("zzz",)
    assert draft_value_map("m", ("A",), ("A", "B"), source_closed=True, target_restricted=True) is None


def test_objects_limit_and_unknown_object() -> None:
    result = propose(_source(), _target(), source_system="legacy", target_system="crm", hints=HINTS, objects=["customers"])
    assert [o.source for o in result.objects] == ["customers"]
    with pytest.raises(ProposeError, match="did you mean 'customers'"):
        propose(_source(), _target(), source_system="legacy", target_system="crm", hints=HINTS, objects=["customer"])
    with pytest.raises(ProposeError, match="threshold"):
        propose(_source(), _target(), source_system="legacy", target_system="crm", hints=HINTS, threshold=0)
