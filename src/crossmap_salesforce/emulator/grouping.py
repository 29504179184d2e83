"""Aggregate queries: ``AggregateResult`` rows from the records a query selected,
grouped by ``GROUP BY`` (one group in all without it), filtered by ``HAVING``,
sorted and paged (see :mod:`.aggregates` for the functions and their sources)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from crossmap_salesforce.emulator.aggregates import aggregate_type, compute, output_name
from crossmap_salesforce.emulator.conditions import (
    Operand,
    OperandOf,
    compile_condition,
    sort_rows,
)
from crossmap_salesforce.emulator.errors import OrgError
from crossmap_salesforce.emulator.soql import Aggregate, BoolOp, Compare, DateFn, Path, Query


def grouped(q: Query, records: list[dict[str, Any]], operand_of: OperandOf) -> list[dict[str, Any]]:
    """``AggregateResult`` rows: one per group (one in all without GROUP BY)."""
    for f in q.fields:
        if isinstance(f, (Path, DateFn)) and f not in q.group:
            raise OrgError(400, "MALFORMED_QUERY", f"Field must be grouped or aggregated: {f}")
    keys = [operand_of(g) for g in q.group]
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for rec in records:
        groups.setdefault(tuple(k.typed(rec) for k in keys), []).append(rec)
    if not q.group:
        groups = {(): records}
    aggregates = {f for f in q.fields if isinstance(f, Aggregate)}
    aggregates.update(_condition_aggregates(q.having))
    aggregates.update(o.path for o in q.order if isinstance(o.path, Aggregate))
    rows: list[dict[str, Any]] = []
    for members in groups.values():
        ctx: dict[Any, Any] = {}
        for g, k in zip(q.group, keys, strict=True):
            ctx[g] = (k.typed(members[0]), k.raw(members[0]))
        for agg in aggregates:
            if agg.arg is None:
                ctx[agg] = (len(members), len(members))
                continue
            arg = operand_of(agg.arg)
            aggregate_type(agg, arg.ftype)
            typed = [arg.typed(m) for m in members]
            raw = [arg.raw(m) for m in members]
            value = compute(agg, typed, raw)
            comparable = compute(agg, typed, typed) if agg.func in ("MAX", "MIN") else value
            ctx[agg] = (comparable, value)
        rows.append(ctx)

    def group_operand(node: Any) -> Operand:
        if isinstance(node, Aggregate):
            arg_type = operand_of(node.arg).ftype if node.arg is not None else None
            ftype = aggregate_type(node, arg_type)
        elif node in q.group:
            ftype = operand_of(node).ftype
        else:
            raise OrgError(400, "MALFORMED_QUERY", f"Field must be grouped or aggregated: {node}")
        return Operand(ftype, str(node), lambda ctx: ctx[node][0], lambda ctx: ctx[node][1])

    if q.having is not None:
        def no_semi(_: Compare, __: bool) -> set[str]:
            raise OrgError(400, "MALFORMED_QUERY", "HAVING cannot hold a semi-join")

        keep = compile_condition(q.having, group_operand, no_semi)
        rows = [r for r in rows if keep(r)]
    sort_rows(rows, q.order, group_operand)
    if q.offset:
        rows = rows[q.offset:]
    if q.limit is not None:
        rows = rows[: q.limit]
    out = []
    for ctx in rows:
        row: dict[str, Any] = {"attributes": {"type": "AggregateResult"}}
        counter = [0]
        for f in q.fields:
            value = ctx[f][1]
            if isinstance(value, date) and not isinstance(value, datetime):
                value = value.isoformat()
            row[output_name(f, counter)] = value
        out.append(row)
    return out


def _condition_aggregates(node: Any) -> Iterable[Aggregate]:
    stack = [node] if node is not None else []
    while stack:
        item = stack.pop()
        if isinstance(item, BoolOp):
            stack.extend(item.items)
        elif isinstance(item, Compare) and isinstance(item.path, Aggregate):
            yield item.path


