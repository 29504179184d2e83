"""The B1 transform benchmark still runs and its output checks still pass.

Not a timed test: ``--quick`` maps 1,000 records once, and only what the benchmark
prints about correctness is asserted, never a rate.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
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
    "communications->Task",
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
    mapper = build({"cus_1": "001000000000000001"}, {"tec_001": "005000000000000001"})
    job = {
        "id": "job_1",
        "number": "J-1",
        "customer_id": "cus_1",
        "title": "  No heat ",
        "description": None,
        "urgency": "weird",
        "channel": "fax",
        "status": "Completed",
        "assigned_technician_ids": ["tec_001"],
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
    assert row["OwnerId"] == "005000000000000001"
    # Two technicians, or one without a User: the fallback user owns the Case.
    for technicians in (["tec_001", "tec_002"], ["tec_404"]):
        assert mapper(form({**job, "assigned_technician_ids": technicians}))["OwnerId"] == peers.FALLBACK_USER
    for broken in ({"customer_id": "cus_2"}, {"status": "Lost"}):
        # Each engine raises its own type; the offending value must be named.
        with pytest.raises(Exception) as raised:
            mapper(form({**job, **broken}))
        assert error in {cls.__name__ for cls in type(raised.value).__mro__}
        assert next(iter(broken.values())) in str(raised.value)


@pytest.fixture
def e2e(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """``benchmarks/bench_e2e.py``."""
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    return importlib.import_module("bench_e2e")


@pytest.fixture
def counted_org(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """``benchmarks/counted_org.py``."""
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    return importlib.import_module("counted_org")


def test_minimum_calls_take_the_cheaper_of_collections_and_one_bulk_job(e2e: ModuleType) -> None:
    assert e2e.minimum_calls("Account", 0) == 0
    assert e2e.minimum_calls("Account", 1) == 1
    assert e2e.minimum_calls("Account", 201) == 2  # two collections calls
    assert e2e.minimum_calls("Account", 1200) == 5  # one Bulk API 2.0 job: 5 calls, 6 collections
    assert e2e.minimum_calls("Account", 100_000) == 5
    # A job whose counts say rows failed also reads its failedResults.
    assert e2e.minimum_calls("Account", 100_000, failed_jobs=1) == 6
    assert e2e.minimum_calls("Account", 300, failed_jobs=1) == 2  # collections still cheaper
    # An upsert step reads the object once before its first write (issue 19).
    assert e2e.minimum_calls("Account", 100_000, upserted=True) == 6
    assert e2e.minimum_calls("Account", 100_000, upserted=True, failed_jobs=1) == 7
    assert e2e.minimum_calls("Account", 0, upserted=True) == 1
    # One job per 150 MB upload.
    assert e2e.minimum_calls("Account", 10**6, 400 * 1024 * 1024) == 15
    # File bytes do not go through Bulk API 2.0: collections only.
    assert e2e.minimum_calls("ContentVersion", 1000) == 5
    # A resolution reads its object once, 2,000 records a call, at least one call.
    assert e2e.minimum_calls("User", 0, resolved=0) == 1
    assert e2e.minimum_calls("User", 0, resolved=4_500) == 3
    assert e2e.minimum_calls("Contact", 300, resolved=10) == 3


def test_failed_jobs_counts_the_jobs_whose_counts_say_rows_failed(e2e: ModuleType) -> None:
    jobs = {"750A": ("Case", 0), "750B": ("Case", 3), "750C": ("Task", 1), "750D": ("Task", 0)}
    pages = {"jobs/ingest": {"records": [{"id": "750A"}, {"id": "750B"}],
                             "nextRecordsUrl": "/services/data/v59.0/jobs/ingest?queryLocator=2"},
             "jobs/ingest?queryLocator=2": {"records": [{"id": "750C"}, {"id": "750D"}], "nextRecordsUrl": None}}

    class Api:
        def json(self, method: str, path: str) -> dict[str, object]:
            assert method == "GET"
            if path in pages:
                return pages[path]
            obj, failed = jobs[path.rsplit("/", 1)[1]]
            return {"object": obj, "numberRecordsFailed": failed}

    assert e2e.failed_jobs(Api()) == {"Case": 1, "Task": 1}


def test_the_counted_org_names_the_object_of_each_request(counted_org: ModuleType) -> None:
    jobs = {"7505e000000AbcdAAA": "Case"}
    of = counted_org.object_of
    d = "/services/data/v59.0/"
    assert of("PATCH", d + "composite/sobjects/Case/QD_Job_Id__c", "", b"", jobs) == "Case"
    body = b'{"allOrNone": false, "records": [{"attributes": {"type": "CaseComment"}, "Body": "x'
    assert of("POST", d + "composite/sobjects", "", body, jobs) == "CaseComment"
    assert of("PUT", d + "jobs/ingest/7505e000000AbcdAAA/batches", "", b"Id\n", jobs) == "Case"
    # A Bulk job's creation is one of its calls, counted with its object.
    assert of("POST", d + "jobs/ingest", "", b'{"object": "Task", "operation": "insert"}', jobs) == "Task"
    soql = b'{"operation": "query", "query": "SELECT Id FROM Contact WHERE X__c != null"}'
    assert of("POST", d + "jobs/query", "", soql, jobs) == "Contact"
    assert of("GET", d + "jobs/query/7505e000000AbcdAAA/results", "maxRecords=5", b"", jobs) == "Case"
    assert of("GET", d + "query", "q=SELECT+Id+FROM+User+WHERE+Email+IN+('a')", b"", jobs) == "User"
    assert of("GET", d + "sobjects/Account/describe", "", b"", jobs) == "Account"
    assert of("GET", d + "limits", "", b"", jobs) == counted_org.OTHER
    assert of("POST", "/services/oauth2/token", "", b"", jobs) == counted_org.OTHER
    route = counted_org.route_of("PATCH", d + "jobs/ingest/7505e000000AbcdAAA")
    assert route == "PATCH jobs/ingest/{id}"


def test_quick_runner_prints_every_target_with_a_verdict() -> None:
    # B2 at 200 and 1,000 records through both local systems (subprocesses), B1, B3
    # and B4 at their smallest: only that each ran and has its line in the table.
    done = subprocess.run(
        [sys.executable, "benchmarks/run.py", "--quick", "--only", "b2,b3,b4"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    table = done.stdout.partition("== issue 10 targets")[2]
    rows = [line for line in table.splitlines()[1:] if line.strip()]
    assert [line.split()[0] for line in rows[1:]] == ["B2"] * 5 + ["B3"] * 2 + ["B4"], table
    # Verify of each run (issue 23): its own lines, read back clean.
    assert "verify of the run: API calls per object read" in table and "verify peak memory growth" in table
    assert all(line.rstrip().endswith(("PASS", "MISS")) for line in rows[1:]), table
    b2 = done.stdout.partition("== B2")[2].partition("== B3")[0]
    # Both sizes loaded records and the org counted calls for each object written.
    assert "API calls per object" in b2 and "Case " in b2 and "CaseComment" in b2, b2
    report = [line for line in b2.splitlines() if line.startswith('{"b2"')]
    sizes = json.loads(report[0])["b2"]
    assert [r["size"] for r in sizes] == [200, 1000]
    # The source at its published limit, the engine with a user's defaults.
    assert {(r["per_minute"], r["parallel"], r["prefetch"]) for r in sizes} == {(600, 4, 2)}
    for r in sizes:
        assert r["verify"]["ok"] and r["verify"]["checked"] == r["loaded"] and r["verify"]["org_calls"] > 0
        assert r["loaded"] > 0 and r["cpu_s"] > 0 and r["peak_rss_mb"] > 0
        assert all(o["calls"] >= o["minimum"] for o in r["objects"].values()), r["objects"]


def test_the_runner_reads_b1_and_b4_ratios_from_their_output(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    runner = importlib.import_module("run")
    b1_output = (
        "B1 jobs->Case: 1,000 records, best of 1 interleaved round(s)\n"
        "contender        records/s  time vs hand-written  speed vs jsonatapy\n"
        "hand-written       400,000                 1.00x              10.00x\n"
        "generated          380,000                 1.05x               9.50x\n"
        "jsonatapy           40,000                10.00x               1.00x\n"
        "\nB1 whole flagship plan: 100 records per source object\n"
        "generated            1 ...\n"
    )
    vs_hand, vs_peer = runner.b1(b1_output)
    assert (vs_hand.value, vs_hand.met) == ("1.05x", True)
    assert (vs_peer.value, vs_peer.met) == ("9.50x", True)
    (warm,) = runner.b4("  warm (same process):   best   250.5 ms, median 260.0 ms  (target: < 200 ms)")
    assert (warm.value, warm.met) == ("250.5 ms", False)
