"""A second full run of the flagship spec changes nothing in the org.

`crossmap demo` leaves the org as its full run made it (the delta is rolled back), and
the Q Dispatch tenant is a pure function of its seed: a fresh simulator with the same
seed serves exactly what that full run read. Running the spec again over it must
create nothing, fail exactly what failed before (the source's orphans), and leave
every mapped field of every record the spec writes as it was: the keyed upserts and
the crosswalk make a re-run idempotent.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from crossmap.connectors.profiles import PROFILE_FILE
from crossmap.engine import Engine, RunOptions, RunSummary
from crossmap.reports import AuditReport, StepCounts, audit_report
from crossmap.state import StateStore
from crossmap_qdispatch.connector import QDispatchSource
from crossmap_qdispatch.demo import (
    DemoOptions,
    DemoResult,
    Snapshot,
    differences,
    run_demo,
    snapshot,
)
from crossmap_qdispatch.simulator import Simulator
from crossmap_salesforce.connector import SalesforceDestination
from crossmap_salesforce.emulator import running_org

SEED, SCALE = 3, 1

# Variables for this test's own profile file, set for the re-run only.
_ENV = {"secret": "CROSSMAP_RERUN_QD_SECRET", "user": "CROSSMAP_RERUN_SF_USERNAME",
        "password": "CROSSMAP_RERUN_SF_PASSWORD", "token": "CROSSMAP_RERUN_SF_TOKEN"}


class Rerun:
    """The demo's result, what the second full run did, and the Case owners after a
    delta that gave a one-technician job a second technician and took one away from a
    two-technician job (``owners``: job id -> (OwnerId before, OwnerId after))."""

    def __init__(self, demo: DemoResult, summary: RunSummary, report: AuditReport,
                 before: Snapshot, after: Snapshot) -> None:
        self.demo, self.summary, self.report = demo, summary, report
        self.before, self.after = before, after
        self.owners: dict[str, tuple[str, str]] = {}
        self.expected_owners: dict[str, str] = {}
        self.delta: RunSummary | None = None
        self.junction: set[str] = set()
        """Assignment ids of the Job_Technician__c rows after the delta."""
        self.assignments: set[str] = set()
        self.removed: set[str] = set()


@pytest.fixture(scope="module")
def rerun(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rerun]:
    # restore=False: the full run's records stay in the org (the delta is rolled back).
    demo = run_demo(DemoOptions(tmp_path_factory.mktemp("demo") / "run", scale=SCALE, seed=SEED, restore=False))
    here = tmp_path_factory.mktemp("rerun")
    with (running_org(demo.folder / "org") as org, Simulator(seed=SEED, scale=SCALE) as sim,
          pytest.MonkeyPatch.context() as env):
        env.setenv(_ENV["secret"], sim.client_secret)
        env.setenv(_ENV["user"], org.username)
        env.setenv(_ENV["password"], org.password)
        env.setenv(_ENV["token"], "")
        (here / PROFILE_FILE).write_text(
            "[profiles.qdispatch]\n"
            f'base_url = "{sim.base_url}"\nca_file = "{sim.ca_file}"\nclient_id = "{sim.client_id}"\n'
            f'client_secret_env = "{_ENV["secret"]}"\n\n'
            "[profiles.salesforce]\n"
            f'auth = "password"\nlogin_url = "{org.instance_url}"\nca_file = "{org.ca_file}"\n'
            f'username_env = "{_ENV["user"]}"\npassword_env = "{_ENV["password"]}"\n'
            f'security_token_env = "{_ENV["token"]}"\n',
            encoding="utf-8")
        options = {"spec_dir": str(here)}
        with (QDispatchSource.from_options({**options, "profile": "qdispatch"}) as source,
              SalesforceDestination.from_options({**options, "profile": "salesforce"}) as destination,
              StateStore.open(demo.folder / ".crossmap" / "state.db") as store):
            before = snapshot(demo.plan, destination)
            summary = Engine(demo.plan, source, destination, store, RunOptions(batch_size=200)).run()
            report = audit_report(demo.plan, store, summary.run.id)
            after = snapshot(demo.plan, destination)
            result = Rerun(demo, summary, report, before, after)
            cases = dict(store.crosswalk("jobs->Case"))
            owner_before = {r["Id"]: r["OwnerId"] for r in destination.read("Case", list(cases.values()),
                                                                            ["Id", "OwnerId"])}
            result.expected_owners = _reassign(sim, demo, set(cases))
            result.delta = Engine(demo.plan, source, destination, store, RunOptions(batch_size=200)).run(delta=True)
            ids = [cases[job] for job in result.expected_owners]
            owner_after = {r["Id"]: r["OwnerId"] for r in destination.read("Case", ids, ["Id", "OwnerId"])}
            result.owners = {job: (owner_before[cases[job]], owner_after[cases[job]])
                             for job in result.expected_owners}
            result.junction = {r["QD_Assignment_Id__c"] for r in destination.read(
                "Job_Technician__c", None, ["Id", "QD_Assignment_Id__c"])}
            result.assignments = {a["id"] for a in sim.store.iter_all("technician_assignments")}
            result.removed = {t.key for t in source.tombstones("technician_assignments")}
            yield result


def _reassign(sim: Simulator, demo: DemoResult, loaded: set[str]) -> dict[str, str]:
    """Give a one-technician job a second technician and take one of two away from
    another job, as dispatchers do; returns the OwnerId each job's Case must get."""
    matched = demo.matched_technicians
    jobs = [j for j in sim.store.iter_all("jobs") if j["id"] in loaded]
    single = next(j for j in jobs if len(j["assigned_technician_ids"]) == 1
                  and j["assigned_technician_ids"][0] in matched)
    helper = next(t for t in matched if t not in single["assigned_technician_ids"])
    sim.store.create("technician_assignments", {
        "job_id": single["id"], "technician_id": helper, "role": "Helper", "hours_worked": "1.5",
        "assigned_at": single["updated_at"]})
    double = next(j for j in jobs if len(j["assigned_technician_ids"]) == 2
                  and j["assigned_technician_ids"][1] in matched and j["id"] != single["id"])
    for assignment in list(sim.store.iter_all("technician_assignments")):
        if assignment["job_id"] == double["id"] and assignment["technician_id"] != double["assigned_technician_ids"][1]:
            sim.store.delete("technician_assignments", assignment["id"])
    return {single["id"]: demo.fallback_user_id, double["id"]: matched[double["assigned_technician_ids"][1]]}


def counts(report: AuditReport) -> dict[str, StepCounts]:
    return {s.step: s for s in report.steps}


def test_the_second_run_leaves_every_record_as_it_was(rerun: Rerun) -> None:
    assert rerun.summary.run.kind == "full"
    assert differences(rerun.before, rerun.after) == []
    assert rerun.after == rerun.before
    # Every object the spec writes is in the comparison, Tasks and junction rows too.
    assert {"Account", "Case", "Event", "Task", "Job_Technician__c", "Work_Order_Line_Item__c"} <= set(rerun.after)
    assert all(rerun.after[obj] for obj in ("Account", "Case", "Event", "Task"))


def test_the_second_run_creates_nothing_and_updates_what_the_first_loaded(rerun: Rerun) -> None:
    first, second = counts(rerun.demo.reports[0]), counts(rerun.report)
    assert set(first) == set(second)
    for name, again in second.items():
        then = first[name]
        assert again.created == 0, name
        assert again.extracted == then.extracted, name
        # What loaded the first time is written again, unchanged; resolutions match again.
        assert again.updated == then.created + then.updated, name
        assert again.matched == then.matched, name
        # The same source orphans fail again, and nothing else does.
        assert (again.failed, again.held_back, again.skipped) == (then.failed, then.held_back, then.skipped), name
    assert sum(s.updated for s in second.values()) > 0


def test_a_delta_moves_the_case_when_its_technicians_change(rerun: Rerun) -> None:
    """The Case owner follows the job's technicians: a second technician hands the Case
    to the dispatch manager, the one left of two takes it."""
    assert rerun.delta is not None and rerun.delta.run.kind == "delta"
    assert len(rerun.owners) == 2
    for job, (before, after) in rerun.owners.items():
        assert after == rerun.expected_owners[job], job
        assert before != after, job
    assert rerun.delta.counts["jobs->Case"].get("updated", 0) >= 2
    assert rerun.delta.counts["technician_assignments->Job_Technician__c"].get("created", 0) == 1
    # The removed assignment's junction row went with it; the new one has its row.
    assert rerun.removed and not rerun.removed & rerun.junction
    assert rerun.delta.counts["technician_assignments->Job_Technician__c"].get("deleted", 0) == len(rerun.removed)
    assert rerun.junction <= rerun.assignments
