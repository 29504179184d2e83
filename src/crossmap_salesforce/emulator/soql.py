"""SOQL parsing: text → a small frozen AST (grammar in ``soql.lark``).

Parse errors become ``MALFORMED_QUERY`` with the row, column and a caret under the
offending token, as Salesforce reports them.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

from attrs import field, frozen
from lark import Lark, Token, Transformer, Tree, UnexpectedInput, v_args
from lark.exceptions import VisitError

from crossmap_salesforce.emulator.errors import OrgError


@frozen
class Path:
    """A field, possibly through parent relationships: ``Account.Owner.Name``."""

    parts: tuple[str, ...]

    def __str__(self) -> str:
        return ".".join(self.parts)


@frozen
class DateFn:
    """A date function of a date or datetime field: ``CALENDAR_YEAR(CloseDate)``.
    ``alias`` names it in a select list (not part of its identity)."""

    func: str
    path: Path
    alias: str | None = field(default=None, eq=False)

    def __str__(self) -> str:
        return f"{self.func}({self.path})"


@frozen
class Aggregate:
    """``COUNT()``, ``COUNT(f)``, ``COUNT_DISTINCT(f)``, ``MAX``, ``MIN``, ``SUM``,
    ``AVG``, with an optional alias (not part of its identity)."""

    func: str
    arg: Path | DateFn | None
    alias: str | None = field(default=None, eq=False)

    def __str__(self) -> str:
        return f"{self.func}({'' if self.arg is None else self.arg})"


@frozen
class FieldsMacro:
    """``FIELDS(ALL)``, ``FIELDS(STANDARD)`` or ``FIELDS(CUSTOM)``."""

    kind: str


@frozen
class SubQuery:
    """A nested SELECT: a child relationship in a select list, or the object of a
    semi-join (``Id IN (SELECT AccountId FROM Contact)``)."""

    fields: tuple[Any, ...]
    source: str
    where: Any | None
    order: tuple[OrderItem, ...] = ()
    limit: int | None = None


@frozen
class Literal:
    """A value in a condition. ``kind``: string, number, date, datetime, null,
    boolean."""

    kind: str
    value: Any


@frozen
class Compare:
    """``lhs op value``; ``op`` is one of = != < <= > >= like in notin, or
    semi_in / semi_notin with one :class:`SubQuery` as its value."""

    path: Path | DateFn | Aggregate
    op: str
    values: tuple[Any, ...]


@frozen
class BoolOp:
    """``and`` / ``or`` of conditions, or ``not`` of one."""

    op: str
    items: tuple[Any, ...]


@frozen
class OrderItem:
    """One ``ORDER BY`` key."""

    path: Path | DateFn | Aggregate
    descending: bool
    nulls_last: bool


@frozen
class Query:
    """A parsed SELECT."""

    fields: tuple[Any, ...]
    object: str
    where: Any | None
    order: tuple[OrderItem, ...]
    limit: int | None
    offset: int | None
    group: tuple[Path | DateFn, ...] = ()
    having: Any | None = None


def _unquote(text: str) -> str:
    body = text[1:-1]
    escapes = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "'": "'", '"': '"',
               "\\": "\\", "%": "\\%", "_": "\\_"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(1)), body)


def _month_start(day: date, months: int) -> date:
    """The first day of the month ``months`` after (or before) ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _period(today: date, unit: str, offset: int, count: int = 1) -> tuple[date, date]:
    """``count`` whole weeks (Sunday first), months, quarters or years, starting
    ``offset`` periods from the current one."""
    if unit == "DAY":
        start = today + timedelta(days=offset)
        return start, start + timedelta(days=count - 1)
    if unit == "WEEK":
        sunday = today - timedelta(days=today.isoweekday() % 7)
        start = sunday + timedelta(weeks=offset)
        return start, start + timedelta(weeks=count, days=-1)
    months = {"MONTH": 1, "QUARTER": 3, "YEAR": 12}[unit]
    if unit == "QUARTER":
        base = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    elif unit == "YEAR":
        base = date(today.year, 1, 1)
    else:
        base = date(today.year, today.month, 1)
    start = _month_start(base, offset * months)
    return start, _month_start(start, count * months) - timedelta(days=1)


def date_range(word: str, today: date) -> tuple[date, date]:
    """The days a date literal covers (SOQL and SOSL Reference, "Date Formats and
    Date Literals"): ``TODAY``, ``THIS_MONTH``, ``LAST_N_DAYS:30``, … Weeks start on
    Sunday; the fiscal year is the calendar year."""
    word = word.upper().replace("FISCAL_", "")
    fixed = {"TODAY": ("DAY", 0), "YESTERDAY": ("DAY", -1), "TOMORROW": ("DAY", 1)}
    if word in fixed:
        unit, offset = fixed[word]
        return _period(today, unit, offset)
    kind, _, n = word.partition(":")
    if kind in ("LAST_90_DAYS", "NEXT_90_DAYS"):
        kind, n = kind.replace("90", "N"), "90"
    for prefix, offset in (("THIS_", 0), ("LAST_", -1), ("NEXT_", 1)):
        if kind.startswith(prefix) and not n:
            return _period(today, kind.removeprefix(prefix), offset)
    count = int(n)
    if kind == "N_DAYS_AGO":
        return _period(today, "DAY", -count)
    if kind == "LAST_N_DAYS":
        # "starts with the current day and continues for the past n days"
        return today - timedelta(days=count), today
    if kind == "NEXT_N_DAYS":
        return today + timedelta(days=1), today + timedelta(days=count)
    direction, _, unit = kind.partition("_N_")
    unit = unit.removesuffix("S")
    if direction == "LAST":
        return _period(today, unit, -count, count)
    return _period(today, unit, 1, count)


def _malformed_later(detail: str) -> OrgError:
    return OrgError(400, "MALFORMED_QUERY", detail)


class _ToAst(Transformer[Token, Any]):
    def __init__(self, today: date) -> None:
        super().__init__()
        self.today = today

    def path(self, items: list[Token]) -> Path:
        return Path(tuple(str(t) for t in items))

    def aggregate(self, items: list[Any]) -> Aggregate:
        func, arg, alias = items
        name = str(func).upper()
        if name != "COUNT" and arg is None:
            raise _malformed_later(f"{name}() needs a field")
        return Aggregate(name, arg, str(alias) if alias is not None else None)

    @v_args(inline=True)
    def date_fn(self, func: Token, path: Path) -> DateFn:
        return DateFn(str(func).upper(), path)

    @v_args(inline=True)
    def date_item(self, fn: DateFn, alias: Token | None) -> DateFn:
        return DateFn(fn.func, fn.path, str(alias) if alias is not None else None)

    @v_args(inline=True)
    def fields_expr(self, kind: Token) -> FieldsMacro:
        return FieldsMacro(str(kind).upper())

    def sub_list(self, items: list[Any]) -> tuple[Any, ...]:
        return tuple(items)

    def subquery(self, items: list[Any]) -> SubQuery:
        fields, source, *clauses = items
        parts = dict(c for c in clauses if c is not None)
        return SubQuery(fields, str(source), parts.get("where"), parts.get("order", ()),
                        parts.get("limit"))

    def semi(self, items: list[Any]) -> SubQuery:
        path, source, *clauses = items
        parts = dict(c for c in clauses if c is not None)
        return SubQuery((path,), str(source), parts.get("where"))

    def semi_in(self, items: list[Any]) -> Compare:
        return Compare(items[0], "semi_in", (items[1],))

    def semi_not_in(self, items: list[Any]) -> Compare:
        return Compare(items[0], "semi_notin", (items[1],))

    def group(self, items: list[Any]) -> Any:
        return ("group", tuple(items))

    @v_args(inline=True)
    def having(self, cond: Any) -> Any:
        return ("having", cond)

    def select_list(self, items: list[Any]) -> tuple[Any, ...]:
        return tuple(items)

    @v_args(inline=True)
    def string(self, tok: Token) -> Literal:
        return Literal("string", _unquote(str(tok)))

    @v_args(inline=True)
    def number(self, tok: Token) -> Literal:
        text = str(tok)
        return Literal("number", float(text) if "." in text else int(text))

    @v_args(inline=True)
    def date(self, tok: Token) -> Literal:
        return Literal("date", date.fromisoformat(str(tok)))

    @v_args(inline=True)
    def datetime(self, tok: Token) -> Literal:
        text = str(tok).replace("Z", "+00:00")
        text = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text)
        return Literal("datetime", datetime.fromisoformat(text).astimezone(UTC))

    def null(self, _: list[Any]) -> Literal:
        return Literal("null", None)

    def true(self, _: list[Any]) -> Literal:
        return Literal("boolean", True)

    def false(self, _: list[Any]) -> Literal:
        return Literal("boolean", False)

    @v_args(inline=True)
    def date_literal(self, tok: Token) -> Literal:
        return Literal("daterange", date_range(str(tok), self.today))

    @v_args(inline=True)
    def compare(self, path: Any, op: Token, value: Literal) -> Compare:
        text = "!=" if str(op) == "<>" else str(op)
        return Compare(path, text, (value,))

    def in_(self, items: list[Any]) -> Compare:
        return Compare(items[0], "in", tuple(items[1:]))

    def not_in(self, items: list[Any]) -> Compare:
        return Compare(items[0], "notin", tuple(items[1:]))

    @v_args(inline=True)
    def like(self, path: Any, value: Literal) -> Compare:
        return Compare(path, "like", (value,))

    def and_(self, items: list[Any]) -> Any:
        return items[0] if len(items) == 1 else BoolOp("and", tuple(items))

    def or_(self, items: list[Any]) -> Any:
        return items[0] if len(items) == 1 else BoolOp("or", tuple(items))

    def not_(self, items: list[Any]) -> BoolOp:
        return BoolOp("not", (items[0],))

    @v_args(inline=True)
    def where(self, cond: Any) -> Any:
        return ("where", cond)

    @v_args(inline=True)
    def order_item(self, path: Any, direction: Token | None, nulls: Token | None) -> OrderItem:
        descending = direction is not None and str(direction).upper() == "DESC"
        nulls_last = descending if nulls is None else str(nulls).upper().endswith("LAST")
        return OrderItem(path, descending, nulls_last)

    def order(self, items: list[OrderItem]) -> Any:
        return ("order", tuple(items))

    @v_args(inline=True)
    def limit(self, tok: Token) -> Any:
        return ("limit", int(tok))

    @v_args(inline=True)
    def offset(self, tok: Token) -> Any:
        return ("offset", int(tok))

    def start(self, items: list[Any]) -> Query:
        fields, obj, *clauses = items
        parts = dict(c for c in clauses if c is not None)
        return Query(fields, str(obj), parts.get("where"), parts.get("order", ()),
                     parts.get("limit"), parts.get("offset"), parts.get("group", ()),
                     parts.get("having"))


@cache
def _parser() -> Lark:
    return Lark.open_from_package(
        "crossmap_salesforce.emulator", "soql.lark", parser="lalr", propagate_positions=True
    )


def malformed(text: str, line: int, column: int, detail: str) -> OrgError:
    """``MALFORMED_QUERY`` with Salesforce's caret rendering."""
    source = text.splitlines()[line - 1] if text.splitlines() else text
    caret = " " * max(column - 1, 0) + "^"
    return OrgError(400, "MALFORMED_QUERY",
                    f"\n{source}\n{caret}\nERROR at Row:{line}:Column:{column}\n{detail}")


def parse(text: str, *, today: date | None = None) -> Query:
    """Parse one SOQL query, or raise the ``MALFORMED_QUERY`` :class:`OrgError`."""
    try:
        tree: Tree[Token] = _parser().parse(text)
    except UnexpectedInput as exc:
        token = getattr(exc, "token", None)
        if token is not None and getattr(token, "type", "") == "$END":
            detail = "unexpected end of query"
        elif token is not None:
            detail = f"unexpected token: '{token}'"
        else:
            char = text[exc.pos_in_stream] if exc.pos_in_stream is not None and exc.pos_in_stream < len(text) else ""
            detail = f"unexpected character: '{char}'"
        raise malformed(text, exc.line if exc.line > 0 else 1,
                        exc.column if exc.column > 0 else len(text), detail) from None
    try:
        return _ToAst(today or datetime.now(UTC).date()).transform(tree)  # type: ignore[no-any-return]
    except VisitError as exc:
        raise exc.orig_exc from None


def bulk_unsupported(q: Query) -> str | None:
    """What of ``q`` a Bulk API 2.0 query job cannot run, or ``None``. "Bulk API 2.0
    doesn't support SOQL queries that include any of these items: GROUP BY, OFFSET,
    or TYPEOF clauses; aggregate functions such as COUNT(); date functions in GROUP BY
    clauses; compound address fields ...; parent-to-child relationship queries"
    (Bulk API 2.0 Developer Guide, "Understanding Bulk API 2.0 Query")."""
    if any(isinstance(f, Aggregate) for f in q.fields):
        return "aggregate functions such as COUNT()"
    if q.group:
        return "GROUP BY"
    if q.offset is not None:
        return "OFFSET"
    if any(isinstance(f, SubQuery) for f in q.fields):
        return "parent-to-child relationship queries"
    return None
