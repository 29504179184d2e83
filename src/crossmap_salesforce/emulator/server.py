"""The HTTPS API server: routing, authentication, request accounting, faults.

A Starlette application. Every API route is a synchronous handler of a
:class:`~crossmap_salesforce.emulator.http.Call`; :meth:`Emulator.api` wraps it with
what every Salesforce API call gets: fault injection, the bearer-token check, the
daily request counter with its ``Sforce-Limit-Info`` header, and error bodies.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from email.utils import format_datetime
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from crossmap_salesforce.emulator import discovery, login, metadata_api, rest, soap, tooling
from crossmap_salesforce.emulator.errors import OrgError
from crossmap_salesforce.emulator.http import Call, error_response, json_response
from crossmap_salesforce.emulator.org import Org
from crossmap_salesforce.emulator.records import Records

log = logging.getLogger(__name__)

Handler = Callable[[Call], Response]


_SLASHES = re.compile(r"//+")


class _NormalizePath:
    """Treat ``/path/`` as ``/path`` and ``//path`` as ``/path``, without a redirect
    (which would lose a POST body): simple-salesforce ends many URLs with a slash, and
    the Salesforce CLI joins an instance URL ending in ``/`` with ``/services/...``,
    which real orgs answer like the single-slash path."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = _SLASHES.sub("/", scope["path"])
            if len(path) > 1 and path.endswith("/"):
                path = path.rstrip("/") or "/"
            if path != scope["path"]:
                scope = dict(scope)
                scope["path"] = path
                scope["raw_path"] = path.encode()
        await self.app(scope, receive, send)


class Emulator:
    """An org plus the services the HTTP layer needs (records, bulk jobs, cursors)."""

    def __init__(self, org: Org) -> None:
        from crossmap_salesforce.emulator.bulk import BulkJobs
        from crossmap_salesforce.emulator.query import Cursors

        self.org = org
        self.records = Records(org)
        self.cursors = Cursors()
        self.bulk: BulkJobs = BulkJobs(self)
        self.base_url = "https://127.0.0.1"

    def close(self) -> None:
        """Stop the Bulk worker and queued deployments, and close the database."""
        self.bulk.close()
        metadata_api.close(self)
        self.org.close()

    # -- wrapping ----------------------------------------------------------------

    def api(self, handler: Handler) -> Callable[[Request], Any]:
        """An endpoint running ``handler`` as an authenticated, counted API call."""

        async def endpoint(request: Request) -> Response:
            faults = self.org.faults
            if faults.latency_ms:
                await asyncio.sleep(faults.latency_ms / 1000)
            if faults.unavailable():
                return json_response(
                    [{"message": "Service temporarily unavailable", "errorCode": "SERVER_UNAVAILABLE"}],
                    503,
                )
            body = await request.body()
            return await run_in_threadpool(self._run, handler, request, body)

        return endpoint

    def _run(self, handler: Handler, request: Request, body: bytes) -> Response:
        limit_header: dict[str, str] = {}
        try:
            user_id = self.org.auth.user_for(request.headers.get("authorization"))
            used, maximum = self.org.count_request()
            limit_header["Sforce-Limit-Info"] = f"api-usage={used}/{maximum}"
            params = dict(request.path_params)
            call = Call(
                emulator=self, user_id=user_id, method=request.method,
                version=params.pop("version", "59.0"), params=params,
                query=dict(request.query_params), headers=dict(request.headers), body=body,
                base_url=self.base_url,
            )
            response = handler(call)
        except OrgError as exc:
            response = error_response(exc)
        except Exception:
            log.exception("unhandled error in %s %s", request.method, request.url.path)
            response = error_response(OrgError(500, "UNKNOWN_EXCEPTION",
                                               "An unexpected error occurred."))
        response.headers.update(limit_header)
        # From the org's clock, the one that stamps CreatedDate (a real org's HTTP
        # Date header and its audit fields come from the same servers' time).
        response.headers["Date"] = format_datetime(self.org.now(), usegmt=True)
        return response

    def plain(self, fn: Callable[[Emulator, Request, bytes], Response]) -> Callable[[Request], Any]:
        """An unauthenticated endpoint (the login calls)."""

        async def endpoint(request: Request) -> Response:
            body = await request.body()
            return await run_in_threadpool(fn, self, request, body)

        return endpoint

    # -- the application ---------------------------------------------------------

    def app(self) -> ASGIApp:
        """The ASGI application."""
        from crossmap_salesforce.emulator import bulk, composite, query, replication

        d = "/services/data/v{version}"
        api = self.api
        routes = [
            Route("/services/oauth2/token", self.plain(login.token), methods=["POST"]),
            Route("/services/oauth2/revoke", self.plain(login.revoke), methods=["POST"]),
            Route("/services/Soap/u/{version}", self.plain(soap.soap), methods=["POST"]),
            Route("/services/Soap/u/{version}/{org}", self.plain(soap.soap), methods=["POST"]),
            Route("/services/Soap/m/{version}", self.plain(metadata_api.endpoint), methods=["POST"]),
            Route("/services/Soap/m/{version}/{org}", self.plain(metadata_api.endpoint),
                  methods=["POST"]),
            Route("/services/oauth2/userinfo", self.plain(login.userinfo), methods=["GET", "POST"]),
            Route("/id/{org}/{user}", self.plain(login.identity), methods=["GET", "POST"]),
            Route("/services/data", self.plain(discovery.versions), methods=["GET"]),
            Route(d, api(discovery.resources), methods=["GET"]),
            Route(f"{d}/limits", api(rest.limits), methods=["GET"]),
            Route(f"{d}/limits/recordCount", api(rest.record_count), methods=["GET"]),
            Route(f"{d}/sobjects", api(rest.global_describe), methods=["GET"]),
            Route(f"{d}/sobjects/{{object}}", api(rest.object_info), methods=["GET"]),
            Route(f"{d}/sobjects/{{object}}", api(rest.create), methods=["POST"]),
            Route(f"{d}/sobjects/{{object}}/describe", api(rest.describe), methods=["GET"]),
            Route(f"{d}/sobjects/{{object}}/updated", api(replication.updated), methods=["GET"]),
            Route(f"{d}/sobjects/{{object}}/deleted", api(replication.deleted), methods=["GET"]),
            Route(f"{d}/sobjects/{{object}}/{{id}}", api(rest.row),
                  methods=["GET", "PATCH", "DELETE"]),
            Route(f"{d}/sobjects/{{object}}/{{field}}/{{value}}", api(rest.by_external_id),
                  methods=["GET", "PATCH", "DELETE"]),
            Route(f"{d}/composite/sobjects", api(rest.collections),
                  methods=["POST", "PATCH", "DELETE"]),
            Route(f"{d}/composite/sobjects/{{object}}", api(rest.collection_retrieve),
                  methods=["GET", "POST"]),
            Route(f"{d}/composite/sobjects/{{object}}/{{field}}", api(rest.collection_upsert),
                  methods=["PATCH"]),
            Route(f"{d}/tooling/sobjects/{{object}}", api(tooling.create), methods=["POST"]),
            Route(f"{d}/tooling/query", api(tooling.query), methods=["GET"]),
            Route(f"{d}/composite", api(composite.composite), methods=["POST"]),
            Route(f"{d}/composite/batch", api(composite.batch), methods=["POST"]),
            Route(f"{d}/composite/graph", api(composite.graph), methods=["POST"]),
            Route(f"{d}/composite/tree/{{object}}", api(composite.tree), methods=["POST"]),
            # Bulk API 2.0 (before /query: the routing trap).
            Route(f"{d}/jobs/ingest", api(bulk.ingest_jobs), methods=["GET", "POST"]),
            Route(f"{d}/jobs/ingest/{{job}}", api(bulk.ingest_job),
                  methods=["GET", "PATCH", "DELETE"]),
            Route(f"{d}/jobs/ingest/{{job}}/batches", api(bulk.upload), methods=["PUT"]),
            Route(f"{d}/jobs/ingest/{{job}}/{{kind}}", api(bulk.ingest_results), methods=["GET"]),
            Route(f"{d}/jobs/query", api(bulk.query_jobs), methods=["GET", "POST"]),
            Route(f"{d}/jobs/query/{{job}}", api(bulk.query_job),
                  methods=["GET", "PATCH", "DELETE"]),
            Route(f"{d}/jobs/query/{{job}}/results", api(bulk.query_results), methods=["GET"]),
            Route(f"{d}/query", api(query.run), methods=["GET"]),
            Route(f"{d}/queryAll", api(query.run_all), methods=["GET"]),
            Route(f"{d}/query/{{locator}}", api(query.more), methods=["GET"]),
            Route(f"{d}/queryAll/{{locator}}", api(query.more_all), methods=["GET"]),
        ]

        async def not_found(request: Request, exc: Exception) -> Response:
            return error_response(OrgError(404, "NOT_FOUND",
                                           "The requested resource does not exist"))

        async def not_allowed(request: Request, exc: Exception) -> Response:
            return error_response(OrgError(405, "METHOD_NOT_ALLOWED",
                                           f"HTTP Method '{request.method}' not allowed."))

        app = Starlette(routes=routes, exception_handlers={404: not_found, 405: not_allowed})
        return _NormalizePath(app)
