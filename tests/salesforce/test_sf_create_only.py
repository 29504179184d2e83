"""An upsert that matches an existing record is sent without the fields only a create
may set (issue 19): a run whose crosswalk does not know the records yet (another
state store, a crosswalk behind the org) updates them instead of failing with
INVALID_FIELD_FOR_INSERT_UPDATE, on both load paths.

Salesforce refuses such a field on update ("Unable to create/update fields:
CreatedDate", INVALID_FIELD_FOR_INSERT_UPDATE; /work/shared/reference/salesforce-api.md,
error codes), and an upsert that matches a record is an update. The audit fields are
system fields, read-only on update ("System Fields", SOAP API Developer Guide,
https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/system_fields.htm);
"Set Audit Fields upon Record Creation" makes them settable on create only, as the
local org models with ``set_audit_fields``."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sf_support import create_ext_field, destination, org_at
from test_sf_crash_points import SOURCE, SPEC, dataset

from crossmap.compiler import compile
from crossmap.connectors.builtin.memory import MemorySource
from crossmap.engine import Engine, RunOptions
from crossmap.functions import registry
from crossmap.state import StateStore
from crossmap_salesforce.emulator import OrgSettings

UPSERTS_ONLY = SPEC.split("map jobs.notes")[0]


@pytest.mark.parametrize("threshold", [2, 10_000], ids=["bulk", "collections"])
def test_a_run_with_another_store_updates_and_keeps_create_only_fields(
        tmp_path: Path, threshold: int, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    with org_at(tmp_path / "org", settings=OrgSettings(set_audit_fields=True)) as org:
        create_ext_field(org, "Account")
        create_ext_field(org, "Case")
        target = destination(org, bulk_threshold=threshold)
        plan = compile(UPSERTS_ONLY, source_schema=SOURCE, target_schema=target.describe(), functions=registry())
        assert any(a.field == "CreatedDate" for s in plan.steps for a in s.assignments)
        counts = []
        for store_name in ("first.db", "second.db"):
            with StateStore.open(tmp_path / store_name) as store:
                summary = Engine(plan, MemorySource(dataset(), SOURCE), target, store, RunOptions()).run()
                assert summary.failed == 0, store.error_groups(summary.run.id)
                counts.append(summary.counts["jobs->Case"])
        target.close()
        cases = org.sf.query_all("SELECT Ext__c, CreatedDate FROM Case")["records"]
    assert counts == [{"created": 12}, {"updated": 12}]
    # The snapshot read before the first write routed them as updates by Id: no upsert
    # was refused and sent again without its create-only fields.
    assert "without create-only fields" not in caplog.text
    assert len(cases) == 12
    assert all(c["CreatedDate"].startswith("2024-05-0") for c in cases)  # kept as created


@pytest.mark.parametrize("threshold", [1, 10_000], ids=["bulk", "collections"])
def test_the_connector_resends_a_matching_upsert_without_create_only_fields(tmp_path: Path, threshold: int) -> None:
    """Without the engine's snapshot (another tool's rows, a record made meanwhile),
    the connector itself sends such rows once more without the create-only fields."""
    with org_at(tmp_path / "org", settings=OrgSettings(set_audit_fields=True)) as org:
        create_ext_field(org, "Case")
        org.sf.Case.create({"Ext__c": "K1", "Subject": "before", "CreatedDate": "2020-01-01T00:00:00Z"})
        target = destination(org, bulk_threshold=threshold)
        stream = target.open_load("Case", "upsert", external_id="Ext__c")
        for ref, ext in (("a", "K1"), ("b", "K2")):
            stream.add(ref, {"Ext__c": ext, "Subject": "after", "CreatedDate": "2021-06-01T00:00:00Z"})
        results = [r for batch in stream.send() for r in batch]
        stream.close()
        target.close()
        cases = {r["Ext__c"]: r for r in org.sf.query_all("SELECT Ext__c, Subject, CreatedDate FROM Case")["records"]}
    assert [(r.ref, r.ok, r.created) for r in results] == [("a", True, False), ("b", True, True)]
    assert cases["K1"]["Subject"] == "after" and cases["K1"]["CreatedDate"].startswith("2020-01-01")
    assert cases["K2"]["CreatedDate"].startswith("2021-06-01")
