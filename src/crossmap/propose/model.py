"""The proposal: matched objects and fields, proposed custom fields, value maps and
the open questions, as frozen values. ``draft`` turns one into .xmap text."""

from __future__ import annotations

from typing import Literal

import attrs
from attrs import frozen

Kind = Literal["field", "lookup", "key", "custom"]


@frozen
class ValueMapDraft:
    """A value map drafted from value overlap. ``entries`` pair source and
    destination values; ``unmatched`` are source values with no counterpart;
    ``otherwise`` is the ``else`` clause (``error``, ``keep`` or ``null``)."""

    name: str
    entries: tuple[tuple[str, str], ...]
    unmatched: tuple[str, ...]
    otherwise: Literal["error", "keep", "null"]


@frozen
class CustomField:
    """A custom field proposed on a destination object; ``declaration`` is its
    .xmap type and flags (``text(32) external unique``)."""

    name: str
    declaration: str
    label: str | None = None


@frozen
class FieldMatch:
    """One proposed assignment ``target = <expression of source>``.

    ``kind``: ``field`` (an existing destination field matched by score), ``lookup``
    (a reference matched through the object it points to), ``key`` (the proposed
    external id), ``custom`` (a proposed custom field). ``reasons`` say what the
    confidence rests on; ``lookup_object`` is the source object a lookup goes through.
    """

    source: str
    target: str
    confidence: float
    kind: Kind
    reasons: tuple[str, ...] = ()
    expression: str = ""
    lookup_object: str | None = None
    value_map: ValueMapDraft | None = None


@frozen
class Todo:
    """A decision left to a person: the text of its ``todo("...")``; ``target`` is
    the destination field it stands for, or None for a source field left unmapped."""

    message: str
    target: str | None = None


@frozen
class ObjectMatch:
    """A source object paired with a destination object.

    ``resolve`` means the destination records are expected to exist already (too many
    required fields no source field fills), so the draft matches them by ``resolve_by``
    (source field, destination field) instead of creating them.
    """

    source: str
    target: str
    confidence: float
    reasons: tuple[str, ...]
    fields: tuple[FieldMatch, ...] = ()
    custom_fields: tuple[CustomField, ...] = ()
    todos: tuple[Todo, ...] = ()
    upsert_key: str | None = None
    resolve: bool = False
    resolve_by: tuple[str, str] | None = None
    unfilled: tuple[str, ...] = ()
    """Required destination fields no source field fills (why a resolve is proposed)."""
    key_todo: str | None = None
    """The TODO standing for a ``key`` statement when the source object has no key
    field (nothing says which source record a destination record came from)."""
    skip: tuple[str, str] | None = None
    """``(condition, reason)`` of a ``skip when``: the source object is split between
    destination objects by a type column, and this mapping takes some of its records."""


@frozen
class Candidate:
    """A scored pair below the one-to-one cut or the threshold, kept to explain why
    a field went unmatched."""

    source: str
    target: str
    confidence: float


@frozen
class Proposal:
    """Everything ``crossmap propose`` drafts for one pair of systems."""

    source_system: str
    target_system: str
    source_profile: str
    target_profile: str
    threshold: float
    objects: tuple[ObjectMatch, ...]
    unmatched_objects: tuple[str, ...] = ()
    value_maps: tuple[ValueMapDraft, ...] = attrs.field(factory=tuple)
    source_options: tuple[tuple[str, str], ...] = ()
    target_options: tuple[tuple[str, str], ...] = ()
    """Connector options to write into the draft's header (``path``...)."""

    def pairs(self, *, kinds: tuple[Kind, ...] = ("field", "lookup", "key", "custom")) -> set[tuple[str, str, str, str]]:
        """(source object, source field, destination object, destination field) of
        every proposed assignment of the given kinds."""
        return {
            (o.source, f.source, o.target, f.target)
            for o in self.objects for f in o.fields if f.kind in kinds
        }
