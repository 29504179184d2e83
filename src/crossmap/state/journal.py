"""The write-ahead journal: what the run is about to write to the destination.

An intent is recorded, with every row's source key, fields, fingerprint and probe
(the values that find the record again), before the first byte of it is sent; the
destination's job ids join it as soon as they are known; it settles once every row's
result is in the store. An intent still open when a run starts is a write whose
outcome the store does not know: the engine reconciles it with the destination
first (``crossmap.engine.reconcile``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from attrs import frozen

from crossmap.state.database import Database, from_iso, to_iso
from crossmap.state.runs import require_run

JournalRow = tuple[str, str, str, str]
"""(source key, comma-separated fields, digest, probe JSON)."""


@frozen
class Intent:
    """One open write: rows of ``step`` into ``target`` by ``operation``."""

    id: int
    run_id: int
    step: str
    target: str
    operation: str
    external_id: str | None
    jobs: tuple[str, ...]
    source: str | None = None
    """The step's source object (``None`` for an intent journaled before schema 7)."""
    destination_time: datetime | None = None
    """The destination's clock when the intent was journaled, if it has one to read."""


@frozen
class Journal:
    """The ``journal`` and ``journal_rows`` tables."""

    db: Database

    def open(self, run_id: int, step: str, target: str, operation: str, external_id: str | None,
             rows: Iterable[JournalRow], *, source: str | None = None,
             destination_time: datetime | None = None) -> int:
        """Record an intent and its rows in one transaction; its id."""
        with self.db.transaction() as connection:
            require_run(connection, run_id)
            cursor = connection.execute(
                "INSERT INTO journal (run_id, step, target, operation, external_id, opened_at, source,"
                " destination_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, step, target, operation, external_id, self.db.now(), source,
                 None if destination_time is None else to_iso(destination_time)),
            )
            intent = cursor.lastrowid
            assert intent is not None
            connection.executemany(
                "INSERT INTO journal_rows (journal_id, seq, source_key, fields, digest, probe)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                ((intent, seq, *row) for seq, row in enumerate(rows)),
            )
            return intent

    def add_job(self, intent: int, job: str) -> None:
        """Note a destination job that carries the intent's rows."""
        with self.db.transaction() as connection:
            connection.execute(
                "UPDATE journal SET jobs = CASE jobs WHEN '' THEN ? ELSE jobs || ',' || ? END"
                " WHERE id = ?", (job, job, intent))

    def settle(self, intent: int, found: int = 0, by: int | None = None) -> None:
        """Every row of the intent has its result in the store; ``found`` of them were
        found loaded already by a reconciliation, which run ``by`` made."""
        with self.db.transaction() as connection:
            connection.execute("UPDATE journal SET settled_at = ?, found = found + ?, settled_by = ? WHERE id = ?",
                               (self.db.now(), found, by, intent))
            connection.execute("DELETE FROM journal_rows WHERE journal_id = ?", (intent,))

    def open_intents(self, spec: str) -> list[Intent]:
        """The intents of ``spec``'s runs not settled, oldest first."""
        with self.db.reading() as connection:
            rows = connection.execute(
                "SELECT j.id, j.run_id, j.step, j.target, j.operation, j.external_id, j.jobs, j.source,"
                " j.destination_time FROM journal j JOIN runs r ON r.id = j.run_id"
                " WHERE j.settled_at IS NULL AND r.spec = ? ORDER BY j.id", (spec,)).fetchall()
        return [Intent(r[0], r[1], r[2], r[3], r[4], r[5], tuple(j for j in r[6].split(",") if j), r[7],
                       from_iso(r[8])) for r in rows]

    def rows(self, intent: int) -> Iterator[JournalRow]:
        """The intent's rows, in the order they were journaled."""
        with self.db.reading() as connection:
            found = connection.execute(
                "SELECT source_key, fields, digest, probe FROM journal_rows WHERE journal_id = ?"
                " ORDER BY seq", (intent,)).fetchall()
        yield from found

    def found_by(self, run_id: int) -> list[tuple[int, int]]:
        """(earlier run, rows) for each earlier run whose writes in flight run ``run_id``
        reconciled and found loaded already."""
        with self.db.reading() as connection:
            rows = connection.execute(
                "SELECT run_id, SUM(found) FROM journal WHERE settled_by = ? AND run_id != ? AND found > 0"
                " GROUP BY run_id ORDER BY run_id", (run_id, run_id)).fetchall()
        return [(int(r[0]), int(r[1])) for r in rows]

    def found(self, run_id: int) -> int:
        """Rows of run ``run_id`` that reconciliations found loaded already."""
        with self.db.reading() as connection:
            row = connection.execute("SELECT COALESCE(SUM(found), 0) FROM journal WHERE run_id = ?",
                                     (run_id,)).fetchone()
        return int(row[0])
