"""docs/schema.md's examples run, in order, in one namespace (the Salesforce section's
use the plugin: marked ``plugins``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[3] / "docs" / "schema.md"


@pytest.mark.plugins
def test_every_python_example_in_the_schema_docs_runs() -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    assert len(blocks) >= 8
    namespace: dict[str, object] = {}
    for number, block in enumerate(blocks, 1):
        code = compile(block, f"{DOC}:example-{number}", "exec")
        exec(code, namespace)  # noqa: S102 - our own documentation
