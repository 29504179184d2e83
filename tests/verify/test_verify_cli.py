"""``crossmap verify`` and ``crossmap run --verify`` on the CSV → JSON-lines example:
exit 0 when every field holds what the run wrote, 5 (with the field named) when one
does not; reports written as JSON and HTML."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from crossmap import exitcodes
from crossmap.cli import main
from crossmap.connectors.builtin.jsonl import JsonlDestination

SPECS = Path(__file__).resolve().parents[2] / "specs"


def _copy(tmp_path: Path) -> Path:
    shutil.copy(SPECS / "csv_to_jsonl.xmap", tmp_path)
    shutil.copytree(SPECS / "data", tmp_path / "data", ignore=shutil.ignore_patterns("*.jsonl", ".jsonl-ids.json"))
    return tmp_path / "csv_to_jsonl.xmap"


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout + result.stderr


def test_run_verify_then_a_change_fails_verify(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = _copy(tmp_path)
    code, out = _cli("run", str(spec), "--verify")
    assert code == 0, out
    assert "run 1 (full)" in out and "verified" in out and "NOT verified" not in out
    report = json.loads((tmp_path / ".crossmap" / "reports" / "verify-1.json").read_text())
    assert report["ok"] and report["runs"] == [1] and report["missing"] == report["extra"] == 0
    assert set(report["totals"]) <= {"equal", "normalised"}

    code, out = _cli("verify", str(spec))
    assert code == 0, out
    code, out = _cli("verify", str(spec), "--no-source")
    assert code == 0 and "the fingerprints the state store keeps" in out, out
    # The same spec named another way (relative to the working folder) is the same spec.
    monkeypatch.chdir(tmp_path)
    code, out = _cli("verify", spec.name)
    assert code == 0 and f"verify {spec.name}, every run, against" in out, out

    folder = tmp_path / "data" / "jsonl"
    with JsonlDestination.from_options({"path": str(folder), "schema": str(folder / "schema.json")}) as jsonl:
        (account, *_) = jsonl.records("Account")
        (result,) = jsonl.load("Account", "update", [("x", {"Id": account["Id"], "Name": "Someone Else"})])
        assert result.ok
    code, out = _cli("verify", str(spec), "1", "--json-file", str(tmp_path / "v.json"), "--html", str(tmp_path / "v.html"))
    assert code == exitcodes.NOT_VERIFIED, out
    assert "NOT verified" in out and "customers->Account Name" in out
    assert "C-1001 [Account-1]: Name Harbour Bakery -> Someone Else" in out
    report = json.loads((tmp_path / "v.json").read_text())
    assert not report["ok"] and report["totals"]["changed"] == 1
    # Redacted: the field, the record and the class stay, the values do not.
    code, out = _cli("verify", str(spec), "1", "--redact", "--json-file", str(tmp_path / "r.json"))
    assert code == exitcodes.NOT_VERIFIED and "values redacted" in out and "C-1001 [Account-1]: Name <redacted str" in out
    assert "Someone Else" not in out and "Harbour Bakery" not in out
    redacted = (tmp_path / "r.json").read_text()
    assert json.loads(redacted)["redacted"] is True and "Someone Else" not in redacted
    assert "Someone Else" not in (tmp_path / "r.html").read_text()
    # Without the source: the record no longer holds what its run wrote.
    code, out = _cli("verify", str(spec), "--no-source")
    assert code == exitcodes.NOT_VERIFIED and "customers->Account (written fields)" in out and "changed 1" in out, out
    assert "<h1>Verify: NOT verified</h1>" in (tmp_path / "v.html").read_text()


def test_run_verify_exits_not_verified_on_an_extra_record(tmp_path: Path) -> None:
    spec = _copy(tmp_path)
    assert _cli("run", str(spec))[0] == exitcodes.OK
    folder = tmp_path / "data" / "jsonl"
    with JsonlDestination.from_options({"path": str(folder), "schema": str(folder / "schema.json")}) as jsonl:
        # As a crash between a write and its record in the crosswalk leaves one.
        (made,) = jsonl.load("Account", "insert", [("x", {"Customer_No": "C-9999", "Name": "Left behind"})])
        assert made.ok
    code, out = _cli("run", str(spec), "--verify")
    assert code == exitcodes.NOT_VERIFIED, out
    assert "run 2 (full)" in out and "Account: 4 read, 1 extra" in out and "Customer_No = C-9999" in out


def test_verify_before_any_run_is_a_clean_error(tmp_path: Path) -> None:
    spec = _copy(tmp_path)
    code, out = _cli("verify", str(spec))
    assert code == 1 and out.startswith("error:") and "Traceback" not in out
    _cli("run", str(spec))
    code, out = _cli("verify", str(spec), "7")
    assert code == 1 and "no run 7" in out and "Traceback" not in out
