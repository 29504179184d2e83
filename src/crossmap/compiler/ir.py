"""The typed expression tree of a plan: what the checker produces from the syntax
tree, and what the code generator and the reference evaluator consume.

Every node carries its ``type`` and the spec ``line`` it came from. Values of
constants are kept in JSON-ready form (``Const.text``), so a plan serialises
without custom hooks and reads back exactly.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from attrs import frozen

from crossmap.compiler.types import ValueType

OnErrorKind = Literal["fail", "null", "default"]


@frozen
class Const:
    """A literal. ``text`` holds the value as written canonically: strings as is,
    numbers, ISO dates and datetimes; ``None`` for null."""

    type: ValueType
    text: str | None

    @property
    def value(self) -> object:
        """The Python value."""
        text, kind = self.text, self.type.kind
        if text is None:
            return None
        if kind == "integer":
            return int(text)
        if kind == "decimal":
            return Decimal(text)
        if kind == "boolean":
            return text == "true"
        if kind == "date":
            return dt.date.fromisoformat(text)
        if kind == "datetime":
            return dt.datetime.fromisoformat(text)
        return text


@frozen
class Field:
    """A field of a record, by path from a root: ``root`` is ``record`` (the source
    record), ``element`` (the nested-list element of a fan-out step) or a local name
    (a ``let`` or a function parameter). Reading through a null gives null."""

    type: ValueType
    root: str
    path: tuple[str, ...] = ()


@frozen
class Index:
    """``value[key]``: a custom property by name, or a list element by position."""

    type: ValueType
    value: Expr
    key: Expr


@frozen
class Op:
    """An operator: unary ``not``/``neg``, arithmetic, comparison, membership,
    ``and``/``or`` (short-circuit) and ``??``."""

    type: ValueType
    op: str
    args: tuple[Expr, ...]


@frozen
class If:
    """``if test then then else otherwise``."""

    type: ValueType
    test: Expr
    then: Expr
    otherwise: Expr


@frozen
class OnError:
    """What a failing conversion does: fail the record, give null, or a default."""

    kind: OnErrorKind
    default: Expr | None = None


@frozen
class Call:
    """A call of a registered function (a ``def`` of the spec is inlined at its call
    sites instead). ``null_skips`` says, per argument, whether a null argument
    skips the call (the parameter does not admit null) and makes the result null,
    as far as the types know; ``null_guards`` says whether the parameter admits
    null at all. A value typed never-null can still be null (a schema inferred from
    a sample, a test record that leaves a field out): the call then skips too, on
    the slow path the generated code falls back to (null in, null out)."""

    type: ValueType
    function: str
    args: tuple[Expr, ...]
    keywords: tuple[tuple[str, Expr], ...] = ()
    null_skips: tuple[bool, ...] = ()
    on_error: OnError | None = None
    context: bool = False
    null_guards: tuple[bool, ...] = ()


@frozen
class MapValue:
    """A value map applied to a value."""

    type: ValueType
    valuemap: str
    value: Expr


LookupMissing = Literal["defer", "null", "fail", "fallback"]


@frozen
class Lookup:
    """The destination id of the record that ``step`` made from the source record
    with this key (or, for a resolve block, the matched destination record)."""

    type: ValueType
    step: str
    key: Expr
    missing: LookupMissing


@frozen
class ListOf:
    """A list literal."""

    type: ValueType
    items: tuple[Expr, ...]


@frozen
class RecordOf:
    """A record literal."""

    type: ValueType
    fields: tuple[tuple[str, Expr], ...]


ListTest = Literal["filter", "any", "all"]


@frozen
class Where:
    """``filter(list, x -> test)``: the elements for which ``test`` holds (a null
    list gives null); ``any``/``all``: whether it holds for some / every element (a
    null list has none). ``test`` reads the element as the local ``param``; a null
    test does not hold."""

    type: ValueType
    kind: ListTest
    value: Expr
    param: str
    test: Expr


Expr = Const | Field | Index | Op | If | Call | MapValue | Lookup | ListOf | RecordOf | Where
