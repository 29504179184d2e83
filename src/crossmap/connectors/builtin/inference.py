"""Inferring an object's schema from the records seen in a file.

Used when a folder connector is given no schema file: each field's type comes from
the JSON values it holds in the first lines (str → ``String``, int → ``Integer``,
float → ``Decimal``, bool → ``Boolean``, an object or a list → ``Any``); a field that
is missing from some record or null in one is nullable. Types that disagree widen
(int with float is ``Decimal``; anything else mixed is ``Any``).

The schema says it was inferred (``ObjectSchema.inferred_from``, the sample's size):
the compiler then tells the user once, and groups the length warnings the unknown
lengths of its strings cause. Nothing at run time trusts it with a crash: a null or
a value of another type after the sample gives null or fails its record.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Mapping
from typing import Any

from crossmap.schema import Any as AnyType
from crossmap.schema import Boolean, Decimal, FieldSchema, FieldType, Integer, ObjectSchema, String

SAMPLE_SIZE = 1000
"""How many records of each object are looked at."""

# Checked in order: bool before int, because bool is a subclass of int.
_KINDS: tuple[tuple[type | tuple[type, ...], str], ...] = (
    (bool, "boolean"),
    (int, "integer"),
    ((float, decimal.Decimal), "decimal"),
    (str, "string"),
)

_TYPES: dict[str, FieldType] = {
    "boolean": Boolean(),
    "integer": Integer(),
    "decimal": Decimal(),
    "string": String(),
}


def _kind(value: object) -> str:
    for python_type, kind in _KINDS:
        if isinstance(value, python_type):
            return kind
    return "any"


class SchemaSampler:
    """Accumulates the kinds of value each field holds over a sample of records."""

    def __init__(self) -> None:
        self._kinds: dict[str, set[str]] = {}
        self._nullable: set[str] = set()
        self._count = 0

    def add(self, record: Mapping[str, Any]) -> None:
        """Take one record into account."""
        for name in self._kinds.keys() - record.keys():
            self._nullable.add(name)
        for name, value in record.items():
            kinds = self._kinds.get(name)
            if kinds is None:
                kinds = self._kinds[name] = set()
                if self._count:
                    self._nullable.add(name)  # absent from the records before this one
            if value is None:
                self._nullable.add(name)
            else:
                kinds.add(_kind(value))
        self._count += 1

    def object_schema(self, name: str, key: str | None) -> ObjectSchema:
        """The schema of object ``name``; ``key`` is used when it is one of its fields."""
        fields = []
        for field_name, kinds in self._kinds.items():
            if kinds == {"integer", "decimal"}:
                kinds = {"decimal"}
            field_type = _TYPES.get(next(iter(kinds)), AnyType()) if len(kinds) == 1 else AnyType()
            nullable = field_name in self._nullable or not kinds
            fields.append(FieldSchema(field_name, field_type, nullable=nullable))
        return ObjectSchema(name, fields, key=key if key in self._kinds else None, inferred_from=self._count)


def infer_object(name: str, records: Iterable[Mapping[str, Any]], key: str | None) -> ObjectSchema:
    """The schema of ``name`` from (at most ``SAMPLE_SIZE`` of) ``records``."""
    sampler = SchemaSampler()
    for count, record in enumerate(records):
        if count >= SAMPLE_SIZE:
            break
        sampler.add(record)
    return sampler.object_schema(name, key)
