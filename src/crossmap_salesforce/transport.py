"""Calling the org: retries for transient failures, one re-login, API usage tracking.

Every REST and Bulk call of the connector goes through :meth:`Api.call`. Transient
failures (5xx, timeouts, dropped connections) are retried by tenacity with jittered
exponential backoff. A request that is not idempotent (creating records) is retried
only when the failure proves the org did not act on it (a 503 refusal, a connection
that never opened); otherwise :class:`UncertainWrite` tells the caller to reconcile
before trying again, so a retry cannot create a duplicate.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from attrs import define, field, frozen
from simple_salesforce.api import Salesforce
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from crossmap.errors import CrossmapError

log = logging.getLogger(__name__)

TRANSIENT_STATUS = frozenset({500, 502, 503, 504})
REFUSED_STATUS = frozenset({503})
"""Statuses that mean the org refused the request without acting on it."""


class SalesforceApiError(CrossmapError):
    """The org answered a call with an error (the message is the org's, never a secret)."""

    def __init__(self, status: int, code: str, message: str, fields: tuple[str, ...] = ()) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields
        super().__init__(f"Salesforce answered {status} {code}: {message}")


class SalesforceTransientError(SalesforceApiError):
    """A failure worth retrying (5xx, timeout, dropped connection)."""

    def __init__(self, status: int, code: str, message: str, *, refused: bool) -> None:
        super().__init__(status, code, message)
        self.refused = refused


class UncertainWrite(SalesforceApiError):
    """A write failed after it was sent: the org may or may not have applied it."""


class BudgetExceeded(CrossmapError):
    """The org's remaining daily API requests would not cover the work ahead."""


@frozen
class RetryPolicy:
    """How transient failures are retried."""

    attempts: int = 5
    wait_base: float = 0.5
    """Seconds; the wait is random in [0, wait_base * 2**attempt], capped at ``wait_max``."""
    wait_max: float = 30.0


def _errors(response: requests.Response) -> tuple[str, str, tuple[str, ...]]:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP_{response.status_code}", response.text[:500], ()
    first = body[0] if isinstance(body, list) and body else body
    if isinstance(first, dict):
        code = str(first.get("errorCode") or first.get("statusCode") or f"HTTP_{response.status_code}")
        return code, str(first.get("message", "")), tuple(first.get("fields") or ())
    return f"HTTP_{response.status_code}", str(body)[:500], ()


def _never_sent(exc: requests.RequestException) -> bool:
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    reason = exc.args[0] if exc.args else None
    return "NewConnectionError" in type(getattr(reason, "reason", reason)).__name__


@define
class ApiUsage:
    """The org's daily API request counter as last reported (``Sforce-Limit-Info``)."""

    used: int | None = None
    max: int | None = None

    @property
    def remaining(self) -> int | None:
        """Requests left today, if known."""
        return None if self.used is None or self.max is None else self.max - self.used


@define
class Api:
    """The connector's one door to the org."""

    sf: Salesforce = field(repr=False)
    login: Callable[[], Salesforce] | None = field(default=None, repr=False)
    retry: RetryPolicy = field(factory=RetryPolicy)
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    usage: ApiUsage = field(factory=ApiUsage)
    calls: int = 0
    """Calls made through this object (retries included)."""
    server_time: datetime | None = None
    """The org's clock, as the HTTP ``Date`` header of the last response gave it (to
    the second, cut down: never later than the org's time when it is read)."""

    @property
    def data_url(self) -> str:
        """``https://host/services/data/vXX.X/``."""
        return str(self.sf.base_url).split("/sobjects")[0].rstrip("/") + "/"

    def url(self, path: str) -> str:
        """A path under the REST base URL, or an absolute ``/services/...`` path."""
        if path.startswith("http"):
            return path
        if path.startswith("/services/"):
            parts = self.data_url.split("/services/")[0]
            return parts + path
        return self.data_url + path.lstrip("/")

    def call(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool = True,
        json: Any = None,
        data: Any = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        ok: tuple[int, ...] = (200, 201, 204),
        stream: bool = False,
    ) -> requests.Response:
        """One API call, retried as the module docstring says; raises :class:`SalesforceApiError`
        for an error answer, :class:`UncertainWrite` when a non-idempotent call's fate is
        unknown."""
        retrying = Retrying(
            stop=stop_after_attempt(max(1, self.retry.attempts)),
            wait=wait_random_exponential(multiplier=self.retry.wait_base, max=self.retry.wait_max),
            retry=retry_if_exception_type(SalesforceTransientError),
            sleep=self.sleep,
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return self._once(method, path, idempotent, json, data, params, headers, ok,
                                      stream)
        except SalesforceTransientError as exc:
            if not idempotent and not exc.refused:
                raise UncertainWrite(exc.status, exc.code, exc.message) from None
            raise
        raise AssertionError("unreachable: tenacity either returns or raises")

    def _once(self, method: str, path: str, idempotent: bool, json: Any, data: Any,
              params: Mapping[str, str] | None, headers: Mapping[str, str] | None,
              ok: tuple[int, ...], stream: bool) -> requests.Response:
        response = self._send(method, path, json, data, params, headers, idempotent, stream)
        if response.status_code == 401 and self.login is not None:
            log.info("Salesforce session expired; logging in again")
            self.sf = self.login()
            response = self._send(method, path, json, data, params, headers, idempotent, stream)
        if response.status_code in ok:
            return response
        code, message, fields = _errors(response)
        if response.status_code in TRANSIENT_STATUS:
            log.warning("Salesforce %s %s answered %s %s; retrying", method, path.split("?")[0],
                        response.status_code, code)
            refused = response.status_code in REFUSED_STATUS
            if not idempotent and not refused:
                # The org may have acted on it: let the caller reconcile, never retry blind.
                raise UncertainWrite(response.status_code, code, message)
            raise SalesforceTransientError(response.status_code, code, message, refused=refused)
        raise SalesforceApiError(response.status_code, code, message, fields)

    def _send(self, method: str, path: str, json: Any, data: Any,
              params: Mapping[str, str] | None, headers: Mapping[str, str] | None,
              idempotent: bool, stream: bool = False) -> requests.Response:
        sent_headers = {"Authorization": f"Bearer {self.sf.session_id}", "Accept": "application/json"}
        if json is not None:
            sent_headers["Content-Type"] = "application/json"
        sent_headers.update(headers or {})
        self.calls += 1
        if hasattr(data, "seek"):
            data.seek(0)  # a file body is sent whole, again on a second try
        try:
            response = self.sf.session.request(method, self.url(path), json=json, data=data,
                                               params=params, headers=sent_headers,
                                               stream=stream)
        except (requests.Timeout, requests.ConnectionError) as exc:
            never_sent = _never_sent(exc)
            log.warning("Salesforce %s %s failed (%s); retrying", method, path.split("?")[0],
                        type(exc).__name__)
            if not idempotent and not never_sent:
                raise UncertainWrite(0, "CONNECTION_FAILED", type(exc).__name__) from None
            raise SalesforceTransientError(0, "CONNECTION_FAILED", type(exc).__name__, refused=never_sent) from None
        self._track(response)
        return response

    def _track(self, response: requests.Response) -> None:
        date = response.headers.get("Date")
        if date:
            try:
                self.server_time = parsedate_to_datetime(date)
            except (TypeError, ValueError):
                pass
        info = response.headers.get("Sforce-Limit-Info", "")
        for part in info.split(","):
            name, _, value = part.strip().partition("=")
            if name == "api-usage" and "/" in value:
                used, _, most = value.partition("/")
                if used.isdigit() and most.isdigit():
                    self.usage.used, self.usage.max = int(used), int(most)

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        """:meth:`call`, returning the parsed JSON body (``None`` for an empty one)."""
        response = self.call(method, path, **kwargs)
        return response.json() if response.content else None
