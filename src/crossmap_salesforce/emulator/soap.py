"""The SOAP API endpoint, ``POST /services/Soap/u/{version}[/{orgId}]``: the
``login`` call (``soap_login``) and the ``undelete`` call, which brings records
back from the recycle bin with their Ids (the REST API has no undelete).

Salesforce, SOAP API Developer Guide, "undelete()": "Undeletes records from the
Recycle Bin ... Since a delete call cascade-deletes child records, an undelete call
undeletes the cascade-deleted records"; records in the recycle bin are found with
``queryAll()`` (https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_undelete.htm).
The session comes in the ``SessionHeader`` (or an ``Authorization: Bearer`` header).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from starlette.requests import Request
from starlette.responses import Response

from crossmap_salesforce.emulator.errors import OrgError
from crossmap_salesforce.emulator.login import soap_login

if TYPE_CHECKING:
    from crossmap_salesforce.emulator.server import Emulator

_ENVELOPE = ('<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
             'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com" '
             'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>{body}</soapenv:Body>'
             '</soapenv:Envelope>')


def _fault(code: str, message: str) -> Response:
    body = (f'<soapenv:Fault><faultcode>sf:{code}</faultcode><faultstring>{escape(code)}: '
            f'{escape(message)}</faultstring></soapenv:Fault>')
    return Response(_ENVELOPE.format(body=body), status_code=500, media_type="text/xml")


def _local(element: ET.Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def soap(emulator: Emulator, request: Request, body: bytes) -> Response:
    """Dispatch a SOAP call by its body element."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return _fault("INVALID_XML", "the request is not XML")
    call = next((el for el in root.iter() if _local(el) in ("login", "undelete")), None)
    if call is None or _local(call) == "login":
        return soap_login(emulator, request, body)
    return _undelete(emulator, request, root, call)


def _undelete(emulator: Emulator, request: Request, root: ET.Element, call: ET.Element) -> Response:
    session = next((el.text or "" for el in root.iter() if _local(el) == "sessionId"), "")
    header = request.headers.get("authorization") or (f"Bearer {session}" if session else None)
    try:
        user_id = emulator.org.auth.user_for(header)
    except OrgError:
        return _fault("INVALID_SESSION_ID", "Invalid Session ID found in SessionHeader: Illegal Session")
    emulator.org.count_request()
    ids = [el.text or "" for el in call if _local(el) == "ids"]
    if len(ids) > 200:
        return _fault("EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than 200 records into this call")
    results = []
    for outcome in emulator.records.undelete(ids, user_id=user_id):
        if outcome.ok:
            results.append(f"<result><id>{outcome.id}</id><success>true</success></result>")
        else:
            errors = "".join(f"<errors><message>{escape(e.message)}</message><statusCode>{e.code}</statusCode>"
                             "</errors>" for e in outcome.errors)
            results.append(f'<result>{errors}<id xsi:nil="true"/><success>false</success></result>')
    body = f"<undeleteResponse>{''.join(results)}</undeleteResponse>"
    return Response(_ENVELOPE.format(body=body), status_code=200, media_type="text/xml")
