"""The types of expressions, as the type checker sees them.

One small frozen class with a ``kind`` tag rather than a class per type: types are
compared, joined and serialised far more than they are dispatched on, and a single
class keeps the plan's JSON form flat.
"""

from __future__ import annotations

import datetime as dt
import decimal
import types
import typing
from collections.abc import Callable
from typing import Literal

import attrs
from attrs import frozen

from crossmap import schema

Kind = Literal[
    "string", "integer", "decimal", "boolean", "date", "datetime", "time",
    "list", "record", "id", "blob", "null", "any",
]


@frozen
class ValueType:
    """The type of a value an expression can produce.

    - ``length``: the longest a string can be, when known;
    - ``values``: the values a string can take, when known (a source enum, a value
      map's outputs, a literal) — what picklist checks rely on;
    - ``element``: a list's element type; ``object``: a record's source object;
    - ``targets``: for ``id``, the destination objects the id can belong to.
    """

    kind: Kind
    nullable: bool = False
    length: int | None = None
    values: tuple[str, ...] | None = None
    element: ValueType | None = None
    object: str | None = None
    targets: tuple[str, ...] = ()

    def null(self, nullable: bool = True) -> ValueType:
        """This type, nullable (or not)."""
        return self if self.nullable == nullable else attrs.evolve(self, nullable=nullable)

    def __str__(self) -> str:
        text: str = self.kind
        if self.kind == "string" and self.values is not None and len(self.values) == 1:
            text = f"the string {self.values[0]!r}"
        elif self.kind == "string" and self.values is not None:
            shown = ", ".join(repr(v) for v in self.values[:4])
            text = f"one of {shown}{', ...' if len(self.values) > 4 else ''}"
        elif self.kind == "string" and self.length is not None:
            text = f"string({self.length})"
        elif self.kind == "list" and self.element is not None:
            text = f"list of {self.element}"
        elif self.kind == "record" and self.object:
            text = f"record of {self.object}"
        elif self.kind == "id" and self.targets:
            text = f"id of {'|'.join(self.targets)}"
        return f"{text} or null" if self.nullable and self.kind != "null" else text


STRING = ValueType("string")
INTEGER = ValueType("integer")
DECIMAL = ValueType("decimal")
BOOLEAN = ValueType("boolean")
DATE = ValueType("date")
DATETIME = ValueType("datetime")
TIME = ValueType("time")
BLOB = ValueType("blob")
NULL = ValueType("null", nullable=True)
ANY = ValueType("any", nullable=True)
RECORD = ValueType("record")

NUMERIC = frozenset({"integer", "decimal"})


def join(a: ValueType, b: ValueType) -> ValueType:
    """The type of a value that is either an ``a`` or a ``b`` (if/else, ``??``)."""
    nullable = a.nullable or b.nullable
    if a.kind == "null":
        return b.null()
    if b.kind == "null":
        return a.null()
    if a.kind == b.kind:
        length = None if a.length is None or b.length is None else max(a.length, b.length)
        values = None if a.values is None or b.values is None else tuple(dict.fromkeys(a.values + b.values))
        targets = tuple(dict.fromkeys(a.targets + b.targets))
        return attrs.evolve(a, nullable=nullable, length=length, values=values, targets=targets)
    if {a.kind, b.kind} == NUMERIC:
        return ValueType("decimal", nullable)
    return ValueType("any", nullable=True)


def assignable(value: ValueType, to: ValueType) -> bool:
    """Whether a value of type ``value`` may be used where ``to`` is expected,
    ignoring nullability (checked separately, with its own message)."""
    if to.kind == "any" or value.kind in ("any", "null"):
        return True
    if value.kind == "integer" and to.kind == "decimal":
        return True
    if value.kind != to.kind:
        return False
    if value.kind == "list" and value.element is not None and to.element is not None:
        return assignable(value.element, to.element)
    return True


# ---- from schema field types ----------------------------------------------------------


def from_field_type(field_type: schema.FieldType, *, nullable: bool) -> ValueType:
    """The type a field of a schema holds, when read."""
    convert = _FROM_FIELD.get(type(field_type))
    value = convert(field_type) if convert is not None else ANY
    return value.null(nullable or value.nullable)


def _from_enum(t: schema.FieldType) -> ValueType:
    assert isinstance(t, schema.Enum)
    if t.multi:
        return ValueType("list", element=STRING)
    # Only a restricted enum's values are all the values there can be; an open one
    # (a dropdown whose removed options live on in old records) may hold others.
    return ValueType("string", values=tuple(t.values) if t.restricted else None)


_FROM_FIELD: dict[type, Callable[[schema.FieldType], ValueType]] = {
    schema.String: lambda t: ValueType("string", length=t.max_length),  # type: ignore[union-attr]
    schema.Text: lambda t: ValueType("string", length=t.max_length),  # type: ignore[union-attr]
    schema.Integer: lambda t: INTEGER,
    schema.Numeric: lambda t: DECIMAL,
    schema.Boolean: lambda t: BOOLEAN,
    schema.Date: lambda t: DATE,
    schema.DateTime: lambda t: DATETIME,
    schema.Time: lambda t: TIME,
    schema.Enum: _from_enum,
    # A source reference holds the key of the record it refers to.
    schema.Reference: lambda t: STRING,
    schema.ListOf: lambda t: ValueType("list", element=ValueType("record", object=t.object)),  # type: ignore[union-attr]
    schema.Blob: lambda t: BLOB,
    schema.Id: lambda t: STRING,
    schema.Untyped: lambda t: ANY,
}


# ---- from Python type hints (functions) -----------------------------------------------

_FROM_PYTHON: dict[object, ValueType] = {
    str: STRING,
    int: INTEGER,
    decimal.Decimal: DECIMAL,
    bool: BOOLEAN,
    dt.date: DATE,
    dt.datetime: DATETIME,
    dt.time: TIME,
    bytes: BLOB,
    # ``object`` is "any value but null", as crossmap.functions reads hints.
    object: ValueType("any"),
    typing.Any: ANY,
    type(None): NULL,
}


def from_python(hint: object) -> ValueType | None:
    """The value type of a Python type hint, or None if crossmap cannot use it."""
    if hint in _FROM_PYTHON:
        return _FROM_PYTHON[hint]
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        members = [a for a in args if a is not type(None)]
        nullable = len(members) != len(args)
        if len(members) == 1:
            inner = from_python(members[0])
            return None if inner is None else inner.null(nullable or inner.nullable)
        return ANY
    if origin is list and len(args) == 1:
        element = from_python(args[0])
        return None if element is None else ValueType("list", element=element)
    if origin is dict or hint is dict:
        return RECORD
    return None
