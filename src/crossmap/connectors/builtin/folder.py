"""What the folder sources share: a folder with one file per object.

``JsonlSource`` and ``CsvSource`` differ only in how a file is read into raw records;
everything else — the objects a folder holds, the schema (from a schema file, else
inferred), keys, paging, the ``since`` watermark filter, tombstones from
``<object>.deleted.<ext>`` files and blobs — lives here, once.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, Self

import attrs

from crossmap.connectors.builtin.coding import (
    RecordDecoder,
    SourceDataError,
    aware,
    blob_of,
    key_text,
    paged,
    watermark_of,
)
from crossmap.connectors.builtin.inference import infer_object
from crossmap.connectors.builtin.options import (
    ConnectorOptionError,
    check_object_name,
    int_option,
    load_schema_file,
    object_keys,
    require_path,
    resolve_path,
    str_option,
)
from crossmap.connectors.protocols import Blob, Page, Tombstone
from crossmap.connectors.registry import ConnectorError
from crossmap.errors import did_you_mean
from crossmap.schema import ObjectSchema, Schema

RawRecords = Iterator[tuple[int, dict[str, Any]]]
"""``(line number, record)`` pairs as a file holds them."""


class FolderSource(ABC):
    """A ``Source`` over a folder holding ``<object><suffix>`` files.

    ``schema`` is authoritative when given; otherwise each object's schema is inferred
    from its file. A record's key is the field named by ``keys[object]``, else the
    schema's key, else ``default_key``. ``since`` keeps records whose
    ``watermark_field`` is at or after it (and those without a watermark, which
    cannot be shown to be unchanged).
    """

    connector: ClassVar[str] = ""
    suffix: ClassVar[str] = ""
    text_values: ClassVar[bool] = False

    def __init__(
        self,
        path: str | Path,
        *,
        schema: Schema | None = None,
        keys: Mapping[str, str] | None = None,
        default_key: str = "id",
        watermark_field: str = "updated_at",
        page_size: int = 1000,
    ) -> None:
        self.path = Path(path)
        if not self.path.is_dir():
            raise ConnectorOptionError(f"the '{self.connector}' source folder {self.path} does not exist")
        if page_size < 1:
            raise ConnectorOptionError(f"page_size must be >= 1, not {page_size}")
        self._given_schema = schema
        self._keys = dict(keys or {})
        self.default_key = default_key
        self.watermark_field = watermark_field
        self.page_size = page_size
        self._schema: Schema | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.path)!r})"

    # --- construction from a spec's options ---------------------------------------------
    @classmethod
    def _option_kwargs(cls, options: Mapping[str, Any]) -> dict[str, Any]:
        schema_path = resolve_path(options, "schema")
        return {
            "schema": load_schema_file(schema_path) if schema_path is not None else None,
            "keys": object_keys(options),
            "default_key": str_option(options, "key", "id"),
            "watermark_field": str_option(options, "watermark_field", "updated_at"),
            "page_size": int_option(options, "page_size", 1000),
        }

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> Self:
        """The source a spec's ``source`` block describes: ``path`` (the folder),
        ``schema`` (a schema JSON file), ``key``, ``key_<object>``,
        ``watermark_field``, ``page_size``; relative paths are taken from ``spec_dir``."""
        return cls(require_path(options, "path", cls.connector), **cls._option_kwargs(options))

    @classmethod
    def static_schema(cls, options: Mapping[str, Any]) -> Schema:
        """The schema for offline checks: the schema file, else inferred from the files."""
        return cls.from_options(options).schema()

    # --- the folder ---------------------------------------------------------------------------
    def objects(self) -> list[str]:
        """The objects the folder holds a file for, sorted."""
        deleted = ".deleted" + self.suffix
        return sorted(
            p.name[: -len(self.suffix)]
            for p in self.path.iterdir()
            if p.is_file() and p.name.endswith(self.suffix) and not p.name.endswith(deleted)
        )

    def _file(self, object: str) -> Path:
        check_object_name(object)
        path = self.path / f"{object}{self.suffix}"
        if not path.is_file():
            known = self.objects()
            hint = did_you_mean(object, known) or f"it has: {', '.join(known) or 'no files'}"
            raise ConnectorError(f"the folder {self.path} has no file {path.name} for object '{object}' ({hint})")
        return path

    @abstractmethod
    def _read(self, path: Path) -> RawRecords:
        """The raw records of one file, with their line numbers."""

    def _records(self, object: str, obj: ObjectSchema | None) -> Iterator[tuple[str, dict[str, Any]]]:
        path = self._file(object)
        decode = RecordDecoder(obj, text=self.text_values)
        for line, raw in self._read(path):
            where = f"{path}:{line}"
            yield where, decode(raw, where)

    # --- Source protocol ------------------------------------------------------------------
    def schema(self) -> Schema:
        """The objects and fields: the schema file's, else inferred from the first
        records of each file."""
        if self._schema is None:
            if self._given_schema is not None:
                self._schema = Schema([self._with_key(o) for o in self._given_schema])
            else:
                inferred = []
                for name in self.objects():
                    records = (record for _, record in self._records(name, None))
                    inferred.append(infer_object(name, records, self.key_of(name)))
                self._schema = Schema(inferred)
        return self._schema

    def _with_key(self, obj: ObjectSchema) -> ObjectSchema:
        key = self._keys.get(obj.name) or obj.key or self.default_key
        return attrs.evolve(obj, key=key) if key in obj.fields and key != obj.key else obj

    def key_of(self, object: str) -> str:
        """The field that identifies a record of ``object``."""
        if object in self._keys:
            return self._keys[object]
        if self._schema is not None or self._given_schema is not None:
            found = self.schema().find_object(object)
            if found is not None and found.key is not None:
                return found.key
        return self.default_key

    def _object_schema(self, object: str) -> ObjectSchema | None:
        return self.schema().find_object(object)

    def extract(self, object: str, *, since: datetime | None = None) -> Iterator[Page]:
        """Pages of ``page_size`` records of ``object`` in file order; with ``since``,
        only those whose watermark is at or after it (or that have none)."""
        self._file(object)  # an unknown object fails now, not at the first page
        return self._pages(object, None if since is None else aware(since))

    def _pages(self, object: str, since: datetime | None) -> Iterator[Page]:
        records = (record for _, record in self._records(object, self._object_schema(object)))
        return paged(records, since, self.watermark_field, self.page_size)

    def tombstones(self, object: str, *, since: datetime | None = None) -> Iterator[Tombstone]:
        """Deletions listed in ``<object>.deleted<suffix>`` (fields ``key``,
        ``deleted_at`` and optionally ``merged_into``), at or after ``since``."""
        check_object_name(object)
        path = self.path / f"{object}.deleted{self.suffix}"
        if not path.is_file():
            return iter(())
        return self._tombstones(object, path, None if since is None else aware(since))

    def _tombstones(self, object: str, path: Path, since: datetime | None) -> Iterator[Tombstone]:
        for line, raw in self._read(path):
            key, stamp = raw.get("key"), watermark_of(raw.get("deleted_at"))
            if key in (None, "") or stamp is None:
                raise SourceDataError(f"{path}:{line}: a tombstone needs 'key' and a 'deleted_at' datetime")
            if since is not None and stamp < since:
                continue
            merged = raw.get("merged_into")
            yield Tombstone(object, key_text(key), stamp, None if merged in (None, "") else key_text(merged))

    def open_blob(self, object: str, key: str, field: str) -> Blob:
        """The content of ``field`` (base64 text) of the record keyed ``key``, decoded
        chunk by chunk."""
        key_field = self.key_of(object)
        for where, record in self._records(object, self._object_schema(object)):
            value = record.get(key_field)
            if value is not None and key_text(value) == key:
                if record.get(field) is None:
                    raise ConnectorError(f"{where}: {object} '{key}' has no content in '{field}'")
                return blob_of(record[field], f"{where}: field '{field}'")
        raise ConnectorError(f"{self.path}: no {object} record has {key_field} '{key}'")
