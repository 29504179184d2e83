"""The dependency graph of steps: waves in load order, and deferred lookups.

A step depends on the steps its lookups go through (their targets must be loaded
first, so the crosswalk knows their ids). Lookups within a cycle — a self lookup
(a job's parent job) or steps that refer to each other — cannot be ordered; they
become deferred: written in an update pass once everything has loaded.
"""

from __future__ import annotations

from collections.abc import Iterable
from graphlib import TopologicalSorter

import attrs

from crossmap.compiler import ir
from crossmap.compiler.analysis import find_all
from crossmap.compiler.plan import Assignment, Step


def strongly_connected(nodes: Iterable[str], edges: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm, iteratively (no recursion limit on long chains)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[set[str]] = []
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(sorted(edges.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                components.append(component)
    return components


def order(steps: tuple[Step, ...]) -> tuple[tuple[Step, ...], tuple[tuple[str, ...], ...], tuple[str, ...]]:
    """(steps with cyclic lookups marked deferred, waves of step names, deferred
    ``step.field`` names)."""
    names = [s.name for s in steps]
    edges = {s.name: {d for d in s.depends_on if d in names} for s in steps}
    cyclic: dict[str, set[str]] = {}
    for component in strongly_connected(names, edges):
        for name in component:
            inside = edges[name] & component
            if inside:
                cyclic[name] = inside
    updated = []
    deferred: list[str] = []
    for step in steps:
        targets = cyclic.get(step.name)
        if not targets:
            updated.append(step)
            continue
        body = tuple(
            attrs.evolve(s, deferred=True)
            if isinstance(s, Assignment) and _looks_up(s.value, targets)
            else s
            for s in step.body
        )
        deferred.extend(f"{step.name}.{s.field}" for s in body if isinstance(s, Assignment) and s.deferred)
        updated.append(attrs.evolve(step, body=body))
    sorter = TopologicalSorter({name: edges[name] - cyclic.get(name, set()) for name in names})
    sorter.prepare()
    waves = []
    while sorter.is_active():
        batch = set(sorter.get_ready())
        ready = tuple(n for n in names if n in batch)
        waves.append(ready)
        sorter.done(*ready)
    return tuple(updated), tuple(waves), tuple(deferred)


def _looks_up(node: ir.Expr, targets: set[str]) -> bool:
    return any(lookup.step in targets for lookup in find_all(node, ir.Lookup))
