"""docs/api.md: every Python block runs, in order in one namespace, and prints the
text block that follows it."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
EXAMPLE = re.compile(r"<!-- api-example -->\n```python\n(?P<code>.*?)```\n\n```text\n(?P<out>.*?)```", re.DOTALL)


def test_every_example_prints_what_the_page_says() -> None:
    examples = list(EXAMPLE.finditer(DOC.read_text(encoding="utf-8")))
    assert len(examples) >= 3
    namespace: dict[str, object] = {}
    for example in examples:
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(example["code"], str(DOC), "exec"), namespace)  # noqa: S102
        assert printed.getvalue() == example["out"], example["code"]
