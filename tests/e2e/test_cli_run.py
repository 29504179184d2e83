"""crossmap run / status / report / rollback on the CSV → JSON-lines example spec."""

from __future__ import annotations

import csv
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from crossmap.cli import main

SPECS = Path(__file__).resolve().parents[2] / "specs"


def copy_example(tmp_path: Path) -> Path:
    shutil.copy(SPECS / "csv_to_jsonl.xmap", tmp_path)
    shutil.copytree(SPECS / "data", tmp_path / "data", ignore=shutil.ignore_patterns("*.jsonl", ".jsonl-ids.json"))
    return tmp_path / "csv_to_jsonl.xmap"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout + result.stderr


def test_run_report_rollback(tmp_path: Path) -> None:
    spec = copy_example(tmp_path)
    code, out = run("run", str(spec))
    assert code == 0, out
    assert "run 1 (full)" in out and "customers->Account" in out
    assert (tmp_path / ".crossmap" / "state.db").exists()
    accounts = (tmp_path / "data" / "jsonl" / "Account.jsonl").read_text().splitlines()
    assert len(accounts) == 3

    code, out = run("run", str(spec))  # a re-run updates, creates nothing
    assert code == 0 and "run 2 (full)" in out
    assert len((tmp_path / "data" / "jsonl" / "Account.jsonl").read_text().splitlines()) == 3

    code, out = run("status", str(spec))
    assert code == 0 and out.splitlines()[0].split() == ["run", "kind", "status", "started", "records", "failed",
                                                         "notes"]
    assert out.splitlines()[1].split()[:3] == ["2", "full", "succeeded"]

    code, out = run("report", str(spec), "1", "--json-file", str(tmp_path / "r.json"), "--html", str(tmp_path / "r.html"))
    assert code == 0
    report = json.loads((tmp_path / "r.json").read_text())
    account_counts = next(s for s in report["steps"] if s["step"] == "customers->Account")
    assert account_counts["extracted"] == account_counts["created"] + account_counts["skipped"]
    assert '<h1>Run 1: <span class="status ok">succeeded</span></h1>' in (tmp_path / "r.html").read_text()

    assert run("rollback", str(spec), "2") == (0, "run 2: deleted 0, restored 6\n")
    code, out = run("rollback", str(spec), "1")
    assert code == 0 and "deleted 6" in out
    assert (tmp_path / "data" / "jsonl" / "Account.jsonl").read_text().strip() == ""


def test_unknown_run_is_a_clean_error(tmp_path: Path) -> None:
    spec = copy_example(tmp_path)
    code, out = run("rollback", str(spec), "42")
    assert code == 1 and out.startswith("error:") and "Traceback" not in out


def test_state_url_and_default_report_files(tmp_path: Path) -> None:
    spec = copy_example(tmp_path)
    url = f"sqlite:///{tmp_path / 'elsewhere' / 'state.db'}"
    assert run("run", str(spec), "--state", url)[0] == 0
    assert (tmp_path / "elsewhere" / "state.db").exists() and not (tmp_path / ".crossmap").exists()
    code, _ = run("report", str(spec), "1", "--state", url)
    assert code == 0
    assert (tmp_path / "elsewhere" / "reports" / "run-1.json").exists()
    assert (tmp_path / "elsewhere" / "reports" / "run-1.html").exists()


def test_every_file_written_is_owner_only(tmp_path: Path, permissive_umask: int,
                                          owner_only: Callable[[Path], list[Path]]) -> None:
    """Under umask 000, run / report / rollback leave .crossmap and everything in it
    owner-only: state.db and its WAL files, the reports."""
    spec = copy_example(tmp_path)
    assert run("run", str(spec))[0] == 0
    state = tmp_path / ".crossmap"
    # (the WAL files are gone once the store is closed: tests/unit/test_private_files.py
    # checks them while it is open)
    assert {f.name for f in owner_only(state)} == {"state.db", "state.db.lock"}
    assert run("report", str(spec), "1")[0] == 0
    assert {f.name for f in owner_only(state)} >= {"run-1.json", "run-1.html"}
    assert run("report", str(spec), "1", "--json-file", str(tmp_path / "out" / "r.json"))[0] == 0
    owner_only(tmp_path / "out")
    assert run("rollback", str(spec), "1")[0] == 0
    owner_only(state)


def test_a_shared_store_and_reports_folder_are_named_with_the_fix(tmp_path: Path) -> None:
    spec = copy_example(tmp_path)
    assert run("run", str(spec))[0] == 0
    assert run("report", str(spec), "1")[0] == 0
    store, reports = tmp_path / ".crossmap" / "state.db", tmp_path / ".crossmap" / "reports"
    os.chmod(store, 0o644)
    os.chmod(reports, 0o755)
    result = CliRunner().invoke(main, ["report", str(spec), "1"])
    assert result.exit_code == 0
    assert f"`chmod 600 {store}*` makes it owner-only" in result.stderr
    assert f"`chmod 700 {reports}` makes it owner-only" in result.stderr


def test_close_ends_the_rollback_window(tmp_path: Path) -> None:
    spec = copy_example(tmp_path)
    assert run("run", str(spec))[0] == 0
    assert run("run", str(spec))[0] == 0  # run 2 overwrites: it keeps pre-images
    code, out = run("close", str(spec), "2")
    assert code == 0, out
    assert out.startswith("run 2: closed, can no longer be rolled back; deleted 6 pre-images")
    assert "state store vacuumed" in out
    code, out = run("status", str(spec))
    assert out.splitlines()[1].endswith("closed: no rollback") and "closed" not in out.splitlines()[2]

    code, out = run("rollback", str(spec), "2")
    assert code == 1 and "run 2 cannot be rolled back: it was closed at" in out and "Traceback" not in out

    # The crosswalk stays: a third run updates the same records, creates none.
    code, out = run("run", str(spec))
    assert code == 0 and "run 3 (full)" in out
    assert len((tmp_path / "data" / "jsonl" / "Account.jsonl").read_text().splitlines()) == 3

    code, out = run("close", str(spec), "--older-than", "0m")
    assert code == 0 and "run 1: closed" in out and "run 2: already closed" in out and "run 3: closed" in out
    code, out = run("close", str(spec), "--older-than", "30d")
    assert (code, out) == (0, "no run to close\n")


def test_close_needs_a_run_or_an_age(tmp_path: Path) -> None:
    spec = copy_example(tmp_path)
    assert run("run", str(spec))[0] == 0
    for args in ((), ("1", "--older-than", "30d")):
        code, out = run("close", str(spec), *args)
        assert code == 2 and "name a RUN or pass --older-than AGE" in out
    code, out = run("close", str(spec), "--older-than", "a month")
    assert code == 1 and out.startswith("error: cannot read the age 'a month'")


def _source_values(data: Path) -> set[str]:
    """Every value of the example's CSV files but the record keys, which a redacted
    report keeps (and short words like 'new' or 'high' that its labels use too)."""
    values: set[str] = set()
    for name, key in (("customers.csv", "customer_no"), ("jobs.csv", "job_no")):
        with (data / name).open(newline="", encoding="utf-8") as rows:
            for row in csv.DictReader(rows):
                values |= {v.strip() for k, v in row.items() if k not in (key, "customer_no") and len(v.strip()) > 4}
    return values


def test_a_redacted_report_shows_no_source_value(tmp_path: Path) -> None:
    spec = copy_example(tmp_path)
    long_status = "awaiting parts from Margaret Okonkwo at 17 Quarry Lane " * 5
    with (tmp_path / "data" / "csv" / "jobs.csv").open("a", encoding="utf-8") as jobs:
        jobs.write(f"J-5009,C-1001,Secret title,{long_status},high,,,,2024-05-03T09:00:00Z\n")
    assert run("run", str(spec))[0] == 3  # J-5009's status is in no value map: it fails (exit 3: records failed)

    code, plain = run("report", str(spec), "1")
    assert code == 0
    # Unredacted, the failing value is there, abbreviated: its start, and its length.
    assert "'awaiting parts from Margaret Okonkwo" in plain and f"({len(long_status)} chars)" in plain
    assert long_status not in plain

    code, out = run("report", str(spec), "1", "--redact", "--json-file", str(tmp_path / "r.json"))
    assert code == 0
    page, data = (tmp_path / "r.html").read_text(), (tmp_path / "r.json").read_text()
    values = _source_values(tmp_path / "data" / "csv")
    assert "Harbour Bakery" in values and long_status.strip() in values
    for form in (out, page, data):
        assert not {v for v in values if v in form}, "source values in a redacted report"
        assert "Margaret" not in form
        # what stays: the object, the field, the key, the error code
        assert "WorkOrder" in form and "Status" in form and "J-5009" in form and "TRANSFORM" in form
    assert json.loads(data)["redacted"] is True
    assert out.startswith("(values redacted") and "<redacted message, " in out


def test_json_on_stdout_from_run_status_and_test(tmp_path: Path) -> None:
    spec = copy_example(tmp_path)
    code, out = run("run", str(spec), "--json")
    report = json.loads(out)
    assert code == 0 and report["run_id"] == 1 and report["status"] == "succeeded"
    assert {s["step"] for s in report["steps"]} == {"customers->Account", "jobs->WorkOrder"}
    code, out = run("status", str(spec), "--json")
    listed = json.loads(out)
    assert code == 0 and listed["holder"] is None
    assert [(r["id"], r["kind"], r["status"], r["closed"]) for r in listed["runs"]] == [(1, "full", "succeeded", False)]
    code, out = run("test", str(spec), "--json")
    tested = json.loads(out)
    assert code == 0 and tested["failed"] == 0 and tested["passed"] == len(tested["tests"]) > 0
    assert all(t["passed"] and t["expectations"] for t in tested["tests"])
