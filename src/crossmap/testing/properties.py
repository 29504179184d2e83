"""Ready-made properties of a spec's transforms, for use inside Hypothesis tests.

Each ``check_*`` function raises ``AssertionError`` with a message that names the
step, the field and the reason; under ``@given`` Hypothesis then shrinks the input
to a minimal counterexample. Validity is judged by ``crossmap.schema``'s row
validator — the same rules the local Salesforce org applies — never by a copy; a
rejection is worded in the destination's ``vocabulary`` (``assert_spec_properties``
takes the plan's destination's), else by its neutral kind (``TOO_LONG``).

    @given(record=from_object(source_schema, "jobs"))
    def test_jobs_to_case(record):
        check_step(program["jobs->Case"], record, target_schema)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from hypothesis import HealthCheck, given, settings

from crossmap import schema as s
from crossmap.codegen import Deferred, Failed, Program, Result, Row, StepProgram, generate
from crossmap.compiler import Plan, declared
from crossmap.connectors.builtin.vocabulary import BUILTIN_ERRORS
from crossmap.connectors.vocabulary import NEUTRAL, ErrorVocabulary, destination_vocabulary
from crossmap.functions import FunctionContext
from crossmap.testing.strategies import from_dataset, from_object

Record = dict[str, Any]

_FIXED = FunctionContext.fixed(dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
"""The clock of property tests: transforms must not depend on when they run."""


class AnyIdLookups:
    """Lookups that find every parent: each key gets a stable made-up id, so a step's
    rows can be judged on their own (``check_lookup_closure`` tests real resolution)."""

    def find(self, step: str, key: object) -> str:
        return f"{step.split('->')[-1]}:{key}"

    def fallback(self, step: str) -> str:
        return f"{step.split('->')[-1]}:fallback"


def program_for_properties(plan: Plan, functions: Mapping[str, Callable[..., object]] | None = None) -> Program:
    """The plan compiled with ``AnyIdLookups`` and a fixed clock."""
    return generate(plan, functions=functions, lookups=AnyIdLookups(), context=_FIXED)


def check_totality(step: StepProgram, record: Record) -> list[Result]:
    """The transform gives a row, a skip or a typed failure for ``record`` — it never raises."""
    try:
        return list(step.run(record))
    except Exception as exc:  # any at all: the property is that nothing escapes
        raise AssertionError(
            f"{step.step.name}: the transform raised {type(exc).__name__}: {exc} "
            "instead of giving a typed per-record error"
        ) from exc


def check_validity(step: StepProgram, results: list[Result], target_schema: s.Schema,
                   vocabulary: ErrorVocabulary = NEUTRAL) -> None:
    """Every row the transform made is one the destination accepts; a rejection is
    worded in the destination's ``vocabulary``."""
    obj = target_schema.object(step.step.target)
    operation: s.WriteOperation = "upsert" if step.step.mode == "upsert" else "insert"
    for result in results:
        if not isinstance(result, Row):
            continue
        row = {f: v for f, v in result.values.items() if not isinstance(v, Deferred)}
        violations = s.validate_row(obj, row, operation=operation)
        if violations:
            shown = "; ".join(f"{vocabulary.code(v)}: {vocabulary.message(v)}" for v in violations)
            raise AssertionError(f"{step.step.name}: row {result.key!r} would be rejected: {shown}")


def check_no_failures(step: StepProgram, results: list[Result]) -> None:
    """No record of the source's own schema fails to transform (stricter than totality:
    for specs meant to take every valid source record). A record the spec's own
    ``fail when`` rule fails is the spec's intent, like a skip, not a failure here."""
    for result in results:
        if (isinstance(result, Failed) and result.parent is None
                and not (result.field is None and step.step.rule_fails_at(result.line))):
            raise AssertionError(
                f"{step.step.name}: {result.object} {result.key!r} failed on {result.field} "
                f"(spec line {result.line}): {result.reason}"
            )


def check_determinism(step: StepProgram, record: Record) -> None:
    """The same record gives the same results twice."""
    first, second = list(step.run(record)), list(step.run(record))
    if first != second:
        raise AssertionError(f"{step.step.name}: two transforms of one record differ: {first} != {second}")


def check_step(
    step: StepProgram, record: Record, target_schema: s.Schema, *, allow_failures: bool = True,
    vocabulary: ErrorVocabulary = NEUTRAL,
) -> list[Result]:
    """Totality, determinism and validity for one record (and, unless
    ``allow_failures``, that it does not fail); rejections worded in ``vocabulary``."""
    results = check_totality(step, record)
    check_determinism(step, record)
    check_validity(step, results, target_schema, vocabulary)
    if not allow_failures:
        check_no_failures(step, results)
    return results


def check_lookup_closure(
    plan: Plan, dataset: Mapping[str, list[Record]], functions: Mapping[str, Callable[..., object]] | None = None
) -> None:
    """In a connected dataset, every lookup finds the record its parent step made (or
    is deferred): steps run in wave order, each row given a made-up id the next waves
    look up, exactly as a run's crosswalk would."""
    from crossmap.codegen import MemoryLookups

    made = MemoryLookups()
    for resolution in plan.resolutions:
        for record in dataset.get(resolution.source, []):
            made.add(resolution.name, record.get("id"), f"{resolution.target}:{record.get('id')}")
        made.fallbacks[resolution.name] = f"{resolution.target}:fallback"
    program = generate(plan, functions=functions, lookups=made, context=_FIXED)
    produced: dict[str, set[object]] = {}  # step -> source ids whose records made a row
    for wave in plan.waves:
        for name in wave:
            step = program[name]
            for record in dataset.get(step.step.source, []):
                for result in step.run(record):
                    if isinstance(result, Row):
                        made.add(name, result.key, f"{step.step.target}:{result.key}")
                        produced.setdefault(name, set()).add(record.get("id"))
                    elif isinstance(result, Failed) and result.parent is not None:
                        parent_step, parent_key = result.parent
                        # A parent that was skipped or failed holds its children back;
                        # one that loaded must be found.
                        if parent_key in produced.get(parent_step, set()):
                            raise AssertionError(
                                f"{name}: {result.object} {result.key!r} could not find "
                                f"{parent_step} {parent_key!r}, which loaded: {result.reason}"
                            )


def check_round_trip(plan: Plan, valuemap: str) -> None:
    """A value map declared ``reversible`` maps every output back to its input."""
    vm = next((v for v in plan.value_maps if v.name == valuemap), None)
    if vm is None:
        raise AssertionError(f"the plan has no value map {valuemap!r}")
    if not vm.reversible:
        raise AssertionError(f"value map {valuemap!r} is not declared reversible")
    forward = vm.table()
    backward = {out: inp for inp, out in forward.items()}
    for value, output in forward.items():
        if backward.get(output) != value:
            raise AssertionError(f"value map {valuemap!r}: {value!r} -> {output!r} -> {backward.get(output)!r}")


def assert_spec_properties(
    plan: Plan,
    source_schema: s.Schema,
    target_schema: s.Schema,
    *,
    functions: Mapping[str, Callable[..., object]] | None = None,
    steps: list[str] | None = None,
    allow_failures: bool = True,
    max_examples: int = 100,
) -> None:
    """Run ``check_step`` on generated records for every step (or ``steps``), then
    the lookup closure on generated connected datasets and the round trip of every
    reversible value map. Raises ``AssertionError`` with Hypothesis's minimal
    counterexample on the first failure. A rejected row is worded as the plan's
    destination words it (its ``ErrorVocabulary``, when installed)."""
    program = program_for_properties(plan, functions)
    vocabulary = destination_vocabulary(plan.target.name, BUILTIN_ERRORS)
    target_schema = declared(target_schema, plan.declarations)
    chosen = steps if steps is not None else [step.name for step in plan.steps]
    config = settings(max_examples=max_examples, deadline=None, database=None,
                      suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    for name in chosen:
        _check_step_property(program[name], source_schema, target_schema, allow_failures, config, vocabulary)
    objects = sorted({st.source for st in plan.steps} | {r.source for r in plan.resolutions})

    @config
    @given(dataset=from_dataset(source_schema, objects, max_records=3))
    def lookups_close(dataset: dict[str, list[Record]]) -> None:
        check_lookup_closure(plan, dataset, functions)

    lookups_close()
    for vm in plan.value_maps:
        if vm.reversible:
            check_round_trip(plan, vm.name)


def _check_step_property(
    step: StepProgram, source_schema: s.Schema, target_schema: s.Schema, allow_failures: bool, config: settings,
    vocabulary: ErrorVocabulary,
) -> None:
    @config
    @given(record=from_object(source_schema, step.step.source))
    def property_of_step(record: Record) -> None:
        check_step(step, record, target_schema, allow_failures=allow_failures, vocabulary=vocabulary)

    property_of_step()
