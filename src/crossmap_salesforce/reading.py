"""Reading records back by REST: by Id (sample diffs, pre-images), every record of an
object (resolutions), by field values (reconciling uncertain inserts). Bulk API 2.0
queries (read before write's snapshot, verify's read-back) are
:mod:`crossmap_salesforce.bulkquery`."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
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
