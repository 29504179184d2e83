"""The two protocols a connector plugin implements.

They are deliberately as small as httpx's transport interface: plain methods, no base
class. Records travel as plain ``dict`` objects keyed by field name; values are JSON
types plus ``datetime.date``/``datetime.datetime``/``decimal.Decimal`` where a
connector knows the type.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from attrs import frozen

if TYPE_CHECKING:
    from crossmap.schema import Schema

Record = dict[str, Any]
Page = list[Record]
"""One page of extracted records, in the source's order."""

Operation = Literal["insert", "upsert", "update", "delete", "hard_delete"]


@frozen
class Tombstone:
    """A source record that was deleted (or merged into another) at ``deleted_at``."""

    object: str
    key: str
    deleted_at: datetime
    merged_into: str | None = None


@frozen
class LoadResult:
    """The destination's answer for one row of a batch.

    ``ref`` is the caller's reference for the row (the engine passes the source key),
    so results never depend on the order a destination answers in.
    """

    ref: str
    id: str | None
    created: bool = False
    error_code: str | None = None
    error_message: str | None = None
    error_fields: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.error_code is None


@frozen
class InvalidValue:
    """A source value that could not be read as its field's declared type."""

    field: str
    raw: object
    reason: str

    def describe(self) -> str:
        """``field 'born' holds '2024-02-30': not a date`` (the value abbreviated)."""
        return f"field '{self.field}' holds {abbreviate(self.raw)}: {self.reason}"


class InvalidRecord(dict[str, Any]):
    """A source record holding values that could not be read as their declared type.

    A source yields it in place of a plain record, with the raw values left where
    they were: the engine fails that one record (naming the field, the reason and
    the raw value) and the run goes on. Everything else may treat it as a dict.
    """

    __slots__ = ("problems",)

    def __init__(self, values: Mapping[str, Any], problems: Iterable[InvalidValue]) -> None:
        super().__init__(values)
        self.problems: tuple[InvalidValue, ...] = tuple(problems)

    def reason(self) -> str:
        """Every problem, in one line."""
        return "; ".join(p.describe() for p in self.problems)


ABBREVIATED = 40
"""Characters of a raw value a message shows at most."""


def abbreviate(value: object, width: int = ABBREVIATED) -> str:
    """``value`` as a message shows it (text quoted, structures as JSON), cut to
    ``width`` characters."""
    import json

    if isinstance(value, str):
        text = repr(value)
    elif isinstance(value, dict | list | tuple):
        text = json.dumps(value, default=str, ensure_ascii=False)
    else:
        text = str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


Blob = Iterator[bytes]
"""Binary content as a stream of chunks, never held whole in memory."""


@runtime_checkable
class Source(Protocol):
    """Where records come from."""

    def schema(self) -> Schema:
        """The source's objects and fields."""
        ...

    def extract(self, object: str, *, since: datetime | None = None) -> Iterator[Page]:
        """Stream the records of ``object``, page by page; with ``since``, only those
        changed at or after that watermark."""
        ...

    def tombstones(self, object: str, *, since: datetime | None = None) -> Iterator[Tombstone]:
        """Records of ``object`` deleted at or after ``since``."""
        ...

    def open_blob(self, object: str, key: str, field: str) -> Blob:
        """Stream a binary field (an attachment's content)."""
        ...


class LoadStream(Protocol):
    """Rows of one object and operation, written as one unit of work: added one by
    one (a connector spools them, so memory does not grow with their number), then
    sent together by :meth:`send`."""

    def add(self, ref: str, row: Mapping[str, Any]) -> None:
        """Queue one ``(ref, row)`` pair, as :meth:`Destination.load` takes them."""
        ...

    def send(self) -> Iterator[Sequence[LoadResult]]:
        """Write every row added. Yields one result per row, in the order added, in
        lists: the rows of a list are settled in the destination before any row
        after them is sent, so a caller that records each list before asking for the
        next never loses a result to a crash."""
        ...

    def close(self) -> None:
        """Drop what was spooled."""
        ...


@runtime_checkable
class Destination(Protocol):
    """Where records go."""

    def describe(self) -> Schema:
        """The destination's objects and fields, as it is now."""
        ...

    def load(
        self,
        object: str,
        operation: Operation,
        rows: Sequence[tuple[str, Mapping[str, Any]]],
        *,
        external_id: str | None = None,
    ) -> list[LoadResult]:
        """Write one batch of ``(ref, row)`` pairs; one result per row. For
        ``update``/``delete`` a row carries its ``Id``; for ``upsert``, ``external_id``
        names the matching field."""
        ...

    def read(self, object: str, ids: Iterable[str] | None, fields: Sequence[str]) -> Iterator[Record]:
        """Read records back by Id (for diffs, pre-images and verification); with
        ``ids=None``, every record of the object (what a resolve block matches
        against). Records that do not exist are left out."""
        ...


@runtime_checkable
class UndeletingDestination(Protocol):
    """A destination that can bring deleted records back with the same Id (Salesforce:
    the SOAP ``undelete()`` call, from the recycle bin). Optional: ``crossmap
    rollback`` uses it to undo a delta run's deletions; without it a deleted record
    cannot come back with its Id, and the rollback says so."""

    def undelete(self, object: str, rows: Sequence[tuple[str, Mapping[str, Any]]]) -> list[LoadResult]:
        """Restore the records whose ``Id`` each row carries; one result per row (a
        record that is live already succeeds). A destination without a recycle bin
        re-creates the record from the row's values, under the same Id."""
        ...


@runtime_checkable
class StreamingDestination(Protocol):
    """A destination that takes any number of rows as one unit of work (Salesforce:
    one Bulk API 2.0 job per object rather than one per batch). Optional: the engine
    loads a destination without it batch by batch (:func:`crossmap.connectors.streams.open_load`)."""

    def open_load(self, object: str, operation: Operation, *, external_id: str | None = None) -> LoadStream:
        """A stream of rows to write to ``object``."""
        ...
