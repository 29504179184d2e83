"""Watermarks for delta runs: per spec and source object, the newest change seen."""

from __future__ import annotations

from datetime import datetime

from attrs import frozen

from crossmap.state.database import Database, from_iso, to_iso
from crossmap.state.runs import require_run


@frozen
class Watermarks:
    """The ``watermarks`` table."""

    db: Database

    def get(self, spec: str, source_object: str) -> datetime | None:
        """The stored watermark (UTC), or ``None`` before the first run sets one."""
        with self.db.reading() as connection:
            row = connection.execute(
                "SELECT value FROM watermarks WHERE spec = ? AND source_object = ?",
                (spec, source_object),
            ).fetchone()
        return None if row is None else from_iso(row[0])

    def set(self, spec: str, source_object: str, value: datetime, run_id: int) -> None:
        """Store ``value`` (timezone-aware) as the watermark, noting the run that set it.

        The value is stored as given, even if older than the current one: the engine
        decides (a rollback may move a watermark back).
        """
        text = to_iso(value)
        with self.db.transaction() as connection:
            require_run(connection, run_id)
            connection.execute(
                "INSERT INTO watermarks (spec, source_object, value, run_id, updated_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (spec, source_object) DO UPDATE SET"
                " value = excluded.value, run_id = excluded.run_id,"
                " updated_at = excluded.updated_at",
                (spec, source_object, text, run_id, self.db.now()),
            )
