"""One batch of rows into the org: the path, the lock re-queue, the duplicate guard.

- Path: Bulk API 2.0 from ``bulk_threshold`` rows up (and always for hard deletes,
  which collections cannot do), sObject Collections below it and for rows carrying
  file bytes, which Bulk API 2.0 cannot take.
- ``UNABLE_TO_LOCK_ROW``: those rows go round again (up to ``lock_attempts`` rounds,
  with a jittered pause), sorted by their parent Ids so that children of one parent
  travel together and stop contending for its lock.
- Duplicates: an insert whose outcome is unknown is reconciled against the org on the
  batch's external id (found records count as created, the rest are sent again);
  without an external id the rows fail with ``CROSSMAP_UNCERTAIN_INSERT`` instead of
  being guessed at.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from attrs import define, field, frozen

from crossmap.connectors.protocols import LoadResult, Operation
from crossmap.connectors.spool import carries_bytes
from crossmap_salesforce import composite
from crossmap_salesforce.budget import BULK_THRESHOLD
from crossmap_salesforce.bulk import BulkLoader, BulkSettings, Pace
from crossmap_salesforce.hints import failed
from crossmap_salesforce.reading import query_by_values
from crossmap_salesforce.transport import Api, UncertainWrite
from crossmap_salesforce.values import csv_cannot_carry

log = logging.getLogger(__name__)

Row = tuple[str, Mapping[str, Any]]

LOCK_CODE = "UNABLE_TO_LOCK_ROW"
CREATE_ONLY_CODE = "INVALID_FIELD_FOR_INSERT_UPDATE"
UNCERTAIN = "CROSSMAP_UNCERTAIN_INSERT"


@frozen
class LoadSettings:
    """Knobs of the loading path."""

    bulk_threshold: int = BULK_THRESHOLD
    lock_attempts: int = 4
    lock_wait: float = 1.0
    """Seconds; each round waits a random share of ``lock_wait * round``."""
    bulk: BulkSettings = field(factory=BulkSettings)


def _parent_key(row: Mapping[str, Any]) -> tuple[str, ...]:
    # Lookups hold 15/18-character Ids; sorting on them groups siblings together.
    return tuple(sorted(str(v) for k, v in row.items()
                        if k != "Id" and isinstance(v, str) and len(v) in (15, 18) and v.isalnum()
                        and k.endswith(("Id", "__c"))))


@define
class Loader:
    """Loads batches for one connector instance."""

    api: Api
    settings: LoadSettings = field(factory=LoadSettings)
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    rng: random.Random = field(factory=random.Random, repr=False)
    bulk_jobs: list[str] = field(factory=list)
    pace: Pace = field(factory=Pace, repr=False)
    """How fast the org processes this connection's Bulk jobs (when to check them)."""
    describe: Callable[[str], Mapping[str, Any] | None] | None = field(default=None, repr=False)
    """An object's describe (cached by the connector), for its create-only fields."""

    def load(self, object: str, operation: Operation, rows: Sequence[Row],
             external_id: str | None = None, on_job: Callable[[str], None] | None = None) -> list[LoadResult]:
        """One result per row, in the rows' order; ``on_job`` is told the id of each
        Bulk job created for them as soon as it is known."""
        results: dict[int, LoadResult] = {}
        pending: list[int] = []
        for i, (ref, row) in enumerate(rows):
            problem = precheck(ref, row, operation, external_id)
            if problem is not None:
                results[i] = problem
            else:
                pending.append(i)
        for round_no in range(1, self.settings.lock_attempts + 1):
            if not pending:
                break
            answered = self._send(object, operation, [rows[i] for i in pending], external_id, on_job)
            locked = []
            for i, result in zip(pending, answered, strict=True):
                results[i] = result
                if result.error_code == LOCK_CODE:
                    locked.append(i)
            if not locked or round_no == self.settings.lock_attempts:
                break
            log.info("%d %s rows of %s hit UNABLE_TO_LOCK_ROW; re-queuing them (round %d)",
                     len(locked), operation, object, round_no + 1)
            pending = sorted(locked, key=lambda i: _parent_key(rows[i][1]))
            self.sleep(self.rng.uniform(0, self.settings.lock_wait * round_no))
        if operation == "insert" and external_id:
            self.reconcile(object, rows, results, external_id)
        if operation == "upsert" and external_id:
            self.without_create_only(object, rows, results, external_id, on_job)
        return [results[i] for i in range(len(rows))]

    def create_only(self, object: str) -> frozenset[str]:
        """The fields of ``object`` an insert may set and an update may not (a
        master-detail parent, an audit field under "Set Audit Fields upon Record
        Creation"), from its describe."""
        described = self.describe(object) if self.describe is not None else None
        return frozenset(str(f["name"]) for f in (described or {}).get("fields") or ()
                         if f.get("createable") and not f.get("updateable"))

    def without_create_only(self, object: str, rows: Sequence[Row] | Mapping[int, Row],
                            results: dict[int, LoadResult], external_id: str,
                            on_job: Callable[[str], None] | None = None) -> None:
        """Upsert rows the org refused because they matched an existing record while
        carrying fields only a create may set: sent once more without those fields,
        as an update by external id leaves them (issue 19: a re-run or resume whose
        crosswalk does not know the record yet)."""
        refused = [i for i, r in results.items() if r.error_code == CREATE_ONLY_CODE and r.error_fields]
        if not refused:
            return
        create_only = self.create_only(object)
        again = [i for i in refused if set(results[i].error_fields) <= create_only]
        if not again:
            return
        log.info("%d %s upserts matched existing records; sending them without create-only fields",
                 len(again), object)
        stripped: list[Row] = [(rows[i][0], {k: v for k, v in rows[i][1].items() if k not in create_only})
                               for i in again]
        answered = self._send(object, "upsert", stripped, external_id, on_job)
        results.update(zip(again, answered, strict=True))

    def _send(self, object: str, operation: Operation, rows: list[Row],
              external_id: str | None, on_job: Callable[[str], None] | None = None) -> list[LoadResult]:
        if operation == "hard_delete" or (len(rows) >= self.settings.bulk_threshold and not has_bytes(rows)):
            bulk = BulkLoader(self.api, self.settings.bulk, sleep=self.sleep, on_job=on_job, pace=self.pace)
            try:
                return bulk.load(object, operation, rows, external_id)
            finally:
                self.bulk_jobs.extend(bulk.jobs)
        out: list[LoadResult] = []
        for start in range(0, len(rows), composite.MAX_COLLECTION):
            chunk = rows[start:start + composite.MAX_COLLECTION]
            out.extend(self._collection(object, operation, chunk, external_id))
        return out

    def _collection(self, object: str, operation: Operation, chunk: list[Row],
                    external_id: str | None) -> list[LoadResult]:
        if operation == "insert":
            try:
                return composite.insert(self.api, object, chunk)
            except UncertainWrite as exc:
                log.warning("an insert of %d %s rows failed after sending (%s)", len(chunk),
                            object, exc.code)
                return [failed(ref, UNCERTAIN, f"the insert call failed after sending ({exc.code})")
                        for ref, _ in chunk]
        if operation == "update":
            return composite.update(self.api, object, chunk)
        if operation == "upsert":
            assert external_id is not None
            return composite.upsert(self.api, object, chunk, external_id)
        return composite.delete(self.api, object, chunk)

    def reconcile(self, object: str, rows: Sequence[Row] | Mapping[int, Row],
                  results: dict[int, LoadResult], external_id: str) -> None:
        """Rows whose insert may have happened: look them up on the external id; the
        found ones were created, the others are inserted again (once)."""
        unsure = [i for i, r in results.items() if r.error_code == UNCERTAIN
                  and rows[i][1].get(external_id) not in (None, "")]
        if not unsure:
            return
        values = [str(rows[i][1][external_id]) for i in unsure]
        found = {str(rec[external_id]).casefold(): rec["Id"]
                 for rec in query_by_values(self.api, object, external_id, values, ["Id", external_id])}
        again = []
        for i in unsure:
            rid = found.get(str(rows[i][1][external_id]).casefold())
            if rid is not None:
                results[i] = LoadResult(rows[i][0], rid, created=True)
            else:
                again.append(i)
        if again:
            log.info("re-inserting %d %s rows that the org does not have", len(again), object)
            answered = self._send(object, "insert", [rows[i] for i in again], None)
            for i, result in zip(again, answered, strict=True):
                results[i] = result


def has_bytes(rows: Sequence[Row]) -> bool:
    """Must the rows go by collections? Rows carrying file content (Bulk API 2.0 takes
    none), and rows holding text a CSV cell cannot carry byte for byte
    (``values.csv_cannot_carry``: ``#N/A``, carriage returns)."""
    return any(carries_bytes(row) or csv_cannot_carry(row) for _, row in rows)


def precheck(ref: str, row: Mapping[str, Any], operation: Operation,
              external_id: str | None) -> LoadResult | None:
    if operation in ("update", "delete", "hard_delete") and not row.get("Id"):
        return failed(ref, "CROSSMAP_MISSING_ID", f"a {operation} row without an Id", ("Id",))
    if operation == "upsert":
        if not external_id:
            raise ValueError("upsert needs external_id")
        if row.get(external_id) in (None, ""):
            return failed(ref, "CROSSMAP_MISSING_EXTERNAL_ID",
                          f"an upsert row without a value in {external_id}", (external_id,))
    return None
