"""References an export does not declare: found in sampled values (containment of
a field's values in another object's keys) or, without a sample, in names."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from crossmap import schema
from crossmap.cli import main
from crossmap.propose import propose
from crossmap.propose.model import Proposal
from crossmap.propose.references import NAME_CONFIDENCE, infer_references
from crossmap.propose.synonyms import Vocabulary
from crossmap_salesforce.propose_hints import HINTS

CORPUS = Path(__file__).resolve().parent / "corpus"
F = schema.FieldSchema
S = schema.String()


def _source() -> schema.Schema:
    return schema.Schema([
        schema.ObjectSchema("companies", [F("hs_object_id", S), F("name", S), F("parent_company", S)],
                            key="hs_object_id"),
        schema.ObjectSchema("contacts", [F("hs_object_id", S), F("lastname", S), F("associatedcompanyid", S),
                                         F("favourite_number", S)], key="hs_object_id"),
    ])


COMPANIES = [{"hs_object_id": str(100 + i), "name": f"Firm {i}", "parent_company": None} for i in range(10)]


def _contacts(company_ids: list[str | None]) -> list[dict[str, object]]:
    return [{"hs_object_id": str(i), "lastname": f"L{i}", "associatedcompanyid": c, "favourite_number": str(i)}
            for i, c in enumerate(company_ids)]


def _propose(samples: dict[str, list[dict[str, object]]] | None) -> Proposal:
    from crossmap.connectors import static_schema

    return propose(_source(), static_schema("target", "salesforce"), source_system="hubspot",
                   target_system="salesforce", samples=samples, hints=HINTS)


def _field(proposal: Proposal, obj: str, name: str) -> tuple[str, float, str, str | None]:
    match = next(o for o in proposal.objects if o.source == obj)
    found = next(f for f in match.fields if f.source == name)
    return found.target, found.confidence, found.expression, found.lookup_object


def test_values_that_are_another_objects_keys_make_a_lookup_with_their_containment() -> None:
    ids = [str(100 + i % 10) for i in range(19)] + ["999"]  # 19 of 20 are company keys
    proposal = _propose({"companies": COMPANIES, "contacts": _contacts([*ids, None])})
    target, confidence, expression, via = _field(proposal, "contacts", "associatedcompanyid")
    assert (target, via) == ("AccountId", "companies")
    assert confidence == 0.95
    assert expression == "lookup(companies, associatedcompanyid) missing null"
    # Small numbers that happen to be keys nowhere stay values.
    assert _field(proposal, "contacts", "favourite_number")[3] is None


def test_values_that_are_mostly_not_keys_are_no_reference() -> None:
    ids = [str(100 + i) if i % 2 else str(5000 + i) for i in range(20)]
    proposal = _propose({"companies": COMPANIES, "contacts": _contacts(ids)})
    target, _, _, via = _field(proposal, "contacts", "associatedcompanyid")
    assert via is None and target.endswith("__c")


def test_without_a_sample_names_propose_references_at_a_lower_confidence() -> None:
    inferred = infer_references(_source(), None, Vocabulary(HINTS, frozenset({"company", "id"})))
    assert inferred["contacts"]["associatedcompanyid"].target == "companies"
    assert inferred["contacts"]["associatedcompanyid"].confidence == NAME_CONFIDENCE
    assert inferred["companies"]["parent_company"].target == "companies"
    assert "favourite_number" not in inferred["contacts"]
    target, confidence, _, via = _field(_propose(None), "contacts", "associatedcompanyid")
    assert (target, via, confidence) == ("AccountId", "companies", NAME_CONFIDENCE)


def test_the_hubspot_export_gets_its_account_lookup_from_the_command() -> None:
    """The issue's case: every sampled associatedcompanyid is a companies.hs_object_id."""
    data = CORPUS / "hubspot" / "data"
    result = CliRunner().invoke(main, [
        "propose", "--source", "csv", "--source-option", f"path={data}", "--source-option", "key=hs_object_id",
        "--target", "salesforce", "--objects", "companies,contacts", "--sample", "200",
    ])
    assert result.exit_code == 0, result.stderr
    assert "# confidence 1.00: 100% of values are companies keys+structure" in result.stdout
    assert "AccountId = lookup(companies, associatedcompanyid) missing null" in " ".join(result.stdout.split())
    assert "Associatedcompanyid__c" not in result.stdout


def test_small_number_keys_need_a_name_that_says_id() -> None:
    source = schema.Schema([
        schema.ObjectSchema("orders", [F("id", S), F("total", S)], key="id"),
        schema.ObjectSchema("customers", [F("id", S), F("order_count", S), F("last_order_id", S)], key="id"),
    ])
    samples: dict[str, list[dict[str, object]]] = {
        "orders": [{"id": str(i), "total": "9.99"} for i in range(1, 31)],
        "customers": [{"id": f"C{i}", "order_count": str(i % 12), "last_order_id": str(1 + i % 30)}
                      for i in range(1, 41)],
    }
    inferred = infer_references(source, samples, Vocabulary(HINTS))
    assert set(inferred.get("customers", {})) == {"last_order_id"}
    assert inferred["customers"]["last_order_id"].target == "orders"


def test_keys_several_objects_share_are_told_apart_by_the_name() -> None:
    """Ids 1, 2, 3 ... in every table: the values fit persons and deals alike, the
    name says which (found on the held-out Pipedrive export, docs/propose.md)."""
    source = schema.Schema([
        schema.ObjectSchema("persons", [F("id", S)], key="id"),
        schema.ObjectSchema("deals", [F("id", S)], key="id"),
        schema.ObjectSchema("activities", [F("id", S), F("person_id", S), F("deal_id", S), F("owner_id", S)],
                            key="id"),
    ])
    ids = [{"id": str(i)} for i in range(1, 21)]
    samples: dict[str, list[dict[str, object]]] = {
        "persons": ids, "deals": ids,
        "activities": [{"id": str(i), "person_id": str(1 + i % 20), "deal_id": str(1 + (i * 7) % 20),
                        "owner_id": str(1 + i % 20)} for i in range(40)],
    }
    inferred = infer_references(source, samples, Vocabulary(HINTS))["activities"]
    assert (inferred["person_id"].target, inferred["deal_id"].target) == ("persons", "deals")
    assert "owner_id" not in inferred  # neither the values nor the name say which
