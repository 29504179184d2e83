"""Reading a whole object, or the part of it a query selects: a REST query for a
small one, a Bulk API 2.0 query job for a large one (a handful of calls however many
records: create, a few status checks, one call per set of results).

This is crossmap's one Bulk API 2.0 query client (:func:`records`): verify's
read-back (:func:`scan`) and read before write (:func:`snapshot`) both go through it.
It streams: each set of results is parsed as it arrives, so memory holds a page of
records, never the result set.

Salesforce's "Bulk API 2.0 and Bulk API Developer Guide": *Create a Query Job*
(``POST /jobs/query``), *Get Information About a Query Job*, *Get Results for a Query
Job* (``GET /jobs/query/{id}/results?maxRecords=N&locator=L``: ``maxRecords`` splits
the results into sets of at most N records, the ``Sforce-Locator`` header names the
next set and is ``null`` after the last one; results are CSV, an empty cell a null),
*Delete a Query Job*
(https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/query_get_job_results.htm).
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable, Iterator, Sequence
from itertools import islice
from typing import Any

from crossmap.errors import CrossmapError
from crossmap_salesforce.bulk import TERMINAL, BulkSettings
from crossmap_salesforce.reading import name_of, query
from crossmap_salesforce.transport import Api, SalesforceApiError

PAGE = 2000
"""Records per page handed on."""
RESULTS_PER_CALL = 50_000
"""Records asked for per set of Bulk query results (``maxRecords``): each set is
streamed and parsed as it arrives, so its size costs no memory, only fewer calls."""
SNAPSHOT_BULK_FROM = 10_000
"""Records from which a snapshot goes by a Bulk API 2.0 query job (a few calls
whatever its size) rather than REST query pages of 2,000 records a call. Salesforce's
*Bulk API 2.0 Query* page: query jobs "are designed to handle queries that return
large amounts of data (10,000 records or more)"."""


class QueryJobFailed(CrossmapError):
    """A Bulk API 2.0 query job ended without its results."""


def count(api: Api, object: str) -> int:
    """How many records ``object`` has (one REST call)."""
    body = api.json("GET", "query/", params={"q": f"SELECT COUNT() FROM {name_of(object)}"})
    return int(body.get("totalSize") or 0)


def scan(api: Api, object: str, fields: Sequence[str], *, threshold: int, settings: BulkSettings,
         sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
         results_per_call: int = RESULTS_PER_CALL) -> Iterator[list[dict[str, Any]]]:
    """Every record of ``object`` with ``Id`` and ``fields``: a REST query below
    ``threshold`` records, a Bulk API 2.0 query job from it (deleted once read)."""
    names = [name_of(f) for f in dict.fromkeys(["Id", *fields])]
    soql = f"SELECT {', '.join(names)} FROM {name_of(object)}"
    found = (query(api, soql) if count(api, object) < threshold else
             records(api, soql, settings, sleep=sleep, clock=clock, results_per_call=results_per_call, delete=True))
    while page := list(islice(found, PAGE)):
        yield page


def snapshot(api: Api, object: str, key: str, fields: Sequence[str], *, settings: BulkSettings,
             sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
             bulk_from: int = SNAPSHOT_BULK_FROM, results_per_call: int = RESULTS_PER_CALL
             ) -> Iterator[dict[str, Any]]:
    """``Id``, ``key`` and ``fields`` of every record of ``object`` whose ``key`` holds
    a value, in one query: the first REST query call's page when they are fewer than
    ``bulk_from`` (and its next pages), else a Bulk API 2.0 query job."""
    names = [name_of(f) for f in dict.fromkeys(["Id", key, *fields])]
    soql = f"SELECT {', '.join(names)} FROM {name_of(object)} WHERE {name_of(key)} != null"
    page = api.json("GET", "query/", params={"q": soql})
    if page.get("done", True) or int(page.get("totalSize") or 0) < bulk_from:
        while True:
            yield from ({k: v for k, v in r.items() if k != "attributes"} for r in page.get("records") or ())
            if page.get("done", True) or not page.get("nextRecordsUrl"):
                return
            page = api.json("GET", str(page["nextRecordsUrl"]))
    yield from records(api, soql, settings, sleep=sleep, clock=clock, results_per_call=results_per_call)


def records(api: Api, soql: str, settings: BulkSettings, *, sleep: Callable[[float], None] = time.sleep,
            clock: Callable[[], float] = time.monotonic, results_per_call: int = RESULTS_PER_CALL,
            delete: bool = False) -> Iterator[dict[str, Any]]:
    """The records of ``soql`` through one Bulk API 2.0 query job, streamed (values
    as text, empty ones ``None``): the job is created, checked with back-off until it
    ends (``settings.poll_interval`` growing 1.5x up to ``poll_max``, at most
    ``settings.timeout`` seconds), and its results read a set of ``results_per_call``
    records at a time, following ``Sforce-Locator``. With ``delete``, the job is
    deleted once read (one call more; the org deletes it after seven days anyway)."""
    job = api.json("POST", "jobs/query", json={"operation": "query", "query": soql, "contentType": "CSV"})
    job_id = str(job["id"])
    deadline = clock() + settings.timeout
    wait = settings.poll_interval
    while job.get("state") not in TERMINAL:
        if clock() >= deadline:
            raise QueryJobFailed(f"Bulk query job {job_id} did not finish in {settings.timeout:.0f} s: "
                                 "try again later, or raise the connector's bulk_timeout")
        sleep(wait)
        wait = min(wait * 1.5, max(settings.poll_max, settings.poll_interval))
        job = api.json("GET", f"jobs/query/{job_id}")
    if job.get("state") != "JobComplete":
        raise QueryJobFailed(f"Bulk query job {job_id} ended {job.get('state')}: {job.get('errorMessage', '')}")
    locator: str | None = None
    while True:
        params = {"maxRecords": str(results_per_call), **({"locator": locator} if locator else {})}
        response = api.call("GET", f"jobs/query/{job_id}/results", params=params, headers={"Accept": "text/csv"},
                            stream=True)
        try:
            response.raw.decode_content = True
            response.raw.auto_close = False  # TextIOWrapper reads to the end, then finds it closed
            # newline="": a quoted value keeps its line breaks (csv reads records, not lines).
            for row in csv.DictReader(io.TextIOWrapper(response.raw, encoding="utf-8", newline="")):
                yield {k: (v if v != "" else None) for k, v in row.items()}
            locator = response.headers.get("Sforce-Locator")
        finally:
            response.close()
        if not locator or locator == "null":
            break
    if delete:
        try:
            api.call("DELETE", f"jobs/query/{job_id}")
        except SalesforceApiError:
            pass  # the org deletes finished jobs after seven days anyway
