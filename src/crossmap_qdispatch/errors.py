"""Errors of the Q Dispatch connector. Messages name the request (method and path,
never headers or query secrets) and say what to do."""

from __future__ import annotations

from crossmap.errors import CrossmapError


class QDispatchError(CrossmapError):
    """A Q Dispatch request failed for good."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class AuthError(QDispatchError):
    """The credentials were rejected."""


class TransientError(QDispatchError):
    """A failure worth retrying (429, 5xx, connection trouble, expired token)."""

    def __init__(self, message: str, *, status: int | None = None,
                 retry_after: float | None = None, reauth: bool = False) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after
        self.reauth = reauth


class ExportError(QDispatchError):
    """A bulk export bundle was incomplete or malformed."""
