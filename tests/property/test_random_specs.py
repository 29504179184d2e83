"""Differential and outcome properties on migrations nobody wrote by hand (issue 21).

Hypothesis draws a source schema, a destination schema and a well-typed spec over
them (``random_specs.py``: every field type, nullable or not, nested records, a
list of strings, every expression form, fan-outs, lookups with each policy, a self
lookup for the deferred pass, value maps, rules, ``let``, ``def``, ``if``,
defaults, ``filter``), then records (nulls anywhere, unicode, boundaries). For each:

- the spec compiles (the generator only writes well-typed specs);
- generated code and the reference evaluator agree, record for record;
- every source record of a step has exactly one result, a fan-out one per element;
- transforming again gives the same results; a row the destination schema would
  refuse says why (a code and a message), and so does a record that failed;
- run end to end (memory connectors, a real state store): every record and element
  of every step ends with exactly one outcome (records or elements that share a key
  are one destination record, and share it), every failure has a reason (a row the
  destination schema rejects fails with the destination's), and a re-run changes
  nothing in the destination.

Bounded for CI by ``CROSSMAP_RANDOM_SPECS`` examples (default 40).
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from random_specs import KEYS, Migration, datasets, migrations

from crossmap.codegen import MemoryLookups, generate
from crossmap.codegen.reference import evaluate_record
from crossmap.compiler import Plan, compile_spec
from crossmap.connectors.builtin.memory import MemoryDestination, MemorySource
from crossmap.engine import Engine, RunOptions
from crossmap.functions import FunctionContext, registry
from crossmap.schema import validate_row
from crossmap.state import StateStore
from crossmap.syntax import parse

CONTEXT = FunctionContext.fixed(dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.UTC))
EXAMPLES = int(os.environ.get("CROSSMAP_RANDOM_SPECS", "40"))
BOUNDED = settings(
    max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


def compiled(migration: Migration) -> Plan:
    result = compile_spec(parse(migration.spec, path="random.xmap"), source_schema=migration.source,
                          target_schema=migration.target, functions=registry())
    errors = [d.render() for d in result.diagnostics if d.severity == "error"]
    assert result.plan is not None and not errors, migration.spec + "\n" + "\n".join(errors)
    return result.plan


def outcome(run: Any) -> str:
    try:
        return repr(list(run()))
    except Exception as exc:  # noqa: BLE001 - an escaping error is an outcome to compare
        return f"raised {type(exc).__name__}: {exc}"


def elements_of(record: dict[str, Any], path: tuple[str, ...]) -> int:
    value: Any = record
    for part in path:
        value = value.get(part) if isinstance(value, dict) else None
    return len(value) if isinstance(value, list) else 0


@BOUNDED
@given(migration=migrations(), data=st.data())
def test_generated_code_agrees_with_the_reference_and_accounts_for_every_record(
    migration: Migration, data: st.DataObject
) -> None:
    plan = compiled(migration)
    names = [step.name for step in plan.steps]
    known = data.draw(st.fixed_dictionaries({
        name: st.sets(st.sampled_from(KEYS)).map(lambda keys, n=name: {k: f"<{n} {k}>" for k in sorted(keys)})
        for name in names
    }))
    lookups = MemoryLookups(known)
    program = generate(plan, lookups=lookups, context=CONTEXT)
    dataset = data.draw(datasets(migration.source))
    for step in plan.steps:
        for record in dataset.get(step.source, []):
            generated = outcome(lambda s=step, r=record: program[s.name].run(r))
            reference = outcome(lambda s=step, r=record: evaluate_record(plan, s, r, lookups=lookups, context=CONTEXT))
            assert generated == reference, f"{step.name} on {record!r}\n{migration.spec}"
            assert not generated.startswith("raised"), f"{step.name} on {record!r}: {generated}\n{migration.spec}"
            results = list(program[step.name].run(record))
            expected = elements_of(record, step.path) if step.path else 1
            assert len(results) == expected, f"{step.name} on {record!r}: {results}"
            assert outcome(lambda s=step, r=record: program[s.name].run(r)) == generated  # again: the same
            rows, others = program[step.name].run_batch([record])
            assert len(rows) + len(others) == expected
            # A row the destination would refuse says why (code and message), and a
            # record that failed in the transform says why too.
            target = migration.target.object(step.target)
            for _, row in rows:
                values = {f: v for f, v in row.items() if type(v).__name__ != "Deferred"}
                for violation in validate_row(target, values, operation="insert"):
                    assert violation.code and violation.message, violation
            assert all(o.reason for o in others), others


@settings(BOUNDED, max_examples=max(EXAMPLES // 4, 5))
@given(migration=migrations(), data=st.data())
def test_a_run_gives_every_record_one_outcome_and_a_rerun_changes_nothing(
    migration: Migration, data: st.DataObject
) -> None:
    plan = compiled(migration)
    dataset = data.draw(datasets(migration.source))
    destination = MemoryDestination(migration.target)
    with tempfile.TemporaryDirectory() as folder, StateStore.open(Path(folder) / "state.db") as store:
        def run() -> Any:
            source = MemorySource(dataset, migration.source)
            return Engine(plan, source, destination, store, RunOptions(batch_size=2, now=lambda: CONTEXT.now())).run()

        first = run()
        program = generate(plan, context=CONTEXT)
        for step in plan.steps:
            # One outcome per record or element, by key: elements (or records) that
            # share a key are one destination record (a list of tags may repeat one),
            # and each keyless one is an outcome of its own.
            results = [r for record in dataset.get(step.source, []) for r in program[step.name].run(record)]
            expected = len({r.key for r in results if r.key is not None}) + sum(r.key is None for r in results)
            assert sum(first.counts.get(step.name, {}).values()) == expected, (step.name, first.counts, migration.spec)
        failures = store.failures(first.run.id)
        assert all(f.reason for f in failures), failures
        before = {name: destination.records(name) for name in migration.target.objects}
        second = run()
        after = {name: destination.records(name) for name in migration.target.objects}
        assert after == before, migration.spec
        assert all(counts.get("created", 0) == 0 for counts in second.counts.values()), second.counts
