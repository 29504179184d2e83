"""The runnable examples in docs/salesforce-emulator.md run."""

from __future__ import annotations

import re
from pathlib import Path

from crossmap_salesforce.emulator import FaultPlan, running_org

DOC = Path(__file__).resolve().parents[2] / "docs" / "salesforce-emulator.md"


def test_the_running_org_examples_run(tmp_path: Path) -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.DOTALL)
    runnable = [b for b in blocks if "running_org(tmp_path" in b]
    assert len(runnable) == 2
    for n, block in enumerate(runnable):
        namespace = {"tmp_path": tmp_path / str(n), "FaultPlan": FaultPlan,
                     "running_org": running_org}
        exec(compile(block, f"{DOC.name}[{n}]", "exec"), namespace)  # noqa: S102
