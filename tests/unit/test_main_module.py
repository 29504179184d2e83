"""``python -m crossmap`` is the ``crossmap`` command."""

from __future__ import annotations

import subprocess
import sys


def test_python_dash_m_runs_the_command_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "crossmap", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: crossmap ")
    assert "check" in result.stdout and "run" in result.stdout
