"""Retention: closing a run ends its rollback window and removes its customer data.

To roll a run back the store keeps, per run, the ids it created, the pre-image of
every field it overwrote (names, phones, addresses: the customers' old values) and
fingerprints of what it wrote. ``crossmap close`` deletes all three for a run once
nobody will roll it back, and marks the run closed (``runs.closed_at``). The
crosswalk, the outcomes and the watermarks stay: re-runs still update instead of
duplicating, ``--delta`` still knows where it stopped, and the audit report still
counts the run.

Deleted rows are not enough for data to be gone: SQLite leaves them in free pages of
the file and in old frames of its write-ahead log. ``vacuum`` rebuilds the file
(``VACUUM``) and then checkpoints the log and truncates it to zero bytes
(``wal_checkpoint(TRUNCATE)``), so no byte of a closed run's pre-images stays in
``state.db`` or ``state.db-wal``.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from datetime import datetime, timedelta

from attrs import frozen

from crossmap.state.database import Database, utc_now
from crossmap.state.errors import StateError
from crossmap.state.runs import Run, require_run

LEDGER_TABLES = ("ledger_preimages", "ledger_created", "ledger_written")
"""What closing a run deletes: its pre-images, the ids it created, the fingerprints
of what it wrote."""

_AGE = re.compile(r"\s*(\d+)\s*([mhdw])\s*", re.IGNORECASE)
_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


class RunClosedError(StateError):
    """Rollback (or resume) of a run whose rollback window ``crossmap close`` ended."""


@frozen
class ClosedRun:
    """A run just closed and how many ledger rows of each kind went with it."""

    run_id: int
    preimages: int
    created: int
    written: int


@frozen
class CloseReport:
    """What one ``crossmap close`` did."""

    closed: tuple[ClosedRun, ...]
    already_closed: tuple[int, ...]
    still_running: tuple[int, ...]
    vacuumed: bool
    """Whether the file was rebuilt and its write-ahead log emptied; ``False`` when
    nothing was deleted or another process held the store open (the log then keeps
    old pages until its next checkpoint)."""


@frozen
class Retention:
    """Closing runs and vacuuming the file (``runs.closed_at``, the ledger tables)."""

    db: Database

    def close(self, run_id: int) -> ClosedRun | None:
        """Delete run ``run_id``'s ledger and mark it closed, in one transaction.

        Returns ``None`` if it was already closed. A run still ``running`` is refused
        (``StateError``): it may be writing pre-images right now, or it was killed and
        may yet be resumed or rolled back.
        """
        with self.db.transaction() as connection:
            require_run(connection, run_id)
            status, closed_at = connection.execute(
                "SELECT status, closed_at FROM runs WHERE id = ?", (run_id,)
            ).fetchone()
            if closed_at is not None:
                return None
            if status == "running":
                raise StateError(
                    f"run {run_id} is still running, or was killed: finish it "
                    f"(`crossmap run --resume {run_id}`) or roll it back before closing it"
                )
            counts = [
                connection.execute(f"DELETE FROM {table} WHERE run_id = ?", (run_id,)).rowcount
                for table in LEDGER_TABLES
            ]
            connection.execute("UPDATE runs SET closed_at = ? WHERE id = ?", (self.db.now(), run_id))
        return ClosedRun(run_id, *counts)

    def close_many(self, run_ids: Iterable[int]) -> CloseReport:
        """Close each run (see ``close``), then vacuum once if any run is closed.

        Runs still running are left out and listed; an already closed run is vacuumed
        again, so repeating a ``close`` whose vacuum could not finish completes it.
        """
        closed: list[ClosedRun] = []
        already: list[int] = []
        running: list[int] = []
        for run_id in run_ids:
            if self._status(run_id) == "running":
                running.append(run_id)
                continue
            done = self.close(run_id)
            if done is None:
                already.append(run_id)
            else:
                closed.append(done)
        vacuumed = self.vacuum() if closed or already else False
        return CloseReport(tuple(closed), tuple(already), tuple(running), vacuumed)

    def _status(self, run_id: int) -> str | None:
        with self.db.reading() as connection:
            row = connection.execute("SELECT status FROM runs WHERE id = ?", (run_id,)).fetchone()
        return None if row is None else str(row[0])

    def vacuum(self) -> bool:
        """Rebuild the file without free pages, then empty the write-ahead log.

        Returns ``False`` if another connection kept the log from being emptied.
        """
        with self.db.lock:
            self.db._check_open()
            connection = self.db.connection
            try:
                connection.execute("VACUUM")
                busy, _, _ = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            except sqlite3.OperationalError as error:  # locked too long, disk full
                raise StateError(f"cannot vacuum the state database {self.db.path}: {error}; "
                                 "the run is closed, run `crossmap close` again to vacuum") from None
        return bool(busy == 0)


def parse_age(text: str) -> timedelta:
    """``30d``, ``12h``, ``2w``, ``90m`` as a ``timedelta``; ``StateError`` otherwise."""
    found = _AGE.fullmatch(text)
    if found is None:
        raise StateError(f"cannot read the age {text!r}: write a number and a unit, "
                         "m (minutes), h (hours), d (days) or w (weeks), e.g. 30d")
    return int(found.group(1)) * _UNITS[found.group(2).lower()]


def select_older_than(runs: Iterable[Run], age: timedelta, now: datetime | None = None) -> list[int]:
    """The ids of ``runs`` that ended (or, never ended, started) more than ``age``
    before ``now``, oldest first."""
    limit = (now or utc_now()) - age
    return sorted(run.id for run in runs if (run.ended_at or run.started_at) < limit)


def require_rollback_window(run: Run) -> None:
    """Raise ``RunClosedError`` if ``run`` was closed: its ledger is gone."""
    if run.closed_at is not None:
        raise RunClosedError(
            f"run {run.id} cannot be rolled back: it was closed at "
            f"{run.closed_at.isoformat(timespec='seconds')} (`crossmap close`), which deleted the "
            "pre-images and created ids a rollback needs"
        )


def describe_close(report: CloseReport) -> list[str]:
    """What ``crossmap close`` did, for people: one line per run, then the vacuum."""
    lines = [f"run {c.run_id}: closed, can no longer be rolled back; deleted {c.preimages} pre-images, "
             f"{c.created} created ids and {c.written} fingerprints (the crosswalk stays)"
             for c in report.closed]
    lines += [f"run {run_id}: already closed" for run_id in report.already_closed]
    lines += [f"run {run_id}: still running, or killed: left open (finish it with "
              f"`crossmap run --resume {run_id}` or roll it back, then close it)"
              for run_id in report.still_running]
    if not (report.closed or report.already_closed or report.still_running):
        lines.append("no run to close")
    elif report.closed or report.already_closed:
        lines.append("state store vacuumed: the deleted values are gone from the file and its write-ahead log"
                     if report.vacuumed else
                     "the state store is open in another process: the deleted values stay in its write-ahead "
                     "log until that process ends; run `crossmap close` again then")
    return lines
