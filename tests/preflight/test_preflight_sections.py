"""Each section of the preflight with memory connectors: schema audit, counts,
resolution, coverage, estimate, gaps, grade, and the report's renderings."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

import pytest
from attrs import frozen
from preflight_support import SOURCE, SPEC, TARGET, UserDirectory, data, plan, systems, users

from crossmap import schema as s
from crossmap.compiler import compile
from crossmap.connectors.builtin.memory import MemorySource
from crossmap.connectors.streams import BatchedStream
from crossmap.errors import CrossmapError
from crossmap.functions import registry
from crossmap.preflight import (
    Gap,
    PreflightReport,
    audit_schema,
    check_coverage,
    preflight,
    render_html,
    render_text,
)
from crossmap.preflight.audit import difference, effective_schema
from crossmap.preflight.estimate import estimate
from crossmap.preflight.gaps import unmapped_fields, unmapped_objects

FIXED = datetime(2026, 1, 2, 3, 4, 5)


def run(**kwargs: Any) -> PreflightReport:
    source, destination = systems(**{k: kwargs.pop(k) for k in ("fallback", "fallback_active") if k in kwargs})
    return preflight(plan(kwargs.pop("spec")) if "spec" in kwargs else plan(), kwargs.pop("source", source),
                     kwargs.pop("destination", destination), now=lambda: FIXED, **kwargs)


# ---- schema audit ------------------------------------------------------------------------


def test_the_audit_lists_what_the_destination_lacks_from_the_raw_describe() -> None:
    report = run()
    missing = {(m.object, m.field) for m in report.schema.missing}
    assert missing == {("Account", "Tier__c"), ("Visit__c", None), ("Visit__c", "Ext__c"), ("Visit__c", "Case__c")}
    (mismatch,) = report.schema.mismatches
    assert (mismatch.object, mismatch.field) == ("Account", "Segment__c")
    assert mismatch.problem == "picklist values missing: Large"
    assert any("lacks 4 declared objects or fields" in b for b in report.blockers) and not report.ok


def test_a_compile_against_the_live_schema_hides_nothing_from_the_audit() -> None:
    # The compiled plan accepts Tier__c (declarations extend the schema): the audit
    # must still say the org lacks it.
    compiled = plan()
    assert any(f.name == "Tier__c" for d in compiled.declarations for f in d.fields)
    assert ("Account", "Tier__c") in {(m.object, m.field) for m in audit_schema(compiled.declarations, TARGET).missing}
    assert audit_schema(compiled.declarations, effective_schema(TARGET, compiled.declarations)).missing == ()


@pytest.mark.parametrize(("wanted", "have", "problem"), [
    (s.String(255), s.String(80), "length 80, shorter than the declared 255"),
    (s.String(20), s.Integer(), "the destination has integer, the spec declares string(20)"),
    (s.Numeric(18, 2), s.Numeric(10, 2), "decimal(10, 2) holds less than the declared decimal(18, 2)"),
    (s.Reference(("Case",)), s.Reference(("Account",)), "points at Account, the spec declares Case"),
    (s.Text(32000), s.Text(32000), None),
    (s.Enum(["A", "B"]), s.Enum(["B", "A", "C"]), None),
])
def test_differences_between_a_declared_and_a_live_field(wanted: Any, have: Any, problem: str | None) -> None:
    assert difference(s.FieldSchema("F", wanted), s.FieldSchema("F", have)) == problem


def test_an_upsert_key_that_is_not_an_external_id_is_a_mismatch() -> None:
    wanted = s.FieldSchema("Ext__c", s.String(20), external_id=True)
    assert difference(wanted, s.FieldSchema("Ext__c", s.String(20))) == "not an external id, but the spec upserts on it"


def test_the_coverage_schema_keeps_the_orgs_own_fields() -> None:
    schema = effective_schema(TARGET, plan().declarations)
    # Present in the org: its definition wins (only "Small"); absent: the declaration's.
    assert schema.object("Account").field("Segment__c").type == s.Enum(["Small"], restricted=False)
    assert schema.object("Account").field("Tier__c").type == s.Enum(["Gold", "Silver"])
    assert schema.find_object("Visit__c") is not None


# ---- counts --------------------------------------------------------------------------------


class CountingSource(MemorySource):
    """Counts extractions per object; answers ``count`` for invoices only."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.extracted: dict[str, int] = {}

    def extract(self, object: str, *, since: datetime | None = None) -> Iterator[list[dict[str, Any]]]:
        self.extracted[object] = self.extracted.get(object, 0) + 1
        return super().extract(object, since=since)

    def count(self, object: str) -> int | None:
        return 41 if object == "invoices" else None


def test_counts_come_from_the_stream_or_the_sources_count() -> None:
    source = CountingSource(data(), SOURCE, page_size=2)
    report = run(source=source)
    assert report.counts == {"customers": 5, "jobs": 3, "staff": 4, "invoices": 41}
    # One streaming pass per mapped object; the counted one is never streamed.
    assert source.extracted == {"customers": 1, "jobs": 1, "staff": 1}


def test_counts_stream_when_the_source_cannot_count() -> None:
    assert run().counts["invoices"] == 2


# ---- resolution ----------------------------------------------------------------------------


def test_resolution_matched_unmatched_ambiguous_inactive() -> None:
    (check,) = run().resolutions
    assert (check.total, check.matched, check.unmatched_count) == (4, 3, 1)
    assert check.unmatched == ("t2",)
    assert check.ambiguous == (("t4", 2),)
    assert check.inactive == ("t3",)
    assert check.active_field == "IsActive" and check.destination_records == 5
    assert (check.fallback, check.fallback_found, check.fallback_active) == ("boss@example.com", True, True)
    assert check.needs_fallback and check.blocker is None


def test_a_missing_fallback_blocks() -> None:
    report = run(fallback=False)
    (check,) = report.resolutions
    assert check.fallback_found is False
    assert check.blocker is not None and "boss@example.com" in check.blocker and check.blocker in report.blockers


def test_an_inactive_fallback_blocks_when_records_fall_back() -> None:
    (check,) = run(fallback_active=False).resolutions
    assert check.fallback_active is False
    assert check.blocker is not None and "inactive" in check.blocker


def test_unmatched_keys_without_a_fallback_block_only_when_the_spec_falls_back() -> None:
    no_fallback = SPEC_WITHOUT_FALLBACK
    (check,) = run(spec=no_fallback).resolutions
    assert check.fallback is None and check.fallback_found is None
    assert check.blocker is not None and "declares no fallback" in check.blocker
    (check,) = run(spec=no_fallback.replace("missing fallback", "missing null")).resolutions
    assert check.unmatched == ("t2",) and check.blocker is None


# ---- coverage -------------------------------------------------------------------------------


def issues(report: PreflightReport) -> dict[tuple[str | None, str], Any]:
    return {(i.field, i.code): i for i in report.coverage.issues}


def test_coverage_aggregates_by_object_field_and_reason_with_the_source_values() -> None:
    report = run()
    found = issues(report)
    picklist = found[("Tier__c", "NOT_IN_PICKLIST")]
    assert (picklist.object, picklist.count, picklist.severity) == ("Account", 2, "error")
    assert picklist.values == (("tier='Platinum'", 2),) and set(picklist.sample_keys) == {"c2", "c4"}
    assert picklist.line is not None
    too_long = found[("Name", "TOO_LONG")]
    assert too_long.count == 1 and too_long.sample_keys == ("c4",)
    # j2's title is too long, but its customer c2 fails (a Platinum tier): the run holds
    # j2 and j3 back with their parent, and preflight predicts just that.
    held = found[("AccountId", "PARENT_FAILED")]
    assert held.count == 2 and held.sample_keys == ("j2", "j3") and ("Subject", "TOO_LONG") not in found
    required = found[("Name", "MISSING_REQUIRED")]
    assert required.sample_keys == ("c5",) and required.values == ()
    loose = found[("Segment__c", "PICKLIST_VALUE_NOT_LISTED")]
    assert loose.severity == "warning" and loose.values == (("segment='Large'", 2),)
    skipped = found[(None, "SKIPPED")]
    assert skipped.message == "a customer without a name" and skipped.sample_keys == ("c3",)
    steps = {st.step: st for st in report.coverage.steps}
    customers = steps["customers->Account"]
    assert (customers.records, customers.rows, customers.skipped, customers.would_fail) == (5, 4, 1, 3)
    assert (customers.would_load, customers.held_back) == (1, 0)
    jobs = steps["jobs->Case"]
    assert (jobs.rows, jobs.would_load, jobs.would_fail, jobs.held_back) == (1, 1, 0, 2)
    assert "not predicted" in report.coverage.not_predicted


def test_coverage_reports_transforms_that_fail() -> None:
    spec = SPEC_WITH_VALUE_MAP
    report = run(spec=spec)
    failed = issues(report)[("Tier__c", "TRANSFORM")]
    assert failed.count == 2 and "Platinum" in failed.message and failed.values == (("tier='Platinum'", 2),)


def test_coverage_counts_each_steps_rows_as_one_stream_as_the_engine_hands_them() -> None:
    # Pages of two customers: the engine hands a step's rows to one load stream.
    source = MemorySource(data(), SOURCE, page_size=2)
    compiled = plan()
    coverage = check_coverage(compiled, source, effective_schema(TARGET, compiled.declarations))
    customers = next(st for st in coverage.steps if st.step == "customers->Account")
    # Pages c1 c2 | c3(skipped) c4 | c5: 4 rows, one stream.
    assert customers.batches == ((4, 1),)


# ---- estimate ------------------------------------------------------------------------------


@frozen
class Limits:
    daily_api_max: int
    daily_api_remaining: int


class PricedDirectory(UserDirectory):
    """A destination that prices batches (10 calls each) and has a daily budget."""

    remaining = 1000

    def estimate_calls(self, batch_sizes: Iterable[int]) -> int:
        return 10 * sum(1 for size in batch_sizes if size)

    def check_budget(self, estimated_calls: int) -> Limits:
        if estimated_calls > self.remaining:
            raise CrossmapError(f"the run needs about {estimated_calls} API requests, {self.remaining} left")
        return Limits(5000, self.remaining)


class PacedSource(MemorySource):
    def extraction_requests(self, object: str, records: int) -> int:
        return 1 + records // 2

    def requests_per_minute(self) -> float:
        return 60.0


def priced(remaining: int) -> PreflightReport:
    destination = PricedDirectory(TARGET)
    destination.remaining = remaining
    assert all(r.ok for r in destination.load("User", "insert", [(str(i), r) for i, r in enumerate(users())]))
    return preflight(plan(), PacedSource(data(), SOURCE, page_size=2), destination, now=lambda: FIXED)


def test_the_estimate_prices_the_engines_batches_and_reads_the_budget() -> None:
    est = priced(1000).estimate
    calls = {st.step: st for st in est.steps}
    assert calls["customers->Account"].calls == 10  # one batch: rows queue across pages
    assert calls["jobs->Case"].calls == 10
    assert est.resolution_calls == 1 and est.total_calls == 10 + 10 + 1 + 1
    assert (est.budget_remaining, est.budget_max, est.budget_short) == (1000, 5000, False)
    assert calls["customers->Account"].extraction_requests == 1 + 5 // 2
    assert est.extraction_requests == (1 + 5 // 2) + (1 + 3 // 2) + (1 + 4 // 2)
    assert est.requests_per_minute == 60.0 and est.round_trip is not None
    # At one request a second, extraction paces each step.
    assert calls["customers->Account"].seconds >= 3.0 and est.seconds >= sum(c.seconds for c in est.steps)


class StreamingDirectory(PricedDirectory):
    """The same, taking each step's rows as one load stream."""

    def open_load(self, object: str, operation: Any, *, external_id: str | None = None) -> BatchedStream:
        return BatchedStream(self, object, operation, external_id, 10_000)


@pytest.mark.parametrize(("destination", "calls"), [(PricedDirectory, 20), (StreamingDirectory, 10)])
def test_a_destination_without_streams_is_priced_by_batch_size(destination: type[PricedDirectory],
                                                               calls: int) -> None:
    compiled = plan()
    source = MemorySource(data(), SOURCE, page_size=2)
    coverage = check_coverage(compiled, source, effective_schema(TARGET, compiled.declarations))
    est = estimate(compiled, coverage, source, destination(TARGET), batch_size=3)
    # Four customers: batches of three and one, or the one stream.
    assert {st.step: st.calls for st in est.steps}["customers->Account"] == calls


def test_a_short_budget_blocks() -> None:
    report = priced(10)
    assert report.estimate.budget_short and report.estimate.budget_remaining == 10
    assert any("API requests" in b for b in report.blockers)
    assert any(r.reason.startswith("the destination's remaining daily API") for r in report.grade.reasons)


def test_without_capabilities_the_estimate_says_what_it_could_not_count() -> None:
    est = run().estimate
    assert est.budget_remaining is None and est.extraction_requests == 0
    assert any("no rate limit" in n for n in est.notes) and any("API budget" in n for n in est.notes)
    assert {st.step: st.calls for st in est.steps} == {"customers->Account": 1, "jobs->Case": 1}


# ---- gaps ------------------------------------------------------------------------------------


class GappySource(MemorySource):
    def native_gaps(self, counts: dict[str, int]) -> list[Any]:
        @frozen
        class Own:  # a connector's own class: converted to Gap
            title: str
            detail: str
            count: int | None
            rebuild_with: str | None

        return [Own("Recurring jobs", "series", counts["jobs"], "Flow"), Gap("Routes", "not exposed")]


def test_native_gaps_come_from_the_source_and_unmapped_objects_and_fields_are_generic() -> None:
    report = run(source=GappySource(data(), SOURCE))
    assert report.native_gaps == (Gap("Recurring jobs", "series", 3, "Flow"), Gap("Routes", "not exposed"))
    (unmapped,) = report.unmapped_objects
    assert unmapped.count == 2 and "'invoices'" in unmapped.detail
    assert [(u.object, u.fields) for u in report.unmapped_fields] == [("customers", ("fax",))]


def test_generic_gaps_without_counts() -> None:
    compiled = plan()
    assert [g.count for g in unmapped_objects(compiled, SOURCE, {})] == [None]
    assert [u.object for u in unmapped_fields(compiled, SOURCE)] == ["customers"]


# ---- grade -------------------------------------------------------------------------------------


def test_the_grade_adds_up_its_reasons() -> None:
    report = run()
    grade = report.grade
    assert grade.points == sum(r.points for r in grade.reasons) > 0
    reasons = " | ".join(r.reason for r in grade.reasons)
    assert "4 declared objects or fields to create" in reasons and "1 of 4 staff match no User" in reasons
    assert "would fail" in reasons and "source objects not migrated: 1" in reasons
    # 1 schema + 1 mismatch + 1 unmatched + 1 ambiguous/inactive + 3 (4 of 8 records fail) + 1 unmapped
    assert (grade.points, grade.letter, grade.label) == (8, "C", "High")


def test_a_clean_migration_grades_low() -> None:
    source = MemorySource({"customers": [{"id": "c1", "name": "Acme", "tier": "Gold", "segment": "Small",
                                          "fax": "1"}]}, s.Schema([s.ObjectSchema("customers", [
                                              s.FieldSchema("id", s.String(20), nullable=False),
                                              s.FieldSchema("name", s.String(30))], key="id")]))
    compiled = compile(SPEC_CLEAN, source_schema=source.schema(), target_schema=TARGET, functions=registry())
    report = preflight(compiled, source, PricedDirectory(TARGET), now=lambda: FIXED)
    assert report.schema.missing == () and report.schema.mismatches == () and report.coverage.issues == ()
    assert report.ok and (report.grade.letter, report.grade.label, report.grade.points) == ("A", "Low", 0)
    assert report.grade.reasons == ()


# ---- the report ----------------------------------------------------------------------------------


def test_the_report_renders_as_text_json_and_html() -> None:
    report = run()
    data_ = json.loads(report.to_json())
    assert data_["ok"] is False and data_["generated_at"] == "2026-01-02T03:04:05"
    assert data_["counts"]["customers"] == 5 and data_["resolutions"][0]["unmatched"] == ["t2"]
    assert data_["grade"]["letter"] == "C"
    text = render_text(report)
    for heading in ("== schema ==", "== records ==", "== resolution ==", "== coverage ==",
                    "== API budget and duration (estimates) ==", "== to rebuild natively ==", "== complexity: C"):
        assert heading in text
    assert "[ ] field Account.Tier__c: enum[restricted]" in text and "BLOCKED" in text
    assert "source values: tier='Platinum' x2" in text
    page = render_html(report)
    assert page.startswith("<!DOCTYPE html>") and "<h2>Coverage</h2>" in page
    assert "tier=&#x27;Platinum&#x27; x2" in page and "<script" not in page


SPEC_WITHOUT_FALLBACK = SPEC.replace('  fallback "boss@example.com"\n', "")

SPEC_WITH_VALUE_MAP = SPEC.replace("  Tier__c    = tier\n", "  Tier__c    = tier | tiers\n") + """
valuemap tiers {
  "Gold"   -> "Gold"
  "Silver" -> "Silver"
  else error
}
"""

SPEC_CLEAN = """source memory
target memory

map customers -> Account {
  upsert on Ext__c
  Ext__c = id
  Name   = truncate(name ?? "(none)", 30)
}
"""
