"""One exception hierarchy with unique names (issue 25): no two exception classes
in src/ share a name, and every error a user of the core can catch is a
``CrossmapError`` exported from ``crossmap`` itself."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from collections import defaultdict
from pathlib import Path

import crossmap

SRC = Path(__file__).resolve().parents[1] / "src"
WORKFLOW = ("crossmap.testing", "crossmap.demo", "crossmap.cli", "crossmap.preflight", "crossmap.sample",
            "crossmap.propose", "crossmap.verify")


def _exception_classes() -> dict[str, list[str]]:
    """Class name -> the modules defining a class of that name that derives from an
    exception (by its bases' names: ``...Error``, ``...Exception``, ``Exception``)."""
    found: dict[str, list[str]] = defaultdict(list)
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ClassDef):
                continue
            bases = [b.id if isinstance(b, ast.Name) else b.attr if isinstance(b, ast.Attribute) else ""
                     for b in node.bases]
            if any(b.endswith(("Error", "Exception")) for b in bases):
                found[node.name].append(str(path.relative_to(SRC)))
    return found


def test_no_two_exception_classes_share_a_name() -> None:
    shared = {name: places for name, places in _exception_classes().items()
              if len(places) > 1 and not name.startswith("_")}
    assert not shared, f"exception classes with one name in several modules: {shared}"


def test_the_core_errors_are_crossmap_errors_exported_from_crossmap() -> None:
    public_errors = set()
    for module_info in pkgutil.walk_packages(crossmap.__path__, "crossmap."):
        # The workflow commands' errors are caught where their commands are called
        # (crossmap.preflight, crossmap.sample, crossmap.propose export them).
        if module_info.name.startswith(WORKFLOW) or module_info.name.endswith("__main__"):
            continue
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            if (inspect.isclass(value) and issubclass(value, crossmap.CrossmapError)
                    and value.__module__ == module.__name__ and not name.startswith("_")):
                public_errors.add(name)
    missing = sorted(public_errors - set(crossmap.__all__))
    assert not missing, f"CrossmapError subclasses a user cannot import from crossmap: {missing}"
