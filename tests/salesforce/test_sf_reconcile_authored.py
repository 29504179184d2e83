"""Reconciling an insert-only write without a Bulk job (an sObject Collections call
whose outcome is unknown) takes only what the run's own user created since the write
was journaled (issue 19).

Salesforce stamps every record with ``CreatedById``, "ID of the User who created this
record", and ``CreatedDate``, "Date and time when this record was created", both with
"Filter access" (*System Fields*,
https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/system_fields.htm); the
local org stamps them the same way, from the session's user and its own clock, which
also gives each response's HTTP ``Date`` header. The connector learns its user from
the OAuth UserInfo endpoint (Salesforce Help, *Query for User Information*,
https://help.salesforce.com/HTViewHelpDoc?id=remoteaccess_using_userinfo_endpoint.htm).

The spec is the crash-point tests' (CaseComment insert-only, two identical comments on
most cases), loaded by collections; the run dies around its CaseComment write, a
comment identical to the run's appears on one of its cases while it is down, and the
resumed run neither takes it for one of its own nor loses or duplicates any.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sf_support import destination, org_at
from simple_salesforce.api import Salesforce
from test_sf_crash_points import COLLECTIONS, SOURCE, SPEC, dataset, setup_org

from crossmap.compiler import compile
from crossmap.connectors.builtin.memory import MemorySource
from crossmap.engine import Engine, RunOptions
from crossmap.functions import registry
from crossmap.state import StateStore
from crossmap_salesforce import authored
from crossmap_salesforce.emulator import ManualClock, OrgHandle, OrgSettings
from crossmap_salesforce.transport import Api

sys.path.insert(0, str(Path(__file__).parents[1] / "e2e"))
from crash_points import Crash, crash_expected

COMMENTS = "jobs.notes->CaseComment"
T0 = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


class DiesAtComments(StateStore):
    """A state store whose run dies right after journaling its CaseComment write:
    nothing of it sent."""

    armed = False

    def journal_intent(self, run_id: int, step: str, target: str, *args: Any, **kwargs: Any) -> int:
        intent = super().journal_intent(run_id, step, target, *args, **kwargs)
        if self.armed and target == "CaseComment":
            raise Crash("after journaling the comments")
        return intent


class DiesAfterCommentsCall(Api):
    """The connector's door to the org, dying once the first sObject Collections call
    carrying CaseComments has been answered: they landed, the store knows nothing."""

    armed = False

    def call(self, method: str, path: str, **kwargs: Any) -> Any:  # type: ignore[override]
        response = super().call(method, path, **kwargs)
        records = (kwargs.get("json") or {}).get("records") or [{}]
        if (DiesAfterCommentsCall.armed and "composite/sobjects" in path
                and records[0].get("attributes", {}).get("type") == "CaseComment"):
            DiesAfterCommentsCall.armed = False
            raise Crash("after the comments' call")
        return response


def run(org: OrgHandle, state: Path, *, die: str | None = None, resume: int | None = None) -> None:
    target = destination(org, **COLLECTIONS)
    if die == "after-call":
        target.api = target.loader.api = DiesAfterCommentsCall(target.api.sf, target.api.login, target.api.retry,
                                                                target.api.sleep)
        DiesAfterCommentsCall.armed = True
    plan = compile(SPEC, source_schema=SOURCE, target_schema=target.describe(), functions=registry())
    with target, DiesAtComments.open(state) as store:
        store.armed = die == "journaled"
        engine = Engine(plan, MemorySource(dataset(), SOURCE), target, store, RunOptions(batch_size=4))
        summary = engine.resume(resume) if resume is not None else engine.run()
        assert summary.failed == 0, store.error_groups(summary.run.id)


def other_user(org: OrgHandle) -> Salesforce:
    """A client logged in as the org's standard user (not the run's admin)."""
    assert org.emulator is not None
    emulated = org.emulator.org
    (user,) = org.sf.query_all(f"SELECT Id FROM User WHERE Id != '{emulated.admin_id}' AND IsActive = true")["records"]
    session = org.session()
    return Salesforce(instance_url=org.instance_url, session_id=emulated.auth.issue(user["Id"]), session=session)


def case_id(org: OrgHandle, ext: str) -> str:
    (case,) = org.sf.query_all(f"SELECT Id FROM Case WHERE Ext__c = '{ext}'")["records"]
    return str(case["Id"])


def comments(org: OrgHandle) -> list[dict[str, Any]]:
    return list(org.sf.query_all("SELECT Id, CommentBody, ParentId, CreatedById FROM CaseComment")["records"])


def expected_comments() -> Counter[tuple[str, str]]:
    """(body, job) of every comment the spec loads: two identical ones on most jobs."""
    return Counter(("same words", job["id"]) for job in dataset()["jobs"] for _ in job["notes"])


def by_job(org: OrgHandle) -> Counter[tuple[str, str]]:
    ext = {r["Id"]: r["Ext__c"] for r in org.sf.query_all("SELECT Id, Ext__c FROM Case")["records"]}
    return Counter((r["CommentBody"], ext[r["ParentId"]]) for r in comments(org))


@contextmanager
def stopped_run(org: OrgHandle, state: Path, die: str) -> Iterator[int]:
    """Run until the run dies at ``die``; yield the stopped run's id."""
    with crash_expected():
        run(org, state, die=die)
    with StateStore.open(state) as store:
        (stopped,) = store.runs()
        assert stopped.status == "interrupted"
    yield stopped.id


def crosswalk_ids(state: Path) -> set[str]:
    with StateStore.open(state) as store:
        return {id for _, id in store.crosswalk(COMMENTS)}


@pytest.mark.parametrize("die", ["journaled", "after-call"])
def test_a_comment_another_user_adds_while_the_run_is_down_is_never_taken_for_the_runs(
        die: str, tmp_path: Path) -> None:
    """Killed with its comments journaled (sent or not), the run resumes after another
    user added, on one of its cases, a comment identical to the two the run writes
    there: that comment stays someone else's, and each of the run's comments is in
    the org once (two identical comments on one case stay two)."""
    with org_at(tmp_path / "org", settings=OrgSettings(set_audit_fields=True)) as org:
        setup_org(org)
        with stopped_run(org, tmp_path / "state.db", die) as stopped:
            foreign = other_user(org).CaseComment.create({"ParentId": case_id(org, "j0-1"),
                                                         "CommentBody": "same words"})["id"]
            run(org, tmp_path / "state.db", resume=stopped)
        assert by_job(org) == expected_comments() + Counter({("same words", "j0-1"): 1})
        found = comments(org)
        assert org.emulator is not None
        admin = org.emulator.org.admin_id
        known = crosswalk_ids(tmp_path / "state.db")
        assert foreign not in known
        assert known == {c["Id"] for c in found if c["CreatedById"] == admin}
    with StateStore.open(tmp_path / "state.db") as store:
        assert store.outcome_counts(stopped)[COMMENTS] == {"created": sum(expected_comments().values())}
        assert store.open_intents(store.run(stopped).spec) == []


def test_an_identical_comment_the_runs_own_user_made_before_the_run_is_not_taken_either(tmp_path: Path) -> None:
    """A comment the run's own user had put on a case before the run (another tool,
    a hand edit under the integration user) was created before the write was
    journaled: ``CreatedDate`` tells it apart, by the org's clock."""
    clock = ManualClock(T0)
    with org_at(tmp_path / "org", settings=OrgSettings(set_audit_fields=True), clock=clock) as org:
        setup_org(org)
        case = org.sf.Case.create({"Ext__c": "j1-0", "Subject": "there before"})["id"]
        earlier = org.sf.CaseComment.create({"ParentId": case, "CommentBody": "same words"})["id"]
        clock.advance(minutes=5)
        with stopped_run(org, tmp_path / "state.db", "journaled") as stopped:
            run(org, tmp_path / "state.db", resume=stopped)
        assert by_job(org) == expected_comments() + Counter({("same words", "j1-0"): 1})
        assert earlier not in crosswalk_ids(tmp_path / "state.db")


class Answers:
    """An ``Api`` stand-in answering GETs from a table (path: JSON body)."""

    def __init__(self, bodies: dict[str, Any]) -> None:
        self.bodies, self.asked = bodies, []

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        self.asked.append(path)
        return self.bodies[path]


def test_the_connector_learns_its_user_from_the_identity_url_else_from_userinfo(tmp_path: Path) -> None:
    """Resources by Version names the caller's identity URL, ``.../id/<org>/<user>``
    (*List Available REST Resources*,
    https://developer.salesforce.com/docs/platform/api-rest/guide/dome-discoveryresource.md);
    an org whose answer lacks it is asked the OAuth UserInfo endpoint."""
    with org_at(tmp_path / "org") as org:
        target = destination(org)
        with target:
            assert org.emulator is not None
            assert authored.user_id(target.api) == org.emulator.org.admin_id
    plain = Answers({"": {"identity": "https://x.my.salesforce.com/id/00D000000000001AAA/005000000000002AAA"}})
    assert authored.user_id(plain) == "005000000000002AAA" and plain.asked == [""]  # type: ignore[arg-type]
    bare = Answers({"": {"sobjects": "/services/data/v59.0/sobjects"}, authored.USERINFO: {"user_id": "005B"}})
    assert authored.user_id(bare) == "005B" and bare.asked == ["", authored.USERINFO]  # type: ignore[arg-type]


def test_the_salesforce_destination_is_authored_and_the_builtins_are_not() -> None:
    """The builtin destinations stamp no creator: for them, the documented limit."""
    from crossmap.connectors import protocols as p
    from crossmap.connectors.builtin.jsonl import JsonlDestination
    from crossmap.connectors.builtin.memory import MemoryDestination
    from crossmap_salesforce.connector import SalesforceDestination

    assert issubclass(SalesforceDestination, p.AuthoredDestination)
    assert not issubclass(JsonlDestination, p.AuthoredDestination)
    assert not issubclass(MemoryDestination, p.AuthoredDestination)
