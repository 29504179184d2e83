"""``GET /sobjects/{O}/updated`` and ``/deleted``: the replication calls (SOAP's
getUpdated/getDeleted, simple-salesforce's ``sf.Account.updated(start, end)``).

REST API Developer Guide, "Get a List of Updated Records" and "Get a List of Deleted
Records" (resources_getupdated.htm, resources_getdeleted.htm), and the SOAP API's
getUpdated()/getDeleted(): ``start`` and ``end`` are UTC datetimes; seconds are
ignored (the range is truncated to whole minutes); ``start`` may be at most 30 days
ago (``INVALID_REPLICATION_DATE`` otherwise) and must be before ``end``. Updated
records are those whose ``SystemModstamp`` falls in the range; deleted ones answer
``{"id", "deletedDate"}`` with ``earliestDateAvailable`` and ``latestDateCovered``.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from starlette.responses import Response

from crossmap.schema.values import parse_datetime
from crossmap_salesforce.emulator.clock import sf_datetime
from crossmap_salesforce.emulator.errors import OrgError
from crossmap_salesforce.emulator.http import Call, json_response

WINDOW = timedelta(days=30)


def _range(call: Call) -> tuple[datetime, datetime]:
    texts = call.query.get("start"), call.query.get("end")
    if not texts[0] or not texts[1]:
        raise OrgError(400, "MALFORMED_QUERY", "start and end are required")
    try:
        start, end = (parse_datetime(t.replace(" ", "+")) for t in texts if t)
    except ValueError as exc:
        raise OrgError(400, "MALFORMED_QUERY", f"start and end must be datetimes: {exc}") from None
    start = start.replace(second=0, microsecond=0)
    end = end.replace(second=0, microsecond=0)
    now = call.emulator.org.now()
    if start < now - WINDOW:
        raise OrgError(400, "INVALID_REPLICATION_DATE",
                       "startDate cannot be more than 30 days ago")
    if end <= start:
        raise OrgError(400, "INVALID_REPLICATION_DATE", "startDate must chronologically "
                       "precede endDate by more than one minute")
    return start, end


def _in(stamp: object, start: datetime, end: datetime) -> bool:
    if not isinstance(stamp, str):
        return False
    return start <= parse_datetime(stamp) < end


def updated(call: Call) -> Response:
    """Ids of the records of ``O`` changed (or created) in the range."""
    org = call.emulator.org
    od = org.definition.get(call.params["object"])
    start, end = _range(call)
    ids = [rec["Id"] for rec in org.store.scan(od.name)
           if _in(rec.get("SystemModstamp") or rec.get("LastModifiedDate"), start, end)]
    return json_response({"ids": ids, "latestDateCovered": sf_datetime(end)})


def deleted(call: Call) -> Response:
    """The records of ``O`` deleted (to the recycle bin) in the range."""
    org = call.emulator.org
    od = org.definition.get(call.params["object"])
    start, end = _range(call)
    rows = org.store.read().execute(
        "SELECT data FROM records WHERE object = ? AND deleted = 1 ORDER BY id", (od.name,))
    out = []
    for (text,) in rows:
        rec = json.loads(text)
        when = rec.get("SystemModstamp") or rec.get("LastModifiedDate")
        if _in(when, start, end):
            out.append({"id": rec["Id"], "deletedDate": when})
    return json_response({"deletedRecords": out,
                          "earliestDateAvailable": sf_datetime(org.now() - WINDOW),
                          "latestDateCovered": sf_datetime(end)})
