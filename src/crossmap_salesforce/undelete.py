"""Undeleting records: the SOAP API's ``undelete()`` call, which brings records back
from the recycle bin with their Ids (and the records deleted along with them). The
REST API has no undelete; the SOAP call takes the REST session in its
``SessionHeader``.

Salesforce, SOAP API Developer Guide, "undelete()": ``UndeleteResult[] =
connection.undelete(ID[] ids)``, at most 200 ids a call; records deleted by
``delete()`` or ``merge()`` are in the recycle bin, ``queryAll()`` finds them; a
cascade-deleted child comes back with its parent
(https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_undelete.htm).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Sequence
from xml.sax.saxutils import escape

from crossmap.connectors.protocols import LoadResult
from crossmap_salesforce.transport import Api

LIMIT = 200
"""Ids one ``undelete()`` call takes."""

_NS = "urn:partner.soap.sforce.com"


def _envelope(session: str, ids: Sequence[str]) -> str:
    listed = "".join(f"<urn:ids>{escape(i)}</urn:ids>" for i in ids)
    return ('<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
            f'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="{_NS}">'
            f"<soapenv:Header><urn:SessionHeader><urn:sessionId>{escape(session)}</urn:sessionId>"
            f"</urn:SessionHeader></soapenv:Header><soapenv:Body><urn:undelete>{listed}</urn:undelete>"
            "</soapenv:Body></soapenv:Envelope>")


def _local(element: ET.Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def undelete(api: Api, rows: Sequence[tuple[str, str]], live: Callable[[Iterable[str]], set[str]]) -> list[LoadResult]:
    """Undelete ``(ref, id)`` rows, 200 a call; one result per row, in order. A
    record that is not in the recycle bin because it is live already succeeds
    (``live`` says which of some ids exist)."""
    results: list[LoadResult] = []
    version = str(api.sf.sf_version)
    for start in range(0, len(rows), LIMIT):
        chunk = rows[start : start + LIMIT]
        response = api.call("POST", f"/services/Soap/u/{version}", data=_envelope(api.sf.session_id,
                                                                                 [i for _, i in chunk]),
                            headers={"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": '""'},
                            ok=(200, 500))
        root = ET.fromstring(response.content)
        fault = next((el for el in root.iter() if _local(el) == "faultstring"), None)
        if fault is not None:
            results += [LoadResult(ref, None, error_code="UNDELETE_FAILED", error_message=fault.text or "SOAP fault")
                        for ref, _ in chunk]
            continue
        answers = [el for el in root.iter() if _local(el) == "result"]
        failed_ids = []
        for (ref, rid), answer in zip(chunk, answers, strict=True):
            fields = {_local(el): el for el in answer}
            if (fields["success"].text or "") == "true":
                results.append(LoadResult(ref, rid))
                continue
            error = fields.get("errors")
            code = message = ""
            if error is not None:
                parts = {_local(el): el.text or "" for el in error}
                code, message = parts.get("statusCode", ""), parts.get("message", "")
            results.append(LoadResult(ref, None, error_code=code or "UNDELETE_FAILED", error_message=message))
            failed_ids.append(rid)
        if failed_ids:
            alive = live(failed_ids)
            results = [LoadResult(r.ref, rid) if not r.ok and rid in alive else r
                       for r, rid in zip(results, [i for _, i in rows[: len(results)]], strict=True)]
    return results
