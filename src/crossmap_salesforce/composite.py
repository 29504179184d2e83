"""Small batches through sObject Collections (``/composite/sobjects``, ≤ 200 a call).

Collections answer one item per record, in order. The results are still mapped
explicitly: the answer must have exactly one item per record sent, and for updates and
deletes a successful item must name the Id that was sent; anything else fails the
rows with ``CROSSMAP_NO_RESULT`` rather than pairing results with the wrong rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from crossmap.connectors.protocols import LoadResult
from crossmap_salesforce.hints import failed
from crossmap_salesforce.transport import Api
from crossmap_salesforce.values import row_to_json

MAX_COLLECTION = 200

Row = tuple[str, Mapping[str, Any]]


def _same_id(a: str | None, b: str | None) -> bool:
    # 15- and 18-character forms name the same record.
    return bool(a) and bool(b) and str(a)[:15] == str(b)[:15]


def _item_result(ref: str, item: Any, sent_id: str | None) -> LoadResult:
    if not isinstance(item, dict):
        return failed(ref, "CROSSMAP_NO_RESULT", "the collection answer had no item for this row")
    if item.get("success"):
        rid = item.get("id")
        if sent_id is not None and not _same_id(rid, sent_id):
            return failed(ref, "CROSSMAP_NO_RESULT",
                          f"the collection answered for {rid}, not for {sent_id}")
        return LoadResult(ref, rid or sent_id, created=bool(item.get("created", False)))
    errors = item.get("errors") or [{}]
    first = errors[0]
    return failed(ref, str(first.get("statusCode") or first.get("errorCode") or "UNKNOWN_EXCEPTION"),
                  str(first.get("message", "")), tuple(first.get("fields") or ()))


def _map(rows: Sequence[Row], answer: Any, ids: Sequence[str | None]) -> list[LoadResult]:
    if not isinstance(answer, list) or len(answer) != len(rows):
        return [failed(ref, "CROSSMAP_NO_RESULT",
                       "the collection answer did not have one item per row") for ref, _ in rows]
    return [_item_result(ref, item, sent) for (ref, _), item, sent in zip(rows, answer, ids, strict=True)]


def _records(object: str, rows: Sequence[Row], *, drop_id: bool) -> list[dict[str, Any]]:
    out = []
    for _, row in rows:
        body = row_to_json({k: v for k, v in row.items() if not (drop_id and k == "Id")})
        out.append({"attributes": {"type": object}, **body})
    return out


def insert(api: Api, object: str, rows: Sequence[Row]) -> list[LoadResult]:
    """Create up to 200 records (not idempotent: the caller handles ``UncertainWrite``)."""
    answer = api.json("POST", "composite/sobjects", idempotent=False,
                      json={"allOrNone": False, "records": _records(object, rows, drop_id=True)})
    results = _map(rows, answer, [None] * len(rows))
    return [r if not r.ok else LoadResult(r.ref, r.id, created=True) for r in results]


def update(api: Api, object: str, rows: Sequence[Row]) -> list[LoadResult]:
    """Update up to 200 records named by their ``Id``."""
    answer = api.json("PATCH", "composite/sobjects",
                      json={"allOrNone": False, "records": _records(object, rows, drop_id=False)})
    return _map(rows, answer, [str(row["Id"]) for _, row in rows])


def upsert(api: Api, object: str, rows: Sequence[Row], external_id: str) -> list[LoadResult]:
    """Insert or update up to 200 records matched on ``external_id`` (idempotent)."""
    answer = api.json("PATCH", f"composite/sobjects/{quote(object)}/{quote(external_id)}",
                      json={"allOrNone": False, "records": _records(object, rows, drop_id=True)})
    return _map(rows, answer, [None] * len(rows))


def delete(api: Api, object: str, rows: Sequence[Row]) -> list[LoadResult]:
    """Delete (to the recycle bin) up to 200 records named by their ``Id``."""
    ids = [str(row["Id"]) for _, row in rows]
    answer = api.json("DELETE", "composite/sobjects",
                      params={"ids": ",".join(ids), "allOrNone": "false"})
    return _map(rows, answer, ids)


def retrieve(api: Api, object: str, ids: Sequence[str], fields: Sequence[str]) -> list[dict[str, Any]]:
    """Records by Id (up to 2,000 a call); missing ones are left out."""
    answer = api.json("POST", f"composite/sobjects/{quote(object)}",
                      json={"ids": list(ids), "fields": list(fields)})
    return [dict(r) for r in answer or [] if isinstance(r, dict)]
