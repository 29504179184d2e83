"""The compiler's driver: a parsed spec and both schemas → a checked ``Plan``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from crossmap import schema
from crossmap.compiler import graph, ir
from crossmap.compiler import types as t
from crossmap.compiler.declarations import apply_declarations
from crossmap.compiler.diagnostics import Reporter
from crossmap.compiler.expressions import Checker, Scope, constant
from crossmap.compiler.plan import ConnectorRef, JsonValue, Plan, SpecTest, ValueMapPlan
from crossmap.compiler.steps import StepChecker, lookup_targets, ordered_after, step_name
from crossmap.errors import Diagnostic, SpecError
from crossmap.syntax import ast, load, parse


class CompileResult:
    """A plan (when there were no errors) and every diagnostic, warnings included."""

    def __init__(self, plan: Plan | None, diagnostics: list[Diagnostic]) -> None:
        self.plan = plan
        self.diagnostics = diagnostics

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "warning"]


def compile_spec(
    spec: ast.Spec,
    *,
    source_schema: schema.Schema,
    target_schema: schema.Schema,
    functions: Mapping[str, Callable[..., object]],
) -> CompileResult:
    """Check ``spec`` against both schemas; the plan is None if there were errors."""
    report = Reporter()
    source_ref = _connector(spec, "source", report)
    target_ref = _connector(spec, "target", report)
    target_schema, declarations = apply_declarations(spec.of_type(ast.ObjectDecl), target_schema, report)

    value_maps = {vm.name: (vm, _value_map_type(vm, report)) for vm in spec.of_type(ast.ValueMap)}
    defs = _functions(spec.of_type(ast.FunctionDef), report)
    mappings = spec.of_type(ast.Mapping)
    names = _step_names(mappings)
    resolves = spec.of_type(ast.Resolve)
    checker = Checker(
        report, source_schema, functions, value_maps, defs,
        lookup_targets(mappings, resolves, lambda m: names[id(m)]),
    )
    steps_checker = StepChecker(report, checker, source_schema, target_schema, set(functions))

    resolutions = tuple(
        r for r in (steps_checker.resolution(block, f"{block.source}->{block.target}") for block in resolves)
        if r is not None
    )
    steps = tuple(s for s in (steps_checker.mapping(m, names[id(m)]) for m in mappings) if s is not None)
    steps = ordered_after(steps, mappings, lambda m: names[id(m)], report)
    steps, waves, deferred = graph.order(steps)
    for step in steps:
        for assignment in step.assignments:
            field = target_schema.object(step.target).fields[assignment.field]
            if assignment.deferred and field.required_on_create:
                report.error(
                    "XM224", f"'{step.target}.{field.name}' is required, but its lookup is circular "
                    "and can only be filled in a later pass", spec.span,
                )
    _inferred_sources(spec, source_schema, {s.source for s in steps} | {r.source for r in resolutions}, report)
    for name, (vm, _) in value_maps.items():
        if name not in checker.used_value_maps:
            report.warning("XM222", f"value map '{name}' is never used", vm.span, "remove it, or use it")

    tests = tuple(_test(test, checker, source_schema, target_schema, report) for test in spec.of_type(ast.Test))
    plan = Plan(
        spec=spec.span.file,
        title=spec.title,
        source=source_ref,
        target=target_ref,
        declarations=declarations,
        value_maps=tuple(_value_map_plan(vm) for vm, _ in value_maps.values()),
        resolutions=resolutions,
        steps=steps,
        waves=waves,
        deferred=deferred,
        tests=tests,
    )
    diagnostics = sorted(report.diagnostics, key=lambda d: (d.span.file, d.span.start))
    return CompileResult(None if report.failed else plan, diagnostics)


def compile(
    spec: str | Path | ast.Spec,
    *,
    source_schema: schema.Schema,
    target_schema: schema.Schema,
    functions: Mapping[str, Callable[..., object]] | None = None,
) -> Plan:
    """Compile a spec — a path, spec text, or a parsed ``ast.Spec`` — into a plan.

    Raises ``SpecError`` with every diagnostic if there is an error. ``functions``
    defaults to the standard library plus registered user functions.
    """
    result = check(spec, source_schema=source_schema, target_schema=target_schema, functions=functions)
    if result.plan is None:
        raise SpecError(result.diagnostics)
    return result.plan


def check(
    spec: str | Path | ast.Spec,
    *,
    source_schema: schema.Schema,
    target_schema: schema.Schema,
    functions: Mapping[str, Callable[..., object]] | None = None,
) -> CompileResult:
    """Compile a spec, as :func:`compile` does, without raising for its diagnostics:
    the plan (``None`` if there were errors) and every diagnostic, warnings included.

    A spec that cannot be parsed still raises ``SpecError``, and a file that cannot
    be read ``SpecFileError``.
    """
    if isinstance(spec, Path) or (isinstance(spec, str) and spec.endswith(".xmap") and "\n" not in spec):
        spec = load(spec)
    elif isinstance(spec, str):
        spec = parse(spec)
    if functions is None:
        from crossmap.functions import registry

        functions = registry()
    return compile_spec(spec, source_schema=source_schema, target_schema=target_schema, functions=functions)


# ---- parts ------------------------------------------------------------------------------


def _connector(spec: ast.Spec, role: str, report: Reporter) -> ConnectorRef:
    connector = spec.connector(role)
    if connector is None:
        report.error("XM201", f"the spec does not say its {role}", spec.span, f"add `{role} <connector>`")
        return ConnectorRef("")
    options: dict[str, JsonValue] = {}
    for option in connector.options:
        if isinstance(option.value, ast.Literal) and isinstance(option.value.value, str | int | bool | None):
            options[option.name] = option.value.value
        else:
            report.error("XM202", "connector options are plain values (strings, numbers, booleans)", option.span,
                         "credentials belong in a connection profile, not in the spec")
    return ConnectorRef(connector.name, options)


def _inferred_sources(spec: ast.Spec, source_schema: schema.Schema, used: set[str], report: Reporter) -> None:
    """XM236, once: the source objects the spec reads whose schema was inferred from
    a sample of records (a folder source without a schema file)."""
    inferred = [o for o in source_schema.objects.values() if o.name in used and o.inferred_from is not None]
    connector = spec.connector("source")
    if not inferred or connector is None:
        return
    listed = ", ".join(f"'{o.name}' from {o.inferred_from} record{'s' if o.inferred_from != 1 else ''}"
                       for o in inferred)
    report.warning(
        "XM236", f"the source schema is inferred from a sample: {listed}", connector.span,
        "types and nullability are what the sample showed, and string lengths are unknown; "
        "a schema file (`schema = \"schema.json\"`) declares them",
    )


def _step_names(mappings: tuple[ast.Mapping, ...]) -> dict[int, str]:
    names: dict[int, str] = {}
    seen: dict[str, int] = {}
    for mapping in mappings:
        name = step_name(mapping)
        seen[name] = seen.get(name, 0) + 1
        names[id(mapping)] = name if seen[name] == 1 else f"{name}#{seen[name]}"
    return names


def _functions(defs: tuple[ast.FunctionDef, ...], report: Reporter) -> dict[str, ast.FunctionDef]:
    by_name: dict[str, ast.FunctionDef] = {}
    for definition in defs:
        if definition.name in by_name:
            first = by_name[definition.name].span.line
            report.error("XM210", f"function '{definition.name}' is defined twice (first at line {first})",
                         definition.span)
        else:
            by_name[definition.name] = definition
    return by_name


def _value_map_type(vm: ast.ValueMap, report: Reporter) -> t.ValueType:
    seen: dict[object, ast.ValueMapEntry] = {}
    for entry in vm.entries:
        for value in entry.inputs:
            key = (type(value.value), value.value)
            if key in seen:
                report.error("XM210", f"{value.value!r} is mapped twice in '{vm.name}'", value.span,
                             f"the first is at line {seen[key].span.line}")
            seen[key] = entry
    outputs = [constant(e.output.value).type for e in vm.entries]
    if vm.otherwise is not None and vm.otherwise.default is not None:
        outputs.append(constant(vm.otherwise.default.value).type)
    if not outputs:
        return t.ANY
    result = outputs[0]
    for output in outputs[1:]:
        result = t.join(result, output)
    if vm.reversible:
        backwards = [e.output.value for e in vm.entries]
        if len(set(backwards)) != len(backwards):
            report.error("XM230", f"value map '{vm.name}' is reversible but maps two inputs to one output",
                         vm.span, "remove `reversible`, or make every output unique")
    return result


def _value_map_plan(vm: ast.ValueMap) -> ValueMapPlan:
    entries = tuple((constant(i.value), constant(e.output.value)) for e in vm.entries for i in e.inputs)
    otherwise = vm.otherwise.kind if vm.otherwise is not None else "error"
    default = constant(vm.otherwise.default.value) if vm.otherwise and vm.otherwise.default else None
    return ValueMapPlan(vm.name, entries, otherwise, default, vm.reversible, vm.span.line)


def _test(
    test: ast.Test,
    checker: Checker,
    source_schema: schema.Schema,
    target_schema: schema.Schema,
    report: Reporter,
) -> SpecTest:
    scope = Scope(record=None)
    givens = []
    for given in test.givens:
        if given.object not in source_schema.objects:
            report.unknown("XM203", f"the source has no object '{given.object}'", given.span, given.object,
                           source_schema.objects)
        givens.append((given.object, checker.check(given.record, scope)))
    expects: list[tuple[str, ir.Expr | None]] = []
    for expect in test.expects:
        if expect.object not in target_schema:
            report.unknown("XM204", f"the destination has no object '{expect.object}'", expect.span,
                           expect.object, target_schema.objects)
        expects.append((expect.object, checker.check(expect.record, scope) if expect.record else None))
    return SpecTest(test.name, tuple(givens), tuple(expects), test.span.line)
