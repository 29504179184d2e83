"""Bulk API 2.0: ingest and query jobs, their state machine, CSV results, locators.

Jobs live in the org's database. A single worker thread runs jobs once they reach
``UploadComplete`` (ingest) or on creation (query), so clients see ``InProgress``
and then ``JobComplete``/``Failed`` exactly as they poll a real org. Ingest rows go
through the same write pipeline as REST, 10,000 rows per transaction.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import queue
import threading
import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from starlette.responses import Response

from crossmap_salesforce.emulator.clock import sf_datetime
from crossmap_salesforce.emulator.errors import OrgError
from crossmap_salesforce.emulator.http import Call, empty, json_response
from crossmap_salesforce.emulator.ids import JOB_PREFIX, make_id, normalize
from crossmap_salesforce.emulator.orgdef import ObjectDef, OrgDefinition
from crossmap_salesforce.emulator.query import Resolved, execute, flat_row
from crossmap_salesforce.emulator.records import duplicate_external_id, duplicated
from crossmap_salesforce.emulator.soql import bulk_unsupported, parse

if TYPE_CHECKING:
    from crossmap_salesforce.emulator.server import Emulator

log = logging.getLogger(__name__)

INGEST_OPERATIONS = ("insert", "upsert", "update", "delete", "hardDelete")
QUERY_OPERATIONS = ("query", "queryAll")
DELIMITERS = {"COMMA": ",", "TAB": "\t", "PIPE": "|", "SEMICOLON": ";", "CARET": "^",
              "BACKQUOTE": "`"}
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}
TERMINAL = ("JobComplete", "Failed", "Aborted")
CHUNK = 10_000
RESULT_KINDS = {"successfulresults": "success", "failedresults": "failed",
                "unprocessedrecords": "unprocessed"}


def _job_state_error(state: str) -> OrgError:
    return OrgError(409, "INVALIDJOBSTATE", f"Job is in state {state}; that is not allowed here")


class BulkJobs:
    """The job table and the worker that runs jobs."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.org = emulator.org
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._pending = 0
        self._idle = threading.Condition()
        self._worker = threading.Thread(target=self._work, name="bulk-worker", daemon=True)
        self._worker.start()
        # A job a restart interrupted may have committed some chunks: running it again
        # could insert twice, so it ends Failed, as a real org's failed job would.
        for job in self._all():
            if job["state"] in ("UploadComplete", "InProgress"):
                job.update(state="Failed", errorMessage="InternalServerError: the org "
                           "restarted while the job was running")
                self.save(job)

    def close(self) -> None:
        """Stop the worker after the job it is running."""
        self._queue.put(None)
        self._worker.join(timeout=30)

    # -- persistence -------------------------------------------------------------

    def _all(self) -> list[dict[str, Any]]:
        rows = self.org.store.read().execute("SELECT info FROM jobs ORDER BY id").fetchall()
        return [json.loads(r[0]) for r in rows]

    def get(self, job_id: str, kind: str) -> dict[str, Any]:
        """A job's info, or the 404."""
        rid = normalize(job_id)
        row = None
        if rid is not None:
            row = self.org.store.read().execute(
                "SELECT info FROM jobs WHERE id = ?", (rid,)).fetchone()
        info = json.loads(row[0]) if row else None
        if info is None or info["_kind"] != kind:
            raise OrgError(404, "NOT_FOUND", "The requested resource does not exist")
        return info  # type: ignore[no-any-return]

    def save(self, info: dict[str, Any]) -> None:
        """Store a job's info."""
        info["systemModstamp"] = sf_datetime(self.org.now())
        with self.org.store.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO jobs (id, info) VALUES (?, ?)",
                         (info["id"], json.dumps(info)))

    def records_today(self) -> int:
        """Bulk ingest records processed today (for limits)."""
        day = "bulk:" + self.org.now().date().isoformat()
        row = self.org.store.read().execute(
            "SELECT used FROM api_usage WHERE day = ?", (day,)).fetchone()
        return 0 if row is None else int(row[0])

    def _add_records(self, n: int) -> None:
        day = "bulk:" + self.org.now().date().isoformat()
        with self.org.store.transaction() as conn:
            conn.execute("INSERT INTO api_usage (day, used) VALUES (?, ?) ON CONFLICT(day) "
                         "DO UPDATE SET used = used + excluded.used", (day, n))

    def new_job(self, call: Call, kind: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Create and store a job."""
        store = self.org.store
        job_id = make_id(JOB_PREFIX, store.allocate_now(JOB_PREFIX))
        now = sf_datetime(self.org.now())
        info: dict[str, Any] = {
            "id": job_id, "createdById": call.user_id, "createdDate": now,
            "systemModstamp": now, "concurrencyMode": "Parallel", "contentType": "CSV",
            "apiVersion": float(call.version), "columnDelimiter": "COMMA", "lineEnding": "LF",
            "numberRecordsProcessed": 0, "retries": 0, "totalProcessingTime": 0,
            "apiActiveProcessingTime": 0, "apexProcessingTime": 0,
            "_kind": kind, **fields,
        }
        self.save(info)
        return info

    # -- the worker --------------------------------------------------------------

    def enqueue(self, job_id: str) -> None:
        """Run a job soon."""
        with self._idle:
            self._pending += 1
        self._queue.put(job_id)

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Block until every queued job has run (for in-process callers such as tests,
        which then need not poll); false if ``timeout`` passed first."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def _work(self) -> None:
        while True:
            job_id = self._queue.get()
            if job_id is None:
                return
            try:
                self._run(job_id)
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def _run(self, job_id: str) -> None:
        try:
            info = self.get(job_id, self._kind_of(job_id))
            if info["state"] == "Aborted":
                return
            if info["_kind"] == "ingest":
                self._run_ingest(info)
            else:
                self._run_query(info)
        except Exception as exc:  # a job failure must not kill the worker
            log.exception("bulk job %s failed", job_id)
            try:
                info = self.get(job_id, self._kind_of(job_id))
                info.update(state="Failed", errorMessage=f"InternalServerError: {exc}")
                self.save(info)
            except Exception:
                log.exception("could not mark job %s failed", job_id)

    def _kind_of(self, job_id: str) -> str:
        row = self.org.store.read().execute("SELECT info FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return str(json.loads(row[0])["_kind"]) if row else "ingest"

    def _rows(self, info: dict[str, Any]) -> tuple[list[str], Iterator[list[str]]]:
        chunks = self.org.store.read().execute(
            "SELECT data FROM job_data WHERE job_id = ? ORDER BY seq", (info["id"],)).fetchall()
        text = b"".join(bytes(c[0]) for c in chunks).decode("utf-8-sig")
        reader = csv.reader(io.StringIO(text, newline=""),
                            delimiter=DELIMITERS[info["columnDelimiter"]])
        header = next(reader, [])
        return header, reader

    def _run_ingest(self, info: dict[str, Any]) -> None:
        started = time.monotonic()
        info["state"] = "InProgress"
        self.save(info)
        header, reader = self._rows(info)
        info["_columns"] = header
        results: dict[str, list[str]] = {"success": [], "failed": [], "unprocessed": []}
        processed = failed = 0
        od = self.org.definition.get(info["object"])
        op = info["operation"]
        records = self.emulator.records
        user_id = info["createdById"]
        rows = list(reader)
        if self.org.faults.bulk_fails():
            results["unprocessed"] = [_csv_line(r) for r in rows]
            self._store_results(info["id"], results)
            info.update(state="Failed", errorMessage="InternalServerError: injected fault",
                        numberRecordsProcessed=0, numberRecordsFailed=0)
            self.save(info)
            return
        if self.records_today() + len(rows) > self.org.settings.bulk_daily_records:
            results["unprocessed"] = [_csv_line(r) for r in rows]
            self._store_results(info["id"], results)
            info.update(state="Failed", errorMessage="ExceededQuota: the daily limit of Bulk API "
                        "records is exhausted", numberRecordsProcessed=0, numberRecordsFailed=0)
            self.save(info)
            return
        unknown = _unknown_column(self.org.definition, od, header, op)
        if unknown is not None:
            # A column the object does not have fails the job as a whole, before any
            # row is processed (Bulk API 2.0 Developer Guide, "Prepare CSV Files":
            # field names in the header must be the API names of the object's fields).
            results["unprocessed"] = [_csv_line(r) for r in rows]
            self._store_results(info["id"], results)
            info.update(state="Failed", errorMessage=f"InvalidBatch : Field name not found : "
                        f"{unknown}", numberRecordsProcessed=0, numberRecordsFailed=0)
            self.save(info)
            return
        width = len(header)
        refused = self._repeated_external_ids(info, header, rows)
        for start in range(0, len(rows), CHUNK):
            if self.get(info["id"], "ingest")["state"] == "Aborted":
                results["unprocessed"].extend(_csv_line(r) for r in rows[start:])
                break
            chunk = rows[start:start + CHUNK]
            if refused:
                for i in range(start, start + len(chunk)):
                    if i in refused:
                        processed += 1
                        failed += 1
                        results["failed"].append(_csv_line(["", refused[i], *rows[i]]))
                chunk = [r for i, r in enumerate(chunk, start) if i not in refused]
            bad_width = [r for r in chunk if len(r) != width]
            if op in ("delete", "hardDelete"):
                id_col = next((i for i, h in enumerate(header) if h.lower() == "id"), None)
                ids = [r[id_col] if id_col is not None and len(r) > id_col else "" for r in chunk]
                outcomes = records.delete(ids, user_id=user_id, hard=op == "hardDelete",
                                          expected=od)
            else:
                dict_rows = [dict(zip(header, r, strict=False)) for r in chunk]
                outcomes = records.write(od, op, dict_rows, user_id=user_id, text=True,
                                         ext_field=info.get("externalIdFieldName"))
            for r, outcome in zip(chunk, outcomes, strict=True):
                processed += 1
                if bad_width and len(r) != width:
                    failed += 1
                    error = f"INVALID_ROW:The row has {len(r)} columns, the header {width}: --"
                    results["failed"].append(_csv_line(["", error, *r]))
                elif outcome.ok:
                    created = "true" if outcome.created else "false"
                    results["success"].append(_csv_line([outcome.id or "", created, *r]))
                else:
                    failed += 1
                    results["failed"].append(_csv_line(["", outcome.errors[0].bulk_text(), *r]))
        self._add_records(processed)
        self._store_results(info["id"], results)
        elapsed_ms = int((time.monotonic() - started) * 1000)
        info.update(state="JobComplete", numberRecordsProcessed=processed,
                    numberRecordsFailed=failed, totalProcessingTime=elapsed_ms,
                    apiActiveProcessingTime=elapsed_ms)
        self.save(info)

    @staticmethod
    def _repeated_external_ids(info: dict[str, Any], header: list[str], rows: list[list[str]]) -> dict[int, str]:
        """Rows of an upsert job whose external id another row of the job repeats, with
        their ``sf__Error``: every one of them fails and none is stored, whichever
        chunk of the job it is processed in (see ``records.duplicated``)."""
        ext = info.get("externalIdFieldName")
        if info["operation"] != "upsert" or not ext or ext.lower() == "id":
            return {}
        column = next((i for i, h in enumerate(header) if h.lower() == ext.lower()), None)
        if column is None:
            return {}
        keys = [r[column].lower() if len(r) > column and r[column] else None for r in rows]
        twice = duplicated(keys)
        return {i: duplicate_external_id(ext, rows[i][column]).bulk_text()
                for i, key in enumerate(keys) if key in twice}

    def _store_results(self, job_id: str, results: dict[str, list[str]]) -> None:
        with self.org.store.transaction() as conn:
            conn.execute("DELETE FROM job_results WHERE job_id = ?", (job_id,))
            for kind, lines in results.items():
                for seq, start in enumerate(range(0, len(lines), CHUNK)):
                    conn.execute(
                        "INSERT INTO job_results (job_id, kind, seq, data) VALUES (?, ?, ?, ?)",
                        (job_id, kind, seq, "".join(lines[start:start + CHUNK])))

    def results(self, job_id: str, kind: str) -> str:
        """Stored CSV lines of one result kind."""
        rows = self.org.store.read().execute(
            "SELECT data FROM job_results WHERE job_id = ? AND kind = ? ORDER BY seq",
            (job_id, kind)).fetchall()
        return "".join(r[0] for r in rows)

    def _run_query(self, info: dict[str, Any]) -> None:
        info["state"] = "InProgress"
        self.save(info)
        _, select, result = execute(self.emulator, info["query"],
                                    include_deleted=info["operation"] == "queryAll")
        # Aggregates never get here: the job was refused when created.
        header = [str(s.path) for s in select]
        kinds = [s.ftype if isinstance(s, Resolved) else "" for s in select]
        lines = [_csv_line([_csv_value(k, v) for k, v in
                            zip(kinds, flat_row(rec, select), strict=True)])
                 for rec in result.records]
        info["_header"] = _csv_line(header)
        self._store_results(info["id"], {"rows": lines})
        current = self.get(info["id"], "query")
        if current["state"] == "Aborted":
            return
        info.update(state="JobComplete", numberRecordsProcessed=len(lines))
        self.save(info)

    def query_page(self, info: dict[str, Any], offset: int, limit: int) -> tuple[str, int, int]:
        """``(csv text, rows, next offset or -1)`` of a query job's results: ``limit``
        records from ``offset`` (records, not lines: a quoted value may hold line breaks)."""
        text = self.results(info["id"], "rows")
        lines = [_csv_line(row) for row in csv.reader(io.StringIO(text, newline=""))]
        page = lines[offset:offset + limit]
        nxt = offset + limit if offset + limit < len(lines) else -1
        return info["_header"] + "".join(page), len(page), nxt


def _csv_line(cells: Sequence[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL).writerow(cells)
    return buf.getvalue()


def _csv_value(ftype: str, value: Any) -> str:
    """A query result cell. Bulk query CSV writes datetimes in UTC with a ``Z``
    (``2024-05-06T07:08:09.000Z``) where REST JSON writes ``+0000``."""
    if ftype == "datetime" and isinstance(value, str) and value.endswith("+0000"):
        return value[:-5] + "Z"
    return _cell(value)


def _unknown_column(definition: OrgDefinition, od: ObjectDef, header: Sequence[str],
                    op: str) -> str | None:
    """The first header column that names no field of ``od`` (``Rel.Field`` columns
    name a parent by one of its fields), or ``None``."""
    if op in ("delete", "hardDelete"):
        return None  # only the Id column is read
    for column in header:
        name = column.strip()
        rel, dot, field = name.partition(".")
        if not dot:
            if od.field(name) is None:
                return name
            continue
        ref = od.relationship(rel)
        targets = [definition.find(t) for t in (ref or {}).get("referenceTo") or []]
        if ref is None or not any(t is not None and t.field(field) for t in targets):
            return name
    return None


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _public(info: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in info.items() if not k.startswith("_")}


# -- ingest endpoints --------------------------------------------------------------


def ingest_jobs(call: Call) -> Response:
    """``POST /jobs/ingest`` (create) and ``GET /jobs/ingest`` (list)."""
    bulk = call.emulator.bulk
    if call.method == "GET":
        jobs = [_public(j) for j in bulk._all() if j["_kind"] == "ingest"]
        return json_response({"done": True, "records": jobs, "nextRecordsUrl": None})
    body = call.json()
    if not isinstance(body, dict):
        raise OrgError(400, "INVALIDJOB", "InvalidJob : the body must be a JSON object")
    op = body.get("operation")
    if op not in INGEST_OPERATIONS:
        raise OrgError(400, "INVALIDJOB", f"InvalidJob : Invalid operation: {op}")
    if op == "hardDelete" and not call.emulator.org.settings.bulk_api_hard_delete:
        raise OrgError(400, "INVALIDJOB", "InvalidJob : hardDelete needs the Bulk API Hard "
                       "Delete permission, which this user does not have")
    od = call.emulator.org.definition.find(str(body.get("object", "")))
    if od is None:
        raise OrgError(400, "INVALIDJOB", f"InvalidJob : Invalid object: {body.get('object')}")
    ext = body.get("externalIdFieldName")
    if op == "upsert":
        f = od.field(str(ext or ""))
        if f is None or not (f.get("externalId") or f["type"] == "id"):
            raise OrgError(400, "INVALIDJOB",
                           f"InvalidJob : External ID was blank or not an External ID field "
                           f"for {od.name}: {ext}")
        ext = f["name"]
    delimiter = body.get("columnDelimiter", "COMMA")
    ending = body.get("lineEnding", "LF")
    if delimiter not in DELIMITERS or ending not in LINE_ENDINGS:
        raise OrgError(400, "INVALIDJOB", "InvalidJob : bad columnDelimiter or lineEnding")
    fields: dict[str, Any] = {
        "operation": op, "object": od.name, "state": "Open", "jobType": "V2Ingest",
        "columnDelimiter": delimiter, "lineEnding": ending, "numberRecordsFailed": 0,
    }
    if ext:
        fields["externalIdFieldName"] = ext
    info = call.emulator.bulk.new_job(call, "ingest", fields)
    info["contentUrl"] = f"services/data/v{call.version}/jobs/ingest/{info['id']}/batches"
    call.emulator.bulk.save(info)
    return json_response(_public(info))


def _delete_job(call: Call, info: dict[str, Any]) -> Response:
    """``DELETE`` of a finished job (ingest or query), with its data and results."""
    if info["state"] not in TERMINAL:
        raise _job_state_error(info["state"])
    with call.emulator.org.store.transaction() as conn:
        conn.execute("DELETE FROM jobs WHERE id = ?", (info["id"],))
        conn.execute("DELETE FROM job_data WHERE job_id = ?", (info["id"],))
        conn.execute("DELETE FROM job_results WHERE job_id = ?", (info["id"],))
    return empty()


def ingest_job(call: Call) -> Response:
    """``GET|PATCH|DELETE /jobs/ingest/{id}``."""
    bulk = call.emulator.bulk
    info = bulk.get(call.params["job"], "ingest")
    if call.method == "GET":
        return json_response(_public(info))
    if call.method == "DELETE":
        return _delete_job(call, info)
    body = call.json() or {}
    state = body.get("state")
    if state == "UploadComplete":
        if info["state"] != "Open":
            raise _job_state_error(info["state"])
        has_data = call.emulator.org.store.read().execute(
            "SELECT 1 FROM job_data WHERE job_id = ? LIMIT 1", (info["id"],)).fetchone()
        if not has_data:
            info.update(state="Failed", errorMessage="InvalidBatch : No data was uploaded")
            bulk.save(info)
            return json_response(_public(info))
        info["state"] = "UploadComplete"
        bulk.save(info)
        bulk.enqueue(info["id"])
    elif state == "Aborted":
        if info["state"] in TERMINAL:
            raise _job_state_error(info["state"])
        info["state"] = "Aborted"
        bulk.save(info)
    else:
        raise OrgError(400, "INVALIDJOBSTATE", f"Invalid state: {state}")
    return json_response(_public(info))


def upload(call: Call) -> Response:
    """``PUT /jobs/ingest/{id}/batches`` with CSV: 201."""
    bulk = call.emulator.bulk
    info = bulk.get(call.params["job"], "ingest")
    if info["state"] != "Open":
        raise _job_state_error(info["state"])
    if len(call.body) > call.emulator.org.settings.bulk_upload_bytes:
        raise OrgError(400, "EXCEEDED_QUOTA",
                       f"The upload is {len(call.body)} bytes; the limit is "
                       f"{call.emulator.org.settings.bulk_upload_bytes}")
    if not call.body:
        raise OrgError(400, "INVALIDBATCH", "InvalidBatch : the upload is empty")
    store = call.emulator.org.store
    with store.transaction() as conn:
        seq = conn.execute("SELECT COUNT(*) FROM job_data WHERE job_id = ?",
                           (info["id"],)).fetchone()[0]
        conn.execute("INSERT INTO job_data (job_id, seq, data) VALUES (?, ?, ?)",
                     (info["id"], seq, call.body))
    return empty(201)


def ingest_results(call: Call) -> Response:
    """``GET /jobs/ingest/{id}/successfulResults|failedResults|unprocessedrecords``."""
    bulk = call.emulator.bulk
    info = bulk.get(call.params["job"], "ingest")
    kind = RESULT_KINDS.get(call.params["kind"].lower())
    if kind is None:
        raise OrgError(404, "NOT_FOUND", "The requested resource does not exist")
    header = info.get("_columns")
    if header is None:
        header = bulk._rows(info)[0]
    if kind != "unprocessed" and info["state"] not in ("JobComplete", "Failed", "Aborted"):
        raise OrgError(412, "JOB_NOT_COMPLETE", "The job is not complete yet")
    prefix = {"success": ["sf__Id", "sf__Created"], "failed": ["sf__Id", "sf__Error"],
              "unprocessed": []}[kind]
    head = ",".join(f'"{h}"' for h in prefix + header) + "\n"
    return Response(head + bulk.results(info["id"], kind), media_type="text/csv")


# -- query endpoints ---------------------------------------------------------------


def query_jobs(call: Call) -> Response:
    """``POST /jobs/query`` (create; the query is checked at once) and ``GET`` (list)."""
    bulk = call.emulator.bulk
    if call.method == "GET":
        jobs = [_public(j) for j in bulk._all() if j["_kind"] == "query"]
        return json_response({"done": True, "records": jobs, "nextRecordsUrl": None})
    body = call.json()
    if not isinstance(body, dict):
        raise OrgError(400, "INVALIDJOB", "InvalidJob : the body must be a JSON object")
    op = body.get("operation", "query")
    if op not in QUERY_OPERATIONS:
        raise OrgError(400, "INVALIDJOB", f"InvalidJob : Invalid operation: {op}")
    text = str(body.get("query") or "")
    # The query is checked (and MALFORMED_QUERY raised) now, as Salesforce does.
    unsupported = bulk_unsupported(parse(text, today=call.emulator.org.now().date()))
    if unsupported is not None:
        raise OrgError(400, "INVALIDJOB", f"InvalidJob : Bulk API 2.0 query does not support "
                       f"{unsupported}")
    result = execute(call.emulator, text, include_deleted=op == "queryAll")[2]
    info = bulk.new_job(call, "query", {
        "operation": op, "object": result.object, "query": text, "state": "UploadComplete",
        "jobType": "V2Query", "columnDelimiter": body.get("columnDelimiter", "COMMA"),
        "lineEnding": body.get("lineEnding", "LF"),
    })
    bulk.enqueue(info["id"])
    return json_response(_public(info))


def query_job(call: Call) -> Response:
    """``GET|PATCH|DELETE /jobs/query/{id}``."""
    bulk = call.emulator.bulk
    info = bulk.get(call.params["job"], "query")
    if call.method == "GET":
        return json_response(_public(info))
    if call.method == "DELETE":
        return _delete_job(call, info)
    state = (call.json() or {}).get("state")
    if state != "Aborted" or info["state"] in TERMINAL:
        raise _job_state_error(info["state"])
    info["state"] = "Aborted"
    bulk.save(info)
    return json_response(_public(info))


def query_results(call: Call) -> Response:
    """``GET /jobs/query/{id}/results?maxRecords=N&locator=L``."""
    bulk = call.emulator.bulk
    info = bulk.get(call.params["job"], "query")
    if info["state"] != "JobComplete":
        raise OrgError(412, "JOB_NOT_COMPLETE",
                       f"The job is in state {info['state']}; results are not ready")
    try:
        limit = int(call.query.get("maxRecords", "50000"))
        offset = int(call.query.get("locator") or 0)
    except ValueError:
        raise OrgError(400, "INVALIDLOCATOR", "locator and maxRecords must be numbers") from None
    if limit <= 0 or offset < 0:
        raise OrgError(400, "INVALIDLOCATOR", "locator and maxRecords must be positive")
    text, count, nxt = bulk.query_page(info, offset, limit)
    return Response(text, media_type="text/csv", headers={
        "Sforce-NumberOfRecords": str(count),
        "Sforce-Locator": "null" if nxt < 0 else str(nxt),
    })
