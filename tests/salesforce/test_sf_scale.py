"""Scale: the connector's Bulk path at ``CROSSMAP_SCALE`` rows (small by default),
with lock faults and failed jobs, every row accounted for exactly once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sf_support import count, create_ext_field, destination, org_at

from crossmap_salesforce.emulator import FaultPlan

SCALE = int(os.environ.get("CROSSMAP_SCALE", "5000"))


@pytest.mark.slow
def test_upsert_at_scale_is_exact_and_idempotent(tmp_path: Path) -> None:
    faults = FaultPlan(seed=5, lock_row_rate=0.01, bulk_fail_rate=0.2)
    with org_at(tmp_path / "org", faults=faults) as org:
        create_ext_field(org)
        dest = destination(org, bulk_poll_interval=0.0, bulk_job_attempts=8, lock_attempts=8)
        rows = [(f"k{i}", {"Ext__c": f"S-{i}", "Name": f"scale {i}", "NumberOfEmployees": i})
                for i in range(SCALE)]
        first = dest.load("Account", "upsert", rows, external_id="Ext__c")
        assert all(r.ok and r.created for r in first), [r for r in first if not r.ok][:3]
        assert len({r.id for r in first}) == SCALE
        again = dest.load("Account", "upsert", rows, external_id="Ext__c")
        assert [r.id for r in again] == [r.id for r in first]
        assert not any(r.created for r in again)
        assert count(org, "SELECT COUNT() FROM Account") == SCALE
        back = {r["Ext__c"]: r["NumberOfEmployees"] for r in dest.read("Account", None,
                                                                        ["Ext__c", "NumberOfEmployees"])}
        assert back == {f"S-{i}": i for i in range(SCALE)}
