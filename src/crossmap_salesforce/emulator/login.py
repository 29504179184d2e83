"""The login endpoints: OAuth 2.0 token (password and client-credentials grants),
token revocation, the SOAP ``login`` call, and the identity calls a client makes right
after login (the OpenID Connect UserInfo endpoint and the identity URL)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from starlette.requests import Request
from starlette.responses import Response

from crossmap_salesforce.emulator.auth import LoginFailed
from crossmap_salesforce.emulator.discovery import LATEST
from crossmap_salesforce.emulator.errors import OrgError
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


# -- identity: the OpenID Connect UserInfo endpoint and the identity URL ------------

def _user_urls(base: str, org_id: str, user_id: str, version: str) -> dict[str, str]:
    """The ``urls`` block of an identity response. ``{version}`` stays literal unless
    the caller asked for a version (``?version=62.0`` or ``latest``)."""
    org15 = org_id[:15]
    return {
        "enterprise": f"{base}/services/Soap/c/{version}/{org15}",
        "metadata": f"{base}/services/Soap/m/{version}/{org15}",
        "partner": f"{base}/services/Soap/u/{version}/{org15}",
        "rest": f"{base}/services/data/v{version}/",
        "sobjects": f"{base}/services/data/v{version}/sobjects/",
        "search": f"{base}/services/data/v{version}/search/",
        "query": f"{base}/services/data/v{version}/query/",
        "recent": f"{base}/services/data/v{version}/recent/",
        "tooling_soap": f"{base}/services/Soap/T/{version}/{org15}",
        "tooling_rest": f"{base}/services/data/v{version}/tooling/",
        "profile": f"{base}/{user_id}",
        "feeds": f"{base}/services/data/v{version}/chatter/feeds",
        "groups": f"{base}/services/data/v{version}/chatter/groups",
        "users": f"{base}/services/data/v{version}/chatter/users",
        "feed_items": f"{base}/services/data/v{version}/chatter/feed-items",
        "feed_elements": f"{base}/services/data/v{version}/chatter/feed-elements",
        "custom_domain": base,
    }


def _version_param(request: Request) -> str:
    """The identity calls' ``version`` parameter: a number, ``latest``, or absent."""
    wanted = request.query_params.get("version", "")
    if wanted == "latest":
        return LATEST
    return wanted if re.fullmatch(r"\d+\.\d", wanted) else "{version}"


def _bad_token() -> Response:
    # The identity service answers a bad token with a plain 403, not the REST
    # API's INVALID_SESSION_ID body.
    return Response("Bad_OAuth_Token", status_code=403, media_type="text/plain")


def _token_of(request: Request) -> str | None:
    scheme, _, value = (request.headers.get("authorization") or "").partition(" ")
    if scheme.lower() in ("bearer", "oauth") and value.strip():
        return value.strip()
    return request.query_params.get("oauth_token")


def _identity_user(emulator: Emulator, request: Request) -> tuple[str, dict[str, object]] | Response:
    """The caller's user Id and record, or the 403 for a bad token."""
    token_value = _token_of(request)
    try:
        user_id = emulator.org.auth.user_for(f"Bearer {token_value}" if token_value else None)
    except OrgError:
        return _bad_token()
    hit = emulator.org.store.get(user_id)
    if hit is None:
        return _bad_token()
    return user_id, hit[2]


def _locale(user: dict[str, object]) -> tuple[str, str, str]:
    """(zoneinfo, language, locale) of a user record."""
    return (str(user.get("TimeZoneSidKey") or "GMT"), str(user.get("LanguageLocaleKey") or "en_US"),
            str(user.get("LocaleSidKey") or "en_US"))


def userinfo(emulator: Emulator, request: Request, body: bytes) -> Response:
    """``GET /services/oauth2/userinfo``: the OpenID Connect UserInfo response of the
    token's user (the OpenID Connect Basic Client Profile claims plus Salesforce's
    ``user_id``, ``organization_id`` and ``urls``)."""
    found = _identity_user(emulator, request)
    if isinstance(found, Response):
        return found
    user_id, user = found
    org = emulator.org
    base = emulator.base_url
    zoneinfo, language, locale = _locale(user)
    return json_response({
        "sub": f"{base}/id/{org.org_id}/{user_id}",
        "user_id": user_id,
        "organization_id": org.org_id,
        "preferred_username": user.get("Username"),
        "nickname": user.get("Alias"),
        "name": user.get("Name"),
        "email": user.get("Email"),
        "email_verified": True,
        "given_name": user.get("FirstName"),
        "family_name": user.get("LastName"),
        "zoneinfo": zoneinfo,
        "photos": {"picture": f"{base}/profilephoto/005/F",
                   "thumbnail": f"{base}/profilephoto/005/T"},
        "profile": f"{base}/{user_id}",
        "picture": f"{base}/profilephoto/005/F",
        "address": {},
        "is_salesforce_integration_user": False,
        "urls": _user_urls(base, org.org_id, user_id, _version_param(request)),
        "active": bool(user.get("IsActive", True)),
        "user_type": "STANDARD",
        "language": language,
        "locale": locale,
        "utcOffset": 0,
        "updated_at": user.get("LastModifiedDate"),
        "is_app_installed": True,
    })


def identity(emulator: Emulator, request: Request, body: bytes) -> Response:
    """``GET /id/{org}/{user}``: the identity URL a token response names."""
    found = _identity_user(emulator, request)
    if isinstance(found, Response):
        return found
    org = emulator.org
    org_param, user_param = request.path_params["org"], request.path_params["user"]
    if org_param[:15] != org.org_id[:15]:
        return Response("Wrong_Org", status_code=403, media_type="text/plain")
    hit = org.store.get(user_param) if len(user_param) in (15, 18) else None
    if hit is None or hit[0] != "User" or hit[1]:
        return Response("Bad_Id", status_code=404, media_type="text/plain")
    user = hit[2]
    user_id = str(user["Id"])
    base = emulator.base_url
    zoneinfo, language, locale = _locale(user)
    return json_response({
        "id": f"{base}/id/{org.org_id}/{user_id}",
        "asserted_user": user_id == found[0],
        "user_id": user_id,
        "organization_id": org.org_id,
        "username": user.get("Username"),
        "nick_name": user.get("Alias"),
        "display_name": user.get("Name"),
        "email": user.get("Email"),
        "email_verified": True,
        "first_name": user.get("FirstName"),
        "last_name": user.get("LastName"),
        "timezone": zoneinfo,
        "photos": {"picture": f"{base}/profilephoto/005/F",
                   "thumbnail": f"{base}/profilephoto/005/T"},
        "addr_street": None, "addr_city": None, "addr_state": None, "addr_country": None,
        "addr_zip": None, "mobile_phone": None, "mobile_phone_verified": False,
        "is_lightning_login_user": False,
        "status": {"created_date": None, "body": None},
        "urls": _user_urls(base, org.org_id, user_id, _version_param(request)),
        "active": bool(user.get("IsActive", True)),
        "user_type": "STANDARD",
        "language": language,
        "locale": locale,
        "utcOffset": 0,
        "last_modified_date": user.get("LastModifiedDate"),
        "is_app_installed": True,
    })
