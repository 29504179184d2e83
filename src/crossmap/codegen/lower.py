"""Plan steps → Python source.

Following cattrs' generators: the source is a list of lines plus a dict of globals;
every helper (functions, value maps, lookups, constants) is bound as a default
argument so the hot path reads locals; each statement carries a comment pointing at
its spec line. Expressions lower to Python expressions (null checks through the
walrus operator, never a hoisted statement, so ``if``, ``??``, ``and`` and ``or``
evaluate exactly what the spec says). The one thing hoisted: a source field read in
more than one place is read once, at the top (a dict's ``get`` has nothing to
reorder). The statements sit in one ``try``, and a failure is named by the line it
was raised on: a table binds each line to its field and spec line (a ``try`` per
field cost ~5% of Job -> Case, each one a jump over its handler). The fields after
the last rule or binding are written in the returned dict, one line each.

Each transform is emitted twice. The fast path trusts the types: a value typed
never-null goes to a function unguarded, a record-typed value is read with ``.get``.
The slow path (``safe_``) guards every argument and reads through ``runtime.member``;
``StepProgram`` runs it only for a record the fast path raised on, so a null an
inferred schema did not foresee gives null, as the reference evaluator says, and the
fast path pays nothing for it. A value map whose ``else`` keeps or defaults holds
``None -> None`` in its table instead of a guard.
"""

from __future__ import annotations

import keyword
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from crossmap.codegen import runtime
from crossmap.compiler import ir
from crossmap.compiler.analysis import find_all
from crossmap.compiler.expressions import LOCAL
from crossmap.compiler.plan import Assignment, Binding, FailRule, Plan, SkipRule, Step
from crossmap.functions import collections as list_functions

_SAFE = re.compile(r"[^0-9A-Za-z_]")

_COMPARE = {"==": "==", "!=": "!=", "<": "<", ">": ">", "<=": "<=", ">=": ">="}
_ARITH = {"+": "+", "-": "-", "*": "*", "%": "%"}


class Emitter:
    """Lowers the expressions of one generated function."""

    def __init__(
        self,
        plan: Plan,
        functions: Mapping[str, Callable[..., object]],
        lookups: runtime.Lookups,
        context: object,
    ) -> None:
        self.plan = plan
        self.functions = functions
        self.lookups = lookups
        self.context = context
        self.safe = False
        """Emitting the slow path: every read and call guards against null, whatever
        the types say (see :func:`step_source`)."""
        self.bound: dict[str, object] = {}  # default-argument name -> value
        self._by_value: dict[tuple[str, object], str] = {}
        self._temps = 0
        self.hoisted: dict[str, str] = {}
        """Source fields read once at the top of the function being emitted -> their local."""
        self.value_maps = {vm.name: vm for vm in plan.value_maps}
        self.steps = {s.name: s for s in plan.steps}
        self.resolutions = {r.name: r for r in plan.resolutions}

    # ---- names -----------------------------------------------------------------------

    def bind(self, kind: str, key: object, value: object) -> str:
        """A default-argument name holding ``value`` (one per distinct key)."""
        try:
            found = self._by_value.get((kind, key))
        except TypeError:  # an unhashable key: never shared
            found = None
        if found is not None:
            return found
        name = f"_{kind}{len(self.bound)}"
        self.bound[name] = value
        try:
            self._by_value[(kind, key)] = name
        except TypeError:
            pass
        return name

    def temp(self) -> str:
        self._temps += 1
        return f"_t{self._temps}"

    # ---- expressions ----------------------------------------------------------------

    def expr(self, node: ir.Expr) -> str:
        method: Callable[[Any], str] = getattr(self, "_" + type(node).__name__.lower())
        return method(node)

    def _const(self, node: ir.Const) -> str:
        value = node.value
        if value is None or isinstance(value, bool | int | str):
            return repr(value)
        return self.bind("c", (type(value).__name__, node.text), value)

    def _field(self, node: ir.Field) -> str:
        if node.root.startswith(LOCAL):
            base = local_name(node.root[len(LOCAL):])
        else:
            base = node.root  # "record" or "element": the generated function's parameters
        if not node.path:
            return base
        head, *rest = node.path
        if self.safe:
            # A value typed as a record may be anything at run time: ``member`` reads
            # through null and fails a record for a value that is not a record.
            member = self.bind("f", "member", runtime.member)
            text = self.hoisted.get(head) or f"_get({head!r})" if base == "record" else f"{member}({base}, {head!r})"
            for part in rest:
                text = f"{member}({text}, {part!r})"
            return text
        if base == "record":
            text = self.hoisted.get(head) or f"_get({head!r})"
        elif base == "element":
            text = f"element.get({head!r})"
        else:  # a let binding may be null (or not a record at all)
            text = f"(None if {base} is None else {base}.get({head!r}))"
        for part in rest:
            t = self.temp()
            text = f"(None if ({t} := {text}) is None else {t}.get({part!r}))"
        return text

    def _index(self, node: ir.Index) -> str:
        helper = self.bind("f", "index", runtime.index)
        return f"{helper}({self.expr(node.value)}, {self.expr(node.key)})"

    def _op(self, node: ir.Op) -> str:
        op = node.op
        args = node.args
        if op == "not":
            return f"(not {self.expr(args[0])})"
        if op == "neg":
            return self._null_guarded(args, lambda a: f"-{a[0]}")
        if op in ("and", "or"):
            return f"(True if ({self.expr(args[0])}) {op} ({self.expr(args[1])}) else False)"
        if op == "??":
            t = self.temp()
            return f"({t} if ({t} := {self.expr(args[0])}) is not None else {self.expr(args[1])})"
        if op in ("==", "!="):
            return f"({self.expr(args[0])} {op} {self.expr(args[1])})"
        if op in ("in", "not in"):
            right = args[1]
            if isinstance(right, ir.ListOf) and all(isinstance(i, ir.Const) for i in right.items):
                members = frozenset(i.value for i in right.items if isinstance(i, ir.Const))
                container = self.bind("c", ("set", tuple(sorted(map(repr, members)))), members)
            else:
                container = self.expr(right)
            return f"({self.expr(args[0])} {op} {container})"
        if op in _COMPARE:
            return self._null_guarded(args, lambda a: f"{a[0]} {op} {a[1]}")
        if op == "/":
            helper = self.bind("f", "divide", runtime.divide)
            return self._null_guarded(args, lambda a: f"{helper}({a[0]}, {a[1]})")
        return self._null_guarded(args, lambda a: f"{a[0]} {_ARITH[op]} {a[1]}")

    def _null_guarded(self, args: tuple[ir.Expr, ...], build: Callable[[list[str]], str]) -> str:
        """``build(args)``, or null when a nullable argument is null (on the slow
        path, when any argument is)."""
        return self._guarded([self.expr(a) for a in args], [a.type.nullable for a in args],
                             [self.safe and not _never_null(a) for a in args], build)

    def _guarded(self, texts: list[str], first: list[bool], later: list[bool],
                 build: Callable[[list[str]], str]) -> str:
        """``build(texts)``, or null: the ``first`` arguments are evaluated first, in
        order, and the first null ends it; then all the others, in order, and a
        null among the ``later`` ones gives null too (the semantics of
        ``reference.py``, which the slow path spells out and the fast path, where
        ``later`` is empty, agrees with whenever it does not raise)."""
        texts = list(texts)
        checks: list[str] = []
        for position, text in enumerate(texts):
            if first[position]:
                t = self.temp()
                checks.append(f"({t} := {text}) is None")
                texts[position] = t
        rest = [p for p in range(len(texts)) if not first[p]]
        if any(later[p] for p in rest):
            temps = []
            for p in rest:
                t = self.temp()
                temps.append(f"({t} := {texts[p]})")
                texts[p] = t
            checks.append(f"not ({', '.join(temps)},)")
            checks.extend(f"{texts[p]} is None" for p in rest if later[p])
        if not checks:
            return f"({build(texts)})"
        return f"(None if {' or '.join(checks)} else {build(texts)})"

    def _if(self, node: ir.If) -> str:
        return f"({self.expr(node.then)} if {self.expr(node.test)} else {self.expr(node.otherwise)})"

    def _where(self, node: ir.Where) -> str:
        # A comprehension binds its element as the local the test reads; its
        # iterable is a plain name (no walrus may stand there), bound just before.
        t, v = self.temp(), local_name(node.param)
        test = self.expr(node.test)
        if node.kind == "filter":
            return f"(None if ({t} := {self.expr(node.value)}) is None else [{v} for {v} in {t} if {test}])"
        return f"({node.kind}(({test}) for {v} in {t}) if ({t} := {self.expr(node.value)}) is not None else {node.kind == 'all'})"

    def _listof(self, node: ir.ListOf) -> str:
        return "[" + ", ".join(self.expr(i) for i in node.items) + "]"

    def _recordof(self, node: ir.RecordOf) -> str:
        return "{" + ", ".join(f"{name!r}: {self.expr(v)}" for name, v in node.fields) + "}"

    def _mapvalue(self, node: ir.MapValue) -> str:
        vm = self.value_maps[node.valuemap]
        table = vm.table()
        if None not in table and vm.otherwise != "error":
            # A null the map does not list gives null, whatever its type says: the
            # table says so itself, so no guard is needed (a ``keep`` map gives it anyway).
            table[None] = None
        mapping = self.bind("vm", vm.name, table)
        value = self.expr(node.value)
        t = self.temp()
        guard = (node.value.type.nullable or self.safe) and None not in table
        # The value is evaluated once: bound to a temporary at its first use.
        first = t if guard else f"({t} := {value})"
        if vm.otherwise == "keep":
            lookup = f"{mapping}.get({first}, {t})"
        elif vm.otherwise == "default":
            lookup = f"{mapping}.get({first}, {self._const(vm.default) if vm.default else 'None'})"
        else:
            miss = self.bind("f", "value_map_miss", runtime.value_map_miss)
            r = self.temp()
            lookup = f"({r} if ({r} := {mapping}.get({first}, {miss})) is not {miss} else {miss}({vm.name!r}, {t}))"
        return f"(None if ({t} := {value}) is None else {lookup})" if guard else lookup

    def _lookup(self, node: ir.Lookup) -> str:
        target = (self.steps[node.step].target if node.step in self.steps
                  else self.resolutions[node.step].target if node.step in self.resolutions else "?")
        get, miss = runtime.lookup_parts(self.lookups, node.step, target, node.missing)
        found = self.bind("lk", node.step, get)
        k, r = self.temp(), self.temp()
        if node.missing == "null":
            return f"(None if ({k} := {self.expr(node.key)}) is None else {found}({k}))"
        otherwise = f"{self.bind('miss', (node.step, node.missing), miss)}({k})"
        if node.missing == "fallback":  # a null key takes the fallback too
            return (f"({r} if ({k} := {self.expr(node.key)}) is not None "
                    f"and ({r} := {found}({k})) is not None else {otherwise})")
        return (f"(None if ({k} := {self.expr(node.key)}) is None "
                f"else {r} if ({r} := {found}({k})) is not None else {otherwise})")

    def _call(self, node: ir.Call) -> str:
        function = self.functions[node.function]
        on_error = node.on_error
        inline = _INLINE.get(function)
        values = [*node.args, *(v for _, v in node.keywords)]
        skips = list(node.null_skips or (False,) * len(values))
        guards = [self.safe and guard and not skip and not _never_null(value)
                  for value, skip, guard in zip(values, skips, node.null_guards or skips, strict=False)]
        if (inline is not None and len(node.args) == 1 and not node.keywords and on_error is None
                and not node.context and not any(skips) and not any(guards)):
            t = self.temp()
            return inline(f"({t} := {self.expr(node.args[0])})", t)
        if on_error is not None and on_error.kind == "null":
            function = runtime.on_error_null(function)
            name = self.bind("fn", (node.function, "null"), function)
        elif on_error is not None and on_error.kind == "default":
            function = runtime.on_error_marker(function)
            name = self.bind("fn", (node.function, "default"), function)
        else:
            name = self.bind("fn", node.function, function)
        texts = [self.expr(value) for value in values]
        context = f"context={self.bind('ctx', 'context', self.context)}" if node.context else None

        def build(arguments: list[str]) -> str:
            named = [f"{node.keywords[p - len(node.args)][0]}={a}" if p >= len(node.args) else a
                     for p, a in enumerate(arguments)]
            call = f"{name}({', '.join([*named, *([context] if context else [])])})"
            if on_error is not None and on_error.kind == "default" and on_error.default is not None:
                marker = self.bind("c", "ERROR", runtime.ERROR)
                r = self.temp()
                call = f"({r} if ({r} := {call}) is not {marker} else {self.expr(on_error.default)})"
            return call

        if not any(skips) and not any(guards):
            return build(texts)
        return self._guarded(texts, skips, guards, build)


_INLINE: dict[Callable[..., object], Callable[[str, str], str]] = {
    list_functions.count: lambda value, t: f"(len({t}) if {value} else 0)",
    list_functions.first: lambda value, t: f"({t}[0] if {value} else None)",
}
"""Built-ins written in place of a call: each function's own body, ``value`` the
argument (bound to ``t`` where the condition reads it first). Only the registry's
own functions, by identity: a user's function of the same name is called."""


def _never_null(node: ir.Expr) -> bool:
    """A constant that is not null: no guard can ever be needed for it."""
    return isinstance(node, ir.Const) and node.text is not None


def local_name(name: str) -> str:
    """A Python identifier for a ``let`` binding."""
    safe = _SAFE.sub("_", name)
    return f"v_{safe}" if not keyword.iskeyword(safe) else f"v_{safe}_"


# ---- functions ------------------------------------------------------------------------


class _Body:
    """A generated function's body: statements in one ``try``, each line mapped to its
    field and spec line, and a handler that names the failure by the line it was
    raised on (:func:`runtime.failure_at`)."""

    def __init__(self, prelude: Iterable[str]) -> None:
        self.lines = ["    _get = record.get", *prelude, "    try:"]
        self.places: dict[int, tuple[str | None, int]] = {}  # offset from the def -> (field, line)

    def emit(self, text: str, field: str | None, line: int) -> None:
        self.places[len(self.lines) + 1] = (field, line)
        self.lines.append("        " + text)

    def close(self, emitter: Emitter, key: object) -> list[str]:
        places = emitter.bind("places", key, self.places)
        return [*self.lines, "    except _FAILURES as _e:", f"        raise _failure_at(_e, {places}) from None"]


def step_source(
    plan: Plan,
    step: Step,
    emitter: Emitter,
    *,
    deferred: bool,
    safe: bool = False,
) -> tuple[str, list[str]]:
    """(function name, source lines) of the transform of ``step``: the fields written
    at load time, or (``deferred=True``) those of the later update pass.

    The fast path (``safe=False``) trusts the types: a value typed never-null is
    passed on unguarded. The slow path (``safe=True``) guards every read and every
    argument, so a null the types did not foresee (a schema inferred from a sample,
    a record that breaks its schema) gives null, not a crash; a value that is not
    the record its type says fails the record. The engine runs the slow path only
    for a record the fast one raised on, so the two agree with the reference
    evaluator and the hot path pays nothing.

    Statements run in spec order — ``let`` bindings, ``skip when`` and ``fail when``
    rules and field assignments as written — so a rule sees the bindings above it
    and a record it skips or fails computes nothing after the rule. A ``fail when``
    that holds raises the same ``_FieldFailure`` a failing field does, without a
    field, so the record fails with the rule's reason and line."""
    spec = plan.spec
    statements: list[Binding | Assignment | SkipRule | FailRule] = sorted(
        [*step.body, *step.skips, *step.fails], key=lambda st: st.line
    )
    emitted = [s for s in statements if not isinstance(s, Assignment) or s.deferred == deferred]
    emitter.safe = safe
    emitter.hoisted = _read_twice(s.when if isinstance(s, SkipRule | FailRule) else s.value for s in emitted)
    body = _Body(f"    {local} = _get({head!r})" for head, local in emitter.hoisted.items())
    emit = body.emit
    # The assignments after the last rule or binding go in the returned dict itself,
    # evaluated in the same order without a local each (up to ~4% of Job -> Case).
    returned: list[Assignment] = []
    while emitted and isinstance(last := emitted[-1], Assignment):
        returned.insert(0, last)
        emitted.pop()
    fields: list[str] = []
    for statement in emitted:
        line = statement.line
        if isinstance(statement, SkipRule | FailRule):
            test = f"_{'skip' if isinstance(statement, SkipRule) else 'fail'}{line}"
            emit(f"{test} = {emitter.expr(statement.when)}  # {spec}:{line}", None, line)
            emit(f"if {test}:", None, line)
            if isinstance(statement, SkipRule):
                emit(f"    return {emitter.bind('skip', line, statement)}", None, line)
            else:
                emit(f"    raise _FieldFailure(None, {line}, {statement.reason!r})", None, line)
            continue
        if isinstance(statement, Binding):
            target, field = local_name(statement.name), None
        else:
            target, field = "f_" + _SAFE.sub("_", statement.field), statement.field
            fields.append(f"{statement.field!r}: {target}")
        emit(f"{target} = {emitter.expr(statement.value)}  # {spec}:{line}", field, line)
    emit("return {" + "".join(f"{entry}, " for entry in fields), None, step.line)
    for assignment in returned:
        value = emitter.expr(assignment.value)
        emit(f"    {assignment.field!r}: {value},  # {spec}:{assignment.line}", assignment.field, assignment.line)
    emit("}", None, step.line)
    emitter.hoisted = {}
    emitter.safe = False
    name = ("safe_" if safe else "") + ("deferred_" if deferred else "transform_")
    name += _SAFE.sub("_", step.name.replace("->", "_to_"))
    lines = body.close(emitter, (step.name, deferred, safe))
    return name, [f"# {spec}: {step.name} (spec line {step.line})", f"def {name}(record, element=None):", *lines]


def _read_twice(expressions: Iterable[ir.Expr]) -> dict[str, str]:
    """The source record's fields read in more than one place, each with a local."""
    reads: Counter[str] = Counter(
        node.path[0] for expression in expressions for node in find_all(expression, ir.Field)
        if node.root == "record" and node.path
    )
    return {head: f"_r{i}" for i, head in enumerate(h for h, n in reads.items() if n > 1)}


def key_source(plan: Plan, step: Step, emitter: Emitter) -> tuple[str, list[str]]:
    """(function name, source lines) of the function giving a record's key; it
    computes the ``let`` bindings first when the key reads them. A failure raises
    ``_FieldFailure`` without a field, on the line of the statement that failed."""
    name = "key_" + _SAFE.sub("_", step.name.replace("->", "_to_"))
    body = _Body(())
    emitter.safe = True  # a key is short, and must never crash on a null it did not expect
    # Only the bindings the key reads (and those they read), in spec order: the
    # reference evaluator computes a binding on demand, so one the key does not need
    # cannot fail the key.
    needed = _locals_read(step.key)
    bindings = [st for st in step.body if isinstance(st, Binding)]
    for statement in reversed(bindings):
        if statement.name in needed:
            needed |= _locals_read(statement.value)
    for statement in bindings:
        if statement.name in needed:
            body.emit(f"{local_name(statement.name)} = {emitter.expr(statement.value)}  "
                      f"# {plan.spec}:{statement.line}", None, statement.line)
    body.emit(f"return {emitter.expr(step.key)}  # {plan.spec}:{step.line}", None, step.line)
    emitter.safe = False
    return name, [f"def {name}(record, element=None):", *body.close(emitter, (step.name, "key"))]


def _locals_read(node: ir.Expr) -> set[str]:
    """The ``let`` names an expression reads."""
    return {f.root[len(LOCAL):] for f in find_all(node, ir.Field) if f.root.startswith(LOCAL)}
