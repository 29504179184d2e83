"""Large batches through Bulk API 2.0 ingest jobs.

Results come back as CSV in no particular order, each line echoing the cells that were
uploaded. Rows are matched back on those cells (which include the Id for updates and
deletes and the external id for upserts); rows whose cells are identical are
indistinguishable to Salesforce too, so any pairing among them is equally true.

A job that ends ``Failed`` or ``Aborted`` is run again for its rows that have no
result, once whole and then split in halves, until ``job_attempts`` is spent. Rows a
failed insert job leaves without any result (neither succeeded, failed nor
unprocessed) may have been created: they are never re-sent blind but reported as
``CROSSMAP_UNCERTAIN_INSERT``, which the loader reconciles on an external id.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import operator
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import IO, Any, ClassVar

from attrs import define, field, frozen

from crossmap.connectors.protocols import LoadResult, Operation
from crossmap.errors import CrossmapError
from crossmap_salesforce.hints import failed
from crossmap_salesforce.transport import Api, SalesforceApiError, UncertainWrite
from crossmap_salesforce.values import NULL_CELL, is_mapping, to_cell

log = logging.getLogger(__name__)

Row = tuple[str, Mapping[str, Any]]

BULK_OPERATIONS: dict[str, str] = {
    "insert": "insert", "upsert": "upsert", "update": "update", "delete": "delete",
    "hard_delete": "hardDelete",
}
TERMINAL = frozenset({"JobComplete", "Failed", "Aborted"})
MAX_ROWS_PER_JOB = 100_000
MAX_BYTES_PER_JOB = 100 * 1024 * 1024
"""Kept well under Bulk API 2.0's 150 MB per upload (base64 and quoting inflate)."""


@frozen
class BulkSettings:
    """How jobs are watched and retried."""

    poll_interval: float = 2.0
    """Seconds before the second status check; each wait after it is half as long
    again, up to ``poll_max`` (a job of minutes is checked a handful of times, not
    once every two seconds: each check is an API call)."""
    poll_max: float = 30.0
    timeout: float = 3600.0
    job_attempts: int = 3


def _flatten(row: Mapping[str, Any]) -> dict[str, Any]:
    # A parent named by external id ({"Account": {"Ext__c": "X"}}) is the column
    # "Account.Ext__c" in CSV.
    out: dict[str, Any] = {}
    for key, value in row.items():
        if is_mapping(value):
            for sub, inner in value.items():
                out[f"{key}.{sub}"] = inner
        else:
            out[key] = value
    return out


@frozen
class _Upload:
    columns: tuple[str, ...]
    lines: tuple[tuple[str, ...], ...]

    def csv_bytes(self, indexes: Sequence[int]) -> bytes:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(self.columns)
        for i in indexes:
            writer.writerow(self.lines[i])
        return buf.getvalue().encode("utf-8")


def header(operation: Operation, names: Iterable[str]) -> tuple[str, ...]:
    """The CSV header of a job whose (flattened) rows have these field names."""
    if operation in ("delete", "hard_delete"):
        return ("Id",)
    if operation in ("insert", "upsert"):
        return tuple(sorted(set(names) - {"Id"}))
    return ("Id", *sorted(set(names) - {"Id"}))


def csv_line(columns: Sequence[str], row: Mapping[str, Any]) -> tuple[str, ...]:
    """One row's cells under ``columns``: a key the row lacks is an empty cell, "not
    given" (on update: left unchanged)."""
    flat = _flatten(row)
    return tuple(to_cell(flat[c]) if c in flat else "" for c in columns)


def _prepare(operation: Operation, rows: Sequence[Row]) -> _Upload:
    names = header(operation, {k for _, row in rows for k in flat_names(row)})
    return _Upload(names, tuple(csv_line(names, row) for _, row in rows))


def flat_names(row: Mapping[str, Any]) -> Iterator[str]:
    """The CSV columns a row fills."""
    for key, value in row.items():
        if is_mapping(value):
            yield from (f"{key}.{sub}" for sub in value)
        else:
            yield key


def line_key(cells: Iterable[str]) -> int:
    # Result lines are matched to rows on their cells. A hash, not the cells: a job
    # of 100,000 rows keeps 100,000 ints, not its whole upload, while it waits.
    return hash(tuple(cells))


class LineIndex:
    """The rows of a job waiting for their result, by line key: one int per row (a
    list only for identical lines, which Salesforce cannot tell apart either)."""

    def __init__(self) -> None:
        self._first: dict[int, int] = {}
        self._more: dict[int, list[int]] = {}
        self._count = 0

    def add(self, key: int, index: int) -> None:
        self._count += 1
        if key in self._first:
            self._more.setdefault(key, []).append(index)
        else:
            self._first[key] = index

    def take(self, key: int) -> int | None:
        """A row uploaded with this line, not matched yet (``None``: none left)."""
        index = self._first.pop(key, None)
        if index is not None:
            more = self._more.get(key)
            if more:
                self._first[key] = more.pop(0)
                if not more:
                    del self._more[key]
        return index

    def __len__(self) -> int:
        """Rows added (taken or not)."""
        return self._count

    def left(self) -> list[int]:
        """The rows not matched yet, in order."""
        return sorted([*self._first.values(), *(i for more in self._more.values() for i in more)])


@define
class JobOutcome:
    results: dict[int, LoadResult] = field(factory=dict)
    retry: list[int] = field(factory=list)
    message: str = ""


@define
class Pace:
    """How fast the org processes this connection's ingest jobs, learnt from the jobs
    that finished: the rows each processed and the milliseconds the org says it took
    (``numberRecordsProcessed`` and ``totalProcessingTime`` of Get Information About an
    Ingest Job, Bulk API 2.0 Developer Guide,
    https://developer.salesforce.com/docs/platform/api-asynch/guide/get-job-info.md).

    Each status check is an API call. A job's first check waits as long as the org
    took, at that pace, for as many rows (with a margin), so a job is checked once
    while the org keeps its pace; until a job has finished, the first check comes at
    once, as before. The wait is capped at ``BulkSettings.poll_max``."""

    rows: int = 0
    millis: int = 0
    _lock: threading.Lock = field(factory=threading.Lock, init=False, repr=False, eq=False)
    """The steps of a wave load in threads of their own, through one connection."""

    MARGIN: ClassVar[float] = 1.25

    def learn(self, info: Mapping[str, Any]) -> None:
        """Count a finished job's rows and processing time."""
        rows, millis = info.get("numberRecordsProcessed"), info.get("totalProcessingTime")
        if isinstance(rows, int) and isinstance(millis, int) and rows > 0 and millis > 0:
            with self._lock:
                self.rows += rows
                self.millis += millis

    def first_check(self, rows: int, cap: float) -> float:
        """Seconds to wait before the first status check of a job of ``rows`` rows."""
        with self._lock:
            seen, millis = self.rows, self.millis
        if not seen or rows <= 0:
            return 0.0
        return min(cap, rows * millis / seen / 1000 * self.MARGIN)


@define
class BulkLoader:
    """Runs one batch of rows through as many ingest jobs as it takes."""

    api: Api
    settings: BulkSettings = field(factory=BulkSettings)
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    jobs: list[str] = field(factory=list)
    """Ids of the jobs this loader created (for logs and tests)."""
    on_job: Callable[[str], None] | None = field(default=None, repr=False)
    """Told each job's id as soon as the org gives it, before any row is uploaded
    (the engine's write-ahead journal)."""
    pace: Pace = field(factory=Pace, repr=False)
    """The org's pace, shared by the loaders of one connection."""

    def load(self, object: str, operation: Operation, rows: Sequence[Row],
             external_id: str | None = None) -> list[LoadResult]:
        """One result per row, in the rows' order."""
        upload = _prepare(operation, rows)
        refs = [ref for ref, _ in rows]
        results: dict[int, LoadResult] = {}
        for group in _job_groups(upload):
            self._run(object, operation, external_id, upload, refs, group,
                      self.settings.job_attempts, False, results)
        return [results[i] for i in range(len(rows))]

    def _run(self, object: str, operation: Operation, external_id: str | None, upload: _Upload,
             refs: list[str], indexes: list[int], attempts: int, split: bool,
             results: dict[int, LoadResult]) -> None:
        outcome = self._job(object, operation, external_id, upload, refs, indexes)
        results.update(outcome.results)
        if not outcome.retry:
            return
        if attempts <= 1:
            for i in outcome.retry:
                results[i] = failed(refs[i], "BULK_JOB_FAILED", outcome.message or "the Bulk job failed")
            return
        log.warning("Bulk %s job on %s left %d rows unprocessed (%s); running them again",
                    operation, object, len(outcome.retry), outcome.message)
        if split and len(outcome.retry) > 1:
            middle = len(outcome.retry) // 2
            for half in (outcome.retry[:middle], outcome.retry[middle:]):
                self._run(object, operation, external_id, upload, refs, half, attempts - 1, True, results)
        else:
            self._run(object, operation, external_id, upload, refs, outcome.retry, attempts - 1, True,
                      results)

    def _job(self, object: str, operation: Operation, external_id: str | None, upload: _Upload,
             refs: list[str], indexes: list[int]) -> JobOutcome:
        waiting = LineIndex()
        for i in indexes:
            waiting.add(line_key(upload.lines[i]), i)
        return self.run_job(object, operation, external_id, upload.csv_bytes(indexes), upload.columns,
                            refs, waiting)

    def run_job(self, object: str, operation: Operation, external_id: str | None,
                data: bytes | IO[bytes], columns: Sequence[str], refs: Sequence[str],
                waiting: LineIndex) -> JobOutcome:
        """One ingest job of ``data`` (CSV with a header of ``columns``; a file is
        streamed from its start); ``waiting`` holds the indexes of ``refs`` uploaded,
        by line."""
        spec: dict[str, Any] = {"object": object, "operation": BULK_OPERATIONS[operation],
                                "contentType": "CSV", "columnDelimiter": "COMMA", "lineEnding": "LF"}
        if operation == "upsert":
            spec["externalIdFieldName"] = external_id
        job = self.api.json("POST", "jobs/ingest", json=spec)
        job_id = str(job["id"])
        self.jobs.append(job_id)
        if self.on_job is not None:
            self.on_job(job_id)
        try:
            # Not idempotent: a second upload after an unknown outcome could double rows.
            self.api.call("PUT", f"jobs/ingest/{job_id}/batches", idempotent=False,
                          data=data, headers={"Content-Type": "text/csv"}, ok=(201,))
        except UncertainWrite as exc:
            # Nothing is processed before UploadComplete: dropping the job is safe.
            self._abort(job_id)
            return JobOutcome(retry=waiting.left(), message=f"upload failed: {exc.code}")
        try:
            self.api.call("PATCH", f"jobs/ingest/{job_id}", json={"state": "UploadComplete"})
        except SalesforceApiError as exc:
            if exc.code != "INVALIDJOBSTATE":
                raise
        info = self._wait(job_id, len(waiting))
        return self._collect(job_id, info, operation, columns, refs, waiting)

    def settle(self, job_id: str) -> Iterator[tuple[dict[str, str], str, bool]]:
        """A job an interrupted run left behind, brought to an end: aborted if still
        open for upload (nothing of it is processed), awaited if being processed; then
        every row it wrote: (its uploaded cells that hold a value, Id, created)."""
        try:
            info: dict[str, Any] = self.api.json("GET", f"jobs/ingest/{job_id}")
        except SalesforceApiError as exc:
            if exc.status == 404:
                return  # deleted: what it wrote is found by querying instead
            raise
        if info.get("state") == "Open":
            self._abort(job_id)
            info = self.api.json("GET", f"jobs/ingest/{job_id}")
        if info.get("state") not in TERMINAL:
            info = self._wait(job_id)
        if info.get("state") not in TERMINAL:
            raise CrossmapError(f"Bulk job {job_id} of an interrupted run is still being processed by the org "
                                f"after {self.settings.timeout:g}s; resume the run again once it has finished")
        response = self.api.call("GET", f"jobs/ingest/{job_id}/successfulResults", stream=True)
        try:
            reader = csv.reader(_lines(response.iter_content(_CHUNK_BYTES)))
            head = next(reader, None) or []
            for row in reader:
                if not row:
                    continue
                line = dict(zip(head, row, strict=False))
                cells = {k: v for k, v in line.items() if not k.startswith("sf__") and v not in ("", NULL_CELL)}
                yield cells, line.get("sf__Id") or "", (line.get("sf__Created") or "").lower() == "true"
        finally:
            response.close()

    def _abort(self, job_id: str) -> None:
        try:
            self.api.call("PATCH", f"jobs/ingest/{job_id}", json={"state": "Aborted"})
        except SalesforceApiError:
            log.warning("could not abort Bulk job %s", job_id)

    def _wait(self, job_id: str, rows: int = 0) -> dict[str, Any]:
        deadline = self.clock() + self.settings.timeout
        wait = self.settings.poll_interval
        first = self.pace.first_check(rows, max(self.settings.poll_max, self.settings.poll_interval))
        if first > 0:
            self.sleep(first)
        while True:
            info: dict[str, Any] = self.api.json("GET", f"jobs/ingest/{job_id}")
            if info.get("state") == "JobComplete":
                self.pace.learn(info)
            if info.get("state") in TERMINAL or self.clock() >= deadline:
                return info
            self.sleep(wait)
            wait = min(wait * 1.5, max(self.settings.poll_max, self.settings.poll_interval))

    def _collect(self, job_id: str, info: dict[str, Any], operation: Operation, columns: Sequence[str],
                 refs: Sequence[str], waiting: LineIndex) -> JobOutcome:
        state = str(info.get("state"))
        outcome = JobOutcome(message=f"job {job_id} ended {state}: {info.get('errorMessage', '')}")
        if state not in TERMINAL:
            for i in waiting.left():
                outcome.results[i] = failed(refs[i], "CROSSMAP_NO_RESULT",
                                            f"Bulk job {job_id} did not finish in time")
            self._abort(job_id)
            return outcome

        for hit, line in self._results(job_id, "successfulResults", columns, waiting):
            outcome.results[hit] = LoadResult(refs[hit], line.get("sf__Id") or None,
                                              created=(line.get("sf__Created") or "").lower() == "true")
        processed, failures = info.get("numberRecordsProcessed"), info.get("numberRecordsFailed")
        # The job's own counts say when a result list is empty: no call for it.
        if failures != 0:
            for hit, line in self._results(job_id, "failedResults", columns, waiting):
                outcome.results[hit] = _failure(refs[hit], line.get("sf__Error") or "")
        if not (state == "JobComplete" and processed == len(waiting)):
            for hit, _ in self._results(job_id, "unprocessedrecords", columns, waiting):
                outcome.retry.append(hit)
        for i in waiting.left():
            if state == "JobComplete":
                outcome.results[i] = failed(refs[i], "CROSSMAP_NO_RESULT",
                                            f"Bulk job {job_id} returned no result for the row")
            elif operation == "insert":
                outcome.results[i] = failed(
                    refs[i], "CROSSMAP_UNCERTAIN_INSERT",
                    f"Bulk job {job_id} ended {state} without a result for the row")
            else:
                outcome.retry.append(i)
        outcome.retry.sort()
        return outcome

    def _results(self, job_id: str, kind: str, columns: Sequence[str],
                 waiting: LineIndex) -> Iterator[tuple[int, _ResultLine]]:
        """One result list, parsed as it arrives (a job's results are as long as its
        upload), matched to the rows waiting on their uploaded cells: (row, line)."""
        response = self.api.call("GET", f"jobs/ingest/{job_id}/{kind}", stream=True)
        try:
            reader = csv.reader(_lines(response.iter_content(_CHUNK_BYTES)))
            head = next(reader, None)
            if head is None:
                return
            where = {name: i for i, name in enumerate(head)}
            cells = _cells_of(columns, where)
            for row in reader:
                if not row:
                    continue  # a blank line, as csv.DictReader skips
                hit = waiting.take(line_key(cells(row) if len(row) >= len(head) else _padded(row, columns, where)))
                if hit is not None:
                    yield hit, _ResultLine(where, row)
        finally:
            response.close()


def _cells_of(columns: Sequence[str], where: Mapping[str, int]) -> Callable[[list[str]], tuple[str, ...]]:
    """A function giving a full result row's uploaded cells in ``columns`` order."""
    if not all(c in where for c in columns):
        return lambda row: _padded(row, columns, where)
    places = [where[c] for c in columns]
    if len(places) < 2:  # an itemgetter of one place gives the cell, not a tuple
        return lambda row: tuple(row[i] for i in places)
    pick: Callable[[list[str]], tuple[str, ...]] = operator.itemgetter(*places)
    return pick


def _padded(row: list[str], columns: Sequence[str], where: Mapping[str, int]) -> tuple[str, ...]:
    """The cells of a short row, or of a result list lacking a column: an empty cell
    for what is missing."""
    return tuple(row[i] if (i := where.get(c)) is not None and i < len(row) else "" for c in columns)


class _ResultLine:
    """One result row's cells by column name."""

    __slots__ = ("_row", "_where")

    def __init__(self, where: Mapping[str, int], row: list[str]) -> None:
        self._where = where
        self._row = row

    def get(self, name: str) -> str | None:
        i = self._where.get(name)
        return self._row[i] if i is not None and i < len(self._row) else None


_CHUNK_BYTES = 256 * 1024


def _lines(chunks: Iterable[bytes]) -> Iterator[str]:
    """UTF-8 text split after each newline, as ``csv`` wants it (a quoted cell may
    span lines: the newline stays in the line)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    rest = ""
    for chunk in chunks:
        *lines, rest = (rest + decoder.decode(chunk)).split("\n")
        for line in lines:
            yield line + "\n"
    rest += decoder.decode(b"", final=True)
    if rest:
        yield rest


def _job_groups(upload: _Upload, max_rows: int = MAX_ROWS_PER_JOB,
                max_bytes: int = MAX_BYTES_PER_JOB) -> list[list[int]]:
    """Row indexes split into jobs of at most ``max_rows`` rows and about ``max_bytes``."""
    groups: list[list[int]] = [[]]
    size = 0
    for i, line in enumerate(upload.lines):
        width = sum(len(cell.encode()) + 3 for cell in line)
        if groups[-1] and (len(groups[-1]) >= max_rows or size + width > max_bytes):
            groups.append([])
            size = 0
        groups[-1].append(i)
        size += width
    return [g for g in groups if g]


def _failure(ref: str, error: str) -> LoadResult:
    # "CODE:message:Field1,Field2 --" (the fields part may be empty).
    code, _, rest = error.partition(":")
    message, _, fields = rest.rstrip().removesuffix("--").rstrip().rpartition(":")
    if not message:
        message, fields = fields, ""
    names = tuple(f for f in fields.split(",") if f.strip()) if fields else ()
    return failed(ref, code or "UNKNOWN_EXCEPTION", message, tuple(n.strip() for n in names))
