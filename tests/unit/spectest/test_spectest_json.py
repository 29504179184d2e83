"""``SpecTestResult.to_dict``: one test's result as ``crossmap test --json`` prints it
(docs/cli.md gives the shape), for a passing and a failing test."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from crossmap.cli import main
from crossmap.spectest import Expectation as Expected
from crossmap.spectest import FieldDiff, SpecTestResult

SPEC = Path(__file__).resolve().parents[3] / "specs" / "csv_to_jsonl.xmap"


def test_a_failed_expectation_carries_its_diffs() -> None:
    result = SpecTestResult(
        name="names", spec="x.xmap", line=7, rows={},
        expectations=(Expected("Account", {"Name": "Ada"}, passed=False, rows=1,
                               closest={"Name": "Bob"}, diffs=(FieldDiff("Name", "Ada", "Bob"),)),))
    assert result.to_dict() == {
        "spec": "x.xmap", "line": 7, "name": "names", "passed": False, "error": None,
        "expectations": [{"target": "Account", "passed": False, "rows": 1,
                          "diffs": [{"field": "Name", "expected": "Ada", "actual": "Bob"}]}],
    }


def test_the_cli_prints_each_result_as_to_dict_gives_it() -> None:
    printed = CliRunner().invoke(main, ["test", "--json", str(SPEC)])
    assert printed.exit_code == 0, printed.output
    data = json.loads(printed.stdout)
    assert (data["passed"], data["failed"]) == (2, 0)
    assert {tuple(sorted(t)) for t in data["tests"]} == {
        ("error", "expectations", "line", "name", "passed", "spec")}
    assert all(t["passed"] and t["expectations"] for t in data["tests"])
