"""Type checking of expressions: syntax tree → typed ``ir`` tree, with diagnostics.

A ``Scope`` says what names mean where an expression stands (the source record's
fields, a fan-out element, ``let`` bindings, a ``def``'s parameters); ``Checker``
walks the expression, resolves names and calls, and types every node. It reports
problems and keeps going with the ``any`` type, so one pass finds every mistake.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

import attrs
from attrs import frozen

from crossmap import schema
from crossmap.compiler import ir
from crossmap.compiler import types as t
from crossmap.compiler.diagnostics import Reporter
from crossmap.errors import Span
from crossmap.functions import FunctionRegistryError, signature_of
from crossmap.syntax import ast

LOCAL = "@"
"""Prefix of ``ir.Field.root`` for a ``let`` binding (``@closed``)."""

MAX_INLINE_DEPTH = 32
"""How deep ``def`` functions may call each other (they are inlined; no recursion)."""

LIST_TESTS = ("filter", "any", "all")
"""The calls that take a condition on a list's elements (``x -> test``); part of the
language rather than the function registry, since the condition is an expression."""

TODO = "todo"
"""``todo("what to decide")`` marks a decision a drafted spec (``crossmap propose``)
leaves to a person. It is never a real function: every call is error XM240, so a draft
cannot run until each one is resolved (a spec or plugin may still define its own)."""


@frozen
class Scope:
    """What names mean inside one block.

    ``record``: the source object whose fields bare names read; ``element`` and
    ``alias``: a fan-out step's nested-list element; ``locals``: ``let`` bindings and
    ``def`` parameters, shadowing fields.
    """

    record: schema.ObjectSchema | None
    element: schema.ObjectSchema | None = None
    alias: str | None = None
    locals: Mapping[str, ir.Expr] = {}

    def bind(self, name: str, value: ir.Expr) -> Scope:
        """This scope with ``let name = value``: later uses read the bound local."""
        return attrs.evolve(self, locals={**self.locals, name: ir.Field(value.type, LOCAL + name)})


@frozen
class LookupTarget:
    """What ``lookup(Source, key)`` can resolve through: a step or a resolution."""

    name: str
    source: str
    target: str
    resolution: bool


class Checker:
    """Types expressions of one spec."""

    def __init__(
        self,
        reporter: Reporter,
        source_schema: schema.Schema,
        functions: Mapping[str, Callable[..., object]],
        value_maps: Mapping[str, tuple[ast.ValueMap, t.ValueType]],
        defs: Mapping[str, ast.FunctionDef],
        lookup_targets: tuple[LookupTarget, ...],
    ) -> None:
        self.report = reporter
        self.source_schema = source_schema
        self.functions = functions
        self.value_maps = value_maps
        self.defs = defs
        self.lookup_targets = lookup_targets
        self.used_value_maps: set[str] = set()
        self.lookups: list[tuple[LookupTarget, Span]] = []
        self._inline_depth = 0

    # ---- entry points ------------------------------------------------------------------

    def check(self, node: ast.Expr, scope: Scope) -> ir.Expr:
        """The typed form of ``node``."""
        method = getattr(self, "_" + type(node).__name__.lower())
        result: ir.Expr = method(node, scope)
        return result

    # ---- leaves ---------------------------------------------------------------------------

    def _literal(self, node: ast.Literal, scope: Scope) -> ir.Expr:
        return constant(node.value)

    def _name(self, node: ast.Name, scope: Scope) -> ir.Expr:
        if node.name in scope.locals:
            return scope.locals[node.name]
        if scope.alias is not None and node.name == scope.alias:
            # An untyped nested list (an inferred schema's) may hold strings as well
            # as records: its element is any value.
            element_type = t.ValueType("record", object=scope.element.name) if scope.element else t.ANY
            return ir.Field(element_type, "element")
        if scope.record is None:
            self.report.error("XM205", f"unknown name '{node.name}'", node.span)
            return ir.Field(t.ANY, "record", (node.name,))
        field = _field(scope.record, node.name)
        if field is None and scope.alias is not None and node.name == scope.record.name:
            # In a fan-out, the source object's name is its record, the parent of the
            # element: `tickets.subject` (a bare `subject` reads it too).
            return ir.Field(t.ValueType("record", object=scope.record.name), "record")
        if field is None:
            candidates = [*scope.record.fields, *scope.locals, *([scope.alias] if scope.alias else [])]
            self.report.unknown(
                "XM205", f"unknown field '{node.name}' of source object '{scope.record.name}'",
                node.span, node.name, candidates,
            )
            return ir.Field(t.ANY, "record", (node.name,))
        return ir.Field(t.from_field_type(field.type, nullable=field.nullable), "record", (field.name,))

    # ---- paths ----------------------------------------------------------------------------

    def _attr(self, node: ast.Attr, scope: Scope) -> ir.Expr:
        value = self.check(node.value, scope)
        kind = value.type.kind
        if kind == "any":
            result_type = t.ANY
        elif kind == "record":
            result_type = self._member_type(value.type, node.name, node.span)
        else:
            self.report.error(
                "XM211", f"'.{node.name}' reads a field of a record, but this is {value.type}", node.span
            )
            result_type = t.ANY
        result_type = result_type.null(result_type.nullable or value.type.nullable)
        if isinstance(value, ir.Field):
            return ir.Field(result_type, value.root, (*value.path, node.name))
        return ir.Index(result_type, value, constant(node.name))

    def _member_type(self, record: t.ValueType, name: str, span: Span) -> t.ValueType:
        if record.object is None:
            return t.ANY
        try:
            obj = self.source_schema.object(record.object)
        except schema.SchemaLookupError:
            return t.ANY
        field = _field(obj, name)
        if field is None:
            self.report.unknown("XM205", f"unknown field '{name}' of '{obj.name}'", span, name, obj.fields)
            return t.ANY
        return t.from_field_type(field.type, nullable=field.nullable)

    def _index(self, node: ast.Index, scope: Scope) -> ir.Expr:
        value = self.check(node.value, scope)
        key = self.check(node.key, scope)
        kind = value.type.kind
        if kind == "list":
            if key.type.kind not in ("integer", "any"):
                self.report.error("XM211", f"a list is indexed by a whole number, not {key.type}", node.key.span)
            element = value.type.element or t.ANY
            return ir.Index(element.null(), value, key)
        if kind == "record":
            if isinstance(key, ir.Const) and key.type.kind == "string" and value.type.object:
                member = self._member_type(value.type, str(key.text), node.key.span)
                return ir.Index(member.null(member.nullable or value.type.nullable), value, key)
            return ir.Index(t.ANY, value, key)
        if kind != "any":
            self.report.error("XM211", f"only records and lists can be indexed, not {value.type}", node.span)
        return ir.Index(t.ANY, value, key)

    # ---- operators ------------------------------------------------------------------------

    def _unary(self, node: ast.Unary, scope: Scope) -> ir.Expr:
        operand = self.check(node.operand, scope)
        if node.op == "not":
            self._expect_boolean(operand, node.operand.span)
            return ir.Op(t.BOOLEAN, "not", (operand,))
        if operand.type.kind not in t.NUMERIC | {"any"}:
            self.report.error("XM211", f"'-' needs a number, not {operand.type}", node.span)
        return ir.Op(operand.type, "neg", (operand,))

    def _binary(self, node: ast.Binary, scope: Scope) -> ir.Expr:
        left = self.check(node.left, scope)
        right = self.check(node.right, scope)
        op = node.op
        nullable = left.type.nullable or right.type.nullable
        if op in ("and", "or"):
            self._expect_boolean(left, node.left.span)
            self._expect_boolean(right, node.right.span)
            return ir.Op(t.BOOLEAN, op, (left, right))
        if op == "??":
            joined = t.join(left.type, right.type)
            return ir.Op(joined.null(right.type.nullable), op, (left, right))
        if op in ("==", "!="):
            self._expect_comparable(left, right, node)
            return ir.Op(t.BOOLEAN, op, (left, right))
        if op in ("<", ">", "<=", ">="):
            self._expect_comparable(left, right, node)
            return ir.Op(t.BOOLEAN.null(nullable), op, (left, right))
        if op in ("in", "not in"):
            if right.type.kind not in ("list", "any"):
                self.report.error("XM211", f"'{op}' needs a list on its right, not {right.type}", node.right.span)
            return ir.Op(t.BOOLEAN, op, (left, right))
        return self._arithmetic(node, left, right, nullable)

    def _arithmetic(self, node: ast.Binary, left: ir.Expr, right: ir.Expr, nullable: bool) -> ir.Expr:
        kinds = {left.type.kind, right.type.kind}
        if node.op == "+" and kinds <= {"string", "any"} and "string" in kinds:
            length = (
                None if left.type.length is None or right.type.length is None
                else left.type.length + right.type.length
            )
            return ir.Op(t.ValueType("string", nullable, length=length), "+", (left, right))
        if kinds <= t.NUMERIC | {"any"}:
            kind: t.Kind = "integer" if kinds == {"integer"} and node.op != "/" else "decimal"
            if "any" in kinds:
                kind = "any"
            return ir.Op(t.ValueType(kind, nullable or kind == "any"), node.op, (left, right))
        hint = "convert with to_string() first" if "string" in kinds else None
        self.report.error(
            "XM211", f"'{node.op}' cannot combine {left.type} and {right.type}", node.span, hint
        )
        return ir.Op(t.ANY, node.op, (left, right))

    def _cond(self, node: ast.Cond, scope: Scope) -> ir.Expr:
        test = self.check(node.test, scope)
        self._expect_boolean(test, node.test.span)
        then = self.check(node.then, scope)
        otherwise = self.check(node.otherwise, scope)
        joined = t.join(then.type, otherwise.type)
        if joined.kind == "any" and "any" not in (then.type.kind, otherwise.type.kind):
            self.report.error(
                "XM211", f"the branches give different types: {then.type} and {otherwise.type}", node.span
            )
        return ir.If(joined, test, then, otherwise)

    def _expect_boolean(self, value: ir.Expr, span: Span) -> None:
        if value.type.kind not in ("boolean", "any", "null"):
            self.report.error("XM211", f"expected true or false, not {value.type}", span)

    def _expect_comparable(self, left: ir.Expr, right: ir.Expr, node: ast.Binary) -> None:
        if not (t.assignable(left.type, right.type) or t.assignable(right.type, left.type)):
            self.report.error(
                "XM211", f"cannot compare {left.type} with {right.type}", node.span,
                "convert one side first (to_string, to_decimal, to_date...)",
            )

    # ---- collections -------------------------------------------------------------------

    def _listexpr(self, node: ast.ListExpr, scope: Scope) -> ir.Expr:
        items = tuple(self.check(i, scope) for i in node.items)
        element = t.NULL
        for item in items:
            element = t.join(element, item.type)
        return ir.ListOf(t.ValueType("list", element=element), items)

    def _recordexpr(self, node: ast.RecordExpr, scope: Scope) -> ir.Expr:
        return ir.RecordOf(t.RECORD, tuple((f.name, self.check(f.value, scope)) for f in node.fields))

    def _fail(self, node: ast.Fail, scope: Scope) -> ir.Expr:
        self.report.error("XM226", "'fail' is only an `on_error:` policy", node.span)
        return constant(None)

    # ---- lookups -------------------------------------------------------------------------

    def _lookup(self, node: ast.Lookup, scope: Scope) -> ir.Expr:
        key = self.check(node.key, scope)
        candidates = [
            c for c in self.lookup_targets
            if c.source == node.source and (node.target is None or c.target == node.target)
        ]
        if not candidates:
            known = sorted({c.source for c in self.lookup_targets})
            message = (
                f"nothing maps '{node.source}' to '{node.target}'" if node.target
                else f"'{node.source}' is not mapped or resolved by this spec"
            )
            self.report.unknown("XM219", message, node.span, node.source, known,
                                hint="a lookup needs a `map` or `resolve` block for its object")
            return ir.Lookup(t.ValueType("id", nullable=True), "", key, "null")
        if len(candidates) > 1:
            targets = " and ".join(c.target for c in candidates)
            self.report.error(
                "XM220", f"'{node.source}' is mapped to {targets}; say which one", node.span,
                f"write lookup({node.source} -> {candidates[0].target}, ...)",
            )
        chosen = candidates[0]
        missing = node.missing or "fail"
        if missing == "fallback" and not chosen.resolution:
            self.report.error(
                "XM221", "'missing fallback' needs a resolve block with a `fallback`", node.span,
                "use missing null, defer or fail",
            )
        self.lookups.append((chosen, node.span))
        nullable = missing in ("null", "defer")
        return ir.Lookup(t.ValueType("id", nullable, targets=(chosen.target,)), chosen.name, key, missing)

    # ---- calls -------------------------------------------------------------------------------

    def _lambda(self, node: ast.Lambda, scope: Scope) -> ir.Expr:
        self.report.error(
            "XM226", f"`{node.param} -> ...` is a condition on a list's elements: an argument of "
            f"{', '.join(LIST_TESTS)}", node.span, f"write filter(items, {node.param} -> {node.param}.qty > 0)",
        )
        return constant(None)

    def _list_test(self, node: ast.Call, scope: Scope) -> ir.Expr:
        """``filter(list, x -> test)``, ``any(...)``, ``all(...)``: the test is checked
        with ``x`` bound to an element, typed as the list's elements are."""
        kind = node.func
        if len(node.args) != 2 or node.keywords or not isinstance(node.args[1], ast.Lambda):
            self.report.error("XM226", f"'{kind}' takes a list and a condition on its elements", node.span,
                              f"write {kind}(items, item -> item.qty > 0)")
            for arg in node.args:
                if not isinstance(arg, ast.Lambda):
                    self.check(arg, scope)
            return ir.Call(t.ANY, kind, ())
        value = self.check(node.args[0], scope)
        condition = node.args[1]
        assert isinstance(condition, ast.Lambda)
        if value.type.kind not in ("list", "any", "null"):
            self.report.error("XM211", f"'{kind}' needs a list, not {value.type}", node.args[0].span)
        element = value.type.element or t.ANY
        inner = attrs.evolve(scope, locals={**scope.locals, condition.param: ir.Field(element, LOCAL + condition.param)})
        test = self.check(condition.body, inner)
        self._expect_boolean(test, condition.body.span)
        if kind == "filter":
            result = t.ValueType("list", value.type.nullable, element=element)
        else:
            result = t.BOOLEAN
        return ir.Where(result, kind, value, condition.param, test)  # type: ignore[arg-type]

    def _call(self, node: ast.Call, scope: Scope) -> ir.Expr:
        if node.func in LIST_TESTS and (
            any(isinstance(a, ast.Lambda) for a in node.args)
            or (node.func not in self.defs and node.func not in self.functions)
        ):
            return self._list_test(node, scope)
        if node.func in self.defs:
            return self._inline(node, scope)
        if node.func in self.value_maps:
            return self._map_value(node, scope)
        function = self.functions.get(node.func)
        if function is None and node.func == TODO:
            return self._todo(node, scope)
        if function is None:
            self.report.unknown(
                "XM225", f"unknown function or value map '{node.func}'", node.span, node.func,
                [*self.functions, *self.value_maps, *self.defs],
            )
            for arg in node.args:
                self.check(arg, scope)
            return ir.Call(t.ANY, node.func, ())
        return self._call_function(node, function, scope)

    def _todo(self, node: ast.Call, scope: Scope) -> ir.Expr:
        # Typed non-null ``any`` so the placeholder adds no second, confusing error.
        said = " ".join(str(arg.value) for arg in node.args if isinstance(arg, ast.Literal))
        self.report.error(
            "XM240", f"TODO: {said or 'a decision is left open here'}", node.span,
            "resolve it: replace this todo(...) with an expression, or delete the line",
        )
        return ir.Call(t.ANY.null(False), node.func, ())

    def _map_value(self, node: ast.Call, scope: Scope) -> ir.Expr:
        valuemap, output = self.value_maps[node.func]
        self.used_value_maps.add(node.func)
        if len(node.args) != 1 or node.keywords:
            self.report.error(
                "XM226", f"value map '{node.func}' takes one value", node.span,
                f"write `value | {node.func}`",
            )
            return ir.MapValue(output, node.func, constant(None))
        value = self.check(node.args[0], scope)
        inputs = {entry_input.value for entry in valuemap.entries for entry_input in entry.inputs}
        nullable = value.type.nullable and None not in inputs
        if value.type.values is not None and (valuemap.otherwise is None or valuemap.otherwise.kind == "error"):
            missing = [v for v in value.type.values if v not in inputs]
            if missing:
                shown = ", ".join(repr(v) for v in missing)
                self.report.error(
                    "XM223", f"value map '{node.func}' does not cover {shown}", node.span,
                    f"add entries for them, or an `else` to valuemap {node.func}",
                )
        result = output.null(nullable or output.nullable)
        all_covered = value.type.values is not None and set(value.type.values) <= inputs
        if valuemap.otherwise is not None and valuemap.otherwise.kind == "keep" and not all_covered:
            result = t.join(result, value.type)
        return ir.MapValue(result, node.func, value)

    def _inline(self, node: ast.Call, scope: Scope) -> ir.Expr:
        definition = self.defs[node.func]
        if len(node.args) != len(definition.params) or node.keywords:
            self.report.error(
                "XM226", f"'{node.func}' takes {len(definition.params)} argument(s), not {len(node.args)}",
                node.span, f"def {node.func}({', '.join(definition.params)}) is at line {definition.span.line}",
            )
            return ir.Call(t.ANY, node.func, ())
        if self._inline_depth >= MAX_INLINE_DEPTH:
            self.report.error("XM228", f"'{node.func}' calls itself (functions cannot recurse)", node.span)
            return ir.Call(t.ANY, node.func, ())
        inner = Scope(record=None, locals={
            param: self.check(arg, scope) for param, arg in zip(definition.params, node.args, strict=True)
        })
        self._inline_depth += 1
        try:
            return self.check(definition.body, inner)
        finally:
            self._inline_depth -= 1

    def _call_function(self, node: ast.Call, function: Callable[..., object], scope: Scope) -> ir.Expr:
        signature = function_signature(node.func, function)
        if isinstance(signature, str):
            self.report.error("XM227", signature, node.span)
            return ir.Call(t.ANY, node.func, ())
        params, returns, context = signature
        args = [self.check(a, scope) for a in node.args]
        on_error: ir.OnError | None = None
        keywords: list[tuple[str, ir.Expr]] = []
        by_name = {p.name: p for p in params}
        for keyword in node.keywords:
            if keyword.name == "on_error":
                on_error = self._on_error(keyword, returns, scope)
            elif keyword.name in by_name and not by_name[keyword.name].positional_only:
                keywords.append((keyword.name, self.check(keyword.value, scope)))
            else:
                self.report.unknown(
                    "XM226", f"'{node.func}' has no parameter '{keyword.name}'", keyword.span,
                    keyword.name, [*by_name, "on_error"],
                )
        positional = [p for p in params if not p.keyword_only]
        if len(args) > len(positional):
            self.report.error(
                "XM226", f"'{node.func}' takes at most {len(positional)} argument(s), not {len(args)}",
                node.span, describe(node.func, function),
            )
            args = args[: len(positional)]
        given = {p.name for p in positional[: len(args)]} | {name for name, _ in keywords}
        missing = [p.name for p in params if p.required and p.name not in given]
        if missing:
            self.report.error(
                "XM226", f"'{node.func}' needs {', '.join(missing)}", node.span, describe(node.func, function)
            )
        skips: list[bool] = []
        guards: list[bool] = []
        bound = [*zip(positional, args, strict=False), *((by_name[n], v) for n, v in keywords)]
        for param, value in bound:
            if not t.assignable(value.type, param.type):
                self.report.error(
                    "XM211", f"'{node.func}' expects {param.type} for {param.name}, not {value.type}",
                    node.span, describe(node.func, function),
                )
            skips.append(value.type.nullable and not param.type.nullable)
            guards.append(not param.type.nullable)
        result = refine(node.func, returns, args).null(returns.nullable or any(skips))
        if result.kind == "string" and not context:
            result = self._fold_values(function, args, keywords, result)
        if on_error is not None and on_error.kind == "null":
            result = result.null()
        return ir.Call(result, node.func, tuple(args), tuple(keywords), tuple(skips), on_error, context,
                       tuple(guards))

    def _fold_values(
        self,
        function: Callable[..., object],
        args: list[ir.Expr],
        keywords: list[tuple[str, ir.Expr]],
        result: t.ValueType,
    ) -> t.ValueType:
        """The values a standard function gives for an argument whose values are all
        known (``role | title`` on a source enum), so picklist checks can see them."""
        if not getattr(function, "__module__", "").startswith("crossmap.functions"):
            return result  # only standard functions are known to be pure
        if not args or args[0].type.values is None or any(
            not isinstance(a, ir.Const) for a in (*args[1:], *(v for _, v in keywords))
        ):
            return result
        rest = [a.value for a in args[1:] if isinstance(a, ir.Const)]
        named = {k: v.value for k, v in keywords if isinstance(v, ir.Const)}
        try:
            values = tuple(dict.fromkeys(str(function(v, *rest, **named)) for v in args[0].type.values))
        except Exception:  # noqa: BLE001 - a value the function rejects: nothing known
            return result
        return attrs.evolve(result, values=values, length=max(map(len, values), default=0))

    def _on_error(self, keyword: ast.Keyword, returns: t.ValueType, scope: Scope) -> ir.OnError:
        if isinstance(keyword.value, ast.Fail):
            return ir.OnError("fail")
        if isinstance(keyword.value, ast.Literal) and keyword.value.value is None:
            return ir.OnError("null")
        default = self.check(keyword.value, scope)
        if not t.assignable(default.type, returns):
            self.report.error("XM211", f"the on_error default is {default.type}, not {returns}", keyword.span)
        return ir.OnError("default", default)


# ---- helpers ------------------------------------------------------------------------------------


def _field(obj: schema.ObjectSchema, name: str) -> schema.FieldSchema | None:
    return obj.fields.get(name)


def constant(value: ast.LiteralValue) -> ir.Const:
    """The typed constant of a literal value."""
    if value is None:
        return ir.Const(t.NULL, None)
    if isinstance(value, bool):
        return ir.Const(t.BOOLEAN, "true" if value else "false")
    if isinstance(value, int):
        return ir.Const(t.INTEGER, str(value))
    if isinstance(value, Decimal):
        return ir.Const(t.DECIMAL, format(value, "f"))
    if isinstance(value, str):
        return ir.Const(t.ValueType("string", length=len(value), values=(value,)), value)
    return ir.Const(t.DATETIME if hasattr(value, "hour") else t.DATE, value.isoformat())


@frozen
class Param:
    """A function parameter as the checker sees it."""

    name: str
    type: t.ValueType
    required: bool
    keyword_only: bool
    positional_only: bool = False


def function_signature(
    name: str, function: Callable[..., object]
) -> tuple[tuple[Param, ...], t.ValueType, bool] | str:
    """(parameters, return type, needs context) from the function's type hints, or a
    message saying why they cannot be used. The hints are read by
    ``crossmap.functions.signature_of``, the one reader of function signatures."""
    try:
        signature = signature_of(name, function)
    except FunctionRegistryError as exc:
        return str(exc)
    params = []
    for parameter in signature.parameters:
        value_type = t.from_python(parameter.type)
        if value_type is None:
            return f"function '{name}': the type of parameter '{parameter.name}' is not one crossmap knows"
        params.append(Param(parameter.name, value_type, parameter.required, parameter.keyword_only))
    returns = t.from_python(signature.returns)
    if returns is None:
        return f"function '{name}': its return type is not one crossmap knows"
    return tuple(params), returns, signature.needs_context


def describe(name: str, function: Callable[..., object]) -> str:
    """``name(a: string, b: integer) -> string`` for a hint."""
    try:
        return signature_of(name, function).render()
    except FunctionRegistryError as exc:
        return str(exc)


def _keep_length(returns: t.ValueType, args: list[ir.Expr]) -> t.ValueType:
    if args and args[0].type.kind == "string" and returns.kind == "string":
        return attrs.evolve(returns, length=args[0].type.length)
    return returns


def _truncate(returns: t.ValueType, args: list[ir.Expr]) -> t.ValueType:
    if len(args) > 1 and isinstance(args[1], ir.Const) and args[1].type.kind == "integer":
        length = int(str(args[1].text))
        known = args[0].type.length
        return attrs.evolve(returns, length=length if known is None else min(known, length))
    return returns


_REFINE: dict[str, Callable[[t.ValueType, list[ir.Expr]], t.ValueType]] = {
    "truncate": _truncate,
    "trim": _keep_length,
    "lower": _keep_length,
    "upper": _keep_length,
    "title": _keep_length,
    "capitalize": _keep_length,
    "nonblank": _keep_length,
}


def refine(name: str, returns: t.ValueType, args: list[ir.Expr]) -> t.ValueType:
    """The return type made more precise where a standard function's result is known
    from its arguments (``truncate(x, 80)`` is at most 80 characters long)."""
    refiner = _REFINE.get(name)
    return refiner(returns, args) if refiner else returns
