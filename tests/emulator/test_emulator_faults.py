"""Fault injection: deterministic by seed, each kind switchable."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from emulator_support import Raw
from simple_salesforce.exceptions import SalesforceGeneralError, SalesforceOperationError

from crossmap_salesforce.emulator import FaultPlan, running_org


def _lock_pattern(path: Path, seed: int) -> list[bool]:
    with running_org(path, faults=FaultPlan(seed=seed, lock_row_rate=0.5)) as org:
        raw = Raw(org)
        try:
            r = raw("POST", "/composite/sobjects", json={"records": [
                {"attributes": {"type": "Account"}, "Name": f"f{i}"} for i in range(40)]})
            items = r.json()
        finally:
            raw.close()
    for item in items:
        if not item["success"]:
            assert item["errors"][0]["statusCode"] == "UNABLE_TO_LOCK_ROW"
    return [i["success"] for i in items]


def test_lock_row_faults_are_deterministic_by_seed(tmp_path: Path) -> None:
    first = _lock_pattern(tmp_path / "a", 11)
    assert first == _lock_pattern(tmp_path / "b", 11)
    assert 0 < first.count(False) < 40
    assert first != _lock_pattern(tmp_path / "c", 12)


def test_unavailable_faults_answer_503(tmp_path: Path) -> None:
    with running_org(tmp_path, faults=FaultPlan(unavailable_rate=1.0)) as org:
        sf = org.salesforce()
        try:
            with pytest.raises(SalesforceGeneralError) as info:
                sf.query("SELECT Id FROM Organization")
            assert info.value.status == 503
        finally:
            sf.session.close()


def test_latency_is_added_to_api_calls(tmp_path: Path) -> None:
    with running_org(tmp_path, faults=FaultPlan(latency_ms=150)) as org:
        raw = Raw(org)
        try:
            started = time.perf_counter()
            assert raw("GET", "/limits").status_code == 200
            assert time.perf_counter() - started >= 0.15
        finally:
            raw.close()


def test_bulk_jobs_can_be_made_to_fail(tmp_path: Path) -> None:
    with running_org(tmp_path, faults=FaultPlan(bulk_fail_rate=1.0)) as org:
        sf = org.salesforce()
        try:
            with pytest.raises(SalesforceOperationError, match="Job failure"):
                sf.bulk2.Account.insert(records=[{"Name": "x"}], wait=0)
            assert sf.query("SELECT COUNT() FROM Account")["totalSize"] == 0
        finally:
            sf.session.close()
