"""The execution plan: what a checked spec compiles to.

Frozen attrs all the way down, serialisable with cattrs (``plan_to_dict`` /
``plan_from_dict`` round-trip exactly). The engine runs it; the code generator lowers
its steps to Python functions; ``crossmap plan`` prints it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from typing import Any, Literal

import cattrs
from attrs import frozen
from cattrs.strategies import configure_tagged_union

from crossmap import schema
from crossmap.compiler import ir

JsonValue = str | int | bool | None


@frozen
class ConnectorRef:
    """A connector named by the spec, with its options (JSON values)."""

    name: str
    options: Mapping[str, JsonValue] = {}


@frozen
class Binding:
    """``let name = value`` inside a step."""

    name: str
    value: ir.Expr
    line: int


@frozen
class Assignment:
    """How one destination field is computed. ``deferred``: the field is a lookup
    written in an update pass after its target loads (a self or circular lookup)."""

    field: str
    value: ir.Expr
    line: int
    deferred: bool = False


@frozen
class SkipRule:
    """Records for which ``when`` holds end as skipped with ``reason``."""

    when: ir.Expr
    reason: str
    line: int


@frozen
class FailRule:
    """Records for which ``when`` holds end as failed with ``reason`` (``fail when``);
    a null condition does not fail them."""

    when: ir.Expr
    reason: str
    line: int


@frozen
class DroppedAssignment:
    """A ``Field ?= expr`` left out because the destination does not let ``field`` be
    written by this step (``reason`` says why), kept so reports can show it."""

    field: str
    line: int
    reason: str


Statement = Binding | Assignment


@frozen
class Step:
    """One mapping block: source records (or the elements of a nested list of
    theirs) to rows of one destination object.

    ``key`` identifies the source record (or element) in the crosswalk; ``mode`` is
    ``insert`` or ``upsert`` on ``external_id``; ``on_delete`` is what a delta run
    does when the source record was deleted (``flag`` sets ``on_delete_field``).
    ``skips`` and ``fails`` are the record-level rules (tested in spec order, before
    the fields); ``dropped`` lists the ``?=`` assignments this destination does not
    allow.
    """

    name: str
    source: str
    target: str
    key: ir.Expr
    mode: Literal["insert", "upsert"]
    external_id: str | None
    body: tuple[Statement, ...]
    skips: tuple[SkipRule, ...] = ()
    path: tuple[str, ...] = ()
    alias: str | None = None
    depends_on: tuple[str, ...] = ()
    line: int = 0
    on_delete: Literal["delete", "ignore", "flag"] = "ignore"
    on_delete_field: str | None = None
    fails: tuple[FailRule, ...] = ()
    dropped: tuple[DroppedAssignment, ...] = ()

    @property
    def assignments(self) -> tuple[Assignment, ...]:
        return tuple(s for s in self.body if isinstance(s, Assignment))

    def rule_fails_at(self, line: int) -> bool:
        """Is there a ``fail when`` rule on this spec line (a failure the spec meant)?"""
        return any(rule.line == line for rule in self.fails)


@frozen
class Resolution:
    """A resolve block: source records matched to existing destination records.
    ``target_key`` is the destination field compared with ``source_key``, after the
    functions in ``target_transforms`` (innermost first) are applied to it."""

    name: str
    source: str
    target: str
    source_key: ir.Expr
    target_field: str
    target_transforms: tuple[str, ...]
    fallback: JsonValue
    updates: tuple[Statement, ...] = ()
    line: int = 0
    dropped: tuple[DroppedAssignment, ...] = ()


@frozen
class ValueMapPlan:
    """A value map as data: input → output pairs and what an unlisted input does.
    Values are typed constants, so a decimal or date input matches decimals or dates."""

    name: str
    entries: tuple[tuple[ir.Const, ir.Const], ...]
    otherwise: Literal["error", "keep", "default"]
    default: ir.Const | None = None
    reversible: bool = False
    line: int = 0

    def table(self) -> dict[object, object]:
        """Input value → output value."""
        return {i.value: o.value for i, o in self.entries}

    @property
    def default_value(self) -> object:
        return None if self.default is None else self.default.value


@frozen
class SpecTest:
    """A ``test`` block: source records given, destination rows expected (a partial
    match: only the listed fields are compared), or no row of an object at all
    (``None``). Records are record literals, evaluated when the test runs."""

    name: str
    givens: tuple[tuple[str, ir.Expr], ...]
    expects: tuple[tuple[str, ir.Expr | None], ...]
    line: int = 0


@frozen
class Declaration:
    """Fields the destination must have before any record moves: a new custom object
    (``new``) or fields added to an existing one."""

    object: str
    new: bool
    label: str | None
    fields: tuple[schema.FieldSchema, ...]


@frozen
class Plan:
    """A checked spec, ready to run.

    ``waves`` lists step names in dependency order: every step's lookups point at
    steps of earlier waves (or at resolutions, which run first); ``deferred`` names
    the ``step.field`` lookups filled in a later update pass (self or circular).
    """

    spec: str
    title: str | None
    source: ConnectorRef
    target: ConnectorRef
    declarations: tuple[Declaration, ...]
    value_maps: tuple[ValueMapPlan, ...]
    resolutions: tuple[Resolution, ...]
    steps: tuple[Step, ...]
    waves: tuple[tuple[str, ...], ...]
    deferred: tuple[str, ...] = ()
    tests: tuple[SpecTest, ...] = ()

    def step(self, name: str) -> Step:
        """The step called ``name``."""
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(name)

    @property
    def dropped(self) -> tuple[tuple[str, DroppedAssignment], ...]:
        """(step or resolution name, assignment) for every ``?=`` left out, in plan
        order: what a report lists as "not written in this destination"."""
        found = [(r.name, d) for r in self.resolutions for d in r.dropped]
        found += [(s.name, d) for s in self.steps for d in s.dropped]
        return tuple(found)


@cache
def _converter() -> cattrs.Converter:
    converter = cattrs.Converter(forbid_extra_keys=True)
    # JSON scalars (option values, value map entries) pass through as they are.
    converter.register_structure_hook_func(lambda tp: tp == JsonValue, lambda value, _: value)
    configure_tagged_union(ir.Expr, converter, tag_name="node")
    configure_tagged_union(Statement, converter, tag_name="statement")
    schema_converter = schema.make_converter()
    converter.register_unstructure_hook(
        schema.FieldSchema, lambda f: schema_converter.unstructure(f, schema.FieldSchema)
    )
    converter.register_structure_hook(
        schema.FieldSchema, lambda d, _: schema_converter.structure(d, schema.FieldSchema)
    )
    return converter


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """The plan as JSON-ready data."""
    data: dict[str, Any] = _converter().unstructure(plan)
    return data


def plan_from_dict(data: Mapping[str, Any]) -> Plan:
    """A plan back from ``plan_to_dict``'s output."""
    return _converter().structure(data, Plan)


def plan_to_json(plan: Plan) -> str:
    """The plan as indented JSON."""
    return json.dumps(plan_to_dict(plan), indent=2, ensure_ascii=False)
