"""Running a plan: resolutions, then wave by wave extract → transform → load, then
the deferred update pass; every source record ends with one recorded outcome.

A run is resumable: steps finished are recorded, and a step that was cut off is
simply run again — the crosswalk turns what it already loaded into updates, so the
final state is the one an uninterrupted run reaches.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from queue import Full, Queue
from typing import Any

from attrs import frozen

from crossmap import schema as s
from crossmap.codegen import Failed, Program, Skipped, generate
from crossmap.codegen.program import ResolutionProgram
from crossmap.compiler import Plan, Resolution, Step, ir
from crossmap.compiler.analysis import find_all
from crossmap.connectors import Destination, InvalidRecord, InvalidValue, Source
from crossmap.engine import sharing
from crossmap.engine.allocator import limit_retained_memory
from crossmap.engine.deferred import deferred_update
from crossmap.engine.loading import StepLoader
from crossmap.engine.lookups import CrosswalkLookups
from crossmap.engine.options import RunOptions
from crossmap.engine.reconcile import Reconciliation, reconcile, settle_uncertain
from crossmap.engine.sharing import SharedStreams
from crossmap.errors import CrossmapError
from crossmap.functions import FunctionContext
from crossmap.state import ErrorGroup, Outcome, Run, StateStore

FILE_PAGE_BYTES = 32 * 1024 * 1024
"""File content a page holds at most (one file more): a page of a source's records
with files is cut where their bytes reach this."""


class RunError(CrossmapError):
    """A run cannot start or go on (not a per-record problem: those are outcomes)."""


@frozen
class RunSummary:
    """What a run did: outcome counts per step (they add up to what was extracted),
    and what failed: the records that failed or were held back, grouped by step and
    cause, each group with its count, up to five keys and the reason."""

    run: Run
    counts: Mapping[str, Mapping[str, int]]
    errors: tuple[ErrorGroup, ...] = ()

    @property
    def failed(self) -> int:
        return sum(c.get("failed", 0) + c.get("held_back", 0) for c in self.counts.values())


def spec_hash(plan: Plan) -> str:
    """A stable fingerprint of the plan, stored with each run."""
    from crossmap.compiler import plan_to_json

    return hashlib.sha256(plan_to_json(plan).encode()).hexdigest()[:16]


class Engine:
    """Runs one plan between one source and one destination, recording everything
    in ``store``."""

    def __init__(
        self,
        plan: Plan,
        source: Source,
        destination: Destination,
        store: StateStore,
        options: RunOptions | None = None,
        *,
        functions: Mapping[str, Any] | None = None,
        context: FunctionContext | None = None,
    ) -> None:
        self.plan = plan
        self.source = source
        self.destination = destination
        self.store = store
        self.options = options or RunOptions()
        self.lookups = CrosswalkLookups(store)
        self.program: Program = generate(plan, functions=functions, lookups=self.lookups, context=context)
        self._failed: dict[str, set[str]] = {}
        self._keyless: dict[str, int] = {}  # per step: records whose key could not be computed
        self._failures_of_finished: dict[tuple[int, str], set[str]] = {}
        self._resumed = False
        self._since: Mapping[str, dt.datetime | None] = {}
        self.reconciliation = Reconciliation()
        """What the last run's start found of the writes killed runs left in flight."""

    # ---- entry points ------------------------------------------------------------------

    def run(self, *, delta: bool = False) -> RunSummary:
        """A full run (or, with ``delta``, only what changed since the last run).

        Every entry point holds the state store for the run: a second run, rollback
        or sample on it meanwhile is refused with ``StoreBusy`` naming this one."""
        what = "crossmap sample" if self.options.sample else "crossmap run" + (" --delta" if delta else "")
        with self.store.hold(what, spec=self.plan.spec):
            return self._run(delta=delta)

    def _run(self, *, delta: bool) -> RunSummary:
        kind = "delta" if delta else ("sample" if self.options.sample else "full")
        since: dict[str, dt.datetime | None] = {}
        if delta:
            previous = self.store.last_run(self.plan.spec, kinds=("full", "delta"))
            if previous is None:
                raise RunError("there is no successful run to pick up from; run without --delta first")
            for obj in self._source_objects():
                mark = self.store.watermark(self.plan.spec, obj)
                since[obj] = None if mark is None else mark - self.options.overlap
        run = self.store.begin_run(
            spec=self.plan.spec, spec_hash=spec_hash(self.plan), kind=kind,
            options={"batch_size": self.options.batch_size, "sample": self.options.sample, "delta": delta,
                     **self.options.tags},
        )
        return self._execute(run, since)

    def resume(self, run_id: int) -> RunSummary:
        """Go on with a run that was interrupted, to the state an uninterrupted run reaches."""
        with self.store.hold(f"crossmap run --resume {run_id}", spec=self.plan.spec):
            return self._resume(run_id)

    def _resume(self, run_id: int) -> RunSummary:
        run = self.store.run(run_id)
        if run.status not in ("running", "interrupted", "failed"):
            raise RunError(f"run {run_id} {run.status}; only an interrupted run can be resumed")
        if run.spec_hash != spec_hash(self.plan):
            raise RunError(f"run {run_id} ran a different version of the spec; it cannot be resumed with this one")
        run = self.store.resume_run(run_id)
        since: dict[str, dt.datetime | None] = {}
        if run.kind == "delta":
            for obj in self._source_objects():
                mark = self.store.watermark(self.plan.spec, obj)
                since[obj] = None if mark is None else mark - self.options.overlap
        return self._execute(run, since, resumed=True)

    def retry_failed(self, run_id: int) -> RunSummary:
        """Run again only the records that failed (or were held back) in ``run_id``."""
        with self.store.hold(f"crossmap run --retry-failed {run_id}", spec=self.plan.spec):
            return self._retry_failed(run_id)

    def _retry_failed(self, run_id: int) -> RunSummary:
        previous = self.store.run(run_id)
        keys = {
            step.name: self.store.failed_keys(run_id, step.name, outcomes=("failed", "held_back"))
            for step in self.plan.steps
        }
        run = self.store.begin_run(
            spec=self.plan.spec, spec_hash=spec_hash(self.plan), kind="retry",
            options={"retry_of": previous.id, **self.options.tags}, parent=previous.id,
        )
        return self._execute(run, {}, only=keys)

    # ---- the run ----------------------------------------------------------------------

    def _execute(
        self,
        run: Run,
        since: Mapping[str, dt.datetime | None],
        *,
        resumed: bool = False,
        only: Mapping[str, set[str]] | None = None,
    ) -> RunSummary:
        started = self.options.now()
        self._resumed = resumed
        self._since = since
        limit_retained_memory()  # before the run's threads start
        done = self.store.steps_done(run.id) if resumed else set()
        try:
            # Writes a killed run left in flight are settled first: before anything is
            # sent again, and before any lookup reads the crosswalk they complete.
            self.reconciliation = reconcile(self.plan, self.destination, self.store, self.lookups, run.id)
            self.reconciliation.check(step.target for step in self.plan.steps)
            self._follow_merges()
            self._resolve(run)
            for wave in self.plan.waves:
                todo = [self.plan.step(name) for name in wave if name not in done]
                # Steps of the wave into one object, the same way, send their rows
                # together: one unit of work (one Bulk job) per object and operation.
                shared = sharing.by_step(sharing.groups(todo), self.store, self.destination,
                                         self.options.batch_size)

                def run_one(step: Step, shared: Mapping[str, SharedStreams] = shared) -> None:
                    group = shared.get(step.name)
                    self._run_step(run, step, since.get(step.source),
                                   None if only is None else only.get(step.name, set()), group)
                    if group is None:
                        self.store.mark_step_done(run.id, step.name)

                try:
                    if self.options.parallel > 1 and len(todo) > 1:
                        # The steps of a wave depend only on earlier waves: they load at
                        # once, each in its own thread (the waits are the systems').
                        with ThreadPoolExecutor(min(self.options.parallel, len(todo)),
                                                thread_name_prefix="crossmap-step") as pool:
                            for future in [pool.submit(run_one, step) for step in todo]:
                                future.result()
                    else:
                        for step in todo:
                            run_one(step)
                finally:
                    for group in {id(g): g for g in shared.values()}.values():
                        group.close()  # sent by now, unless a step stopped the run
            self._deferred_pass(run, since)
            if run.kind in ("full", "delta"):
                for obj in self._source_objects():
                    self.store.set_watermark(self.plan.spec, obj, started, run.id)
        except BaseException:
            self.store.end_run(run.id, "interrupted")
            raise
        self.store.end_run(run.id, "succeeded")
        return RunSummary(self.store.run(run.id), self.store.outcome_counts(run.id),
                          tuple(self.store.error_groups(run.id, outcomes=("failed", "held_back"))))

    def _follow_merges(self) -> None:
        """Learn which source records were merged into others, so lookups of a
        merged-away key find the survivor's destination record."""
        targets = [(s.name, s.source) for s in self.plan.steps if not s.path]
        targets += [(r.name, r.source) for r in self.plan.resolutions]
        merged_by_object: dict[str, dict[str, str]] = {}
        for name, obj in targets:
            if obj not in merged_by_object:
                merged_by_object[obj] = {
                    t.key: t.merged_into for t in self.source.tombstones(obj) if t.merged_into is not None
                }
            if merged_by_object[obj]:
                self.lookups.merges[name] = merged_by_object[obj]

    def _source_objects(self) -> list[str]:
        return sorted({s.source for s in self.plan.steps})

    def _pages(self, obj: str, since: dt.datetime | None) -> Iterator[list[dict[str, Any]]]:
        """The pages of ``obj``, extracted ahead in a background thread (at most
        ``prefetch`` pages waiting), so extraction and loading overlap."""
        return prefetched(self._extract(obj, since), self.options.prefetch)

    def _extract(self, obj: str, since: dt.datetime | None) -> Iterator[list[dict[str, Any]]]:
        limit = self.options.sample
        seen = 0
        pages = self.source.extract(obj, since=since)
        blobs = self._blob_fields(obj)
        if blobs:
            pages = self._with_files(obj, pages, blobs)
        for page in pages:
            if limit is not None:
                page = page[: max(0, limit - seen)]
            seen += len(page)
            if page:
                yield page
            if limit is not None and seen >= limit:
                return

    def _with_files(self, obj: str, pages: Iterable[list[dict[str, Any]]],
                    blobs: list[str]) -> Iterator[list[dict[str, Any]]]:
        """The pages with each record's files read in (a source streams binary content
        separately: ``open_blob``), cut where the files reach ``FILE_PAGE_BYTES``, so
        memory holds that much of them, not a page of files however large."""
        key_field = self._key_field(obj)
        for page in pages:
            part: list[dict[str, Any]] = []
            size = 0
            for record in page:
                if isinstance(record, InvalidRecord):
                    part.append(record)  # it fails for its values: its files are not read
                    continue
                files, unreadable = self._files_of(obj, record, str(record.get(key_field)), blobs)
                if unreadable:
                    part.append(InvalidRecord(record, unreadable))  # fails alone; the run goes on
                    continue
                part.append({**record, **files})
                size += sum(len(b) for b in files.values() if b is not None)
                if size >= FILE_PAGE_BYTES:
                    yield part
                    part, size = [], 0
            if part:
                yield part

    def _files_of(self, obj: str, record: Mapping[str, Any], key: str,
                  blobs: list[str]) -> tuple[dict[str, bytes | None], list[InvalidValue]]:
        """The record's files, read whole; a field the record holds as null has no
        file (nothing to read). A file the source cannot give fails the record, not
        the run."""
        files: dict[str, bytes | None] = {}
        unreadable: list[InvalidValue] = []
        for field in blobs:
            if field in record and record[field] is None:
                files[field] = None
                continue
            try:
                files[field] = b"".join(self.source.open_blob(obj, key, field))
            except CrossmapError as error:
                unreadable.append(InvalidValue(field, record.get(field), f"its file cannot be read: {error}"))
        return files, unreadable

    def _run_step(self, run: Run, step: Step, since: dt.datetime | None, only: set[str] | None,
                  shared: SharedStreams | None = None) -> None:
        """Extract, transform and load one step. A step that shares its load streams
        with others of its wave (``shared``) hands its rows over; the last of them to
        finish sends them all (:meth:`_send_shared`)."""
        program = self.program[step.name]
        loader = StepLoader(self.store, self.destination, self.lookups, run.id, step, self.options.batch_size,
                            resumed=self._resumed, shared=shared)
        key_field = self._key_field(step.source)
        # Rows stream to the destination as one unit of work per operation (one
        # Salesforce Bulk job per object); only pages of file bytes are handed over as
        # they come, so memory holds one page of files.
        per_page = bool(self._blob_fields(step.source))
        done = 0
        self._keyless[step.name] = 0
        try:
            for page in self._pages(step.source, since):
                if only is not None:
                    page = [r for r in page if _key_prefix_matches(r.get(key_field), only, step)]
                outcomes: list[Outcome] = []
                if _has_invalid(page):
                    page = self._fail_invalid(step, key_field, page, outcomes)
                self._prefetch(step, page)
                rows, others = program.run_batch(page)
                for key, values in _one_row_per_key(step, rows, outcomes):
                    loader.add(key, values)
                for result in others:
                    if isinstance(result, Skipped):
                        outcomes.append(Outcome(result.key or "", "skipped", "SKIPPED", None, result.line,
                                                result.reason))
                    else:
                        outcomes.append(self._failure(run, step, result))
                if per_page:
                    loader.hand_over()
                if outcomes:
                    self.store.record_outcomes(run.id, step.name, step.source, outcomes)
                done += len(page)
                if self.options.progress is not None:
                    self.options.progress(step.name, done)
            loader.finish()
            if shared is None:
                settle_uncertain(self.plan, self.destination, self.store, loader)
        except BaseException:
            if shared is not None:
                shared.failed = True  # nothing of the group is sent; the run stops
            raise
        finally:
            if shared is None:
                loader.close()
            elif shared.filled(step.name):
                self._send_shared(run, shared, self._since)
        if shared is None and step.on_delete != "ignore" and run.kind == "delta":
            self._apply_deletions(run, step, since, loader)

    def _send_shared(self, run: Run, shared: SharedStreams, since: Mapping[str, dt.datetime | None]) -> None:
        """Send the rows of a group of steps into one object (``crossmap.engine.
        sharing``), then end each step as :meth:`_run_step` ends one alone."""
        try:
            shared.send()
            if shared.failed:
                return
            for step in shared.steps:
                settle_uncertain(self.plan, self.destination, self.store, shared.loaders[step.name])
        finally:
            shared.close()
        for step in shared.steps:
            if step.on_delete != "ignore" and run.kind == "delta":
                self._apply_deletions(run, step, since.get(step.source), shared.loaders[step.name])
            self.store.mark_step_done(run.id, step.name)

    def _fail_invalid(self, step: Step, key_field: str, page: list[dict[str, Any]],
                      outcomes: list[Outcome]) -> list[dict[str, Any]]:
        """The page without its records holding a value the source could not read as
        its type; each of those fails on its own (``SOURCE_VALUE``), the run goes on."""
        kept = []
        for record in page:
            if isinstance(record, InvalidRecord):
                key = str(record.get(key_field))
                self._failed.setdefault(step.name, set()).add(key)
                outcomes.append(Outcome(key, "failed", "SOURCE_VALUE", record.problems[0].field, None,
                                        record.reason()))
            else:
                kept.append(record)
        return kept

    def _failure(self, run: Run, step: Step, failed: Failed) -> Outcome:
        """A transform failure — or, when the missing parent itself failed in this
        run, a record held back with its parent. A record whose key could not be
        computed is named by its place among them, so each keeps an outcome of its own."""
        key = failed.key
        if key is None:
            self._keyless[step.name] += 1
            key = f"(no key #{self._keyless[step.name]})"
        self._failed.setdefault(step.name, set()).add(key)
        if failed.parent is not None:
            parent_step, parent_key = failed.parent
            if parent_key in self._failed.get(parent_step, set()) or (
                parent_step != step.name and parent_key in self._finished_failures(run, parent_step)
            ):
                return Outcome(key, "held_back", "PARENT_FAILED", failed.field, failed.line,
                               f"held back: its parent {parent_step.split('->')[0]} {parent_key!r} failed")
        return Outcome(key, "failed", failure_code(step, failed), failed.field, failed.line, failed.reason)

    def _finished_failures(self, run: Run, step: str) -> set[str]:
        """The keys that failed in ``step``, an earlier wave's step: read once, as
        they no longer change (not once per record whose parent is missing)."""
        found = self._failures_of_finished.get((run.id, step))
        if found is None:
            found = self._failures_of_finished[run.id, step] = self.store.failed_keys(run.id, step)
        return found

    def _prefetch(self, step: Step, page: list[dict[str, Any]]) -> None:
        """Load the crosswalk ids the page's lookups will ask for, in one query each."""
        for target, field in _lookup_fields(step):
            self.lookups.prefetch(target, (r.get(field) for r in page))

    def _blob_fields(self, obj: str) -> list[str]:
        found = self.source.schema().find_object(obj)
        return [] if found is None else [f.name for f in found if isinstance(f.type, s.Blob)]

    def _key_field(self, obj: str) -> str:
        schema = self.source.schema()
        found = schema.find_object(obj)
        return (found.key if found is not None else None) or "id"

    # ---- resolutions ---------------------------------------------------------------------

    def _resolve(self, run: Run) -> None:
        for name, resolution in self.program.resolutions.items():
            self._resolve_one(run, name, resolution)

    def _resolve_one(self, run: Run, name: str, program: ResolutionProgram) -> None:
        resolution = program.resolution
        index: dict[object, str] = {}
        for record in self.destination.read(resolution.target, None, ["Id", resolution.target_field]):
            value = program.target_key(record.get(resolution.target_field))
            if value is not None:
                index.setdefault(value, record["Id"])
        fallback = None if resolution.fallback is None else index.get(program.target_key(resolution.fallback))
        if fallback is not None:
            self.lookups.fallbacks[name] = fallback
        key_field = self._key_field(resolution.source)
        unmatched: list[str] = []
        misses = 0
        for page in self.source.extract(resolution.source):
            matched: list[tuple[str, str, bool]] = []
            outcomes: list[Outcome] = []
            for record in page:
                key = str(record.get(key_field))
                value, problem = ((None, record.reason()) if isinstance(record, InvalidRecord)
                                  else program.match_key(record))
                found = None if value is None else index.get(value)
                if found is None:
                    misses += 1
                    if len(unmatched) < _LISTED:
                        unmatched.append(key)
                    reason = problem or f"no {resolution.target} matches"
                    outcomes.append(Outcome(key, "skipped", "UNMATCHED", resolution.target_field, resolution.line,
                                            f"{reason}; its records go to the fallback"))
                else:
                    matched.append((key, found, False))
                    outcomes.append(Outcome(key, "matched", None, None, None, None))
            if matched:
                self.store.put_ids(run.id, name, resolution.target, matched)
                self.lookups.learn(name, ((k, i) for k, i, _ in matched))
            self.store.record_outcomes(run.id, name, resolution.source, outcomes)
        self._gate(name, resolution, fallback, unmatched, misses)

    def _gate(self, name: str, resolution: Resolution, fallback: str | None, unmatched: list[str],
              misses: int) -> None:
        """No step that uses a resolution loads until every key resolves or the
        fallback is confirmed: the spec's ``fallback`` line names it, and it must
        exist in the destination. Called before the first wave, so no step has loaded."""
        listed = ", ".join(unmatched) + (f" and {misses - len(unmatched)} more" if misses > len(unmatched) else "")
        if resolution.fallback is not None and fallback is None:
            found = f"; {misses} {resolution.source} match none: {listed}" if misses else ""
            raise RunError(
                f"the fallback {resolution.target} {resolution.fallback!r} of '{name}' does not exist in the "
                f"destination{found}. The run stopped before its first step: create that "
                f"{resolution.target} (or the missing ones), or change the fallback, and run again"
            )
        if misses and resolution.fallback is None and uses_fallback(self.plan, name):
            raise RunError(
                f"{misses} {resolution.source} match no {resolution.target} and '{name}' declares no "
                f"fallback, but the spec falls back for them (`missing fallback`): {listed}. The run stopped "
                f"before its first step: create the missing {resolution.target} records, or add a `fallback` line"
            )

    # ---- deferred pass and deletions -------------------------------------------------------

    def _deferred_pass(self, run: Run, since: Mapping[str, dt.datetime | None]) -> None:
        """Fill the lookups that had to wait: circular ones and ``missing defer``."""
        for step in self.plan.steps:
            fields = {a.field for a in step.assignments if a.deferred or _defers(a.value)}
            if not fields:
                continue
            program = self.program[step.name]
            loader = StepLoader(self.store, self.destination, self.lookups, run.id, step, self.options.batch_size,
                            resumed=self._resumed)
            updates: list[tuple[str, dict[str, Any]]] = []
            for page in self._pages(step.source, since.get(step.source)):
                self._prefetch(step, page)
                failures: list[Failed] = []
                for record in page:
                    if isinstance(record, InvalidRecord):
                        continue  # it failed in its step
                    values, failed = deferred_update(program, record, fields)
                    if values:
                        updates.append(values)
                    if failed is not None:
                        failures.append(failed)
                if failures:  # of records that loaded: a record that did not has its outcome
                    known = self.store.ids(step.name, [f.key for f in failures if f.key is not None])
                    self.store.record_outcomes(run.id, step.name, step.source,
                                               [self._failure(run, step, f) for f in failures if f.key in known])
                if len(updates) >= self.options.batch_size:
                    loader.write(updates, update_only=True)
                    updates = []
            if updates:
                loader.write(updates, update_only=True)

    def _apply_deletions(self, run: Run, step: Step, since: dt.datetime | None, loader: StepLoader) -> None:
        keys = [t.key for t in self.source.tombstones(step.source, since=since)]
        known = self.store.ids(step.name, keys)
        if not known:
            return
        outcomes: list[Outcome] = []
        if step.on_delete == "flag" and step.on_delete_field:
            loader.write([(k, {step.on_delete_field: True}) for k in known], update_only=True)
            return
        from crossmap.engine.rollback import capture_deleted

        capture_deleted(self.destination, self.store, run.id, step.name, step.target, known)  # for rollback
        results = self.destination.load(step.target, "delete", [(k, {"Id": i}) for k, i in known.items()])
        for result in results:
            if result.ok:
                outcomes.append(Outcome(result.ref, "deleted", None, None, None, "deleted in the source"))
            else:
                outcomes.append(Outcome(result.ref, "failed", result.error_code, None, None, result.error_message))
        self.store.forget_ids(step.name, [r.ref for r in results if r.ok])
        self.store.record_outcomes(run.id, step.name, step.source, outcomes)


_LISTED = 20
"""Unmatched keys a resolution error names (it gives the count of the rest)."""


def uses_fallback(plan: Plan, name: str) -> bool:
    """Does some step look up resolution ``name`` with ``missing fallback``?"""
    return any(lookup.step == name and lookup.missing == "fallback"
               for step in plan.steps for st in step.body for lookup in find_all(st.value, ir.Lookup))


def failure_code(step: Step, failed: Failed) -> str:
    """``RULE`` for a record the step's ``fail when`` rule failed, else ``TRANSFORM``."""
    return "RULE" if failed.field is None and step.rule_fails_at(failed.line) else "TRANSFORM"


def _defers(node: ir.Expr) -> bool:
    return isinstance(node, ir.Lookup) and node.missing == "defer"


def _lookup_fields(step: Step) -> list[tuple[str, str]]:
    """(lookup step, source field) for lookups keyed by a plain source field."""
    pairs = []
    for assignment in step.assignments:
        value = assignment.value
        if (isinstance(value, ir.Lookup) and isinstance(value.key, ir.Field) and value.key.root == "record"
                and len(value.key.path) == 1):
            pairs.append((value.step, value.key.path[0]))
    return pairs


def _one_row_per_key(step: Step, rows: list[tuple[str, dict[str, Any]]],
                     outcomes: list[Outcome]) -> list[tuple[str, dict[str, Any]]]:
    """The rows of a page, the first of each key: a later row with a key already
    seen (two fan-out elements whose ``key`` does not tell them apart, two source
    records with one id) fails on its own, named ``KEY (duplicate #n)``, instead of
    silently writing over the first. Checked within a page, which holds every
    element of a fan-out's record."""
    seen: dict[str, int] = {}
    kept = []
    for key, values in rows:
        count = seen[key] = seen.get(key, 0) + 1
        if count == 1:
            kept.append((key, values))
        else:
            outcomes.append(Outcome(f"{key} (duplicate #{count})", "failed", "DUPLICATE_KEY", None, step.line,
                                    f"another record of {step.name} has the key {key!r}, which must identify one "
                                    "record"))
    return kept if len(kept) < len(rows) else rows


def _has_invalid(page: list[dict[str, Any]]) -> bool:
    return any(type(record) is InvalidRecord for record in page)


def _key_prefix_matches(key: object, only: set[str], step: Step) -> bool:
    if key is None:
        return False
    text = str(key)
    if not step.path:
        return text in only
    return any(k.startswith(text) for k in only)


_DONE = object()


def prefetched(pages: Iterator[list[dict[str, Any]]], depth: int) -> Iterator[list[dict[str, Any]]]:
    """``pages`` produced by a worker thread, at most ``depth`` ahead of the consumer
    (memory stays bounded); an exception in the worker is raised in the consumer."""
    if depth <= 0:
        yield from pages
        return
    queue: Queue[object] = Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for page in pages:
                while not stop.is_set():
                    try:
                        queue.put(page, timeout=0.1)
                        break
                    except Full:
                        continue
                if stop.is_set():
                    return
            queue.put(_DONE)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            queue.put(exc)

    worker = threading.Thread(target=produce, name="crossmap-extract", daemon=True)
    worker.start()
    try:
        while True:
            item = queue.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        worker.join()

