"""Approvals: a person's sign-off on a sample run, for one version of a spec.

A production run of a spec whose target declares a sandbox needs an approval of a
sample of the same version (``crossmap.sample.require_approval``). Approvals live in
the production store; the sample run they approve lives in the sandbox's store, so
it is named by its id and that store's path.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from attrs import frozen

from crossmap.state.database import Database, from_iso


@frozen
class Approval:
    """One approval: who approved which sample run of which spec version, when, why."""

    id: int
    spec: str
    spec_hash: str
    sample_run: int
    sample_store: str
    approver: str
    approved_at: datetime
    note: str | None


_COLUMNS = "id, spec, spec_hash, sample_run, sample_store, approver, approved_at, note"


def _approval(row: tuple[Any, ...]) -> Approval:
    approved_at = from_iso(row[6])
    assert approved_at is not None  # NOT NULL column
    return Approval(row[0], row[1], row[2], row[3], row[4], row[5], approved_at, row[7])


@frozen
class Approvals:
    """The ``approvals`` table."""

    db: Database

    def add(
        self,
        *,
        spec: str,
        spec_hash: str,
        sample_run: int,
        sample_store: str,
        approver: str,
        note: str | None = None,
    ) -> Approval:
        """Record an approval, stamped now by the store's clock."""
        with self.db.transaction() as connection:
            cursor = connection.execute(
                "INSERT INTO approvals (spec, spec_hash, sample_run, sample_store, approver,"
                " approved_at, note) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (spec, spec_hash, sample_run, sample_store, approver, self.db.now(), note),
            )
            approval_id = cursor.lastrowid
            assert approval_id is not None
            return self._get(connection, approval_id)

    def _get(self, connection: sqlite3.Connection, approval_id: int) -> Approval:
        row = connection.execute(
            f"SELECT {_COLUMNS} FROM approvals WHERE id = ?", (approval_id,)
        ).fetchone()
        return _approval(row)

    def for_hash(self, spec_hash: str) -> Approval | None:
        """The newest approval of this spec version, or ``None``."""
        with self.db.reading() as connection:
            row = connection.execute(
                f"SELECT {_COLUMNS} FROM approvals WHERE spec_hash = ? ORDER BY id DESC LIMIT 1",
                (spec_hash,),
            ).fetchone()
        return None if row is None else _approval(row)

    def newest_first(self) -> list[Approval]:
        """Every approval, newest first."""
        with self.db.reading() as connection:
            rows = connection.execute(f"SELECT {_COLUMNS} FROM approvals ORDER BY id DESC")
            return [_approval(row) for row in rows]
