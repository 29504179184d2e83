"""The schema model: fields, objects, and a whole system's schema.

Value objects (attrs ``@frozen``); "changing" one returns a new one. A connector builds
a ``Schema`` from what its system describes; a spec's declarations extend it with
``with_object`` / ``with_fields``.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Iterator, Mapping
from typing import Any as _Any
from typing import Protocol, TypeVar

import attrs
from attrs import frozen

from crossmap.schema.errors import UnknownFieldError, UnknownObjectError
from crossmap.schema.types import Boolean, FieldType, Id


@frozen
class FieldSchema:
    """One field of an object: its name, type and what the system lets a client do.

    ``nullable`` may be left empty; ``createable`` / ``updateable`` may be written on
    insert / update; ``defaulted_on_create`` gets a value from the system when left
    out; ``external_id`` can be an upsert key; ``relationship_name`` is the name a
    reference is navigated by (``Account`` for ``AccountId``).
    """

    name: str
    type: FieldType
    label: str | None = attrs.field(default=None, kw_only=True)
    nullable: bool = attrs.field(default=True, kw_only=True)
    createable: bool = attrs.field(default=True, kw_only=True)
    updateable: bool = attrs.field(default=True, kw_only=True)
    defaulted_on_create: bool = attrs.field(default=False, kw_only=True)
    external_id: bool = attrs.field(default=False, kw_only=True)
    unique: bool = attrs.field(default=False, kw_only=True)
    custom: bool = attrs.field(default=False, kw_only=True)
    relationship_name: str | None = attrs.field(default=None, kw_only=True)

    @property
    def required_on_create(self) -> bool:
        """Must an insert give this field a value? Createable, not nullable, not
        defaulted. Booleans never are: an absent boolean means false. The record's own
        id never is: the system assigns it."""
        return (
            self.createable
            and not self.nullable
            and not self.defaulted_on_create
            and not isinstance(self.type, Boolean | Id)
        )


class _Named(Protocol):
    @property
    def name(self) -> str: ...


_N = TypeVar("_N", bound=_Named)


def _by_name(kind: str, items: Mapping[str, _N] | Iterable[_N]) -> dict[str, _N]:
    # A list is the natural way to write a schema by hand; a mapping is what cattrs
    # hands back. Either way the key must be the item's own name.
    values = items.values() if isinstance(items, Mapping) else items
    by_name: dict[str, _N] = {}
    for item in values:
        if item.name in by_name:
            raise ValueError(f"{kind} {item.name!r} is declared twice")
        by_name[item.name] = item
    if isinstance(items, Mapping):
        for key, item in items.items():
            if key != item.name:
                raise ValueError(f"{kind} stored under {key!r} is named {item.name!r}")
    return by_name


def _fields_by_name(fields: Mapping[str, FieldSchema] | Iterable[FieldSchema]) -> dict[str, FieldSchema]:
    return _by_name("field", fields)


def _objects_by_name(objects: Mapping[str, ObjectSchema] | Iterable[ObjectSchema]) -> dict[str, ObjectSchema]:
    return _by_name("object", objects)


def _fold_index(names: Iterable[str]) -> dict[str, str]:
    index: dict[str, str] = {}
    for name in names:
        index.setdefault(name.casefold(), name)
    return index


@frozen
class ObjectSchema:
    """An object (a table, an sObject): its fields by name and what may be done to it.

    ``key`` names the field that identifies a record in its own system (``Id`` for
    Salesforce), when there is one.
    """

    name: str
    fields: Mapping[str, FieldSchema] = attrs.field(converter=_fields_by_name)
    label: str | None = attrs.field(default=None, kw_only=True)
    key: str | None = attrs.field(default=None, kw_only=True)
    custom: bool = attrs.field(default=False, kw_only=True)
    createable: bool = attrs.field(default=True, kw_only=True)
    updateable: bool = attrs.field(default=True, kw_only=True)
    deletable: bool = attrs.field(default=True, kw_only=True)
    inferred_from: int | None = attrs.field(default=None, kw_only=True)
    """How many records this schema was inferred from (a folder source without a
    schema file): its types, lengths and nullability are what that sample showed.
    ``None`` for a declared schema."""
    # Derived data (the case-folded index, compiled row validators), built on first use
    # and kept with the instance because the instance never changes.
    _cache: dict[_Any, _Any] = attrs.field(
        init=False, factory=dict, eq=False, repr=False, hash=False
    )

    def __attrs_post_init__(self) -> None:
        if self.key is not None and self.key not in self.fields:
            raise ValueError(f"key {self.key!r} is not a field of {self.name!r}")

    def field(self, name: str) -> FieldSchema:
        """The field called exactly ``name``; raises ``UnknownFieldError`` (with
        suggestions) when there is none."""
        try:
            return self.fields[name]
        except KeyError:
            raise UnknownFieldError(self.name, name, self.fields) from None

    def find_field(self, name: str) -> FieldSchema | None:
        """The field called ``name``, matched exactly or else case-insensitively (as
        Salesforce matches names); ``None`` when there is none."""
        found = self.fields.get(name)
        if found is not None:
            return found
        real = self.folded_names.get(name.casefold())
        return None if real is None else self.fields[real]

    @property
    def folded_names(self) -> Mapping[str, str]:
        """Case-folded field name → the field's real name."""
        index = self._cache.get("folded")
        if index is None:
            index = self._cache["folded"] = _fold_index(self.fields)
        return index

    def __iter__(self) -> Iterator[FieldSchema]:
        return iter(self.fields.values())

    @property
    def required_on_create(self) -> tuple[str, ...]:
        """Names of the fields an insert must set, in declaration order."""
        return tuple(f.name for f in self.fields.values() if f.required_on_create)

    @property
    def external_ids(self) -> tuple[str, ...]:
        """Names of the fields usable as upsert keys."""
        return tuple(f.name for f in self.fields.values() if f.external_id)

    def with_fields(self, fields: Iterable[FieldSchema]) -> ObjectSchema:
        """A copy with ``fields`` added, each replacing any field of the same name
        (compared case-insensitively, so a declaration may restate a system field)."""
        merged = dict(self.fields)
        for f in fields:
            existing = self.find_field(f.name)
            if existing is not None and existing.name != f.name:
                del merged[existing.name]
            merged[f.name] = f
        return attrs.evolve(self, fields=merged)


def _pairs(pairs: Iterable[Iterable[str]]) -> tuple[tuple[str, str], ...]:
    out = []
    for pair in pairs:
        first, second = pair
        out.append((str(first), str(second)))
    return tuple(out)


@frozen
class Schema:
    """A system's objects by name.

    ``new_object`` is what the system gives every object a spec declares (``object
    X { ... }``) before any declared field: Salesforce gives each custom object an
    ``Id``, a ``Name``, an ``OwnerId`` and the audit fields. The destination supplies
    it, so the compiler needs no system's rules; without it a declared object gets
    only the key field of the system's other objects. ``new_object_referrers`` names
    the ``(object, field)`` lookups that may also point at every declared object
    (Salesforce: ``Task.WhatId``, a polymorphic lookup to any object that allows
    activities). ``custom_suffix`` is what the system's custom field and object names
    end with (Salesforce: ``__c``), so the compiler's hints name a field to declare
    the way the destination will accept it."""

    objects: Mapping[str, ObjectSchema] = attrs.field(factory=dict, converter=_objects_by_name)
    new_object: ObjectSchema | None = None
    new_object_referrers: tuple[tuple[str, str], ...] = attrs.field(
        default=(), converter=_pairs)
    custom_suffix: str = ""
    _cache: dict[_Any, _Any] = attrs.field(
        init=False, factory=dict, eq=False, repr=False, hash=False
    )

    def object(self, name: str) -> ObjectSchema:
        """The object called ``name`` (exactly, else case-insensitively); raises
        ``UnknownObjectError`` with suggestions when there is none."""
        found = self.find_object(name)
        if found is None:
            raise UnknownObjectError(name, self.objects)
        return found

    def find_object(self, name: str) -> ObjectSchema | None:
        """The object called ``name``, exactly or else case-insensitively, or ``None``."""
        found = self.objects.get(name)
        if found is not None:
            return found
        index = self._cache.get("folded")
        if index is None:
            index = self._cache["folded"] = _fold_index(self.objects)
        real = index.get(name.casefold())
        return None if real is None else self.objects[real]

    def __contains__(self, name: builtins.object) -> bool:
        return isinstance(name, str) and self.find_object(name) is not None

    def __iter__(self) -> Iterator[ObjectSchema]:
        return iter(self.objects.values())

    def __len__(self) -> int:
        return len(self.objects)

    def with_object(self, obj: ObjectSchema) -> Schema:
        """A copy with ``obj`` added, replacing any object of the same name (compared
        case-insensitively)."""
        objects = dict(self.objects)
        existing = self.find_object(obj.name)
        if existing is not None:
            del objects[existing.name]
        objects[obj.name] = obj
        return Schema(objects, self.new_object, self.new_object_referrers, self.custom_suffix)

    def with_fields(self, object_name: str, fields: Iterable[FieldSchema]) -> Schema:
        """A copy in which ``object_name`` has ``fields`` added or replaced (how a
        spec's custom-field declarations extend a destination's schema)."""
        return self.with_object(self.object(object_name).with_fields(fields))

    def merged(self, other: Schema) -> Schema:
        """A copy extended by every object of ``other``: objects present in both get
        ``other``'s fields added to theirs; the rest of ``other``'s objects are added."""
        result = self
        for obj in other:
            mine = result.find_object(obj.name)
            if mine is None:
                result = result.with_object(obj)
            else:
                result = result.with_object(mine.with_fields(obj))
        return result
