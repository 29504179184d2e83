"""Loading one step's rows: insert-or-update through the crosswalk, pre-images for
rollback, the rows streamed to the destination, and an outcome for every row."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from functools import partial
from itertools import islice
from typing import TYPE_CHECKING, Any

from crossmap import schema as s
from crossmap.codegen import Deferred
from crossmap.compiler import Step
from crossmap.connectors import Destination, LoadResult, Operation
from crossmap.connectors.protocols import (
    UNCERTAIN_INSERT,
    AuthoredDestination,
    JobReporting,
    LoadStream,
    SnapshotDestination,
    capability,
)
from crossmap.connectors.spool import Spool
from crossmap.connectors.streams import open_load
from crossmap.engine.fingerprint import NULLS, digest, shape
from crossmap.engine.lookups import CrosswalkLookups
from crossmap.engine.snapshot import SnapshotSpool
from crossmap.schema import Blob
from crossmap.state import Outcome, StateStore

if TYPE_CHECKING:
    from crossmap.engine.sharing import SharedStreams

SORT_CHUNK = 1000
"""Queued rows looked up in the crosswalk (and read for pre-images) at once."""

KeyedRows = list[tuple[str, dict[str, Any]]]
"""(source key, row) pairs."""

Written = tuple[str, str, str, str]
"""What is journaled for a row before it is sent, and recorded once its result is
known: (source key, the fields it writes, their fingerprint, its probe: JSON of the
values that find the record again, its external id and parents' ids)."""


class StepLoader:
    """Loads the rows of one step.

    Rows whose key the crosswalk already knows are updated in place (that is what
    makes a re-run or a resumed run create no duplicates); the others are inserted,
    or upserted on the step's external id. Before a record is overwritten, the
    fields about to change are read and kept as its pre-image, so a rollback can
    restore them.

    Rows go into one load stream per operation as they come (a connector spools them
    to disk; Salesforce sends each stream as one Bulk API 2.0 job) and are sent by
    :meth:`finish`; what is needed to record them waits in a spool of its own, so
    memory holds a chunk of rows, not the step.
    """

    def __init__(
        self,
        store: StateStore,
        destination: Destination,
        lookups: CrosswalkLookups,
        run_id: int,
        step: Step,
        batch_size: int,
        *,
        resumed: bool = False,
        shared: SharedStreams | None = None,
    ) -> None:
        self.store = store
        self.resumed = resumed
        """A resumed run: rows this run already loaded with the same values are not
        sent again (they keep the outcome recorded for them)."""
        self.destination = destination
        self.lookups = lookups
        self.run_id = run_id
        self.step = step
        self.batch_size = batch_size
        self._queued: list[tuple[str, dict[str, Any]]] = []
        self.unsettled: dict[str, int] = {}
        """By operation, the journal entry of a stream with uncertain rows."""
        self.uncertain: dict[str, list[Written]] = {}
        """By operation, rows the destination could not say were written
        (``UNCERTAIN_INSERT``), for the engine to settle (``reconcile.settle_uncertain``)."""
        self._streams: dict[Operation, tuple[LoadStream, Spool[Written]]] = {}
        self.journaled_at: dict[int, datetime | None] = {}
        """By journal entry, the destination's clock when it was journaled."""
        self._target = destination.describe().find_object(step.target)
        # File bytes are streamed, and read back only as a link: they take no part
        # in the fingerprint rollback compares.
        self._unfingerprinted = {"Id"} | {
            f.name for f in (self._target.fields.values() if self._target else ()) if isinstance(f.type, Blob)}
        self._parents = {f.name for f in (self._target.fields.values() if self._target else ())
                         if isinstance(f.type, s.Reference)}
        self._existing: SnapshotSpool | None = None
        """The snapshot: records of the target holding an external id before the
        step's first write, by the id's value (casefolded): (Id, fields the step
        writes), spooled to a scratch database (``crossmap.engine.snapshot``)."""
        self._shared = shared
        """Load streams this step shares with others of its wave into the same object
        (``crossmap.engine.sharing``): its rows go there, and the group sends them."""
        self._place = -1 if shared is None else shared.join(self)

    def add(self, key: str, row: dict[str, Any]) -> None:
        """Queue a row for :meth:`finish`."""
        if any(type(v) is Deferred for v in row.values()):
            # Parents not loaded yet: the row loads without them, the deferred pass fills them.
            row = {f: v for f, v in row.items() if type(v) is not Deferred}
        self._queued.append((key, row))
        if len(self._queued) >= SORT_CHUNK:
            self.hand_over()

    def hand_over(self) -> None:
        """Sort the queued rows into updates and inserts and hand them to their
        streams (the engine calls it after each page of files, to hold one page)."""
        rows, self._queued = self._queued, []
        if self.resumed:
            rows = self._not_loaded_yet(rows)
        if not rows:
            return
        updates, fresh = self._split(rows)
        if updates:
            self._keep_preimages(updates)
            self._stream("update", updates)
        if fresh:
            self._stream(self._fresh_operation, fresh)

    def finish(self) -> None:
        """Send every row queued and record how each ended (a step sharing its streams
        only hands its rows over: the group sends them, ``SharedStreams.send``)."""
        self.hand_over()
        if self._shared is not None:
            return
        streams, self._streams = self._streams, {}
        try:
            for operation, (stream, written) in streams.items():
                # Write-ahead: the rows are journaled before the first of them is sent,
                # and the destination's job ids as soon as it gives them.
                intent = self.journal(operation, written)
                reporting = capability(stream, JobReporting)
                if reporting is not None:
                    reporting.report_jobs(partial(self.store.journal_job, intent))
                pending = iter(written)
                for results in stream.send():
                    self.record_results(results, list(islice(pending, len(results))), operation)
                self.record_results([], list(pending), operation)
                self.settle(operation, intent)
        finally:
            _close(streams)

    def settle(self, operation: Operation, intent: int) -> None:
        """Every row of ``intent`` has its result recorded: settle it, unless some
        are uncertain (then once the engine has settled those, ``settle_uncertain``)."""
        if operation in self.uncertain:
            self.unsettled[operation] = intent
        else:
            self.store.settle_intent(intent)

    def close(self) -> None:
        """Drop whatever was queued and not sent (a step cut off), and the snapshot."""
        self._queued = []
        streams, self._streams = self._streams, {}
        _close(streams)
        if self._existing is not None:
            self._existing.close()

    def write(self, rows: list[tuple[str, dict[str, Any]]], *, update_only: bool = False) -> None:
        """Load ``rows`` (source key, row) at once: update those the crosswalk knows,
        insert or upsert the rest. With ``update_only`` (the deferred pass), rows
        without a known id are left alone, and only failures become outcomes: a
        record's outcome is the load that created or updated it."""
        step = self.step
        updates, fresh = self._split(rows, snapshot=not update_only)
        outcomes: list[Outcome] = []
        if updates:
            self._keep_preimages(updates)
            outcomes += self._journaled_load("update", updates)
        if fresh and not update_only:
            outcomes += self._journaled_load(self._fresh_operation, fresh)
        if update_only:
            outcomes = [o for o in outcomes if o.outcome == "failed"]
        self.store.record_outcomes(self.run_id, step.name, step.source, outcomes)

    def _journaled_load(self, operation: Operation, rows: KeyedRows) -> list[Outcome]:
        written = [self._written(key, row) for key, row in rows]
        intent = self.journal(operation, written)
        results = self.destination.load(self.step.target, operation, rows,
                                        external_id=None if operation == "update" else self.step.external_id)
        step = self.step
        with self.store.atomic(step.name, step.target, step.source):
            outcomes = self._record(results, written, operation)
            self.store.settle_intent(intent)
        return outcomes

    def journal(self, operation: Operation, written: Iterable[Written]) -> int:
        """Journal ``written``, the rows about to be sent with ``operation``: the
        intent's id."""
        authored = capability(self.destination, AuthoredDestination)
        # The destination's clock before the first row is sent: what it creates from
        # now on is stamped no earlier (``reconcile`` narrows its candidates with it).
        when = authored.clock() if authored is not None else None
        intent = self.store.journal_intent(
            self.run_id, self.step.name, self.step.target, operation,
            None if operation in ("update", "delete", "hard_delete") else self.step.external_id,
            map(as_journaled, written), source=self.step.source, destination_time=when)
        self.journaled_at[intent] = when
        return intent

    @property
    def _fresh_operation(self) -> Operation:
        return "upsert" if self.step.mode == "upsert" else "insert"

    def _split(self, rows: KeyedRows, *, snapshot: bool = True) -> tuple[KeyedRows, KeyedRows]:
        """(updates, the rest): rows whose key the crosswalk knows become updates of
        that record, and so do upsert rows whose external id the snapshot found in the
        destination (a record that was there before the run). An update may not carry
        fields the destination only lets you set on create (a master-detail parent, a
        comment's ParentId, an audit field)."""
        known = self.store.ids(self.step.name, (key for key, _ in rows))
        existing = self._snapshot() if snapshot else None
        ext = self.step.external_id
        if existing is not None and existing.size and ext:
            # One look-up for the rows' external ids together (a query per
            # ``snapshot.CHUNK`` values), not one per row.
            unknown = [(key, str(row[ext])) for key, row in rows if key not in known and row.get(ext) not in (None, "")]
            found = existing.ids(value for _, value in unknown)
            for key, value in unknown:
                if value in found:
                    known[key] = found[value]
        updates = [(key, {**self._updateable(row), "Id": known[key]}) for key, row in rows if key in known]
        return updates, [(key, row) for key, row in rows if key not in known]

    def _snapshot(self) -> SnapshotSpool | None:
        """Read before write, once per step: the records of the target an upsert step
        is about to match by external id, with the fields the step writes (their
        pre-images). One query (``SnapshotDestination``), else every record read;
        ``None`` for a step that matches nothing by external id."""
        ext = self.step.external_id
        if self.step.mode != "upsert" or not ext or self._target is None:
            return None
        if self._existing is not None:
            return self._existing
        fields = sorted({a.field for a in self.step.assignments if self._target.find_field(a.field) is not None}
                        - {ext, "Id"} - self._unfingerprinted)
        reader = capability(self.destination, SnapshotDestination)
        records = (reader.snapshot(self.step.target, ext, fields) if reader is not None
                   else self.destination.read(self.step.target, None, [ext, *fields]))
        self._existing = SnapshotSpool()
        self._existing.fill(records, ext, fields)
        return self._existing

    def _not_loaded_yet(self, rows: KeyedRows) -> KeyedRows:
        """``rows`` less those this run loaded already with these very values (the
        ledger keeps the fingerprint of what each run wrote)."""
        known = self.store.ids(self.step.name, (key for key, _ in rows))
        if not known:
            return rows
        written = self.store.written(self.run_id, self.step.target, set(known.values()))
        left = []
        for key, row in rows:
            id = known.get(key)
            if id is not None and id in written:
                # As inserted, or as updated (without the fields only a create may set).
                as_sent = {self._written(key, row)[1:3], self._written(key, self._updateable(row))[1:3]}
                # (A row a reconciliation found is recorded as journaled: without its empty fields.)
                as_sent |= {(names.partition(NULLS)[0], value) for names, value in as_sent}
                if as_sent & set(written[id]):
                    continue
            left.append((key, row))
        return left

    def _stream(self, operation: Operation, rows: list[tuple[str, dict[str, Any]]]) -> None:
        if self._shared is not None:
            self._shared.add(self._place, operation, rows, [self._written(key, row) for key, row in rows])
            return
        if operation not in self._streams:
            stream = open_load(self.destination, self.step.target, operation,
                               external_id=None if operation == "update" else self.step.external_id,
                               batch_size=self.batch_size)
            self._streams[operation] = (stream, Spool())
        stream, written = self._streams[operation]
        for key, row in rows:
            stream.add(key, row)
            written.append(self._written(key, row))

    def _written(self, key: str, row: Mapping[str, Any]) -> Written:
        # An empty value takes no part in the digest: a destination may fill it in (a
        # checkbox's false, a default), and a reconciliation must match the record to
        # the row all the same. Its field is named after NULLS, so rollback sees a
        # value set there later that is no fill-in (see crossmap.engine.fingerprint).
        names: list[str] = []
        empty: list[str] = []
        skip = self._unfingerprinted
        for f, v in row.items():
            if f not in skip:
                (empty if v is None or v == "" else names).append(f)
        names.sort()
        empty.sort()
        return key, shape(names, empty), digest(self._target, row, names), self._probe(row)

    def _probe(self, row: Mapping[str, Any]) -> str:
        """The values that find a row's record again: its external id, its parents."""
        probe: dict[str, str] = {}
        ext = self.step.external_id
        if ext and row.get(ext) not in (None, ""):
            probe[ext] = str(row[ext])
        for name in self._parents:
            value = row.get(name)
            if isinstance(value, str) and value:
                probe[name] = value
        return json.dumps(probe, separators=(",", ":")) if probe else "{}"

    def _updateable(self, row: dict[str, Any]) -> dict[str, Any]:
        target = self._target
        if target is None:
            return row
        return {f: v for f, v in row.items() if (field := target.find_field(f)) is None or field.updateable}

    def _keep_preimages(self, updates: list[tuple[str, dict[str, Any]]]) -> None:
        fields = sorted({f for _, row in updates for f in row if f != "Id"})
        if not fields:
            return
        ids = [row["Id"] for _, row in updates]
        # The snapshot holds them for the records it read, as they were before the
        # step's first write; the others are read now.
        by_id = self._existing.fields_of(ids) if self._existing is not None else {}
        current: dict[str, Mapping[str, Any]] = {
            id: values for id, values in by_id.items() if all(f in values for f in fields)}
        missing = [id for id in ids if id not in current]
        if missing:
            current.update((r["Id"], r) for r in self.destination.read(self.step.target, missing, ["Id", *fields]))
        self.store.record_preimages(
            self.run_id,
            self.step.target,
            ((id, {f: current[id].get(f) for f in fields}) for id in ids if id in current),
        )

    def record_found(self, results: Sequence[LoadResult], written: Sequence[Written], operation: str) -> None:
        """Record rows a reconciliation found loaded as if their write had answered."""
        self.record_results(results, written, operation)

    def record_results(self, results: Sequence[LoadResult], written: Sequence[Written], operation: str) -> None:
        """Record a list of results: crosswalk, ledger and outcomes in one transaction,
        so a crash leaves all or none of them."""
        if written:
            step = self.step
            with self.store.atomic(step.name, step.target, step.source):
                self.store.record_outcomes(self.run_id, step.name, step.source,
                                           self._record(results, written, operation))
            unsure = {r.ref for r in results if r.error_code == UNCERTAIN_INSERT}
            if unsure:
                self.uncertain.setdefault(operation, []).extend(as_journaled(w) for w in written if w[0] in unsure)

    def _record(self, results: Iterable[LoadResult], rows: Sequence[Written], operation: str) -> list[Outcome]:
        by_ref: Mapping[str, LoadResult] = {r.ref: r for r in results}
        outcomes: list[Outcome] = []
        loaded: list[tuple[str, str, bool]] = []
        created: list[str] = []
        written: list[tuple[str, str, str]] = []
        for key, names, fingerprint, _ in rows:
            result = by_ref.get(key)
            if result is None:
                outcomes.append(Outcome(key, "failed", "NO_RESULT", None, None,
                                        "the destination gave no result for this record"))
            elif result.ok and result.id is not None:
                is_new = operation == "insert" or (operation == "upsert" and result.created)
                loaded.append((key, result.id, is_new))
                written.append((result.id, names, fingerprint))
                if is_new:
                    created.append(result.id)
                outcomes.append(Outcome(key, "created" if is_new else "updated", None, None, None, None))
            else:
                failed_fields = ",".join(result.error_fields) or None
                outcomes.append(Outcome(key, "failed", result.error_code or "ERROR", failed_fields, None,
                                        result.error_message or "the destination refused the record"))
        if loaded:
            self.store.put_ids(self.run_id, self.step.name, self.step.target, loaded)
            self.lookups.learn(self.step.name, ((key, id) for key, id, _ in loaded))
        if created:
            self.store.record_created(self.run_id, self.step.target, created)
        if written:
            self.store.record_written(self.run_id, self.step.target, written)
        return outcomes


def as_journaled(written: Written) -> Written:
    """``written`` as the journal keeps it: the fields written with a value only (a
    reconciliation matches the records it reads back by their digest, whatever the
    destination filled in where the row was empty)."""
    key, names, value, probe = written
    return key, names.partition(NULLS)[0], value, probe


def _close(streams: Mapping[Operation, tuple[LoadStream, Spool[Written]]]) -> None:
    for stream, written in streams.values():
        stream.close()
        written.close()
