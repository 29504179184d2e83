"""Records this connection's user created since a moment, by the org's own stamps.

Every Salesforce record carries audit fields the org sets itself: ``CreatedById``,
"ID of the User who created this record", and ``CreatedDate``, "Date and time when
this record was created" (both "Defaulted on create and Filter access"; Salesforce,
*System Fields*, https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/system_fields.htm).
When crossmap looks for the records of an insert whose outcome is unknown, it narrows
the candidates to those its own user created since the write was journaled
(``crossmap.connectors.protocols.AuthoredDestination``), so an identical record a
person or another integration created on the same parent is never taken for one.

The user is learnt once, with one REST call that the ``api`` scope allows, whatever
the way of logging in: Resources by Version, ``GET /services/data/vXX.X/``, names the
caller's identity URL, ``https://.../id/<org id>/<user id>`` (REST API Developer Guide,
*List Available REST Resources*,
https://developer.salesforce.com/docs/platform/api-rest/guide/dome-discoveryresource.md).
Should it not, the OAuth UserInfo endpoint gives the ``user_id`` of "the user
associated with the connected app's access token" (Salesforce Help, *Query for User
Information*,
https://help.salesforce.com/HTViewHelpDoc?id=remoteaccess_using_userinfo_endpoint.htm). The org's time comes from the HTTP
``Date`` header of its responses (``transport.Api.server_time``): the same clock that
stamps ``CreatedDate``, so the local machine's clock plays no part.

A row that sets an audit field itself ("Set Audit Fields upon Record Creation") is
not narrowed on that field: its record holds the row's value, not the org's.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from crossmap_salesforce.reading import IN_CHUNK, name_of, query, quote
from crossmap_salesforce.transport import Api

USERINFO = "/services/oauth2/userinfo"


def user_id(api: Api) -> str:
    """The Id of the user the connection's session belongs to."""
    identity = str((api.json("GET", "") or {}).get("identity") or "")
    user = identity.rstrip("/").rsplit("/", 1)[-1]
    if user.startswith(USER_PREFIX):
        return user
    return str(api.json("GET", USERINFO)["user_id"])


USER_PREFIX = "005"
"""The key prefix of a User's Id."""


def soql_datetime(moment: datetime) -> str:
    """A SOQL dateTime literal (``2024-05-01T12:00:00Z``), in UTC."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def created_since(api: Api, object: str, field: str | None, values: Sequence[str], fields: Sequence[str],
                  user: str | None, since: datetime | None) -> Iterator[dict[str, Any]]:
    """``Id`` and ``fields`` of the records of ``object`` that ``user`` created at or
    after ``since`` (either left out when ``None``, or when the rows write that audit
    field themselves), whose ``field`` is one of ``values`` (any with ``field=None``)."""
    names = ", ".join(name_of(f) for f in dict.fromkeys(["Id", *fields, *([field] if field else [])]))
    where = []
    if user is not None and "CreatedById" not in fields:
        where.append(f"CreatedById = {quote(user)}")
    if since is not None and "CreatedDate" not in fields:
        where.append(f"CreatedDate >= {soql_datetime(since)}")
    base = f"SELECT {names} FROM {name_of(object)}"
    if field is None:
        yield from query(api, base + (" WHERE " + " AND ".join(where) if where else ""))
        return
    for start in range(0, len(values), IN_CHUNK):
        listed = ", ".join(quote(str(v)) for v in values[start:start + IN_CHUNK])
        yield from query(api, f"{base} WHERE {' AND '.join([f'{name_of(field)} IN ({listed})', *where])}")
