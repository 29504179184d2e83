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
class StreamingDestination(Protocol):
    """A destination that takes any number of rows as one unit of work (Salesforce:
    one Bulk API 2.0 job per object rather than one per batch). Optional: the engine
    loads a destination without it batch by batch (:func:`crossmap.connectors.streams.open_load`)."""

    def open_load(self, object: str, operation: Operation, *, external_id: str | None = None) -> LoadStream:
        """A stream of rows to write to ``object``."""
        ...


@runtime_checkable
class ScanningDestination(Protocol):
    """A destination that reads every record of an object at a cost that does not
    grow with the number of records (Salesforce: one Bulk API 2.0 query job).
    Optional: ``crossmap verify`` reads a destination without it through
    :meth:`Destination.read` with ``ids=None``."""

    def scan(self, object: str, fields: Sequence[str]) -> Iterator[Page]:
        """Every record of ``object`` with ``Id`` and ``fields``, page by page."""
        ...


@runtime_checkable
class CountingDestination(Protocol):
    """A destination that counts the API calls it has made (what a report states as
    the cost of reading back)."""

    def api_calls(self) -> int:
        """API calls made through this connector since it was opened."""
        ...


@runtime_checkable
class ModstampDestination(Protocol):
    """A destination that stamps each record with when it was last changed (by
    anyone: a user, a trigger), so a value that differs from what a run wrote can be
    told apart: changed when the run wrote it, or changed after the run."""

    def modified_field(self, object: str) -> str | None:
        """The field holding the time ``object``'s records were last changed, or
        ``None`` when the object keeps none."""
        ...


@runtime_checkable
class FileDestination(Protocol):
    """A destination that gives stored file bytes back (the sample and verify compare
    them by SHA-256)."""

    def download_file(self, version_id: str) -> Iterator[bytes]:
        """A stored file's bytes, streamed."""
        ...
