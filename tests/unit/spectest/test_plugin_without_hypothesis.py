"""The pytest plugin loads where Hypothesis is not installed.

pytest loads every ``pytest11`` plugin in every run, so a plugin that imported
Hypothesis would break every pytest run of an environment that has crossmap but not
Hypothesis (Hypothesis is only the ``testing`` extra). The child process below makes
``import hypothesis`` fail as it fails where the package is absent.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from spectest_specs import PASSING

# Any import of hypothesis fails as it does where the package is not installed.
BLOCK_HYPOTHESIS = """
import sys

class NoHypothesis:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] == "hypothesis":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, NoHypothesis())
"""

# Only crossmap's plugin is loaded (other installed plugins, Hypothesis' own among
# them, would not be there in such an environment), as its entry point loads it.
WITHOUT_HYPOTHESIS = BLOCK_HYPOTHESIS + """
import pytest
sys.exit(pytest.main(["-p", "crossmap.testing.pytest_plugin", "-p", "no:cacheprovider", *sys.argv[1:]]))
"""


def _pytest_without_hypothesis(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_HYPOTHESIS, *args],
        cwd=folder,
        env={**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_pytest_runs_spec_tests_without_hypothesis(tmp_path: Path) -> None:
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "good.xmap").write_text(PASSING, encoding="utf-8")
    (tmp_path / "test_plain.py").write_text("def test_one():\n    assert 1 + 1 == 2\n")
    result = _pytest_without_hypothesis(tmp_path, "-q")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


def test_the_property_kit_says_it_needs_hypothesis(tmp_path: Path) -> None:
    probe = BLOCK_HYPOTHESIS + (
        "import crossmap.testing as t\n"
        "assert t.run_spec_test\n"
        "try:\n"
        "    t.from_object\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "needs Hypothesis" in result.stdout
    assert "crossmap[testing]" in result.stdout
