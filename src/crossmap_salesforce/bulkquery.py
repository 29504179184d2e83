"""Reading a whole object: a REST query for a small one, a Bulk API 2.0 query job
for a large one (a handful of calls however many records: create, a few status
checks, one call per set of results), page by page.

Salesforce's "Bulk API 2.0 and Bulk API Developer Guide": *Create a Query Job*
(``POST /jobs/query``), *Get Information About a Query Job*, *Get Results for a Query
Job* (``GET /jobs/query/{id}/results?maxRecords=N&locator=L``; the
``Sforce-Locator`` header names the next set, ``null`` after the last one; results
are CSV, an empty cell a null), *Delete a Query Job*
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
    ``threshold`` records, a Bulk API 2.0 query job from it."""
    names = [name_of(f) for f in dict.fromkeys(["Id", *fields])]
    soql = f"SELECT {', '.join(names)} FROM {name_of(object)}"
    if count(api, object) < threshold:
        records = query(api, soql)
        while page := list(islice(records, PAGE)):
            yield page
        return
    yield from _bulk(api, soql, settings, sleep, clock, results_per_call)


def _bulk(api: Api, soql: str, settings: BulkSettings, sleep: Callable[[float], None],
          clock: Callable[[], float], results_per_call: int) -> Iterator[list[dict[str, Any]]]:
    job = api.json("POST", "jobs/query", json={"operation": "query", "query": soql, "contentType": "CSV"})
    job_id = str(job["id"])
    deadline = clock() + settings.timeout
    wait = settings.poll_interval
    while job.get("state") not in TERMINAL:
        if clock() >= deadline:
            raise QueryJobFailed(f"Bulk query job {job_id} did not finish in {settings.timeout:.0f} s: "
                                 "run verify again later, or raise the connector's bulk_timeout")
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
            rows = csv.DictReader(io.TextIOWrapper(response.raw, encoding="utf-8", newline=""))
            while page := [{k: (v if v != "" else None) for k, v in row.items()} for row in islice(rows, PAGE)]:
                yield page
            locator = response.headers.get("Sforce-Locator")
        finally:
            response.close()
        if not locator or locator == "null":
            break
    try:
        api.call("DELETE", f"jobs/query/{job_id}")
    except SalesforceApiError:
        pass  # the org deletes finished jobs after seven days anyway
