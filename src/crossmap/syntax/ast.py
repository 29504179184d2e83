"""The syntax tree of a spec. Every node is frozen and carries the ``Span`` it came
from; spans are left out of equality, so trees compare by meaning, not layout.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal as Lit
from typing import TypeVar

from attrs import field, frozen

from crossmap.errors import NO_SPAN, Span

_span = field(eq=False, repr=False, kw_only=True, default=NO_SPAN)
_T = TypeVar("_T")

# ---- expressions -----------------------------------------------------------------

LiteralValue = str | int | Decimal | bool | None | dt.date | dt.datetime


@frozen
class Literal:
    """A string, number, boolean, null, date (``@2024-01-02``) or datetime."""

    # Compare by type too: 1, 1.0, True and Decimal("1") are different literals.
    value: LiteralValue = field(eq=lambda v: (type(v), v))
    span: Span = _span

    @property
    def kind(self) -> str:
        value = self.value
        if value is None:
            return "null"
        if isinstance(value, bool):
            return "boolean"
        if isinstance(value, int):
            return "integer"
        if isinstance(value, Decimal):
            return "decimal"
        if isinstance(value, dt.datetime):
            return "datetime"
        if isinstance(value, dt.date):
            return "date"
        return "string"


@frozen
class Name:
    """A reference to a field of the record being mapped, a ``let`` or a parameter."""

    name: str
    span: Span = _span


@frozen
class Attr:
    """``value.name``: a nested field."""

    value: Expr
    name: str
    span: Span = _span


@frozen
class Index:
    """``value[key]``: a custom property or list element."""

    value: Expr
    key: Expr
    span: Span = _span


@frozen
class Unary:
    """``not x`` or ``-x``."""

    op: Lit["not", "-"]
    operand: Expr
    span: Span = _span


BinaryOp = Lit["+", "-", "*", "/", "%", "==", "!=", "<", ">", "<=", ">=", "in", "not in", "and", "or", "??"]


@frozen
class Binary:
    """Arithmetic, comparison, membership, ``and``/``or`` and ``??`` (null-coalescing)."""

    op: BinaryOp
    left: Expr
    right: Expr
    span: Span = _span


@frozen
class Cond:
    """``if test then then else otherwise``."""

    test: Expr
    then: Expr
    otherwise: Expr
    span: Span = _span


@frozen
class Fail:
    """The ``fail`` policy as an argument value (``on_error: fail``)."""

    span: Span = _span


@frozen
class Lambda:
    """``item -> item.qty > 0``: a condition on each element of a list, as the
    argument of ``filter``, ``any`` or ``all``."""

    param: str
    body: Expr
    span: Span = _span


@frozen
class Keyword:
    """A named argument: ``tz: "UTC"``."""

    name: str
    value: Expr
    span: Span = _span


@frozen
class Call:
    """A call of a standard-library or user function; ``x | f(a)`` is ``f(x, a)``
    with ``piped=True`` (kept so the formatter writes it back as a pipe)."""

    func: str
    args: tuple[Expr, ...]
    keywords: tuple[Keyword, ...] = ()
    piped: bool = False
    span: Span = _span


MissingPolicy = Lit["defer", "null", "fail", "fallback"]


@frozen
class Lookup:
    """``lookup(Source, key)``: the destination Id of the record mapped from the
    ``Source`` record with that key, through the crosswalk. ``target`` picks the
    mapping when ``Source`` is mapped to several objects."""

    source: str
    key: Expr
    target: str | None = None
    missing: MissingPolicy | None = None
    span: Span = _span


@frozen
class ListExpr:
    """``[a, b, c]``."""

    items: tuple[Expr, ...]
    span: Span = _span


@frozen
class RecordField:
    """``name: value`` inside a record literal."""

    name: str
    value: Expr
    span: Span = _span


@frozen
class RecordExpr:
    """``{ name: value, ... }``: a record literal, used by tests."""

    fields: tuple[RecordField, ...]
    span: Span = _span


Expr = Literal | Name | Attr | Index | Unary | Binary | Cond | Fail | Call | Lookup | ListExpr | RecordExpr | Lambda

# ---- header ------------------------------------------------------------------------


@frozen
class Version:
    """``xmap 1``: the language version the spec is written in."""

    number: int
    span: Span = _span


@frozen
class Title:
    """``migration "Title"``."""

    text: str
    span: Span = _span


@frozen
class Option:
    """``name = value`` in a connector's options block."""

    name: str
    value: Expr
    span: Span = _span


@frozen
class Connector:
    """``source NAME { options }`` or ``target NAME { options }``."""

    role: Lit["source", "target"]
    name: str
    options: tuple[Option, ...] = ()
    span: Span = _span


@frozen
class Include:
    """``include "path.xmap"``: value maps and functions shared between specs."""

    path: str
    span: Span = _span


# ---- destination schema declarations -----------------------------------------------


@frozen
class TypeRef:
    """A declared field type: ``text(32)``, ``picklist restricted ["A", "B"]``,
    ``currency(16, 2)``, ``lookup(Case)``..."""

    name: str
    args: tuple[int | str, ...] = ()
    values: tuple[str, ...] = ()
    restricted: bool = False
    span: Span = _span


@frozen
class FieldDecl:
    """``Name__c: type flags...`` in an ``object`` or ``extend`` block."""

    name: str
    type: TypeRef
    required: bool = False
    external_id: bool = False
    unique: bool = False
    label: str | None = None
    span: Span = _span


@frozen
class ObjectDecl:
    """``object X "Label" { fields }`` (a new custom object) or ``extend X { fields }``
    (custom fields added to an existing object)."""

    name: str
    fields: tuple[FieldDecl, ...]
    new: bool
    label: str | None = None
    span: Span = _span


# ---- value maps ---------------------------------------------------------------------


@frozen
class ValueMapEntry:
    """``"in1", "in2" -> "out"``."""

    inputs: tuple[Literal, ...]
    output: Literal
    span: Span = _span


@frozen
class ValueMapElse:
    """What a value map does with an input it does not list: ``error`` (the record
    fails), ``keep`` (the input passes through), or a default value."""

    kind: Lit["error", "keep", "default"]
    default: Literal | None = None
    span: Span = _span


@frozen
class ValueMap:
    """``valuemap name [reversible] { entries; else ... }``."""

    name: str
    entries: tuple[ValueMapEntry, ...]
    otherwise: ValueMapElse | None = None
    reversible: bool = False
    span: Span = _span


# ---- statements inside blocks ----------------------------------------------------------


@frozen
class Assign:
    """``Field = expr``: how one destination field is computed. ``Field ?= expr``
    (``optional``) writes it only where the destination lets it be written; where it
    does not, the compiler leaves the assignment out with a warning."""

    field: str
    value: Expr
    optional: bool = False
    span: Span = _span


@frozen
class Let:
    """``let name = expr``: a local binding, usable by later statements."""

    name: str
    value: Expr
    span: Span = _span


@frozen
class KeyStmt:
    """``key expr``: the source key identifying a record (default: ``id``)."""

    value: Expr
    span: Span = _span


@frozen
class LoadMode:
    """``insert`` or ``upsert on External_Id__c``."""

    mode: Lit["insert", "upsert"]
    external_id: str | None = None
    span: Span = _span


@frozen
class Skip:
    """``skip when expr [because "reason"]``: records for which ``expr`` holds are
    recorded as skipped, with the reason."""

    when: Expr
    reason: str | None = None
    span: Span = _span


@frozen
class FailWhen:
    """``fail when expr [because "reason"]``: records for which ``expr`` holds are
    recorded as failed, with the reason; the run goes on."""

    when: Expr
    reason: str | None = None
    span: Span = _span


@frozen
class After:
    """``after customers, jobs.status_history``: this mapping loads after the
    mappings of those source objects (or nested lists), though no lookup needs them."""

    sources: tuple[str, ...]
    span: Span = _span


@frozen
class By:
    """``by source_expr = destination_expr``: how a resolve block matches."""

    source: Expr
    target: Expr
    span: Span = _span


@frozen
class Fallback:
    """``fallback expr``: the destination record used when no match is found,
    identified by the same key as the ``by`` clause's destination side."""

    value: Expr
    span: Span = _span


@frozen
class OnDelete:
    """``on delete delete|ignore|flag Field``: what a delta run does with the
    destination record of a source record that was deleted."""

    action: Lit["delete", "ignore", "flag"]
    field: str | None = None
    span: Span = _span


MapStmt = Assign | Let | KeyStmt | LoadMode | Skip | FailWhen | OnDelete | After
ResolveStmt = Assign | Let | KeyStmt | By | Fallback


@frozen
class Mapping:
    """``map Source[.path] [as alias] -> Destination { ... }``.

    With a path (``Job.assignments``), one destination row is produced per element
    of that nested list; ``alias`` names the element.
    """

    source: str
    target: str
    body: tuple[MapStmt, ...]
    path: tuple[str, ...] = ()
    alias: str | None = None
    span: Span = _span


@frozen
class Resolve:
    """``resolve Source -> Destination { by ...; fallback ... }``: match source
    records to existing destination records; never create them."""

    source: str
    target: str
    body: tuple[ResolveStmt, ...]
    span: Span = _span


@frozen
class FunctionDef:
    """``def name(a, b) { expr }``: a spec-local function."""

    name: str
    params: tuple[str, ...]
    body: Expr
    span: Span = _span


@frozen
class Given:
    """``given Object { ... }``: a source record a test starts from."""

    object: str
    record: RecordExpr
    span: Span = _span


@frozen
class Expect:
    """``expect Object { ... }`` (a row with at least these values) or
    ``expect no Object`` (``record`` is None)."""

    object: str
    record: RecordExpr | None
    span: Span = _span


@frozen
class Test:
    """``test "name" { given ...; expect ... }``."""

    name: str
    givens: tuple[Given, ...]
    expects: tuple[Expect, ...]
    span: Span = _span


Item = Version | Title | Connector | Include | ObjectDecl | ValueMap | Resolve | Mapping | FunctionDef | Test


@frozen
class Spec:
    """A parsed ``.xmap`` file: its items in file order."""

    items: tuple[Item, ...]
    span: Span = _span

    def of_type(self, kind: type[_T]) -> tuple[_T, ...]:
        """The items of one kind, in file order."""
        return tuple(item for item in self.items if isinstance(item, kind))

    @property
    def title(self) -> str | None:
        titles = self.of_type(Title)
        return titles[0].text if titles else None

    def connector(self, role: str) -> Connector | None:
        """The ``source`` or ``target`` declaration, if any."""
        return next((c for c in self.of_type(Connector) if c.role == role), None)
