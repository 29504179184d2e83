"""A plan's steps compiled to Python functions."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from attrs import frozen

from crossmap.codegen import runtime
from crossmap.codegen._linecache import register
from crossmap.codegen.lower import Emitter, key_source, step_source
from crossmap.compiler.plan import Plan, Resolution, SkipRule, Step
from crossmap.functions import FunctionContext

Transform = Callable[..., "dict[str, Any] | SkipRule"]


@frozen(eq=False)
class StepProgram:
    """The generated functions of one step.

    ``transform(record, element=None)`` gives the row's fields (or the ``SkipRule``
    that skipped it) and raises ``FieldFailure``; ``apply`` and ``run_batch`` turn that
    into ``Row`` / ``Skipped`` / ``Failed`` results. ``source`` is the generated code.
    ``safe`` and ``safe_deferred`` are the slow paths of ``transform`` and
    ``deferred``: the same statements, guarded against a null or a non-record the
    types did not foresee; ``apply`` falls back to them when the fast path raises.
    """

    step: Step
    transform: Transform
    key: Callable[..., object]
    deferred: Transform | None
    source: str
    safe: Transform | None = None
    safe_deferred: Transform | None = None

    def apply(self, record: Mapping[str, Any], element: Any = None) -> runtime.Result:
        """The result for one record (or one element of its nested list)."""
        try:
            key = _text(self.key(record, element))
        except runtime.FieldFailure as failure:  # the key's expression, or a `let` it reads
            return runtime.Failed(self.step.source, None, None, self.step.line, f"its key: {failure.reason}")
        except runtime.TransformError as exc:  # a null key
            return runtime.Failed(self.step.source, None, None, self.step.line, f"its key: {exc}")
        try:
            out = _guarded_call(self.transform, self.safe, record, element)
        except runtime.FieldFailure as failure:
            return self._failed(key, failure)
        if isinstance(out, SkipRule):
            return runtime.Skipped(key, out.reason, out.line)
        return runtime.Row(key, out)

    def apply_deferred(
        self, record: Mapping[str, Any], element: Any = None
    ) -> runtime.Row | runtime.Failed | None:
        """The fields of the later update pass for one record (``None`` when the step
        has none): a ``Row``, or the ``Failed`` naming the field that could not be
        computed (a ``missing fail`` lookup whose parent never loaded, say)."""
        if self.deferred is None:
            return None
        try:
            key = _text(self.key(record, element))
        except (runtime.FieldFailure, runtime.TransformError):
            return None  # the record failed at load time, for its key
        try:
            out = _guarded_call(self.deferred, self.safe_deferred, record, element)
        except runtime.FieldFailure as failure:
            return self._failed(key, failure)
        return runtime.Row(key, out if isinstance(out, dict) else {})

    def _failed(self, key: str, failure: runtime.FieldFailure) -> runtime.Failed:
        cause = failure.cause
        parent = (cause.step, _text(cause.key)) if isinstance(cause, runtime.MissingParent) else None
        return runtime.Failed(self.step.source, key, failure.field, failure.line, failure.reason, parent)

    def run(self, record: Mapping[str, Any]) -> Iterator[runtime.Result]:
        """Every result of one source record: one, or one per nested-list element."""
        if not self.step.path:
            yield self.apply(record)
            return
        for element in elements(record, self.step.path):
            yield self.apply(record, element)

    def run_batch(
        self, records: Iterable[Mapping[str, Any]]
    ) -> tuple[list[tuple[str, dict[str, Any]]], list[runtime.Skipped | runtime.Failed]]:
        """(key, row) pairs and the other outcomes of a batch, on the lean path the
        engine and the benchmarks use."""
        if self.step.path:
            return self._run_nested_batch(records)
        transform, key_of = self.transform, self.key
        rows: list[tuple[str, dict[str, Any]]] = []
        others: list[runtime.Skipped | runtime.Failed] = []
        for record in records:
            try:
                out = transform(record)
                key = key_of(record)
                if key.__class__ is not str:
                    key = _text(key)  # a null key raises: the slow path says so
            except Exception:  # noqa: BLE001 - the slow path below says what failed
                result = self.apply(record)
                if isinstance(result, runtime.Row):
                    rows.append((result.key, result.values))
                else:
                    others.append(result)
                continue
            if out.__class__ is dict:
                rows.append((key, out))
            else:
                others.append(runtime.Skipped(key, out.reason, out.line))  # type: ignore[union-attr]
        return rows, others

    def _run_nested_batch(
        self, records: Iterable[Mapping[str, Any]]
    ) -> tuple[list[tuple[str, dict[str, Any]]], list[runtime.Skipped | runtime.Failed]]:
        """``run_batch`` for a fan-out step: the same lean path, once per element of
        each record's nested list (no ``Row`` or generator per element)."""
        transform, key_of, path = self.transform, self.key, self.step.path
        rows: list[tuple[str, dict[str, Any]]] = []
        others: list[runtime.Skipped | runtime.Failed] = []
        for record in records:
            for element in elements(record, path):
                try:
                    out = transform(record, element)
                    key = key_of(record, element)
                    if key.__class__ is not str:
                        key = _text(key)  # a null key raises: the slow path says so
                except Exception:  # noqa: BLE001 - the slow path below says what failed
                    result = self.apply(record, element)
                    if isinstance(result, runtime.Row):
                        rows.append((result.key, result.values))
                    else:
                        others.append(result)
                    continue
                if out.__class__ is dict:
                    rows.append((key, out))
                else:
                    others.append(runtime.Skipped(key, out.reason, out.line))  # type: ignore[union-attr]
        return rows, others


def _guarded_call(fast: Transform, safe: Transform | None, record: Mapping[str, Any],
                  element: Any) -> dict[str, Any] | SkipRule:
    """``fast(record, element)``; when it raises, the slow path's answer (the
    fast path trusts the types, and a null they did not foresee makes it raise)."""
    try:
        return fast(record, element)
    except (runtime.FieldFailure, AttributeError):
        if safe is None:
            raise
        return safe(record, element)


def _text(key: object) -> str:
    if key is None:
        raise runtime.TransformError("the key is null")
    return key if isinstance(key, str) else str(key)


def elements(record: Mapping[str, Any], path: tuple[str, ...]) -> Iterator[Any]:
    """The elements of the nested list at ``path`` (missing or null: none). Every
    element is one: a list of strings fans out as well as a list of records, and an
    element that is not the record the step reads fails on its own."""
    value: Any = record
    for part in path:
        value = value.get(part) if isinstance(value, Mapping) else None
    yield from value or ()


@frozen(eq=False)
class ResolutionProgram:
    """A resolve block, compiled: ``key(record)`` is the source side of its ``by``
    clause; ``target_key(value)`` applies the same functions to a destination
    field's value, so the two sides compare (``None`` when they cannot)."""

    resolution: Resolution
    key: Callable[..., object]
    target_key: Callable[[object], object]

    def match_key(self, record: Mapping[str, Any]) -> tuple[object, str | None]:
        """``(key, None)`` for a source record, or ``(None, reason)`` when its key
        cannot be computed (the record then matches nothing)."""
        try:
            return self.key(record), None
        except runtime.FAILURES as exc:
            return None, f"its match key: {runtime.failure_reason(exc)}"


@frozen(eq=False)
class Program:
    """Every step and resolution of a plan, compiled."""

    plan: Plan
    steps: Mapping[str, StepProgram]
    resolutions: Mapping[str, ResolutionProgram] = {}

    def __getitem__(self, name: str) -> StepProgram:
        return self.steps[name]


def generate(
    plan: Plan,
    *,
    functions: Mapping[str, Callable[..., object]] | None = None,
    lookups: runtime.Lookups | None = None,
    context: FunctionContext | None = None,
) -> Program:
    """Compile every step of ``plan`` to Python functions.

    ``lookups`` resolves ``lookup()`` (the run's crosswalk; empty by default);
    ``context`` supplies ``now()`` and the default time zone, so transforms are
    deterministic under test.
    """
    if functions is None:
        from crossmap.functions import registry

        functions = registry()
    lookups = lookups if lookups is not None else runtime.MemoryLookups()
    context = context if context is not None else FunctionContext()
    steps = {}
    for step in plan.steps:
        steps[step.name] = _compile_step(plan, step, functions, lookups, context)
    resolutions = {
        r.name: _compile_resolution(plan, r, functions, lookups, context) for r in plan.resolutions
    }
    return Program(plan, steps, resolutions)


def _compile_resolution(
    plan: Plan,
    resolution: Resolution,
    functions: Mapping[str, Callable[..., object]],
    lookups: runtime.Lookups,
    context: FunctionContext,
) -> ResolutionProgram:
    emitter = Emitter(plan, functions, lookups, context)
    value = emitter.expr(resolution.source_key)
    name = "resolve_" + resolution.name.replace("->", "_to_")
    defaults = "".join(f", {k}={k}" for k in emitter.bound)
    source = "\n".join([
        f"def {name}(record, element=None{defaults}):",
        "    _get = record.get",
        f"    return {value}  # {plan.spec}:{resolution.line}",
        "",
    ])
    namespace: dict[str, Any] = dict(emitter.bound)
    exec(compile(source, register(source, f"{plan.spec} {resolution.name}"), "exec"), namespace)  # noqa: S102
    chain = [functions[f] for f in resolution.target_transforms]

    def target_key(value: object) -> object:
        try:
            for function in chain:
                if value is None:
                    return None
                value = function(value)
        except runtime.FAILURES:  # a value the functions cannot take matches nothing
            return None
        return value

    return ResolutionProgram(resolution, namespace[name], target_key)


def _compile_step(
    plan: Plan,
    step: Step,
    functions: Mapping[str, Callable[..., object]],
    lookups: runtime.Lookups,
    context: FunctionContext,
) -> StepProgram:
    emitter = Emitter(plan, functions, lookups, context)
    # Lower every function first: each binds the helpers it needs, and all share them.
    parts = [step_source(plan, step, emitter, deferred=False), step_source(plan, step, emitter, deferred=False, safe=True)]
    has_deferred = any(a.deferred for a in step.assignments)
    if has_deferred:
        parts.append(step_source(plan, step, emitter, deferred=True))
        parts.append(step_source(plan, step, emitter, deferred=True, safe=True))
    key_name, key_lines = key_source(plan, step, emitter)
    defaults = ", ".join(f"{k}={k}" for k in emitter.bound)
    lines: list[str] = []
    for _, function_lines in [*parts, (key_name, key_lines)]:
        for line in function_lines:
            if line.startswith("def "):
                # Every helper the functions use is bound as a default argument.
                line = line.replace("(record, element=None)", f"(record, element=None{', ' + defaults if defaults else ''})")
            lines.append(line)
        lines.append("")
    source = "\n".join(lines)
    namespace: dict[str, Any] = {
        **emitter.bound,
        "_FAILURES": runtime.FAILURES,
        "_FieldFailure": runtime.FieldFailure,
        "_failure_at": runtime.failure_at,
    }
    filename = register(source, f"{plan.spec} {step.name}")
    exec(compile(source, filename, "exec"), namespace)  # noqa: S102 - our own generated code
    transform = namespace[parts[0][0]]
    deferred = namespace[parts[2][0]] if has_deferred else None
    safe_deferred = namespace[parts[3][0]] if has_deferred else None
    return StepProgram(step, transform, namespace[key_name], deferred, source, namespace[parts[1][0]], safe_deferred)
