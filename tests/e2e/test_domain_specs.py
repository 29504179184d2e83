"""The example specs beyond the flagship, end to end through the CLI (issue 21):
each checks, its `test` blocks pass, a run loads every record with one outcome, and
a re-run creates nothing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from crossmap.cli import main

SPECS = Path(__file__).resolve().parents[2] / "specs"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout + result.stderr


def rows(folder: Path, obj: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in (folder / f"{obj}.jsonl").read_text(encoding="utf-8").splitlines()]


def test_the_helpdesk_export_into_json_lines(tmp_path: Path) -> None:
    shutil.copy(SPECS / "helpdesk_to_jsonl.xmap", tmp_path)
    shutil.copytree(SPECS / "data" / "helpdesk", tmp_path / "data" / "helpdesk")
    spec = str(tmp_path / "helpdesk_to_jsonl.xmap")
    code, out = run("check", spec)
    assert code == 0 and "ok (5 steps" in out, out
    assert "XM236" in out  # the source schema is inferred from the export, and check says so
    code, out = run("test", spec)
    assert code == 0 and "3 tests: 3 passed, 0 failed" in out, out

    code, out = run("run", spec)
    assert code == 0, out
    lines = {line.split()[0]: line.split()[1:] for line in out.splitlines() if "->" in line}
    # extracted, created, updated, matched, deleted, skipped, failed, held back
    assert lines["tickets->Ticket"] == ["3", "2", "0", "0", "0", "1", "0", "0"]
    assert lines["tickets.comments->Ticket_Comment"] == ["4", "4", "0", "0", "0", "0", "0", "0"]
    assert lines["tickets.tags->Ticket_Tag"] == ["4", "4", "0", "0", "0", "0", "0", "0"]
    out_dir = tmp_path / "out" / "helpdesk"
    people = {p["User_Id"]: p for p in rows(out_dir, "Person")}
    tickets = {t["Ticket_Id"]: t for t in rows(out_dir, "Ticket")}
    assert people["u-2"]["Last_Login"] == "2024-05-30T20:13:20.500+0000"  # epoch milliseconds
    assert tickets["t-101"]["Requester"] == people["u-1"]["Id"]
    assert (tickets["t-101"]["Public_Replies"], tickets["t-101"]["Answered"]) == (1, True)
    assert tickets["t-102"]["Closed_At"] == "2024-06-03T15:45:00.000+0000"  # the second format, London time
    assert [t["Name"] for t in rows(out_dir, "Ticket_Tag")] == ["oven", "alarm", "vip", "billing"]
    assert {c["Ticket_Subject"] for c in rows(out_dir, "Ticket_Comment")} == {
        "Oven alarm keeps sounding", "Invoice copy"}
    organizations = {o["Org_Id"]: o for o in rows(out_dir, "Organization")}
    assert organizations["org-2"]["Customer_Since"] == "2022-05-04"  # 04/05/2022, day first

    code, out = run("run", spec)  # a re-run updates, creates nothing
    assert code == 0, out
    assert all(line.split()[2] == "0" for line in out.splitlines() if "->" in line), out
    assert len(rows(out_dir, "Ticket_Tag")) == 4
