"""Every HTML report crossmap writes, opened in a real headless Chromium: no console
errors, and the figures a reader came for visible in the first screen."""

from __future__ import annotations

import shutil
from pathlib import Path

from browser_support import browser, render
from click.testing import CliRunner

from crossmap.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_the_run_report(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    spec = str(tmp_path / "specs" / "csv_to_jsonl.xmap")
    state = str(tmp_path / "state.db")
    runner = CliRunner()
    ran = runner.invoke(main, ["run", spec, "--state", state])
    assert ran.exit_code == 0, ran.output
    page = tmp_path / "run-1.html"
    reported = runner.invoke(main, ["report", spec, "1", "--state", state, "--html", str(page)])
    assert reported.exit_code == 0, reported.output
    with browser() as chromium:
        shown = render(chromium, page)
    assert shown.errors == ()
    assert "Run 1:\nsucceeded" in shown.first_screen
    for figure in ("customers->Account", "jobs->WorkOrder", "extracted", "loaded", "failed", "held back",
                   "duration", "total"):
        assert figure in shown.first_screen, figure
