"""Any number of rows as one unit of work: one Bulk API 2.0 job per object.

Rows are spooled to disk as they are added. :meth:`BulkStream.send` then writes them
as CSV into a job file of up to ``MAX_ROWS_PER_JOB`` rows and ``MAX_BYTES_PER_JOB``
bytes (one job for most objects: the Bulk API minimum of calls), streams that file as
the job's one upload, and matches the results back on the uploaded cells. Memory
holds one job's refs and line keys, never its rows.

Too few rows for Bulk to pay (under ``bulk_threshold``), rows carrying file bytes
(Bulk API 2.0 takes no binary content) and rows holding text a CSV cell cannot carry
byte for byte (``#N/A``, the CSV's null marker, and carriage returns:
``values.csv_cannot_carry``) go through sObject Collections instead, 200 a call. Rows a job leaves to retry (a failed job's unprocessed rows,
``UNABLE_TO_LOCK_ROW``) go round again as a batch, with the batch path's lock
re-queue and job retries; inserts whose fate is unknown are reconciled on the
external id, never re-sent blind.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import IO, TYPE_CHECKING, Any, Self

from crossmap.connectors.protocols import LoadResult, Operation
from crossmap.connectors.spool import RowSpool, on_disk
from crossmap_salesforce import composite, values
from crossmap_salesforce.bulk import (
    MAX_BYTES_PER_JOB,
    MAX_ROWS_PER_JOB,
    BulkLoader,
    LineIndex,
    csv_line,
    flat_names,
    header,
    line_key,
)
from crossmap_salesforce.loader import CREATE_ONLY_CODE, LOCK_CODE, UNCERTAIN, Loader, Row, precheck

if TYPE_CHECKING:
    from crossmap_salesforce.connector import SalesforceDestination

_SIZE_CHECK_EVERY = 100
"""Rows between writes of a job file's lines to disk, and checks of its size against
``MAX_BYTES_PER_JOB``."""

RESULTS_PER_LIST = 1000
"""Results :meth:`BulkStream.send` yields together (all of a job's rows are settled
when its results are known; this only bounds the lists)."""


class BulkStream:
    """A load stream into one object of a Salesforce org."""

    def __init__(self, destination: SalesforceDestination, object: str, operation: Operation,
                 external_id: str | None) -> None:
        self.destination = destination
        self.object = object
        self.operation = operation
        self.external_id = external_id
        self._rows = RowSpool()
        self._names: set[str] = set()
        self._report: Callable[[str], None] | None = None

    def report_jobs(self, report: Callable[[str], None]) -> None:
        """Tell ``report`` each Bulk job id as soon as the org gives it
        (``crossmap.connectors.protocols.JobReporting``)."""
        self._report = report

    def add(self, ref: str, row: Mapping[str, Any]) -> None:
        self._rows.append((ref, row))
        self._names.update(flat_names(row))

    def send(self) -> Iterator[Sequence[LoadResult]]:
        count = len(self._rows)
        if not count:
            return
        self.destination.guard_budget(count)
        threshold = self.destination.settings.bulk_threshold
        if self._rows.files or (count < threshold and self.operation != "hard_delete"):
            size = composite.MAX_COLLECTION if self._rows.files else threshold
            for batch in self._rows.batches(size):
                yield self.destination.load(self.object, self.operation, batch, external_id=self.external_id,
                                            on_job=self._report)
            return
        loader = self.destination.loader
        names = header(self.operation, self._names)
        job = _JobFile(names, 0)
        for offset, (ref, row) in enumerate(self._rows):
            if job.full:
                yield from self._finish(loader, job)
                job = _JobFile(names, offset)
            job.add(ref, row, precheck(ref, row, self.operation, self.external_id))
        yield from self._finish(loader, job)

    def _by_collections(self, loader: Loader, job: _JobFile) -> None:
        """Send the job's rows holding text the CSV cannot carry byte for byte
        (``values.csv_cannot_carry``) through sObject Collections, before the job."""
        if not job.diverted:
            return
        offsets = sorted(job.diverted)
        rows = [job.diverted[i] for i in offsets]
        answered = loader.load(self.object, self.operation, rows, self.external_id)
        job.settled.update(zip(offsets, answered, strict=True))

    def close(self) -> None:
        self._rows.close()

    def _finish(self, loader: Loader, job: _JobFile) -> Iterator[list[LoadResult]]:
        """Run one job file and yield its results in the order its rows came."""
        with job:
            self._by_collections(loader, job)
            results = dict(job.settled)
            if len(job.waiting):
                bulk = BulkLoader(loader.api, loader.settings.bulk, sleep=loader.sleep, on_job=self._report,
                                  pace=loader.pace)
                try:
                    outcome = bulk.run_job(self.object, self.operation, self.external_id, job.upload(),
                                           job.columns, job.refs, job.waiting)
                finally:
                    loader.bulk_jobs.extend(bulk.jobs)
                results.update(outcome.results)
                again = sorted({*outcome.retry, *(i for i, r in results.items() if r.error_code == LOCK_CODE)})
                unsure = sorted(i for i, r in results.items() if r.error_code == UNCERTAIN)
                create_only = sorted(i for i, r in results.items() if r.error_code == CREATE_ONLY_CODE) \
                    if self.operation == "upsert" else []
                if again or unsure or create_only:
                    self._settle(loader, job, results, again, unsure, create_only)
            for start in range(0, len(job.refs), RESULTS_PER_LIST):
                yield [results[i] for i in range(start, min(start + RESULTS_PER_LIST, len(job.refs)))]

    def _settle(self, loader: Loader, job: _JobFile, results: dict[int, LoadResult], again: list[int],
                unsure: list[int], create_only: list[int]) -> None:
        """The rows a job left to retry go again as a batch; unsure inserts are looked
        up; upserts that matched a record while carrying create-only fields go again
        without them."""
        wanted = set(again) | set(unsure) | set(create_only)
        rows: dict[int, Row] = {}
        for offset, row in enumerate(self._rows):
            if job.first <= offset < job.first + len(job.refs) and offset - job.first in wanted:
                rows[offset - job.first] = row
        if again:
            answered = loader.load(self.object, self.operation, [rows[i] for i in again], self.external_id,
                                   self._report)
            results.update(zip(again, answered, strict=True))
        if unsure and self.external_id:
            loader.reconcile(self.object, rows, results, self.external_id)
        if create_only and self.external_id:
            loader.without_create_only(self.object, rows, results, self.external_id, self._report)


class _JobFile:
    """One job's CSV on disk, with what is needed to match its results back."""

    def __init__(self, columns: tuple[str, ...], first: int) -> None:
        self.columns = columns
        self.first = first
        """The stream offset of the job's first row."""
        self.refs: list[str] = []
        self.settled: dict[int, LoadResult] = {}
        """Rows refused before sending (no Id to update, no external id to upsert on),
        and then those sent by collections."""
        self.diverted: dict[int, tuple[str, Mapping[str, Any]]] = {}
        """Rows the CSV cannot carry byte for byte, to go by collections."""
        self.waiting = LineIndex()
        with on_disk():
            self._file = tempfile.TemporaryFile(prefix="crossmap-bulk-")  # noqa: SIM115 - closed on exit
        # Lines gather in memory and reach the file a hundred at a time: one encode
        # and one write for them, not a text layer's work per line.
        self._text = io.StringIO()
        self._writer = csv.writer(self._text, lineterminator="\n")
        self._writer.writerow(columns)

    @property
    def full(self) -> bool:
        rows = len(self.refs)
        if rows >= MAX_ROWS_PER_JOB:
            return True
        if rows % _SIZE_CHECK_EVERY:
            return False
        self._write()  # the file's size, checked now and then (a row is far below the slack)
        return self._file.tell() >= MAX_BYTES_PER_JOB

    def add(self, ref: str, row: Mapping[str, Any], refused: LoadResult | None) -> None:
        offset = len(self.refs)
        self.refs.append(ref)
        if refused is not None:
            self.settled[offset] = refused
            return
        if values.csv_cannot_carry(row):
            self.diverted[offset] = (ref, row)
            return
        line = csv_line(self.columns, row)
        self._writer.writerow(line)
        self.waiting.add(line_key(line), offset)

    def upload(self) -> IO[bytes]:
        """The CSV written so far, for the job's upload."""
        self._write()
        return self._file

    def _write(self) -> None:
        with on_disk():
            self._file.write(self._text.getvalue().encode("utf-8"))
        self._text.seek(0)
        self._text.truncate()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()
