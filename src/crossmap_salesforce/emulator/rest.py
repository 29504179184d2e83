"""REST API handlers: describe, sObject rows, get by external id, limits, composite
sObject collections."""

from __future__ import annotations

import base64
import email.parser
import email.policy
import json
from typing import Any

from starlette.responses import Response

from crossmap_salesforce.emulator.errors import OrgError
from crossmap_salesforce.emulator.http import Call, empty, json_response
from crossmap_salesforce.emulator.orgdef import ObjectDef, describe_for
from crossmap_salesforce.emulator.records import Outcome

_GLOBAL_KEYS = (
    "activateable", "createable", "custom", "customSetting", "deepCloneable", "deletable",
    "deprecatedAndHidden", "feedEnabled", "hasSubtypes", "isInterface", "isSubtype",
    "keyPrefix", "label", "labelPlural", "layoutable", "mergeable", "mruEnabled", "name",
    "queryable", "replicateable", "retrieveable", "searchable", "triggerable", "undeletable",
    "updateable",
)
_GLOBAL_DEFAULTS: dict[str, Any] = {
    "activateable": False, "customSetting": False, "deepCloneable": False,
    "deprecatedAndHidden": False, "feedEnabled": False, "hasSubtypes": False,
    "isInterface": False, "isSubtype": False, "layoutable": True, "mergeable": False,
    "mruEnabled": False, "replicateable": True, "retrieveable": True, "searchable": True,
    "triggerable": True, "undeletable": True,
}

MAX_COLLECTION = 200


def urls(od: ObjectDef, prefix: str) -> dict[str, str]:
    """The ``urls`` block of an object for one API version."""
    base = f"{prefix}/sobjects/{od.name}"
    return {
        "compactLayouts": f"{base}/describe/compactLayouts", "rowTemplate": f"{base}/{{ID}}",
        "approvalLayouts": f"{base}/describe/approvalLayouts", "describe": f"{base}/describe",
        "quickActions": f"{base}/quickActions", "layouts": f"{base}/describe/layouts",
        "sobject": base,
    }


def summary(od: ObjectDef, prefix: str) -> dict[str, Any]:
    """An object's entry in the global describe."""
    d = od.describe
    out = {k: d.get(k, _GLOBAL_DEFAULTS.get(k)) for k in _GLOBAL_KEYS}
    out["urls"] = urls(od, prefix)
    return out


def global_describe(call: Call) -> Response:
    """``GET /sobjects``."""
    prefix = call.prefix()
    return json_response({
        "encoding": "UTF-8", "maxBatchSize": 200,
        "sobjects": [summary(od, prefix) for od in call.emulator.org.definition],
    })


def describe(call: Call) -> Response:
    """``GET /sobjects/{O}/describe``."""
    od = call.emulator.org.definition.get(call.params["object"])
    body = describe_for(od, call.emulator.org.settings)
    body["urls"] = urls(od, call.prefix())
    return json_response(body)


def object_info(call: Call) -> Response:
    """``GET /sobjects/{O}``: basic information and recent items."""
    od = call.emulator.org.definition.get(call.params["object"])
    return json_response({"objectDescribe": summary(od, call.prefix()), "recentItems": []})


class _Errors(OrgError):
    """Several errors of one record, answered together (status of the first)."""

    def __init__(self, errors: tuple[OrgError, ...]) -> None:
        super().__init__(errors[0].status, errors[0].code, errors[0].message, errors[0].fields)
        self.errors = errors

    def body(self) -> list[dict[str, Any]]:
        return [e.body()[0] for e in self.errors]


def _single_result(outcome: Outcome) -> None:
    """Raise a single-record write's errors, all of them, as the REST body."""
    if not outcome.ok:
        raise _Errors(outcome.errors)


def _content_version_body(call: Call) -> dict[str, Any]:
    """The record of a ContentVersion insert, from JSON or multipart."""
    ctype = call.headers.get("content-type", "")
    if not ctype.startswith("multipart/"):
        body = call.json()
        if not isinstance(body, dict):
            raise OrgError(400, "JSON_PARSER_ERROR", "The request body must be a JSON object")
        return body
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {ctype}\r\n\r\n".encode() + call.body
    )
    record: dict[str, Any] | None = None
    data: bytes | None = None
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        if name == "entity_content":
            record = json.loads(payload)
        elif name == "VersionData":
            data = payload
    if record is None or data is None:
        raise OrgError(400, "MALFORMED_REQUEST",
                       "multipart body needs entity_content and VersionData parts")
    record["VersionData"] = base64.b64encode(data).decode("ascii")
    return record


def create(call: Call) -> Response:
    """``POST /sobjects/{O}``: 201 ``{id, success, errors}``."""
    emu = call.emulator
    od = emu.org.definition.get(call.params["object"])
    body = _content_version_body(call) if od.name == "ContentVersion" else call.json()
    if not isinstance(body, dict):
        raise OrgError(400, "JSON_PARSER_ERROR", "The request body must be a JSON object")
    if "Id" in body or "id" in body:
        raise OrgError(400, "INVALID_FIELD_FOR_INSERT_UPDATE",
                       "cannot specify Id in an insert call", ("Id",))
    (outcome,) = emu.records.write(od, "insert", [body], user_id=call.user_id)
    _single_result(outcome)
    return json_response({"id": outcome.id, "success": True, "errors": []}, 201)


def _is_ext_field(od: ObjectDef, name: str) -> dict[str, Any] | None:
    """The field's describe if upserts and look-ups may key on it (an external id or
    the Id itself)."""
    f = od.field(name)
    if f is not None and (f.get("externalId") or f["type"] == "id"):
        return f
    return None


def row(call: Call) -> Response:
    """``GET|PATCH|DELETE /sobjects/{O}/{id}``."""
    emu = call.emulator
    od = emu.org.definition.get(call.params["object"])
    rid = call.params["id"]
    if call.method == "GET":
        data = emu.records.fetch(od, rid)
        fields = call.query.get("fields")
        names = [f.strip() for f in fields.split(",")] if fields else None
        return json_response(emu.records.shape(od, data, names, call.version))
    if call.method == "DELETE":
        emu.records.fetch(od, rid)
        (outcome,) = emu.records.delete([rid], user_id=call.user_id, expected=od)
        _single_result(outcome)
        return empty()
    body = call.json()
    if not isinstance(body, dict):
        raise OrgError(400, "JSON_PARSER_ERROR", "The request body must be a JSON object")
    data = emu.records.fetch(od, rid)
    body = {k: v for k, v in body.items() if k.lower() != "id"}
    body["Id"] = data["Id"]
    (outcome,) = emu.records.write(od, "update", [body], user_id=call.user_id)
    _single_result(outcome)
    return empty()


def by_external_id(call: Call) -> Response:
    """``GET|PATCH|DELETE /sobjects/{O}/{Field}/{value}``; also a blob read
    (``GET /sobjects/ContentVersion/{id}/VersionData``)."""
    emu = call.emulator
    od = emu.org.definition.get(call.params["object"])
    first, second = call.params["field"], call.params["value"]
    f = _is_ext_field(od, first)
    if f is None:
        blob_field = od.field(second)
        if call.method == "GET" and blob_field is not None and blob_field["type"] == "base64":
            data = emu.records.fetch(od, first)
            content = emu.org.store.get_blob(data["Id"])
            if content is None:
                raise OrgError(404, "NOT_FOUND", "The requested resource does not exist")
            return Response(content, media_type="application/octetstream")
        raise OrgError(404, "NOT_FOUND",
                       f"Provided external ID field does not exist or is not accessible: {first}")
    field_name = f["name"]
    if call.method == "PATCH":
        body = call.json()
        if not isinstance(body, dict):
            raise OrgError(400, "JSON_PARSER_ERROR", "The request body must be a JSON object")
        body = {k: v for k, v in body.items() if k.lower() != field_name.lower()}
        body[field_name] = second
        (outcome,) = emu.records.write(od, "upsert", [body], user_id=call.user_id,
                                       ext_field=field_name)
        _single_result(outcome)
        return json_response({"id": outcome.id, "success": True, "errors": [],
                              "created": outcome.created}, 201 if outcome.created else 200)
    if f["type"] == "id":
        matches = [second]
    else:
        hit = emu.org.store.find_unique(od.name, field_name, second.lower())
        matches = [hit] if hit else []
    if not matches:
        raise OrgError(404, "NOT_FOUND", "The requested resource does not exist")
    data = emu.records.fetch(od, matches[0])
    if call.method == "DELETE":
        (outcome,) = emu.records.delete([data["Id"]], user_id=call.user_id, expected=od)
        _single_result(outcome)
        return empty()
    return json_response(emu.records.shape(od, data, None, call.version))


def limits(call: Call) -> Response:
    """``GET /limits``."""
    org = call.emulator.org
    used = org.requests_used()
    s = org.settings
    bulk_used = call.emulator.bulk.records_today() if call.emulator.bulk else 0

    def pair(maximum: int, remaining: int) -> dict[str, int]:
        return {"Max": maximum, "Remaining": max(0, remaining)}

    return json_response({
        "DailyApiRequests": pair(s.daily_api_requests, s.daily_api_requests - used),
        "DailyBulkV2QueryJobs": pair(10000, 10000),
        "DailyBulkV2QueryFileStorageMB": pair(1048576, 1048576),
        "DailyBulkApiBatches": pair(15000, 15000 - (bulk_used + 9999) // 10000),
        "DataStorageMB": pair(1024, 1024),
        "FileStorageMB": pair(1024, 1024),
        "BulkV2IngestRecords": pair(s.bulk_daily_records, s.bulk_daily_records - bulk_used),
    })


def record_count(call: Call) -> Response:
    """``GET /limits/recordCount?sObjects=Account,Contact``: live records per object
    (REST API Developer Guide, "Record Count": ``{"sObjects": [{"count", "name"}]}``;
    without ``sObjects``, every object that has records)."""
    org = call.emulator.org
    counts = dict(org.store.read().execute(
        "SELECT object, COUNT(*) FROM records WHERE deleted = 0 GROUP BY object").fetchall())
    wanted = [n.strip() for n in call.query.get("sObjects", "").split(",") if n.strip()]
    names = [org.definition.get(n).name for n in wanted] if wanted else sorted(counts)
    return json_response({"sObjects": [{"count": int(counts.get(n, 0)), "name": n}
                                       for n in names]})


# -- composite sObject collections -----------------------------------------------


def _item(outcome: Outcome, with_created: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"id": outcome.id, "success": outcome.ok,
                           "errors": [e.item() for e in outcome.errors]}
    if with_created:
        out["created"] = outcome.created
    return out


def _collection_records(call: Call) -> tuple[list[dict[str, Any]], bool]:
    body = call.json()
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        raise OrgError(400, "JSON_PARSER_ERROR", "Expected {\"records\": [...]} in the body")
    records = body["records"]
    if len(records) > MAX_COLLECTION:
        raise OrgError(400, "EXCEEDED_ID_LIMIT",
                       f"record limit reached. cannot submit more than {MAX_COLLECTION} records "
                       "into this call")
    return records, bool(body.get("allOrNone", False))


def _by_type(call: Call, records: list[dict[str, Any]]) -> list[tuple[ObjectDef | None, OrgError | None]]:
    out: list[tuple[ObjectDef | None, OrgError | None]] = []
    for r in records:
        attrs = r.get("attributes") if isinstance(r, dict) else None
        name = attrs.get("type") if isinstance(attrs, dict) else None
        od = call.emulator.org.definition.find(name) if name else None
        if od is None:
            out.append((None, OrgError(400, "INVALID_TYPE",
                                       "sObject type must be specified in attributes.type"
                                       if not name else f"sObject type '{name}' is not supported.")))
        else:
            out.append((od, None))
    return out


def collections(call: Call) -> Response:
    """``/composite/sobjects``: POST create, PATCH update, DELETE by ``ids``, and
    GET/POST retrieve under ``/composite/sobjects/{O}``."""
    emu = call.emulator
    if call.method == "DELETE":
        ids = [i for i in call.query.get("ids", "").split(",") if i]
        if len(ids) > MAX_COLLECTION:
            raise OrgError(400, "EXCEEDED_ID_LIMIT",
                           f"record limit reached. cannot submit more than {MAX_COLLECTION} "
                           "records into this call")
        all_or_none = call.query.get("allOrNone", "false").lower() == "true"
        outcomes = emu.records.delete(ids, user_id=call.user_id, all_or_none=all_or_none)
        return json_response([_item(o, False) for o in outcomes])
    records, all_or_none = _collection_records(call)
    op = "insert" if call.method == "POST" else "update"
    typed = _by_type(call, records)
    results: list[Outcome | None] = [None] * len(records)
    groups: dict[str, list[int]] = {}
    for i, (od, err) in enumerate(typed):
        if err is not None:
            results[i] = Outcome(None, False, (err,))
        elif op == "insert" and isinstance(records[i], dict) and records[i].get("Id"):
            results[i] = Outcome(None, False, (OrgError(
                400, "INVALID_FIELD", "Record ID: cannot specify Id in an insert call", ("Id",)),))
        else:
            assert od is not None
            groups.setdefault(od.name, []).append(i)
    if all_or_none and any(o is not None for o in results):
        return _rolled_back(results)
    # allOrNone across several object types: validate all, then commit only if every
    # group passed (the write pipeline commits per call, so dry-run by grouping).
    for i, o in _write_groups(call, groups, records, op, all_or_none, None).items():
        results[i] = o
    return json_response([_item(o, False) for o in results if o is not None])


def _rolled_back(outcomes: list[Outcome | None]) -> Response:
    from crossmap_salesforce.emulator.records import rolled_back

    return json_response([
        _item(o if o is not None and not o.ok else Outcome(None, False, (rolled_back(),)), False)
        for o in outcomes
    ])


def _write_groups(call: Call, groups: dict[str, list[int]], records: list[dict[str, Any]],
                  op: str, all_or_none: bool, ext_field: str | None) -> dict[int, Outcome]:
    emu = call.emulator
    results: dict[int, Outcome] = {}
    store = emu.org.store
    # One transaction around all groups so allOrNone can undo earlier groups.
    try:
        with store.transaction():
            for name, indexes in groups.items():
                od = emu.org.definition.get(name)
                outs = emu.records.write(od, op, [records[i] for i in indexes],  # type: ignore[arg-type]
                                         user_id=call.user_id, ext_field=ext_field,
                                         all_or_none=all_or_none)
                for i, o in zip(indexes, outs, strict=True):
                    results[i] = o
                if all_or_none and any(not o.ok for o in outs):
                    raise _Rollback
    except _Rollback:
        from crossmap_salesforce.emulator.records import rolled_back

        return {
            i: (results[i] if i in results and not results[i].ok
                else Outcome(None, False, (rolled_back(),)))
            for idxs in groups.values() for i in idxs
        }
    return results


class _Rollback(Exception):
    """Unwinds the collection transaction when allOrNone fails."""


def collection_upsert(call: Call) -> Response:
    """``PATCH /composite/sobjects/{O}/{ExtField}``."""
    emu = call.emulator
    od = emu.org.definition.get(call.params["object"])
    f = _is_ext_field(od, call.params["field"])
    if f is None:
        raise OrgError(400, "INVALID_FIELD",
                       f"Provided external ID field does not exist or is not accessible: "
                       f"{call.params['field']}")
    records, all_or_none = _collection_records(call)
    for r in records:
        attrs = r.get("attributes") if isinstance(r, dict) else None
        if not isinstance(attrs, dict) or str(attrs.get("type", "")).lower() != od.name.lower():
            raise OrgError(400, "INVALID_TYPE", "sObject type must match the URL")
    results = _write_groups(call, {od.name: list(range(len(records)))}, records, "upsert",
                            all_or_none, f["name"])
    return json_response([_item(results[i], True) for i in range(len(records))])


def collection_retrieve(call: Call) -> Response:
    """``GET /composite/sobjects/{O}?ids=…&fields=…`` (or POST with a JSON body)."""
    emu = call.emulator
    od = emu.org.definition.get(call.params["object"])
    if call.method == "POST":
        body = call.json() or {}
        ids, fields = body.get("ids") or [], body.get("fields") or []
    else:
        ids = [i for i in call.query.get("ids", "").split(",") if i]
        fields = [f for f in call.query.get("fields", "").split(",") if f]
    if not fields:
        raise OrgError(400, "MALFORMED_QUERY", "fields parameter is required")
    if len(ids) > 2000:
        raise OrgError(400, "EXCEEDED_ID_LIMIT", "cannot retrieve more than 2000 records")
    out: list[dict[str, Any] | None] = []
    for rid in ids:
        try:
            data = emu.records.fetch(od, rid)
        except OrgError:
            out.append(None)
            continue
        out.append(emu.records.shape(od, data, fields, call.version))
    return json_response(out)
