"""Runs (one row per ``crossmap run``, retry, sample or rollback) and their progress."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from attrs import frozen

from crossmap.state.database import Database, from_iso, from_json, to_json
from crossmap.state.errors import StateError

RUN_KINDS = ("full", "delta", "sample", "retry", "rollback")
RUN_STATUSES = ("running", "succeeded", "failed", "interrupted", "rolled_back")
# end_run() may set every status but the one begin_run() sets.
END_STATUSES = RUN_STATUSES[1:]


@frozen
class Run:
    """One run of a spec, as stored.

    ``status`` is ``"running"`` until ``end_run``; a process killed with SIGKILL leaves
    it ``"running"`` with no ``ended_at``. ``options`` come back from JSON: dates and
    Decimals in them are strings.
    """

    id: int
    spec: str
    spec_hash: str
    kind: str
    options: dict[str, Any]
    started_at: datetime
    ended_at: datetime | None
    status: str
    parent: int | None
    closed_at: datetime | None = None
    """When ``crossmap close`` ended the run's rollback window (its ledger deleted)."""

    @property
    def closed(self) -> bool:
        """Whether the run was closed: it can no longer be rolled back."""
        return self.closed_at is not None


_COLUMNS = "id, spec, spec_hash, kind, options, started_at, ended_at, status, parent, closed_at"


def _run(row: tuple[Any, ...]) -> Run:
    started_at = from_iso(row[5])
    assert started_at is not None  # NOT NULL column
    return Run(
        id=row[0],
        spec=row[1],
        spec_hash=row[2],
        kind=row[3],
        options=from_json(row[4]),
        started_at=started_at,
        ended_at=from_iso(row[6]),
        status=row[7],
        parent=row[8],
        closed_at=from_iso(row[9]),
    )


def require_run(connection: sqlite3.Connection, run_id: int) -> None:
    """Raise ``StateError`` unless run ``run_id`` exists (checked once per call)."""
    if connection.execute("SELECT 1 FROM runs WHERE id = ?", (run_id,)).fetchone() is None:
        raise StateError(f"unknown run {run_id}; `crossmap status` lists the runs")


def _check_choice(what: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"unknown run {what} {value!r}; expected one of {', '.join(choices)}")


@frozen
class Runs:
    """The ``runs`` and ``steps_done`` tables."""

    db: Database

    def begin(
        self,
        *,
        spec: str,
        spec_hash: str,
        kind: str,
        options: Mapping[str, Any],
        parent: int | None = None,
    ) -> Run:
        """Record a new run, status ``"running"``, started now."""
        _check_choice("kind", kind, RUN_KINDS)
        with self.db.transaction() as connection:
            if parent is not None:
                require_run(connection, parent)
            cursor = connection.execute(
                "INSERT INTO runs (spec, spec_hash, kind, options, started_at, status, parent)"
                " VALUES (?, ?, ?, ?, ?, 'running', ?)",
                (spec, spec_hash, kind, to_json(options), self.db.now(), parent),
            )
            run_id = cursor.lastrowid
            assert run_id is not None
            return self._get(connection, run_id)

    def end(self, run_id: int, status: str) -> None:
        """Set a run's final status; the end time is kept if it was already set.

        Keeping it lets a later rollback mark a run ``"rolled_back"`` without
        rewriting when the run itself ended.
        """
        _check_choice("status", status, END_STATUSES)
        with self.db.transaction() as connection:
            require_run(connection, run_id)
            connection.execute(
                "UPDATE runs SET status = ?, ended_at = COALESCE(ended_at, ?) WHERE id = ?",
                (status, self.db.now(), run_id),
            )

    def reopen(self, run_id: int) -> Run:
        """Set a run back to ``"running"`` with no end time, for ``--resume``.

        A closed run is refused: going on would record a ledger nobody can use.
        """
        with self.db.transaction() as connection:
            require_run(connection, run_id)
            if self._get(connection, run_id).closed:
                raise StateError(f"run {run_id} was closed (`crossmap close`) and cannot be resumed; "
                                 "start a new run instead (`crossmap run`, or `--delta`)")
            connection.execute(
                "UPDATE runs SET status = 'running', ended_at = NULL WHERE id = ?", (run_id,)
            )
            return self._get(connection, run_id)

    def get(self, run_id: int) -> Run:
        """The run ``run_id``; ``StateError`` if there is none."""
        with self.db.reading() as connection:
            return self._get(connection, run_id)

    def _get(self, connection: sqlite3.Connection, run_id: int) -> Run:
        row = connection.execute(f"SELECT {_COLUMNS} FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise StateError(f"unknown run {run_id}; `crossmap status` lists the runs")
        return _run(row)

    def newest_first(self, spec: str | None = None) -> list[Run]:
        """Every run (of ``spec``, if given), newest first."""
        with self.db.reading() as connection:
            if spec is None:
                rows = connection.execute(f"SELECT {_COLUMNS} FROM runs ORDER BY id DESC")
            else:
                rows = connection.execute(
                    f"SELECT {_COLUMNS} FROM runs WHERE spec = ? ORDER BY id DESC", (spec,)
                )
            return [_run(row) for row in rows]

    def last(self, spec: str, *, kinds: tuple[str, ...], status: str = "succeeded") -> Run | None:
        """The newest run of ``spec`` with one of ``kinds`` that ended with ``status``."""
        if not kinds:
            return None
        with self.db.reading() as connection:
            row = connection.execute(
                f"SELECT {_COLUMNS} FROM runs WHERE spec = ? AND status = ?"
                f" AND kind IN ({','.join('?' * len(kinds))}) ORDER BY id DESC LIMIT 1",
                (spec, status, *kinds),
            ).fetchone()
        return None if row is None else _run(row)

    def mark_step_done(self, run_id: int, step: str) -> None:
        """Record that ``step`` of run ``run_id`` finished (idempotent)."""
        with self.db.transaction() as connection:
            require_run(connection, run_id)
            connection.execute(
                "INSERT OR IGNORE INTO steps_done (run_id, step, done_at) VALUES (?, ?, ?)",
                (run_id, step, self.db.now()),
            )

    def steps_done(self, run_id: int) -> set[str]:
        """The steps of run ``run_id`` recorded as finished."""
        with self.db.reading() as connection:
            require_run(connection, run_id)
            return {
                row[0]
                for row in connection.execute(
                    "SELECT step FROM steps_done WHERE run_id = ?", (run_id,)
                )
            }
