"""The ledger rollback reads: ids a run created, and pre-images of what it updated.

Both are kept per run and per target (destination object), in the order recorded,
each entry marked once undone so a rollback that is interrupted resumes where it
stopped and a repeated rollback does nothing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from attrs import frozen

from crossmap.state.database import PAGE, Database, chunks, from_json, placeholders, to_json
from crossmap.state.runs import require_run

_TABLES = ("ledger_created", "ledger_preimages")


@frozen
class Ledger:
    """The ``ledger_created`` and ``ledger_preimages`` tables."""

    db: Database

    def record_created(self, run_id: int, target: str, ids: Iterable[str]) -> None:
        """Append ids that run ``run_id`` created in ``target``, in creation order.

        An id already recorded for the run keeps its first position, so a resumed
        run that reports a record again does not move it.
        """
        target_id = self.db.name_id(target)
        with self.db.transaction() as connection:
            require_run(connection, run_id)
            connection.executemany(
                "INSERT OR IGNORE INTO ledger_created (run_id, target_id, destination_id)"
                " VALUES (?, ?, ?)",
                ((run_id, target_id, destination_id) for destination_id in ids),
            )

    def record_preimages(
        self, run_id: int, target: str, images: Iterable[tuple[str, Mapping[str, Any]]]
    ) -> None:
        """Store the old values of fields run ``run_id`` is about to overwrite.

        When a run updates a record twice, the first value of each field is the
        pre-run state and is kept; fields seen only in the later update are added.
        Values are stored as JSON: dates, datetimes and Decimals come back as strings
        (ISO 8601 for dates).
        """
        target_id = self.db.name_id(target)
        with self.db.transaction() as connection:
            require_run(connection, run_id)
            for chunk in chunks(images):
                self._merge_chunk(connection, run_id, target_id, chunk)

    def _merge_chunk(
        self,
        connection: sqlite3.Connection,
        run_id: int,
        target_id: int,
        chunk: list[tuple[str, Mapping[str, Any]]],
    ) -> None:
        merged: dict[str, dict[str, Any]] = {}
        for destination_id, fields in chunk:
            earlier = merged.setdefault(destination_id, {})
            for name, value in fields.items():
                earlier.setdefault(name, value)
        stored = connection.execute(
            "SELECT destination_id, fields FROM ledger_preimages WHERE run_id = ?"
            f" AND target_id = ? AND destination_id IN ({placeholders(len(merged))})",
            (run_id, target_id, *merged),
        ).fetchall()
        for destination_id, text in stored:
            # Stored values are older than this call's, so they win.
            older = from_json(text)
            for name, value in merged[destination_id].items():
                older.setdefault(name, value)
            merged[destination_id] = older
        connection.executemany(
            "INSERT INTO ledger_preimages (run_id, target_id, destination_id, fields)"
            " VALUES (?, ?, ?, ?)"
            " ON CONFLICT (run_id, target_id, destination_id) DO UPDATE SET fields = excluded.fields",
            ((run_id, target_id, key, to_json(fields)) for key, fields in merged.items()),
        )

    def created(self, run_id: int) -> Iterator[tuple[str, str]]:
        """``(target, id)`` created by the run and not yet undone, newest first, streamed."""
        for _seq, target_id, destination_id, _fields in self._pending(
            run_id, "SELECT seq, target_id, destination_id, NULL FROM ledger_created"
        ):
            yield self.db.name(target_id), destination_id

    def preimages(self, run_id: int) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """``(target, id, {field: old value})`` not yet undone, newest first, streamed."""
        for _seq, target_id, destination_id, fields in self._pending(
            run_id, "SELECT seq, target_id, destination_id, fields FROM ledger_preimages"
        ):
            yield self.db.name(target_id), destination_id, from_json(fields)

    def _pending(self, run_id: int, select: str) -> Iterator[tuple[int, int, str, Any]]:
        # Keyset pages on seq: each page is one short locked query, so rollback can
        # mark entries undone while it walks them.
        with self.db.reading() as connection:
            require_run(connection, run_id)
        before: int | None = None
        while True:
            with self.db.reading() as connection:
                page = connection.execute(
                    f"{select} WHERE run_id = ? AND seq < ? AND undone_at IS NULL"
                    " ORDER BY seq DESC LIMIT ?",
                    (run_id, before if before is not None else 2**63 - 1, PAGE),
                ).fetchall()
            yield from page
            if len(page) < PAGE:
                return
            before = page[-1][0]

    def record_written(self, run_id: int, target: str, rows: Iterable[tuple[str, str, str]]) -> None:
        """Keep ``(id, fields, digest)`` fingerprints of the values run ``run_id``
        wrote; a later write of the same fields replaces the earlier one."""
        target_id = self.db.name_id(target)
        with self.db.transaction() as connection:
            require_run(connection, run_id)
            connection.executemany(
                "INSERT OR REPLACE INTO ledger_written (run_id, target_id, destination_id, fields, digest)"
                " VALUES (?, ?, ?, ?, ?)",
                ((run_id, target_id, id, fields, digest) for id, fields, digest in rows),
            )

    def written(self, run_id: int, target: str, ids: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
        """id -> [(fields, digest)] the run wrote, for these ids of ``target``."""
        target_id = self.db.existing_name_id(target)
        found: dict[str, list[tuple[str, str]]] = {}
        if target_id is None:
            return found
        with self.db.reading() as connection:
            for chunk in chunks(ids):
                for id, fields, digest in connection.execute(
                    "SELECT destination_id, fields, digest FROM ledger_written WHERE run_id = ?"
                    f" AND target_id = ? AND destination_id IN ({placeholders(len(chunk))})",
                    (run_id, target_id, *chunk),
                ):
                    found.setdefault(id, []).append((fields, digest))
        return found

    def mark_undone(self, run_id: int, target: str, ids: Iterable[str]) -> None:
        """Mark entries of run ``run_id`` for these ids as undone (both kinds)."""
        target_id = self.db.existing_name_id(target)
        with self.db.transaction() as connection:
            require_run(connection, run_id)
            if target_id is None:
                return  # nothing was ever recorded for this target
            now = self.db.now()
            for chunk in chunks(ids):
                for table in _TABLES:
                    connection.execute(
                        f"UPDATE {table} SET undone_at = ? WHERE run_id = ? AND target_id = ?"
                        f" AND destination_id IN ({placeholders(len(chunk))})"
                        " AND undone_at IS NULL",
                        (now, run_id, target_id, *chunk),
                    )
