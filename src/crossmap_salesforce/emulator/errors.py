"""The one exception the emulator raises for an API-level failure.

Handlers raise :class:`OrgError`; the server turns it into Salesforce's REST error
body, a JSON array of ``{"message", "errorCode", "fields"}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

#: Error codes whose REST bodies have no ``fields`` key: a real org answers
#: ``[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]``.
REQUEST_ERRORS = frozenset({"NOT_FOUND", "MALFORMED_QUERY", "INVALID_SESSION_ID"})


class OrgError(Exception):
    """A Salesforce API error: an HTTP status, an ``errorCode`` and a message."""

    def __init__(
        self, status: int, code: str, message: str, fields: Sequence[str] = ()
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.fields = tuple(fields)

    def body(self) -> list[dict[str, Any]]:
        """The REST error body. Errors about the request rather than a record's fields
        carry no ``fields`` key, as a real org sends them."""
        if self.code in REQUEST_ERRORS and not self.fields:
            return [{"message": self.message, "errorCode": self.code}]
        return [{"message": self.message, "errorCode": self.code, "fields": list(self.fields)}]

    def item(self) -> dict[str, Any]:
        """The error as one entry of a composite result's ``errors`` list (which
        spells the code ``statusCode``)."""
        return {"statusCode": self.code, "message": self.message, "fields": list(self.fields)}

    def bulk_text(self) -> str:
        """The error in Bulk API 2.0's ``sf__Error`` form, ``CODE:message:fields --``."""
        return f"{self.code}:{self.message}:{','.join(self.fields)} --"
