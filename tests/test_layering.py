"""The layering of docs/architecture.md, checked against the imports of src/.

Each part of ``crossmap`` has a rank; an import may point at a part of a lower rank,
or inside its own part, never up and never sideways within a rank except where
the table says so. The core imports no plugin. ``KNOWN`` lists the arrows that break
the rules today: each must still exist (so the list only shrinks as they are
mended), and no new one may appear.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
DOC = Path(__file__).resolve().parents[1] / "docs" / "architecture.md"

RANKS: dict[str, int] = {
    "errors": 0, "private_files": 0, "exitcodes": 0,
    "schema": 1, "syntax": 1, "state": 1, "functions": 1,
    "compiler": 2, "connectors": 2,
    "codegen": 3, "systems": 3, "reports": 3,
    "engine": 4, "spectest": 4, "progress": 4,
    "preflight": 5, "sample": 5, "propose": 5, "verify": 5, "testing": 5,
    "cli": 6, "__main__": 7,
}
"""The parts of ``crossmap`` and their ranks, lowest first. A part is a subpackage or
a top-level module; ``crossmap/__init__.py`` (the everyday API) may import any."""

SIDEWAYS = {("sample", "preflight")}
"""Arrows allowed between parts of one rank: the sample reuses preflight's checks."""

PLUGINS = ("crossmap_salesforce", "crossmap_qdispatch")

KNOWN: set[tuple[str, str]] = set()


def _part(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] in PLUGINS:
        return parts[0]
    if parts[0] != "crossmap" or len(parts) == 1 or parts[1] == "__init__":
        return None  # crossmap/__init__.py, the everyday API, may import any part
    return parts[1]


def _imports() -> dict[tuple[str, str], list[str]]:
    """(importing part, imported part) -> the files with such an import."""
    arrows: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in sorted((SRC / "crossmap").rglob("*.py")):
        module = ".".join(path.relative_to(SRC).with_suffix("").parts)
        here = _part(module)
        if here is None:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                # `from crossmap import schema` imports the part crossmap.schema.
                targets = ([f"crossmap.{a.name}" for a in node.names] if node.module == "crossmap"
                           else [node.module])
            for target in targets:
                there = _part(target)
                if there is not None and there != here:
                    arrows[here, there].append(str(path.relative_to(SRC)))
    return arrows


def _breaks_the_rules(here: str, there: str) -> bool:
    if there in PLUGINS:
        return True
    if here not in RANKS or there not in RANKS:
        return True  # a new part must be given its rank
    return RANKS[there] > RANKS[here] or (RANKS[there] == RANKS[here] and (here, there) not in SIDEWAYS)


def test_imports_point_down_only() -> None:
    arrows = _imports()
    broken = {arrow for arrow in arrows if _breaks_the_rules(*arrow)}
    new = {f"{a} -> {b} ({', '.join(sorted(set(arrows[a, b])))})" for a, b in broken - KNOWN}
    assert not new, "imports that point up, sideways, at a plugin or from a part without a rank:\n" + "\n".join(sorted(new))
    mended = KNOWN - broken
    assert not mended, f"mended, so take them out of KNOWN: {sorted(mended)}"


def test_every_part_has_a_rank() -> None:
    parts = {p.stem if p.is_file() else p.name for p in (SRC / "crossmap").iterdir()
             if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").exists()}
    assert parts - set(RANKS) == set(), "give each new part its rank in RANKS and in docs/architecture.md"


def test_the_parts_do_not_import_each_other_in_a_cycle() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    for here, there in _imports():
        graph[here].add(there)
    seen: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        seen[node] = 1
        for nxt in sorted(graph[node]):
            if seen.get(nxt) == 1:
                cycle = path[path.index(nxt):] + [nxt] if nxt in path else [node, nxt]
                if tuple(cycle[:2]) not in KNOWN and (cycle[-2], cycle[-1]) not in KNOWN:
                    raise AssertionError(f"an import cycle: {' -> '.join(cycle)}")
            elif nxt not in seen:
                visit(nxt, [*path, nxt])
        seen[node] = 2

    for start in sorted(graph):
        if start not in seen:
            visit(start, [start])


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return ((isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
            or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"))


def _runtime_imports(body: list[ast.stmt]) -> list[ast.Import | ast.ImportFrom]:
    """Every import that runs: at module level and inside functions (a lazy import is
    still a dependency), but not under ``if TYPE_CHECKING:`` (read by mypy only)."""
    found: list[ast.Import | ast.ImportFrom] = []
    for node in body:
        if isinstance(node, ast.If) and _is_type_checking(node):
            found.extend(_runtime_imports(node.orelse))
        elif isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        else:
            children = [c for c in ast.iter_child_nodes(node) if isinstance(c, ast.stmt)]
            children += [s for h in getattr(node, "handlers", []) for s in h.body]
            found.extend(_runtime_imports(children))
    return found


def module_graph(package: str, *, through_the_package: bool) -> dict[str, set[str]]:
    """Module -> the modules of ``package`` it imports at run time. ``from p import m``
    imports the module ``p.m``; with ``through_the_package`` it also reads the package
    ``p`` itself (its ``__init__``, which may still be running: the loop a module makes
    by importing its siblings through a package whose ``__init__`` imports it)."""
    modules: dict[str, Path] = {}
    for path in sorted((SRC / package).rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path

    def known(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        here = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in _runtime_imports(ast.parse(path.read_text(encoding="utf-8")).body):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                if node.level:
                    anchor = here.rsplit(".", node.level - 1)[0] if node.level > 1 else here
                    base = f"{anchor}.{base}" if base else anchor
                targets = [f"{base}.{alias.name}" for alias in node.names]
                if through_the_package or not all(known(t) == t for t in targets):
                    targets.append(base)
            graph[name] |= {t for t in map(known, targets) if t is not None and t != name}
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = [stack.pop()]
            while component[-1] != node:
                component.append(stack.pop())
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def test_no_import_cycle_inside_a_plugin() -> None:
    """Inside ``crossmap_salesforce`` and ``crossmap_qdispatch`` no module imports
    another that leads back to it, counting a sibling imported through the package
    (``from crossmap_salesforce.emulator import rest``) as a read of the package's
    ``__init__``: the emulator's ``__init__`` imports the runner, the runner the
    server, the server every handler, so such a handler closed a loop."""
    for package in PLUGINS:
        graph = module_graph(package, through_the_package=True)
        assert len(graph) > 10, package
        assert import_cycles(graph) == [], f"import cycles in {package}"
    assert "Inside each plugin no module imports another" in DOC.read_text(encoding="utf-8")


def test_no_import_cycle_between_the_modules_of_the_core() -> None:
    """The core's modules import each other without a loop (``from crossmap.compiler
    import ir`` is an import of ``crossmap.compiler.ir``); the parts' ranks above keep
    the packages themselves in order."""
    graph = module_graph("crossmap", through_the_package=False)
    assert len(graph) > 100
    assert import_cycles(graph) == []


def test_the_cycle_finder_finds_a_loop_through_a_package() -> None:
    graph = {"p": {"p.runner"}, "p.runner": {"p.server"}, "p.server": {"p.rest"}, "p.rest": {"p"},
             "p.errors": set()}
    assert import_cycles(graph) == [["p", "p.rest", "p.runner", "p.server"]]
    assert import_cycles({**graph, "p.rest": {"p.errors"}}) == []


def test_only_the_cli_imports_click() -> None:
    """Library code never prints nor exits: click, and with it the command line's
    parsing, printing and exit codes, stays in ``crossmap/cli/`` (and ``__main__``)."""
    found = []
    for path in sorted((SRC / "crossmap").rglob("*.py")):
        relative = path.relative_to(SRC / "crossmap")
        if relative.parts[0] in ("cli", "__main__.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(name.split(".")[0] == "click" for name in names):
                found.append(str(relative))
    assert not found, f"library modules importing click (move the command into crossmap/cli/): {found}"
    text = DOC.read_text(encoding="utf-8")
    assert "Only `cli` imports click" in text


def test_the_architecture_page_states_the_same_ranks() -> None:
    text = DOC.read_text(encoding="utf-8")
    table = dict(re.findall(r"^\| (\d) \| ([^|]+) \|", text, re.MULTILINE))
    stated = {part.strip(" `"): int(rank) for rank, parts in table.items() for part in parts.split(",")}
    assert stated == RANKS
