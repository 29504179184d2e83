"""Objects by meaning: the destination plugin's vocabulary (never the core's), a
source object split between destination objects by a type column, and a creatable
object preferred to one whose records would have to exist already."""

from __future__ import annotations

from pathlib import Path

from crossmap import schema
from crossmap.connectors import static_schema
from crossmap.propose import propose, render
from crossmap.propose.corpus import load_export, sample_export
from crossmap.propose.hints import NO_HINTS, DestinationHints, destination_hints
from crossmap.propose.synonyms import FIELD_SYNONYMS
from crossmap.syntax import load
from crossmap.systems import compile_offline
from crossmap_salesforce.propose_hints import HINTS

CORPUS = Path(__file__).resolve().parent / "corpus"
F = schema.FieldSchema
S = schema.String()


def test_the_vocabulary_comes_from_the_destination_plugin() -> None:
    assert destination_hints("salesforce") is HINTS
    assert destination_hints("jsonl") is NO_HINTS  # a destination with no hints
    assert HINTS.object_synonyms["Opportunity"][:1] == ("deal",)
    # The core's own table is plain English; Salesforce's field words are the plugin's.
    core = {phrase for group in FIELD_SYNONYMS for phrase in group}
    salesforce = {group[0] for group in HINTS.field_groups}
    assert {"comment body", "all day event", "start datetime", "subject", "origin"} <= salesforce
    assert not core & salesforce


def _target() -> schema.Schema:
    def obj(name: str, *fields: F) -> schema.ObjectSchema:
        return schema.ObjectSchema(name, [F("Id", schema.Id(), createable=False), *fields], key="Id")

    return schema.Schema([
        obj("Account", F("Name", S, nullable=False)),
        obj("Opportunity", F("Name", S, nullable=False), F("Amount", schema.Numeric(18, 2))),
        obj("Case", F("Subject", S)),
        obj("Task", F("Subject", S), F("Description", schema.Text())),
        obj("Event", F("Subject", S), F("Description", schema.Text()), F("Location", S)),
    ])


def _source(*objects: tuple[str, list[str]]) -> schema.Schema:
    return schema.Schema([schema.ObjectSchema(n, [F("id", S), *(F(f, S) for f in fs)], key="id")
                          for n, fs in objects])


def test_objects_pair_by_the_destinations_synonyms() -> None:
    source = _source(("deals", ["dealname", "amount"]), ("tickets", ["subject"]),
                     ("organizations", ["name"]))
    pairs = {(o.source, o.target) for o in propose(source, _target(), source_system="x", target_system="crm",
                                                   hints=HINTS).objects}
    assert pairs == {("deals", "Opportunity"), ("tickets", "Case"), ("organizations", "Account")}
    # Without the destination's vocabulary, only the names themselves meet.
    bare = propose(source, _target(), source_system="x", target_system="crm", hints=DestinationHints())
    assert {(o.source, o.target) for o in bare.objects} == set()


def test_a_type_column_splits_an_object_into_two_mappings_with_skip_when() -> None:
    source = _source(("engagements", ["engagement_type", "subject", "body"]))
    kinds = ["CALL", "MEETING", "NOTE", "CALL", "EMAIL"]
    samples = {"engagements": [{"id": str(i), "engagement_type": kinds[i % 5], "subject": "s", "body": "b"}
                               for i in range(20)]}
    proposal = propose(source, _target(), source_system="x", target_system="crm", hints=HINTS, samples=samples)
    skips = {o.target: o.skip for o in proposal.objects}
    assert skips == {
        "Event": ('engagement_type != "MEETING"', "only MEETING records are Event records"),
        "Task": ('engagement_type == "MEETING"', "MEETING records are mapped elsewhere"),
    }
    text = render(proposal)
    assert 'skip when engagement_type != "MEETING" because "only MEETING records are Event records"' in text
    # Without a sample the type column's values are unknown: one mapping.
    assert len(propose(source, _target(), source_system="x", target_system="crm", hints=HINTS).objects) == 1


def test_the_hubspot_draft_splits_engagements_and_checks_clean(tmp_path: Path) -> None:
    export = load_export(CORPUS / "hubspot")
    source, samples = sample_export(export, 200)
    target = static_schema("target", "salesforce")
    proposal = propose(source, target, source_system="csv", target_system="salesforce", samples=samples,
                       hints=HINTS, source_options={"path": str(export.folder / "data"), "key": "hs_object_id"})
    assert {("engagements", "Task"), ("engagements", "Event")} <= {(o.source, o.target) for o in proposal.objects}
    path = tmp_path / "draft.xmap"
    path.write_text(render(proposal), encoding="utf-8")
    result = compile_offline(load(path))
    errors = {d.code for d in result.diagnostics if d.severity == "error"}
    assert errors <= {"XM240"}, [d.render() for d in result.diagnostics if d.severity == "error"]


def test_users_that_would_need_existing_records_become_contacts() -> None:
    export = load_export(CORPUS / "zendesk")
    source, samples = sample_export(export, 200)
    proposal = propose(source, static_schema("target", "salesforce"), source_system="jsonl",
                       target_system="salesforce", samples=samples, hints=HINTS)
    users = next(o for o in proposal.objects if o.source == "users")
    assert (users.target, users.resolve) == ("Contact", False)
    assert "User would need existing records" in users.reasons
