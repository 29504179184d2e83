"""``crossmap test``: each test passed or failed with its diff; exit 0 or 1. (The
flagship spec's own tests: tests/e2e/test_flagship_spec_tests.py.)"""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from spectest_specs import FAILING, FAILING_LINE, FRAGMENT, NOT_COMPILING, PASSING

from crossmap.cli import main


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["test", *args])
    return result.exit_code, result.stdout, result.stderr


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_failing_test_prints_its_diff_and_exits_1(tmp_path: Path) -> None:
    good = write(tmp_path, "good.xmap", PASSING)
    bad = write(tmp_path, "bad.xmap", FAILING)
    code, out, _ = run(str(good), str(bad))
    assert code == 1
    assert f"PASS {good}:" in out
    assert f"FAIL {bad}:{FAILING_LINE}  the company name is kept" in out
    assert "Name   'Acme Inc'  'Acme'" in out
    assert "    Phone" not in out  # the phone matched: only differing fields are listed
    assert f"PASS {bad}:" in out  # "nobody is a contact"
    assert out.strip().endswith("3 tests: 2 passed, 1 failed")


def test_a_spec_that_does_not_compile_exits_1_with_its_diagnostics(tmp_path: Path) -> None:
    spec = write(tmp_path, "broken.xmap", NOT_COMPILING)
    code, out, err = run(str(spec))
    assert code == 1
    assert f"{spec}:7:" in err and "phnoe" in err and "did you mean" in err.lower()
    assert "0 tests" in out


def test_a_spec_without_tests_says_so(tmp_path: Path) -> None:
    spec = write(tmp_path, "plain.xmap", PASSING.split("test ")[0])
    code, out, _ = run(str(spec))
    assert code == 0
    assert f"{spec}: no test blocks" in out
    fragment = write(tmp_path, "fragment.xmap", FRAGMENT)
    code, _, err = run(str(fragment))
    assert code == 1 and "source" in err  # a fragment is not a spec: it names no source
