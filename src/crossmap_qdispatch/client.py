"""The HTTP layer of the connector: one keep-alive httpx transport, paced under the rate
limit, with retries (tenacity, jittered exponential backoff) on transient faults,
``Retry-After`` honoured, and re-authentication when a token dies."""

from __future__ import annotations

import hashlib
import logging
import ssl
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import tenacity

from crossmap_qdispatch.auth import Credentials, TokenSource
from crossmap_qdispatch.clock import Clock
from crossmap_qdispatch.errors import QDispatchError, QDispatchTransientError, unreachable
from crossmap_qdispatch.ratelimit import Pacer

CHUNK = 64 * 1024
log = logging.getLogger("crossmap_qdispatch")


def _retry_after(response: httpx.Response, default: float = 1.0) -> float:
    raw = response.headers.get("retry-after")
    try:
        return max(0.0, float(raw)) if raw is not None else default
    except ValueError:
        return default


def _describe(response: httpx.Response) -> str:
    try:
        body = response.json()
        return f"{body.get('error', '?')}: {body.get('message', '')}"
    except ValueError:
        return response.reason_phrase


def _tls_context(ca_file: str | Path) -> ssl.SSLContext:
    """A TLS context trusting ``ca_file``; a file that is missing or holds no
    certificate is a clear error, not a traceback."""
    try:
        return ssl.create_default_context(cafile=str(ca_file))
    except FileNotFoundError:
        raise QDispatchError(f"the Q Dispatch profile's ca_file {ca_file} does not exist; "
                             "fix the path in crossmap.toml (relative paths are taken from the spec's folder)") from None
    except (OSError, ssl.SSLError) as exc:
        raise QDispatchError(f"the Q Dispatch profile's ca_file {ca_file} cannot be used as a CA bundle "
                             f"({getattr(exc, 'strerror', None) or exc}); it must hold PEM certificates") from None


class ApiClient:
    """Authenticated, paced, retried requests to one Q Dispatch tenant."""

    def __init__(self, base_url: str, credentials: Credentials, ca_file: str | Path | None,
                 *, clock: Clock, per_minute: int | None, headroom: float,
                 max_connections: int, timeout: float, max_attempts: int,
                 backoff_initial: float, backoff_max: float,
                 max_retry_after: float = 900.0) -> None:
        verify: ssl.SSLContext | bool = _tls_context(ca_file) if ca_file else True
        # Requests go to the transport itself: the client's layers (cookies, auth
        # flows, redirects, URL merging) cost ~0.5 ms a request and none is used here
        # (tokens are ours, the API does not redirect). The client fetches tokens.
        self._transport = httpx.HTTPTransport(
            verify=verify, limits=httpx.Limits(max_connections=max_connections,
                                               max_keepalive_connections=max_connections))
        self._http = httpx.Client(
            base_url=base_url, timeout=timeout, transport=self._transport,
            headers={"User-Agent": "crossmap-qdispatch/0.1", "Accept": "application/json"})
        self._base = str(self._http.base_url).rstrip("/")
        self._timeout = {"timeout": httpx.Timeout(timeout).as_dict()}
        self.clock = clock
        self.tokens = TokenSource(self._http, credentials, clock, where=self._base)
        self.pacer = Pacer(clock, per_minute, headroom=headroom)
        self._max_attempts = max_attempts
        self._max_retry_after = max_retry_after
        self._backoff = tenacity.wait_random_exponential(multiplier=backoff_initial,
                                                         max=backoff_max)
        self.retries = 0

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    # --- retry policy ---------------------------------------------------------------
    def _count(self, state: tenacity.RetryCallState) -> None:
        self.retries += 1
        exc = state.outcome.exception() if state.outcome else None
        # The message names method, path and status only: never tokens or secrets.
        log.info("retry %d after %s (waiting %.2fs)", state.attempt_number, exc,
                 state.next_action.sleep if state.next_action else 0.0)

    def _wait(self, state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, QDispatchTransientError):
            if exc.reauth or exc.status == 429:
                # A new token is needed now; a 429 already paused the pacer for every
                # thread, so waiting here again would double the back-off.
                return 0.0
            if exc.retry_after is not None:
                return exc.retry_after
        return float(self._backoff(state))

    def _retrying(self) -> tenacity.Retrying:
        return tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(QDispatchTransientError),
            stop=tenacity.stop_after_attempt(self._max_attempts),
            wait=self._wait, sleep=self.clock.sleep, before_sleep=self._count, reraise=True)

    # --- one attempt ----------------------------------------------------------------
    def _send(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
              json: Any = None, stream: bool = False) -> httpx.Response:
        self.pacer.acquire()
        token = self.tokens.get()
        headers = self._http.headers.copy()
        headers["Authorization"] = f"Bearer {token}"
        url = path if "://" in path else self._base + path  # an export's download URL is absolute
        request = httpx.Request(method, url, params=params, json=json, headers=headers,
                                extensions=self._timeout)
        try:
            response = self._transport.handle_request(request)
        except httpx.TransportError as exc:
            raise QDispatchTransientError(f"{method} {path}: {unreachable(self._base, exc)}") from None
        response.request = request
        if not stream:
            try:
                response.read()  # closes the response: its connection goes back to the pool
            except httpx.TransportError as exc:
                response.close()  # a body cut off: the connection is dropped, not reused
                raise QDispatchTransientError(f"{method} {path}: the answer broke off ({type(exc).__name__}); "
                                     "the request is retried, check the network if it keeps happening") from None
        self.pacer.observe(response.headers)
        status = response.status_code
        if status < 300:
            return response
        if stream:
            response.read()
            response.close()
        if status == 401:
            self.tokens.invalidate(token)
            raise QDispatchTransientError(f"{method} {path}: token rejected ({_describe(response)})",
                                 status=401, reauth=True)
        if status == 429:
            wait = _retry_after(response)
            if wait > self._max_retry_after:
                resume = datetime.fromtimestamp(self.clock.now() + wait, UTC)
                raise QDispatchError(
                    f"Q Dispatch's rate limit is exhausted for {wait:.0f} s (daily quota?) at "
                    f"{method} {path}; resume the run after {resume:%Y-%m-%d %H:%M} UTC",
                    status=429)
            self.pacer.pause(wait)
            raise QDispatchTransientError(f"{method} {path}: rate limited", status=429,
                                 retry_after=wait)
        if status >= 500:
            raise QDispatchTransientError(f"{method} {path}: HTTP {status}", status=status)
        raise QDispatchError(f"Q Dispatch answered {method} {path} with HTTP {status} "
                             f"({_describe(response)})", status=status)

    # --- public ---------------------------------------------------------------------
    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET ``path`` and decode its JSON body, retrying transient failures."""
        for attempt in self._retrying():
            with attempt:
                return self._send("GET", path, params=params).json()
        raise AssertionError("unreachable: tenacity reraises")  # pragma: no cover

    def post_json(self, path: str, body: Any) -> Any:
        """POST a JSON body (only for idempotent-enough calls such as starting exports)."""
        for attempt in self._retrying():
            with attempt:
                return self._send("POST", path, json=body).json()
        raise AssertionError("unreachable: tenacity reraises")  # pragma: no cover

    def open_stream(self, path: str, *, processing_ok: bool = False) -> httpx.Response:
        """Start a streamed GET; a ``202`` (content still processing) is retried after
        its ``Retry-After``. The caller must close the response."""
        for attempt in self._retrying():
            with attempt:
                response = self._send("GET", path, stream=True)
                if response.status_code == 202 and not processing_ok:
                    wait = _retry_after(response)
                    response.read()
                    response.close()
                    raise QDispatchTransientError(f"GET {path}: content still processing",
                                         status=202, retry_after=wait)
                return response
        raise AssertionError("unreachable: tenacity reraises")  # pragma: no cover

    def stream_bytes(self, path: str) -> Iterator[bytes]:
        """The body of ``path`` in chunks, checked against ``Content-Length`` and a
        SHA-256 ``ETag`` when the server sends them."""
        response = self.open_stream(path)
        digest, size = hashlib.sha256(), 0
        try:
            for chunk in response.iter_bytes(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                yield chunk
        except httpx.TransportError as exc:
            raise QDispatchError(f"GET {path}: the download broke off after {size} bytes "
                                 f"({type(exc).__name__}); retry the attachment") from None
        finally:
            response.close()
        expected_size = response.headers.get("content-length")
        if expected_size is not None and int(expected_size) != size:
            raise QDispatchError(f"GET {path}: got {size} bytes, expected {expected_size}")
        etag = response.headers.get("etag", "").strip('"')
        if len(etag) == 64 and etag != digest.hexdigest():
            raise QDispatchError(f"GET {path}: content does not match its SHA-256 ETag")
