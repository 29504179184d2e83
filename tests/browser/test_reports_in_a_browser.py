"""Every HTML report crossmap writes, opened in a real headless Chromium: no console
errors, and the figures a reader came for visible in the first screen.

The demo writes every kind (preflight, sample, the full and the delta run) for the
flagship at its smallest scale; a plain run of the CSV example gives one more."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import Rendered, browser, render
from click.testing import CliRunner

from crossmap.cli import main
from crossmap_qdispatch.demo import DemoOptions, run_demo

ROOT = Path(__file__).resolve().parents[2]

FIRST_SCREEN = {
    "preflight": ("Preflight:", "source records", "rows would load", "would fail", "destination calls",
                  "daily API requests left", "duration", "Coverage"),
    "sample": ("Sample run", "records selected", "fields compared", "equal", "not equal", "not loaded"),
    "run": ("Run ", "extracted", "loaded", "failed", "held back", "duration", "Records per step", "total"),
}


@pytest.fixture(scope="module")
def demo_reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo") / "run"
    run_demo(DemoOptions(folder, scale=1, seed=1), lambda _line: None)
    return folder / ".crossmap" / "reports"


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    with browser() as launched:
        yield launched


def _kind(page: Path) -> str:
    return page.stem.split("-")[0]


def test_every_report_of_the_demo(demo_reports: Path, chromium: object) -> None:
    pages = sorted(demo_reports.glob("*.html"))
    assert {_kind(p) for p in pages} >= {"preflight", "sample", "run"}
    for page in pages:
        shown: Rendered = render(chromium, page)
        assert shown.errors == (), (page.name, shown.errors)
        for figure in FIRST_SCREEN.get(_kind(page), ()):
            assert figure in shown.first_screen, f"{page.name}: '{figure}' is not in the first screen"


def test_a_run_whose_records_failed_says_so_first(demo_reports: Path, chromium: object) -> None:
    # The flagship's data is hostile on purpose: records fail, and their children are held back.
    full = next(p for p in sorted(demo_reports.glob("run-*.html")))
    shown = render(chromium, full)
    headline = shown.first_screen.split("\n")[:2]
    assert headline[0].startswith("Run ") and headline[1].startswith("completed with"), headline
    page = full.read_text(encoding="utf-8")
    assert 'class="status failed"' in page
    causes = page[page.index("Errors by cause"):]
    assert causes.index("<small>held back</small>") > causes.index("<tr class=\"failed\">")


def test_the_run_report_of_a_clean_run(tmp_path: Path, chromium: object) -> None:
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    spec = str(tmp_path / "specs" / "csv_to_jsonl.xmap")
    state = str(tmp_path / "state.db")
    runner = CliRunner()
    ran = runner.invoke(main, ["run", spec, "--state", state])
    assert ran.exit_code == 0, ran.output
    page = tmp_path / "run-1.html"
    reported = runner.invoke(main, ["report", spec, "1", "--state", state, "--html", str(page)])
    assert reported.exit_code == 0, reported.output
    shown = render(chromium, page)
    assert shown.errors == ()
    assert "Run 1:\nsucceeded" in shown.first_screen
    for figure in ("customers->Account", "jobs->WorkOrder", *FIRST_SCREEN["run"]):
        assert figure in shown.first_screen, figure
