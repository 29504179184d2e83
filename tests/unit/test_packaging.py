"""How crossmap installs: ``python -m crossmap``, and the core without its extras."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

# Imports of these packages fail in the child, as where the `local` extra is absent.
WITHOUT_LOCAL_SYSTEMS = """
import sys

class Absent:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in {"starlette", "uvicorn", "trustme"}:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, Absent())
from crossmap.cli import main
main(sys.argv[1:], prog_name="crossmap")
"""


def test_python_dash_m_runs_the_command_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "crossmap", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: crossmap ")
    assert "check" in result.stdout and "run" in result.stdout


def test_the_core_runs_without_the_local_systems(tmp_path: Path) -> None:
    def crossmap(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", WITHOUT_LOCAL_SYSTEMS, *args],
                              capture_output=True, text=True, check=False, timeout=120)

    checked = crossmap("check", "specs/csv_to_jsonl.xmap")
    assert checked.returncode == 0, checked.stderr
    demo = crossmap("demo", "--dir", str(tmp_path / "demo"))
    assert demo.returncode == 1
    assert "pip install 'crossmap[local]'" in demo.stderr
    assert "Traceback" not in demo.stderr
