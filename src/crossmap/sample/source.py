"""The selection served as a ``Source``: the engine loads a sample like any run."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import datetime

from crossmap.connectors import Blob, Page, Source, Tombstone
from crossmap.sample.select import Selection
from crossmap.schema import Schema

PAGE_SIZE = 500


class SelectedSource:
    """A ``Source`` serving the selected records from memory (copies, so a consumer
    that edits a record does not edit the selection); objects served whole, the
    schema, tombstones and file contents come from the real source."""

    def __init__(self, source: Source, selection: Selection) -> None:
        self.source = source
        self.selection = selection

    def __repr__(self) -> str:
        return f"SelectedSource({self.source!r}, {self.selection.total} records)"

    def schema(self) -> Schema:
        """The real source's schema."""
        return self.source.schema()

    def extract(self, object: str, *, since: datetime | None = None) -> Iterator[Page]:
        """The selected records of ``object`` (a sample has no watermark: ``since`` is
        only passed on for objects served whole)."""
        if object in self.selection.whole or object not in self.selection.records:
            yield from self.source.extract(object, since=since)
            return
        records = self.selection.records[object]
        for start in range(0, len(records), PAGE_SIZE):
            yield [copy.deepcopy(dict(r)) for r in records[start:start + PAGE_SIZE]]

    def tombstones(self, object: str, *, since: datetime | None = None) -> Iterator[Tombstone]:
        """The real source's tombstones (merges make lookups follow survivors)."""
        return self.source.tombstones(object, since=since)

    def open_blob(self, object: str, key: str, field: str) -> Blob:
        """The real source's file contents, streamed."""
        return self.source.open_blob(object, key, field)
