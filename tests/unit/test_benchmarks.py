"""The B1 transform benchmark still runs and its output checks still pass.

Not a timed test: ``--quick`` maps 1,000 records once, and only what the benchmark
prints about correctness is asserted, never a rate.
"""

from __future__ import annotations

import datetime as dt
import importlib
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONTENDERS = (
    "hand-written",
    "generated",
    "reference",
    "jsonatapy",
    "jsonata2py",
    "singer-sdk",
    "jq",
    "glom",
)
STEPS = (
    "customers->Account",
    "customer_locations->Service_Address__c",
    "contacts->Contact",
    "jobs->Case",
    "technician_assignments->Job_Technician__c",
    "jobs.status_history->CaseComment",
    "appointments->Event",
    "line_items->Work_Order_Line_Item__c",
    "job_notes->CaseComment",
    "attachments->ContentVersion",
)


def test_quick_transform_benchmark_runs_and_every_output_check_passes() -> None:
    done = subprocess.run(
        [sys.executable, "benchmarks/bench_transform.py", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "FAILED" not in out and "DIFFER" not in out, out
    table, _, plan = out.partition("B1 whole flagship plan")
    rows = {
        line.split()[0]: line
        for line in table.splitlines()
        if line and line.split()[0] in CONTENDERS
    }
    assert set(rows) == set(CONTENDERS), table
    # Every contender has a rate and both ratios in the table.
    assert all(line.count("x") >= 2 for line in rows.values()), table
    checks = [line.strip() for line in table.splitlines() if line.startswith("  ")]
    assert sorted(c.split(":")[0] for c in checks if ": passed" in c) == sorted(CONTENDERS[1:]), (
        table
    )
    for step in STEPS:
        assert any(line.startswith(step + " ") for line in plan.splitlines()), (step, plan)
    assert "generated vs reference" in plan and plan.rstrip().endswith("passed"), plan


@pytest.fixture
def peers(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """``benchmarks/transform_peers.py`` (benchmarks/ is scripts, not a package)."""
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    return importlib.import_module("transform_peers")


@pytest.mark.parametrize(
    ("peer", "error"),
    [
        ("jsonatapy", "ValueError"),
        ("jsonata2py", "JsonataEvaluationError"),
        ("singer-sdk", "KeyError"),
        ("jq", "ValueError"),
        ("glom", "GlomError"),
    ],
)
def test_every_peer_fails_a_job_as_the_spec_does(peers: ModuleType, peer: str, error: str) -> None:
    # The peers must do the whole mapping: a customer without an Account and a
    # status no value map lists are failures, as `missing fail` and `else error`.
    build, wants_json = peers.PEERS[peer]
    mapper = build({"cus_1": "001000000000000001"})
    job = {
        "id": "job_1",
        "number": "J-1",
        "customer_id": "cus_1",
        "title": "  No heat ",
        "description": None,
        "urgency": "weird",
        "channel": "fax",
        "status": "Completed",
        "completed_at": dt.datetime(2025, 1, 2, 15, 4, 5, tzinfo=dt.UTC),
        "status_assigned_at": None,
        "status_en_route_at": None,
        "status_in_progress_at": None,
        "status_cancelled_at": None,
        "custom_equipment_model": None,
        "custom_parts_used": None,
        "custom_site_conditions": None,
        "custom_service_tier": None,
        "custom_warranty_claim": None,
        "custom_estimated_hours": Decimal("1.5"),
        "custom_install_date": dt.date(2021, 4, 30),
    }
    form = peers.json_form if wants_json else (lambda record: record)
    row = mapper(form(job))
    assert row["AccountId"] == "001000000000000001"
    assert (row["Subject"], row["Priority"], row["Origin"]) == ("No heat", "Medium", "fax")
    assert (row["Status"], row["Warranty_Claim__c"]) == ("Closed", False)
    assert row["Estimated_Hours__c"] == form(Decimal("1.5"))
    for broken in ({"customer_id": "cus_2"}, {"status": "Lost"}):
        # Each engine raises its own type; the offending value must be named.
        with pytest.raises(Exception) as raised:
            mapper(form({**job, **broken}))
        assert error in {cls.__name__ for cls in type(raised.value).__mro__}
        assert next(iter(broken.values())) in str(raised.value)
