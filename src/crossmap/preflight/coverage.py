"""Coverage against the source's actual values: every source record run through the
generated transforms, every produced row checked by the core row validator against
the destination's schema, and the problems aggregated by (object, field, reason).

It predicts the run: the steps go wave by wave as the engine runs them, and a lookup
finds its parent only when the parent would load (a simulated crosswalk: the keys of
each step's rows the validator accepts, a resolve block's matched keys, a merged-away
key following its survivor). So a record whose parent the source itself deleted or
merged away fails as in the run (an orphan lookup), and a record whose parent would
fail is held back with it. What the destination rejects for reasons only it knows
(its own duplicates, validation rules, triggers, sharing) is not predicted, and the
report says so.

Nothing is loaded and no record leaves the machine: lookups answer with a
placeholder id (only whether there is one matters here), and file contents are not
downloaded (a binary field is given empty bytes). One streaming pass per wave and
source object feeds every step of the wave that reads it; memory holds one page, the
keys of the rows each step would load, and bounded aggregates.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from attrs import define, field, frozen

from crossmap import schema as s
from crossmap.codegen import Deferred, Failed, Row, Skipped, generate
from crossmap.codegen.program import StepProgram
from crossmap.compiler import Plan, Step, ir
from crossmap.compiler.analysis import fields_read
from crossmap.compiler.plan import Binding
from crossmap.connectors import Source
from crossmap.connectors.builtin.vocabulary import BUILTIN_ERRORS
from crossmap.connectors.streams import FILES_PER_BATCH
from crossmap.connectors.vocabulary import ErrorVocabulary, destination_vocabulary
from crossmap.engine.run import failure_code
from crossmap.functions import FunctionContext
from crossmap.preflight.keys import KeyStore
from crossmap.reports.redact import abbreviate, shorten_values
from crossmap.schema.validate import ViolationKind

PLACEHOLDER_ID = "000000000000000AAA"
"""The id every lookup answers with during preflight: shaped like a real one."""
SAMPLE_KEYS = 5
DISTINCT_VALUES = 50
"""Distinct offending source values kept per problem (their total stays exact)."""

NOT_PREDICTED = ("not predicted: rows the destination rejects for reasons only it knows (records of its own "
                 "that a row duplicates, its validation rules, triggers, sharing); the row validator predicts "
                 "types, lengths, required fields and picklists")
"""What the predicted counts leave out, said in every report."""

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


class SimulatedLookups:
    """``Lookups`` answered as the run's crosswalk would answer them: a key of a step
    is found once the step has run and its row would load; a resolve block's key when
    it matched (every key, when the block was not checked); a merged-away key through
    its survivor, as the engine follows merges."""

    def __init__(self, keys: KeyStore, steps: Iterable[str], matched: Mapping[str, set[str]],
                 fallbacks: Mapping[str, bool], merges: Mapping[str, Mapping[str, str]]) -> None:
        self.keys = keys
        self.steps = set(steps)
        self.done: set[str] = set()
        """Steps that have run: their rows are in the simulated crosswalk."""
        self.matched = matched
        self.fallbacks = fallbacks
        self.merges = merges

    def find(self, step: str, key: object) -> str | None:
        """The placeholder id when the parent would be in the crosswalk, else ``None``."""
        if key is None:
            return None
        text = key if isinstance(key, str) else str(key)
        if step in self.steps:
            found = step in self.done and self.keys.has(step, "load", text)
        elif step in self.matched:
            found = text in self.matched[step]
        else:
            return PLACEHOLDER_ID  # a resolve block not checked: taken to match
        if found:
            return PLACEHOLDER_ID
        survivor = self.merges.get(step, {}).get(text)
        if survivor is not None and survivor != text:
            return self.find(step, survivor)
        return None

    def fallback(self, step: str) -> str | None:
        """The placeholder id when the resolve block's fallback exists."""
        return PLACEHOLDER_ID if self.fallbacks.get(step, True) else None


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
    held_back: int = 0
    """Records held back with a parent that would fail (the run's ``held_back``)."""
    would_load: int = 0
    """Rows the destination would take (created or updated), as far as the row
    validator can tell."""


@frozen
class Coverage:
    """Per-step results, per-object record counts, and the aggregated problems."""

    steps: tuple[StepCoverage, ...]
    counts: Mapping[str, int]
    issues: tuple[Issue, ...]
    not_predicted: str = NOT_PREDICTED


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
    vocabulary: ErrorVocabulary
    records: int = 0
    rows: int = 0
    skipped: int = 0
    would_fail: int = 0
    held_back: int = 0
    batches: Counter[int] = field(factory=Counter)
    would_load: int = 0
    keyless: int = 0


def check_coverage(
    plan: Plan,
    source: Source,
    target: s.Schema,
    *,
    functions: Mapping[str, Callable[..., object]] | None = None,
    context: FunctionContext | None = None,
    matched: Mapping[str, set[str]] | None = None,
    fallbacks: Mapping[str, bool] | None = None,
) -> Coverage:
    """Run every step over every record of its source object, wave by wave, and
    check the rows against ``target`` (the destination as it will be once the schema
    audit's checklist is applied). ``matched``: per resolve block, the source keys
    that match a destination record; ``fallbacks``: whether its fallback exists
    (both from :func:`crossmap.preflight.resolution.check_resolution`)."""
    with KeyStore() as keys:
        return _simulate(plan, source, target, keys, functions, context, matched or {}, fallbacks or {})


def _simulate(plan: Plan, source: Source, target: s.Schema, keys: KeyStore,
              functions: Mapping[str, Callable[..., object]] | None, context: FunctionContext | None,
              matched: Mapping[str, set[str]], fallbacks: Mapping[str, bool]) -> Coverage:
    """The run, simulated wave by wave (see the module docstring)."""
    lookups = SimulatedLookups(keys, [st.name for st in plan.steps], matched, fallbacks, _merges(plan, source))
    program = generate(plan, functions=functions, lookups=lookups, context=context)
    # A predicted rejection is named as the destination will name it.
    vocabulary = destination_vocabulary(plan.target.name, BUILTIN_ERRORS)
    tallies: dict[tuple[str, str | None, str], _Tally] = {}
    states: dict[str, _StepState] = {}
    for step in plan.steps:
        obj = target.find_object(step.target)
        validator = None if obj is None else s.row_validator(obj, operation=step.mode)
        loose = {} if obj is None else {
            f.name: f.type.values for f in obj if isinstance(f.type, s.Enum) and not f.type.restricted
            and not f.type.multi}
        states[step.name] = _StepState(program[step.name], validator, loose, vocabulary)
    counts: dict[str, int] = {}
    schema = source.schema()
    for wave in plan.waves:
        in_wave = [plan.step(name) for name in wave]
        for obj_name in sorted({step.source for step in in_wave}):
            steps = [step for step in in_wave if step.source == obj_name]
            found = schema.find_object(obj_name)
            key_field = (found.key if found is not None else None) or "id"
            blobs = [] if found is None else [f.name for f in found if isinstance(f.type, s.Blob)]
            seen = 0
            for page in source.extract(obj_name):
                if blobs:
                    page = [{**record, **{b: b"" for b in blobs}} for record in page]
                seen += len(page)
                for step in steps:
                    _run_page(step, states, keys, page, key_field, tallies)
            for step in steps:
                # The engine hands a step's rows to the destination as one load stream;
                # rows carrying files go FILES_PER_BATCH at a time.
                state = states[step.name]
                _batch(state, state.rows, FILES_PER_BATCH if blobs else max(state.rows, 1))
            counts[obj_name] = seen
        # What a step loaded is in the crosswalk once the step is done.
        keys.flush()
        lookups.done.update(wave)
    results = tuple(
        StepCoverage(step.name, step.source, step.target, st.records, st.rows, st.skipped, st.would_fail,
                     tuple(sorted(st.batches.items())), st.held_back, st.would_load)
        for step in plan.steps for st in (states[step.name],)
    )
    order = {"error": 0, "warning": 1, "info": 2}
    issues = sorted((t.issue() for t in tallies.values()),
                    key=lambda i: (order.get(i.severity, 3), i.step, i.field or "", i.code))
    return Coverage(results, counts, tuple(issues))


def _merges(plan: Plan, source: Source) -> dict[str, dict[str, str]]:
    """Per step and resolve block, merged-away source keys and their survivors, as
    the engine learns them before a run (``Engine._follow_merges``)."""
    by_object: dict[str, dict[str, str]] = {}
    found: dict[str, dict[str, str]] = {}
    targets = [(st.name, st.source) for st in plan.steps if not st.path]
    targets += [(r.name, r.source) for r in plan.resolutions]
    for name, obj in targets:
        if obj not in by_object:
            by_object[obj] = {t.key: t.merged_into for t in source.tombstones(obj) if t.merged_into is not None}
        if by_object[obj]:
            found[name] = by_object[obj]
    return found


def _run_page(step: Step, states: Mapping[str, _StepState], keys: KeyStore, page: list[dict[str, Any]],
              key_field: str, tallies: dict[tuple[str, str | None, str], _Tally]) -> None:
    """Run one page through the step."""
    state = states[step.name]
    rows = 0
    for record in page:
        state.records += 1
        for result in state.program.run(record):
            if isinstance(result, Skipped):
                state.skipped += 1
                _tally(tallies, step, None, "SKIPPED", "info", result.reason, result.line).add(result.key, None)
            elif isinstance(result, Failed):
                key = result.key
                if key is None:
                    state.keyless += 1
                    key = f"(no key #{state.keyless})"
                parent = result.parent
                # Keys that failed or were held back hold their children back as they
                # come; rows the destination rejected, once their step is done (the
                # engine reads those from the run's outcomes).
                held = parent is not None and parent[0] in states and (
                    keys.has(parent[0], "fail", parent[1])
                    or (parent[0] != step.name and keys.has(parent[0], "reject", parent[1])))
                keys.add(step.name, "fail", key)
                if held:
                    assert parent is not None
                    # As the engine does: a missing parent that itself failed holds its children back.
                    state.held_back += 1
                    _tally(tallies, step, result.field, "PARENT_FAILED", "error",
                           f"held back: its parent {parent[0].split('->')[0]} failed", result.line).add(key, None)
                    continue
                state.would_fail += 1
                _tally(tallies, step, result.field, failure_code(step, result), "error", result.reason,
                       result.line).add(
                    result.key, _source_value(step, result.field, record))
            else:
                rows += 1
                if _check_row(step, state, result, record, tallies):
                    state.would_load += 1
                    keys.add(step.name, "load", result.key)
                else:
                    keys.add(step.name, "reject", result.key)
    state.rows += rows


def _batch(state: _StepState, rows: int, batch_size: int) -> None:
    """Count ``rows`` handed over in batches of ``batch_size``."""
    full, rest = divmod(rows, batch_size)
    if full:
        state.batches[batch_size] += full
    if rest:
        state.batches[rest] += 1


def _check_row(step: Step, state: _StepState, row: Row, record: Mapping[str, Any],
               tallies: dict[tuple[str, str | None, str], _Tally]) -> bool:
    """Tally what the row validator finds; whether the row would load."""
    if state.validator is None:
        return True
    # A lookup whose parent is not loaded yet is left out, as the engine leaves it out
    # of the first write (its deferred pass fills it).
    values = {f: v for f, v in row.values.items() if type(v) is not Deferred}
    violations = state.validator(values)
    if violations:
        state.would_fail += 1
    for violation in violations:
        for name in violation.fields or (None,):
            line = _line(step, name)
            value = _source_value(step, name, record) if name is not None else None
            if violation.kind is ViolationKind.MISSING_REQUIRED:
                value = None
            _tally(tallies, step, name, state.vocabulary.code(violation), "error",
                   _generic(violation, name, state.vocabulary), line).add(row.key, value)
    for name, allowed in state.loose_picklists.items():
        value = row.values.get(name)
        if value is not None and value != "" and value not in allowed:
            _tally(tallies, step, name, PICKLIST_NOT_LISTED, "warning",
                   f"{name}: {value!r} is not among the picklist's values (the picklist is not restricted, "
                   "so it is stored as an unlisted value)", _line(step, name)).add(
                row.key, _source_value(step, name, record))
    return not violations


def _generic(violation: s.Violation, name: str | None, vocabulary: ErrorVocabulary) -> str:
    # One message per group: the first row's message names its value, which the
    # values column shows for every row anyway.
    if violation.kind is ViolationKind.NOT_IN_PICKLIST:
        return f"{name}: a value outside the restricted picklist"
    return vocabulary.message(violation)


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
    """Paths of the source record an expression reads (through ``let`` bindings; not
    into a lookup's key: an id, not a value the record carries into the row)."""
    bindings = {st.name: st.value for st in step.body if isinstance(st, Binding)}
    return {path[:1] for _, path in fields_read(node, bindings, into_lookups=False)}
