"""The pytest plugin: spec test blocks as pytest items, collected from spec folders
and files named on the command line only."""

from __future__ import annotations

from importlib.metadata import entry_points

import pytest
from spectest_specs import FAILING, FAILING_LINE, FRAGMENT, NOT_COMPILING, PASSING

pytest_plugins = ["pytester"]

PLUGIN = "crossmap.testing.pytest_plugin"


def _plugin_args() -> tuple[str, ...]:
    # Once the pytest11 entry point is registered the plugin loads by itself, and
    # loading it a second time under its module name would be an error.
    registered = any(e.value == PLUGIN for e in entry_points(group="pytest11"))
    return () if registered else ("-p", PLUGIN)


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_inprocess(*_plugin_args(), "-p", "no:cacheprovider", *args)


def spec(pytester: pytest.Pytester, path: str, text: str) -> None:
    target = pytester.path / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def test_spec_folder_tests_become_items(pytester: pytest.Pytester) -> None:
    spec(pytester, "specs/good.xmap", PASSING)
    spec(pytester, "specs/bad.xmap", FAILING)
    spec(pytester, "specs/shared/fragment.xmap", FRAGMENT)
    result = run(pytester, "specs", "-v")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines([
        "*specs/bad.xmap::the company name is kept FAILED*",
        "*specs/bad.xmap::nobody is a contact PASSED*",
        "*specs/good.xmap::a company keeps its name PASSED*",
    ])
    # The failure shows the diff and where the test block is, not a traceback.
    result.stdout.fnmatch_lines([
        f"*bad.xmap:{FAILING_LINE}: test 'the company name is kept' FAILED",
        "*field  expected    actual",
        "*Name   'Acme Inc'  'Acme'",
    ])
    assert "Traceback" not in result.stdout.str()
    assert "runtest" not in result.stdout.str()


def test_a_plain_run_collects_spec_folders_but_not_other_xmap_files(pytester: pytest.Pytester) -> None:
    spec(pytester, "specs/good.xmap", PASSING)
    spec(pytester, "tests/fixtures/bad/broken.xmap", NOT_COMPILING)
    spec(pytester, "tests/fixtures/bad/failing.xmap", FAILING)
    result = run(pytester, "--collect-only", "-q")
    out = result.stdout.str()
    assert "specs/good.xmap::a company keeps its name" in out
    assert "fixtures" not in out
    assert result.ret == 0
    # Named on the command line, a file is collected wherever it is.
    named = run(pytester, "tests/fixtures/bad/failing.xmap")
    named.assert_outcomes(passed=1, failed=1)


def test_the_ini_option_names_the_spec_folders(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nxmap_specs =\n    migrations\n")
    spec(pytester, "migrations/good.xmap", PASSING)
    spec(pytester, "specs/failing.xmap", FAILING)
    result = run(pytester, "-v")
    result.assert_outcomes(passed=1)
    assert "migrations/good.xmap::a company keeps its name PASSED" in result.stdout.str()
    assert "specs/failing.xmap" not in result.stdout.str()


def test_a_spec_that_does_not_compile_is_a_collection_error(pytester: pytest.Pytester) -> None:
    spec(pytester, "specs/broken.xmap", NOT_COMPILING)
    result = run(pytester, "specs")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*the spec does not compile:*", "*broken.xmap:7:*phnoe*"])
    assert "Traceback" not in result.stdout.str()
