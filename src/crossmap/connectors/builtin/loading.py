"""Loading a batch into a record table: what insert, upsert, update and delete mean
for the built-in destinations.

The rules follow Salesforce's, so specs behave the same against a folder as against
an org: one result per row, each row on its own (a failing row does not stop the
others), failing for the same causes, under neutral codes
(:mod:`crossmap.connectors.builtin.vocabulary`: ``NOT_UNIQUE``, ``NO_SUCH_RECORD``,
``RECORD_DELETED``, ``MISSING_ID``, ...). A row the validator rejects fails with the
first violation's neutral code (``TOO_LONG``, ``MISSING_REQUIRED``:
:class:`crossmap.schema.validate.ViolationKind`) and every violation's neutral
message. ``MemoryDestination`` and ``JsonlDestination`` differ only in where a
``Table`` keeps its records.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from crossmap.connectors.builtin.coding import key_text
from crossmap.connectors.builtin.vocabulary import (
    MISSING_EXTERNAL_ID,
    MISSING_ID,
    NO_SUCH_RECORD,
    NOT_UNIQUE,
    RECORD_DELETED,
    REJECTED,
)
from crossmap.connectors.protocols import LoadResult, Operation
from crossmap.connectors.registry import ConnectorError
from crossmap.schema import ObjectSchema, row_validator
from crossmap.schema.validate import ViolationKind

FailHook = Callable[[str, Mapping[str, Any]], "str | None"]
"""Told an object name and a row, returns an error message to make the row fail."""

OPERATIONS: frozenset[str] = frozenset({"insert", "upsert", "update", "delete", "hard_delete"})


class Table(ABC):
    """The records of one object, by Id, with indexes on the fields rows are matched
    by. Subclasses say where records live."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.counter = 0
        self.deleted: set[str] = set()
        self._indexes: dict[str, dict[str, str]] = {}

    # --- storage -------------------------------------------------------------------------
    @abstractmethod
    def get(self, id: str) -> dict[str, Any] | None:
        """The live record with ``id`` (callers must not change it), or ``None``."""

    @abstractmethod
    def items(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Every live record with its Id, in storage order."""

    @abstractmethod
    def _store(self, id: str, record: dict[str, Any]) -> None:
        """Keep ``record`` as the state of ``id``."""

    @abstractmethod
    def _remove(self, id: str, hard: bool) -> None:
        """Forget ``id``."""

    # --- what the loader uses ------------------------------------------------------------
    def new_id(self) -> str:
        """A fresh Id, never given before by this table."""
        self.counter += 1
        return f"{self.name}-{self.counter}"

    def index(self, field: str) -> dict[str, str]:
        """Value (as text) → Id for ``field``, built on first use and kept current."""
        index = self._indexes.get(field)
        if index is None:
            index = self._indexes[field] = {}
            for id, record in self.items():
                value = record.get(field)
                if value not in (None, ""):
                    index.setdefault(key_text(value), id)
        return index

    def put(self, id: str, record: dict[str, Any]) -> None:
        """Write ``record`` as the state of ``id`` and keep the indexes current."""
        old = self.get(id) if self._indexes else None
        for field, index in self._indexes.items():
            if old is not None and old.get(field) not in (None, ""):
                index.pop(key_text(old[field]), None)
            value = record.get(field)
            if value not in (None, ""):
                index[key_text(value)] = id
        self._store(id, record)

    def drop(self, id: str, *, hard: bool = False) -> None:
        """Delete ``id``; a soft delete is remembered (``RECORD_DELETED`` later)."""
        old = self.get(id)
        if old is not None:
            for field, index in self._indexes.items():
                if old.get(field) not in (None, ""):
                    index.pop(key_text(old[field]), None)
        self._remove(id, hard)
        if hard:
            self.deleted.discard(id)
        else:
            self.deleted.add(id)


class _RowError(Exception):
    def __init__(self, code: str, message: str, fields: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.code, self.message, self.fields = code, message, fields


def load_rows(
    table: Table,
    obj: ObjectSchema | None,
    operation: Operation,
    rows: Sequence[tuple[str, Mapping[str, Any]]],
    *,
    external_id: str | None = None,
    fail: FailHook | None = None,
) -> list[LoadResult]:
    """Apply ``rows`` to ``table`` in order; one ``LoadResult`` per row, carrying its
    ref. With ``obj`` each row is validated (``crossmap.schema.row_validator``) and
    unique fields are enforced; ``fail`` may reject chosen rows."""
    if operation not in OPERATIONS:
        raise ConnectorError(f"unknown load operation {operation!r}; expected one of {sorted(OPERATIONS)}")
    if external_id is not None and obj is not None and external_id != "Id":
        found = obj.find_field(external_id)
        if found is None or not found.external_id:
            raise ConnectorError(f"'{obj.name}.{external_id}' is not an external id field; it cannot be upserted on")
        external_id = found.name
    loader = _Loader(table, obj, operation, external_id, fail)
    if operation == "upsert" and external_id not in (None, "Id"):
        loader.repeated = _repeated(loader._canonical(row).get(external_id) for _, row in rows)
    results = []
    for ref, row in rows:
        try:
            results.append(loader.one(ref, row))
        except _RowError as error:
            results.append(LoadResult(ref, None, error_code=error.code, error_message=error.message,
                                      error_fields=error.fields))
    return results


class _Loader:
    def __init__(self, table: Table, obj: ObjectSchema | None, operation: Operation,
                 external_id: str | None, fail: FailHook | None) -> None:
        self.table, self.obj, self.operation, self.fail = table, obj, operation, fail
        self.external_id = external_id
        self.repeated: set[str] = set()
        """External ids the batch gives more than once: every row carrying one fails."""
        unique = [f.name for f in obj if f.unique or f.external_id] if obj is not None else []
        if external_id is not None and external_id != "Id" and external_id not in unique:
            unique.append(external_id)
        self.unique = unique

    def _canonical(self, row: Mapping[str, Any]) -> dict[str, Any]:
        if self.obj is None:
            return dict(row)
        folded = self.obj.folded_names
        return {folded.get(k.casefold(), k): v for k, v in row.items()}

    def _existing(self, given: object) -> str:
        rid = str(given)
        if self.table.get(rid) is not None:
            return rid
        if rid in self.table.deleted:
            raise _RowError(RECORD_DELETED, f"the record {rid} was deleted", ("Id",))
        raise _RowError(NO_SUCH_RECORD, f"no {self.table.name} record has the Id {rid}", ("Id",))

    def one(self, ref: str, given: Mapping[str, Any]) -> LoadResult:
        row = self._canonical(given)
        op = self.operation
        if op in ("delete", "hard_delete"):
            if row.get("Id") in (None, ""):
                raise _RowError(MISSING_ID, "a delete row without an Id", ("Id",))
            rid = self._existing(row["Id"])
            self._hook(row)
            self.table.drop(rid, hard=op == "hard_delete")
            return LoadResult(ref, rid)
        target = self._target(row)
        self._validate(row, "update" if target is not None else "insert", target)
        self._hook(row)
        values = {k: v for k, v in row.items() if k != "Id"}
        if target is None:
            new = self.table.new_id()
            self.table.put(new, {"Id": new, **values})
            return LoadResult(ref, new, created=True)
        current = self.table.get(target) or {}
        self.table.put(target, {**current, **values, "Id": target})
        return LoadResult(ref, target)

    def _target(self, row: dict[str, Any]) -> str | None:
        """The Id of the record this row writes to; ``None`` to create one."""
        op, given = self.operation, row.get("Id")
        if op == "insert":
            if given not in (None, ""):
                raise _RowError(ViolationKind.ID_ON_INSERT.name, "an insert may not give the record's id", ("Id",))
            return None
        if op == "update":
            if given in (None, ""):
                raise _RowError(MISSING_ID, "an update row without an Id", ("Id",))
            return self._existing(given)
        ext = self.external_id
        if ext is None or ext == "Id":
            return None if given in (None, "") else self._existing(given)
        value = row.get(ext)
        if value in (None, ""):
            raise _RowError(MISSING_EXTERNAL_ID, f"an upsert row without a value in {ext}", (ext,))
        key = key_text(value)
        if key in self.repeated:
            # Every row, the first too, as Salesforce fails them (and stores none).
            raise _RowError(NOT_UNIQUE, f"the batch gives the external id {key} more than once", (ext,))
        return self.table.index(ext).get(key)

    def _validate(self, row: dict[str, Any], acting: str, rid: str | None) -> None:
        if self.obj is not None:
            # An upsert is checked as what it turned out to be, as Salesforce does.
            # The Id only selects the record; it is no value to check.
            checked = {k: v for k, v in row.items() if k != "Id"}
            violations = row_validator(self.obj, operation=acting)(checked)  # type: ignore[arg-type]
            if violations:
                fields = tuple(dict.fromkeys(f for v in violations for f in v.fields))
                raise _RowError(violations[0].code, "; ".join(v.message for v in violations), fields)
        for field in self.unique:
            value = row.get(field)
            if value in (None, ""):
                continue
            holder = self.table.index(field).get(key_text(value))
            if holder is not None and holder != rid:
                raise _RowError(NOT_UNIQUE, f"{field}: the record {holder} holds this value already", (field,))

    def _hook(self, row: dict[str, Any]) -> None:
        if self.fail is not None:
            message = self.fail(self.table.name, row)
            if message is not None:
                raise _RowError(REJECTED, message)


def _repeated(values: Iterable[Any]) -> set[str]:
    seen: set[str] = set()
    twice: set[str] = set()
    for value in values:
        if value not in (None, ""):
            key = key_text(value)
            (twice if key in seen else seen).add(key)
    return twice


def read_rows(
    table: Table, ids: Iterator[str] | Sequence[str] | None, fields: Sequence[str]
) -> Iterator[dict[str, Any]]:
    """``Id`` and ``fields`` of the live records among ``ids`` (missing ones are left
    out), in the order asked; every live record when ``ids`` is None."""
    if ids is None:
        ids = [id for id, _ in table.items()]
    for id in ids:
        record = table.get(id)
        if record is not None:
            yield {"Id": id, **{f: record.get(f) for f in fields if f != "Id"}}


def undelete_rows(table: Table, rows: Sequence[tuple[str, Mapping[str, Any]]]) -> list[LoadResult]:
    """Bring back deleted records under their own Ids, with the values each row
    carries (a folder has no recycle bin: the row is the record). A record that is
    live already is left as it is and succeeds."""
    results = []
    for ref, row in rows:
        rid = row.get("Id")
        if rid in (None, ""):
            results.append(LoadResult(ref, None, error_code=MISSING_ID,
                                      error_message="an undelete row without an Id", error_fields=("Id",)))
            continue
        rid = str(rid)
        if table.get(rid) is None:
            table.put(rid, {"Id": rid, **{k: v for k, v in row.items() if k != "Id"}})
            table.deleted.discard(rid)
        results.append(LoadResult(ref, rid))
    return results
