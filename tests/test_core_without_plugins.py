"""The core's tests need no plugin (issue 25): they pass with ``crossmap_qdispatch``
and ``crossmap_salesforce`` unimportable.

The check runs the core's test folders in a child pytest whose ``sys.modules`` holds
``None`` for both plugin packages, so any import of them raises ``ImportError``, and
whose ``importlib.metadata.entry_points`` leaves out theirs, as if the plugins were
not installed.
Tests there that exercise the flagship on purpose (the docs' examples) are marked
``plugins`` and deselected. The property tests run with few examples in the child:
they run in full in the suite itself, and the child is here for imports and schemas,
not for coverage. Measured on the shared two-core machine: about 20 s of CPU,
under a minute of wall time at the busiest.

The test folders not run twice (state, the testing kit) are held to the same rule
by a scan of their imports and strings; the run folders are scanned too, which
also catches an import that only a deselected test would reach.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLUGINS = ("crossmap_qdispatch", "crossmap_salesforce")

RUN = (
    "tests/unit/compiler",
    "tests/unit/syntax",
    "tests/unit/schema",
    "tests/unit/functions",
    "tests/unit/errors",
    "tests/unit/spectest",
    "tests/unit/connectors",
    "tests/unit/test_after.py",
    "tests/unit/test_allocator.py",
    "tests/unit/test_fail_when.py",
    "tests/unit/test_fingerprint.py",
    "tests/unit/test_optional_assign.py",
    "tests/unit/test_private_files.py",
    "tests/unit/test_redact.py",
)
"""The core's test folders and modules the child runs: the compiler and code
generator, syntax, schema, functions, errors, the spec-test runner, the built-in
connectors, and the engine's unit tests."""

SCANNED_ONLY = ("tests/unit/state", "tests/unit/testing")

BOOTSTRAP = f"""
import importlib.metadata
import sys
for name in {PLUGINS!r}:
    sys.modules[name] = None

# As if not installed: their entry points are not listed either.
_listed = importlib.metadata.entry_points
def _without_plugins(**params):
    found = _listed(**params)
    if not isinstance(found, importlib.metadata.EntryPoints):
        return found
    return importlib.metadata.EntryPoints(
        e for e in found if e.value.partition(":")[0].partition(".")[0] not in {PLUGINS!r})
importlib.metadata.entry_points = _without_plugins
try:
    import crossmap_salesforce  # noqa: F401
except ImportError:
    pass
else:
    sys.exit("the plugins were not made unimportable")
import pytest

class PluginFree:
    def pytest_configure(self, config):
        # Imported here, after pytest's assertion rewriting is set up.
        from crossmap.connectors import available
        if "salesforce" in available("target") or "qdispatch" in available("source"):
            pytest.exit("the plugins' entry points are still listed", returncode=3)
        # Few examples and no timing checks: the child is here for imports and
        # schemas, on a machine the suite keeps busy.
        from hypothesis import HealthCheck, settings
        settings.register_profile("plugin-free", max_examples=5, deadline=None,
                                  suppress_health_check=[HealthCheck.too_slow])
        settings.load_profile("plugin-free")

sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", "-m", "not plugins", *sys.argv[1:]],
                     plugins=[PluginFree()]))
"""


def test_the_core_tests_pass_with_the_plugins_unimportable() -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in {"CROSSMAP_UPDATE_GOLDEN", "PYTEST_ADDOPTS", "PYTEST_PLUGINS"}}
    result = subprocess.run([sys.executable, "-c", BOOTSTRAP, *RUN], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=600, check=False)
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert " passed" in summary and "error" not in summary and "failed" not in summary, summary


def _marked_plugins(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(ast.unparse(d).endswith("mark.plugins") for d in node.decorator_list)


def _plugin_uses(tree: ast.AST, inside_marked: bool = False) -> list[tuple[int, str]]:
    """(line, what) of each import of a plugin package and each string naming one,
    outside functions marked ``plugins``."""
    found: list[tuple[int, str]] = []
    for node in ast.iter_child_nodes(tree):
        marked = inside_marked or (isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
                                   and _marked_plugins(node))
        if not marked:
            if isinstance(node, ast.Import):
                found += [(node.lineno, f"import {a.name}") for a in node.names
                          if a.name.partition(".")[0] in PLUGINS]
            elif isinstance(node, ast.ImportFrom) and (node.module or "").partition(".")[0] in PLUGINS:
                found.append((node.lineno, f"from {node.module} import ..."))
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                found += [(node.lineno, f"the string {node.value[:60]!r}") for p in PLUGINS if p in node.value]
        found += _plugin_uses(node, marked)
    return found


def test_no_core_test_imports_a_plugin_outside_a_test_marked_plugins() -> None:
    files: list[Path] = []
    for entry in (*RUN, *SCANNED_ONLY):
        path = ROOT / entry
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    assert len(files) > 50  # the folders are where this test thinks they are
    offenders = [f"{path.relative_to(ROOT)}:{line}: {what}"
                 for path in files
                 for line, what in _plugin_uses(ast.parse(path.read_text(encoding="utf-8")))]
    assert offenders == [], (
        "a core test uses a plugin; give it a schema of its own (tests/fixtures/schemas), "
        "move it to tests/salesforce or tests/qdispatch, or mark it `plugins`:\n" + "\n".join(offenders)
    )


def test_the_scan_finds_a_plugin_import_and_spares_a_marked_test() -> None:
    source = (
        "import crossmap_salesforce.describe\n"
        "from crossmap_qdispatch import schema\n"
        "PATH = 'src/crossmap_salesforce/standard_objects'\n"
        "@pytest.mark.plugins\n"
        "def test_x():\n"
        "    from crossmap_salesforce import hints\n"
    )
    assert [line for line, _ in _plugin_uses(ast.parse(source))] == [1, 2, 3]


def test_the_architecture_page_says_how_to_run_them_so() -> None:
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = page.partition("## The core's tests without the plugins")[2]
    assert "tests/test_core_without_plugins.py" in section and "`plugins`" in section
    for folder in ("tests/fixtures/compile", "tests/fixtures/schemas", "tests/qdispatch", "tests/salesforce"):
        assert f"`{folder}`" in section and (ROOT / folder).is_dir(), folder
    # The command it gives blocks both plugins and deselects the marked tests.
    assert all(f"sys.modules['{p}']" in section for p in PLUGINS) and "'not plugins'" in section
