"""crossmap run / status / report / rollback on the CSV → JSON-lines example spec."""

from __future__ import annotations

import json
import shutil
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
    assert code == 0 and out.splitlines()[0].split()[:3] == ["2", "full", "succeeded"]

    code, out = run("report", str(spec), "1", "--json", str(tmp_path / "r.json"), "--html", str(tmp_path / "r.html"))
    assert code == 0
    report = json.loads((tmp_path / "r.json").read_text())
    account_counts = next(s for s in report["steps"] if s["step"] == "customers->Account")
    assert account_counts["extracted"] == account_counts["created"] + account_counts["skipped"]
    assert "<h1>Run 1: succeeded</h1>" in (tmp_path / "r.html").read_text()

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
