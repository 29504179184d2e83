"""The ``jsonl`` connectors: a folder with one JSON-lines file per object.

As a source, ``<object>.jsonl`` holds one JSON object per line. As a destination,
the same file is an append-only journal while a run writes (each line the full new
state of a record, or a deletion marker), indexed by Id when the folder is opened,
and compacted to one line per live record on ``close()``; so a finished destination
folder is itself a valid ``jsonl`` source folder.
"""

from __future__ import annotations

import decimal
import json
import os
import re
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

from crossmap.connectors.builtin.coding import RecordDecoder, SourceDataError, json_default
from crossmap.connectors.builtin.folder import FolderSource, RawRecords
from crossmap.connectors.builtin.inference import SAMPLE_SIZE
from crossmap.connectors.builtin.loading import Table, load_rows, read_rows, undelete_rows
from crossmap.connectors.builtin.options import (
    ConnectorOptionError,
    check_object_name,
    load_schema_file,
    require_path,
    resolve_path,
)
from crossmap.connectors.builtin.vocabulary import BUILTIN_ERRORS
from crossmap.connectors.protocols import LoadResult, Operation, Record
from crossmap.connectors.registry import ConnectorError
from crossmap.connectors.vocabulary import ErrorVocabulary
from crossmap.schema import FieldSchema, Id, ObjectSchema, Schema
from crossmap.schema import Untyped as AnyType

SUFFIX = ".jsonl"
DELETED = "$deleted"
"""The journal's deletion marker: ``{"Id": ..., "$deleted": "soft" | "hard"}``."""
COUNTERS = ".jsonl-ids.json"
"""The file that keeps each object's Id counter, so Ids stay unique across runs."""


def _read_json_lines(path: Path) -> RawRecords:
    with path.open("r", encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                value = json.loads(line, parse_float=decimal.Decimal)
            except json.JSONDecodeError as error:
                raise SourceDataError(f"{path}:{number}:{error.colno}: not JSON: {error.msg}") from None
            if not isinstance(value, dict):
                raise SourceDataError(f"{path}:{number}: a line must hold one JSON object")
            yield number, value


class JsonlSource(FolderSource):
    """A ``Source`` reading ``<object>.jsonl`` files (floats decoded as ``Decimal``;
    with a schema file, dates and datetimes held as strings are parsed). Options as
    for every folder source: ``path``, ``schema``, ``key``, ``key_<object>``,
    ``watermark_field``, ``page_size``."""

    connector = "jsonl"
    suffix = SUFFIX
    text_values = False

    def _read(self, path: Path) -> RawRecords:
        return _read_json_lines(path)


def _encode(record: Mapping[str, Any]) -> bytes:
    text = json.dumps(record, default=json_default, ensure_ascii=False, separators=(",", ":"))
    return (text + "\n").encode("utf-8")


class JsonlTable(Table):
    """One object's journal file, with an Id → byte offset index rebuilt on open."""

    def __init__(self, name: str, path: Path, decode: RecordDecoder, *, fsync: bool) -> None:
        super().__init__(name)
        self.path = path
        self._decode = decode
        self._fsync = fsync
        self._offsets: dict[str, int] = {}
        self._id_pattern = re.compile(re.escape(name) + r"-(\d+)\Z")
        self._end = self._replay()
        self._writer: IO[bytes] = path.open("ab")
        self._reader: IO[bytes] = path.open("rb")
        self._dirty = False

    def _replay(self) -> int:
        """Rebuild the index from the journal; a torn last line (a process killed in
        mid-write, whose batch was never acknowledged) is cut off."""
        if not self.path.exists():
            self.path.touch()
            return 0
        offset = 0
        with self.path.open("rb") as journal:
            for number, line in enumerate(journal, 1):
                if not line.endswith(b"\n"):
                    break
                if not line.strip():
                    offset += len(line)  # a blank line someone left: nothing to replay
                    continue
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    if journal.read(1):
                        raise ConnectorError(f"{self.path}:{number}: the journal is damaged (not JSON)") from None
                    break  # the last line: a torn write
                rid = entry.get("Id") if isinstance(entry, dict) else None
                if not isinstance(rid, str) or not rid:
                    raise ConnectorError(f"{self.path}:{number}: a destination record needs a string 'Id'")
                if DELETED in entry:
                    self._offsets.pop(rid, None)
                    if entry[DELETED] == "hard":
                        self.deleted.discard(rid)
                    else:
                        self.deleted.add(rid)
                else:
                    self._offsets[rid] = offset
                    self.deleted.discard(rid)
                match = self._id_pattern.match(rid)
                if match is not None:
                    self.counter = max(self.counter, int(match.group(1)))
                offset += len(line)
        if offset != self.path.stat().st_size:
            os.truncate(self.path, offset)
        return offset

    def _flush(self) -> None:
        if self._dirty:
            self._writer.flush()
            self._dirty = False

    def get(self, id: str) -> dict[str, Any] | None:
        offset = self._offsets.get(id)
        if offset is None:
            return None
        self._flush()
        self._reader.seek(offset)
        record = json.loads(self._reader.readline(), parse_float=decimal.Decimal)
        return self._decode(record, f"{self.path}@{offset}")

    def items(self) -> Iterator[tuple[str, dict[str, Any]]]:
        self._flush()
        offset = 0
        with self.path.open("rb") as journal:
            for line in journal:
                here, offset = offset, offset + len(line)
                if here >= self._end:
                    break
                if not line.strip():
                    continue
                entry = json.loads(line, parse_float=decimal.Decimal)
                rid = entry.get("Id")
                if DELETED not in entry and self._offsets.get(rid) == here:
                    yield rid, self._decode(entry, f"{self.path}@{here}")

    def _append(self, entry: Mapping[str, Any]) -> int:
        data = _encode(entry)
        offset = self._end
        self._writer.write(data)
        self._end += len(data)
        self._dirty = True
        return offset

    def _store(self, id: str, record: dict[str, Any]) -> None:
        self._offsets[id] = self._append(record)
        self.deleted.discard(id)

    def _remove(self, id: str, hard: bool) -> None:
        self._append({"Id": id, DELETED: "hard" if hard else "soft"})
        self._offsets.pop(id, None)

    def commit(self) -> None:
        """Make the batch's lines durable: flushed to the OS (survives the process),
        and with ``fsync`` to the disk (survives the machine)."""
        self._writer.flush()
        self._dirty = False
        if self._fsync:
            os.fsync(self._writer.fileno())

    def compact(self) -> None:
        """Rewrite the file as one line per live record (deletions forgotten)."""
        self.commit()
        temporary = self.path.with_name(self.path.name + ".compacting")
        offsets: dict[str, int] = {}
        end = 0
        with temporary.open("wb") as out:
            for rid, record in self.items():
                data = _encode(record)
                out.write(data)
                offsets[rid] = end
                end += len(data)
            out.flush()
            if self._fsync:
                os.fsync(out.fileno())
        self.close()
        os.replace(temporary, self.path)
        self._offsets, self._end = offsets, end
        self.deleted.clear()
        self._writer, self._reader = self.path.open("ab"), self.path.open("rb")

    def close(self) -> None:
        """Close the file handles."""
        self._writer.close()
        self._reader.close()


def _folder_schema(path: Path) -> Schema:
    """A permissive schema for a folder written without a schema file: each object
    it holds, with ``Id`` and every field seen in its first records, untyped."""
    objects = []
    if path.is_dir():
        for file in sorted(path.glob(f"*{SUFFIX}")):
            seen: dict[str, None] = {}
            for count, (_, record) in enumerate(_read_json_lines(file)):
                if count >= SAMPLE_SIZE:
                    break
                if DELETED not in record:
                    seen.update(dict.fromkeys(k for k in record if k != "Id"))
            fields = [FieldSchema("Id", Id(), nullable=False, createable=False, updateable=False)]
            fields += [FieldSchema(name, AnyType()) for name in seen]
            objects.append(ObjectSchema(file.name[: -len(SUFFIX)], fields, key="Id"))
    return Schema(objects)


class JsonlDestination:
    """A ``Destination`` writing ``<object>.jsonl`` files in a folder (created when
    missing). With ``schema`` rows are validated as Salesforce would and unique fields
    enforced; without one any field is accepted. New records get Ids
    ``<object>-<n>``, unique across runs. Every operation is supported; data
    survives reopening the folder. Call ``close()`` (or use ``with``) to compact."""

    def __init__(
        self, path: str | Path, *, schema: Schema | None = None, fsync: bool = False,
        compact_on_close: bool = True,
    ) -> None:
        self.path = Path(path)
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise ConnectorOptionError(f"cannot create the jsonl folder {self.path}: {error.strerror}") from None
        self._schema = schema
        self.fsync = fsync
        self.compact_on_close = compact_on_close
        self._tables: dict[str, JsonlTable] = {}
        self._lock = threading.RLock()
        self._counters = self._read_counters()

    def __repr__(self) -> str:
        return f"JsonlDestination({str(self.path)!r})"

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> Self:
        """Options: ``path`` (the folder), ``schema`` (a schema JSON file),
        ``fsync`` (true: each batch reaches the disk before ``load`` returns),
        ``compact`` (false: keep the journal on close)."""
        schema_path = resolve_path(options, "schema")
        flags = {}
        for name in ("fsync", "compact"):
            if name in options and not isinstance(options[name], bool):
                raise ConnectorOptionError(f"option '{name}' must be true or false, not {options[name]!r}")
        flags["fsync"] = bool(options.get("fsync", False))
        flags["compact_on_close"] = bool(options.get("compact", True))
        return cls(require_path(options, "path", "jsonl"),
                   schema=load_schema_file(schema_path) if schema_path is not None else None, **flags)

    @classmethod
    def static_schema(cls, options: Mapping[str, Any]) -> Schema:
        """The schema file, else the permissive schema of what the folder holds now."""
        schema_path = resolve_path(options, "schema")
        if schema_path is not None:
            return load_schema_file(schema_path)
        return _folder_schema(require_path(options, "path", "jsonl"))

    @staticmethod
    def error_vocabulary() -> ErrorVocabulary:
        """The built-in destinations' hints (``builtin.vocabulary``)."""
        return BUILTIN_ERRORS

    # --- lifecycle ---------------------------------------------------------------------------
    def close(self) -> None:
        """Compact every journal (unless told not to) and close the files."""
        with self._lock:
            for table in self._tables.values():
                if self.compact_on_close:
                    table.compact()
                table.close()
            self._tables.clear()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # --- Id counters --------------------------------------------------------------------------
    def _read_counters(self) -> dict[str, int]:
        path = self.path / COUNTERS
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, json.JSONDecodeError):
            return {}  # rebuilt from the journals, which hold every Id ever given
        return {k: v for k, v in data.items() if isinstance(v, int)} if isinstance(data, dict) else {}

    def _save_counters(self) -> None:
        counters = {name: table.counter for name, table in self._tables.items()}
        if all(self._counters.get(k) == v for k, v in counters.items()):
            return
        self._counters.update(counters)
        temporary = self.path / (COUNTERS + ".tmp")
        temporary.write_text(json.dumps(self._counters, sort_keys=True), encoding="utf-8")
        os.replace(temporary, self.path / COUNTERS)

    def _table(self, object: str) -> JsonlTable:
        obj = None
        if self._schema is not None:
            obj = self._schema.object(object)  # unknown objects raise, with a suggestion
            object = obj.name
        check_object_name(object)
        table = self._tables.get(object)
        if table is None:
            decode = RecordDecoder(obj, text=False)
            table = JsonlTable(object, self.path / f"{object}{SUFFIX}", decode, fsync=self.fsync)
            table.counter = max(table.counter, self._counters.get(object, 0))
            self._tables[object] = table
        return table

    # --- Destination protocol -------------------------------------------------------------
    def describe(self) -> Schema:
        """The schema file's schema, else the permissive schema of the folder."""
        if self._schema is not None:
            return self._schema
        with self._lock:
            for table in self._tables.values():
                table.commit()
            return _folder_schema(self.path)

    def load(
        self,
        object: str,
        operation: Operation,
        rows: Sequence[tuple[str, Mapping[str, Any]]],
        *,
        external_id: str | None = None,
    ) -> list[LoadResult]:
        """Apply one batch (see ``loading.load_rows``); the batch's lines are written
        and flushed before this returns."""
        with self._lock:
            table = self._table(object)
            obj = self._schema.object(object) if self._schema is not None else None
            try:
                return load_rows(table, obj, operation, rows, external_id=external_id)
            finally:
                table.commit()
                self._save_counters()

    def undelete(self, object: str, rows: Sequence[tuple[str, Mapping[str, Any]]]) -> list[LoadResult]:
        """Bring deleted records back under their Ids, with the rows' values (a
        folder keeps no recycle bin; ``loading.undelete_rows``)."""
        with self._lock:
            table = self._table(object)
            try:
                return undelete_rows(table, rows)
            finally:
                table.commit()

    def read(self, object: str, ids: Iterable[str] | None, fields: Sequence[str]) -> Iterator[Record]:
        """``Id`` and ``fields`` of the records among ``ids`` that exist (typed by the
        schema file when there is one); every record when ``ids`` is None."""
        with self._lock:
            return iter(list(read_rows(self._table(object), None if ids is None else list(ids), fields)))

    def records(self, object: str) -> list[Record]:
        """Every live record of ``object``."""
        with self._lock:
            return [record for _, record in self._table(object).items()]
