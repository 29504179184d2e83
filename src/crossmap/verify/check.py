"""Verifying runs: every record the runs of a spec created or updated (or one run
did) read back from the destination, every mapped field compared with what the
plan computed and the run wrote, with the sample's one diff
(:func:`crossmap.engine.readback.diff_record`, :func:`crossmap.engine.diff.classify`).

How it reads, and why:

- The destination is read object by object, whole, once (a Bulk API 2.0 query
  where the destination offers :class:`~crossmap.connectors.protocols.ScanningDestination`,
  else :meth:`Destination.read` with ``ids=None``), page by page into a temporary
  SQLite file (:mod:`crossmap.verify.scratch`). A few calls per object whatever
  its size, and memory flat in the record count; the same scan finds extra
  records (an external id the crosswalk does not know).
- The source is read step by step as the engine reads it, and each row recomputed
  with lookups answered by the crosswalk, so a lookup's computed value is the
  parent id the run wrote; rows are compared a chunk at a time.
- A value that is not what the run wrote is ``changed`` (by the destination, when
  it stored it: a trigger, a default) or ``changed_since`` the run: the record's
  modification stamp (:class:`~crossmap.connectors.protocols.ModstampDestination`,
  Salesforce's ``SystemModstamp``) is later than the end of the run that wrote it.
- The fingerprints the ledger keeps of what each run wrote say whether the source
  moved on since (a delta run will carry it: not a problem of the destination),
  and stand in for the source when it is not at hand (``source=None``): then a
  record is checked whole, equal or not.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import islice
from pathlib import Path
from typing import Any

from crossmap import schema as s
from crossmap.codegen import Program, generate
from crossmap.compiler import Plan, Step, ir
from crossmap.connectors import Destination, Source
from crossmap.connectors.protocols import (
    CountingDestination,
    FillingDestination,
    ModstampDestination,
    Page,
    ScanningDestination,
    capability,
)
from crossmap.engine.diff import KINDS, PROBLEM_KINDS, as_datetime
from crossmap.engine.fingerprint import FillIn, holds
from crossmap.engine.lookups import CrosswalkLookups
from crossmap.engine.plan_reading import nodes
from crossmap.engine.readback import (
    CHUNK,
    Cell,
    Computed,
    RecordDiff,
    StepReading,
    computed_rows,
    diff_record,
)
from crossmap.engine.run import FILE_PAGE_BYTES
from crossmap.errors import CrossmapError
from crossmap.state import Run, StateStore
from crossmap.verify.report import (
    EXAMPLES,
    Example,
    FieldCheck,
    StepCheck,
    TargetCheck,
    VerifyReport,
)
from crossmap.verify.scratch import Scratch

RUN_KINDS = ("full", "delta", "retry")
"""The runs that write a spec's records into its destination (a sample writes into
the sandbox, with a store of its own)."""

SCAN_PAGE = 2000
"""Records per page when a destination's ``read`` is the scan."""

WHOLE = "(written fields)"
"""The field a record checked by its fingerprint alone is counted under."""


class VerifyError(CrossmapError):
    """Runs cannot be verified: no such run, or a destination that cannot read back."""


def verify(
    plan: Plan,
    destination: Destination,
    store: StateStore,
    *,
    source: Source | None = None,
    run_id: int | None = None,
    functions: Mapping[str, Any] | None = None,
) -> VerifyReport:
    """Read back every record the runs of ``plan``'s spec created or updated (or
    only run ``run_id``'s) and compare every mapped field; with ``source``, against
    values recomputed from it, else against the ledger's fingerprints."""
    runs = _runs(store, plan.spec, run_id)
    counting = capability(destination, CountingDestination)
    calls_before = counting.api_calls() if counting is not None else None
    checker = _Checker(plan, destination, store, source, runs, run_id, functions)
    with Scratch() as scratch:
        checker.scratch = scratch
        targets = checker.scan_all()
        steps = [checker.step(plan.step(name)) for wave in plan.waves for name in wave]
        target_checks = [checker.extras(target, read) for target, read in targets.items()]
    calls = counting.api_calls() - calls_before if counting is not None and calls_before is not None else None
    return VerifyReport(
        spec=plan.spec,
        runs=tuple(r.id for r in runs),
        compared_with="source" if source is not None else "fingerprints",
        destination=type(destination).__name__,
        steps=tuple(steps),
        targets=tuple(target_checks),
        fields=tuple(checker.fields()),
        api_calls=calls,
        reads=checker.reads,
        notes=tuple(checker.notes),
        run=run_id,
    )


def _runs(store: StateStore, spec: str, run_id: int | None) -> list[Run]:
    """The spec's runs that wrote into the destination, newest first (the newest
    writer of a record is the one it is compared with)."""
    runs = [r for r in store.runs() if _same_spec(r.spec, spec) and r.kind in RUN_KINDS and r.status != "rolled_back"]
    runs.sort(key=lambda r: r.id, reverse=True)
    if run_id is not None:
        try:
            run = store.run(run_id)
        except CrossmapError:
            raise VerifyError(f"there is no run {run_id} in {store.path}: `crossmap status SPEC` lists the runs") \
                from None
        if not _same_spec(run.spec, spec) or run.kind not in RUN_KINDS:
            raise VerifyError(f"run {run_id} is a {run.kind} run of {run.spec}, not a run of {spec} to verify")
        if run.status == "rolled_back":
            raise VerifyError(f"run {run_id} was rolled back: there is nothing of it to verify")
    if not runs:
        raise VerifyError(f"{spec} has no run in {store.path} to verify: run it first (`crossmap run SPEC`)")
    return runs


def _same_spec(stored: str, spec: str) -> bool:
    """Is the spec a run recorded the spec verified (``./a.xmap`` and ``a.xmap`` are)?"""
    return stored == spec or (not stored.startswith("<") and Path(stored).resolve() == Path(spec).resolve())


class _Tally:
    """Counts per (step, field, class), a few examples of each class but equal."""

    def __init__(self) -> None:
        self.counts: dict[tuple[str, str, str], Counter[str]] = {}
        self.examples: dict[tuple[str, str, str], dict[str, list[Example]]] = {}

    def add(self, record: RecordDiff) -> None:
        for cell in record.cells:
            self.add_cell(record.step, record.target, record.key, record.id, cell)

    def add_cell(self, step: str, target: str, key: str, rid: str, cell: Cell) -> None:
        where = (step, target, cell.field)
        self.counts.setdefault(where, Counter())[cell.kind] += 1
        if cell.kind != "equal":
            kept = self.examples.setdefault(where, {}).setdefault(cell.kind, [])
            if len(kept) < EXAMPLES:
                kept.append(Example(key, rid, cell.computed, cell.stored, cell.note))


class _Checker:
    def __init__(self, plan: Plan, destination: Destination, store: StateStore, source: Source | None,
                 runs: list[Run], run_id: int | None, functions: Mapping[str, Any] | None) -> None:
        self.plan = plan
        self.destination = destination
        self.store = store
        self.source = source
        self.runs = runs
        self.run_id = run_id
        self.schema = destination.describe()
        self.scratch: Scratch
        self.reads = 0
        self.notes: list[str] = []
        self.tally = _Tally()
        self.program: Program | None = None
        if source is not None:
            lookups = CrosswalkLookups(store)
            _follow_merges(plan, source, lookups)
            self.program = generate(plan, functions=functions, lookups=lookups)
            self._fallbacks(lookups)
        else:
            self.notes.append("the source is not at hand: each record is checked whole against the fingerprint "
                              "of what its run wrote, not field by field")
        stamping = capability(destination, ModstampDestination)
        self.stamp_field = {step.target: stamping.modified_field(step.target) if stamping is not None else None
                            for step in plan.steps}
        if not any(self.stamp_field.values()):
            self.notes.append("the destination keeps no modification stamp: a value that differs is counted "
                              "as changed, not told apart from one changed after the run")

    # -- the destination, object by object ------------------------------------------

    def _target(self, name: str) -> s.ObjectSchema | None:
        return self.schema.find_object(name)

    def _external(self, target: str) -> str | None:
        for step in self.plan.steps:
            if step.target == target and step.external_id:
                return step.external_id
        return None

    def scan_all(self) -> dict[str, int]:
        """Read every object the plan writes into the scratch tables; records read
        per object."""
        read: dict[str, int] = {}
        for step in self.plan.steps:
            if step.target in read:
                continue
            obj = self._target(step.target)
            fields: dict[str, None] = {}
            for other in self.plan.steps:
                if other.target == step.target:
                    fields.update(dict.fromkeys(StepReading.of(other, obj).readable))
            ext = self._external(step.target)
            for extra in (ext, self.stamp_field.get(step.target)):
                if extra:
                    fields[extra] = None
            fields.pop("Id", None)
            read[step.target] = sum(self.scratch.keep_stored(step.target, page, ext)
                                    for page in self._pages(step.target, list(fields)))
        return read

    def _pages(self, target: str, fields: list[str]) -> Iterator[Page]:
        try:
            scanning = capability(self.destination, ScanningDestination)
            if scanning is not None:
                for page in scanning.scan(target, fields):
                    self.reads += 1
                    yield page
                return
            records = iter(self.destination.read(target, None, fields))
            self.reads += 1
            while page := list(islice(records, SCAN_PAGE)):
                yield page
        except NotImplementedError:
            raise VerifyError(f"the destination ({type(self.destination).__name__}) cannot read records back, "
                              "so what was loaded into it cannot be verified") from None

    # -- one step ---------------------------------------------------------------------

    def step(self, step: Step) -> StepCheck:
        obj = self._target(step.target)
        reading = StepReading.of(step, obj)
        lookups = {a.field for a in step.assignments if any(isinstance(n, ir.Lookup) for n in nodes(a.value))}
        check = _StepCounts(step)
        if self.run_id is not None:
            self.scratch.want(step.name, (o.key for o in self.store.failures(
                self.run_id, step.name, outcomes=("created", "updated"))))
        known: list[tuple[str, str]] = []
        for key, rid in self.store.crosswalk(step.name):
            known.append((key, rid))
            if len(known) >= CHUNK:
                self.scratch.know(step.target, (i for _, i in known))
                known = []
        self.scratch.know(step.target, (i for _, i in known))
        if self.program is not None and self.source is not None:
            batch: list[Computed] = []
            files = 0
            for row in computed_rows(step, self.program[step.name], self.source):
                batch.append(row)
                # File bytes ride along with their rows: a chunk holds at most
                # FILE_PAGE_BYTES of them, as the engine's pages do.
                files += sum(len(v) for v in row.values.values() if isinstance(v, bytes | bytearray))
                if len(batch) >= CHUNK or files >= FILE_PAGE_BYTES:
                    self._compare(reading, obj, lookups, batch, check)
                    batch, files = [], 0
            self._compare(reading, obj, lookups, batch, check)
        self._unseen(step, obj, check)
        return check.result()

    def _wanted(self, step: Step, keys: Sequence[str]) -> set[str]:
        return set(keys) if self.run_id is None else self.scratch.wanted_among(step.name, keys)

    def _compare(self, reading: StepReading, obj: s.ObjectSchema | None, lookups: set[str],
                 batch: list[Computed], check: _StepCounts) -> None:
        if not batch:
            return
        step = reading.step
        self.scratch.see(step.name, (row.key for row in batch))
        wanted = self._wanted(step, [row.key for row in batch])
        ids = self.store.ids(step.name, [row.key for row in batch if row.key in wanted])
        stored = self.scratch.stored(step.target, list(dict.fromkeys(ids.values())))
        written, writers = self._written(step.target, list(dict.fromkeys(ids.values())))
        for row in batch:
            rid = ids.get(row.key)
            if rid is None:
                continue  # not loaded (or not by the run verified): the run's outcomes say why
            record = stored.get(rid)
            check.checked += 1
            if record is None:
                check.problem("missing", row.key, rid, "the crosswalk knows it; the destination has no such record")
                self.tally.add(diff_record(reading, row, rid, None, self.destination))
                continue
            entries = written.get(rid, [])
            # The source moved on since the run. If the destination still holds
            # what the run wrote, a delta run carries the change: nothing wrong here.
            if entries and not _holds(obj, row.values, entries) and _holds(obj, record, entries,
                                                                            self._fill_in(step.target)):
                check.source_changed += 1
                check.example("source changed", row.key, rid, "a delta run will carry it")
                continue
            diff = diff_record(reading, row, rid, record, self.destination)
            diff = self._since(diff, record, writers.get(rid))
            self.tally.add(diff)
            wrong = [c for c in diff.cells if c.field in lookups and c.kind in PROBLEM_KINDS]
            if wrong:
                check.problem("wrong parent", row.key, rid,
                              f"{wrong[0].field} is {wrong[0].stored}, the crosswalk says {wrong[0].computed}")

    def _unseen(self, step: Step, obj: s.ObjectSchema | None, check: _StepCounts) -> None:
        """The crosswalk's records of the step the source did not give (all of them
        when the source is not at hand): present or missing, and against their
        fingerprints."""
        batch: list[tuple[str, str]] = []
        for pair in self.store.crosswalk(step.name):
            batch.append(pair)
            if len(batch) >= CHUNK:
                self._check_unseen(step, obj, batch, check)
                batch = []
        self._check_unseen(step, obj, batch, check)

    def _check_unseen(self, step: Step, obj: s.ObjectSchema | None, batch: list[tuple[str, str]],
                      check: _StepCounts) -> None:
        if not batch:
            return
        keys = [k for k, _ in batch]
        seen = self.scratch.seen_among(step.name, keys) if self.source is not None else set()
        wanted = self._wanted(step, keys)
        todo = [(k, i) for k, i in batch if k in wanted and k not in seen]
        if not todo:
            return
        ids = [i for _, i in todo]
        stored = self.scratch.stored(step.target, ids)
        written, writers = self._written(step.target, ids)
        for key, rid in todo:
            check.checked += 1
            record = stored.get(rid)
            if record is None:
                check.problem("missing", key, rid, "the crosswalk knows it; the destination has no such record")
                self.tally.add_cell(step.name, step.target, key, rid,
                                    Cell(WHOLE, (), None, None, "missing", "the record is gone from the destination"))
                continue
            if self.source is not None:
                check.not_in_source += 1
                check.example("no longer in the source", key, rid, "deleted in the source; still in the destination")
            entries = written.get(rid)
            if not entries:
                continue  # nothing known of what was written: present is all that can be said
            if _holds(obj, record, entries, self._fill_in(step.target)):
                cell = Cell(WHOLE, (), None, None, "equal")
            else:
                cell = Cell(WHOLE, (), None, None, "changed", "the record no longer holds what its run wrote")
                cell = self._since_cell(cell, record, writers.get(rid), step.target)
            self.tally.add_cell(step.name, step.target, key, rid, cell)

    # -- what the runs wrote ------------------------------------------------------------

    def _fill_in(self, target: str) -> FillIn | None:
        """What the destination may put by itself in a field a run wrote empty (on
        create or update: verify does not tell them apart)."""
        filler = capability(self.destination, FillingDestination)
        if filler is None:
            return None
        return lambda field, value: filler.fills_in(target, field, value, created=True)

    def _written(self, target: str, ids: list[str]) -> tuple[dict[str, list[tuple[str, str]]], dict[str, Run]]:
        """The fingerprints of what the newest run that wrote each id wrote, and that run."""
        entries: dict[str, list[tuple[str, str]]] = {}
        writers: dict[str, Run] = {}
        left = list(ids)
        for run in self.runs:
            if not left:
                break
            found = self.store.written(run.id, target, left)
            for rid, items in found.items():
                entries[rid] = items
                writers[rid] = run
            left = [i for i in left if i not in found]
        return entries, writers

    def _since(self, diff: RecordDiff, record: Mapping[str, Any], writer: Run | None) -> RecordDiff:
        if not any(c.kind in PROBLEM_KINDS - {"missing"} for c in diff.cells):
            return diff
        cells = tuple(self._since_cell(c, record, writer, diff.target) for c in diff.cells)
        return RecordDiff(diff.step, diff.target, diff.key, diff.id, cells)

    def _since_cell(self, cell: Cell, record: Mapping[str, Any], writer: Run | None, target: str) -> Cell:
        """A cell that is not what the run wrote, as ``changed_since`` when the record
        was changed after its run ended."""
        if cell.kind not in ("changed", "truncated", "dropped") or writer is None or writer.ended_at is None:
            return cell
        stamp_field = self.stamp_field.get(target)
        stamp = as_datetime(record.get(stamp_field)) if stamp_field else None
        if stamp is None or stamp <= writer.ended_at:
            return cell
        return Cell(cell.field, cell.source, cell.computed, cell.stored, "changed_since",
                    f"changed at {stamp.isoformat()}, after run {writer.id} ended")

    def fields(self) -> Iterator[FieldCheck]:
        """The tally, as the report's per-field checks."""
        for (step, target, field), counts in self.tally.counts.items():
            examples = self.tally.examples.get((step, target, field), {})
            yield FieldCheck(step, target, field, {k: counts[k] for k in KINDS if counts[k]},
                             {k: tuple(examples[k]) for k in KINDS if k in examples})

    # -- extra records ------------------------------------------------------------------

    def extras(self, target: str, read: int) -> TargetCheck:
        """Records of ``target`` carrying a step's external id the crosswalk does not know."""
        ext = self._external(target)
        if ext is None:
            return TargetCheck(target, read, 0, False, ())
        count = 0
        examples: list[Example] = []
        for rid, value in self.scratch.extras(target):
            count += 1
            if len(examples) < EXAMPLES:
                examples.append(Example("", rid, note=f"{ext} = {value}"))
        return TargetCheck(target, read, count, True, tuple(examples))

    # -- what the engine learns before a run ------------------------------------------

    def _fallbacks(self, lookups: CrosswalkLookups) -> None:
        """The fallback record of each resolution, found as the engine finds it."""
        assert self.program is not None
        for name, program in self.program.resolutions.items():
            resolution = program.resolution
            if resolution.fallback is None:
                continue
            wanted = program.target_key(resolution.fallback)
            self.reads += 1
            for record in self.destination.read(resolution.target, None, ["Id", resolution.target_field]):
                if program.target_key(record.get(resolution.target_field)) == wanted:
                    lookups.fallbacks[name] = str(record["Id"])
                    break


class _StepCounts:
    def __init__(self, step: Step) -> None:
        self.step = step
        self.checked = 0
        self.missing = 0
        self.wrong_parent = 0
        self.source_changed = 0
        self.not_in_source = 0
        self.examples: dict[str, list[Example]] = {}

    def example(self, what: str, key: str, rid: str, note: str) -> None:
        kept = self.examples.setdefault(what, [])
        if len(kept) < EXAMPLES:
            kept.append(Example(key, rid, note=note))

    def problem(self, what: str, key: str, rid: str, note: str) -> None:
        if what == "missing":
            self.missing += 1
        else:
            self.wrong_parent += 1
        self.example(what, key, rid, note)

    def result(self) -> StepCheck:
        return StepCheck(self.step.name, self.step.target, self.checked, self.missing, self.wrong_parent,
                         self.source_changed, self.not_in_source, {k: tuple(v) for k, v in self.examples.items()})


def _holds(obj: s.ObjectSchema | None, values: Mapping[str, Any], entries: Iterable[tuple[str, str]],
           fill_in: FillIn | None = None) -> bool:
    """Do ``values`` give every fingerprint the run recorded (``fill_in``: what the
    destination may have put in fields the run wrote empty)?"""
    return holds(obj, values, entries, fill_in)


def _follow_merges(plan: Plan, source: Source, lookups: CrosswalkLookups) -> None:
    """Lookups of a merged-away key find the survivor, as in the run."""
    merged: dict[str, dict[str, str]] = {}
    for name, obj in [(st.name, st.source) for st in plan.steps if not st.path] + \
            [(r.name, r.source) for r in plan.resolutions]:
        if obj not in merged:
            merged[obj] = {t.key: t.merged_into for t in source.tombstones(obj) if t.merged_into is not None}
        if merged[obj]:
            lookups.merges[name] = merged[obj]
