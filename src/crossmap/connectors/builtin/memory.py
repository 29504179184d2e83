"""In-memory connectors, for tests and for people trying out their specs.

    source = MemorySource({"customers": [{"id": "c1", "name": "Ng"}]})
    target = MemoryDestination(schema, fail=lambda obj, row: "no" if row.get("Name") == "X" else None)
    ...
    target.records("Account")   # what was loaded

Neither can be opened from a spec's options (there is nothing to point at), so they
are not registered as entry points: construct them in Python.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from crossmap.connectors.builtin.coding import aware, blob_of, key_text, paged
from crossmap.connectors.builtin.inference import infer_object
from crossmap.connectors.builtin.loading import FailHook, Table, load_rows, read_rows, undelete_rows
from crossmap.connectors.builtin.vocabulary import BUILTIN_ERRORS
from crossmap.connectors.protocols import Blob, LoadResult, Operation, Page, Record, Tombstone
from crossmap.connectors.registry import ConnectorError
from crossmap.connectors.vocabulary import ErrorVocabulary
from crossmap.errors import did_you_mean
from crossmap.schema import FieldSchema, Id, ObjectSchema, Schema
from crossmap.schema import Untyped as AnyType


class MemorySource:
    """A ``Source`` over records held in memory: ``data`` maps object names to lists
    of records. ``schema`` defaults to one inferred from the records (see
    ``inference``). Keys come from ``keys[object]``, the schema's key, or ``id``;
    ``since`` filters on ``watermark_field``; ``tombstones`` lists deletions."""

    def __init__(
        self,
        data: Mapping[str, Sequence[Mapping[str, Any]]],
        schema: Schema | None = None,
        *,
        keys: Mapping[str, str] | None = None,
        watermark_field: str = "updated_at",
        page_size: int = 1000,
        tombstones: Iterable[Tombstone] = (),
    ) -> None:
        if page_size < 1:
            raise ValueError(f"page_size must be >= 1, not {page_size}")
        self.data = data
        self._keys = dict(keys or {})
        self.watermark_field = watermark_field
        self.page_size = page_size
        self._tombstones = list(tombstones)
        if schema is None:
            schema = Schema([infer_object(name, records, self._keys.get(name, "id"))
                             for name, records in data.items()])
        self._schema = schema

    def __repr__(self) -> str:
        return f"MemorySource(objects={sorted(self.data)!r})"

    def schema(self) -> Schema:
        """The schema given, or the one inferred from the records."""
        return self._schema

    def key_of(self, object: str) -> str:
        """The field that identifies a record of ``object``."""
        if object in self._keys:
            return self._keys[object]
        found = self._schema.find_object(object)
        return found.key if found is not None and found.key is not None else "id"

    def _records(self, object: str) -> Sequence[Mapping[str, Any]]:
        records = self.data.get(object)
        if records is None:
            hint = did_you_mean(object, self.data) or f"it has: {', '.join(sorted(self.data)) or 'none'}"
            raise ConnectorError(f"the memory source has no object '{object}' ({hint})")
        return records

    def extract(self, object: str, *, since: datetime | None = None) -> Iterator[Page]:
        """Pages of copies of the records of ``object`` (at or after ``since`` by the
        watermark, or without one)."""
        records = self._records(object)
        return self._pages(records, None if since is None else aware(since))

    def _pages(self, records: Sequence[Mapping[str, Any]], since: datetime | None) -> Iterator[Page]:
        # Deep copies: a consumer that edits a record must not edit the source.
        copies = (copy.deepcopy(dict(record)) for record in records)
        return paged(copies, since, self.watermark_field, self.page_size)

    def tombstones(self, object: str, *, since: datetime | None = None) -> Iterator[Tombstone]:
        """The tombstones given for ``object``, at or after ``since``."""
        after = None if since is None else aware(since)
        return iter([t for t in self._tombstones
                     if t.object == object and (after is None or aware(t.deleted_at) >= after)])

    def open_blob(self, object: str, key: str, field: str) -> Blob:
        """The content of ``field`` (bytes, or base64 text) of the record keyed ``key``."""
        key_field = self.key_of(object)
        for record in self._records(object):
            value = record.get(key_field)
            if value is not None and key_text(value) == key and record.get(field) is not None:
                return blob_of(record[field], f"{object} '{key}' field '{field}'")
        raise ConnectorError(f"the memory source has no {object} '{key}' with content in '{field}'")


class MemoryTable(Table):
    """Records in a dict, in insertion order."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.records: dict[str, dict[str, Any]] = {}

    def get(self, id: str) -> dict[str, Any] | None:
        return self.records.get(id)

    def items(self) -> Iterator[tuple[str, dict[str, Any]]]:
        return iter(list(self.records.items()))

    def _store(self, id: str, record: dict[str, Any]) -> None:
        self.records[id] = record

    def _remove(self, id: str, hard: bool) -> None:
        self.records.pop(id, None)


class MemoryDestination:
    """A ``Destination`` keeping records in dicts. Supports every operation; with
    ``schema`` it validates rows with the row validator (and ``describe()`` returns
    it), reporting violations by their neutral codes (``TOO_LONG``); without one it
    accepts any field. ``fail(object, row)`` returning a message makes
    that row fail with ``REJECTED`` (to exercise failures)."""

    def __init__(self, schema: Schema | None = None, *, fail: FailHook | None = None) -> None:
        self._schema = schema
        self.fail = fail
        self._tables: dict[str, MemoryTable] = {}
        self._lock = threading.RLock()
        # (object, operation, row count) of every load call, so tests can see batching.
        self.batches: list[tuple[str, Operation, int]] = []

    @staticmethod
    def error_vocabulary() -> ErrorVocabulary:
        """The built-in destinations' hints (``builtin.vocabulary``)."""
        return BUILTIN_ERRORS

    def __repr__(self) -> str:
        return f"MemoryDestination(objects={sorted(self._tables)!r})"

    def _table(self, object: str) -> MemoryTable:
        if self._schema is not None:
            object = self._schema.object(object).name  # unknown objects raise, with a suggestion
        table = self._tables.get(object)
        if table is None:
            table = self._tables[object] = MemoryTable(object)
        return table

    def describe(self) -> Schema:
        """The schema given; without one, the objects loaded so far with every field
        seen (untyped, so anything is accepted)."""
        if self._schema is not None:
            return self._schema
        with self._lock:
            objects = []
            for name, table in self._tables.items():
                seen = dict.fromkeys(f for record in table.records.values() for f in record if f != "Id")
                fields = [FieldSchema("Id", Id(), nullable=False, createable=False, updateable=False)]
                fields += [FieldSchema(f, AnyType()) for f in seen]
                objects.append(ObjectSchema(name, fields, key="Id"))
            return Schema(objects)

    def load(
        self,
        object: str,
        operation: Operation,
        rows: Sequence[tuple[str, Mapping[str, Any]]],
        *,
        external_id: str | None = None,
    ) -> list[LoadResult]:
        """Apply one batch; one result per row (see ``loading.load_rows``)."""
        with self._lock:
            table = self._table(object)
            obj = self._schema.object(object) if self._schema is not None else None
            self.batches.append((table.name, operation, len(rows)))
            return load_rows(table, obj, operation, rows, external_id=external_id, fail=self.fail)

    def undelete(self, object: str, rows: Sequence[tuple[str, Mapping[str, Any]]]) -> list[LoadResult]:
        """Bring deleted records back under their Ids, with the rows' values
        (``loading.undelete_rows``)."""
        with self._lock:
            table = self._table(object)
            return undelete_rows(table, [(ref, copy.deepcopy(dict(row))) for ref, row in rows])

    def read(self, object: str, ids: Iterable[str] | None, fields: Sequence[str]) -> Iterator[Record]:
        """Copies of ``Id`` and ``fields`` of the records among ``ids`` that exist;
        every record when ``ids`` is None."""
        with self._lock:
            table = self._table(object)
            return iter(copy.deepcopy(list(read_rows(table, None if ids is None else list(ids), fields))))

    def records(self, object: str) -> list[Record]:
        """Copies of every record of ``object``, in the order they were created."""
        with self._lock:
            table = self._tables.get(object)
            return copy.deepcopy(list(table.records.values())) if table is not None else []
