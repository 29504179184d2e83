"""A Bulk API 2.0 job a killed run left being processed by the local org is
reconciled by the next run even when the spec was edited since and no longer has the
step that sent it (issue 19): the journal names the job, and its
``successfulResults`` ("the org keeps a job's results with the job", see
``crossmap_salesforce.connector.SalesforceDestination.settle_jobs``) are matched to the
journaled rows without the step's plan."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Any

from sf_support import destination, org_at
from test_sf_crash_points import BULK, SOURCE, SPEC, dataset, setup_org

from crossmap.compiler import compile
from crossmap.connectors.builtin.memory import MemorySource
from crossmap.engine import Engine, RunOptions
from crossmap.functions import registry
from crossmap.state import StateStore
from crossmap_salesforce.emulator import OrgHandle, OrgSettings
from crossmap_salesforce.transport import Api

sys.path.insert(0, str(Path(__file__).parents[1] / "e2e"))
from crash_points import Crash, crash_expected

COMMENTS = "jobs.notes->CaseComment"
EDITED = SPEC.split("map jobs.notes")[0] + "map jobs ->" + SPEC.split("map jobs ->")[-1]
"""The spec, edited: its CaseComment mapping is gone (the Task mapping stays)."""


class DiesOnceCommentsAreUploaded(Api):
    """Dies right after closing the CaseComment job: the org processes it, the store
    knows only its id."""

    armed = False
    comment_job: str | None = None

    def call(self, method: str, path: str, **kwargs: Any) -> Any:  # type: ignore[override]
        response = super().call(method, path, **kwargs)
        body = kwargs.get("json") or {}
        cls = DiesOnceCommentsAreUploaded
        if method == "POST" and path.rstrip("/").endswith("jobs/ingest") and body.get("object") == "CaseComment":
            cls.comment_job = str(response.json()["id"])
        if (cls.armed and method == "PATCH" and cls.comment_job and path.rstrip("/").endswith(cls.comment_job)
                and body.get("state") == "UploadComplete"):
            cls.armed = False
            raise Crash("after closing the comments' job")
        return response


def run(org: OrgHandle, state: Path, text: str, *, die: bool = False) -> None:
    target = destination(org, **BULK)
    if die:
        target.api = target.loader.api = DiesOnceCommentsAreUploaded(target.api.sf, target.api.login,
                                                                      target.api.retry, target.api.sleep)
        DiesOnceCommentsAreUploaded.armed = True
    plan = compile(text, source_schema=SOURCE, target_schema=target.describe(), functions=registry())
    with target, StateStore.open(state) as store:
        engine = Engine(plan, MemorySource(dataset(), SOURCE), target, store, RunOptions(batch_size=4))
        summary = engine.run()
        assert summary.failed == 0, store.error_groups(summary.run.id)


def test_a_bulk_job_of_a_step_the_edited_spec_no_longer_has_is_read_back_and_recorded(tmp_path: Path) -> None:
    with org_at(tmp_path / "org", settings=OrgSettings(set_audit_fields=True)) as org:
        setup_org(org)
        with crash_expected():
            run(org, tmp_path / "state.db", SPEC, die=True)
        with StateStore.open(tmp_path / "state.db") as store:
            (stopped,) = store.runs()
            assert [(i.step, len(i.jobs)) for i in store.open_intents(stopped.spec)] == [(COMMENTS, 1)]
        run(org, tmp_path / "state.db", EDITED)
        comments = org.sf.query_all("SELECT Id, ParentId FROM CaseComment")["records"]
        cases = {r["Id"]: r["Ext__c"] for r in org.sf.query_all("SELECT Id, Ext__c FROM Case")["records"]}
    expected = Counter(job["id"] for job in dataset()["jobs"] for _ in job["notes"])
    assert Counter(cases[c["ParentId"]] for c in comments) == expected  # the job's, once each
    with StateStore.open(tmp_path / "state.db") as store:
        assert store.open_intents(stopped.spec) == []
        assert set(dict(store.crosswalk(COMMENTS)).values()) == {c["Id"] for c in comments}
        assert store.outcome_counts(stopped.id)[COMMENTS] == {"created": sum(expected.values())}
        assert store.found_loaded(stopped.id) == sum(expected.values())
