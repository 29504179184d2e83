"""The examples of docs/testing.md run (the test functions they define are called
with a few examples, so the tutorial stays true)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parents[3]
DOC = (ROOT / "docs" / "testing.md").read_text(encoding="utf-8")


@pytest.mark.plugins
def test_tutorial_examples_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    namespace: dict[str, object] = {}
    blocks = re.findall(r"```python\n(.*?)```", DOC, re.DOTALL)
    assert len(blocks) == 3
    for block in blocks[:2]:
        exec(compile(block, "docs/testing.md", "exec"), namespace)  # noqa: S102
    for name in ("test_jobs_look_like_jobs", "test_jobs_to_case"):
        test = namespace[name]
        settings(max_examples=10, deadline=None, database=None)(test)()  # type: ignore[operator]
    exec(compile(blocks[2], "docs/testing.md", "exec"), namespace)  # noqa: S102
    assert callable(namespace["test_spec_properties"])
