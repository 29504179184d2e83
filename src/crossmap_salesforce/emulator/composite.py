"""The Composite resources: ``/composite``, ``/composite/batch``,
``/composite/graph`` and ``/composite/tree/{O}``.

Subrequests run in-process through the same handlers as the REST API (one API call
is counted for the whole request, as Salesforce counts it). From the REST API
Developer Guide (developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/):

- *Composite* (``resources_composite_composite.htm``): up to 25 subrequests, run in
  order; ``@{referenceId.field}`` in a later subrequest's URL or body is replaced by
  that value of an earlier response (``@{NewAccount.id}``,
  ``@{Query.records[0].Id}``). With ``allOrNone`` the first failure rolls every
  subrequest back and the others answer ``PROCESSING_HALTED``; without it the others
  run and only those that refer to a failed one are halted.
- *Composite Batch* (``resources_composite_batch.htm``): up to 25 independent
  subrequests, each its own transaction; with ``haltOnError`` the ones after a
  failure answer 412 ``BATCH_PROCESSING_HALTED``.
- *Composite Graph* (``resources_composite_graph.htm``): each graph is a composite
  request that succeeds or rolls back as a whole.
- *sObject Tree* (``resources_composite_sobject_tree.htm``): records with their
  children (named by child relationship), up to 200 in all and 5 levels, created in
  one transaction: all succeed, or none is kept and the failures are listed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from starlette.responses import Response
from starlette.routing import compile_path

from crossmap_salesforce.emulator.errors import OrgError
from crossmap_salesforce.emulator.http import Call, error_response, json_response
from crossmap_salesforce.emulator.orgdef import ObjectDef
from crossmap_salesforce.emulator.rest import by_external_id as rest_by_external_id
from crossmap_salesforce.emulator.rest import collection_retrieve as rest_collection_retrieve
from crossmap_salesforce.emulator.rest import collection_upsert as rest_collection_upsert
from crossmap_salesforce.emulator.rest import collections as rest_collections
from crossmap_salesforce.emulator.rest import create as rest_create
from crossmap_salesforce.emulator.rest import describe as rest_describe
from crossmap_salesforce.emulator.rest import global_describe as rest_global_describe
from crossmap_salesforce.emulator.rest import limits as rest_limits
from crossmap_salesforce.emulator.rest import object_info as rest_object_info
from crossmap_salesforce.emulator.rest import record_count as rest_record_count
from crossmap_salesforce.emulator.rest import row as rest_row

Handler = Callable[[Call], Response]

MAX_SUBREQUESTS = 25
MAX_TREE_RECORDS = 200
MAX_TREE_DEPTH = 5

_REFERENCE = re.compile(r"@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}")


def _routes() -> list[tuple[re.Pattern[str], dict[str, Handler]]]:
    from crossmap_salesforce.emulator.query_endpoints import run as query_run
    from crossmap_salesforce.emulator.query_endpoints import run_all as query_run_all
    from crossmap_salesforce.emulator.query_endpoints import run_tooling as query_run_tooling
    from crossmap_salesforce.emulator.replication import deleted as replication_deleted
    from crossmap_salesforce.emulator.replication import updated as replication_updated

    d = "/services/data/v{version}"
    table: list[tuple[str, dict[str, Handler]]] = [
        (f"{d}/sobjects", {"GET": rest_global_describe}),
        (f"{d}/sobjects/{{object}}/describe", {"GET": rest_describe}),
        (f"{d}/sobjects/{{object}}/updated", {"GET": replication_updated}),
        (f"{d}/sobjects/{{object}}/deleted", {"GET": replication_deleted}),
        (f"{d}/sobjects/{{object}}", {"GET": rest_object_info, "POST": rest_create}),
        (f"{d}/sobjects/{{object}}/{{id}}", dict.fromkeys(("GET", "PATCH", "DELETE"), rest_row)),
        (f"{d}/sobjects/{{object}}/{{field}}/{{value}}",
         dict.fromkeys(("GET", "PATCH", "DELETE"), rest_by_external_id)),
        (f"{d}/composite/sobjects", dict.fromkeys(("POST", "PATCH", "DELETE"), rest_collections)),
        (f"{d}/composite/sobjects/{{object}}",
         dict.fromkeys(("GET", "POST"), rest_collection_retrieve)),
        (f"{d}/composite/sobjects/{{object}}/{{field}}", {"PATCH": rest_collection_upsert}),
        (f"{d}/query", {"GET": query_run}),
        (f"{d}/queryAll", {"GET": query_run_all}),
        (f"{d}/limits", {"GET": rest_limits}),
        (f"{d}/limits/recordCount", {"GET": rest_record_count}),
        (f"{d}/tooling/query", {"GET": query_run_tooling}),
    ]
    return [(compile_path(path)[0], methods) for path, methods in table]


_TABLE: list[tuple[re.Pattern[str], dict[str, Handler]]] = []


def dispatch(call: Call, method: str, url: str, body: Any) -> tuple[int, Any, dict[str, str]]:
    """Run one subrequest: ``(status, JSON body or None, headers)``."""
    if not _TABLE:
        _TABLE.extend(_routes())
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    if not path.startswith("/services/data/"):
        path = "/services/data/" + path.lstrip("/")
    for pattern, methods in _TABLE:
        match = pattern.match(path)
        if match is None:
            continue
        handler = methods.get(method.upper())
        if handler is None:
            return 405, [{"errorCode": "METHOD_NOT_ALLOWED",
                          "message": f"HTTP Method '{method}' not allowed. Allowed are "
                                     f"{','.join(sorted(methods))}"}], {}
        params = dict(match.groupdict())
        sub = Call(
            emulator=call.emulator, user_id=call.user_id, method=method.upper(),
            version=params.pop("version", call.version), params=params,
            query=dict(parse_qsl(parts.query, keep_blank_values=True)),
            headers={"content-type": "application/json"},
            body=b"" if body is None else json.dumps(body).encode(), base_url=call.base_url,
        )
        try:
            response = handler(sub)
        except OrgError as exc:
            response = error_response(exc)
        raw = bytes(response.body)
        content = json.loads(raw) if raw and "json" in (response.media_type or "") else None
        headers: dict[str, str] = {}
        if response.status_code == 201 and isinstance(content, dict) and content.get("id"):
            headers["Location"] = f"{sub.prefix()}/sobjects/{params.get('object')}/{content['id']}"
        return response.status_code, content, headers
    return 404, [{"errorCode": "NOT_FOUND",
                  "message": "The requested resource does not exist"}], {}


# -- references -----------------------------------------------------------------------


class _Unresolved(Exception):
    def __init__(self, reference: str) -> None:
        super().__init__(reference)
        self.reference = reference


def _lookup(results: Mapping[str, Any], ref: str, tail: str) -> Any:
    if ref not in results:
        raise _Unresolved(f"{ref}{tail}")
    value = results[ref]
    for step in re.findall(r"\.([A-Za-z0-9_]+)|\[(\d+)\]", tail):
        name, index = step
        try:
            value = value[int(index)] if index else value[name]
        except (KeyError, IndexError, TypeError):
            raise _Unresolved(f"{ref}{tail}") from None
    if value is None:
        raise _Unresolved(f"{ref}{tail}")
    return value


def _resolve(value: Any, results: Mapping[str, Any]) -> Any:
    """``value`` with every ``@{ref.path}`` replaced."""
    if isinstance(value, str):
        whole = _REFERENCE.fullmatch(value)
        if whole:
            return _lookup(results, whole.group(1), whole.group(2))
        return _REFERENCE.sub(lambda m: str(_lookup(results, m.group(1), m.group(2))), value)
    if isinstance(value, list):
        return [_resolve(v, results) for v in value]
    if isinstance(value, dict):
        return {k: _resolve(v, results) for k, v in value.items()}
    return value


def _halted(message: str) -> list[dict[str, str]]:
    return [{"errorCode": "PROCESSING_HALTED", "message": message}]


ROLLED_BACK = ("The transaction was rolled back since another operation in the same "
               "transaction failed.")


class _Rollback(Exception):
    pass


def run_composite(call: Call, requests: list[Any], all_or_none: bool) -> list[dict[str, Any]]:
    """The ``compositeResponse`` of a list of subrequests."""
    if len(requests) > MAX_SUBREQUESTS:
        raise OrgError(400, "LIMIT_EXCEEDED",
                       f"Composite request can contain at most {MAX_SUBREQUESTS} subrequests")
    seen: set[str] = set()
    for item in requests:
        if not isinstance(item, dict) or not item.get("method") or not item.get("url") \
                or not item.get("referenceId"):
            raise OrgError(400, "JSON_PARSER_ERROR",
                           "each subrequest needs method, url and referenceId")
        if item["referenceId"] in seen:
            raise OrgError(400, "INVALID_INPUT",
                           f"Duplicate referenceId provided in the request: {item['referenceId']}")
        seen.add(str(item["referenceId"]))
    out: list[dict[str, Any]] = []
    results: dict[str, Any] = {}

    def run_all() -> bool:
        failed = False
        for item in requests:
            ref = str(item["referenceId"])
            if failed and all_or_none:
                out.append({"body": _halted(ROLLED_BACK), "httpHeaders": {},
                            "httpStatusCode": 400, "referenceId": ref})
                continue
            try:
                url = _resolve(str(item["url"]), results)
                body = _resolve(item.get("body"), results)
            except _Unresolved as exc:
                failed = True
                out.append({"body": _halted(
                    f"Invalid reference specified. No value for {exc.reference} found in "
                    f"{exc.reference.split('.')[0].split('[')[0]}. Provided referenceId "
                    "was not found or has no value."),
                    "httpHeaders": {}, "httpStatusCode": 400, "referenceId": ref})
                continue
            status, content, headers = dispatch(call, str(item["method"]), url, body)
            out.append({"body": content, "httpHeaders": headers, "httpStatusCode": status,
                        "referenceId": ref})
            if status >= 400:
                failed = True
            else:
                results[ref] = content
        return failed

    if not all_or_none:
        run_all()
        return out
    try:
        with call.emulator.org.store.transaction():
            if run_all():
                raise _Rollback
    except _Rollback:
        for entry in out:
            if entry["httpStatusCode"] < 400:
                entry.update(body=_halted(ROLLED_BACK), httpHeaders={}, httpStatusCode=400)
    return out


def composite(call: Call) -> Response:
    """``POST /composite``."""
    body = call.json()
    if not isinstance(body, dict) or not isinstance(body.get("compositeRequest"), list):
        raise OrgError(400, "JSON_PARSER_ERROR", "compositeRequest is required")
    responses = run_composite(call, body["compositeRequest"], bool(body.get("allOrNone")))
    return json_response({"compositeResponse": responses})


def graph(call: Call) -> Response:
    """``POST /composite/graph``: every graph all-or-none."""
    body = call.json()
    graphs = body.get("graphs") if isinstance(body, dict) else None
    if not isinstance(graphs, list):
        raise OrgError(400, "JSON_PARSER_ERROR", "graphs is required")
    out = []
    for g in graphs:
        if not isinstance(g, dict) or not isinstance(g.get("compositeRequest"), list):
            raise OrgError(400, "JSON_PARSER_ERROR", "each graph needs graphId and compositeRequest")
        responses = run_composite(call, g["compositeRequest"], True)
        out.append({"graphId": g.get("graphId"),
                    "graphResponse": {"compositeResponse": responses},
                    "isSuccessful": all(r["httpStatusCode"] < 400 for r in responses)})
    return json_response({"graphs": out})


def batch(call: Call) -> Response:
    """``POST /composite/batch``."""
    body = call.json()
    requests = body.get("batchRequests") if isinstance(body, dict) else None
    if not isinstance(requests, list):
        raise OrgError(400, "JSON_PARSER_ERROR", "batchRequests is required")
    if len(requests) > MAX_SUBREQUESTS:
        raise OrgError(400, "LIMIT_EXCEEDED",
                       f"A batch can contain at most {MAX_SUBREQUESTS} subrequests")
    halt = bool(body.get("haltOnError"))
    results: list[dict[str, Any]] = []
    stopped = False
    for item in requests:
        if stopped:
            results.append({"statusCode": 412, "result": [{
                "errorCode": "BATCH_PROCESSING_HALTED",
                "message": "Batch processing halted per request"}]})
            continue
        if not isinstance(item, dict) or not item.get("method") or not item.get("url"):
            raise OrgError(400, "JSON_PARSER_ERROR", "each batch request needs method and url")
        status, content, _ = dispatch(call, str(item["method"]), str(item["url"]),
                                      item.get("richInput"))
        results.append({"statusCode": status, "result": content})
        stopped = halt and status >= 400
    return json_response({"hasErrors": any(r["statusCode"] >= 400 for r in results),
                          "results": results})


# -- sObject Tree -----------------------------------------------------------------------


def _flatten(call: Call, od: ObjectDef, records: Any, depth: int,
             out: list[tuple[int, ObjectDef, dict[str, Any], str, int | None, str | None]],
             parent: int | None = None, parent_field: str | None = None) -> None:
    """Tree records → ``(level, object, fields, referenceId, parent index, parent
    field)`` rows, parents before their children."""
    if depth > MAX_TREE_DEPTH:
        raise OrgError(400, "INVALID_INPUT", f"Maximum depth of {MAX_TREE_DEPTH} levels exceeded")
    if not isinstance(records, list):
        raise OrgError(400, "JSON_PARSER_ERROR", "records must be a list")
    definition = call.emulator.org.definition
    children_of = {c["relationshipName"].lower(): c for c in od.describe.get("childRelationships") or []
                   if c.get("relationshipName")}
    for rec in records:
        if not isinstance(rec, dict):
            raise OrgError(400, "JSON_PARSER_ERROR", "each record must be an object")
        attrs = rec.get("attributes") or {}
        if str(attrs.get("type", "")).lower() != od.name.lower() or not attrs.get("referenceId"):
            raise OrgError(400, "INVALID_INPUT",
                           f"each record needs attributes with type {od.name} and a referenceId")
        fields: dict[str, Any] = {}
        nested: list[tuple[dict[str, Any], Any]] = []
        for key, value in rec.items():
            if key == "attributes":
                continue
            child = children_of.get(key.lower())
            if child is not None and isinstance(value, dict):
                nested.append((child, value.get("records")))
            else:
                fields[key] = value
        index = len(out)
        out.append((depth, od, fields, str(attrs["referenceId"]), parent, parent_field))
        for child, child_records in nested:
            child_od = definition.get(child["childSObject"])
            _flatten(call, child_od, child_records, depth + 1, out, index, child["field"])


def tree(call: Call) -> Response:
    """``POST /composite/tree/{O}``."""
    emu = call.emulator
    od = emu.org.definition.get(call.params["object"])
    body = call.json()
    if not isinstance(body, dict):
        raise OrgError(400, "JSON_PARSER_ERROR", "The request body must be a JSON object")
    rows: list[tuple[int, ObjectDef, dict[str, Any], str, int | None, str | None]] = []
    _flatten(call, od, body.get("records"), 1, rows)
    if len(rows) > MAX_TREE_RECORDS:
        raise OrgError(400, "LIMIT_EXCEEDED",
                       f"Too many records: at most {MAX_TREE_RECORDS} in one tree request")
    refs = [r[3] for r in rows]
    if len(set(refs)) != len(refs):
        raise OrgError(400, "INVALID_INPUT", "Duplicate referenceId in the request")
    ids: dict[int, str] = {}
    errors: list[dict[str, Any]] = []
    try:
        with emu.org.store.transaction():
            for level in sorted({r[0] for r in rows}):
                batch_rows = [(i, r) for i, r in enumerate(rows) if r[0] == level]
                by_object: dict[str, list[tuple[int, dict[str, Any]]]] = {}
                for i, (_, obj, fields, _, parent, parent_field) in batch_rows:
                    values = dict(fields)
                    if parent is not None and parent_field is not None:
                        parent_id = ids.get(parent)
                        if parent_id is None:
                            continue  # its parent failed: reported there
                        values[parent_field] = parent_id
                    by_object.setdefault(obj.name, []).append((i, values))
                for name, items in by_object.items():
                    outcomes = emu.records.write(emu.org.definition.get(name), "insert",
                                                 [v for _, v in items], user_id=call.user_id)
                    for (i, _), outcome in zip(items, outcomes, strict=True):
                        if outcome.ok and outcome.id:
                            ids[i] = outcome.id
                        else:
                            errors.append({"referenceId": rows[i][3],
                                           "errors": [e.item() for e in outcome.errors]})
            if errors:
                raise _Rollback
    except _Rollback:
        return json_response({"hasErrors": True, "results": errors}, 400)
    return json_response({"hasErrors": False, "results": [
        {"referenceId": rows[i][3], "id": ids[i]} for i in range(len(rows))]}, 201)
