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

from crossmap_salesforce.emulator.discovery import resources as discovery_resources
from crossmap_salesforce.emulator.discovery import versions as discovery_versions
from crossmap_salesforce.emulator.errors import OrgError
from crossmap_salesforce.emulator.http import Call, error_response, json_response
from crossmap_salesforce.emulator.login import identity as login_identity
from crossmap_salesforce.emulator.login import revoke as login_revoke
from crossmap_salesforce.emulator.login import token as login_token
from crossmap_salesforce.emulator.login import userinfo as login_userinfo
from crossmap_salesforce.emulator.metadata_api import close as metadata_api_close
from crossmap_salesforce.emulator.metadata_api import endpoint as metadata_api_endpoint
from crossmap_salesforce.emulator.org import Org
from crossmap_salesforce.emulator.records import Records
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
from crossmap_salesforce.emulator.soap import soap
from crossmap_salesforce.emulator.tooling import create as tooling_create

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
        metadata_api_close(self)
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
        from crossmap_salesforce.emulator.bulk import ingest_job as bulk_ingest_job
        from crossmap_salesforce.emulator.bulk import ingest_jobs as bulk_ingest_jobs
        from crossmap_salesforce.emulator.bulk import ingest_results as bulk_ingest_results
        from crossmap_salesforce.emulator.bulk import query_job as bulk_query_job
        from crossmap_salesforce.emulator.bulk import query_jobs as bulk_query_jobs
        from crossmap_salesforce.emulator.bulk import query_results as bulk_query_results
        from crossmap_salesforce.emulator.bulk import upload as bulk_upload
        from crossmap_salesforce.emulator.composite import batch as composite_batch
        from crossmap_salesforce.emulator.composite import composite
        from crossmap_salesforce.emulator.composite import graph as composite_graph
        from crossmap_salesforce.emulator.composite import tree as composite_tree
        from crossmap_salesforce.emulator.query_endpoints import more as query_more
        from crossmap_salesforce.emulator.query_endpoints import more_all as query_more_all
        from crossmap_salesforce.emulator.query_endpoints import run as query_run
        from crossmap_salesforce.emulator.query_endpoints import run_all as query_run_all
        from crossmap_salesforce.emulator.query_endpoints import run_tooling as query_run_tooling
        from crossmap_salesforce.emulator.replication import deleted as replication_deleted
        from crossmap_salesforce.emulator.replication import updated as replication_updated

        d = "/services/data/v{version}"
        api = self.api
        routes = [
            Route("/services/oauth2/token", self.plain(login_token), methods=["POST"]),
            Route("/services/oauth2/revoke", self.plain(login_revoke), methods=["POST"]),
            Route("/services/Soap/u/{version}", self.plain(soap), methods=["POST"]),
            Route("/services/Soap/u/{version}/{org}", self.plain(soap), methods=["POST"]),
            Route("/services/Soap/m/{version}", self.plain(metadata_api_endpoint), methods=["POST"]),
            Route("/services/Soap/m/{version}/{org}", self.plain(metadata_api_endpoint),
                  methods=["POST"]),
            Route("/services/oauth2/userinfo", self.plain(login_userinfo), methods=["GET", "POST"]),
            Route("/id/{org}/{user}", self.plain(login_identity), methods=["GET", "POST"]),
            Route("/services/data", self.plain(discovery_versions), methods=["GET"]),
            Route(d, api(discovery_resources), methods=["GET"]),
            Route(f"{d}/limits", api(rest_limits), methods=["GET"]),
            Route(f"{d}/limits/recordCount", api(rest_record_count), methods=["GET"]),
            Route(f"{d}/sobjects", api(rest_global_describe), methods=["GET"]),
            Route(f"{d}/sobjects/{{object}}", api(rest_object_info), methods=["GET"]),
            Route(f"{d}/sobjects/{{object}}", api(rest_create), methods=["POST"]),
            Route(f"{d}/sobjects/{{object}}/describe", api(rest_describe), methods=["GET"]),
            Route(f"{d}/sobjects/{{object}}/updated", api(replication_updated), methods=["GET"]),
            Route(f"{d}/sobjects/{{object}}/deleted", api(replication_deleted), methods=["GET"]),
            Route(f"{d}/sobjects/{{object}}/{{id}}", api(rest_row),
                  methods=["GET", "PATCH", "DELETE"]),
            Route(f"{d}/sobjects/{{object}}/{{field}}/{{value}}", api(rest_by_external_id),
                  methods=["GET", "PATCH", "DELETE"]),
            Route(f"{d}/composite/sobjects", api(rest_collections),
                  methods=["POST", "PATCH", "DELETE"]),
            Route(f"{d}/composite/sobjects/{{object}}", api(rest_collection_retrieve),
                  methods=["GET", "POST"]),
            Route(f"{d}/composite/sobjects/{{object}}/{{field}}", api(rest_collection_upsert),
                  methods=["PATCH"]),
            Route(f"{d}/tooling/sobjects/{{object}}", api(tooling_create), methods=["POST"]),
            Route(f"{d}/tooling/query", api(query_run_tooling), methods=["GET"]),
            Route(f"{d}/composite", api(composite), methods=["POST"]),
            Route(f"{d}/composite/batch", api(composite_batch), methods=["POST"]),
            Route(f"{d}/composite/graph", api(composite_graph), methods=["POST"]),
            Route(f"{d}/composite/tree/{{object}}", api(composite_tree), methods=["POST"]),
            # Bulk API 2.0 (before /query: the routing trap).
            Route(f"{d}/jobs/ingest", api(bulk_ingest_jobs), methods=["GET", "POST"]),
            Route(f"{d}/jobs/ingest/{{job}}", api(bulk_ingest_job),
                  methods=["GET", "PATCH", "DELETE"]),
            Route(f"{d}/jobs/ingest/{{job}}/batches", api(bulk_upload), methods=["PUT"]),
            Route(f"{d}/jobs/ingest/{{job}}/{{kind}}", api(bulk_ingest_results), methods=["GET"]),
            Route(f"{d}/jobs/query", api(bulk_query_jobs), methods=["GET", "POST"]),
            Route(f"{d}/jobs/query/{{job}}", api(bulk_query_job),
                  methods=["GET", "PATCH", "DELETE"]),
            Route(f"{d}/jobs/query/{{job}}/results", api(bulk_query_results), methods=["GET"]),
            Route(f"{d}/query", api(query_run), methods=["GET"]),
            Route(f"{d}/queryAll", api(query_run_all), methods=["GET"]),
            Route(f"{d}/query/{{locator}}", api(query_more), methods=["GET"]),
            Route(f"{d}/queryAll/{{locator}}", api(query_more_all), methods=["GET"]),
        ]

        async def not_found(request: Request, exc: Exception) -> Response:
            return error_response(OrgError(404, "NOT_FOUND",
                                           "The requested resource does not exist"))

        async def not_allowed(request: Request, exc: Exception) -> Response:
            return error_response(OrgError(405, "METHOD_NOT_ALLOWED",
                                           f"HTTP Method '{request.method}' not allowed."))

        app = Starlette(routes=routes, exception_handlers={404: not_found, 405: not_allowed})
        return _NormalizePath(app)
