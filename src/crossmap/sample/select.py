"""Choosing a sample: a small, representative and *connected* slice of the source.

Generic: everything comes from the plan and the source schema.

- Objects are visited in wave order, each streamed once. Only the selection is kept.
- Features: for every source field a step reads, each value of an enumeration-like
  field (an ``Enum`` or ``Boolean`` in the source schema, or a field that goes
  through a value map), and null / non-null of the others; for a fan-out step,
  whether its nested list is empty.
- A record is *eligible* when every parent it looks up (by a plain field) is already
  selected. Among eligible records a greedy set cover picks records until every
  feature seen is covered; seeded hashes break ties, so the choice depends only on
  the source and the seed. A feature only records outside the selected parents have
  is *rescued*: one such record is taken and its parents follow (see closure).
- Filler: the eligible records with the lowest seeded hashes, up to a per-object
  quota (``size`` spread evenly over the objects).
- Closure: every lookup target of a selected record is selected, streaming a parent
  object again only when something is missing. Objects that only resolve blocks
  read are served whole (they are matched, not loaded).
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from attrs import frozen

from crossmap import schema as s
from crossmap.codegen.program import elements
from crossmap.compiler import Plan, Step
from crossmap.connectors import Source
from crossmap.engine.plan_reading import (
    FieldRef,
    ParentRef,
    mapped_fields,
    parent_refs,
    read_fields,
)

MAX_VALUES_PER_FIELD = 30
"""Distinct values of one field that count as features: beyond it the field is not
an enumeration in practice, and covering it would swallow the sample."""

Feature = tuple[str, str]
"""(field label, value or ``null`` / ``set`` / ``empty`` / ``some``)."""


@frozen
class Selection:
    """The chosen records per source object, in the source's order.

    ``whole``: objects served whole (read only by resolve blocks); ``features``:
    object → features covered; ``missing``: features seen in the source that no
    selected record covers; ``unresolved``: lookup keys the closure could not find
    in the source (their records will fail to load, as they would in a full run).
    """

    records: Mapping[str, Sequence[Mapping[str, Any]]]
    whole: frozenset[str]
    features: Mapping[str, frozenset[Feature]]
    missing: Mapping[str, frozenset[Feature]]
    unresolved: Mapping[str, frozenset[str]]
    seed: int
    size: int

    @property
    def total(self) -> int:
        """How many records were selected (objects served whole aside)."""
        return sum(len(records) for records in self.records.values())

    def counts(self) -> dict[str, int]:
        """Selected records per object."""
        return {obj: len(records) for obj, records in self.records.items()}


def step_objects(plan: Plan) -> list[str]:
    """Source objects of the plan's steps, in wave order."""
    order: dict[str, None] = {}
    for wave in plan.waves:
        for name in wave:
            order[plan.step(name).source] = None
    for step in plan.steps:  # steps in no wave (none today) still count
        order[step.source] = None
    return list(order)


def rank(seed: int, obj: str, key: str) -> int:
    """A record's seeded tie-break: stable across runs and Python processes."""
    digest = hashlib.blake2b(f"{seed}\0{obj}\0{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


class _ObjectPlan:
    """What the selector needs to know about one source object."""

    def __init__(self, plan: Plan, obj: str, source_schema: s.Schema) -> None:
        self.obj = obj
        self.steps: list[Step] = [step for step in plan.steps if step.source == obj]
        found = source_schema.find_object(obj)
        self.key_field = (found.key if found is not None else None) or "id"
        fields: dict[FieldRef, None] = {}
        enums: set[FieldRef] = set()
        parents: dict[ParentRef, None] = {}
        self.lists: set[tuple[str, ...]] = {step.path for step in self.steps if step.path}
        for step in self.steps:
            for ref in read_fields(step):
                fields[ref] = None
            enums |= mapped_fields(step)
            for parent in parent_refs(plan, step):
                parents[parent] = None
        self.parents = list(parents)
        self.fields = [f for f in fields if not (f.root == "record" and f.path == (self.key_field,))]
        self.enums = {f for f in self.fields if f in enums or _enum_like(found, source_schema, f)}
        self._described = [(f, f.label, f in self.enums) for f in self.fields]

    def key(self, record: Mapping[str, Any]) -> str | None:
        value = record.get(self.key_field)
        return None if value is None else str(value)

    def features(self, record: Mapping[str, Any], seen: dict[str, set[str]]) -> set[Feature]:
        """The record's features; ``seen`` counts distinct values per field (capped)."""
        out: set[Feature] = set()
        for ref, label, enum in self._described:
            for value in ref.values(record):
                if enum:
                    for item in value if isinstance(value, list | tuple) else [value]:
                        text = "null" if item is None else repr(item)
                        values = seen.setdefault(label, set())
                        if text in values or len(values) < MAX_VALUES_PER_FIELD:
                            values.add(text)
                            out.add((label, text))
                else:
                    out.add((label, "null" if value is None or value == "" or value == [] else "set"))
        for path in self.lists:
            out.add((".".join(path) + "[]", "some" if any(True for _ in elements(record, path)) else "empty"))
        return out

    def parent_keys(self, record: Mapping[str, Any]) -> list[tuple[str, str]]:
        """(parent object, key) of every non-null lookup key of the record."""
        keys = []
        for parent in self.parents:
            for value in parent.field.values(record):
                if value is not None and value != "":
                    keys.append((parent.parent_object, str(value)))
        return keys


def _enum_like(found: s.ObjectSchema | None, schema: s.Schema, ref: FieldRef) -> bool:
    """Is the field an enumeration or a boolean in the source schema?"""
    obj: s.ObjectSchema | None = found
    path = ref.path
    if ref.root == "element":
        # An element field lives in the nested list's own object.
        current = found
        for part in ref.list_path:
            field = current.fields.get(part) if current is not None else None
            current = schema.find_object(field.type.object) if field and isinstance(field.type, s.ListOf) else None
        obj = current
    if obj is None or len(path) != 1:
        return False
    field = obj.fields.get(path[0])
    return field is not None and isinstance(field.type, s.Enum | s.Boolean)


def select_sample(plan: Plan, source: Source, size: int = 200, *, seed: int = 0) -> Selection:
    """A connected, representative slice of about ``size`` records of ``source``."""
    if size < 1:
        raise ValueError(f"a sample needs a size of at least 1, not {size}")
    schema = source.schema()
    objects = step_objects(plan)
    whole = frozenset(r.source for r in plan.resolutions) - set(objects)
    plans = {obj: _ObjectPlan(plan, obj, schema) for obj in objects}
    quota = max(1, size // max(1, len(objects)))
    chosen: dict[str, dict[str, tuple[int, dict[str, Any]]]] = {obj: {} for obj in objects}
    features: dict[str, frozenset[Feature]] = {}
    missing: dict[str, frozenset[Feature]] = {}
    done: set[str] = set()
    for obj in objects:
        picked, covered, uncovered = _select_object(plans[obj], source, chosen, whole | (set(objects) - done),
                                                    quota, seed)
        done.add(obj)
        chosen[obj] = picked
        features[obj] = covered
        missing[obj] = uncovered
    unresolved = _close(plans, source, chosen, whole)
    return Selection(
        {obj: [record for _, record in sorted(chosen[obj].values(), key=lambda p: p[0])] for obj in objects},
        whole, features, missing, unresolved, seed, size,
    )


def _select_object(
    info: _ObjectPlan,
    source: Source,
    chosen: Mapping[str, Mapping[str, Any]],
    unconstrained: frozenset[str] | set[str],
    quota: int,
    seed: int,
) -> tuple[dict[str, tuple[int, dict[str, Any]]], frozenset[Feature], frozenset[Feature]]:
    """One streaming pass over an object: cover its features, then fill its quota.
    Lookups into ``unconstrained`` objects (served whole, or not chosen yet: a
    circular lookup) do not limit which records are eligible."""
    obj = info.obj
    seen: dict[str, set[str]] = {}
    # Per feature, the best-ranked eligible record having it, and the best-ranked
    # record outside the selected parents (a rescue candidate).
    best: dict[Feature, tuple[int, str]] = {}
    rescue: dict[Feature, tuple[int, str]] = {}
    candidates: dict[str, tuple[int, dict[str, Any], set[Feature]]] = {}
    filler: list[tuple[int, str]] = []  # a max-heap by rank (negated), bounded by quota
    kept: dict[str, tuple[int, dict[str, Any]]] = {}
    for position, record in enumerate(_stream(source, obj)):
        key = info.key(record)
        if key is None:
            continue
        order = rank(seed, obj, key)
        eligible = all(
            parent in unconstrained or parent == obj or parent_key in chosen.get(parent, {})
            for parent, parent_key in info.parent_keys(record)
        )
        feats = info.features(record, seen)
        table = best if eligible else rescue
        wanted = False
        for feature in feats:
            current = table.get(feature)
            if current is None or order < current[0]:
                table[feature] = (order, key)
                wanted = True
        if eligible:
            if len(filler) < quota:
                heapq.heappush(filler, (-order, key))
                wanted = True
            elif -filler[0][0] > order:
                heapq.heapreplace(filler, (-order, key))
                wanted = True
        if wanted:
            candidates[key] = (order, record, feats)
            kept[key] = (position, record)
        # Forget records no table or the filler points at any more: memory stays
        # bounded by the features and the quota.
        if len(kept) > 4 * (len(best) + len(rescue) + quota) + 64:
            live = {k for _, k in best.values()} | {k for _, k in rescue.values()} | {k for _, k in filler}
            kept = {k: v for k, v in kept.items() if k in live}
            candidates = {k: v for k, v in candidates.items() if k in live}
    picked: dict[str, tuple[int, dict[str, Any]]] = {}
    covered: set[Feature] = set()
    # Greedy set cover over the eligible candidates: the record covering most
    # uncovered features first, the lower rank on a tie.
    pool = {key for _, key in best.values()}
    while True:
        gains = [(len(candidates[k][2] - covered), -candidates[k][0], k) for k in pool]
        gains = [g for g in gains if g[0] > 0]
        if not gains:
            break
        _, _, key = max(gains)
        picked[key] = kept[key]
        covered |= candidates[key][2]
        pool.discard(key)
    for feature, (_, key) in sorted(rescue.items(), key=lambda item: item[1]):
        if feature not in covered and feature not in best:
            picked[key] = kept[key]
            covered |= candidates[key][2]
    for _, key in sorted(filler, reverse=True):
        if len(picked) >= quota:
            break
        picked.setdefault(key, kept[key])
    everything = set(best) | set(rescue)
    return picked, frozenset(covered), frozenset(everything - covered)


def _stream(source: Source, obj: str) -> Iterable[dict[str, Any]]:
    for page in source.extract(obj):
        yield from page


def _close(
    plans: Mapping[str, _ObjectPlan],
    source: Source,
    chosen: dict[str, dict[str, tuple[int, dict[str, Any]]]],
    whole: frozenset[str],
) -> dict[str, frozenset[str]]:
    """Add every lookup target of a selected record, until nothing is missing;
    returns the keys no source record has."""
    unresolved: dict[str, set[str]] = {}
    fresh = {obj: list(records.values()) for obj, records in chosen.items()}
    while True:
        needed: dict[str, set[str]] = {}
        for obj, added in fresh.items():
            for _, record in added:
                for parent, key in plans[obj].parent_keys(record):
                    if parent in whole or parent not in chosen or key in chosen[parent]:
                        continue
                    if key not in unresolved.get(parent, set()):
                        needed.setdefault(parent, set()).add(key)
        if not needed:
            break
        fresh = {}
        for parent in [obj for obj in plans if obj in needed]:
            wanted = needed[parent]
            found: list[tuple[int, dict[str, Any]]] = []
            for position, record in enumerate(_stream(source, parent)):
                found_key = plans[parent].key(record)
                if found_key is not None and found_key in wanted and found_key not in chosen[parent]:
                    chosen[parent][found_key] = (position, record)
                    found.append((position, record))
                    wanted.discard(found_key)
            unresolved.setdefault(parent, set()).update(wanted)
            fresh[parent] = found
    return {obj: frozenset(keys) for obj, keys in unresolved.items() if keys}
