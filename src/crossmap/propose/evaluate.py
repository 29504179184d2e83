"""Measuring a proposal against a hand-written spec: precision and recall of the
proposed field pairs.

Only *direct* assignments of the reference spec are compared: the destination
field is computed from one source field, passed through nothing that changes what
the value means. Allowed around the field: ``truncate``, ``trim``, ``nonblank``,
``lower``, ``upper``, ``title``, a value map (``x | case_priority``), ``?? literal``,
and ``lookup(Object, field)`` (a reference). Anything else (a concatenation, a
condition, ``join``) is a transformation a matcher is not expected to find.

- **recall**: of the reference's direct pairs that a proposal could produce (the
  destination object is one the target schema has, and the destination field is
  either in the target schema or is the custom field the proposal's naming rule
  gives that source field), the share proposed;
- **precision**: of the proposed matches to existing destination fields (the
  scored ones, ``field`` and ``lookup``, at or above the threshold) whose source
  field the reference assigns directly, the share the reference agrees with.
"""

from __future__ import annotations

from attrs import frozen

from crossmap import schema
from crossmap.propose import custom
from crossmap.propose.model import Proposal
from crossmap.syntax import ast

TRANSPARENT: frozenset[str] = frozenset({"truncate", "trim", "nonblank", "lower", "upper", "title"})
"""Functions that keep a value's meaning (see the module docstring)."""

Pair = tuple[str, str, str, str]
"""(source object, source field, destination object, destination field)."""


def direct_source(expr: ast.Expr, value_maps: frozenset[str]) -> str | None:
    """The one source field ``expr`` passes on directly, or None."""
    match expr:
        case ast.Name(name=name):
            return name
        case ast.Lookup(key=key):
            return direct_source(key, value_maps)
        case ast.Binary(op="??", left=left, right=ast.Literal()):
            return direct_source(left, value_maps)
        case ast.Call(func=func, args=(first, *_)) if func in TRANSPARENT or func in value_maps:
            return direct_source(first, value_maps)
    return None


def direct_pairs(spec: ast.Spec) -> set[Pair]:
    """Every direct assignment of the plain (not fan-out) mappings of ``spec``."""
    value_maps = frozenset(vm.name for vm in spec.of_type(ast.ValueMap))
    pairs: set[Pair] = set()
    for mapping in spec.of_type(ast.Mapping):
        if mapping.path:
            continue
        for statement in mapping.body:
            if isinstance(statement, ast.Assign):
                source = direct_source(statement.value, value_maps)
                if source is not None:
                    pairs.add((mapping.source, source, mapping.target, statement.field))
    return pairs


@frozen
class Quality:
    """Precision and recall of a proposal against a reference spec, with the pairs
    behind them (``missed``: reference pairs not proposed; ``wrong``: proposed
    pairs the reference does not make)."""

    precision: float
    recall: float
    expected: frozenset[Pair]
    proposed: frozenset[Pair]
    missed: frozenset[Pair]
    wrong: frozenset[Pair]


def _reachable(pair: Pair, source: schema.Schema, target: schema.Schema, prefix: str) -> bool:
    s_obj, s_field, d_obj, d_field = pair
    destination = target.find_object(d_obj)
    if destination is None:
        return False
    if destination.find_field(d_field) is not None:
        return True
    origin = source.find_object(s_obj)
    field = origin.find_field(s_field) if origin is not None else None
    if origin is None or field is None:
        return False
    if field.name == origin.key:
        return d_field == custom.key_name(origin.name, prefix)
    return d_field == custom.custom_name(origin.name, field, destination.fields, prefix)


def evaluate(
    proposal: Proposal, reference: ast.Spec, source: schema.Schema, target: schema.Schema, prefix: str,
) -> Quality:
    """Compare ``proposal`` with the direct assignments of ``reference``;
    ``target`` is the destination schema the proposal was made from."""
    reference_pairs = direct_pairs(reference)
    expected = {p for p in reference_pairs if _reachable(p, source, target, prefix)}
    everything = proposal.pairs()
    recall = len(expected & everything) / len(expected) if expected else 1.0
    assigned_sources = {(p[0], p[1]) for p in reference_pairs}
    scored = {p for p in proposal.pairs(kinds=("field", "lookup")) if (p[0], p[1]) in assigned_sources}
    precision = len(scored & reference_pairs) / len(scored) if scored else 1.0
    return Quality(
        precision=precision,
        recall=recall,
        expected=frozenset(expected),
        proposed=frozenset(scored),
        missed=frozenset(expected - everything),
        wrong=frozenset(scored - reference_pairs),
    )
