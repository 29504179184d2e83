"""Spec tests: a spec's ``test`` blocks, run through its generated transforms.

A test gives source records and expects destination rows. Running one means: build
the given records, run every step whose source object they belong to in wave order
(the same generated code a migration runs), and compare each expectation with the
rows produced for its destination object. Nothing leaves the process: lookups go
through an in-memory crosswalk that hands each produced row a made-up id —
``<Account 1>`` for the first Account row — so records given together can refer to
each other; a resolve block's lookups get one for each given record of its source
object (``<User 1>``...), else its fallback (``<User fallback>``).

An expectation is a partial match: only the fields it lists are compared, and it
passes when some produced row of its object has all of them. ``expect no X`` passes
when no row of ``X`` was produced. A failed expectation carries a field-level diff
against the closest row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from attrs import frozen

from crossmap import schema
from crossmap.codegen import runtime
from crossmap.codegen.program import Program, StepProgram, elements, generate
from crossmap.codegen.reference import evaluate_expression
from crossmap.compiler import ir
from crossmap.compiler.plan import Plan, SpecTest
from crossmap.functions import FunctionContext


class _Missing:
    """The value of a field a row does not set (shown as ``(not set)``)."""

    def __repr__(self) -> str:
        return "(not set)"


NOT_SET: Any = _Missing()
"""What ``FieldDiff.actual`` holds for a field the closest row does not set."""


@frozen
class FieldDiff:
    """One field where the closest row differs from what the test expects."""

    field: str
    expected: object
    actual: object


@frozen
class Expectation:
    """The outcome of one ``expect`` of destination object ``target`` (``expected``
    is None for ``expect no X``).

    ``closest`` is the row that matched, or else the one sharing most fields with the
    expectation (None when no row of the object was produced); ``diffs`` compares it
    field by field; ``rows`` counts the object's produced rows.
    """

    target: str
    expected: Mapping[str, object] | None
    passed: bool
    rows: int
    closest: Mapping[str, object] | None = None
    diffs: tuple[FieldDiff, ...] = ()

    def describe(self) -> str:
        """What was expected, and (if it failed) what happened instead."""
        if self.expected is None:
            head = f"expect no {self.target}"
            if self.passed:
                return head
            return f"{head}: {self.rows} {self.target} row{'s' if self.rows != 1 else ''} produced"
        head = f"expect {self.target} {{{', '.join(self.expected)}}}"
        if self.passed:
            return head
        if self.closest is None:
            return f"{head}: no {self.target} row was produced"
        table = [("field", "expected", "actual")]
        table.extend((d.field, repr(d.expected), repr(d.actual)) for d in self.diffs)
        first = max(len(row[0]) for row in table)
        second = max(len(row[1]) for row in table)
        plural = "s" if self.rows != 1 else ""
        lines = [f"{head}: no match among {self.rows} {self.target} row{plural}; the closest differs in:"]
        lines.extend(f"    {a.ljust(first)}  {b.ljust(second)}  {c}".rstrip() for a, b, c in table)
        return "\n".join(lines)


@frozen
class SpecTestResult:
    """The outcome of one ``test`` block: its expectations, and what happened to the
    given records on the way (rows made, records skipped or failed)."""

    name: str
    spec: str
    line: int
    expectations: tuple[Expectation, ...]
    rows: Mapping[str, tuple[Mapping[str, object], ...]]
    skipped: tuple[runtime.Skipped, ...] = ()
    failed: tuple[runtime.Failed, ...] = ()
    error: str | None = None

    @property
    def passed(self) -> bool:
        """True when the records could be built and every expectation held."""
        return self.error is None and all(e.passed for e in self.expectations)

    @property
    def location(self) -> str:
        """``spec.xmap:LINE`` of the test block."""
        return f"{self.spec}:{self.line}"

    def to_dict(self) -> dict[str, Any]:
        """The result as plain data: what ``crossmap test --json`` prints per test
        (docs/cli.md says its shape)."""
        return {
            "spec": self.spec, "line": self.line, "name": self.name, "passed": self.passed,
            "error": self.error,
            "expectations": [
                {"target": e.target, "passed": e.passed, "rows": e.rows,
                 "diffs": [{"field": d.field, "expected": d.expected, "actual": d.actual} for d in e.diffs]}
                for e in self.expectations
            ],
        }

    def render(self) -> str:
        """A report for people: the verdict, each failed expectation's diff, and the
        records that were skipped or failed (usually why a row is missing)."""
        verdict = "passed" if self.passed else "FAILED"
        lines = [f"{self.location}: test {self.name!r} {verdict}"]
        if self.error is not None:
            lines.append(f"  the given records could not be built: {self.error}")
        for expectation in self.expectations:
            if not expectation.passed:
                lines.extend("  " + line for line in expectation.describe().splitlines())
        if not self.passed:
            lines.extend(f"  note: {failure}" for failure in self.failed)
            lines.extend(
                f"  note: {skip.key!r} skipped (spec line {skip.line}): {skip.reason}" for skip in self.skipped
            )
        return "\n".join(lines)


class _Crosswalk(runtime.MemoryLookups):
    """The test's in-memory crosswalk, handing out ``<Object N>`` ids."""

    def __init__(self) -> None:
        super().__init__()
        self.counts: dict[str, int] = {}

    def new_id(self, target: str) -> str:
        self.counts[target] = self.counts.get(target, 0) + 1
        return f"<{target} {self.counts[target]}>"


def run_spec_tests(
    plan: Plan,
    *,
    source_schema: schema.Schema | None = None,
    functions: Mapping[str, Callable[..., object]] | None = None,
    context: FunctionContext | None = None,
) -> list[SpecTestResult]:
    """Run every ``test`` block of ``plan``, in order.

    ``source_schema`` says which field is each source object's key (for resolve
    blocks' lookups; ``id`` where it does not say); ``context`` fixes ``now()``.
    """
    return [
        run_spec_test(plan, test, source_schema=source_schema, functions=functions, context=context)
        for test in plan.tests
    ]


def run_spec_test(
    plan: Plan,
    test: SpecTest,
    *,
    source_schema: schema.Schema | None = None,
    functions: Mapping[str, Callable[..., object]] | None = None,
    context: FunctionContext | None = None,
) -> SpecTestResult:
    """Run one ``test`` block of ``plan`` (see the module's docstring)."""
    if functions is None:
        from crossmap.functions import registry

        functions = registry()
    context = context if context is not None else FunctionContext()
    crosswalk = _Crosswalk()
    try:
        given = _given(plan, test, functions, context)
        expected = [
            (name, None if record is None else _record(plan, record, functions, context))
            for name, record in test.expects
        ]
    except runtime.FAILURES as exc:
        return SpecTestResult(test.name, plan.spec, test.line, (), {}, error=str(exc) or type(exc).__name__)
    _resolve(plan, given, crosswalk, source_schema)
    program = generate(plan, functions=functions, lookups=crosswalk, context=context)
    rows, skipped, failed = _run(plan, program, given, crosswalk)
    expectations = tuple(_check(name, record, rows.get(name, [])) for name, record in expected)
    return SpecTestResult(
        test.name, plan.spec, test.line, expectations,
        {name: tuple(found) for name, found in rows.items()}, tuple(skipped), tuple(failed),
    )


# ---- the steps --------------------------------------------------------------------------------


def _record(
    plan: Plan, node: ir.Expr, functions: Mapping[str, Callable[..., object]], context: FunctionContext
) -> dict[str, object]:
    value = evaluate_expression(plan, node, functions=functions, context=context)
    if not isinstance(value, dict):
        raise runtime.TransformError(f"a test record must be a record, not {value!r}")
    return value


def _given(
    plan: Plan, test: SpecTest, functions: Mapping[str, Callable[..., object]], context: FunctionContext
) -> dict[str, list[dict[str, object]]]:
    given: dict[str, list[dict[str, object]]] = {}
    for source, node in test.givens:
        given.setdefault(source, []).append(_record(plan, node, functions, context))
    return given


def _resolve(
    plan: Plan,
    given: Mapping[str, list[dict[str, object]]],
    crosswalk: _Crosswalk,
    source_schema: schema.Schema | None,
) -> None:
    """Every given record of a resolve block's object matches a destination record;
    anything else gets the fallback (if the block has one)."""
    for resolution in plan.resolutions:
        obj = source_schema.find_object(resolution.source) if source_schema is not None else None
        key_field = obj.key if obj is not None and obj.key else "id"
        for record in given.get(resolution.source, []):
            key = record.get(key_field)
            if key is not None:
                crosswalk.add(resolution.name, key, crosswalk.new_id(resolution.target))
        if resolution.fallback is not None:
            crosswalk.fallbacks[resolution.name] = f"<{resolution.target} fallback>"


def _run(
    plan: Plan,
    program: Program,
    given: Mapping[str, list[dict[str, object]]],
    crosswalk: _Crosswalk,
) -> tuple[dict[str, list[dict[str, object]]], list[runtime.Skipped], list[runtime.Failed]]:
    rows: dict[str, list[dict[str, object]]] = {}
    skipped: list[runtime.Skipped] = []
    failed: list[runtime.Failed] = []
    made: list[tuple[str, str, Mapping[str, object], Mapping[str, object] | None, dict[str, object]]] = []
    for wave in plan.waves:
        for name in wave:
            step_program = program[name]
            step = step_program.step
            for record in given.get(step.source, []):
                parts = list(elements(record, step.path)) if step.path else [None]
                for element in parts:
                    result = step_program.apply(record, element)
                    if isinstance(result, runtime.Skipped):
                        skipped.append(result)
                    elif isinstance(result, runtime.Failed):
                        failed.append(result)
                    else:
                        row = dict(result.values)
                        rows.setdefault(step.target, []).append(row)
                        made.append((name, result.key, record, element, row))
                        _remember(crosswalk, step_program, record, element, result.key, step.target)
    # The update pass: self and circular lookups, now that every row has its id.
    for name, key, source, part, values in made:
        deferred = program[name].deferred
        if deferred is None:
            continue
        try:
            out = deferred(source, part)
        except runtime.FieldFailure as failure:
            step = program[name].step
            failed.append(runtime.Failed(step.source, key, failure.field, failure.line, failure.reason))
            continue
        if isinstance(out, dict):
            values.update(out)
    return rows, skipped, failed


def _remember(
    crosswalk: _Crosswalk,
    step_program: StepProgram,
    record: Mapping[str, object],
    element: Mapping[str, object] | None,
    key: str,
    target: str,
) -> None:
    """Give the row an id, findable by its key as text and as the raw value."""
    new_id = crosswalk.new_id(target)
    crosswalk.add(step_program.step.name, key, new_id)
    try:
        raw = step_program.key(record, element)
    except runtime.FieldFailure:
        return
    if raw is not None and raw != key:
        crosswalk.add(step_program.step.name, raw, new_id)


# ---- the expectations --------------------------------------------------------------------------


def _check(obj: str, expected: Mapping[str, object] | None, rows: list[dict[str, object]]) -> Expectation:
    if expected is None:
        return Expectation(obj, None, not rows, len(rows))
    best: tuple[int, Mapping[str, object] | None, tuple[FieldDiff, ...]] = (-1, None, ())
    for row in rows:
        diffs = tuple(
            FieldDiff(field, value, row.get(field, NOT_SET))
            for field, value in expected.items()
            if not _same(value, row.get(field, NOT_SET))
        )
        if not diffs:
            return Expectation(obj, expected, True, len(rows), row)
        score = len(expected) - len(diffs)
        if score > best[0]:
            best = (score, row, diffs)
    return Expectation(obj, expected, False, len(rows), best[1], best[2])


def _same(expected: object, actual: object) -> bool:
    # A bool is an int to Python; in a row, true and 1 are different values.
    if isinstance(expected, bool) != isinstance(actual, bool):
        return False
    try:
        return bool(expected == actual)
    except (TypeError, ArithmeticError):
        return False
