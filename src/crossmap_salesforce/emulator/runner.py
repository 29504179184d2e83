"""Starting the emulator: in a background thread (tests, the demo) or as a
subprocess (``python -m crossmap_salesforce.emulator``), and the ready-made client.

:func:`running_org` is the Python API: a context manager yielding an :class:`OrgHandle`
with the instance URL, CA file, credentials and a ready ``simple_salesforce.Salesforce``.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import requests
import uvicorn
from attrs import field, frozen
from simple_salesforce.api import Salesforce

from crossmap_salesforce.emulator.clock import Clock
from crossmap_salesforce.emulator.faults import FaultPlan
from crossmap_salesforce.emulator.org import Org
from crossmap_salesforce.emulator.orgdef import OrgSettings
from crossmap_salesforce.emulator.server import Emulator
from crossmap_salesforce.emulator.tls import ensure_tls


class LoginRoutingSession(requests.Session):
    """A ``requests.Session`` that sends simple-salesforce's login calls (which go to
    ``https://login.salesforce.com``) to the emulator instead, so the client's own
    SOAP and OAuth login code runs unchanged."""

    def __init__(self, instance_url: str, ca_file: str) -> None:
        super().__init__()
        self.verify = ca_file
        self._instance = instance_url.rstrip("/")

    def request(self, method: str | bytes, url: str | bytes,
                *args: Any, **kwargs: Any) -> requests.Response:
        text = url.decode() if isinstance(url, bytes) else url
        verb = method.decode() if isinstance(method, bytes) else method
        parts = urlsplit(text)
        if parts.hostname and parts.hostname.endswith(".salesforce.com"):
            text = self._instance + parts.path + (f"?{parts.query}" if parts.query else "")
        # An explicit verify wins over REQUESTS_CA_BUNDLE, which would otherwise
        # replace the session's CA file.
        kwargs.setdefault("verify", self.verify)
        return super().request(verb, text, *args, **kwargs)


@frozen
class OrgHandle:
    """A running emulated org: where it is and how to log in."""

    instance_url: str
    ca_file: str
    username: str
    access_token: str = field(repr=False)
    password: str = field(repr=False)
    client_id: str = field(repr=False)
    client_secret: str = field(repr=False)
    emulator: Emulator | None = field(default=None, repr=False, eq=False)
    """The in-process emulator (thread mode only), for tests that need its internals."""
    sf: Salesforce = field(init=False, repr=False, eq=False)
    """A ready simple-salesforce client on :attr:`access_token` (closed with the org)."""

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "sf", self.salesforce())

    def session(self) -> requests.Session:
        """A ``requests.Session`` trusting the emulator's CA (and routing logins)."""
        return LoginRoutingSession(self.instance_url, self.ca_file)

    def salesforce(self, version: str = "59.0") -> Salesforce:
        """A ready simple-salesforce client on the org's access token."""
        return Salesforce(instance_url=self.instance_url, session_id=self.access_token,
                          session=self.session(), version=version)

    def close(self) -> None:
        """Close :attr:`sf`'s connections."""
        self.sf.session.close()


class _Server(uvicorn.Server):
    """uvicorn's server, remembering its event loop so another thread can reach it."""

    loop: asyncio.AbstractEventLoop | None = None

    async def serve(self, sockets: Any = None) -> None:
        self.loop = asyncio.get_running_loop()
        await super().serve(sockets)

    def abort_connections(self) -> None:
        """Drop every open connection at once (runs on the server's loop)."""
        for conn in list(self.server_state.connections):
            transport = getattr(conn, "transport", None)
            if transport is not None:
                transport.abort()


class ServerThread:
    """uvicorn serving one emulator over HTTPS from a background thread."""

    def __init__(self, emulator: Emulator, data_dir: Path, port: int = 0) -> None:
        tls = ensure_tls(data_dir)
        self.ca_file = tls.ca_file
        self.emulator = emulator
        config = uvicorn.Config(
            emulator.app(), host="127.0.0.1", port=port, ssl_certfile=str(tls.server_pem),
            log_level="warning", access_log=False, lifespan="off",
            # Salesforce keeps idle connections open for minutes; uvicorn's 5 s default
            # would close pooled client connections under a test that pauses, and the
            # next request on one fails with "Remote end closed connection".
            timeout_keep_alive=120,
            # The application sets Date from the org's clock (which a test may hold).
            date_header=False,
        )
        self.server = _Server(config)
        self._thread = threading.Thread(target=self.server.run, name="sf-emulator", daemon=True)

    def start(self) -> str:
        """Serve; returns the instance URL once the socket listens."""
        self._thread.start()
        while not self.server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the emulator's server thread stopped during start-up")
            self._thread.join(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        url = f"https://127.0.0.1:{port}"
        self.emulator.base_url = url
        return url

    def stop(self) -> None:
        """Stop serving and wait for the thread."""
        self.server.should_exit = True
        self._thread.join(timeout=0.25)
        if self._thread.is_alive() and self.server.loop is not None:
            # Idle keep-alive TLS connections wait for the client's close_notify (up to
            # 30 s); a local emulator need not be that polite.
            self.server.loop.call_soon_threadsafe(self.server.abort_connections)
            self._thread.join(timeout=30)


def open_org(
    data_dir: Path, *, settings: OrgSettings | None = None, clock: Clock | None = None,
    faults: FaultPlan | None = None,
) -> Emulator:
    """An emulator on the org in ``data_dir`` (created on first use)."""
    return Emulator(Org(data_dir, settings=settings, clock=clock, faults=faults))


@contextmanager
def running_org(
    data_dir: str | os.PathLike[str],
    *,
    mode: Literal["thread", "process"] = "thread",
    seed: int | None = None,
    settings: OrgSettings | None = None,
    clock: Clock | None = None,
    faults: FaultPlan | None = None,
) -> Iterator[OrgHandle]:
    """Run an emulated org on 127.0.0.1 (a free port) for the ``with`` block.

    ``mode="thread"`` serves from this process (fast start; ``settings``, ``clock`` and
    ``faults`` apply); ``mode="process"`` runs ``python -m crossmap_salesforce.emulator``
    in a subprocess (its own interpreter, for benchmarks), with ``seed`` for faults.
    """
    path = Path(data_dir)
    if mode == "process":
        with _subprocess(path, seed) as handle:
            yield handle
        return
    if seed is not None and faults is None:
        faults = FaultPlan(seed=seed)
    emulator = open_org(path, settings=settings, clock=clock, faults=faults)
    server = ServerThread(emulator, path)
    try:
        url = server.start()
        org = emulator.org
        token = org.auth.issue(org.admin_id)
        creds = org.credentials
        handle = OrgHandle(
            instance_url=url, ca_file=str(server.ca_file), username=creds.username,
            access_token=token, password=creds.password, client_id=creds.client_id,
            client_secret=creds.client_secret, emulator=emulator,
        )
        try:
            yield handle
        finally:
            handle.close()
    finally:
        server.stop()
        emulator.close()


@contextmanager
def _subprocess(path: Path, seed: int | None) -> Iterator[OrgHandle]:
    cmd = [sys.executable, "-m", "crossmap_salesforce.emulator", "--port", "0",
           "--data-dir", str(path)]
    if seed is not None:
        cmd += ["--seed", str(seed)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the emulator exited with code {proc.wait()} before starting")
        data = json.loads(line)
        handle = OrgHandle(
            instance_url=data["instance_url"], ca_file=data["ca_file"],
            username=data["username"], access_token=data["access_token"],
            password=data["password"], client_id=data["client_id"],
            client_secret=data["client_secret"],
        )
        try:
            yield handle
        finally:
            handle.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        finally:
            if proc.stdout is not None:
                proc.stdout.close()
