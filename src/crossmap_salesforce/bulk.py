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

import csv
import io
import logging
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from attrs import define, field, frozen

from crossmap.connectors.protocols import LoadResult, Operation
from crossmap_salesforce.hints import failed
from crossmap_salesforce.transport import Api, ApiError, UncertainWrite
from crossmap_salesforce.values import to_cell

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
    timeout: float = 3600.0
    job_attempts: int = 3


def _flatten(row: Mapping[str, Any]) -> dict[str, Any]:
    # A parent named by external id ({"Account": {"Ext__c": "X"}}) is the column
    # "Account.Ext__c" in CSV.
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, Mapping):
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


def _prepare(operation: Operation, rows: Sequence[Row]) -> _Upload:
    flat = [_flatten(row) for _, row in rows]
    if operation in ("delete", "hard_delete"):
        columns: tuple[str, ...] = ("Id",)
    else:
        names = sorted({k for r in flat for k in r})
        columns = tuple(["Id"] * ("Id" in names) + [n for n in names if n != "Id"])
        if operation in ("insert", "upsert"):
            columns = tuple(c for c in columns if c != "Id")
    # A key a row lacks is an empty cell: "not given" (on update: left unchanged).
    lines = tuple(tuple(to_cell(r[c]) if c in r else "" for c in columns) for r in flat)
    return _Upload(columns, lines)


def _parse(text: str) -> Iterator[dict[str, str]]:
    # One result line at a time: a job's results are as long as its upload.
    return csv.DictReader(io.StringIO(text, newline=""))


@define
class _JobOutcome:
    results: dict[int, LoadResult] = field(factory=dict)
    retry: list[int] = field(factory=list)
    message: str = ""


@define
class BulkLoader:
    """Runs one batch of rows through as many ingest jobs as it takes."""

    api: Api
    settings: BulkSettings = field(factory=BulkSettings)
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    jobs: list[str] = field(factory=list)
    """Ids of the jobs this loader created (for logs and tests)."""

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
             refs: list[str], indexes: list[int]) -> _JobOutcome:
        spec: dict[str, Any] = {"object": object, "operation": BULK_OPERATIONS[operation],
                                "contentType": "CSV", "columnDelimiter": "COMMA", "lineEnding": "LF"}
        if operation == "upsert":
            spec["externalIdFieldName"] = external_id
        job = self.api.json("POST", "jobs/ingest", json=spec)
        job_id = str(job["id"])
        self.jobs.append(job_id)
        try:
            # Not idempotent: a second upload after an unknown outcome could double rows.
            self.api.call("PUT", f"jobs/ingest/{job_id}/batches", idempotent=False,
                          data=upload.csv_bytes(indexes), headers={"Content-Type": "text/csv"},
                          ok=(201,))
        except UncertainWrite as exc:
            # Nothing is processed before UploadComplete: dropping the job is safe.
            self._abort(job_id)
            return _JobOutcome(retry=list(indexes), message=f"upload failed: {exc.code}")
        try:
            self.api.call("PATCH", f"jobs/ingest/{job_id}", json={"state": "UploadComplete"})
        except ApiError as exc:
            if exc.code != "INVALIDJOBSTATE":
                raise
        info = self._wait(job_id)
        return self._collect(job_id, info, operation, upload, refs, indexes)

    def _abort(self, job_id: str) -> None:
        try:
            self.api.call("PATCH", f"jobs/ingest/{job_id}", json={"state": "Aborted"})
        except ApiError:
            log.warning("could not abort Bulk job %s", job_id)

    def _wait(self, job_id: str) -> dict[str, Any]:
        deadline = self.clock() + self.settings.timeout
        while True:
            info: dict[str, Any] = self.api.json("GET", f"jobs/ingest/{job_id}")
            if info.get("state") in TERMINAL or self.clock() >= deadline:
                return info
            self.sleep(self.settings.poll_interval)

    def _collect(self, job_id: str, info: dict[str, Any], operation: Operation, upload: _Upload,
                 refs: list[str], indexes: list[int]) -> _JobOutcome:
        state = str(info.get("state"))
        outcome = _JobOutcome(message=f"job {job_id} ended {state}: {info.get('errorMessage', '')}")
        if state not in TERMINAL:
            for i in indexes:
                outcome.results[i] = failed(refs[i], "CROSSMAP_NO_RESULT",
                                            f"Bulk job {job_id} did not finish in time")
            self._abort(job_id)
            return outcome
        waiting: dict[tuple[str, ...], deque[int]] = defaultdict(deque)
        for i in indexes:
            waiting[upload.lines[i]].append(i)

        def take(line: Mapping[str, str]) -> int | None:
            key = tuple(line.get(c) or "" for c in upload.columns)
            queue = waiting.get(key)
            return queue.popleft() if queue else None

        for line in _parse(self.api.call("GET", f"jobs/ingest/{job_id}/successfulResults").text):
            hit = take(line)
            if hit is not None:
                created = (line.get("sf__Created") or "").lower() == "true"
                outcome.results[hit] = LoadResult(refs[hit], line.get("sf__Id") or None,
                                                  created=created)
        processed, failures = info.get("numberRecordsProcessed"), info.get("numberRecordsFailed")
        # The job's own counts say when a result list is empty: no call for it.
        if failures != 0:
            for line in _parse(self.api.call("GET", f"jobs/ingest/{job_id}/failedResults").text):
                hit = take(line)
                if hit is not None:
                    outcome.results[hit] = _failure(refs[hit], line.get("sf__Error") or "")
        if not (state == "JobComplete" and processed == len(indexes)):
            for line in _parse(self.api.call("GET", f"jobs/ingest/{job_id}/unprocessedrecords").text):
                hit = take(line)
                if hit is not None:
                    outcome.retry.append(hit)
        for queue in waiting.values():
            for i in queue:
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
