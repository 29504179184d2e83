"""The evaluation corpus (tests/propose/corpus): exports from other domains and
vendors than the flagship, each with the spec a person would write, and the scorer
that measures a proposal against it (crossmap.propose.evaluate)."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest

from crossmap.connectors import static_schema
from crossmap.propose import render
from crossmap.propose.corpus import CorpusError, load_corpus, load_export, run_export, sample_export
from crossmap.propose.evaluate import direct_pairs, evaluate_all, lookup_pairs, object_pairs
from crossmap.propose.hints import NamingRules, destination_hints
from crossmap.propose.model import FieldMatch, ObjectMatch, Proposal
from crossmap.schema import FieldSchema, ObjectSchema, Schema, String
from crossmap.syntax import ast, load, parse
from crossmap.systems import compile_offline

from .corpus import generate

CORPUS = Path(__file__).resolve().parent / "corpus"


def test_the_corpus_has_four_export_shapes_from_other_domains() -> None:
    exports = load_corpus(CORPUS)
    assert len(exports) >= 4
    assert {e.domain for e in exports} >= {"CRM", "help desk", "marketing", "e-commerce"}
    assert {e.connector for e in exports} >= {"csv", "jsonl"}
    assert "qdispatch" not in {e.connector for e in exports}  # the flagship is held out


@pytest.mark.parametrize("name", [p.parent.name for p in sorted(CORPUS.glob("*/export.toml"))])
def test_every_reference_names_what_its_export_holds(name: str) -> None:
    export = load_export(CORPUS / name)
    source, samples = sample_export(export, 5)
    for mapping in export.reference.of_type(ast.Mapping):
        obj = source.object(mapping.source)
        assert samples[mapping.source], f"{name}: {mapping.source} has records"
        for pair in direct_pairs(export.reference):
            if pair[0] == mapping.source:
                assert obj.find_field(pair[1]) is not None, f"{name}: {pair}"
    assert lookup_pairs(export.reference), f"{name}: the reference has lookups to find"


def test_the_generator_writes_the_committed_data(tmp_path: Path) -> None:
    folders = {**dict.fromkeys(generate.EXPORTS, CORPUS), **dict.fromkeys(generate.HOLDOUT, CORPUS.parent / "holdout")}
    for name, write in {**generate.EXPORTS, **generate.HOLDOUT}.items():
        write(tmp_path / name)
        for made in sorted((tmp_path / name / "data").iterdir()):
            committed = folders[name] / name / "data" / made.name
            assert made.read_bytes() == committed.read_bytes(), f"{committed} is stale: run generate.py"


def test_an_export_folder_without_its_reference_is_refused(tmp_path: Path) -> None:
    (tmp_path / "export.toml").write_text('connector = "csv"\nprefix = "X"\n', encoding="utf-8")
    with pytest.raises(CorpusError, match="expected.xmap"):
        load_export(tmp_path)


REFERENCE = parse(
    "map people -> Contact {\n"
    "  Email        = email\n"
    "  Title        = job | trim\n"
    "  AccountId    = lookup(firms, firm_id) missing null\n"
    "  Revenue__c   = revenue | regex_replace(\"[$,]\", \"\") | to_decimal\n"
    "  ActivityDate = add_days(@1970-01-01, floor(to_decimal(stamp) / 86400))\n"
    "  Name         = first + \" \" + last\n"
    "}\n"
    "map firms -> Account {\n  Name = name\n}\n"
    "map deals -> Opportunity {\n  Name = title\n}\n"
)


def test_the_scorer_reads_conversions_as_direct_and_lookups_and_objects_apart() -> None:
    assert direct_pairs(REFERENCE) == {
        ("people", "email", "Contact", "Email"), ("people", "job", "Contact", "Title"),
        ("people", "firm_id", "Contact", "AccountId"), ("people", "revenue", "Contact", "Revenue__c"),
        ("people", "stamp", "Contact", "ActivityDate"), ("firms", "name", "Account", "Name"),
        ("deals", "title", "Opportunity", "Name"),
    }
    assert lookup_pairs(REFERENCE) == {("people", "firm_id", "Contact", "AccountId")}
    assert object_pairs(REFERENCE) == {("people", "Contact"), ("firms", "Account"), ("deals", "Opportunity")}


def _schema(objects: dict[str, list[str]]) -> Schema:
    return Schema([ObjectSchema(name, [FieldSchema(f, String()) for f in fields]) for name, fields in objects.items()])


def test_precision_and_recall_of_objects_fields_and_lookups() -> None:
    source = _schema({"people": ["email", "job", "firm_id", "revenue", "stamp", "first", "last"],
                      "firms": ["name"], "deals": ["title"]})
    target = _schema({"Contact": ["Email", "Title", "AccountId", "ActivityDate", "Name", "Department"],
                      "Account": ["Name"], "Case": ["Subject"]})
    proposal = Proposal("s", "t", "s", "t", 0.6, (
        ObjectMatch("people", "Contact", 0.9, (), fields=(
            FieldMatch("email", "Email", 0.9, "field"),
            FieldMatch("job", "Department", 0.7, "field"),  # wrong
            FieldMatch("firm_id", "AccountId", 0.9, "lookup", lookup_object="firms"),
        )),
        ObjectMatch("firms", "Case", 0.8, ()),  # wrong object
    ))
    quality = evaluate_all(proposal, REFERENCE, source, target, "X", NamingRules(custom_suffix="__c"))
    assert quality.objects.unreachable == {("deals", "Opportunity")}  # no such destination object
    assert (quality.objects.precision, quality.objects.recall) == (0.5, 0.5)
    # Reachable: the existing fields and the custom field the destination's naming
    # rules (a Salesforce-like suffix here) give 'revenue'; not Name (a concatenation) nor Opportunity's (no such object).
    assert quality.fields.expected == {
        ("people", "revenue", "Contact", "Revenue__c"),
        ("people", "email", "Contact", "Email"), ("people", "job", "Contact", "Title"),
        ("people", "firm_id", "Contact", "AccountId"), ("people", "stamp", "Contact", "ActivityDate"),
        ("firms", "name", "Account", "Name"),
    }
    assert quality.fields.recall == pytest.approx(2 / 6)
    assert quality.fields.precision == pytest.approx(2 / 3)
    assert quality.fields.wrong == {("people", "job", "Contact", "Department")}
    assert (quality.lookups.precision, quality.lookups.recall) == (1.0, 1.0)


@pytest.mark.parametrize("name", [p.parent.name for p in sorted(CORPUS.glob("*/export.toml"))])
def test_every_corpus_draft_fails_check_only_on_its_todos(name: str, tmp_path: Path) -> None:
    """Lookups found in the data, conversions and split mappings all compile: the
    drafts' only errors are their TODOs (XM240)."""
    export = load_export(CORPUS / name)
    result = run_export(export, static_schema("target", "salesforce"), target_system="salesforce",
                        hints=destination_hints("salesforce"))
    options = {"path": str(export.folder / "data"), **{k: v for k, v in export.options.items() if k != "path"}}
    draft = render(attrs.evolve(result.proposal, source_options=tuple(options.items())))
    path = tmp_path / "draft.xmap"
    path.write_text(draft, encoding="utf-8")
    checked = compile_offline(load(path))
    errors = [d.render() for d in checked.diagnostics if d.severity == "error" and d.code != "XM240"]
    assert errors == []
