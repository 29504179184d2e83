"""The Metadata API's file-based deploy: SOAP ``deploy``, ``checkDeployStatus`` and
``cancelDeploy`` at ``/services/Soap/m/{version}``.

What it models (Metadata API Developer Guide: "deploy()", "checkDeployStatus()",
"cancelDeploy()", "DeployResult", "DeployMessage", "CancelDeployResult";
https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/):

- ``deploy`` takes a base64 zip in Metadata API format (``package.xml`` and
  ``objects/<Object>.object`` files, each a ``CustomObject`` whose ``fields`` are the
  ``CustomField`` components) and answers an ``AsyncResult`` (``Queued``). The
  deployment runs when it is first polled, or after :data:`QUEUE_SECONDS` if nobody
  polls; so ``cancelDeploy`` before any ``checkDeployStatus`` finds it still in the
  queue, where the guide says it is canceled at once (``done`` true, status
  ``Canceled``).
- ``checkDeployStatus`` answers the ``DeployResult``: ``status`` Succeeded,
  SucceededPartial, Failed or Canceled, the component counts, and with
  ``includeDetails`` one ``DeployMessage`` per component (``componentSuccesses`` /
  ``componentFailures``, each with its type, file, full name, and on failure the
  problem).
- The components applied are the ones the Tooling API creates
  (:func:`crossmap_salesforce.emulator.tooling.create`): custom objects and custom
  fields of the Tooling API's types (text, numbers, checkbox, dates, picklists,
  lookups and master-detail, external ids). Anything else — other metadata types,
  child types of an object (list views, validation rules, record types), field types
  the org does not model — fails its own component with a message that says so.
- ``rollbackOnError`` (the CLI's default): one failed component fails the deployment
  and nothing is applied; without it the rest is applied (``SucceededPartial``).
  ``checkOnly`` validates and applies nothing. The whole package is checked before
  anything is applied.
- A component that already exists with the same definition succeeds unchanged; one
  that exists with another definition fails: the local org does not alter existing
  fields.

Reading the zip is :mod:`crossmap_salesforce.emulator.metadata_package`.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from attrs import define
from starlette.requests import Request
from starlette.responses import Response

from crossmap_salesforce.emulator.errors import OrgError
from crossmap_salesforce.emulator.http import Call
from crossmap_salesforce.emulator.ids import make_id
from crossmap_salesforce.emulator.metadata_package import (
    Component,
    PackageError,
    local_name,
    read_package,
    to_value,
)
from crossmap_salesforce.emulator.tooling import FIELD_TYPES
from crossmap_salesforce.emulator.tooling import create as tooling_create

if TYPE_CHECKING:
    from crossmap_salesforce.emulator.server import Emulator

MD = "http://soap.sforce.com/2006/04/metadata"
SOAPENV = "http://schemas.xmlsoap.org/soap/envelope/"
_lock = threading.RLock()
_timers: dict[int, list[threading.Timer]] = {}
QUEUE_SECONDS = 30.0
"""How long a deployment nobody polls waits in the queue before it runs anyway."""
log = logging.getLogger(__name__)


class SoapFault(Exception):
    """A SOAP fault: ``faultcode`` and ``faultstring``."""

    def __init__(self, code: str, message: str, status: int = 500) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


# -- XML in and out -------------------------------------------------------------------

def _xml(tag: str, value: Any) -> str:
    if isinstance(value, list):
        return "".join(_xml(tag, v) for v in value)
    if isinstance(value, dict):
        return f"<{tag}>" + "".join(_xml(k, v) for k, v in value.items() if v is not None) + f"</{tag}>"
    if isinstance(value, bool):
        value = "true" if value else "false"
    return f"<{tag}>{escape(str(value))}</{tag}>"


def _envelope(operation: str, result: dict[str, Any]) -> Response:
    body = (f'<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="{SOAPENV}" '
            f'xmlns="{MD}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<soapenv:Body><{operation}Response>{_xml('result', result)}</{operation}Response>"
            "</soapenv:Body></soapenv:Envelope>")
    return Response(body, status_code=200, media_type="text/xml; charset=utf-8")


def fault_response(fault: SoapFault) -> Response:
    """A SOAP fault envelope (status 500, as the Metadata API sends them)."""
    body = (f'<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="{SOAPENV}" '
            'xmlns:sf="http://soap.sforce.com/2006/04/metadata"><soapenv:Body><soapenv:Fault>'
            f"<faultcode>{escape(fault.code)}</faultcode><faultstring>{escape(fault.message)}"
            "</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>")
    return Response(body, status_code=fault.status, media_type="text/xml; charset=utf-8")


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


# -- the deployment record ------------------------------------------------------------

@define
class Message:
    """One ``DeployMessage``."""

    component_type: str
    full_name: str
    file_name: str
    problem: str | None = None
    created: bool = False
    changed: bool = False
    id: str | None = None

    def to_xml_value(self, when: str) -> dict[str, Any]:
        out: dict[str, Any] = {
            "changed": self.changed, "componentType": self.component_type,
            "created": self.created, "createdDate": when, "deleted": False,
            "fileName": self.file_name, "fullName": self.full_name,
        }
        if self.id is not None:
            out["id"] = self.id
        if self.problem is not None:
            out["problem"] = self.problem
            out["problemType"] = "Error"
        out["success"] = self.problem is None
        return out


def _store_key(deploy_id: str) -> str:
    return f"metadata_deploy:{deploy_id}"


def _save(emulator: Emulator, record: dict[str, Any]) -> None:
    store = emulator.org.store
    with store.transaction() as conn:
        store.put_setting(conn, _store_key(record["id"]), record)


def _load(emulator: Emulator, deploy_id: str) -> dict[str, Any]:
    record = emulator.org.store.get_setting(_store_key(deploy_id)) if deploy_id else None
    if record is None:
        raise SoapFault("sf:INVALID_ID_FIELD", "INVALID_ID_FIELD: Invalid deploy ID")
    return dict(record)


# -- the endpoint ---------------------------------------------------------------------

def endpoint(emulator: Emulator, request: Request, body: bytes) -> Response:
    """``POST /services/Soap/m/{version}[/{orgId}]``: one Metadata API call."""
    try:
        return _dispatch(emulator, body)
    except SoapFault as fault:
        return fault_response(fault)


def _dispatch(emulator: Emulator, body: bytes) -> Response:
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise SoapFault("soapenv:Client", f"Unable to parse the request: {exc}") from None
    header = root.find(f"{{{SOAPENV}}}Header")
    session = None
    if header is not None:
        for el in header.iter():
            if local_name(el.tag) == "sessionId":
                session = (el.text or "").strip()
    user_id = _user(emulator, session)
    envelope_body = root.find(f"{{{SOAPENV}}}Body")
    operation = next(iter(envelope_body), None) if envelope_body is not None else None
    if operation is None:
        raise SoapFault("soapenv:Client", "The request has no operation in its Body")
    name = local_name(operation.tag)
    args = to_value(operation)
    args = args if isinstance(args, dict) else {}
    try:
        emulator.org.count_request()
    except OrgError as exc:
        raise SoapFault(f"sf:{exc.code}", f"{exc.code}: {exc.message}") from None
    if name == "deploy":
        return _envelope(name, _deploy(emulator, user_id, args))
    if name == "checkDeployStatus":
        details = args.get("includeDetails") is True
        return _envelope(name, _check(emulator, str(args.get("asyncProcessId", "")), details))
    if name == "cancelDeploy":
        return _envelope(name, _cancel(emulator, str(args.get("id", ""))))
    raise SoapFault("soapenv:Client",
                    f"No operation available for request {{{MD}}}{name}: the local org's "
                    "Metadata API answers deploy, checkDeployStatus and cancelDeploy")


def _user(emulator: Emulator, session: str | None) -> str:
    try:
        return emulator.org.auth.user_for(f"Bearer {session}" if session else None)
    except OrgError:
        raise SoapFault("sf:INVALID_SESSION_ID",
                        "INVALID_SESSION_ID: Invalid Session ID found in SessionHeader: "
                        "Illegal Session") from None


# -- deploy, check, cancel ------------------------------------------------------------

def _deploy(emulator: Emulator, user_id: str, args: dict[str, Any]) -> dict[str, Any]:
    org = emulator.org
    zip_b64 = args.get("ZipFile")
    if not isinstance(zip_b64, str) or not zip_b64:
        raise SoapFault("soapenv:Client", "deploy: ZipFile is required")
    try:
        raw = base64.b64decode(zip_b64, validate=False)
    except (binascii.Error, ValueError):
        raise SoapFault("soapenv:Client", "deploy: ZipFile is not base64") from None
    options = args.get("DeployOptions")
    options = options if isinstance(options, dict) else {}
    deploy_id = make_id("0Af", org.store.allocate_now("0Af"))
    now = _when(org.now())
    user = org.store.get(user_id)
    record = {
        "id": deploy_id, "status": "Pending", "createdBy": user_id,
        "createdByName": (user[2].get("Name") if user else None) or "",
        "createdDate": now, "lastModifiedDate": now,
        "checkOnly": options.get("checkOnly") is True,
        "rollbackOnError": options.get("rollbackOnError") is True,
        "ignoreWarnings": options.get("ignoreWarnings") is True,
        "allowMissingFiles": options.get("allowMissingFiles") is True,
        "zip": base64.b64encode(raw).decode("ascii"),
    }
    _save(emulator, record)
    _schedule(emulator, deploy_id)
    return {"done": False, "id": deploy_id, "state": "Queued"}


def _schedule(emulator: Emulator, deploy_id: str) -> None:
    """Run the deployment after :data:`QUEUE_SECONDS` if nobody polled it before."""
    timer = threading.Timer(QUEUE_SECONDS, _run_queued, (emulator, deploy_id))
    timer.daemon = True
    with _lock:
        alive = [t for t in _timers.get(id(emulator), []) if t.is_alive()]
        _timers[id(emulator)] = [*alive, timer]
    timer.start()


def _run_queued(emulator: Emulator, deploy_id: str) -> None:
    with _lock:
        try:
            record = _load(emulator, deploy_id)
            if record["status"] == "Pending":
                _run(emulator, record)
        except Exception:  # the org closed under the timer: nothing left to deploy to
            log.debug("queued deployment %s not run", deploy_id, exc_info=True)


def queued(emulator: Emulator) -> list[threading.Timer]:
    """The timers of this emulator's queued deployments (tests join them)."""
    with _lock:
        return list(_timers.get(id(emulator), []))


def close(emulator: Emulator) -> None:
    """Cancel the timers of deployments still queued (the org is closing)."""
    with _lock:
        timers = _timers.pop(id(emulator), [])
    for timer in timers:
        timer.cancel()


def _check(emulator: Emulator, deploy_id: str, details: bool) -> dict[str, Any]:
    with _lock:
        record = _load(emulator, deploy_id)
        if record["status"] == "Pending":
            record = _run(emulator, record)
    return _result(record, details)


def _cancel(emulator: Emulator, deploy_id: str) -> dict[str, Any]:
    with _lock:
        record = _load(emulator, deploy_id)
        if record["status"] != "Pending":
            raise SoapFault("sf:INVALID_ID_FIELD", "INVALID_ID_FIELD: Deployment already completed")
        now = _when(emulator.org.now())
        record.update(status="Canceled", done=True, completedDate=now, lastModifiedDate=now,
                      canceledBy=record["createdBy"], canceledByName=record["createdByName"],
                      messages=[], numberComponentsTotal=0)
        record.pop("zip", None)
        _save(emulator, record)
    return {"done": True, "id": deploy_id}


def _result(record: dict[str, Any], details: bool) -> dict[str, Any]:
    status = record["status"]
    done = status not in ("Pending", "InProgress")
    messages = [Message(**m) for m in record.get("messages", [])]
    failures = [m for m in messages if m.problem is not None]
    successes = [m for m in messages if m.problem is None]
    components = [m for m in messages if m.component_type]
    out: dict[str, Any] = {
        "canceledBy": record.get("canceledBy"), "canceledByName": record.get("canceledByName"),
        "checkOnly": record["checkOnly"], "completedDate": record.get("completedDate"),
        "createdBy": record["createdBy"], "createdByName": record["createdByName"],
        "createdDate": record["createdDate"],
    }
    when = record.get("completedDate") or record["createdDate"]
    if details:
        out["details"] = {
            "componentFailures": [m.to_xml_value(when) for m in failures],
            "componentSuccesses": [m.to_xml_value(when) for m in successes],
            "runTestResult": {"numFailures": 0, "numTestsRun": 0, "totalTime": "0.0"},
        }
    deployed = sum(1 for m in components if m.problem is None) if status != "Failed" else 0
    out.update({
        "done": done, "id": record["id"], "ignoreWarnings": record["ignoreWarnings"],
        "lastModifiedDate": record["lastModifiedDate"],
        "numberComponentErrors": sum(1 for m in components if m.problem is not None),
        "numberComponentsDeployed": deployed,
        "numberComponentsTotal": len(components),
        "numberTestErrors": 0, "numberTestsCompleted": 0, "numberTestsTotal": 0,
        "rollbackOnError": record["rollbackOnError"], "runTestsEnabled": False,
        "startDate": record.get("startDate"), "status": status,
        "success": status in ("Succeeded", "SucceededPartial"),
    })
    if record.get("errorMessage"):
        out["errorMessage"] = record["errorMessage"]
        out["errorStatusCode"] = record.get("errorStatusCode")
    return out


def _run(emulator: Emulator, record: dict[str, Any]) -> dict[str, Any]:
    """Check the whole package, then apply it (unless a failure rolls it back)."""
    org = emulator.org
    record["startDate"] = _when(org.now())
    raw = base64.b64decode(record.pop("zip", ""))
    messages: list[Message] = []
    try:
        components, package_file = read_package(raw, record.get("allowMissingFiles") is True)
    except PackageError as exc:
        messages.append(Message("", exc.file_name, exc.file_name, problem=exc.problem))
        components, package_file = [], None
    if package_file is not None:
        messages.append(Message("", "package.xml", package_file, changed=True))
    _check_components(emulator, components)
    failed = any(c.problem for c in components) or any(m.problem for m in messages)
    apply = not record["checkOnly"] and not (failed and record["rollbackOnError"])
    for component in _ordered(components):
        if component.problem is not None:
            messages.append(Message(component.component_type, component.full_name,
                                    component.file_name, problem=component.problem))
            continue
        messages.append(_apply(emulator, record["createdBy"], component, apply))
    failed = any(m.problem for m in messages)
    if not failed:
        status = "Succeeded"
    elif apply and any(m.problem is None and m.component_type for m in messages):
        status = "SucceededPartial"
    else:
        status = "Failed"
    now = _when(org.now())
    record.update(status=status, completedDate=now, lastModifiedDate=now,
                  messages=[_message_dict(m) for m in messages])
    if status == "Failed" and not any(m.component_type for m in messages):
        record["errorStatusCode"] = "UNKNOWN_EXCEPTION"
        record["errorMessage"] = next((m.problem for m in messages if m.problem), None)
    _save(emulator, record)
    return record


def _message_dict(m: Message) -> dict[str, Any]:
    return {"component_type": m.component_type, "full_name": m.full_name,
            "file_name": m.file_name, "problem": m.problem, "created": m.created,
            "changed": m.changed, "id": m.id}


# -- checking and applying ------------------------------------------------------------

def _ordered(components: Iterable[Component]) -> list[Component]:
    """Objects before fields (a lookup may point at an object of the same package)."""
    rank = {"CustomObject": 0, "CustomField": 1}
    return sorted(components, key=lambda c: rank.get(c.component_type, 2))


def _check_components(emulator: Emulator, components: list[Component]) -> None:
    """Find every problem before anything is applied (the deploy is all or nothing)."""
    definition = emulator.org.definition
    new_objects = {c.full_name.lower() for c in components
                   if c.component_type == "CustomObject" and c.problem is None}
    seen: set[str] = set()
    for c in components:
        if c.problem is not None:
            continue
        key = f"{c.component_type}:{c.full_name.lower()}"
        if key in seen:
            c.problem = f"Duplicate name '{c.full_name}' in the package"
            continue
        seen.add(key)
        if c.component_type == "CustomObject":
            if not c.full_name.endswith("__c") and definition.find(c.full_name) is None:
                c.problem = (f"Cannot create standard object {c.full_name}; custom object names "
                             "end in __c")
            continue
        object_name, _, field_name = c.full_name.partition(".")
        if definition.find(object_name) is None and object_name.lower() not in new_objects:
            c.problem = f"Cannot find the object {object_name} (not in the org, not in this package)"
        elif not field_name.endswith("__c"):
            c.problem = f"{field_name}: custom field names end in __c"
        elif c.metadata.get("type") not in FIELD_TYPES:
            c.problem = (f"The local org does not model field type {c.metadata.get('type')!r}; it "
                         f"models {', '.join(FIELD_TYPES)}")
        elif c.metadata.get("type") in ("Lookup", "MasterDetail"):
            target = str(c.metadata.get("referenceTo") or "")
            if not target:
                c.problem = "referenceTo: a relationship field must name the object it points at"
            elif definition.find(target) is None and target.lower() not in new_objects:
                c.problem = f"referenceTo value of '{target}' does not resolve to a valid sObject type"
        if c.problem is None:
            c.problem = _conflict(emulator, object_name, field_name, c.metadata)


def _conflict(emulator: Emulator, object_name: str, field_name: str, meta: dict[str, Any]) -> str | None:
    """Why an existing field cannot take this definition (None if it is absent or alike)."""
    od = emulator.org.definition.find(object_name)
    existing = od.field(field_name) if od is not None else None
    if existing is None:
        return None
    sf_type = FIELD_TYPES[str(meta["type"])][0]
    if existing.get("type") != sf_type:
        return (f"{object_name}.{field_name} exists as {existing.get('type')}; the local org does "
                f"not change an existing field to {meta['type']}")
    if sf_type in ("picklist", "multipicklist"):
        have = {str(v.get("value")) for v in existing.get("picklistValues") or ()}
        values = ((meta.get("valueSet") or {}).get("valueSetDefinition") or {}).get("value") or []
        missing = [str(v.get("fullName")) for v in values if isinstance(v, dict)
                   and str(v.get("fullName")) not in have]
        if missing:
            return (f"{object_name}.{field_name} exists without the values {', '.join(missing)}; "
                    "the local org does not change an existing picklist")
    return None


def _apply(emulator: Emulator, user_id: str, c: Component, apply: bool) -> Message:
    """Create one component through the Tooling API (or, checking only, say it would)."""
    definition = emulator.org.definition
    if c.component_type == "CustomObject":
        exists = definition.find(c.full_name) is not None
    else:
        object_name, _, field_name = c.full_name.partition(".")
        od = definition.find(object_name)
        exists = od is not None and od.field(field_name) is not None
    if exists or not apply:
        return Message(c.component_type, c.full_name, c.file_name, created=not exists,
                       changed=not exists)
    call = Call(emulator=emulator, user_id=user_id, method="POST", version="62.0",
                params={"object": c.component_type}, query={}, headers={},
                body=json.dumps({"FullName": c.full_name, "Metadata": c.metadata}).encode(),
                base_url=emulator.base_url)
    try:
        response = tooling_create(call)
    except OrgError as exc:
        return Message(c.component_type, c.full_name, c.file_name, problem=exc.message)
    new_id = json.loads(bytes(response.body)).get("id")
    return Message(c.component_type, c.full_name, c.file_name, created=True, changed=True,
                   id=new_id)
