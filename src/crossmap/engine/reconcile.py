"""Reconciling the writes a killed run left in flight, before anything is sent again.

Every write is journaled before it is sent (``StepLoader``); an intent still open
when a run starts is one whose outcome the store does not know. For each such insert
or upsert, the rows whose result was recorded are set aside, and the others are
looked for in the destination:

1. in the results of the jobs the journal names, when the destination can settle
   them (``JobReconciling``: Salesforce reads a finished Bulk job's results, aborts
   one still open for upload, awaits one being processed);
2. else (no job, or one the destination forgot) among candidate records: those
   whose external id is the row's (an upsert), or, for an insert-only object, the
   records of the rows' parents that no crosswalk knows, matched to the journaled
   fingerprints as a multiset (two identical comments on one parent stay two).

What is found is recorded as loaded (crosswalk, ledger, outcome), so the step, run
again, updates those records (without create-only fields) instead of creating them
twice, and no later step's lookup falls back for want of them. Updates and deletes
are idempotent: their intents settle without a search, the step sends them again.

Among a parent's records, a destination that stamps who created each record and when
(``AuthoredDestination``: Salesforce's ``CreatedById`` and ``CreatedDate``) gives only
those its own user created since the intent was journaled (by its clock, less
:data:`CLOCK_SKEW`): an identical record someone else made on the same parent while
the run was down is never taken for the run's.

The journal holds all a reconciliation needs (object, operation, external id field,
source object, each row's key, fields, fingerprint and probe, the job ids), so a write
left in flight by a step the spec, edited since, no longer has is reconciled as well:
what is found is recorded under the old step's name (crosswalk, outcomes of the run
that wrote it); what is not found did not land, and its rows fail as
``CROSSMAP_NOT_LOADED`` (no step sends them any more). A write that cannot be
reconciled (the destination refuses to say what landed: the object is gone from it,
the read fails) stays open and is returned: the engine stops before writing into that
object (:class:`UnreconciledWrites`), naming the rows and the reason.
"""

from __future__ import annotations

import json
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from datetime import datetime, timedelta
from typing import Any

from attrs import frozen

from crossmap.compiler import Plan, Step, ir
from crossmap.compiler import types as t
from crossmap.connectors.protocols import (
    AuthoredDestination,
    Destination,
    FetchingDestination,
    JobReconciling,
    LoadResult,
    capability,
)
from crossmap.engine.fingerprint import digest
from crossmap.engine.loading import StepLoader, Written
from crossmap.engine.lookups import CrosswalkLookups
from crossmap.errors import CrossmapError
from crossmap.schema import ObjectSchema
from crossmap.state import StateStore
from crossmap.state.journal import Intent

log = logging.getLogger(__name__)

CLOCK_SKEW = timedelta(seconds=10)
"""How much earlier than the destination's clock, as journaled with an intent, a
record of that write may be stamped as created. The clock read is already never later
than the destination's time (Salesforce: the ``Date`` header of a response received
before the write, cut to the second); the margin covers the clocks of a destination's
several servers drifting apart."""

SHOWN_KEYS = 10
"""Source keys an :class:`UnreconciledWrites` message names, per write."""


@frozen
class Unreconciled:
    """Rows of a write left in flight that could not be reconciled, and why."""

    run_id: int
    step: str
    target: str
    keys: tuple[str, ...]
    reason: str

    def describe(self) -> str:
        """``run 3, step notes->Comment: 2 rows (N-1, N-2) into Comment: why``."""
        shown = ", ".join(self.keys[:SHOWN_KEYS]) + (
            f" and {len(self.keys) - SHOWN_KEYS} more" if len(self.keys) > SHOWN_KEYS else "")
        return (f"run {self.run_id}, step {self.step}: {len(self.keys)} rows ({shown}) into "
                f"{self.target}: {self.reason}")


class UnreconciledWrites(CrossmapError):
    """A killed run left a write in flight into an object this run writes, and it
    cannot be told which of its rows landed: writing could duplicate them."""

    def __init__(self, problems: Sequence[Unreconciled]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  {p.describe()}" for p in self.problems)
        super().__init__(
            "writes a killed run left in flight cannot be reconciled, and this run would write into "
            f"the same objects, which could duplicate their rows; nothing was written:\n{lines}\n"
            "make the destination answer for those objects again (the object restored, access granted), "
            "then run again: the rows are reconciled first")


@frozen
class Reconciliation:
    """What reconciling the writes killed runs left in flight found."""

    found: int = 0
    """Rows found loaded already, recorded without being sent again."""
    not_loaded: int = 0
    """Rows of steps the spec no longer has that did not land (failed ``CROSSMAP_NOT_LOADED``)."""
    unreconciled: tuple[Unreconciled, ...] = ()
    """Writes left open: they could not be reconciled."""

    def check(self, targets: Iterable[str]) -> None:
        """Raise :class:`UnreconciledWrites` when a write into one of ``targets`` (the
        objects a run is about to write into) could not be reconciled."""
        wanted = {target.casefold() for target in targets}
        blocking = [u for u in self.unreconciled if u.target.casefold() in wanted]
        if blocking:
            raise UnreconciledWrites(blocking)


def reconcile(plan: Plan, destination: Destination, store: StateStore, lookups: CrosswalkLookups,
              run_id: int | None = None) -> Reconciliation:
    """Settle every open intent of ``plan``'s spec, those of steps it no longer has
    included, as run ``run_id``; what was found."""
    steps = {step.name: step for step in plan.steps}
    found = not_loaded = 0
    unreconciled: list[Unreconciled] = []
    intents = store.open_intents(plan.spec)
    # Read before any intent settles (and its rows go): the records already recorded
    # for the rows of each job, and those this reconciliation gives a row.
    recorded = _recorded_by_job(intents, store)
    taken: set[str] = set()
    for intent in intents:
        if intent.operation not in ("insert", "upsert"):
            store.settle_intent(intent.id, by=run_id)
            continue
        step = steps.get(intent.step)
        gone = step is None
        if step is None:
            step = _journaled_step(intent)
        claimed = (_known_ids(store, [*plan.steps, *(_journaled_step(i) for i in intents)], intent.target)
                   if intent.external_id is None else set())
        try:
            results, rows = _find(intent, step, destination, store, claimed, _claimed(intent, recorded) | taken)
        except CrossmapError as error:
            # The destination cannot say what landed (the object is gone from it, it
            # refuses the read): the write stays open, for the next run to try again.
            keys = tuple(row[0] for row in store.intent_rows(intent.id))
            unreconciled.append(Unreconciled(intent.run_id, intent.step, intent.target, keys,
                                             f"reading what landed failed: {error}"))
            log.warning("run %d left a write of %d rows of step %s in flight into %s that cannot be "
                        "reconciled now (%s): it stays open", intent.run_id, len(keys), intent.step,
                        intent.target, error)
            continue
        taken.update(r.id for r in results if r.id is not None)
        landed = {r.ref for r in results}
        missing = [w for w in rows if w[0] not in landed] if gone else []
        if results or missing:
            loader = StepLoader(store, destination, lookups, intent.run_id, step, 1)
            loader.record_found([*results, *(_not_loaded(w[0], intent.step) for w in missing)],
                                [*(w for w in rows if w[0] in landed), *missing], intent.operation)
        if results:
            log.info("%s: %d rows of an interrupted %s were loaded already", step.name, len(results),
                     intent.operation)
        if gone:
            log.warning("run %d left a write of step %s in flight, which this version of the spec no longer "
                        "has: %d of its rows had landed (recorded under that step), %d had not (failed as "
                        "CROSSMAP_NOT_LOADED)", intent.run_id, intent.step, len(results), len(missing))
        store.settle_intent(intent.id, len(results), by=run_id)
        found += len(results)
        not_loaded += len(missing)
    return Reconciliation(found, not_loaded, tuple(unreconciled))


def _journaled_step(intent: Intent) -> Step:
    """The step an intent was journaled for, as far as recording its rows needs: its
    name, source and target objects, operation and external id field."""
    source = intent.source or intent.step.split("->")[0]
    return Step(intent.step, source, intent.target, ir.Const(t.NULL, None),
                "upsert" if intent.operation == "upsert" else "insert", intent.external_id, ())


def _not_loaded(key: str, step: str) -> LoadResult:
    return LoadResult(key, None, error_code="CROSSMAP_NOT_LOADED", error_message=(
        f"the write of this row was interrupted and step {step} is no longer in the spec: the row is not in "
        "the destination, and no step of the spec loads it any more"))


def _recorded_by_job(intents: Iterable[Intent], store: StateStore) -> dict[str, set[str]]:
    """By job, the records that rows it carried have recorded already, under their
    own intent or another step's sharing the job (``crossmap.engine.sharing``): the
    job's results hold them too, and none may be taken for a row still to find."""
    recorded: dict[str, set[str]] = {}
    for intent in intents:
        if intent.jobs:
            keys = [row[0] for row in store.intent_rows(intent.id)]
            ids = set(store.ids(intent.step, keys).values())
            for job in intent.jobs:
                recorded.setdefault(job, set()).update(ids)
    return recorded


def _claimed(intent: Intent, recorded: Mapping[str, set[str]]) -> set[str]:
    return set().union(*(recorded.get(job, ()) for job in intent.jobs))


def _find(intent: Intent, step: Step, destination: Destination, store: StateStore,
          claimed: set[str], in_jobs: AbstractSet[str] = frozenset()) -> tuple[list[LoadResult], list[Written]]:
    """(results of the rows found loaded, the intent's rows not recorded yet);
    ``in_jobs``: records the intent's jobs' results hold that belong to rows already
    recorded (its own, or another step's sharing the job)."""
    journaled = [_Row(*row) for row in store.intent_rows(intent.id)]
    recorded = store.ids(step.name, (row.key for row in journaled))
    rows = [row for row in journaled if row.key not in recorded]
    if not rows:
        return [], []
    pool = _Pool(destination.describe().find_object(intent.target), rows)
    results: list[LoadResult] = []
    settler = capability(destination, JobReconciling)
    if intent.jobs and settler is not None:
        for landed in settler.settle_jobs(intent.target, intent.jobs):
            if landed.id in in_jobs:
                continue
            key = pool.take(landed.values)
            if key is not None:
                results.append(LoadResult(key, landed.id, created=landed.created))
    if pool:
        results += _from_candidates(intent.target, intent.external_id, destination, claimed, pool,
                                    intent.destination_time)
    return results, [row.written for row in rows]


def settle_uncertain(plan: Plan, destination: Destination, store: StateStore, loader: StepLoader) -> int:
    """Rows of a step just loaded whose insert the destination could not confirm
    (``UNCERTAIN_INSERT``): each is looked for among the candidates; found, it is
    recorded loaded; not found, it did not land and fails as ``CROSSMAP_NOT_LOADED``
    (``--retry-failed`` sends it again). The number found."""
    step = loader.step
    found = 0
    for operation, written in loader.uncertain.items():
        rows = [_Row(*w) for w in written]
        target = destination.describe().find_object(step.target)
        pool = _Pool(target, rows)
        intent = loader.unsettled.get(operation)
        results = _from_candidates(step.target, None, destination, _known_ids(store, plan.steps, step.target),
                                   pool, None if intent is None else loader.journaled_at.get(intent))
        landed = {r.ref for r in results}
        if results:
            loader.record_found(results, [w for w in written if w[0] in landed], operation)
        missing = [w for w in written if w[0] not in landed]
        if missing:
            log.warning("%s: %d rows whose insert failed after sending are not in the destination",
                        step.name, len(missing))
            loader.record_found([LoadResult(w[0], None, error_code="CROSSMAP_NOT_LOADED", error_message=(
                "the insert failed after it was sent, and no record holding the row's values is among "
                "its parent's records: it was not loaded; `crossmap run --retry-failed` sends it again"))
                for w in missing], missing, operation)
        found += len(results)
        intent = loader.unsettled.pop(operation, None)
        if intent is not None:
            store.settle_intent(intent)
    loader.uncertain = {}
    return found


def _from_candidates(target_name: str, ext: str | None, destination: Destination, known: set[str],
                     pool: _Pool, journaled_at: datetime | None) -> list[LoadResult]:
    """Rows found among the destination's records (see the module's doc); ``known``:
    the ids crosswalks hold, ``journaled_at``: the destination's clock at the intent."""
    fields = sorted(pool.fields | ({ext} if ext else set()))
    claimed: set[str] = set()
    if ext:
        candidates = _fetch(destination, target_name, ext, pool.probe_values(ext), fields)
    else:
        parent = pool.parent_field()
        authored = capability(destination, AuthoredDestination)
        if authored is not None:
            # Only what the run's own user created since the write was journaled.
            since = None if journaled_at is None else journaled_at - CLOCK_SKEW
            candidates = authored.created_since(target_name, parent, pool.probe_values(parent) if parent else [],
                                                fields, since)
        elif parent is None:
            candidates = destination.read(target_name, None, fields)
        else:
            candidates = _fetch(destination, target_name, parent, pool.probe_values(parent), fields)
        candidates = iter(list(candidates))
        claimed = known
    results = []
    for record in candidates:
        id = str(record.get("Id"))
        if id in claimed:
            continue
        key = pool.take(record)
        if key is not None:
            # An insert found is one this run made. So is an upsert's: a row goes as
            # an upsert only when the step's snapshot, read before its first write,
            # held no record with its external id (those go as updates by Id).
            results.append(LoadResult(key, id, created=True))
    return results


def _fetch(destination: Destination, target: str, field: str, values: list[str],
           fields: list[str]) -> Iterator[Mapping[str, Any]]:
    if not values:
        return iter(())
    fetcher = capability(destination, FetchingDestination)
    if fetcher is not None:
        return fetcher.fetch(target, field, values, fields)
    wanted = set(values)
    return (r for r in destination.read(target, None, [*fields, field]) if str(r.get(field)) in wanted)


def _known_ids(store: StateStore, steps: Iterable[Step], target: str) -> set[str]:
    """Destination ids the crosswalks of ``steps`` (the spec's, and those of writes in
    flight) know in ``target``: records that belong to other rows, never candidates."""
    names = {step.name for step in steps if step.target == target}
    return {id for name in sorted(names) for _, id in store.crosswalk(name)}


class _Row:
    """One journaled row."""

    __slots__ = ("digest", "fields", "key", "probe")

    def __init__(self, key: str, fields: str, digest: str, probe: str) -> None:
        self.key, self.fields, self.digest, self.probe = key, fields, digest, probe

    @property
    def written(self) -> Written:
        return self.key, self.fields, self.digest, self.probe


class _Pool:
    """The rows still to find, by (fields, fingerprint): a multiset, so two identical
    rows need two records."""

    def __init__(self, target: ObjectSchema | None, rows: Iterable[_Row]) -> None:
        self.target = target
        self._keys: dict[tuple[str, str], list[str]] = defaultdict(list)
        self._rows = list(rows)
        for row in self._rows:
            self._keys[row.fields, row.digest].append(row.key)
        # The field sets to try, the largest first, so a row writing fewer fields
        # does not take the record of one writing more.
        self._shapes = sorted({row.fields for row in self._rows}, key=lambda f: (-f.count(","), f))
        self.fields = {f for shape in self._shapes for f in shape.split(",") if f}
        self._left = len(self._rows)

    def __bool__(self) -> bool:
        return self._left > 0

    def take(self, values: Mapping[str, Any]) -> str | None:
        """The key of a row ``values`` (a record) is, taken out of the pool."""
        for shape in self._shapes:
            names = shape.split(",") if shape else []
            keys = self._keys.get((shape, digest(self.target, values, names)))
            if keys:
                self._left -= 1
                return keys.pop(0)
        return None

    def probe_values(self, field: str) -> list[str]:
        values = {json.loads(row.probe).get(field) for row in self._rows}
        return sorted(v for v in values if v)

    def parent_field(self) -> str | None:
        """The parent field most rows name (their candidates are that parent's records)."""
        counts: Counter[str] = Counter()
        for row in self._rows:
            counts.update(json.loads(row.probe))
        if not counts:
            return None
        field, count = counts.most_common(1)[0]
        return field if count == len(self._rows) else None
