"""The keys preflight's simulated crosswalk holds — the rows each step would load,
the records that would fail or be rejected — in a temporary SQLite file, so memory
stays flat however many records the source has (a few hundred wait in memory
before each write)."""

from __future__ import annotations

from typing import Literal

from crossmap.state.scratch import ScratchDatabase

Kind = Literal["load", "fail", "reject"]

PENDING = 500
"""Keys held in memory before they are written at once."""


class KeyStore(ScratchDatabase):
    """Sets of source keys by (step, kind), in a file deleted on :meth:`close`."""

    def __init__(self) -> None:
        super().__init__("crossmap-preflight-", "CREATE TABLE keys (step TEXT NOT NULL, kind TEXT NOT NULL, "
                         "key TEXT NOT NULL, PRIMARY KEY (step, kind, key)) WITHOUT ROWID;")
        self._pending: set[tuple[str, str, str]] = set()
        self._counts: dict[tuple[str, str], int] = {}

    def add(self, step: str, kind: Kind, key: str) -> None:
        """Put ``key`` in the set of (``step``, ``kind``)."""
        entry = (step, kind, key)
        if entry in self._pending:
            return
        self._pending.add(entry)
        if len(self._pending) >= PENDING:
            self.flush()

    def flush(self) -> None:
        """Write the keys waiting in memory."""
        if self._pending:
            self._db.executemany("INSERT OR IGNORE INTO keys (step, kind, key) VALUES (?, ?, ?)", self._pending)
            self._pending.clear()

    def has(self, step: str, kind: Kind, key: str) -> bool:
        """Is ``key`` in the set of (``step``, ``kind``)?"""
        if (step, kind, key) in self._pending:
            return True
        return self._db.execute("SELECT 1 FROM keys WHERE step = ? AND kind = ? AND key = ?",
                                (step, kind, key)).fetchone() is not None

    def count(self, step: str, kind: Kind) -> int:
        """How many keys the set of (``step``, ``kind``) holds."""
        self.flush()
        row = self._db.execute("SELECT COUNT(*) FROM keys WHERE step = ? AND kind = ?", (step, kind)).fetchone()
        return int(row[0])
