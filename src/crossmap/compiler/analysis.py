"""Questions asked of a plan's expressions, answered in one place: the compiler's one
walker over the expression tree, in the way sqlglot's expressions offer ``walk`` and
``find_all``. A new kind of node is added to :func:`children` and every question
sees it; no other module walks the tree (``tests/unit/compiler/test_analysis.py``
holds them to it).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TypeVar

from crossmap.compiler import ir

N = TypeVar("N")


def children(node: ir.Expr) -> Iterable[ir.Expr]:
    """The direct sub-expressions of a node."""
    if isinstance(node, ir.Index):
        return (node.value, node.key)
    if isinstance(node, ir.Op):
        return node.args
    if isinstance(node, ir.If):
        return (node.test, node.then, node.otherwise)
    if isinstance(node, ir.Call):
        extra = (node.on_error.default,) if node.on_error and node.on_error.default is not None else ()
        return (*node.args, *(v for _, v in node.keywords), *extra)
    if isinstance(node, ir.MapValue):
        return (node.value,)
    if isinstance(node, ir.Lookup):
        return (node.key,)
    if isinstance(node, ir.ListOf):
        return node.items
    if isinstance(node, ir.RecordOf):
        return tuple(v for _, v in node.fields)
    if isinstance(node, ir.Where):
        return (node.value, node.test)
    return ()


def walk(node: ir.Expr, *, into_lookups: bool = True) -> Iterator[ir.Expr]:
    """Every node of an expression, each before its children (iteratively: no
    recursion limit on deep expressions). Without ``into_lookups`` a lookup's key is
    not entered (its value is an id, not a value the record carries into a row)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if into_lookups or not isinstance(current, ir.Lookup):
            stack.extend(reversed(tuple(children(current))))


def find_all(node: ir.Expr, kind: type[N]) -> Iterator[N]:
    """The nodes of ``node`` of one kind, in walk order."""
    for found in walk(node):
        if isinstance(found, kind):
            yield found


def fields_read(node: ir.Expr, bindings: Mapping[str, ir.Expr] | None = None, *,
                roots: tuple[str, ...] = ("record",), into_lookups: bool = True) -> set[tuple[str, tuple[str, ...]]]:
    """The fields an expression reads, as ``(root, path)`` pairs (``record``: the
    source record; ``element``: a fan-out's element), following ``let`` names
    (``bindings``) to their values, each once."""
    bindings = bindings or {}
    found: set[tuple[str, tuple[str, ...]]] = set()
    pending, expanded = [node], set()
    while pending:
        for current in walk(pending.pop(), into_lookups=into_lookups):
            if not isinstance(current, ir.Field):
                continue
            if current.root in roots and current.path:
                found.add((current.root, current.path))
            elif current.root in bindings and current.root not in expanded:
                expanded.add(current.root)
                pending.append(bindings[current.root])
    return found
