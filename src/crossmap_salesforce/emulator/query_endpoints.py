"""The ``/query``, ``/queryAll`` and ``/tooling/query`` endpoints: a SOQL query run
(``query.execute``) or described column by column (``columns.metadata``), then paged
through ``nextRecordsUrl`` cursors. Kept apart from the executor so that ``columns``,
which runs the executor, and these endpoints, which offer both, import in one
direction only."""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import Response

from crossmap_salesforce.emulator.columns import metadata
from crossmap_salesforce.emulator.errors import OrgError
from crossmap_salesforce.emulator.http import Call, json_response
from crossmap_salesforce.emulator.query import PAGE, execute

__all__ = ["more", "more_all", "run", "run_all", "run_tooling"]


def _batch_size(call: Call) -> int:
    options = call.headers.get("sforce-query-options", "")
    m = re.search(r"batchSize\s*=\s*(\d+)", options)
    return max(200, min(PAGE, int(m.group(1)))) if m else PAGE


def _page(call: Call, rows: list[dict[str, Any]], start: int, batch: int, cursor: str | None,
          total: int, endpoint: str) -> Response:
    page = rows[start: start + batch]
    body: dict[str, Any] = {"totalSize": total, "done": start + batch >= len(rows), "records": page}
    if not body["done"]:
        cursor = cursor or call.emulator.cursors.open(rows, batch)
        body["nextRecordsUrl"] = f"{call.prefix()}/{endpoint}/{cursor}-{start + batch}"
    return json_response(body)


def _run(call: Call, include_deleted: bool, tooling: bool = False) -> Response:
    text = call.query.get("q")
    if not text:
        raise OrgError(400, "MALFORMED_QUERY", "A query string has to be specified")
    if call.query.get("columns") == "true":
        return json_response(metadata(call.emulator, text, tooling=tooling))
    result = execute(call.emulator, text, include_deleted=include_deleted,
                     version=call.version, tooling=tooling)[2]
    endpoint = "tooling/query" if tooling else "queryAll" if include_deleted else "query"
    if result.count_only:
        return json_response({"totalSize": len(result.records), "done": True, "records": []})
    return _page(call, result.records, 0, _batch_size(call), None, len(result.records), endpoint)


def run(call: Call) -> Response:
    """``GET /query?q=…``."""
    return _run(call, False)


def run_tooling(call: Call) -> Response:
    """``GET /tooling/query?q=…`` (CustomObject, CustomField)."""
    return _run(call, False, tooling=True)


def run_all(call: Call) -> Response:
    """``GET /queryAll?q=…`` (deleted records included)."""
    return _run(call, True)


def more(call: Call) -> Response:
    """``GET /query/{cursor}-{offset}``: the next page."""
    return _more(call, "query")


def more_all(call: Call) -> Response:
    """``GET /queryAll/{cursor}-{offset}``: the next page of a queryAll."""
    return _more(call, "queryAll")


def _more(call: Call, endpoint: str) -> Response:
    locator = call.params["locator"]
    cursor, _, offset = locator.rpartition("-")
    if not cursor or not offset.isdigit():
        raise OrgError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    rows, batch = call.emulator.cursors.get(cursor)
    return _page(call, rows, int(offset), batch, cursor, len(rows), endpoint)
