"""Read before write's snapshot, spooled: the records an upsert step is about to
match by external id, in a throwaway SQLite table rather than in memory.

A step that loads into an object already holding millions of records with external
ids would otherwise hold every one of them (Id and the step's fields) while it loads.
Here they wait in a :class:`~crossmap.state.scratch.ScratchDatabase` keyed by the
external id's value casefolded (Salesforce matches external ids without regard to
case), with an index on the Id for pre-images; the loader asks for a chunk of rows at
once (one query per ``CHUNK`` values), never one query per row. A step whose target
holds no such record pays nothing: the table stays empty and is never queried.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import islice
from typing import Any

from crossmap.state.database import from_json, to_json
from crossmap.state.scratch import ScratchDatabase

_SCHEMA = """
CREATE TABLE existing (ext TEXT PRIMARY KEY, id TEXT NOT NULL, fields TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX existing_id ON existing (id);
"""

CHUNK = 500
"""Values per ``IN (...)`` list (well under SQLite's limit on parameters)."""


class SnapshotSpool(ScratchDatabase):
    """Records of one object by external id value: (Id, the step's fields)."""

    def __init__(self) -> None:
        # The loader's step fills and reads it in its thread; a step sharing its
        # streams is closed by the group, possibly from another thread.
        super().__init__("crossmap-snapshot-", _SCHEMA, check_same_thread=False)
        self.size = 0
        """Records held."""
        self.closed = False

    def fill(self, records: Iterable[Mapping[str, Any]], key: str, fields: Sequence[str]) -> int:
        """Keep each record of ``records`` whose ``key`` holds a value, with its Id,
        ``key`` and ``fields`` (a later record with the same casefolded value wins,
        as a dict would); returns how many are held."""
        names = [key, *(f for f in fields if f != key)]
        rows = ((str(r[key]).casefold(), str(r["Id"]), to_json({f: r.get(f) for f in names}))
                for r in records if r.get(key) not in (None, "") and r.get("Id"))
        with self._db:
            while chunk := list(islice(rows, CHUNK)):
                self._db.executemany("INSERT OR REPLACE INTO existing (ext, id, fields) VALUES (?, ?, ?)", chunk)
        self.size = int(self._db.execute("SELECT COUNT(*) FROM existing").fetchone()[0])
        return self.size

    def ids(self, values: Iterable[str]) -> dict[str, str]:
        """The Id of the record holding each of ``values`` (compared casefolded),
        by the value as given; values no record holds are left out."""
        wanted: dict[str, list[str]] = {}
        for value in values:
            wanted.setdefault(value.casefold(), []).append(value)
        found: dict[str, str] = {}
        if not self.size or self.closed or not wanted:
            return found
        folded = list(wanted)
        for start in range(0, len(folded), CHUNK):
            part = folded[start:start + CHUNK]
            for ext, id in self._db.execute(
                    f"SELECT ext, id FROM existing WHERE ext IN ({','.join('?' * len(part))})", part):
                for value in wanted[ext]:
                    found[value] = id
        return found

    def fields_of(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The values the snapshot read (its key and fields) of each record of
        ``ids`` it holds: their pre-images."""
        found: dict[str, dict[str, Any]] = {}
        if not self.size or self.closed:
            return found
        for start in range(0, len(ids), CHUNK):
            part = list(ids[start:start + CHUNK])
            for id, fields in self._db.execute(
                    f"SELECT id, fields FROM existing WHERE id IN ({','.join('?' * len(part))})", part):
                found[id] = from_json(fields)
        return found

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            super().close()
