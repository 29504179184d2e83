"""Verify's working tables: what the destination holds, which ids the crosswalk
knows, which keys a run loaded and which the source still has — in a temporary
SQLite file, so memory stays flat however many records are checked (the sets are
joined there, not in Python)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

from crossmap.state.scratch import ScratchDatabase

_SCHEMA = """
CREATE TABLE stored (target TEXT NOT NULL, id TEXT NOT NULL, ext TEXT, data TEXT NOT NULL,
                     PRIMARY KEY (target, id)) WITHOUT ROWID;
CREATE TABLE known (target TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (target, id)) WITHOUT ROWID;
CREATE TABLE wanted (step TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (step, key)) WITHOUT ROWID;
CREATE TABLE seen (step TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (step, key)) WITHOUT ROWID;
"""

CHUNK = 500
"""Values per ``IN (...)`` list."""


def _plain(value: object) -> object:
    """JSON for the values a destination gives back (dates as ISO text, decimals as
    text: the diff reads both by the field's type)."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray):
        return None  # file bytes are compared through their own capability
    return str(value)


class Scratch(ScratchDatabase):
    """The working tables, in a file deleted on :meth:`close`."""

    def __init__(self) -> None:
        super().__init__("crossmap-verify-", _SCHEMA)

    # -- filling ----------------------------------------------------------------------

    def keep_stored(self, target: str, records: Iterable[Mapping[str, Any]], ext: str | None) -> int:
        """Keep ``records`` of ``target`` (their ``ext`` field noted); returns how many."""
        before = self._count("stored", target)
        self._db.executemany(
            "INSERT OR REPLACE INTO stored (target, id, ext, data) VALUES (?, ?, ?, ?)",
            ((target, str(r["Id"]), None if ext is None or r.get(ext) in (None, "") else str(r.get(ext)),
              json.dumps(dict(r), default=_plain)) for r in records),
        )
        return self._count("stored", target) - before

    def know(self, target: str, ids: Iterable[str]) -> None:
        """Ids of ``target`` the crosswalk knows."""
        self._db.executemany("INSERT OR IGNORE INTO known (target, id) VALUES (?, ?)", ((target, i) for i in ids))

    def want(self, step: str, keys: Iterable[str]) -> None:
        """Keys of ``step`` the verified run loaded."""
        self._db.executemany("INSERT OR IGNORE INTO wanted (step, key) VALUES (?, ?)", ((step, k) for k in keys))

    def see(self, step: str, keys: Iterable[str]) -> None:
        """Keys of ``step`` the source still has."""
        self._db.executemany("INSERT OR IGNORE INTO seen (step, key) VALUES (?, ?)", ((step, k) for k in keys))

    # -- reading ----------------------------------------------------------------------

    def _count(self, table: str, target: str) -> int:
        row = self._db.execute(f"SELECT COUNT(*) FROM {table} WHERE target = ?", (target,)).fetchone()
        return int(row[0])

    def stored(self, target: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The stored records of these ids (absent ones left out)."""
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), CHUNK):
            chunk = list(ids[start:start + CHUNK])
            marks = ",".join("?" * len(chunk))
            for rid, data in self._db.execute(
                    f"SELECT id, data FROM stored WHERE target = ? AND id IN ({marks})", (target, *chunk)):
                found[rid] = json.loads(data)
        return found

    def _among(self, table: str, step: str, keys: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(keys), CHUNK):
            chunk = list(keys[start:start + CHUNK])
            marks = ",".join("?" * len(chunk))
            found.update(k for (k,) in self._db.execute(
                f"SELECT key FROM {table} WHERE step = ? AND key IN ({marks})", (step, *chunk)))
        return found

    def wanted_among(self, step: str, keys: Sequence[str]) -> set[str]:
        """Which of ``keys`` the verified run loaded."""
        return self._among("wanted", step, keys)

    def seen_among(self, step: str, keys: Sequence[str]) -> set[str]:
        """Which of ``keys`` the source still has."""
        return self._among("seen", step, keys)

    def extras(self, target: str) -> Iterator[tuple[str, str]]:
        """``(id, external id)`` of stored records of ``target`` that carry an
        external id but that no crosswalk entry knows, in id order."""
        yield from self._db.execute(
            "SELECT s.id, s.ext FROM stored s WHERE s.target = ? AND s.ext IS NOT NULL AND NOT EXISTS"
            " (SELECT 1 FROM known k WHERE k.target = s.target AND k.id = s.id) ORDER BY s.id", (target,))
