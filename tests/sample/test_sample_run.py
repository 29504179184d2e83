"""Taking a sample with memory connectors: the engine loads it as a `sample` run, a
destination with trigger-like rules changes what it stores, and the report says so."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import pytest

from crossmap.compiler import compile
from crossmap.compiler.plan import Declaration
from crossmap.connectors import LoadResult, Operation
from crossmap.connectors.builtin.memory import MemoryDestination, MemorySource
from crossmap.connectors.protocols import Record
from crossmap.functions import registry
from crossmap.sample import (
    SampleError,
    SampleReport,
    render_html,
    render_text,
    select_sample,
    take_sample,
    version_hash,
)
from crossmap.schema import Blob, FieldSchema, Id, ObjectSchema, Schema, String
from crossmap.state import StateStore
from tests.sample.sample_support import TARGET, plan, source


class TriggerOrg(MemoryDestination):
    """A destination with the kind of automation orgs have: it rewrites some values
    as they are saved."""

    def load(self, object: str, operation: Operation, rows: Sequence[tuple[str, Mapping[str, Any]]], *,
             external_id: str | None = None) -> list[LoadResult]:
        changed = []
        for ref, row in rows:
            row = dict(row)
            if object == "Case":
                if isinstance(row.get("Subject"), str):
                    row["Subject"] = row["Subject"][:8]  # a field shorter in this org
                if row.get("Status") == "Working":
                    row["Status"] = "Closed"  # a workflow rule
                row["Hours__c"] = None  # a field this org's profile cannot see
            if object == "Account" and isinstance(row.get("Tier__c"), str):
                row["Tier__c"] = row["Tier__c"].upper()
            changed.append((ref, row))
        return super().load(object, operation, changed, external_id=external_id)


def org() -> TriggerOrg:
    target = TriggerOrg(TARGET)
    users = [(f"u{n}", {"Email": f"tech{n}@example.com"}) for n in range(3)] + [("boss", {"Email": "boss@example.com"})]
    assert all(r.ok for r in target.load("User", "insert", users))
    return target


def take(tmp_path: Path, size: int = 30) -> tuple[SampleReport, StateStore]:
    store = StateStore.open(tmp_path / "sandbox.db")
    the_plan = plan()
    # A title with markup: the HTML page must escape it.
    report = take_sample(the_plan, source(20), org(), store, size=size, seed=1, profile="sbx")
    return report, store


def cells(report: SampleReport, step: str, field: str) -> list[tuple[str, Any, Any]]:
    return [(c.kind, c.computed, c.stored) for r in report.records if r.step == step
            for c in r.cells if c.field == field]


def test_every_class_shows_where_the_org_differs(tmp_path: Path) -> None:
    report, store = take(tmp_path)
    with store:
        run = store.run(report.run_id)
        assert run.kind == "sample" and run.status == "succeeded"
        assert run.options["version"] == version_hash(plan()) == report.spec_hash
        assert run.options["profile"] == "sbx" and run.options["seed"] == 1
    assert set(report.totals()) == {"equal", "normalised", "truncated", "dropped", "changed"}
    assert {k for k, _, _ in cells(report, "jobs->Case", "Hours__c")} == {"dropped"}
    subjects = cells(report, "jobs->Case", "Subject")
    assert {k for k, c, _ in subjects if c != "  "} == {"truncated"}
    assert all(s == c[:8] for k, c, s in subjects if k == "truncated")
    # "  " is stored as is by the memory org: equal; Status Working -> Escalated: changed
    statuses = cells(report, "jobs->Case", "Status")
    assert {(k, c) for k, c, _ in statuses if c == "Working"} == {("changed", "Working")}
    assert {k for k, c, _ in statuses if c != "Working"} == {"equal"}
    tiers = cells(report, "customers->Account", "Tier__c")
    assert ("normalised", "gold", "GOLD") in tiers and ("equal", None, None) in tiers
    # lookups computed through the sandbox's crosswalk equal what was stored
    assert {k for k, _, _ in cells(report, "items->Item__c", "Case__c")} == {"equal"}
    assert {k for k, _, _ in cells(report, "customers->Account", "ParentId")} == {"equal"}
    managers = cells(report, "customers->Account", "Manager__c")
    assert {k for k, _, _ in managers} == {"equal"} and all(m for _, m, _ in managers)


def test_source_values_are_the_fields_each_assignment_reads(tmp_path: Path) -> None:
    report, store = take(tmp_path)
    store.close()
    record = next(r for r in report.records if r.step == "jobs->Case")
    by_field = {c.field: c for c in record.cells}
    assert [label for label, _ in by_field["Status"].source] == ["status"]
    assert [label for label, _ in by_field["AccountId"].source] == ["customer_id"]
    assert by_field["Urgent__c"].source[0][0] == "urgent"
    assert record.id and record.key.startswith("j")


def test_every_loaded_record_is_in_the_diff_and_problems_are_listed(tmp_path: Path) -> None:
    report, store = take(tmp_path)
    with store:
        counts = store.outcome_counts(report.run_id)
    loaded = sum(c.get("created", 0) + c.get("updated", 0) for c in counts.values())
    assert len(report.records) == loaded == sum(n for obj, n in report.selected.items())
    # the technician without a User is listed, with the resolve block's reason
    assert any(p.step == "techs->User" and p.outcome == "skipped" and p.code == "UNMATCHED" for p in report.problems)


def test_renderings(tmp_path: Path) -> None:
    report, store = take(tmp_path)
    store.close()
    text = render_text(report)
    assert f"sample run {report.run_id} (succeeded)" in text
    assert "truncated  jobs->Case" in text and "(9 characters cut to 8)" in text
    assert "changed    jobs->Case" in text
    data = json.loads(report.to_json())
    assert data["totals"] == report.totals()
    assert {f["field"] for f in data["fields"] if f["step"] == "jobs->Case"} >= {"Subject", "Status"}
    page = render_html(report)
    assert page.startswith("<!doctype html>") and "<script" not in page
    assert 'class="b" style="background:#ef6c00">truncated</span>' in page


def test_html_escapes_values(tmp_path: Path) -> None:
    store = StateStore.open(tmp_path / "sandbox.db")
    memory = source(3)
    for job in memory.data["jobs"]:
        job["title"] = "<script>alert(1)</script>"
    with store:
        report = take_sample(plan(), memory, org(), store, size=10)
    page = render_html(report)
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_a_given_selection_is_loaded_as_is(tmp_path: Path) -> None:
    chosen = select_sample(plan(), source(10), 8, seed=2)
    with StateStore.open(tmp_path / "sandbox.db") as store:
        report = take_sample(plan(), source(10), org(), store, selection=chosen)
    assert report.selected == chosen.counts() and report.seed == 2


FILES_SOURCE = Schema([ObjectSchema("files", [
    FieldSchema("id", String(20), nullable=False), FieldSchema("name", String(80)), FieldSchema("content", Blob()),
], key="id")])
FILES_TARGET = Schema([ObjectSchema("Doc", [
    FieldSchema("Id", Id(), nullable=False, createable=False, updateable=False, defaulted_on_create=True),
    FieldSchema("Title", String(80)), FieldSchema("Body", Blob()),
], key="Id")])
FILES_SPEC = """source memory
target memory

map files -> Doc {
  insert
  Title = name
  Body  = content
}
"""


class LinkOnlyOrg(MemoryDestination):
    """Gives a file back as a link, as a REST API does: the bytes cannot be compared."""

    def read(self, object: str, ids: Iterable[str] | None, fields: Sequence[str]) -> Iterator[Record]:
        for record in super().read(object, ids, fields):
            yield {k: ("/files/" + str(record["Id"]) if isinstance(v, bytes) else v) for k, v in record.items()}


def test_file_bytes_are_compared_by_sha256(tmp_path: Path) -> None:
    files_plan = compile(FILES_SPEC, source_schema=FILES_SOURCE, target_schema=FILES_TARGET, functions=registry())
    data = {"files": [{"id": "f1", "name": "a.txt", "content": b"hello"},
                      {"id": "f2", "name": "b.bin", "content": bytes(range(256))}]}
    with StateStore.open(tmp_path / "a.db") as store:
        report = take_sample(files_plan, MemorySource(data, FILES_SOURCE), MemoryDestination(FILES_TARGET), store,
                             size=5)
    bodies = [c for r in report.records for c in r.cells if c.field == "Body"]
    assert [c.kind for c in bodies] == ["equal", "equal"]
    assert bodies[0].computed == bodies[0].stored == "sha256:" + hashlib.sha256(b"hello").hexdigest()
    with StateStore.open(tmp_path / "b.db") as store:
        report = take_sample(files_plan, MemorySource(data, FILES_SOURCE), LinkOnlyOrg(FILES_TARGET), store, size=5)
    bodies = [c for r in report.records for c in r.cells if c.field == "Body"]
    assert {(c.kind, c.note) for c in bodies} == {("unchecked", "the destination cannot give file bytes back")}


def test_a_sandbox_without_the_declared_schema_is_refused_before_anything_loads(tmp_path: Path) -> None:
    declared = Declaration("Account", False, None, (FieldSchema("Region__c", String(40)),))
    wanting = attrs.evolve(plan(), declarations=(declared,))
    sandbox = org()
    with StateStore.open(tmp_path / "sandbox.db") as store:
        with pytest.raises(SampleError) as refused:
            take_sample(wanting, source(5), sandbox, store, size=5)
        assert store.runs() == []
    message = str(refused.value)
    assert "lacks 1 of the objects and fields" in message and "Account.Region__c" in message
    assert "crossmap preflight SPEC --sandbox --apply" in message
    assert list(sandbox.read("Account", None, ["Id"])) == []
