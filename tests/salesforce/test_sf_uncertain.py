"""An insert whose call fails after it was sent (the connection drops: did the org
write the rows?) is settled in the run itself (issue 19): the engine looks for the
rows among the records of their parents and matches them to the journaled
fingerprints as a multiset. Found, they count as created, never inserted twice; not
found, they did not land and fail as CROSSMAP_NOT_LOADED, which --retry-failed loads.
CROSSMAP_UNCERTAIN_INSERT no longer reaches the outcomes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sf_support import create_ext_field, destination, org_at
from test_sf_crash_points import SOURCE, SPEC, dataset

from crossmap.compiler import compile
from crossmap.connectors.builtin.memory import MemorySource
from crossmap.engine import Engine, RunOptions
from crossmap.functions import registry
from crossmap.state import StateStore
from crossmap_salesforce.emulator import OrgSettings
from crossmap_salesforce.transport import Api, UncertainWrite


class DroppingApi(Api):
    """The first CaseComment insert call is answered by a dropped connection: after
    the org wrote the rows (``after``), or before it got them."""

    after = True
    dropped = 0

    def call(self, method: str, path: str, **kwargs: Any) -> Any:  # type: ignore[override]
        body = kwargs.get("json") or {}
        inserting = method == "POST" and path.rstrip("/").endswith("composite/sobjects")
        comments = inserting and any(r.get("attributes", {}).get("type") == "CaseComment"
                                     for r in body.get("records", ()))
        if comments and not DroppingApi.dropped:
            DroppingApi.dropped += 1
            if DroppingApi.after:
                super().call(method, path, **kwargs)
            raise UncertainWrite(0, "CONNECTION_FAILED", "ConnectionError")
        return super().call(method, path, **kwargs)


@pytest.mark.parametrize("after", [True, False], ids=["written", "not-written"])
def test_an_insert_that_failed_after_sending_is_settled_in_the_run(tmp_path: Path, after: bool) -> None:
    DroppingApi.after, DroppingApi.dropped = after, 0
    with org_at(tmp_path / "org", settings=OrgSettings(set_audit_fields=True)) as org:
        create_ext_field(org, "Account")
        create_ext_field(org, "Case")
        target = destination(org, bulk_threshold=10_000)
        target.api = target.loader.api = DroppingApi(target.api.sf, target.api.login, target.api.retry,
                                                     target.api.sleep)
        plan = compile(SPEC, source_schema=SOURCE, target_schema=target.describe(), functions=registry())
        expected = sum(len(j["notes"]) for j in dataset()["jobs"])
        with target, StateStore.open(tmp_path / "state.db") as store:
            engine = Engine(plan, MemorySource(dataset(), SOURCE), target, store, RunOptions())
            summary = engine.run()
            assert DroppingApi.dropped == 1
            comments = summary.counts["jobs.notes->CaseComment"]
            codes = {g.code for g in store.error_groups(summary.run.id)}
            if after:
                assert comments == {"created": expected} and codes == set()
            else:
                assert comments == {"failed": expected} and codes == {"CROSSMAP_NOT_LOADED"}
                retry = engine.retry_failed(summary.run.id)
                assert retry.counts["jobs.notes->CaseComment"] == {"created": expected}
            assert store.open_intents(plan.spec) == []
        rows = org.sf.query_all("SELECT CommentBody, Parent.Ext__c FROM CaseComment")["records"]
    assert len(rows) == expected  # none inserted twice, none lost
