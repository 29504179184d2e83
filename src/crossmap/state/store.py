"""``StateStore``: the run store's one entry point, composing one module per concern."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from crossmap.state.approvals import Approval, Approvals
from crossmap.state.crosswalk import Crosswalk
from crossmap.state.database import Clock, Database, utc_now
from crossmap.state.journal import Intent, Journal, JournalRow
from crossmap.state.ledger import Ledger
from crossmap.state.lock import Holder, StoreLock
from crossmap.state.migrations import migrate
from crossmap.state.outcomes import ErrorGroup, Outcome, Outcomes
from crossmap.state.retention import CloseReport, Retention
from crossmap.state.runs import Run, Runs
from crossmap.state.watermarks import Watermarks


class StateStore:
    """Everything crossmap remembers between runs, in one SQLite file (WAL mode).

    Safe to share between threads. Every writing call is one transaction: a process
    killed at any moment leaves all or none of a call's rows. It is only ever given
    run data, never credentials.
    """

    def __init__(self, db: Database) -> None:
        """Wrap an open, migrated ``Database``; use ``StateStore.open`` instead."""
        self._db = db
        self._runs = Runs(db)
        self._crosswalk = Crosswalk(db)
        self._ledger = Ledger(db)
        self._watermarks = Watermarks(db)
        self._outcomes = Outcomes(db)
        self._approvals = Approvals(db)
        self._retention = Retention(db)
        self._lock = StoreLock(db.path, db.clock)
        self._journal = Journal(db)

    @classmethod
    def open(cls, path: str | Path, *, clock: Clock = utc_now) -> StateStore:
        """Open the store at ``path``, creating its folders and file and migrating it.

        ``clock`` (timezone-aware datetimes) stamps runs, steps and undo marks.
        Raises ``StateError`` if the file is not a crossmap state database or was
        written by a newer crossmap.
        """
        db = Database.connect(Path(path), clock)
        try:
            with db.lock:
                migrate(db.connection, db.path)
        except BaseException:
            db.close()
            raise
        return cls(db)

    @property
    def path(self) -> Path:
        """The database file."""
        return self._db.path

    def close(self) -> None:
        """Close the database (idempotent); later calls raise ``StateError``."""
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"StateStore({str(self._db.path)!r})"

    # one run at a time

    def hold(self, command: str, *, spec: str | None = None) -> AbstractContextManager[Holder | None]:
        """Hold the store for one run, rollback or sample (re-entrant on this object).

        ``StoreBusy`` naming the holder (pid, host, command, since when) if another live
        process holds it; the lock of a process that died is taken over, and yielded.
        """
        return self._lock.hold(command, spec=spec)

    def holder(self) -> Holder | None:
        """Who holds the store now, or ``None``."""
        return self._lock.holder()

    # runs

    def begin_run(
        self,
        *,
        spec: str,
        spec_hash: str,
        kind: str,
        options: Mapping[str, Any],
        parent: int | None = None,
    ) -> Run:
        """Record a new run (``kind``: full, delta, sample, retry or rollback), running."""
        return self._runs.begin(
            spec=spec, spec_hash=spec_hash, kind=kind, options=options, parent=parent
        )

    def end_run(self, run_id: int, status: str) -> None:
        """Set the run's final status: succeeded, failed, interrupted or rolled_back."""
        self._runs.end(run_id, status)

    def resume_run(self, run_id: int) -> Run:
        """Set an ended or killed run back to running, for ``crossmap run --resume``."""
        return self._runs.reopen(run_id)

    def run(self, run_id: int) -> Run:
        """The run ``run_id``; ``StateError`` if unknown."""
        return self._runs.get(run_id)

    def runs(self, spec: str | None = None) -> list[Run]:
        """Every run (of ``spec``, if given), newest first."""
        return self._runs.newest_first(spec)

    def last_run(
        self, spec: str, *, kinds: tuple[str, ...], status: str = "succeeded"
    ) -> Run | None:
        """The newest run of ``spec`` whose kind is in ``kinds`` and that ended ``status``."""
        return self._runs.last(spec, kinds=kinds, status=status)

    # progress, for resume

    def mark_step_done(self, run_id: int, step: str) -> None:
        """Record that a step of the run finished (idempotent)."""
        self._runs.mark_step_done(run_id, step)

    def steps_done(self, run_id: int) -> set[str]:
        """The steps of the run recorded as finished."""
        return self._runs.steps_done(run_id)

    # crosswalk

    def put_ids(
        self, run_id: int, step: str, target: str, rows: Iterable[tuple[str, str, bool]]
    ) -> None:
        """Store ``(source_key, destination_id, created)`` rows of ``step``; newest wins."""
        self._crosswalk.put(run_id, step, target, rows)

    def ids(self, step: str, keys: Iterable[str]) -> dict[str, str]:
        """``{source_key: destination_id}`` for those ``keys`` the step has loaded."""
        return self._crosswalk.ids(step, keys)

    def id_for(self, step: str, key: str) -> str | None:
        """The destination id of one source key of ``step``, or ``None``."""
        return self._crosswalk.id_for(step, key)

    def crosswalk(self, step: str) -> Iterator[tuple[str, str]]:
        """Every ``(source_key, destination_id)`` of ``step`` in key order, streamed."""
        return self._crosswalk.rows(step)

    def forget_ids(self, step: str, keys: Iterable[str]) -> None:
        """Remove source keys of ``step`` from the crosswalk."""
        self._crosswalk.forget(step, keys)

    def atomic(self, *names: str) -> AbstractContextManager[object]:
        """One transaction for every store call in the body (all or none of them
        reach the file). ``names``: the steps, targets and source objects the body
        writes under, interned first (a name is never interned inside a transaction)."""
        for name in names:
            self._db.name_id(name)
        return self._db.transaction()

    # the write-ahead journal

    def journal_intent(self, run_id: int, step: str, target: str, operation: str,
                       external_id: str | None, rows: Iterable[JournalRow], *, source: str | None = None,
                       destination_time: datetime | None = None) -> int:
        """Record, before sending them, the rows a write is about to send: ``(source
        key, fields, digest, probe JSON)`` each, with the step's ``source`` object and
        the destination's clock (``destination_time``) when it has one. Returns the
        intent's id."""
        return self._journal.open(run_id, step, target, operation, external_id, rows, source=source,
                                  destination_time=destination_time)

    def journal_job(self, intent: int, job: str) -> None:
        """Note the destination's id of a job carrying the intent's rows."""
        self._journal.add_job(intent, job)

    def settle_intent(self, intent: int, found: int = 0, *, by: int | None = None) -> None:
        """Every row of the intent has its result recorded (``found`` were found
        loaded already by a reconciliation run ``by`` made); its rows are dropped."""
        self._journal.settle(intent, found, by)

    def open_intents(self, spec: str) -> list[Intent]:
        """Writes of ``spec``'s runs whose outcome the store does not know, oldest first."""
        return self._journal.open_intents(spec)

    def intent_rows(self, intent: int) -> Iterator[JournalRow]:
        """The journaled rows of an open intent."""
        return self._journal.rows(intent)

    def found_for_earlier_runs(self, run_id: int) -> list[tuple[int, int]]:
        """(earlier run, rows) whose writes in flight run ``run_id`` found loaded already
        (a new run after a crash, of the spec as it is now)."""
        return self._journal.found_by(run_id)

    def found_loaded(self, run_id: int) -> int:
        """Rows of the run a resume found already loaded in the destination."""
        return self._journal.found(run_id)

    # ledger, for rollback

    def record_created(self, run_id: int, target: str, ids: Iterable[str]) -> None:
        """Append ids the run created in ``target``, keeping creation order."""
        self._ledger.record_created(run_id, target, ids)

    def record_preimages(
        self, run_id: int, target: str, images: Iterable[tuple[str, Mapping[str, Any]]]
    ) -> None:
        """Store ``(id, {field: old value})`` before the run overwrites those fields.

        The first value recorded for a field wins. Dates, datetimes and Decimals come
        back from ``preimages`` as strings (ISO 8601 for dates).
        """
        self._ledger.record_preimages(run_id, target, images)

    def created(self, run_id: int) -> Iterator[tuple[str, str]]:
        """``(target, id)`` the run created and not yet undone, newest first, streamed."""
        return self._ledger.created(run_id)

    def preimages(self, run_id: int) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """``(target, id, {field: old value})`` not yet undone, newest first, streamed."""
        return self._ledger.preimages(run_id)

    def record_written(self, run_id: int, target: str, rows: Iterable[tuple[str, str, str]]) -> None:
        """Keep ``(id, fields, digest)`` fingerprints of what the run wrote (rollback
        compares them with the destination to skip records changed since)."""
        self._ledger.record_written(run_id, target, rows)

    def written(self, run_id: int, target: str, ids: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
        """id -> [(comma-separated fields, digest)] the run wrote, for these ids."""
        return self._ledger.written(run_id, target, ids)

    def mark_undone(self, run_id: int, target: str, ids: Iterable[str]) -> None:
        """Mark the run's ledger entries for these ids of ``target`` as undone."""
        self._ledger.mark_undone(run_id, target, ids)

    # watermarks, for delta

    def watermark(self, spec: str, source_object: str) -> datetime | None:
        """The delta watermark of a source object (UTC), or ``None``."""
        return self._watermarks.get(spec, source_object)

    def set_watermark(self, spec: str, source_object: str, value: datetime, run_id: int) -> None:
        """Store a timezone-aware watermark for a source object, set by ``run_id``."""
        self._watermarks.set(spec, source_object, value, run_id)

    # outcomes, for the audit log

    def record_outcomes(
        self, run_id: int, step: str, source_object: str, outcomes: Iterable[Outcome]
    ) -> None:
        """Store how records of ``step`` ended; a key's newest outcome in the run wins."""
        self._outcomes.record(run_id, step, source_object, outcomes)

    def outcome_counts(self, run_id: int) -> dict[str, dict[str, int]]:
        """``{step: {outcome: count}}`` for the run."""
        return self._outcomes.counts(run_id)

    def failures(
        self, run_id: int, step: str | None = None, *, outcomes: tuple[str, ...] = ("failed",)
    ) -> Iterator[Outcome]:
        """The run's failed outcomes (or those in ``outcomes``), with step filled in."""
        return self._outcomes.failures(run_id, step, outcomes=outcomes)

    def failed_keys(
        self, run_id: int, step: str, *, outcomes: tuple[str, ...] = ("failed",)
    ) -> set[str]:
        """Source keys of ``step`` that failed (or ended in ``outcomes``) in the run."""
        return self._outcomes.failed_keys(run_id, step, outcomes=outcomes)

    def error_groups(
        self, run_id: int, *, outcomes: tuple[str, ...] = ("failed",)
    ) -> list[ErrorGroup]:
        """Failures grouped by (step, code, field): count, sample keys, first reason."""
        return self._outcomes.error_groups(run_id, outcomes=outcomes)

    # approvals, for the production gate

    def approve(
        self,
        *,
        spec: str,
        spec_hash: str,
        sample_run: int,
        sample_store: str,
        approver: str,
        note: str | None = None,
    ) -> Approval:
        """Record ``approver``'s approval of ``sample_run`` (a run of the store at
        ``sample_store``) for the spec version ``spec_hash``."""
        return self._approvals.add(spec=spec, spec_hash=spec_hash, sample_run=sample_run,
                                   sample_store=sample_store, approver=approver, note=note)

    def approval_for(self, spec_hash: str) -> Approval | None:
        """The newest approval of the spec version ``spec_hash``, or ``None``."""
        return self._approvals.for_hash(spec_hash)

    def approvals(self) -> list[Approval]:
        """Every approval, newest first."""
        return self._approvals.newest_first()

    # retention, for `crossmap close`

    def close_runs(self, run_ids: Iterable[int]) -> CloseReport:
        """End the rollback window of these runs: delete their pre-images, created ids
        and fingerprints, mark them closed, then vacuum the file and empty its
        write-ahead log so the deleted values are gone from disk. Runs still running
        are left alone and listed in the report."""
        return self._retention.close_many(run_ids)
