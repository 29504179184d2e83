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
"""

from __future__ import annotations

import json
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from typing import Any

from crossmap.compiler import Plan, Step
from crossmap.connectors.protocols import (
    Destination,
    FetchingDestination,
    JobReconciling,
    LoadResult,
    capability,
)
from crossmap.engine.fingerprint import digest
from crossmap.engine.loading import StepLoader, Written
from crossmap.engine.lookups import CrosswalkLookups
from crossmap.schema import ObjectSchema
from crossmap.state import StateStore
from crossmap.state.journal import Intent

log = logging.getLogger(__name__)


def reconcile(plan: Plan, destination: Destination, store: StateStore, lookups: CrosswalkLookups) -> int:
    """Settle every open intent of ``plan``'s spec; the number of rows found loaded."""
    steps = {step.name: step for step in plan.steps}
    found = 0
    intents = store.open_intents(plan.spec)
    # Read before any intent settles (and its rows go): the records already recorded
    # for the rows of each job, and those this reconciliation gives a row.
    recorded = _recorded_by_job(intents, store)
    taken: set[str] = set()
    for intent in intents:
        step = steps.get(intent.step)
        if step is None:
            log.warning("run %d left a write of step %s in flight, which this version of the spec no "
                        "longer has: it is not reconciled", intent.run_id, intent.step)
        if step is None or intent.operation not in ("insert", "upsert"):
            store.settle_intent(intent.id)
            continue
        results, rows = _find(intent, step, destination, store, plan, _claimed(intent, recorded) | taken)
        taken.update(r.id for r in results if r.id is not None)
        if results:
            loader = StepLoader(store, destination, lookups, intent.run_id, step, 1)
            landed = {r.ref for r in results}
            loader.record_found(results, [w for w in rows if w[0] in landed], intent.operation)
            log.info("%s: %d rows of an interrupted %s were loaded already", step.name, len(results),
                     intent.operation)
        store.settle_intent(intent.id, len(results))
        found += len(results)
    return found


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
          plan: Plan, claimed: AbstractSet[str] = frozenset()) -> tuple[list[LoadResult], list[Written]]:
    """(results of the rows found loaded, the intent's rows not recorded yet);
    ``claimed``: records a job's results hold that belong to rows already recorded."""
    journaled = [_Row(*row) for row in store.intent_rows(intent.id)]
    recorded = store.ids(step.name, (row.key for row in journaled))
    rows = [row for row in journaled if row.key not in recorded]
    if not rows:
        return [], []
    target = destination.describe().find_object(intent.target)
    pool = _Pool(target, rows)
    results: list[LoadResult] = []
    settler = capability(destination, JobReconciling)
    if intent.jobs and settler is not None:
        for landed in settler.settle_jobs(intent.target, intent.jobs):
            if landed.id in claimed:
                continue
            key = pool.take(landed.values)
            if key is not None:
                results.append(LoadResult(key, landed.id, created=landed.created))
    if pool:
        results += _from_candidates(intent.target, intent.external_id, destination, store, plan, pool)
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
        results = _from_candidates(step.target, None, destination, store, plan, pool)
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


def _from_candidates(target_name: str, ext: str | None, destination: Destination, store: StateStore,
                     plan: Plan, pool: _Pool) -> list[LoadResult]:
    """Rows found among the destination's records (see the module's doc)."""
    fields = sorted(pool.fields | ({ext} if ext else set()))
    if ext:
        candidates = _fetch(destination, target_name, ext, pool.probe_values(ext), fields)
        claimed: set[str] = set()
    else:
        parent = pool.parent_field()
        if parent is None:
            candidates = destination.read(target_name, None, fields)
        else:
            candidates = _fetch(destination, target_name, parent, pool.probe_values(parent), fields)
        candidates = iter(list(candidates))
        claimed = _known_ids(store, plan, target_name)
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


def _known_ids(store: StateStore, plan: Plan, target: str) -> set[str]:
    """Destination ids some crosswalk of the spec knows in ``target``: records that
    belong to other rows, never candidates."""
    return {id for step in plan.steps if step.target == target for _, id in store.crosswalk(step.name)}


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
