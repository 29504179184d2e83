"""Measuring a proposal against a hand-written spec: precision and recall of the
proposed objects, field pairs and lookups.

Only *direct* assignments of the reference spec are compared: the destination
field is computed from one source field, passed through nothing that changes what
the value means. Allowed around the field: ``truncate``, ``trim``, ``nonblank``,
``lower``, ``upper``, ``title``, a value map (``x | case_priority``), ``?? literal``,
``lookup(Object, field)`` (a reference), and the conversions that read one value
in another type (``to_decimal``, ``to_integer``, ``to_date``, ``to_datetime``,
``to_boolean``, ``to_string``, ``date_of``, ``add_days`` from a literal date,
``floor``, ``replace`` and ``regex_replace`` with literal arguments, arithmetic
with a literal). Anything else (a concatenation of fields, a condition, ``join``) is
a transformation a matcher is not expected to find.

- **recall**: of the reference's direct pairs that a proposal could produce (the
  destination object is one the target schema has, and the destination field is
  either in the target schema or is the custom field the proposal's naming rule
  gives that source field), the share proposed;
- **precision**: of the proposed matches to existing destination fields (the
  scored ones, ``field`` and ``lookup``, at or above the threshold) whose source
  field the reference assigns directly, the share the reference agrees with.

Lookups are scored the same way over the reference's ``lookup(...)`` assignments,
and objects over its ``map`` blocks (a proposed ``resolve`` counts as a pairing).
"""

from __future__ import annotations

from collections.abc import Iterable

from attrs import frozen

from crossmap import schema
from crossmap.propose import custom
from crossmap.propose.hints import DEFAULT_NAMING, NamingRules
from crossmap.propose.model import Proposal
from crossmap.syntax import ast

TRANSPARENT: frozenset[str] = frozenset({"truncate", "trim", "nonblank", "lower", "upper", "title"})
"""Functions that keep a value's meaning (see the module docstring)."""

CONVERSIONS: frozenset[str] = frozenset({
    "to_decimal", "to_integer", "to_date", "to_datetime", "to_boolean", "to_string", "date_of",
    "floor", "replace", "regex_replace", "digits",
})
"""Functions that read one value in another type or clean its spelling."""

Pair = tuple[str, str, str, str]
"""(source object, source field, destination object, destination field)."""

ObjectPair = tuple[str, str]
"""(source object, destination object)."""


def _literal(expr: ast.Expr) -> bool:
    return isinstance(expr, ast.Literal)


def direct_source(expr: ast.Expr, value_maps: frozenset[str]) -> str | None:
    """The one source field ``expr`` passes on directly, or None."""
    match expr:
        case ast.Name(name=name):
            return name
        case ast.Lookup(key=key):
            return direct_source(key, value_maps)
        case ast.Binary(op="??", left=left, right=ast.Literal()):
            return direct_source(left, value_maps)
        case ast.Binary(op="/" | "*", left=left, right=right) if _literal(right):
            return direct_source(left, value_maps)
        case ast.Call(func="add_days", args=(ast.Literal(), days)):
            return direct_source(days, value_maps)
        case ast.Call(func=func, args=(first, *rest)) if (
            func in TRANSPARENT or func in value_maps or (func in CONVERSIONS and all(map(_literal, rest)))
        ):
            return direct_source(first, value_maps)
    return None


def _direct(spec: ast.Spec) -> Iterable[tuple[ast.Mapping, ast.Assign, str]]:
    value_maps = frozenset(vm.name for vm in spec.of_type(ast.ValueMap))
    for mapping in spec.of_type(ast.Mapping):
        if mapping.path:
            continue
        for statement in mapping.body:
            if isinstance(statement, ast.Assign):
                source = direct_source(statement.value, value_maps)
                if source is not None:
                    yield mapping, statement, source


def direct_pairs(spec: ast.Spec) -> set[Pair]:
    """Every direct assignment of the plain (not fan-out) mappings of ``spec``."""
    return {(m.source, source, m.target, a.field) for m, a, source in _direct(spec)}


def lookup_pairs(spec: ast.Spec) -> set[Pair]:
    """The direct assignments of ``spec`` that are ``lookup(...)`` references."""
    return {(m.source, source, m.target, a.field) for m, a, source in _direct(spec)
            if isinstance(a.value, ast.Lookup)}


def object_pairs(spec: ast.Spec) -> set[ObjectPair]:
    """The (source, destination) objects of the plain mappings of ``spec``."""
    return {(m.source, m.target) for m in spec.of_type(ast.Mapping) if not m.path}


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


@frozen
class ObjectQuality:
    """Precision and recall of the proposed object pairs. ``unreachable`` are the
    reference's pairs whose destination object the target schema does not have (left
    out of the recall, listed so a report can say so)."""

    precision: float
    recall: float
    expected: frozenset[ObjectPair]
    proposed: frozenset[ObjectPair]
    missed: frozenset[ObjectPair]
    wrong: frozenset[ObjectPair]
    unreachable: frozenset[ObjectPair]


@frozen
class ExportQuality:
    """Objects, fields and lookups of one proposal against its reference."""

    objects: ObjectQuality
    fields: Quality
    lookups: Quality


def _reachable(pair: Pair, source: schema.Schema, target: schema.Schema, prefix: str,
               naming: NamingRules = DEFAULT_NAMING) -> bool:
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
        return d_field == custom.key_name(origin.name, prefix, naming)
    return d_field == custom.custom_name(origin.name, field, destination.fields, prefix, naming)


def _score(expected: set[Pair], everything: set[Pair], scored: set[Pair], reference: set[Pair]) -> Quality:
    recall = len(expected & everything) / len(expected) if expected else 1.0
    precision = len(scored & reference) / len(scored) if scored else 1.0
    return Quality(
        precision=precision,
        recall=recall,
        expected=frozenset(expected),
        proposed=frozenset(scored),
        missed=frozenset(expected - everything),
        wrong=frozenset(scored - reference),
    )


def evaluate(
    proposal: Proposal, reference: ast.Spec, source: schema.Schema, target: schema.Schema, prefix: str,
    naming: NamingRules = DEFAULT_NAMING,
) -> Quality:
    """Compare ``proposal``'s field pairs with the direct assignments of
    ``reference``; ``target`` is the destination schema the proposal was made from,
    ``naming`` its rules for the custom fields a proposal creates."""
    reference_pairs = direct_pairs(reference)
    expected = {p for p in reference_pairs if _reachable(p, source, target, prefix, naming)}
    assigned_sources = {(p[0], p[1]) for p in reference_pairs}
    scored = {p for p in proposal.pairs(kinds=("field", "lookup")) if (p[0], p[1]) in assigned_sources}
    return _score(expected, proposal.pairs(), scored, reference_pairs)


def evaluate_lookups(
    proposal: Proposal, reference: ast.Spec, source: schema.Schema, target: schema.Schema, prefix: str,
    naming: NamingRules = DEFAULT_NAMING,
) -> Quality:
    """Compare ``proposal``'s lookups with the ``lookup(...)`` assignments of
    ``reference``. Precision is over the proposed lookups whose source field the
    reference assigns at all (a lookup proposed where the reference copies the
    value counts as wrong)."""
    reference_lookups = lookup_pairs(reference)
    expected = {p for p in reference_lookups if _reachable(p, source, target, prefix, naming)}
    assigned_sources = {(p[0], p[1]) for p in direct_pairs(reference)}
    proposed = proposal.pairs(kinds=("lookup",)) | {
        (o.source, f.source, o.target, f.target)
        for o in proposal.objects for f in o.fields if f.lookup_object is not None
    }
    scored = {p for p in proposed if (p[0], p[1]) in assigned_sources}
    return _score(expected, proposed, scored, reference_lookups)


def evaluate_objects(proposal: Proposal, reference: ast.Spec, target: schema.Schema) -> ObjectQuality:
    """Compare ``proposal``'s object pairs with the ``map`` blocks of ``reference``."""
    pairs = object_pairs(reference)
    expected = {p for p in pairs if target.find_object(p[1]) is not None}
    mapped_sources = {s for s, _ in pairs}
    proposed = {(o.source, o.target) for o in proposal.objects if o.source in mapped_sources}
    return ObjectQuality(
        precision=len(proposed & pairs) / len(proposed) if proposed else 1.0,
        recall=len(expected & proposed) / len(expected) if expected else 1.0,
        expected=frozenset(expected),
        proposed=frozenset(proposed),
        missed=frozenset(expected - proposed),
        wrong=frozenset(proposed - pairs),
        unreachable=frozenset(pairs - expected),
    )


def evaluate_all(
    proposal: Proposal, reference: ast.Spec, source: schema.Schema, target: schema.Schema, prefix: str,
    naming: NamingRules = DEFAULT_NAMING,
) -> ExportQuality:
    """Objects, fields and lookups of ``proposal`` against ``reference``."""
    return ExportQuality(
        objects=evaluate_objects(proposal, reference, target),
        fields=evaluate(proposal, reference, source, target, prefix, naming),
        lookups=evaluate_lookups(proposal, reference, source, target, prefix, naming),
    )
