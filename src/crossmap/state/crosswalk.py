"""The crosswalk: for each step, source key → destination id.

Lookups resolve through it, and re-runs find the records they made. It is the
biggest table (one row per loaded record), so writes are one ``executemany`` per
call and reads go by chunks of keys.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from attrs import frozen

from crossmap.state.database import PAGE, Database, chunks, placeholders
from crossmap.state.runs import require_run

# On a key already present the newest write wins: the record may have been recreated
# in the destination, and "created" and the run say who wrote it last.
_UPSERT = (
    "INSERT INTO crosswalk (step_id, source_key, destination_id, target_id, created, run_id)"
    " VALUES (?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (step_id, source_key) DO UPDATE SET"
    " destination_id = excluded.destination_id, target_id = excluded.target_id,"
    " created = excluded.created, run_id = excluded.run_id"
)


@frozen
class Crosswalk:
    """The ``crosswalk`` table."""

    db: Database

    def put(
        self, run_id: int, step: str, target: str, rows: Iterable[tuple[str, str, bool]]
    ) -> None:
        """Store ``(source_key, destination_id, created)`` rows in one transaction.

        ``rows`` is consumed lazily, so a large iterable is never held in memory.
        """
        step_id = self.db.name_id(step)
        target_id = self.db.name_id(target)
        with self.db.transaction() as connection:
            require_run(connection, run_id)
            connection.executemany(
                _UPSERT,
                (
                    (step_id, key, destination_id, target_id, bool(created), run_id)
                    for key, destination_id, created in rows
                ),
            )

    def ids(self, step: str, keys: Iterable[str]) -> dict[str, str]:
        """The destination ids of those ``keys`` that ``step`` has loaded."""
        step_id = self.db.existing_name_id(step)
        found: dict[str, str] = {}
        if step_id is None:
            return found
        with self.db.reading() as connection:
            for chunk in chunks(keys):
                found.update(
                    connection.execute(
                        "SELECT source_key, destination_id FROM crosswalk"
                        f" WHERE step_id = ? AND source_key IN ({placeholders(len(chunk))})",
                        (step_id, *chunk),
                    ).fetchall()
                )
        return found

    def id_for(self, step: str, key: str) -> str | None:
        """The destination id of one source key, or ``None``."""
        return self.ids(step, (key,)).get(key)

    def rows(self, step: str) -> Iterator[tuple[str, str]]:
        """Every ``(source_key, destination_id)`` of ``step``, in key order, streamed.

        Pages are read under the lock one at a time, so writes may interleave: a row
        written behind the reader's position during iteration is not seen.
        """
        step_id = self.db.existing_name_id(step)
        if step_id is None:
            return
        after: str | None = None
        while True:
            with self.db.reading() as connection:
                if after is None:
                    page = connection.execute(
                        "SELECT source_key, destination_id FROM crosswalk WHERE step_id = ?"
                        " ORDER BY source_key LIMIT ?",
                        (step_id, PAGE),
                    ).fetchall()
                else:
                    page = connection.execute(
                        "SELECT source_key, destination_id FROM crosswalk"
                        " WHERE step_id = ? AND source_key > ? ORDER BY source_key LIMIT ?",
                        (step_id, after, PAGE),
                    ).fetchall()
            yield from page
            if len(page) < PAGE:
                return
            after = page[-1][0]

    def forget(self, step: str, keys: Iterable[str]) -> None:
        """Remove ``keys`` of ``step`` (absent keys are ignored), in one transaction."""
        step_id = self.db.existing_name_id(step)
        if step_id is None:
            return
        with self.db.transaction() as connection:
            for chunk in chunks(keys):
                connection.execute(
                    "DELETE FROM crosswalk"
                    f" WHERE step_id = ? AND source_key IN ({placeholders(len(chunk))})",
                    (step_id, *chunk),
                )
