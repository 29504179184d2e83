"""The small request/response vocabulary the API handlers share.

Handlers are plain synchronous functions of a :class:`Call`; the server reads the body,
authenticates, counts the request, and runs the handler in a worker thread (SQLite
calls block), turning an :class:`OrgError` into Salesforce's error body.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from attrs import frozen
from starlette.responses import Response

from crossmap_salesforce.emulator.errors import OrgError

if TYPE_CHECKING:
    from crossmap_salesforce.emulator.server import Emulator


@frozen
class Call:
    """One authenticated API request."""

    emulator: Emulator
    user_id: str
    method: str
    version: str
    params: Mapping[str, str]
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes
    base_url: str

    def json(self) -> Any:
        """The body as JSON, or Salesforce's 400 for a body that is not."""
        try:
            return json.loads(self.body or b"null")
        except ValueError as exc:
            raise OrgError(400, "JSON_PARSER_ERROR", f"Unexpected character: {exc}") from None

    def prefix(self) -> str:
        """``/services/data/vXX.X``."""
        return f"/services/data/v{self.version}"


def json_response(body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    """A JSON response (compact, UTF-8)."""
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    return Response(text, status_code=status, media_type="application/json;charset=UTF-8",
                    headers=dict(headers or {}))


def error_response(exc: OrgError) -> Response:
    """Salesforce's REST error body for ``exc``."""
    return json_response(exc.body(), exc.status)


def empty(status: int = 204) -> Response:
    """A response without a body."""
    return Response(b"", status_code=status)
