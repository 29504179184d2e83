"""The simulator's HTTP surface: a Starlette app serving the contract in
``openapi.yaml``, plus a small ``/_sim`` control plane (mutations, faults) that is not
part of the contract."""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import secrets
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

import anyio
from attrs import define, field, fields_dict
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from crossmap_qdispatch.clock import Clock
from crossmap_qdispatch.generator import custom_property_definitions
from crossmap_qdispatch.objects import BY_NAME, OBJECT_NAMES
from crossmap_qdispatch.simulator.faults import FaultInjector, Faults
from crossmap_qdispatch.simulator.ratelimit import RateLimiter
from crossmap_qdispatch.simulator.store import (
    BadRequest,
    NotFound,
    Store,
    decode_cursor,
    encode_cursor,
)

MAX_LIMIT = 200
DEFAULT_LIMIT = 50
CHUNK = 64 * 1024


class SimulatedApiError(Exception):
    """An error answered as ``{"error": code, "message": ...}`` with ``status``."""

    def __init__(self, status: int, code: str, message: str,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = headers or {}


def _error(exc: SimulatedApiError, extra: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": exc.code, "message": exc.message}, exc.status,
                        headers={**(extra or {}), **exc.headers})


@define
class _Token:
    client: str
    expires_at: float
    expired: bool = False


@define
class _Export:
    id: str
    objects: list[str]
    updated_since: str | None
    created_at: str
    snapshot: dict[str, list[dict[str, Any]]] = field(repr=False)
    tombstones: list[dict[str, Any]] = field(repr=False)
    polls: int = 0

    @property
    def ready(self) -> bool:
        # Ready from the first status poll on: clients must poll, as with real exports.
        return self.polls >= 1

    def body(self) -> dict[str, Any]:
        return {
            "id": self.id, "status": "ready" if self.ready else "processing",
            "format": "ndjson", "objects": self.objects, "updated_since": self.updated_since,
            "created_at": self.created_at,
            "record_count": sum(len(v) for v in self.snapshot.values()),
            "download_url": f"/v1/exports/{self.id}/download" if self.ready else None,
        }


@define
class SimulatorState:
    """Everything one running simulator knows."""

    store: Store
    clock: Clock
    injector: FaultInjector
    limiter: RateLimiter
    client_id: str
    client_secret: str = field(repr=False)
    token_ttl: int = 3600
    _tokens: dict[str, _Token] = field(factory=dict, repr=False)
    exports: dict[str, _Export] = field(factory=dict, repr=False)
    _counter: itertools.count[int] = field(factory=lambda: itertools.count(1), repr=False)
    _lock: threading.Lock = field(factory=threading.Lock, repr=False)
    request_count: int = 0

    def next_request(self) -> int:
        """Number the next API request (faults are decided by this number)."""
        with self._lock:
            self.request_count = next(self._counter)
            return self.request_count

    def issue_token(self, client: str) -> tuple[str, int]:
        """A new bearer token for ``client`` and its lifetime in seconds."""
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[token] = _Token(client, self.clock.now() + self.token_ttl)
        return token, self.token_ttl

    def token(self, value: str) -> _Token | None:
        """The record of a token, if it was ever issued."""
        with self._lock:
            return self._tokens.get(value)


def _param_int(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SimulatedApiError(400, "invalid_parameter", f"{name} must be an integer") from None
    if not low <= value <= high:
        raise SimulatedApiError(400, "invalid_parameter", f"{name} must be between {low} and {high}")
    return value


def parse_since(raw: str, name: str) -> str:
    """A client's date-time in the API's own sortable format (inclusive filters)."""
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        moment = moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise SimulatedApiError(400, "invalid_parameter", f"{name} must be an ISO 8601 date-time") from None
    return (f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T"
            f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}Z")


def _param_since(request: Request, name: str = "updated_since") -> str | None:
    raw = request.query_params.get(name)
    return None if raw is None else parse_since(raw, name)


def _param_bool(request: Request, name: str) -> bool:
    raw = request.query_params.get(name)
    if raw is None:
        return False
    lowered = raw.lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise SimulatedApiError(400, "invalid_parameter", f"{name} must be true or false")


def _cursor(request: Request) -> tuple[str, str] | None:
    raw = request.query_params.get("cursor")
    if raw is None or raw == "":
        return None
    try:
        return decode_cursor(raw)
    except BadRequest as exc:
        raise SimulatedApiError(400, "invalid_cursor", str(exc)) from None


Handler = Callable[[Request], Awaitable[Response]]


def build_app(state: SimulatorState) -> Starlette:
    """The ASGI app for ``state``."""

    async def guarded(request: Request, handler: Callable[[Request], Awaitable[Response]]
                      ) -> Response:
        """Auth, published limits and injected faults, in that order, then ``handler``."""
        n = state.next_request()
        try:
            client = _authenticate(request, n)
            decision = state.limiter.check(client)
            if not decision.allowed:
                raise SimulatedApiError(429, "rate_limited", "rate limit exceeded",
                               {**decision.headers, "Retry-After": str(decision.retry_after)})
            retry = state.injector.throttle(n)
            if retry is not None:
                raise SimulatedApiError(429, "rate_limited", "too many requests, slow down",
                               {**decision.headers, "Retry-After": str(retry)})
            delay = state.injector.delay(n)
            if delay:
                await anyio.sleep(delay)
            status = state.injector.server_error(n)
            if status is not None:
                raise SimulatedApiError(status, "server_error", "transient upstream failure",
                               decision.headers)
            response = await handler(request)
        except SimulatedApiError as exc:
            return _error(exc)
        response.headers.update(decision.headers)
        return response

    def _authenticate(request: Request, n: int | None) -> str:
        """The client of the request's token; ``n`` (the request number) is None for
        the control plane, which faults never touch."""
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        challenge = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
        if scheme.lower() != "bearer" or not value:
            raise SimulatedApiError(401, "unauthorized", "a bearer token is required", challenge)
        token = state.token(value.strip())
        if token is None:
            raise SimulatedApiError(401, "invalid_token", "unknown token", challenge)
        if token.expired or state.clock.now() >= token.expires_at:
            raise SimulatedApiError(401, "token_expired", "the access token has expired", challenge)
        if n is not None and state.injector.expire_token(n):
            token.expired = True
            raise SimulatedApiError(401, "token_expired", "the access token has expired", challenge)
        return token.client

    def api(handler: Handler) -> Handler:
        async def endpoint(request: Request) -> Response:
            return await guarded(request, handler)
        return endpoint

    async def token(request: Request) -> Response:
        # URL-encoded by hand: Starlette's form parser needs python-multipart, which
        # this small body does not justify.
        try:
            form = dict(parse_qsl((await request.body()).decode("utf-8")))
        except UnicodeDecodeError:
            form = {}
        grant = form.get("grant_type")
        if grant != "client_credentials":
            return _error(SimulatedApiError(400, "unsupported_grant_type",
                                   "grant_type must be client_credentials"))
        if not (form.get("client_id") == state.client_id and
                secrets.compare_digest(str(form.get("client_secret", "")), state.client_secret)):
            return _error(SimulatedApiError(401, "invalid_client", "unknown client or wrong secret"))
        value, ttl = state.issue_token(state.client_id)
        return JSONResponse({"access_token": value, "token_type": "Bearer", "expires_in": ttl},
                            headers={"Cache-Control": "no-store"})

    def lister(obj: str) -> Handler:
        async def list_records(request: Request) -> Response:
            page = state.store.listing(
                obj, limit=_param_int(request, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
                after=_cursor(request), since=_param_since(request),
                include_inactive=_param_bool(request, "include_inactive"))
            nxt = encode_cursor(page.next_position) if page.next_position else None
            headers = {"X-Next-Cursor": nxt} if nxt else {}
            return JSONResponse({"data": page.records, "next_cursor": nxt,
                                 "has_more": nxt is not None}, headers=headers)
        return list_records

    def getter(obj: str) -> Handler:
        async def get_record(request: Request) -> Response:
            try:
                return JSONResponse(state.store.get(obj, request.path_params["id"]))
            except NotFound as exc:
                raise SimulatedApiError(404, "not_found", str(exc)) from None
        return get_record

    async def communications(request: Request) -> Response:
        page = _param_int(request, "page", 1, 1, 1_000_000)
        size = _param_int(request, "page_size", DEFAULT_LIMIT, 1, MAX_LIMIT)
        rows, total = state.store.page("communications", page=page, page_size=size,
                                       since=_param_since(request))
        return JSONResponse({"data": rows, "page": page, "page_size": size, "total": total,
                             "has_more": page * size < total})

    async def definitions(request: Request) -> Response:
        return JSONResponse({"data": custom_property_definitions()})

    async def deleted(request: Request) -> Response:
        obj = request.query_params.get("object")
        if obj is not None and obj not in BY_NAME:
            raise SimulatedApiError(400, "invalid_parameter", f"unknown object {obj!r}")
        page = state.store.tombstones(
            limit=_param_int(request, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
            after=_cursor(request), since=_param_since(request, "since"), obj=obj)
        nxt = encode_cursor(page.next_position) if page.next_position else None
        return JSONResponse({"data": page.records, "next_cursor": nxt,
                             "has_more": nxt is not None})

    async def content(request: Request) -> Response:
        aid = request.path_params["id"]
        try:
            meta = state.store.get("attachments", aid)
            data = state.store.blob(aid)
        except NotFound as exc:
            raise SimulatedApiError(404, "not_found", str(exc)) from None
        if state.injector.processing(aid):
            return JSONResponse({"status": "processing", "id": aid}, 202,
                                headers={"Retry-After": "1"})

        async def chunks() -> AsyncIterator[bytes]:
            for start in range(0, len(data), CHUNK):
                yield data[start:start + CHUNK]

        return StreamingResponse(chunks(), media_type=meta["content_type"], headers={
            "Content-Length": str(len(data)), "ETag": f'"{meta["sha256"]}"'})

    async def create_export(request: Request) -> Response:
        try:
            body = await request.json() if await request.body() else {}
        except ValueError:
            raise SimulatedApiError(400, "invalid_body", "the body must be JSON") from None
        if not isinstance(body, dict):
            raise SimulatedApiError(400, "invalid_body", "the body must be a JSON object")
        objects = body.get("objects") or list(OBJECT_NAMES)
        if not isinstance(objects, list) or not all(
                isinstance(o, str) and o in BY_NAME for o in objects):
            raise SimulatedApiError(400, "invalid_body", f"objects must be a list of {list(OBJECT_NAMES)}")
        since_raw = body.get("updated_since")
        since = None
        if since_raw is not None:
            if not isinstance(since_raw, str):
                raise SimulatedApiError(400, "invalid_body", "updated_since must be a date-time string")
            since = parse_since(since_raw, "updated_since")
        export = _Export(
            id=f"exp_{secrets.token_hex(6)}", objects=list(dict.fromkeys(objects)),
            updated_since=since, created_at=state.store.now(),
            snapshot=state.store.snapshot(list(dict.fromkeys(objects)), since),
            tombstones=state.store.tombstone_snapshot(objects, since))
        state.exports[export.id] = export
        return JSONResponse(export.body(), 202)

    def find_export(request: Request) -> _Export:
        try:
            return state.exports[request.path_params["id"]]
        except KeyError:
            raise SimulatedApiError(404, "not_found", "no such export") from None

    async def export_status(request: Request) -> Response:
        export = find_export(request)
        export.polls += 1
        return JSONResponse(export.body())

    async def export_download(request: Request) -> Response:
        export = find_export(request)
        if not export.ready:
            raise SimulatedApiError(409, "not_ready", "the export is still processing; poll its status")

        async def lines() -> AsyncIterator[bytes]:
            manifest = {"type": "manifest", "export_id": export.id,
                        "created_at": export.created_at,
                        "counts": {o: len(export.snapshot[o]) for o in export.objects},
                        "tombstones": len(export.tombstones)}
            yield (json.dumps(manifest) + "\n").encode()
            for obj in export.objects:
                batch: list[str] = []
                for rec in export.snapshot[obj]:
                    batch.append(json.dumps({"type": "record", "object": obj, "data": rec},
                                            ensure_ascii=False))
                    if len(batch) >= 200:
                        yield ("\n".join(batch) + "\n").encode()
                        batch = []
                if batch:
                    yield ("\n".join(batch) + "\n").encode()
            for tomb in export.tombstones:
                yield (json.dumps({"type": "tombstone", "data": tomb}) + "\n").encode()

        return StreamingResponse(lines(), media_type="application/x-ndjson")

    # --- control plane (not in the contract) --------------------------------------
    def control(handler: Handler) -> Handler:
        async def endpoint(request: Request) -> Response:
            try:
                _authenticate(request, None)
                return await handler(request)
            except SimulatedApiError as exc:
                return _error(exc)
            except NotFound as exc:
                return _error(SimulatedApiError(404, "not_found", str(exc)))
            except BadRequest as exc:
                return _error(SimulatedApiError(400, "invalid_body", str(exc)))
        return endpoint

    def object_param(request: Request) -> str:
        obj = request.path_params["object"]
        if obj not in BY_NAME:
            raise SimulatedApiError(404, "not_found", f"unknown object {obj!r}")
        return str(obj)

    async def sim_create(request: Request) -> Response:
        obj = object_param(request)
        body = dict(await request.json())
        blob = None
        if "content_base64" in body:
            try:
                blob = base64.b64decode(body.pop("content_base64"), validate=True)
            except (binascii.Error, TypeError):
                raise SimulatedApiError(400, "invalid_body", "content_base64 is not base64") from None
        return JSONResponse(state.store.create(obj, body, blob), 201)

    async def sim_update(request: Request) -> Response:
        obj = object_param(request)
        return JSONResponse(state.store.update(obj, request.path_params["id"],
                                               dict(await request.json())))

    async def sim_delete(request: Request) -> Response:
        obj = object_param(request)
        return JSONResponse(state.store.delete(obj, request.path_params["id"],
                                               request.query_params.get("merged_into")))

    async def sim_faults(request: Request) -> Response:
        body = dict(await request.json())
        unknown = set(body) - set(fields_dict(Faults))
        if unknown:
            raise SimulatedApiError(400, "invalid_body", f"unknown fault settings: {sorted(unknown)}")
        state.injector.configure(Faults(**body))
        return JSONResponse({"ok": True})

    routes = [
        Route("/v1/oauth/token", token, methods=["POST"]),
        Route("/v1/custom_property_definitions", api(definitions)),
        Route("/v1/deleted", api(deleted)),
        Route("/v1/communications", api(communications)),
        Route("/v1/communications/{id}", api(getter("communications"))),
        Route("/v1/attachments/{id}/content", api(content)),
        Route("/v1/exports", api(create_export), methods=["POST"]),
        Route("/v1/exports/{id}", api(export_status)),
        Route("/v1/exports/{id}/download", api(export_download)),
        Route("/_sim/faults", control(sim_faults), methods=["PUT"]),
        Route("/_sim/records/{object}", control(sim_create), methods=["POST"]),
        Route("/_sim/records/{object}/{id}", control(sim_update), methods=["PATCH"]),
        Route("/_sim/records/{object}/{id}", control(sim_delete), methods=["DELETE"]),
    ]
    for info in BY_NAME.values():
        if info.paging == "cursor":
            routes.append(Route(f"/v1/{info.name}", api(lister(info.name))))
            routes.append(Route(f"/v1/{info.name}/{{id}}", api(getter(info.name))))

    async def not_found(request: Request, exc: Exception) -> Response:
        return _error(SimulatedApiError(404, "not_found", f"no route for {request.url.path}"))

    async def method_not_allowed(request: Request, exc: Exception) -> Response:
        return _error(SimulatedApiError(405, "method_not_allowed", f"{request.method} is not allowed here"))

    return Starlette(routes=routes, exception_handlers={404: not_found, 405: method_not_allowed})
