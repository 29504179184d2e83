"""What a plan's steps read: the source fields behind each assignment and the
lookups that tie a record to its parents. Walks the IR; knows no system."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from attrs import frozen

from crossmap.codegen.program import elements
from crossmap.compiler import Plan, Step, ir
from crossmap.compiler.analysis import walk
from crossmap.compiler.plan import Assignment, Binding


@frozen
class FieldRef:
    """A source field a step reads: ``root`` is ``record`` or ``element`` (an element
    of the nested list at ``list_path`` of a fan-out step); ``path`` leads to it."""

    root: str
    path: tuple[str, ...]
    list_path: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """The field as a person reads it: ``status`` or ``status_history[].status``."""
        inner = ".".join(self.path)
        if self.root == "element":
            return ".".join(self.list_path) + "[]." + inner
        return inner

    def values(self, record: Mapping[str, Any], element: Mapping[str, Any] | None = None) -> list[object]:
        """The field's value in ``record`` (or ``element``); for an element field read
        without an element, its value in every element of the list."""
        if self.root == "record":
            return [dig(record, self.path)]
        if element is not None:
            return [dig(element, self.path)]
        return [dig(e, self.path) for e in elements(record, self.list_path)]


@frozen
class ParentRef:
    """A lookup keyed by a source field: records of ``step`` point at records of
    ``parent_object`` (the source object of the lookup's step) by ``field``."""

    field: FieldRef
    parent_step: str
    parent_object: str


def dig(value: Any, path: tuple[str, ...]) -> object:
    """``value[path[0]][path[1]]...``; reading through a null or a non-record gives null."""
    for part in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def nodes(expr: ir.Expr) -> Iterator[ir.Expr]:
    """Every node of an expression, the node first (the compiler's one walker)."""
    return walk(expr)


def field_refs(step: Step, expr: ir.Expr, bindings: Mapping[str, ir.Expr] | None = None) -> list[FieldRef]:
    """The source fields ``expr`` reads, following ``let`` names to their values."""
    bindings = bindings or {}
    found: dict[FieldRef, None] = {}
    for node in nodes(expr):
        if not isinstance(node, ir.Field):
            continue
        if node.root in ("record", "element") and node.path:
            found[FieldRef(node.root, node.path, step.path if node.root == "element" else ())] = None
        elif node.root in bindings:
            for ref in field_refs(step, bindings[node.root], {k: v for k, v in bindings.items() if k != node.root}):
                found[ref] = None
    return list(found)


def bindings_of(step: Step) -> dict[str, ir.Expr]:
    """The step's ``let`` names and their values."""
    return {s.name: s.value for s in step.body if isinstance(s, Binding)}


def assignment_sources(step: Step) -> dict[str, list[FieldRef]]:
    """Destination field → the source fields its value is computed from."""
    lets = bindings_of(step)
    return {a.field: field_refs(step, a.value, lets) for a in step.assignments}


def read_fields(step: Step) -> list[FieldRef]:
    """Every source field the step reads: assignments, skip and fail rules, and its key."""
    lets = bindings_of(step)
    exprs: list[ir.Expr] = [a.value for a in step.assignments]
    exprs += [rule.when for rule in step.skips] + [rule.when for rule in step.fails]
    exprs.append(step.key)
    found: dict[FieldRef, None] = {}
    for expr in exprs:
        for ref in field_refs(step, expr, lets):
            found[ref] = None
    return list(found)


def mapped_fields(step: Step) -> set[FieldRef]:
    """Source fields whose values go through a value map (an enumeration, whatever
    the source schema says)."""
    lets = bindings_of(step)
    found: set[FieldRef] = set()
    for statement in step.body:
        if not isinstance(statement, Assignment):
            continue
        for node in nodes(statement.value):
            if isinstance(node, ir.MapValue):
                found.update(field_refs(step, node.value, lets))
    return found


def parent_refs(plan: Plan, step: Step) -> list[ParentRef]:
    """The lookups of ``step`` keyed by a plain source field, to other steps (a
    resolve block's lookups are left out: its records are matched, not loaded)."""
    steps = {s.name: s for s in plan.steps}
    lets = bindings_of(step)
    found: dict[ParentRef, None] = {}
    for assignment in step.assignments:
        for node in nodes(assignment.value):
            if not isinstance(node, ir.Lookup) or node.step not in steps:
                continue
            key = node.key
            if isinstance(key, ir.Field) and key.root in lets:
                key = lets[key.root]
            if isinstance(key, ir.Field) and key.root in ("record", "element") and key.path:
                ref = FieldRef(key.root, key.path, step.path if key.root == "element" else ())
                found[ParentRef(ref, node.step, steps[node.step].source)] = None
    return list(found)
