"""What an org says about itself before any data call: the API versions it serves and
the resources of one version.

``GET /services/data`` needs no session (REST API Developer Guide, "Versions": "You
don't need authentication to retrieve the list of versions"); ``GET
/services/data/vXX.X`` ("Resources by Version") lists, per resource name, its URI.
The emulator lists only the resources it serves, so a client that follows the listing
never lands on a 404.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from crossmap_salesforce.emulator.errors import OrgError
from crossmap_salesforce.emulator.http import Call, json_response

API_VERSIONS: dict[str, str] = {
    "58.0": "Summer '23",
    "59.0": "Winter '24",
    "60.0": "Spring '24",
    "61.0": "Summer '24",
    "62.0": "Winter '25",
}
"""The versions served, oldest first, with their release labels."""

LATEST = max(API_VERSIONS, key=float)

#: Resource name → path under ``/services/data/vXX.X`` (the resources served here).
RESOURCES: dict[str, str] = {
    "sobjects": "sobjects",
    "query": "query",
    "queryAll": "queryAll",
    "limits": "limits",
    "composite": "composite",
    "jobs": "jobs",
    "tooling": "tooling",
}


def versions(emulator: object, request: Request, body: bytes) -> Response:
    """``GET /services/data``: every version served (no session needed)."""
    return json_response([
        {"label": label, "url": f"/services/data/v{v}", "version": v}
        for v, label in API_VERSIONS.items()
    ])


def check_version(version: str) -> None:
    """The 404 a real org gives a version it does not serve."""
    if version not in API_VERSIONS:
        raise OrgError(404, "NOT_FOUND", "The requested resource does not exist")


def resources(call: Call) -> Response:
    """``GET /services/data/vXX.X``: the resources of one version, and the caller's
    identity URL."""
    check_version(call.version)
    prefix = call.prefix()
    out = {name: f"{prefix}/{path}" for name, path in RESOURCES.items()}
    org = call.emulator.org
    out["identity"] = f"{call.base_url}/id/{org.org_id}/{call.user_id}"
    return json_response(out)
