"""What the migration does not carry: features to rebuild natively in the destination.

Two parts. The source connector knows its own product (an optional
``native_gaps(counts)`` capability returning :class:`Gap` values: recurring
appointments, scheduling rules...). The generic part needs no knowledge of either
system: source objects the spec maps nowhere, and source fields no step reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from attrs import frozen

from crossmap import schema as s
from crossmap.compiler import Plan, ir
from crossmap.compiler.analysis import fields_read
from crossmap.connectors.protocols import GapReportingSource, capability


@frozen
class Gap:
    """One thing that will not exist in the destination after the run: ``count`` of
    source records it concerns (``None`` when the source cannot say), and what to
    rebuild it with."""

    title: str
    detail: str
    count: int | None = None
    rebuild_with: str | None = None


@frozen
class UnmappedFields:
    """Fields of a mapped source object that no step or resolve block reads."""

    object: str
    fields: tuple[str, ...]


def mapped_objects(plan: Plan) -> set[str]:
    """Source objects a step or a resolve block reads."""
    return {step.source for step in plan.steps} | {r.source for r in plan.resolutions}


def unmapped_objects(plan: Plan, source_schema: s.Schema, counts: Mapping[str, int]) -> list[Gap]:
    """A gap per source object the spec maps nowhere (with its record count)."""
    mapped = {name.casefold() for name in mapped_objects(plan)}
    gaps = []
    for obj in source_schema:
        if obj.name.casefold() in mapped or nested_only(obj, source_schema):
            continue
        gaps.append(Gap(
            f"{obj.label or obj.name} is not migrated",
            f"the spec maps source object '{obj.name}' nowhere; its records stay behind",
            counts.get(obj.name), "a mapping block, or an export kept outside the destination",
        ))
    return gaps


def nested_only(obj: s.ObjectSchema, source_schema: s.Schema) -> bool:
    """Objects that only describe nested lists of another object (a job's status
    history) are read through their parent, never extracted on their own."""
    for other in source_schema:
        for f in other:
            if isinstance(f.type, s.ListOf) and f.type.object == obj.name:
                return True
    return False


def unmapped_fields(plan: Plan, source_schema: s.Schema) -> list[UnmappedFields]:
    """For each mapped source object, the top-level fields nothing reads."""
    read: dict[str, set[str]] = {}
    for step in plan.steps:
        fields = read.setdefault(step.source, set())
        if step.path:
            fields.add(step.path[0])
        nodes: list[ir.Expr] = [step.key, *(rule.when for rule in step.skips), *(rule.when for rule in step.fails)]
        nodes += [st.value for st in step.body]
        for node in nodes:
            fields.update(record_fields(node))
    for resolution in plan.resolutions:
        read.setdefault(resolution.source, set()).update(record_fields(resolution.source_key))
        for st in resolution.updates:
            read[resolution.source].update(record_fields(st.value))
    out = []
    for name in sorted(read):
        obj = source_schema.find_object(name)
        if obj is None:
            continue
        unread = tuple(f.name for f in obj if f.name not in read[name] and f.name != obj.key)
        if unread:
            out.append(UnmappedFields(obj.name, unread))
    return out


def record_fields(node: ir.Expr) -> set[str]:
    """Top-level source-record fields an expression reads (``record.x...`` → ``x``)."""
    return {path[0] for _, path in fields_read(node)}


def source_gaps(source: object, counts: Mapping[str, int]) -> list[Gap]:
    """The source connector's own gaps (its optional ``native_gaps(counts)``), as
    :class:`Gap` values whatever class the connector used."""
    native = capability(source, GapReportingSource)
    if native is None:
        return []
    found: Iterable[Any] = native.native_gaps(counts)
    return [g if isinstance(g, Gap) else Gap(str(g.title), str(g.detail), getattr(g, "count", None),
                                             getattr(g, "rebuild_with", None)) for g in found]
