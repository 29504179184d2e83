"""A run into the local org stopped dead at every journal boundary of both load paths,
then resumed, leaves the org as an uninterrupted run does: 0 lost, 0 duplicated, 0 on
a wrong parent (issue 19).

The Bulk API 2.0 path is forced with ``bulk_threshold=2``; the boundaries are
before/after each call of a job's life (create, upload, close, poll, results) and of
an sObject Collections call, and before/after the state store's commit. The steps:
Account and Case upsert on an external id, Case with a create-only field
(``CreatedDate ?= ...``: the org has "Set Audit Fields upon Record Creation", so it
may be set on insert and never on update), and CaseComment, insert-only (it can carry
no custom field), two identical comments on most cases.

The bounded matrix runs in CI; ``CROSSMAP_CRASH_MATRIX=full`` crashes at every
passage of every boundary."""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sf_support import create_ext_field, destination, org_at

from crossmap import schema as s
from crossmap.compiler import compile
from crossmap.connectors.builtin.memory import MemorySource
from crossmap.engine import Engine, RunOptions
from crossmap.functions import registry
from crossmap.state import StateStore
from crossmap_salesforce.connector import SalesforceDestination
from crossmap_salesforce.emulator import OrgHandle, OrgSettings
from crossmap_salesforce.transport import Api

sys.path.insert(0, str(Path(__file__).parents[1] / "e2e"))
from crash_points import CrashingStore, Trigger, crash_expected

T0 = dt.datetime(2024, 5, 1, 12, tzinfo=dt.UTC)
SOURCE = s.Schema([
    s.ObjectSchema("customers", [s.FieldSchema("id", s.String(20), nullable=False),
                                 s.FieldSchema("name", s.String(40), nullable=False)], key="id"),
    s.ObjectSchema("jobs", [
        s.FieldSchema("id", s.String(20), nullable=False),
        s.FieldSchema("customer_id", s.Reference(("customers",)), nullable=False),
        s.FieldSchema("title", s.String(80)),
        s.FieldSchema("created_at", s.DateTime()),
        s.FieldSchema("notes", s.ListOf("notes")),
    ], key="id"),
    s.ObjectSchema("notes", [s.FieldSchema("n", s.Integer(), nullable=False), s.FieldSchema("text", s.String(80))]),
])
SPEC = """source memory
target salesforce

map customers -> Account {
  upsert on Ext__c
  Ext__c = id
  Name   = name
}

map jobs -> Case {
  upsert on Ext__c
  Ext__c      = id
  Subject     = title
  AccountId   = lookup(customers, customer_id)
  CreatedDate ?= created_at
}

map jobs.notes as note -> CaseComment {
  key id + "#" + to_string(note.n)
  CommentBody = note.text
  ParentId    = lookup(jobs -> Case, id)
}

map jobs -> Task {
  Subject = "Call about " + title
  WhatId  = lookup(jobs -> Case, id) missing null ?? lookup(customers, customer_id)
}
"""
FILES_SOURCE = s.Schema([*SOURCE.objects.values(), s.ObjectSchema("docs", [
    s.FieldSchema("id", s.String(20), nullable=False),
    s.FieldSchema("job_id", s.Reference(("jobs",)), nullable=False),
    s.FieldSchema("name", s.String(80), nullable=False),
    s.FieldSchema("content", s.Blob(), nullable=False),
], key="id")])
FILES_SPEC = SPEC.split("map jobs.notes")[0] + """
map docs -> ContentVersion {
  insert
  Title                  = name
  PathOnClient           = name
  VersionData            = content
  FirstPublishLocationId = lookup(jobs -> Case, job_id)
}
"""
CUSTOMERS = 6
FULL = os.environ.get("CROSSMAP_CRASH_MATRIX") == "full"
BULK = {"bulk_threshold": 2}
COLLECTIONS = {"bulk_threshold": 10_000}


def dataset() -> dict[str, list[dict[str, Any]]]:
    data: dict[str, list[dict[str, Any]]] = {"customers": [], "jobs": []}
    for i in range(CUSTOMERS):
        data["customers"].append({"id": f"c{i}", "name": f"Customer {i}"})
        for j in range(2):
            notes = [{"n": n, "text": "same words"} for n in range(2)] if (i + j) % 3 else []
            data["jobs"].append({"id": f"j{i}-{j}", "customer_id": f"c{i}", "title": f"Job {i}.{j}",
                                 "created_at": T0 + dt.timedelta(days=i), "notes": notes})
    return data


def files_dataset() -> dict[str, list[dict[str, Any]]]:
    """The jobs, and two identical files on most of them (one ContentVersion each)."""
    data = dataset()
    data["docs"] = [{"id": f"{job['id']}/{n}", "job_id": job["id"], "name": "photo.png", "content": b"\x89PNG same"}
                    for job in data["jobs"] if job["notes"] for n in range(2)]
    return data


def boundary(method: str, path: str, json: Any) -> str | None:
    """The journal boundary an API call is, if any."""
    path = path.split("?")[0].rstrip("/")
    if "composite/sobjects" in path:
        return "collections"
    if "jobs/ingest" not in path:
        return None
    tail = path.split("jobs/ingest")[1].strip("/").split("/")
    if method == "POST" and tail == [""]:
        return "create"
    if method == "PUT":
        return "upload"
    if method == "PATCH" and (json or {}).get("state") == "UploadComplete":
        return "close"
    if method == "GET" and len(tail) == 1:
        return "poll"
    if method == "GET" and len(tail) == 2:
        return "results"
    return None


class CrashingApi(Api):
    """The connector's door to the org, passing a trigger's boundaries on each call."""

    trigger: Trigger | None = None

    def call(self, method: str, path: str, **kwargs: Any) -> Any:  # type: ignore[override]
        where = boundary(method, path, kwargs.get("json"))
        if where and self.trigger is not None:
            self.trigger.passing(f"{where}:before")
        response = super().call(method, path, **kwargs)
        if where and self.trigger is not None:
            self.trigger.passing(f"{where}:after")
        return response


def crashing(target: SalesforceDestination, trigger: Trigger) -> None:
    """Make ``target``'s API calls pass the trigger's boundaries."""
    api = CrashingApi(target.api.sf, target.api.login, target.api.retry, target.api.sleep)
    CrashingApi.trigger = trigger
    target.api = target.loader.api = api


def setup_org(org: OrgHandle) -> None:
    create_ext_field(org, "Account")
    create_ext_field(org, "Case")


def run(org: OrgHandle, state: Path, settings: dict[str, Any], trigger: Trigger | None = None,
        resume: int | None = None, files: bool = False) -> None:
    target = destination(org, **settings)
    if trigger is not None:
        crashing(target, trigger)
    spec, source = (FILES_SPEC, FILES_SOURCE) if files else (SPEC, SOURCE)
    plan = compile(spec, source_schema=source, target_schema=target.describe(), functions=registry())
    data = files_dataset() if files else dataset()
    with target, CrashingStore.open(state) as store:
        store.trigger = trigger
        engine = Engine(plan, MemorySource(data, source), target, store, RunOptions(batch_size=4))
        summary = engine.resume(resume) if resume is not None else engine.run()
        assert summary.failed == 0, store.error_groups(summary.run.id)


def org_state(org: OrgHandle) -> dict[str, Counter[tuple[Any, ...]]]:
    """Every record as a multiset of its mapped fields, lookups as the external id of
    the record they point at (so a comment on the wrong case differs)."""
    sf = org.sf
    accounts = sf.query_all("SELECT Id, Ext__c, Name FROM Account")["records"]
    cases = sf.query_all("SELECT Id, Ext__c, Subject, AccountId, CreatedDate FROM Case")["records"]
    comments = sf.query_all("SELECT Id, CommentBody, ParentId FROM CaseComment")["records"]
    files = sf.query_all("SELECT Id, Title, FirstPublishLocationId, ContentSize FROM ContentVersion")["records"]
    tasks = sf.query_all("SELECT Id, Subject, WhatId FROM Task")["records"]
    ext = {r["Id"]: r["Ext__c"] for r in (*accounts, *cases)}
    return {
        "Account": Counter((r["Ext__c"], r["Name"]) for r in accounts),
        "Case": Counter((r["Ext__c"], r["Subject"], ext.get(r["AccountId"]), r["CreatedDate"][:19]) for r in cases),
        "CaseComment": Counter((r["CommentBody"], ext.get(r["ParentId"])) for r in comments),
        "ContentVersion": Counter((r["Title"], ext.get(r["FirstPublishLocationId"]), r["ContentSize"])
                                  for r in files),
        # A Task on its job's Case, never on the Account for want of the Case in the
        # crosswalk (the lookup's fallback): the parent is part of what is compared.
        "Task": Counter((r["Subject"], ext.get(r["WhatId"])) for r in tasks),
    }


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Counter[tuple[Any, ...]]]]:
    root = tmp_path_factory.mktemp("reference")
    with org_at(root / "org", settings=OrgSettings(set_audit_fields=True)) as org:
        setup_org(org)
        run(org, root / "state.db", BULK)
        state = org_state(org)
    with StateStore.open(root / "state.db") as store:
        (done,) = store.runs()
        REFERENCE_COUNTS.update(store.outcome_counts(done.id))
    assert sum(state["CaseComment"].values()) > len(state["CaseComment"])  # identical comments
    assert all(case[3].startswith("2024-05-0") for case in state["Case"])  # the create-only field was set
    assert all(parent is not None and parent.startswith("j") for _, parent in state["Task"])  # on cases
    yield state


REFERENCE_COUNTS: dict[str, dict[str, int]] = {}
"""The uninterrupted run's outcome counts per step."""

BULK_POINTS = [f"{b}:{side}" for b in ("create", "upload", "close", "poll", "results") for side in ("before", "after")]
STORE_POINTS = ["commit:before", "commit:after", "settle:before"]
CASES = (
    [("bulk", p, n) for p in BULK_POINTS + STORE_POINTS for n in ((1, 2, 3) if FULL else (2,))]
    + [("collections", p, n) for p in ["collections:before", "collections:after", *STORE_POINTS]
       for n in ((1, 2, 3) if FULL else (3,))]
)


@pytest.fixture(scope="module")
def files_reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Counter[tuple[Any, ...]]]]:
    root = tmp_path_factory.mktemp("files-reference")
    with org_at(root / "org", settings=OrgSettings(set_audit_fields=True)) as org:
        setup_org(org)
        run(org, root / "state.db", BULK, files=True)
        state = org_state(org)
    assert sum(state["ContentVersion"].values()) > len(state["ContentVersion"])  # identical files
    yield state


FILE_CASES = ([(p, 1) for p in ("collections:before", "collections:after")]  # the files' one call
              + [(p, n) for p in STORE_POINTS for n in ((1, 2, 3) if FULL else (3,))])


@pytest.mark.parametrize(("point", "n"), FILE_CASES, ids=[f"{p}-{n}" for p, n in FILE_CASES])
def test_a_files_run_stopped_at_a_boundary_resumes_exactly(
        point: str, n: int, tmp_path: Path, files_reference: dict[str, Counter[tuple[Any, ...]]]) -> None:
    """Files go by sObject Collections whatever their number (Bulk API 2.0 takes no
    binary content): an insert-only step whose rows are found again by their parent
    and values."""
    with org_at(tmp_path / "org", settings=OrgSettings(set_audit_fields=True)) as org:
        setup_org(org)
        with crash_expected():
            run(org, tmp_path / "state.db", BULK, Trigger(point, n), files=True)
        with StateStore.open(tmp_path / "state.db") as store:
            (stopped,) = store.runs()
        run(org, tmp_path / "state.db", BULK, resume=stopped.id, files=True)
        found = org_state(org)
    for o, expected in files_reference.items():
        assert found[o] == expected, o


@pytest.mark.parametrize(("path", "point", "n"), CASES, ids=[f"{p}-{q}-{n}" for p, q, n in CASES])
def test_a_run_stopped_at_a_boundary_resumes_exactly(
        path: str, point: str, n: int, tmp_path: Path, reference: dict[str, Counter[tuple[Any, ...]]]) -> None:
    settings = BULK if path == "bulk" else COLLECTIONS
    with org_at(tmp_path / "org", settings=OrgSettings(set_audit_fields=True)) as org:
        setup_org(org)
        trigger = Trigger(point, n)
        with crash_expected():
            run(org, tmp_path / "state.db", settings, trigger)
        with StateStore.open(tmp_path / "state.db") as store:
            (stopped,) = store.runs()
        run(org, tmp_path / "state.db", settings, resume=stopped.id)
        found = org_state(org)
    with StateStore.open(tmp_path / "state.db") as store:
        counts = store.outcome_counts(stopped.id)
        comments = counts["jobs.notes->CaseComment"]
        assert store.open_intents(stopped.spec) == []
    assert counts == REFERENCE_COUNTS  # created once, reported as created, as uninterrupted
    # Each comment created once, as in an uninterrupted run (none re-sent as an update).
    assert comments == {"created": sum(reference["CaseComment"].values())}
    lost = sum((reference[o] - found[o]).total() for o in reference)
    duplicated = sum((found[o] - reference[o]).total() for o in reference)
    assert (lost, duplicated) == (0, 0), {o: (reference[o] - found[o], found[o] - reference[o]) for o in reference}


# Two steps of one wave into CaseComment (issue 19, B2): one Bulk job carries the rows
# of both, each step's rows journaled under its own intent. The second step's comment
# has the values of a note on the same case, and a key the notes use too: a resume
# that reads the job's results back must give each record to one row only.
SHARED_SPEC = SPEC + """
map jobs -> CaseComment {
  key id + "#0"
  insert
  CommentBody = "same words"
  ParentId    = lookup(jobs -> Case, id)
}
"""
SHARED_REFERENCE_COUNTS: dict[str, dict[str, int]] = {}


def run_shared(org: OrgHandle, state: Path, settings: dict[str, Any], trigger: Trigger) -> None:
    target = destination(org, **settings)
    crashing(target, trigger)
    plan = compile(SHARED_SPEC, source_schema=SOURCE, target_schema=target.describe(), functions=registry())
    with target, CrashingStore.open(state) as store:
        store.trigger = trigger
        # One step at a time, so the n-th job is the same in every run: the third
        # wave's Task job is the 3rd, the shared CaseComment job the 4th.
        engine = Engine(plan, MemorySource(dataset(), SOURCE), target, store, RunOptions(batch_size=4, parallel=1))
        runs = store.runs()
        summary = engine.resume(runs[0].id) if runs else engine.run()
        assert summary.failed == 0, store.error_groups(summary.run.id)


@pytest.fixture(scope="module")
def shared_reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Counter[tuple[Any, ...]]]]:
    root = tmp_path_factory.mktemp("shared-reference")
    with org_at(root / "org", settings=OrgSettings(set_audit_fields=True)) as org:
        setup_org(org)
        passed = Trigger("(none)", 1)
        run_shared(org, root / "state.db", BULK, passed)
        state = org_state(org)
    # One Bulk job for each object: Account, Case, Task and the two steps' CaseComments.
    assert passed.seen["create:before"] == 4
    with StateStore.open(root / "state.db") as store:
        (done,) = store.runs()
        SHARED_REFERENCE_COUNTS.update(store.outcome_counts(done.id))
    assert SHARED_REFERENCE_COUNTS["jobs->CaseComment"] == {"created": 2 * CUSTOMERS}
    yield state


SHARED_CASES = (
    [("bulk", p, n) for p in BULK_POINTS for n in ((3, 4) if FULL else (4,))]
    + [("bulk", p, n) for p in STORE_POINTS for n in ((3, 4, 5) if FULL else (4,))]
    + [("collections", p, n) for p in ("collections:before", "collections:after") for n in (3, 4)]
    + [("collections", p, n) for p in STORE_POINTS for n in ((3, 4, 5) if FULL else (4,))]
)


@pytest.mark.parametrize(("path", "point", "n"), SHARED_CASES, ids=[f"{p}-{q}-{n}" for p, q, n in SHARED_CASES])
def test_two_steps_in_one_bulk_job_resume_exactly(
        path: str, point: str, n: int, tmp_path: Path,
        shared_reference: dict[str, Counter[tuple[Any, ...]]]) -> None:
    settings = BULK if path == "bulk" else COLLECTIONS
    with org_at(tmp_path / "org", settings=OrgSettings(set_audit_fields=True)) as org:
        setup_org(org)
        with crash_expected():
            run_shared(org, tmp_path / "state.db", settings, Trigger(point, n))
        run_shared(org, tmp_path / "state.db", settings, Trigger("(none)", 1))
        found = org_state(org)
    with StateStore.open(tmp_path / "state.db") as store:
        (stopped,) = store.runs()
        assert store.open_intents(stopped.spec) == []
        assert store.outcome_counts(stopped.id) == SHARED_REFERENCE_COUNTS
        # Each comment is the record of one row: none taken for two (rollback and
        # later runs go by these ids).
        ids = [id for step in ("jobs.notes->CaseComment", "jobs->CaseComment") for _, id in store.crosswalk(step)]
    assert len(set(ids)) == len(ids) == sum(found["CaseComment"].values())
    lost = sum((shared_reference[o] - found[o]).total() for o in shared_reference)
    duplicated = sum((found[o] - shared_reference[o]).total() for o in shared_reference)
    assert (lost, duplicated) == (0, 0), {o: (shared_reference[o] - found[o], found[o] - shared_reference[o])
                                          for o in shared_reference}
