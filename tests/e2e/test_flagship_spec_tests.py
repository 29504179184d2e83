"""``crossmap test`` on the flagship spec (Q Dispatch → Salesforce): its test blocks
pass against the plugins' shipped schemas. Moved from tests/unit/spectest, whose
specs use the tiny fixture schemas and need no plugin."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from crossmap.cli import main

FLAGSHIP = Path(__file__).resolve().parents[2] / "specs" / "qdispatch_to_salesforce.xmap"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["test", *args])
    return result.exit_code, result.stdout, result.stderr


def test_the_flagship_spec_tests_pass() -> None:
    code, out, err = run(str(FLAGSHIP))
    assert code == 0, out + err
    assert "PASS " in out and "a completed emergency job closes its case" in out
    assert "a contact without a last name still loads" in out
    assert out.strip().endswith("21 tests: 21 passed, 0 failed")
