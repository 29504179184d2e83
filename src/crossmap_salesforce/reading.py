"""Reading records back: by Id (sample diffs, pre-images), every record of an object
(resolutions), by field values (reconciling uncertain inserts), and the snapshot of
the records a step is about to match by external id (one query, a Bulk API 2.0
query job for a large object)."""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from crossmap.errors import CrossmapError
from crossmap_salesforce import composite
from crossmap_salesforce.transport import Api

RETRIEVE_MAX = 2000
IN_CHUNK = 200
"""Values per ``IN (...)`` list: keeps a query's URL well under the 16 KB limit."""

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$")


def name_of(name: str) -> str:
    """``name``, checked to be an identifier (names are spliced into SOQL)."""
    # Names are spliced into SOQL: only identifiers may pass.
    if not _NAME.match(name):
        raise CrossmapError(f"'{name}' is not a Salesforce object or field name")
    return name


def quote(value: str) -> str:
    """A SOQL string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _clean(record: dict[str, Any]) -> dict[str, Any]:
    record.pop("attributes", None)
    return record


def query(api: Api, soql: str, *, deleted: bool = False) -> Iterator[dict[str, Any]]:
    """Every record a SOQL query returns, page after page; with ``deleted``, those
    in the recycle bin too (``queryAll``)."""
    page = api.json("GET", "queryAll/" if deleted else "query/", params={"q": soql})
    while True:
        for record in page.get("records") or ():
            yield _clean(dict(record))
        next_url = page.get("nextRecordsUrl")
        if page.get("done", True) or not next_url:
            return
        page = api.json("GET", str(next_url))


def read(api: Api, object: str, ids: Iterable[str] | None, fields: Sequence[str]) -> Iterator[dict[str, Any]]:
    """Records of ``object`` by Id (missing ones left out), or all of them."""
    names = [name_of(f) for f in dict.fromkeys(["Id", *fields])]
    if ids is None:
        yield from query(api, f"SELECT {', '.join(names)} FROM {name_of(object)}")
        return
    batch: list[str] = []
    for rid in ids:
        batch.append(str(rid))
        if len(batch) == RETRIEVE_MAX:
            yield from (_clean(r) for r in composite.retrieve(api, object, batch, names))
            batch = []
    if batch:
        yield from (_clean(r) for r in composite.retrieve(api, object, batch, names))


def query_by_values(api: Api, object: str, field: str, values: Sequence[str],
                    fields: Sequence[str]) -> Iterator[dict[str, Any]]:
    """Records whose ``field`` is one of ``values``."""
    names = ", ".join(name_of(f) for f in dict.fromkeys(fields))
    for start in range(0, len(values), IN_CHUNK):
        chunk = values[start:start + IN_CHUNK]
        listed = ", ".join(quote(v) for v in chunk)
        yield from query(api, f"SELECT {names} FROM {name_of(object)} WHERE {name_of(field)} IN ({listed})")


SNAPSHOT_BULK_FROM = 10_000
"""Records from which a snapshot goes by a Bulk API 2.0 query job (a few calls
whatever its size) rather than REST query pages of 2,000 records a call."""
QUERY_RESULTS_PAGE = 100_000
"""Records a Bulk query results call asks for (``maxRecords``)."""


def snapshot(api: Api, object: str, key: str, fields: Sequence[str],
             sleep: Callable[[float], None] = time.sleep, poll: float = 2.0) -> Iterator[dict[str, Any]]:
    """``Id``, ``key`` and ``fields`` of every record of ``object`` whose ``key`` holds
    a value: one REST query call when they are few, else a Bulk API 2.0 query job."""
    names = [name_of(f) for f in dict.fromkeys(["Id", key, *fields])]
    soql = f"SELECT {', '.join(names)} FROM {name_of(object)} WHERE {name_of(key)} != null"
    page = api.json("GET", "query/", params={"q": soql})
    if page.get("done", True) or int(page.get("totalSize") or 0) < SNAPSHOT_BULK_FROM:
        yield from (_clean(dict(r)) for r in page.get("records") or ())
        while not page.get("done", True) and page.get("nextRecordsUrl"):
            page = api.json("GET", str(page["nextRecordsUrl"]))
            yield from (_clean(dict(r)) for r in page.get("records") or ())
        return
    yield from bulk_query(api, soql, sleep, poll)


def bulk_query(api: Api, soql: str, sleep: Callable[[float], None] = time.sleep,
               poll: float = 2.0) -> Iterator[dict[str, Any]]:
    """The records of a SOQL query through one Bulk API 2.0 query job (values as
    text, empty ones ``None``)."""
    job = api.json("POST", "jobs/query", json={"operation": "query", "query": soql})
    job_id = str(job["id"])
    wait = poll
    while job.get("state") not in ("JobComplete", "Failed", "Aborted"):
        sleep(wait)
        wait = min(wait * 1.5, 30.0)
        job = api.json("GET", f"jobs/query/{job_id}")
    if job.get("state") != "JobComplete":
        raise CrossmapError(f"the Bulk query job {job_id} ended {job.get('state')}: {job.get('errorMessage', '')}")
    locator: str | None = None
    while True:
        params = {"maxRecords": str(QUERY_RESULTS_PAGE), **({"locator": locator} if locator else {})}
        response = api.call("GET", f"jobs/query/{job_id}/results", params=params)
        for row in csv.DictReader(io.StringIO(response.text)):
            yield {k: (v if v != "" else None) for k, v in row.items()}
        locator = response.headers.get("Sforce-Locator")
        if not locator or locator == "null":
            return
