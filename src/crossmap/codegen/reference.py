"""A reference evaluator: a plain tree-walking interpreter of a plan's steps.

The generated code (``lower.py``) is the hot path; this module is its yardstick. It
walks the typed ``ir`` tree directly, one node at a time, and shares no lowering code
with the generator, so the property tests can hold the two against each other on
random records: same ``Row`` values, same ``Skipped`` rule, same ``Failed`` field,
line and reason.

The semantics it spells out (and the generated code must match):

- reading a field through a null gives null;
- an operator (comparisons ``<`` ``>`` ``<=`` ``>=``, arithmetic, unary ``-``)
  gives null when an operand is null; operands whose type is nullable are
  evaluated first, left to right, and the first null one ends the evaluation;
- ``==`` and ``!=`` compare with null like any value; ``in`` a list of constants
  tests membership of a set (by hash and equality); ``and``, ``or`` and ``not``
  give booleans, null counting as false; ``a ?? b`` evaluates ``b`` only when ``a``
  is null; ``/`` divides in decimals;
- a call skips (gives null) when an argument for a parameter that does not admit
  null is null; the arguments typed nullable are evaluated first, in order, then
  the others: an argument typed never-null can still be null at run time (a schema
  inferred from a sample), and gives null as well (the generated code's slow path);
- reading a field of a value that is not a record (an element of a list of
  strings read as a record) fails the record;
- ``on_error: null`` / ``on_error: <default>`` catch conversion failures only;
- a value map gives null for a null input it does not list, then its entry, else the input (``keep``), the default, or a failure;
- a failing field computation fails the record, naming the field (or no field, for
  a ``let``), its spec line, the reason and, for a ``missing fail`` lookup, the
  parent it did not find; a failing key fails it without a key; after the key,
  ``let`` bindings, ``skip when`` and ``fail when`` rules and assignments run in
  spec order; a rule that holds skips the record, or fails it with the rule's
  reason (without a field, on the rule's line), and nothing after it is computed; a
  null condition does not hold; a rule that cannot be evaluated fails the record
  (without a field, on the rule's line);
- a key may read a ``let``: the binding is then evaluated first (its failure fails
  the key);
- anything else raised (a bug in a user function) propagates, as it does from the
  generated code, whose traceback then points at the spec line.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any

from crossmap.codegen import runtime
from crossmap.compiler import ir
from crossmap.compiler.expressions import LOCAL
from crossmap.compiler.plan import Assignment, Binding, FailRule, Plan, Resolution, SkipRule, Step
from crossmap.functions import ConversionError, FunctionContext

_CONVERSION_FAILURES = (ConversionError, runtime.TransformError, ArithmeticError)
"""What ``on_error:`` policies catch: a value that cannot be converted, not a bug."""

_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "%": operator.mod,
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
}


_UNBOUND = object()


class UnknownNodeError(Exception):
    """The plan holds a node this evaluator does not know (a plan from a newer
    compiler): a bug to report, never a record's failure."""


class _Evaluator:
    """Evaluates the expressions of one step for one record (or element)."""

    def __init__(
        self,
        plan: Plan,
        functions: Mapping[str, Callable[..., object]],
        lookups: runtime.Lookups,
        context: FunctionContext,
        record: Mapping[str, Any],
        element: Any,
    ) -> None:
        self.plan = plan
        self.functions = functions
        self.lookups = lookups
        self.context = context
        self.record = record
        self.element = element
        self.locals: dict[str, object] = {}
        # ``let`` bindings not evaluated yet: a key or a skip rule may read one
        # before the body reaches it, and then it is evaluated on demand.
        self.pending: dict[str, Binding] = {}
        self.done: set[int] = set()  # id() of the bindings evaluated on demand

    def eval(self, node: ir.Expr) -> object:
        """The value of ``node``."""
        if isinstance(node, ir.Const):
            return node.value
        if isinstance(node, ir.Field):
            return self._field(node)
        if isinstance(node, ir.Index):
            return _index(self.eval(node.value), self.eval(node.key))
        if isinstance(node, ir.Op):
            return self._op(node)
        if isinstance(node, ir.If):
            return self.eval(node.then) if self.eval(node.test) else self.eval(node.otherwise)
        if isinstance(node, ir.Call):
            return self._call(node)
        if isinstance(node, ir.MapValue):
            return self._map_value(node)
        if isinstance(node, ir.Lookup):
            return self._lookup(node)
        if isinstance(node, ir.ListOf):
            return [self.eval(item) for item in node.items]
        if isinstance(node, ir.RecordOf):
            return {name: self.eval(value) for name, value in node.fields}
        if isinstance(node, ir.Where):
            return self._where(node)
        # Not TypeError: that would pass for a failing value and fail the record quietly.
        raise UnknownNodeError(f"not an expression node: {node!r}")

    def local(self, name: str) -> object:
        """The value of ``let name``, evaluating the binding first if need be."""
        if name not in self.locals:
            binding = self.pending.pop(name)
            try:
                self.locals[name] = self.eval(binding.value)
            except runtime.FAILURES as exc:
                raise _BindingFailure(binding, exc) from exc
            self.done.add(id(binding))
        return self.locals[name]

    # ---- nodes ------------------------------------------------------------------------

    def _field(self, node: ir.Field) -> object:
        value: Any
        if node.root == "record":
            value = self.record
        elif node.root == "element":
            value = self.element
        elif node.root.startswith(LOCAL):
            value = self.local(node.root[len(LOCAL):])
        else:
            raise KeyError(f"unknown root {node.root!r}")
        for part in node.path:
            value = runtime.member(value, part)
        return value

    def _where(self, node: ir.Where) -> object:
        values = self.eval(node.value)
        if values is None:
            return None if node.kind == "filter" else node.kind == "all"
        before = self.locals.get(node.param, _UNBOUND)
        kept: list[object] = []
        try:
            for element in values:  # type: ignore[attr-defined]
                self.locals[node.param] = element
                holds = bool(self.eval(node.test))
                if node.kind == "filter" and holds:
                    kept.append(element)
                elif node.kind == "any" and holds:
                    return True
                elif node.kind == "all" and not holds:
                    return False
        finally:
            if before is _UNBOUND:
                self.locals.pop(node.param, None)
            else:
                self.locals[node.param] = before
        return kept if node.kind == "filter" else node.kind == "all"

    def _op(self, node: ir.Op) -> object:
        op, args = node.op, node.args
        if op == "not":
            return not self.eval(args[0])
        if op == "and":
            return bool(self.eval(args[0])) and bool(self.eval(args[1]))
        if op == "or":
            return bool(self.eval(args[0])) or bool(self.eval(args[1]))
        if op == "??":
            first = self.eval(args[0])
            return first if first is not None else self.eval(args[1])
        if op == "==":
            return self.eval(args[0]) == self.eval(args[1])
        if op == "!=":
            return self.eval(args[0]) != self.eval(args[1])
        if op in ("in", "not in"):
            found = self.eval(args[0]) in self._container(args[1])  # type: ignore[operator]
            return found if op == "in" else not found
        values = self._operands(args)
        if values is None:
            return None
        if op == "neg":
            return -values[0]
        if op == "/":
            return Decimal(values[0]) / values[1]
        return _BINARY[op](values[0], values[1])

    def _container(self, node: ir.Expr) -> object:
        # A list of constants is a set of members: membership is by hash and equality.
        if isinstance(node, ir.ListOf) and all(isinstance(i, ir.Const) for i in node.items):
            return frozenset(self.eval(i) for i in node.items)
        return self.eval(node)

    def _operands(self, args: tuple[ir.Expr, ...]) -> list[Any] | None:
        """The operands' values, or None when one is null. Those that may be null
        are evaluated first, in order, so a null ends the evaluation before the
        other operands are looked at; then the others, in order (one typed
        never-null may still be null: null in, null out)."""
        return self._guarded(list(args), [a.type.nullable for a in args], [True] * len(args))

    def _guarded(self, args: list[ir.Expr], first: list[bool], later: list[bool]) -> list[Any] | None:
        values: dict[int, Any] = {}
        for position, arg in enumerate(args):
            if first[position]:
                values[position] = self.eval(arg)
                if values[position] is None:
                    return None
        for position, arg in enumerate(args):
            if position not in values:
                values[position] = self.eval(arg)
        if any(later[p] and values[p] is None for p in values):
            return None
        return [values[i] for i in range(len(args))]

    def _map_value(self, node: ir.MapValue) -> object:
        valuemap = next(vm for vm in self.plan.value_maps if vm.name == node.valuemap)
        value = self.eval(node.value)
        table = valuemap.table()
        if value is None and None not in table:
            return None
        if value in table:
            return table[value]
        if valuemap.otherwise == "keep":
            return value
        if valuemap.otherwise == "default":
            return valuemap.default_value
        return runtime.value_map_miss(valuemap.name, value)

    def _lookup(self, node: ir.Lookup) -> object:
        targets = {step.name: step.target for step in self.plan.steps}
        targets.update({r.name: r.target for r in self.plan.resolutions})
        target = targets.get(node.step, "?")
        find = runtime.make_lookup(self.lookups, node.step, target, node.missing)
        return find(self.eval(node.key))

    def _call(self, node: ir.Call) -> object:
        function = self.functions[node.function]
        values = [*node.args, *(value for _, value in node.keywords)]
        skips = list(node.null_skips or (False,) * len(values))
        # Nullable arguments for parameters that do not admit null are evaluated
        # first: one null skips the call; then the others, and a null for such a
        # parameter skips it too, whatever the argument's type said.
        found = self._guarded(values, skips, list(node.null_guards or skips))
        if found is None:
            return None
        evaluated = dict(enumerate(found))
        positional = [evaluated[i] for i in range(len(node.args))]
        keywords = {name: evaluated[len(node.args) + i] for i, (name, _) in enumerate(node.keywords)}
        if node.context:
            keywords["context"] = self.context
        on_error = node.on_error
        if on_error is None or on_error.kind == "fail":
            return function(*positional, **keywords)
        try:
            return function(*positional, **keywords)
        except _CONVERSION_FAILURES:
            if on_error.kind == "null" or on_error.default is None:
                return None
        return self.eval(on_error.default)


def _index(value: object, key: object) -> object:
    """``value[key]``: a record's field, a list's element, or null."""
    if isinstance(value, dict):
        return value.get(key)
    if isinstance(value, list | tuple) and isinstance(key, int) and -len(value) <= key < len(value):
        return value[key]
    return None


class _BindingFailure(Exception):
    """A ``let`` evaluated on demand (for a key or a skip rule) failed."""

    def __init__(self, binding: Binding, cause: BaseException) -> None:
        super().__init__(_reason(cause))
        self.binding = binding
        self.cause = cause


def _reason(exc: BaseException) -> str:
    if isinstance(exc, _BindingFailure):
        return str(exc)
    return runtime.failure_reason(exc)


def _parent(exc: BaseException) -> tuple[str, str] | None:
    """(step, key) of the parent a ``missing fail`` lookup did not find."""
    if isinstance(exc, runtime.MissingParent):
        return exc.step, exc.key if isinstance(exc.key, str) else str(exc.key)
    return None


def evaluate_expression(
    plan: Plan,
    node: ir.Expr,
    record: Mapping[str, Any] | None = None,
    *,
    functions: Mapping[str, Callable[..., object]] | None = None,
    lookups: runtime.Lookups | None = None,
    context: FunctionContext | None = None,
) -> object:
    """The value of one expression of ``plan`` (a spec test's record literal, say),
    reading fields of ``record`` if it has any. Failures raise."""
    return _evaluator(plan, functions, lookups, context, record or {}, None).eval(node)


def _evaluator(
    plan: Plan,
    functions: Mapping[str, Callable[..., object]] | None,
    lookups: runtime.Lookups | None,
    context: FunctionContext | None,
    record: Mapping[str, Any],
    element: Any,
) -> _Evaluator:
    if functions is None:
        from crossmap.functions import registry

        functions = registry()
    return _Evaluator(
        plan,
        functions,
        lookups if lookups is not None else runtime.MemoryLookups(),
        context if context is not None else FunctionContext(),
        record,
        element,
    )


def evaluate_step(
    plan: Plan,
    step: Step,
    record: Mapping[str, Any],
    element: Any = None,
    *,
    functions: Mapping[str, Callable[..., object]] | None = None,
    lookups: runtime.Lookups | None = None,
    context: FunctionContext | None = None,
    deferred: bool = False,
) -> runtime.Result:
    """The result of ``step`` for one source record (or one element of its nested
    list), computed by walking the plan's expression trees.

    Gives what ``StepProgram.apply`` gives for the same arguments. ``deferred=True``
    computes the fields of the later update pass instead of the load-time ones.
    Errors that are not failures of a value (a user function's bug) propagate.
    """
    evaluator = _evaluator(plan, functions, lookups, context, record, element)
    for binding in step.body:
        if isinstance(binding, Binding):
            evaluator.pending.setdefault(binding.name, binding)
    try:
        raw_key = evaluator.eval(step.key)
        if raw_key is None:
            raise runtime.TransformError("the key is null")
    except (_BindingFailure, *runtime.FAILURES) as exc:
        return runtime.Failed(step.source, None, None, step.line, f"its key: {_reason(exc)}")
    key = raw_key if isinstance(raw_key, str) else str(raw_key)
    # Spec order: `let` bindings, rules and assignments as written, so a rule sees
    # the bindings above it and a record it skips or fails computes nothing after it.
    statements: list[Binding | Assignment | SkipRule | FailRule] = sorted(
        [*step.body, *step.skips, *step.fails], key=lambda st: st.line
    )
    row: dict[str, object] = {}
    for statement in statements:
        if isinstance(statement, SkipRule | FailRule):
            try:
                holds = evaluator.eval(statement.when)
            except _BindingFailure as failure:
                line, cause = failure.binding.line, failure.cause
                return runtime.Failed(step.source, key, None, line, _reason(cause), _parent(cause))
            except runtime.FAILURES as exc:
                return runtime.Failed(step.source, key, None, statement.line, _reason(exc), _parent(exc))
            if not holds:
                continue
            if isinstance(statement, SkipRule):
                return runtime.Skipped(key, statement.reason, statement.line)
            return runtime.Failed(step.source, key, None, statement.line, statement.reason)
        if id(statement) in evaluator.done:
            continue  # already evaluated for the key
        if not isinstance(statement, Binding) and statement.deferred != deferred:
            continue
        try:
            value = evaluator.eval(statement.value)
        except runtime.FAILURES as exc:
            field = None if isinstance(statement, Binding) else statement.field
            return runtime.Failed(step.source, key, field, statement.line, _reason(exc), _parent(exc))
        if isinstance(statement, Binding):
            evaluator.locals[statement.name] = value
            if evaluator.pending.get(statement.name) is statement:
                del evaluator.pending[statement.name]
        else:
            row[statement.field] = value
    return runtime.Row(key, row)


def evaluate_record(
    plan: Plan,
    step: Step,
    record: Mapping[str, Any],
    *,
    functions: Mapping[str, Callable[..., object]] | None = None,
    lookups: runtime.Lookups | None = None,
    context: FunctionContext | None = None,
) -> Iterator[runtime.Result]:
    """Every result of one source record: one, or one per element of the step's
    nested list (a missing or null list has none; every element counts, a string
    as well as a record)."""
    if not step.path:
        yield evaluate_step(plan, step, record, functions=functions, lookups=lookups, context=context)
        return
    value: Any = record
    for part in step.path:
        value = value.get(part) if isinstance(value, Mapping) else None
    for element in value or ():
        yield evaluate_step(plan, step, record, element, functions=functions, lookups=lookups, context=context)


def evaluate_resolution_key(
    plan: Plan,
    resolution: Resolution,
    record: Mapping[str, Any],
    *,
    functions: Mapping[str, Callable[..., object]] | None = None,
    lookups: runtime.Lookups | None = None,
    context: FunctionContext | None = None,
) -> object:
    """The source side of a resolve block's ``by`` clause for one source record."""
    return evaluate_expression(
        plan, resolution.source_key, record, functions=functions, lookups=lookups, context=context
    )


def resolution_target_key(
    resolution: Resolution, value: object, *, functions: Mapping[str, Callable[..., object]] | None = None
) -> object:
    """The destination side of a ``by`` clause: the field's value through the
    clause's functions, innermost first; null stays null."""
    if functions is None:
        from crossmap.functions import registry

        functions = registry()
    for name in resolution.target_transforms:
        if value is None:
            return None
        value = functions[name](value)
    return value
