"""Errors of the Q Dispatch connector. Messages name the request (method and path,
never headers or query secrets) and say what to do."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from crossmap.errors import CrossmapError


class QDispatchError(CrossmapError):
    """A Q Dispatch request failed for good."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class AuthError(QDispatchError):
    """The credentials were rejected."""


class QDispatchTransientError(QDispatchError):
    """A failure worth retrying (429, 5xx, connection trouble, expired token)."""

    def __init__(self, message: str, *, status: int | None = None,
                 retry_after: float | None = None, reauth: bool = False) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after
        self.reauth = reauth


class ExportError(QDispatchError):
    """A bulk export bundle was incomplete or malformed."""


def unreachable(base_url: str, exc: httpx.TransportError) -> str:
    """What to say when ``base_url`` could not be reached: which host and port, what
    went wrong, and what to check (never the request's headers or body)."""
    parts = urlsplit(base_url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    where = f"{parts.hostname}:{port}"
    detail = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.ConnectError) and "CERTIFICATE" in detail.upper():
        check = "the profile's ca_file (the server's certificate is not trusted)"
    elif isinstance(exc, httpx.TimeoutException):
        check = "that the server at that address answers, and the network or proxy between"
    else:
        check = "the profile's base_url, that the Q Dispatch server is up, and the network or proxy"
    return f"cannot reach Q Dispatch at {where} ({type(exc).__name__}: {detail}); check {check}"
