"""Coverage against the source's actual values: every source record run through the
generated transforms, every produced row checked by the core row validator against
the destination's schema, and the problems aggregated by (object, field, reason).

Nothing is loaded and no record leaves the machine: lookups answer every key with a
placeholder id (only the values matter here), and file contents are not downloaded
(a binary field is given empty bytes). One streaming pass per source object feeds
every step that reads it; memory holds one page plus bounded aggregates.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from attrs import define, field, frozen

from crossmap import schema as s
from crossmap.codegen import Failed, Row, Skipped, generate
from crossmap.codegen.program import StepProgram
from crossmap.compiler import Plan, Step, ir
from crossmap.compiler.plan import Binding
from crossmap.connectors import Source
from crossmap.connectors.streams import FILES_PER_BATCH
from crossmap.engine.run import failure_code
from crossmap.functions import FunctionContext
from crossmap.reports.redact import abbreviate, shorten_values
from crossmap.schema.validate import INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST, REQUIRED_FIELD_MISSING

PLACEHOLDER_ID = "000000000000000AAA"
"""The id every lookup answers with during preflight: shaped like a real one."""
SAMPLE_KEYS = 5
DISTINCT_VALUES = 50
"""Distinct offending source values kept per problem (their total stays exact)."""

PICKLIST_NOT_LISTED = "PICKLIST_VALUE_NOT_LISTED"
"""An unrestricted picklist accepts a value it does not list (as an unlisted value)."""


class PlaceholderLookups:
    """``Lookups`` that find every key: the parent's id does not matter to coverage."""

    def find(self, step: str, key: object) -> str | None:
        """A placeholder id for any non-null key."""
        return None if key is None else PLACEHOLDER_ID

    def fallback(self, step: str) -> str | None:
        """The fallback exists (the resolution section checks that it really does)."""
        return PLACEHOLDER_ID


@frozen
class Issue:
    """One kind of problem with rows of one destination object: ``code`` (the
    validator's, or TRANSFORM / RULE / SKIPPED / PICKLIST_VALUE_NOT_LISTED), the field, how
    many rows, a sample of source keys, a sample message, and for value problems the
    offending source values with their counts (most frequent first)."""

    step: str
    object: str
    field: str | None
    code: str
    severity: str
    count: int
    message: str
    sample_keys: tuple[str, ...]
    values: tuple[tuple[str, int], ...] = ()
    line: int | None = None


@frozen
class StepCoverage:
    """What one step would produce: rows, and the records that would fail or be
    skipped before reaching the destination (``would_fail``: rows the destination
    would reject plus transforms that fail)."""

    step: str
    source: str
    target: str
    records: int
    rows: int
    skipped: int
    would_fail: int
    batches: tuple[tuple[int, int], ...]
    """(rows, how many times) the engine would hand its load streams: all the step's
    rows at once, or files ``FILES_PER_BATCH`` at a time. A destination without load
    streams gets them ``batch_size`` at a time (:func:`crossmap.preflight.estimate`)."""


@frozen
class Coverage:
    """Per-step results, per-object record counts, and the aggregated problems."""

    steps: tuple[StepCoverage, ...]
    counts: Mapping[str, int]
    issues: tuple[Issue, ...]


@define
class _Tally:
    step: Step
    obj: str
    name: str | None
    code: str
    severity: str
    message: str
    line: int | None
    count: int = 0
    keys: list[str] = field(factory=list)
    values: Counter[str] = field(factory=Counter)
    other_values: int = 0

    def add(self, key: str | None, value: str | None) -> None:
        self.count += 1
        if key is not None and len(self.keys) < SAMPLE_KEYS:
            self.keys.append(key)
        if value is not None:
            if value in self.values or len(self.values) < DISTINCT_VALUES:
                self.values[value] += 1
            else:
                self.other_values += 1

    def issue(self) -> Issue:
        # Failing values are abbreviated: their start identifies them.
        values = tuple((abbreviate(value), count) for value, count in self.values.most_common())
        if self.other_values:
            values += (("(other values)", self.other_values),)
        return Issue(self.step.name, self.obj, self.name, self.code, self.severity, self.count,
                     shorten_values(self.message) or "", tuple(self.keys), values, self.line)


@define
class _StepState:
    program: StepProgram
    validator: Callable[[Mapping[str, object]], list[s.Violation]] | None
    loose_picklists: dict[str, tuple[str, ...]]
    records: int = 0
    rows: int = 0
    skipped: int = 0
    would_fail: int = 0
    batches: Counter[int] = field(factory=Counter)


def check_coverage(
    plan: Plan,
    source: Source,
    target: s.Schema,
    *,
    functions: Mapping[str, Callable[..., object]] | None = None,
    context: FunctionContext | None = None,
) -> Coverage:
    """Run every step over every record of its source object and check the rows
    against ``target`` (the destination as it will be once the schema audit's
    checklist is applied)."""
    program = generate(plan, functions=functions, lookups=PlaceholderLookups(), context=context)
    tallies: dict[tuple[str, str | None, str], _Tally] = {}
    states: dict[str, _StepState] = {}
    for step in plan.steps:
        obj = target.find_object(step.target)
        validator = None if obj is None else s.row_validator(obj, operation=step.mode)
        loose = {} if obj is None else {
            f.name: f.type.values for f in obj if isinstance(f.type, s.Enum) and not f.type.restricted
            and not f.type.multi}
        states[step.name] = _StepState(program[step.name], validator, loose)
    counts: dict[str, int] = {}
    schema = source.schema()
    for obj_name in sorted({step.source for step in plan.steps}):
        steps = [step for step in plan.steps if step.source == obj_name]
        found = schema.find_object(obj_name)
        key_field = (found.key if found is not None else None) or "id"
        blobs = [] if found is None else [f.name for f in found if isinstance(f.type, s.Blob)]
        seen = 0
        for page in source.extract(obj_name):
            if blobs:
                page = [{**record, **{b: b"" for b in blobs}} for record in page]
            seen += len(page)
            for step in steps:
                _run_page(step, states[step.name], page, key_field, tallies)
        for step in steps:
            # The engine hands a step's rows to the destination as one load stream;
            # rows carrying files go FILES_PER_BATCH at a time.
            state = states[step.name]
            _batch(state, state.rows, FILES_PER_BATCH if blobs else max(state.rows, 1))
        counts[obj_name] = seen
    results = tuple(
        StepCoverage(step.name, step.source, step.target, st.records, st.rows, st.skipped, st.would_fail,
                     tuple(sorted(st.batches.items())))
        for step in plan.steps for st in (states[step.name],)
    )
    order = {"error": 0, "warning": 1, "info": 2}
    issues = sorted((t.issue() for t in tallies.values()),
                    key=lambda i: (order.get(i.severity, 3), i.step, i.field or "", i.code))
    return Coverage(results, counts, tuple(issues))


def _run_page(step: Step, state: _StepState, page: list[dict[str, Any]], key_field: str,
              tallies: dict[tuple[str, str | None, str], _Tally]) -> None:
    """Run one page through the step."""
    rows = 0
    for record in page:
        state.records += 1
        for result in state.program.run(record):
            if isinstance(result, Skipped):
                state.skipped += 1
                _tally(tallies, step, None, "SKIPPED", "info", result.reason, result.line).add(result.key, None)
            elif isinstance(result, Failed):
                state.would_fail += 1
                _tally(tallies, step, result.field, failure_code(step, result), "error", result.reason,
                       result.line).add(
                    result.key, _source_value(step, result.field, record))
            else:
                rows += 1
                _check_row(step, state, result, record, tallies)
    state.rows += rows


def _batch(state: _StepState, rows: int, batch_size: int) -> None:
    """Count ``rows`` handed over in batches of ``batch_size``."""
    full, rest = divmod(rows, batch_size)
    if full:
        state.batches[batch_size] += full
    if rest:
        state.batches[rest] += 1


def _check_row(step: Step, state: _StepState, row: Row, record: Mapping[str, Any],
               tallies: dict[tuple[str, str | None, str], _Tally]) -> None:
    if state.validator is None:
        return
    violations = state.validator(row.values)
    if violations:
        state.would_fail += 1
    for violation in violations:
        for name in violation.fields or (None,):
            line = _line(step, name)
            value = _source_value(step, name, record) if name is not None else None
            if violation.code == REQUIRED_FIELD_MISSING:
                value = None
            _tally(tallies, step, name, violation.code, "error", _generic(violation, name), line).add(row.key, value)
    for name, allowed in state.loose_picklists.items():
        value = row.values.get(name)
        if value is not None and value != "" and value not in allowed:
            _tally(tallies, step, name, PICKLIST_NOT_LISTED, "warning",
                   f"{name}: {value!r} is not among the picklist's values (the picklist is not restricted, "
                   "so it is stored as an unlisted value)", _line(step, name)).add(
                row.key, _source_value(step, name, record))


def _generic(violation: s.Violation, name: str | None) -> str:
    # One message per group: the first row's message names its value, which the
    # values column shows for every row anyway.
    if violation.code == INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST:
        return f"{name}: a value outside the restricted picklist"
    return violation.message


def _tally(tallies: dict[tuple[str, str | None, str], _Tally], step: Step, name: str | None, code: str,
           severity: str, message: str, line: int | None) -> _Tally:
    key = (step.name, name, code)
    tally = tallies.get(key)
    if tally is None:
        tally = tallies[key] = _Tally(step, step.target, name, code, severity, message, line)
    return tally


def _line(step: Step, name: str | None) -> int | None:
    for assignment in step.assignments:
        if assignment.field == name:
            return assignment.line
    return None


def _source_value(step: Step, name: str | None, record: Mapping[str, Any]) -> str | None:
    """The source values the field ``name`` is computed from, as text
    (``status='Closed'``), so a problem points at what to map."""
    assignment = next((a for a in step.assignments if a.field == name), None)
    if assignment is None:
        return None
    reads = sorted(_reads(step, assignment.value))
    if not reads:
        return None
    parts = []
    for path in reads:
        value: Any = record
        for part in path:
            value = value.get(part) if isinstance(value, Mapping) else None
        parts.append(f"{'.'.join(path)}={value!r}")
    return ", ".join(parts)


def _reads(step: Step, node: ir.Expr) -> set[tuple[str, ...]]:
    """Paths of the source record an expression reads (through ``let`` bindings)."""
    bindings = {st.name: st.value for st in step.body if isinstance(st, Binding)}
    found: set[tuple[str, ...]] = set()
    stack: list[object] = [node]
    expanded: set[str] = set()
    while stack:
        item = stack.pop()
        if isinstance(item, ir.Field):
            if item.root == "record" and item.path:
                found.add(item.path[:1])
            elif item.root in bindings and item.root not in expanded:
                expanded.add(item.root)
                stack.append(bindings[item.root])
            continue
        if isinstance(item, ir.Lookup):
            continue  # an id, not a value the record carries into the row
        if isinstance(item, tuple | list):
            stack.extend(item)
        elif hasattr(item, "__attrs_attrs__"):
            stack.extend(getattr(item, a.name) for a in item.__attrs_attrs__)
    return found
