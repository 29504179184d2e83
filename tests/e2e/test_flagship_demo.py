"""`crossmap demo` end to end at the smallest scale: the flagship spec from a simulated
Q Dispatch tenant into a local Salesforce org, full run, delta, rollback of the delta.

The expectations come from the seeded generator, not from the run: what Q Dispatch
holds decides what every step must have extracted and where every lookup must point.
The org is queried afterwards by restarting the emulator on the demo's data folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from crossmap.cli import main
from crossmap.reports import StepCounts
from crossmap.state import StateStore
from crossmap_qdispatch.demo import FALLBACK_USER, DemoOptions, DemoResult, run_demo
from crossmap_qdispatch.generator import generate
from crossmap_salesforce.emulator import OrgHandle, running_org

SEED, SCALE = 1, 1


@pytest.fixture(scope="module")
def narrated(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoResult, list[str]]:
    """One demo run for the whole module, and its narration."""
    lines: list[str] = []
    folder = tmp_path_factory.mktemp("demo") / "run"
    # The records stay in the org for the tests to read; `test_cli_runs_the_demo` checks
    # that the whole migration rolls back. Under umask 000, the worst case for the
    # modes of the files it writes (`test_the_demo_folder_is_owner_only`).
    previous = os.umask(0)
    try:
        return run_demo(DemoOptions(folder, scale=SCALE, seed=SEED, restore=False), lines.append), lines
    finally:
        os.umask(previous)


@pytest.fixture(scope="module")
def demo(narrated: tuple[DemoResult, list[str]]) -> DemoResult:
    return narrated[0]


@pytest.fixture(scope="module")
def source() -> dict[str, dict[str, dict[str, Any]]]:
    """The simulated tenant's live records: object -> id -> record."""
    live: dict[str, dict[str, dict[str, Any]]] = {}
    for g in generate(SEED, SCALE):
        if g.live:
            live.setdefault(g.object, {})[g.record["id"]] = g.record
    return live


@pytest.fixture(scope="module")
def org(demo: DemoResult) -> Iterator[OrgHandle]:
    # The org's data survives a restart: the test reads what the demo left.
    with running_org(demo.folder / "org") as handle:
        yield handle


def query(org: OrgHandle, soql: str) -> list[dict[str, Any]]:
    return list(org.sf.query_all(soql)["records"])


def by_external_id(org: OrgHandle, obj: str, field: str) -> dict[str, dict[str, Any]]:
    """Records of ``obj`` by the external id the spec upserts on."""
    return {r[field]: r for r in query(org, f"SELECT Id, {field}{_EXTRA.get(obj, '')} FROM {obj}")}


_EXTRA = {
    "Account": ", Name",
    "Contact": ", AccountId",
    "Case": ", AccountId, Subject, OwnerId",
    "Event": ", WhatId, OwnerId, Recurrence_Rule__c, Needs_Flow_Rebuild__c",
    "Task": (", WhatId, Subject, Status, TaskSubtype, ActivityDate, QD_Occurred_At__c, CallType,"
             " CallDurationInSeconds, Description"),
    "Job_Technician__c": ", Case__c, Technician__c",
    "Work_Order_Line_Item__c": ", Case__c, Quantity__c",
    "Service_Address__c": ", Account__c",
}


def steps(demo: DemoResult, run: int) -> dict[str, StepCounts]:
    return {s.step: s for s in demo.reports[run].steps}


def test_every_source_record_has_one_outcome(demo: DemoResult, source: dict[str, dict[str, dict[str, Any]]]) -> None:
    counts = steps(demo, 0)
    for step in demo.plan.steps:
        expected = (sum(len(j["status_history"]) for j in source["jobs"].values()) if step.path
                    else len(source[step.source]))
        got = counts[step.name]
        assert got.extracted == expected, step.name
        assert got.extracted == (got.created + got.updated + got.deleted + got.skipped + got.failed
                                 + got.held_back), step.name
    # Resolutions: matched technicians are in the crosswalk, unmatched ones skipped.
    assert len(demo.matched_technicians) + len(demo.unmatched_technicians) == len(source["technicians"])
    assert demo.matched_technicians and demo.unmatched_technicians


def merges() -> dict[str, str | None]:
    """Source ids Q Dispatch deleted (None) or merged into another record."""
    return {g.record["id"]: g.merged_into for g in generate(SEED, SCALE)
            if not g.live and g.object in ("customers", "jobs")}


def survivor(key: str) -> str:
    """The record a key stands for once merges are followed, as the engine follows them."""
    dead = merges()
    while dead.get(key) is not None:
        key = dead[key]  # type: ignore[assignment]
    return key


def test_failures_are_the_sources_orphans(demo: DemoResult, source: dict[str, dict[str, dict[str, Any]]]) -> None:
    """Every failed or held-back record has a parent Q Dispatch deleted: real findings.
    Records whose parent was merged into another follow the merge and load."""
    orphan_jobs = {j for j, job in source["jobs"].items() if survivor(job["customer_id"]) not in source["customers"]}
    counts = steps(demo, 0)
    assert counts["jobs->Case"].failed == len(orphan_jobs) > 0
    for error in demo.reports[0].errors:
        if error.code == "RULE":  # line items whose total is not rate x quantity
            assert error.step == "line_items->Work_Order_Line_Item__c" and error.field is None, error
            off = {i for i, item in source["line_items"].items()
                   if abs(Decimal(item["total_cents"]) - (Decimal(item["rate_cents"]) * Decimal(item["quantity"]))
                          .quantize(Decimal(1), ROUND_HALF_UP)) > 1 and item["job_id"] not in orphan_jobs}
            assert error.count == len(off) > 0 and set(error.sample_keys) <= off, error
            continue
        assert error.code in ("TRANSFORM", "PARENT_FAILED"), error
        assert "was loaded for" in (error.reason or "") or "failed" in (error.reason or ""), error
    # The demo names each missing parent (deleted, or merged into one that did not load).
    dead = merges()
    pointed_at = {("customers", r["customer_id"]) for obj in ("customer_locations", "contacts", "jobs")
                  for r in source[obj].values()}
    pointed_at |= {("jobs", r["job_id"]) for obj in CHILDREN_OF_JOBS for r in source[obj].values()}
    pointed_at |= {("customers", r["customer_id"]) for r in source["communications"].values()}
    expected = {(obj, key): dead[key] for obj, key in pointed_at
                if key in dead and survivor(key) not in source[obj]}
    assert demo.orphans == expected
    assert any(merged is not None for merged in dead.values())  # the data does merge records


CHILDREN_OF_JOBS = ("technician_assignments", "appointments", "line_items", "job_notes", "attachments")


def test_records_and_lookups_in_the_org(demo: DemoResult, org: OrgHandle,
                                        source: dict[str, dict[str, dict[str, Any]]]) -> None:
    counts = steps(demo, 0)
    accounts = by_external_id(org, "Account", "QD_Customer_Id__c")
    cases = by_external_id(org, "Case", "QD_Job_Id__c")
    assert len(accounts) == counts["customers->Account"].created == len(source["customers"])
    assert len(cases) == counts["jobs->Case"].created
    for job_id, case in cases.items():
        assert case["AccountId"] == accounts[survivor(source["jobs"][job_id]["customer_id"])]["Id"]
    contacts = by_external_id(org, "Contact", "QD_Contact_Id__c")
    assert len(contacts) == counts["contacts->Contact"].created
    for contact_id, contact in contacts.items():
        assert contact["AccountId"] == accounts[survivor(source["contacts"][contact_id]["customer_id"])]["Id"]
    sites = by_external_id(org, "Service_Address__c", "QD_Location_Id__c")
    assert len(sites) == counts["customer_locations->Service_Address__c"].created
    for location_id, site in sites.items():
        assert site["Account__c"] == accounts[survivor(source["customer_locations"][location_id]["customer_id"])]["Id"]
    items = by_external_id(org, "Work_Order_Line_Item__c", "QD_Line_Item_Id__c")
    assert len(items) == counts["line_items->Work_Order_Line_Item__c"].created > 0
    for item_id, item in items.items():
        assert item["Case__c"] == cases[survivor(source["line_items"][item_id]["job_id"])]["Id"]
    comments = query(org, "SELECT Id, ParentId FROM CaseComment")
    assert len(comments) == (counts["job_notes->CaseComment"].created
                             + counts["jobs.status_history->CaseComment"].created)
    assert {c["ParentId"] for c in comments} <= {c["Id"] for c in cases.values()}


def test_technicians_match_users_or_fall_back(demo: DemoResult, org: OrgHandle,
                                              source: dict[str, dict[str, dict[str, Any]]]) -> None:
    users = {u["Email"].lower(): u["Id"] for u in query(org, "SELECT Id, Email FROM User")}
    fallback = users[FALLBACK_USER]
    assert demo.fallback_user_id == fallback
    for tech_id, user_id in demo.matched_technicians.items():
        assert users[source["technicians"][tech_id]["email"].strip().lower()] == user_id

    def owner(tech_id: str) -> str:
        return demo.matched_technicians.get(tech_id, fallback)

    cases = by_external_id(org, "Case", "QD_Job_Id__c")
    junction = by_external_id(org, "Job_Technician__c", "QD_Assignment_Id__c")
    assert len(junction) == steps(demo, 0)["technician_assignments->Job_Technician__c"].created > 0
    for asg_id, row in junction.items():
        asg = source["technician_assignments"][asg_id]
        assert row["Case__c"] == cases[asg["job_id"]]["Id"]
        assert row["Technician__c"] == owner(asg["technician_id"])
    events = by_external_id(org, "Event", "QD_Appointment_Id__c")
    assert len(events) == steps(demo, 0)["appointments->Event"].created > 0
    for apt_id, event in events.items():
        apt = source["appointments"][apt_id]
        assert event["WhatId"] == cases[apt["job_id"]]["Id"]
        assert event["OwnerId"] == owner(apt["technician_id"])
    fell_back = [a for a in source["appointments"].values()
                 if a["technician_id"] in demo.unmatched_technicians and a["job_id"] in cases]
    assert fell_back and all(events[a["id"]]["OwnerId"] == fallback for a in fell_back)


def test_single_technician_cases_are_owned_by_the_technician(demo: DemoResult, org: OrgHandle,
                                                              source: dict[str, dict[str, dict[str, Any]]]) -> None:
    """One technician: the Case belongs to their User (or the fallback when they have
    none); none or several: to the fallback user, the technicians being junction rows."""
    fallback = demo.fallback_user_id
    kinds: Counter[str] = Counter()
    for job_id, case in by_external_id(org, "Case", "QD_Job_Id__c").items():
        technicians = source["jobs"][job_id]["assigned_technician_ids"]
        if len(technicians) == 1 and technicians[0] in demo.matched_technicians:
            kinds["technician"] += 1
            assert case["OwnerId"] == demo.matched_technicians[technicians[0]], job_id
        else:
            kinds["unmatched" if len(technicians) == 1 else f"{min(len(technicians), 2)} technicians"] += 1
            assert case["OwnerId"] == fallback, job_id
    assert kinds["technician"] and kinds["0 technicians"] and kinds["2 technicians"], kinds


def test_recurring_appointments_are_flagged_for_a_flow_rebuild(org: OrgHandle,
                                                               source: dict[str, dict[str, dict[str, Any]]]) -> None:
    events = by_external_id(org, "Event", "QD_Appointment_Id__c")
    flagged = {apt for apt, event in events.items() if event["Needs_Flow_Rebuild__c"]}
    recurring = {apt for apt in events if source["appointments"][apt]["recurrence_rule"]}
    assert flagged == recurring and 0 < len(flagged) < len(events)
    for apt in flagged:
        assert events[apt]["Recurrence_Rule__c"] == source["appointments"][apt]["recurrence_rule"]


CHANNELS = {"call": "Call", "email": "Email", "sms": "Text message"}


def test_communications_are_completed_tasks_with_their_original_timestamps(
        demo: DemoResult, org: OrgHandle, source: dict[str, dict[str, dict[str, Any]]]) -> None:
    accounts = by_external_id(org, "Account", "QD_Customer_Id__c")
    cases = by_external_id(org, "Case", "QD_Job_Id__c")
    tasks = by_external_id(org, "Task", "QD_Communication_Id__c")
    counts = steps(demo, 0)["communications->Task"]
    assert len(tasks) == counts.created > 0 and counts.failed == len(source["communications"]) - len(tasks)
    parents: Counter[str] = Counter()
    for com_id, task in tasks.items():
        com = source["communications"][com_id]
        if com["job_id"] in cases:
            parents["case"] += 1
            assert task["WhatId"] == cases[com["job_id"]]["Id"]
        else:
            # No job, or a job that did not load: the customer's Account.
            parents["account"] += 1
            assert task["WhatId"] == accounts[survivor(com["customer_id"])]["Id"]
        occurred = datetime.fromisoformat(com["occurred_at"])
        assert datetime.fromisoformat(task["QD_Occurred_At__c"]) == occurred
        assert task["ActivityDate"] == occurred.date().isoformat()
        assert task["Status"] == "Completed"
        assert task["TaskSubtype"] == {"call": "Call", "email": "Email", "sms": "Task"}[com["channel"]]
        if com["channel"] == "call":
            assert task["CallType"] == com["direction"].title()
            assert task["CallDurationInSeconds"] == com["duration_seconds"]
        else:
            assert task["CallType"] is None and task["CallDurationInSeconds"] is None
            assert task["Description"] == com["body"]
        assert task["Subject"] == (com["subject"] or f"{CHANNELS[com['channel']]} ({com['direction']})")
    assert parents["case"] and parents["account"]


def test_attachment_bytes_arrive_whole(demo: DemoResult, org: OrgHandle,
                                       source: dict[str, dict[str, dict[str, Any]]]) -> None:
    cases = {c["Id"]: job for job, c in by_external_id(org, "Case", "QD_Job_Id__c").items()}
    versions = query(org, "SELECT Id, PathOnClient, FirstPublishLocationId FROM ContentVersion")
    assert len(versions) == steps(demo, 0)["attachments->ContentVersion"].created > 0
    got: Counter[tuple[str, str]] = Counter()
    for version in versions:
        answer = org.sf.session.get(f"{org.sf.base_url}sobjects/ContentVersion/{version['Id']}/VersionData",
                                    headers=org.sf.headers, verify=org.ca_file)
        assert answer.status_code == 200
        got[(cases[version["FirstPublishLocationId"]], hashlib.sha256(answer.content).hexdigest())] += 1
    expected = Counter((a["job_id"], a["sha256"]) for a in source["attachments"].values() if a["job_id"] in
                       cases.values())
    assert got == expected


def test_delta_picks_up_the_changes_and_its_rollback_restores_the_org(demo: DemoResult, org: OrgHandle) -> None:
    delta = steps(demo, 1)
    assert demo.delta.run.kind == "delta" and len(demo.mutations) == 4
    assert delta["customers->Account"].extracted == delta["customers->Account"].updated == 1
    assert delta["contacts->Contact"].updated == 1
    assert delta["job_notes->CaseComment"].created == 1
    assert delta["line_items->Work_Order_Line_Item__c"].extracted == 1
    # Whatever failed in the delta is in its report, with the record's key.
    failed = {k for e in demo.reports[1].errors for k in e.sample_keys}
    assert sum(s.failed + s.held_back for s in delta.values()) == len(failed)
    names = {r["Name"] for r in demo.after_delta["Account"].values()}
    assert "Harbor View Property Management" in names
    assert demo.after_delta != demo.before_delta
    assert demo.restored and demo.after_rollback == demo.before_delta
    assert demo.undo.deleted == 1
    # And the org itself, read afresh after a restart, agrees.
    accounts = by_external_id(org, "Account", "QD_Customer_Id__c")
    assert "Harbor View Property Management" not in {a["Name"] for a in accounts.values()}
    assert len(query(org, "SELECT Id FROM CaseComment")) == len(demo.before_delta["CaseComment"])


def test_narration_keeps_secrets_out(narrated: tuple[DemoResult, list[str]], org: OrgHandle) -> None:
    demo, lines = narrated
    text = "\n".join(lines)
    stages = ["== 1. preflight", "== 2. the schema", "== 3. a sample in the sandbox", "== 4. approval",
              "== 5. the full run", "== 6. meanwhile, changes", "== 7. the delta run", "== 8. the reports",
              "== 9. rollback of the delta run"]
    at = [text.index(stage) for stage in stages]
    assert at == sorted(at), "the story is told in order"
    assert "pre-delta state" in text and "== 10." not in text  # restore=False keeps the records
    toml = (demo.folder / "crossmap.toml").read_text()
    assert "password_env" in toml and org.password not in toml and org.password not in text
    assert (demo.folder / ".crossmap" / "reports" / f"run-{demo.full.run.id}.html").exists()


def test_the_demo_folder_is_owner_only(demo: DemoResult, owner_only: Callable[[Path], list[Path]]) -> None:
    """The state stores (pre-images), the reports (values), the orgs' data and the
    metadata package: folders 0700, files 0600, though the demo ran under umask 000."""
    assert stat.S_IMODE(demo.folder.stat().st_mode) == 0o700
    state = demo.folder / ".crossmap"
    written = {f.relative_to(state).as_posix() for f in owner_only(state)}
    assert {"state.db", "sandbox.db", f"reports/run-{demo.full.run.id}.json",
            f"reports/run-{demo.delta.run.id}.html"} <= written
    assert any(name.startswith("reports/preflight") for name in written)
    assert any(name.startswith("reports/sample-") for name in written)
    for data in ("org", "sandbox-org", "metadata"):
        assert owner_only(demo.folder / data)


def test_cli_runs_the_demo(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["demo", "--dir", str(tmp_path / "cli"), "--seed", "2"])
    assert result.exit_code == 0, result.output
    assert "the org is back to its pre-delta state" in result.stdout
    assert "the org is back to its pre-migration state (the objects the spec writes hold no record)" \
        in result.stdout
    assert "NOT back" not in result.stdout
    assert (tmp_path / "cli" / ".crossmap" / "reports" / "run-2.json").exists()


def test_cli_refuses_a_folder_in_use(tmp_path: Path) -> None:
    (tmp_path / "something").write_text("x")
    result = CliRunner().invoke(main, ["demo", "--dir", str(tmp_path)])
    assert result.exit_code == 1 and "not empty" in result.stderr


def test_amounts_and_timestamps_survive_exactly(org: OrgHandle, source: dict[str, dict[str, dict[str, Any]]]) -> None:
    items = query(org, "SELECT QD_Line_Item_Id__c, Rate__c, Quantity__c, Total__c FROM Work_Order_Line_Item__c")
    assert items
    for item in items:
        wire = source["line_items"][item["QD_Line_Item_Id__c"]]
        assert Decimal(str(item["Rate__c"])) == Decimal(wire["rate_cents"]) / 100
        assert Decimal(str(item["Quantity__c"])) == Decimal(wire["quantity"])
        assert Decimal(str(item["Total__c"])) == Decimal(wire["total_cents"]) / 100
    cases = query(org, "SELECT QD_Job_Id__c, QD_Completed_At__c FROM Case")
    completed = 0
    for case in cases:
        stamp = source["jobs"][case["QD_Job_Id__c"]]["completed_at"]
        if stamp is None or stamp.startswith("0000"):
            assert case["QD_Completed_At__c"] is None
            continue
        completed += 1
        assert datetime.fromisoformat(case["QD_Completed_At__c"]) == datetime.fromisoformat(stamp)
    assert completed > 0


def test_preflight_sample_and_approval_come_before_production(demo: DemoResult) -> None:
    """Preflight found the missing schema; the sample's diff was written; the full run
    went ahead on an approval of the sample, for the spec's version."""
    reports = demo.folder / ".crossmap" / "reports"
    preflight = json.loads((reports / "preflight.json").read_text())
    assert not preflight["ok"] and "lacks" in preflight["blockers"][0]
    assert preflight["resolutions"][0]["unmatched"] == list(demo.unmatched_technicians)
    sample = json.loads((reports / "sample-1.json").read_text())
    assert sample["totals"]["equal"] > 0 and set(sample["totals"]) <= {"equal", "normalised", "filled", "truncated",
                                                                       "dropped", "changed", "unchecked"}
    # The org stamps ClosedDate on Cases that close without a completed timestamp.
    assert any(f["field"] == "ClosedDate" and "filled" in f["counts"] for f in sample["fields"])
    with StateStore.open(demo.folder / ".crossmap" / "state.db") as store:
        (approval,) = store.approvals()
        assert approval.sample_run == sample["run_id"] and approval.spec_hash == sample["spec_hash"]


def test_verify_reads_back_the_full_run_and_the_delta(narrated: tuple[DemoResult, list[str]]) -> None:
    """`crossmap verify` after the full run and after the delta: every record each
    run wrote read back from production, every mapped field as the run wrote it
    (ClosedDate the org stamped where the run sent none is `filled`, no problem)."""
    demo, lines = narrated
    full, delta = demo.verified
    assert full.ok and delta.ok, "\n".join(lines)
    assert full.runs[-1] == demo.full.run.id and delta.runs[0] == demo.delta.run.id
    loaded = sum(c.created + c.updated for c in steps(demo, 0).values())
    assert sum(s.checked for s in full.steps) == loaded
    assert sum(s.checked for s in delta.steps) == sum(c.created + c.updated for c in steps(demo, 1).values())
    assert full.totals()["equal"] > 0 and full.missing == full.extra == full.wrong_parent == 0
    assert full.api_calls is not None and full.api_calls < 60
    text = "\n".join(lines)
    assert f"verify run {demo.full.run.id}" in text and f"verify run {demo.delta.run.id}" in text
    assert (demo.folder / ".crossmap" / "reports" / f"verify-{demo.delta.run.id}.html").exists()


def _predicted_and_actual(demo: DemoResult) -> tuple[dict[str, tuple[int, ...]], dict[str, tuple[int, ...]]]:
    preflight = json.loads((demo.folder / ".crossmap" / "reports" / "preflight.json").read_text())
    predicted = {s["step"]: (s["would_load"], s["would_fail"], s["held_back"], s["skipped"])
                 for s in preflight["coverage"]["steps"]}
    actual = {s.step: (s.created + s.updated, s.failed, s.held_back, s.skipped)
              for s in demo.reports[0].steps if s.step in predicted}
    return predicted, actual


def test_preflight_predicts_the_full_run_exactly(demo: DemoResult) -> None:
    """Preflight's predicted counts per step — would load, would fail, held back with
    a failing parent, skipped — are the full run's, orphan lookups included (records
    whose parent Q Dispatch deleted, or merged into one that does not load)."""
    predicted, actual = _predicted_and_actual(demo)
    assert set(predicted) == {s.name for s in demo.plan.steps}
    assert predicted == actual
    assert sum(p[2] for p in predicted.values()) > 0 and sum(p[1] for p in predicted.values()) > 0
    preflight = json.loads((demo.folder / ".crossmap" / "reports" / "preflight.json").read_text())
    assert "not predicted" in preflight["coverage"]["not_predicted"]
    # Per cause: the run's failures by (step, code) are the preflight's.
    causes: Counter[tuple[str, str]] = Counter()
    for issue in preflight["coverage"]["issues"]:
        if issue["severity"] == "error":
            causes[issue["step"], issue["code"]] += issue["count"]
    with StateStore.open(demo.folder / ".crossmap" / "state.db") as store:
        groups = store.error_groups(demo.full.run.id, outcomes=("failed", "held_back"))
    happened: Counter[tuple[str, str]] = Counter()
    for group in groups:
        happened[group.step, group.code or ""] += group.count
    assert happened == causes and {code for _, code in causes} >= {"TRANSFORM", "PARENT_FAILED"}


@pytest.mark.slow
def test_preflight_predicts_the_flagship_at_a_larger_scale(tmp_path: Path) -> None:
    """The same at a larger scale of the simulated tenant (CROSSMAP_SCALE / 400)."""
    scale = max(2, int(os.environ.get("CROSSMAP_SCALE", "2000")) // 400)
    larger = run_demo(DemoOptions(tmp_path / "larger", scale=scale, seed=SEED + 1, restore=False))
    predicted, actual = _predicted_and_actual(larger)
    assert predicted == actual
    assert sum(a[0] for a in actual.values()) > 1000


def test_verify_without_the_source_by_bulk_query(demo: DemoResult, org: OrgHandle) -> None:
    """Verify again after the demo, the source gone: every object read by a Bulk API
    2.0 query job (CSV: every value text, an empty cell a null), each record checked
    against the fingerprint of what the full run wrote. The delta was rolled back, so
    the full run is the newest writer; nothing is missing, extra or changed."""
    from crossmap.connectors.profiles import Profile
    from crossmap.verify import render_text, verify
    from crossmap_salesforce.connector import ConnectorSettings, SalesforceDestination

    profile = Profile("test", {"auth": "token", "instance_url": org.instance_url, "ca_file": org.ca_file},
                      {"access_token": org.access_token})
    assert org.emulator is not None
    bulk = org.emulator.bulk

    def wait_for_the_org(_seconds: float) -> None:
        bulk.wait_idle()  # the query job is done when the status is asked again

    settings = ConnectorSettings(bulk_threshold=1)
    with (SalesforceDestination.connect(profile, settings, sleep=wait_for_the_org) as sf,
          StateStore.open(demo.folder / ".crossmap" / "state.db") as store):
        sf.describe()  # as `crossmap verify` has, compiling the spec against the org
        report = verify(demo.plan, sf, store)
    assert report.ok, render_text(report)
    assert report.runs == (demo.full.run.id,) and report.compared_with == "fingerprints"
    assert report.totals() == {"equal": sum(s.checked for s in report.steps)}
    assert sum(s.checked for s in report.steps) == sum(c.created + c.updated for c in steps(demo, 0).values())
    # A query job per object: the count, the job's creation, its status, one set of
    # results, its deletion.
    assert report.api_calls == 5 * len(report.targets)
