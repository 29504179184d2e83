"""The org emulator in its own process, logging every API request it serves with the
object the request is about (B2 counts API calls per object on the server side).

    .venv/bin/python benchmarks/counted_org.py --data-dir DIR --log FILE

Prints the same JSON line as ``python -m crossmap_salesforce.emulator`` and serves
until SIGTERM or SIGINT. Each request appends one JSON line ``{"method", "path",
"object", "status"}`` to ``FILE``: in its own process, so the benchmark's
``getrusage`` of the process running crossmap counts crossmap alone.
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import sys
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from types import FrameType
from typing import IO, Any
from urllib.parse import parse_qs

from crossmap_salesforce.emulator.runner import ServerThread, open_org
from crossmap_salesforce.emulator.server import Emulator

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]

OTHER = "(other)"
"""Requests about no one object: login, versions, limits, the global describe, tooling."""

_DATA = re.compile(r"^/services/data/v[\d.]+/(.*?)/?$")
_FROM = re.compile(r"\bfrom\s+(\w+)", re.IGNORECASE)
_TYPE = re.compile(r'"type"\s*:\s*"(\w+)"')
_JOB = re.compile(r"^jobs/(?:ingest|query)/([^/]+)")
_SOBJECT = re.compile(r"^(?:composite/)?sobjects/([^/]+)")


def object_of(method: str, path: str, query: str, body: bytes,
              jobs: MutableMapping[str, str]) -> str:
    """The object an API request is about, from its path, its SOQL or its body;
    :data:`OTHER` when it is about none. ``jobs`` maps Bulk job ids to their object
    (filled from the job-creation responses)."""
    found = _DATA.match(path)
    if found is None:
        return OTHER
    rest = found.group(1)
    if rest in ("query", "queryAll") or rest.startswith(("query/", "queryAll/")):
        soql = " ".join(parse_qs(query).get("q", []))
        named = _FROM.search(soql)
        # A query-more locator names no object; count it with the cursor's query.
        return named.group(1) if named else jobs.get("(cursor)", OTHER)
    if method == "POST" and rest in ("jobs/ingest", "jobs/query"):
        # A job's creation names its object (ingest) or its SOQL (query). It is a
        # call of the job like the others: counted with them, not as "(other)".
        spec = _json(body)
        if rest == "jobs/ingest":
            return str(spec.get("object") or OTHER)
        named = _FROM.search(str(spec.get("query") or ""))
        return named.group(1) if named else OTHER
    job = _JOB.match(rest)
    if job is not None:
        return jobs.get(job.group(1), OTHER)
    if rest == "composite/sobjects" and body:
        # The body may be cut short (files ride in it as base64): read the first
        # record's type from the text rather than parse it.
        named = _TYPE.search(body[:4096].decode("utf-8", "replace"))
        return named.group(1) if named else OTHER
    sobject = _SOBJECT.match(rest)
    if sobject is not None:
        return sobject.group(1)
    return OTHER


# A 15- or 18-character record or job Id as a path segment (object and field names
# have underscores or no digits).
_ID = re.compile(r"/(?=[A-Za-z0-9]*[0-9])[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?(?=/|$)")


def route_of(method: str, path: str) -> str:
    """The request's kind: its method and path without the version and record or job
    ids (``PATCH jobs/ingest/{id}``)."""
    found = _DATA.match(path)
    rest = found.group(1) if found else path
    return f"{method} {_ID.sub('/{id}', '/' + rest)[1:]}"


def _json(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def counting(app: Asgi, log: IO[str]) -> Asgi:
    """``app`` wrapped to write one log line per HTTP request it answers."""
    jobs: dict[str, str] = {}
    lock = threading.Lock()

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        body = bytearray()
        answer = bytearray()
        status = [0]

        async def listen() -> Message:
            message = await receive()
            # Only JSON bodies name an object; a CSV upload is never needed (its job
            # is known from the path), so stop keeping bytes past a small prefix.
            if message["type"] == "http.request" and len(body) < 65536:
                body.extend(message.get("body", b""))
            return message

        async def reply(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = int(message["status"])
            elif message["type"] == "http.response.body" and len(answer) < 65536:
                answer.extend(message.get("body", b""))
            await send(message)

        await app(scope, listen, reply)
        method, path = str(scope["method"]), str(scope["path"])
        query = scope.get("query_string", b"").decode("latin-1")
        obj = object_of(method, path, query, bytes(body), jobs)
        if method == "POST" and path.rstrip("/").endswith(("/jobs/ingest", "/jobs/query")):
            created = _json(bytes(answer))
            if "id" in created:
                jobs[str(created["id"])] = obj
        if "/query" in path and "q=" in query:
            # Remember the last query's object for the query-more calls that follow.
            jobs["(cursor)"] = obj
        line = json.dumps({"method": method, "path": path, "route": route_of(method, path),
                           "object": obj, "status": status[0]})
        with lock:
            log.write(line + "\n")
            log.flush()

    return wrapped


class _Counted:
    """What :class:`ServerThread` needs of an emulator, with the app wrapped."""

    def __init__(self, emulator: Emulator, log: IO[str]) -> None:
        self._emulator, self._log = emulator, log

    def app(self) -> Asgi:
        return counting(self._emulator.app(), self._log)

    @property
    def base_url(self) -> str:
        return self._emulator.base_url

    @base_url.setter
    def base_url(self, url: str) -> None:
        self._emulator.base_url = url


def main(argv: list[str] | None = None) -> int:
    """Serve a counted org until a termination signal."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--log", type=Path, required=True)
    args = parser.parse_args(argv)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    emulator = open_org(args.data_dir)
    with args.log.open("a", encoding="utf-8") as log:
        server = ServerThread(_Counted(emulator, log), args.data_dir)  # type: ignore[arg-type]
        try:
            url = server.start()
            org = emulator.org
            creds = org.credentials
            print(json.dumps({
                "instance_url": url, "ca_file": str(server.ca_file),
                "access_token": org.auth.issue(org.admin_id), "username": creds.username,
                "password": creds.password, "client_id": creds.client_id,
                "client_secret": creds.client_secret,
            }), flush=True)
            while not stop.wait(0.5):
                pass
        finally:
            server.stop()
            emulator.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
