"""`crossmap run` on a terminal: the progress bars end before the report prints, so
the report's headline starts a line of its own and no line of it is redrawn away."""

from __future__ import annotations

import os
import pty
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\r")


def test_the_report_prints_after_the_progress_bars(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    main, child = pty.openpty()  # stdout and stderr both on one terminal, as a person runs it
    process = subprocess.Popen(
        [sys.executable, "-m", "crossmap", "run", str(tmp_path / "specs" / "csv_to_jsonl.xmap"),
         "--state", str(tmp_path / "state.db")],
        stdout=child, stderr=child, stdin=subprocess.DEVNULL, env={**os.environ, "COLUMNS": "120"},
    )
    os.close(child)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main)
    assert process.wait(timeout=120) == 0
    raw = b"".join(chunks).decode("utf-8", "replace")
    headline = raw.index("run 1 (full) of ")
    # Nothing of a progress bar on the headline's line, before it or redrawn after it.
    line_start = raw.rfind("\n", 0, headline) + 1
    assert ANSI.sub("", raw[line_start:headline]).strip() == ""
    after = raw[headline:]
    assert "\x1b[" not in after.split("jobs->WorkOrder", 1)[0], "the progress display redrew over the report"
    assert "jobs->WorkOrder" in ANSI.sub("", after)
