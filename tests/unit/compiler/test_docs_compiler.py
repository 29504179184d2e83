"""The Python examples of docs/compiler.md run, and every compiler code the
compiler can raise is in its table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
DOC = (ROOT / "docs" / "compiler.md").read_text(encoding="utf-8")


@pytest.mark.plugins
def test_python_examples_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    namespace: dict[str, object] = {}
    blocks = re.findall(r"```python\n(.*?)```", DOC, re.DOTALL)
    assert len(blocks) >= 2
    for block in blocks:
        exec(compile(block, "docs/compiler.md", "exec"), namespace)  # noqa: S102
    assert "plan" in namespace and "step" in namespace
    # The failure the example's comment shows is the one it gives.
    shown = re.search(r"^# (Failed\(.*?\))$", DOC, re.MULTILINE | re.DOTALL)
    assert shown is not None
    documented = " ".join(shown.group(1).replace("#", " ").split())
    assert documented.replace('"', "'") == repr(namespace["failed"]).replace('"', "'")


def test_every_code_is_documented() -> None:
    used = set()
    for path in (ROOT / "src" / "crossmap").rglob("*.py"):
        used |= set(re.findall(r'"(XM2\d\d)"', path.read_text(encoding="utf-8")))
    documented = set(re.findall(r"^\| (XM2\d\d) \|", DOC, re.MULTILINE))
    assert used - documented == set()
