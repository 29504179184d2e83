"""The login endpoints: OAuth 2.0 token (password and client-credentials grants),
token revocation, and the SOAP ``login`` call."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from starlette.requests import Request
from starlette.responses import Response

from crossmap_salesforce.emulator.auth import LoginFailed
from crossmap_salesforce.emulator.http import json_response

if TYPE_CHECKING:
    from crossmap_salesforce.emulator.server import Emulator


def _form(body: bytes) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}


def token(emulator: Emulator, request: Request, body: bytes) -> Response:
    """``POST /services/oauth2/token``."""
    org = emulator.org
    form = _form(body)
    grant = form.get("grant_type", "")
    base = emulator.base_url
    try:
        if grant == "password":
            org.auth.check_client(form.get("client_id"), form.get("client_secret"))
            user_id = org.auth.login(form.get("username", ""), form.get("password", ""),
                                     org.user_ids_by_username())
        elif grant == "client_credentials":
            org.auth.check_client(form.get("client_id"), form.get("client_secret") or "")
            user_id = org.admin_id
        else:
            raise LoginFailed("unsupported_grant_type", "grant type not supported")
    except LoginFailed as exc:
        return json_response({"error": exc.error, "error_description": exc.description}, 400)
    access = org.auth.issue(user_id)
    issued = str(int(org.now().timestamp() * 1000))
    return json_response({
        "access_token": access, "instance_url": base, "token_type": "Bearer",
        "issued_at": issued, "id": f"{base}/id/{org.org_id}/{user_id}",
        "signature": "", "scope": "api",
    })


def revoke(emulator: Emulator, request: Request, body: bytes) -> Response:
    """``POST /services/oauth2/revoke`` (form ``token=…``)."""
    value = _form(body).get("token") or request.query_params.get("token", "")
    emulator.org.auth.revoke(value)
    return Response(b"", status_code=200)


_FAULT = """<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" \
xmlns:sf="urn:fault.partner.soap.sforce.com" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault>\
<faultcode>sf:INVALID_LOGIN</faultcode><faultstring>INVALID_LOGIN: Invalid username, password, \
security token; or user locked out.</faultstring><detail><sf:LoginFault \
xsi:type="sf:LoginFault"><sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode>\
<sf:exceptionMessage>Invalid username, password, security token; or user locked out.\
</sf:exceptionMessage></sf:LoginFault></detail></soapenv:Fault></soapenv:Body>\
</soapenv:Envelope>"""


def _text(root: ET.Element, local: str) -> str:
    for el in root.iter():
        if el.tag.rsplit("}", 1)[-1] == local:
            return el.text or ""
    return ""


def soap_login(emulator: Emulator, request: Request, body: bytes) -> Response:
    """``POST /services/Soap/u/{version}`` with a ``login`` envelope."""
    org = emulator.org
    version = request.path_params.get("version", "59.0")
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return Response(_FAULT, status_code=500, media_type="text/xml")
    username, password = _text(root, "username"), _text(root, "password")
    try:
        user_id = org.auth.login(username, password, org.user_ids_by_username())
    except LoginFailed:
        return Response(_FAULT, status_code=500, media_type="text/xml")
    session = org.auth.issue(user_id)
    base = emulator.base_url
    version = re.sub(r"[^0-9.]", "", version) or "59.0"
    server_url = f"{base}/services/Soap/u/{version}/{org.org_id[:15]}"
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" \
xmlns="urn:partner.soap.sforce.com"><soapenv:Body><loginResponse><result>\
<metadataServerUrl>{base}/services/Soap/m/{version}/{org.org_id[:15]}</metadataServerUrl>\
<passwordExpired>false</passwordExpired><sandbox>false</sandbox>\
<serverUrl>{server_url}</serverUrl><sessionId>{escape(session)}</sessionId>\
<userId>{user_id}</userId><userInfo><organizationId>{org.org_id}</organizationId>\
<userName>{escape(username)}</userName></userInfo></result></loginResponse></soapenv:Body>\
</soapenv:Envelope>"""
    return Response(xml, status_code=200, media_type="text/xml")
