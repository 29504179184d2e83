"""The core knows no Salesforce (issue 25, item 3): no string in ``src/crossmap/``
names one of Salesforce's error codes (those in ``crossmap_salesforce``'s own tables:
``violations.CODES`` and ``hints.HINTS``) or holds Salesforce's custom-name suffix
``__c``. A destination supplies its codes, messages, hints and naming rules through
its ``ErrorVocabulary`` and ``DestinationHints`` (docs/architecture.md).

Docstrings and comments may mention Salesforce's names as examples; code may not.
``ALLOWED`` lists what is left today, each with its reason: every entry must still be
found (so the list only shrinks), and nothing new may appear.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "crossmap"

ALLOWED: dict[tuple[str, str], str] = {}
"""(file under src/crossmap, the code or ``__c``) → why it is still there."""


def _salesforce_codes() -> set[str]:
    violations = pytest.importorskip("crossmap_salesforce.violations")
    hints = pytest.importorskip("crossmap_salesforce.hints")
    codes = set(violations.CODES.values()) | set(hints.HINTS)
    # crossmap's own codes (CROSSMAP_*), which Salesforce's table also hints at.
    return {code for code in codes if not code.startswith("CROSSMAP_")}


def _strings(tree: ast.AST) -> list[ast.Constant]:
    """The string constants of the code: docstrings (and other bare strings) left out."""
    bare = {id(node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)}
    return [node for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in bare]


def _found(codes: set[str]) -> dict[tuple[str, str], list[int]]:
    words = re.compile(r"\b(" + "|".join(sorted(codes, key=len, reverse=True)) + r")\b|(__c)\b")
    found: dict[tuple[str, str], list[int]] = {}
    for path in sorted(SRC.rglob("*.py")):
        where = str(path.relative_to(SRC))
        for node in _strings(ast.parse(path.read_text(encoding="utf-8"))):
            for match in words.finditer(node.value):
                found.setdefault((where, match.group(0)), []).append(node.lineno)
    return found


def test_the_core_names_no_salesforce_code_and_no_custom_suffix() -> None:
    found = _found(_salesforce_codes())
    new = {f"{where}:{lines[0]}: {word}" for (where, word), lines in found.items() if (where, word) not in ALLOWED}
    assert not new, ("Salesforce's words in the core: let the destination supply them (ErrorVocabulary, "
                     "NamingRules):\n" + "\n".join(sorted(new)))
    gone = set(ALLOWED) - set(found)
    assert not gone, f"gone, so take them out of ALLOWED: {sorted(gone)}"


def test_the_scan_finds_what_it_looks_for() -> None:
    tree = ast.parse('"""STRING_TOO_LONG in a docstring is fine."""\nX = "STRING_TOO_LONG"\nY = f"{x}__c"\n')
    assert [n.value for n in _strings(tree)] == ["STRING_TOO_LONG", "__c"]
