"""The two protocols a connector plugin implements, and the optional capabilities
the engine may ask of it.

They are deliberately as small as httpx's transport interface: plain methods, no base
class. An optional capability is a small runtime-checkable protocol of its own
(``StreamingDestination``, ``JobReporting``, ...), found with :func:`capability`. Records travel as plain ``dict`` objects keyed by field name; values are JSON
types plus ``datetime.date``/``datetime.datetime``/``decimal.Decimal`` where a
connector knows the type.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar, runtime_checkable

from attrs import frozen

if TYPE_CHECKING:
    from crossmap.connectors.vocabulary import ErrorVocabulary
    from crossmap.schema import Schema

Record = dict[str, Any]
Page = list[Record]
"""One page of extracted records, in the source's order."""

Operation = Literal["insert", "upsert", "update", "delete", "hard_delete"]

UNCERTAIN_INSERT = "CROSSMAP_UNCERTAIN_INSERT"
"""The ``LoadResult.error_code`` of a row whose insert may or may not have happened
(the call failed after it was sent). The engine settles such a row itself: it looks
for the record among the destination's records and records it loaded, or not loaded."""


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


@runtime_checkable
class JobReporting(Protocol):
    """A load stream that names the destination's jobs carrying its rows, each as
    soon as the destination has given it an id (before any row is uploaded), so the
    engine's write-ahead journal knows what to ask about after a crash."""

    def report_jobs(self, report: Callable[[str], None]) -> None:
        """Call ``report(job_id)`` for each job this stream creates from now on."""
        ...


@frozen
class Landed:
    """A row a destination job wrote: its values as they were sent (text as the
    destination echoes them), the record's Id and whether the job created it."""

    values: Mapping[str, Any]
    id: str
    created: bool


@runtime_checkable
class JobReconciling(Protocol):
    """A destination that can settle the jobs an interrupted run left behind."""

    def settle_jobs(self, object: str, jobs: Sequence[str]) -> Iterator[Landed]:
        """Bring each of ``jobs`` to an end (one still open for upload is aborted:
        nothing of it was processed; one being processed is awaited) and give every
        row they wrote. Rows not given did not land. A job the destination no longer
        knows gives nothing; rows it may have written are then found by
        :class:`FetchingDestination` instead."""
        ...


@runtime_checkable
class FetchingDestination(Protocol):
    """A destination that can fetch the records whose field holds one of some values
    in one query (Salesforce: SOQL ``IN``), not every record of the object."""

    def fetch(self, object: str, field: str, values: Sequence[str],
              fields: Sequence[str]) -> Iterator[Record]:
        """``Id`` and ``fields`` of the records whose ``field`` is one of ``values``."""
        ...


@runtime_checkable
class AuthoredDestination(Protocol):
    """A destination that stamps every record with who created it and when, by its
    own clock (Salesforce: ``CreatedById`` and ``CreatedDate``). A write whose outcome
    is unknown is then looked for only among the records this connection's user
    created since the write was journaled: an identical record someone else created
    on the same parent while the run was down is never taken for one of the run's.
    Without it, the engine looks among every record of the rows' parents that no
    crosswalk knows."""

    def clock(self) -> datetime | None:
        """The destination's time now, as its own clock says, known without a call
        (the engine journals it with each write); ``None`` when it cannot say."""
        ...

    def created_since(self, object: str, field: str | None, values: Sequence[str], fields: Sequence[str],
                      since: datetime | None) -> Iterator[Record]:
        """``Id`` and ``fields`` of the records of ``object`` this connection's user
        created at or after ``since`` (by the destination's clock; any time with
        ``None``) whose ``field`` is one of ``values`` (every such record with
        ``field=None``)."""
        ...


@runtime_checkable
class SnapshotDestination(Protocol):
    """A destination that reads, in one query, the records a step is about to match
    by external id (Salesforce: one SOQL query, a Bulk API 2.0 query job for a large
    object). Without it the engine reads every record of the object."""

    def snapshot(self, object: str, key: str, fields: Sequence[str]) -> Iterator[Record]:
        """``Id``, ``key`` and ``fields`` of every record of ``object`` whose ``key``
        (an external id field) holds a value."""
        ...


# -- what preflight, the sample and scaffold may ask (issue 25) ------------------------


@runtime_checkable
class CountingSource(Protocol):
    """A source that counts an object's records cheaply (preflight)."""

    def count(self, object: str) -> int | None:
        """Records of ``object``, or ``None`` when it cannot say cheaply."""
        ...


@runtime_checkable
class RequestCountingSource(Protocol):
    """A source that says how many API requests extraction takes (preflight)."""

    def extraction_requests(self, object: str, records: int) -> int:
        """Requests to extract ``records`` records of ``object``."""
        ...


@runtime_checkable
class RateLimitedSource(Protocol):
    """A source whose API admits so many requests a minute (preflight's timing)."""

    def requests_per_minute(self) -> float:
        """The requests a minute the source's API admits."""
        ...


@runtime_checkable
class GapReportingSource(Protocol):
    """A source that knows what of its data no mapping can carry (preflight)."""

    def native_gaps(self, counts: Mapping[str, int]) -> Iterable[Any]:
        """Gaps (each with ``title``, ``detail`` and optionally ``count`` and
        ``rebuild_with``), given the records per object."""
        ...


@runtime_checkable
class PricingDestination(Protocol):
    """A destination that prices loading in API calls (preflight)."""

    def estimate_calls(self, batch_sizes: Iterable[int]) -> int:
        """API calls to load batches of these sizes."""
        ...


@runtime_checkable
class BudgetedDestination(Protocol):
    """A destination with a daily API budget (preflight)."""

    def check_budget(self, estimated_calls: int) -> Any:
        """The budget (``daily_api_remaining``, ``daily_api_max``); raises a
        ``CrossmapError`` when ``estimated_calls`` would not fit it."""
        ...


@runtime_checkable
class Closeable(Protocol):
    """A connector that holds something to let go of at the end of a run (a jsonl
    folder compacts its files, a client closes its connections)."""

    def close(self) -> None:
        """Let go; called once, when the command that opened the connector ends."""
        ...


@runtime_checkable
class ActivityDestination(Protocol):
    """A destination whose records can be inactive (Salesforce: a User's ``IsActive``):
    preflight flags a resolve block matching inactive records, and an inactive
    fallback."""

    def active_field(self, object: str) -> str | None:
        """The field saying whether a record of ``object`` is active; None when it has none."""
        ...


@runtime_checkable
class DeployingDestination(Protocol):
    """A destination that can create the objects and fields a plan declares
    (``crossmap scaffold``, preflight ``--apply``)."""

    def deploy_declarations(self, declarations: Iterable[Any], *, folder: str | Path | None = None,
                            apply: bool = True) -> Any:
        """Write the metadata package into ``folder`` and, with ``apply``, create what
        is missing; a report with ``created``, ``existing`` and ``problems``."""
        ...


# -- what verify (and the sample's file check) may ask (issue 23) ----------------------


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


# -- what a destination plugin's factory may tell without connecting (issue 25) -------


@runtime_checkable
class ErrorNaming(Protocol):
    """A destination plugin that words errors its own way. Asked of the factory its
    entry point names (a static or class method, as ``static_schema``), so a report
    can hint at a finished run's failures without connecting: its codes and messages
    for the row validator's neutral violation kinds, and a hint for each of its error
    codes (:mod:`crossmap.connectors.vocabulary`). Without it a violation is reported
    by its kind's name (``TOO_LONG``)."""

    def error_vocabulary(self) -> ErrorVocabulary:
        """The destination's one table of error codes, messages and hints."""
        ...


C = TypeVar("C")


def capability(connector: object, protocol: type[C]) -> C | None:
    """``connector`` as ``protocol`` (a runtime-checkable capability above) if it has
    that capability, else ``None``: the one way the engine looks capabilities up."""
    return connector if isinstance(connector, protocol) else None
