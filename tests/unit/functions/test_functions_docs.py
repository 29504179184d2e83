"""docs/functions.md documents every standard function with the signature the
compiler reports, and its .xmap examples parse and call functions correctly."""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import cast

import attrs
import pytest

from crossmap.functions import STANDARD, describe, signature
from crossmap.syntax import ast, parse

DOC = Path(__file__).resolve().parents[3] / "docs" / "functions.md"
TEXT = DOC.read_text(encoding="utf-8")

_HEADING = re.compile(r"^### `(\w+)`\n`([^`\n]+)`\n", re.MULTILINE)
_EXAMPLE = re.compile(r"^```xmap\n(.*?)^```$", re.MULTILINE | re.DOTALL)

DOCUMENTED = dict(_HEADING.findall(TEXT))
EXAMPLES = _EXAMPLE.findall(TEXT)


def test_every_standard_function_is_documented_with_its_signature() -> None:
    assert sorted(DOCUMENTED) == sorted(STANDARD)
    wrong = {name: line for name, line in DOCUMENTED.items() if line != describe(name)}
    assert not wrong, f"signatures in the doc differ from describe(): {wrong}"


def test_every_function_has_an_example() -> None:
    sections = re.split(r"^### ", TEXT, flags=re.MULTILINE)[1:]
    without = [s.split("`")[1] for s in sections if "```xmap" not in s]
    assert not without, f"no example for {without}"


def _calls(node: object) -> list[ast.Call]:
    found: list[ast.Call] = []
    if isinstance(node, ast.Call):
        found.append(node)
    if attrs.has(type(node)):
        for attribute in attrs.fields(cast("type[attrs.AttrsInstance]", type(node))):
            found.extend(_calls(getattr(node, attribute.name)))
    elif isinstance(node, tuple):
        for item in node:
            found.extend(_calls(item))
    return found


@pytest.mark.parametrize("example", EXAMPLES, ids=[f"example{i}" for i in range(len(EXAMPLES))])
def test_examples_parse_and_call_standard_functions_correctly(example: str) -> None:
    spec = parse(f"xmap 1\nmap records -> Target {{\n{example}}}\n", path="functions.md")
    calls = _calls(spec)
    assert calls, "an example that calls no function"
    for call in calls:
        assert call.func in STANDARD, f"{call.func} is not a standard function"
        keywords = {k.name: None for k in call.keywords if k.name != "on_error"}
        if signature(call.func).needs_context:
            keywords["context"] = None
        # Raises TypeError on a wrong number or name of arguments.
        inspect.signature(STANDARD[call.func]).bind(*call.args, **keywords)
