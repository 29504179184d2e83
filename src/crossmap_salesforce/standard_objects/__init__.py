"""Salesforce's standard objects as describe results, shipped as package data.

``crossmap check`` works offline against these; the org emulator serves them as its
describe output. Account, Contact, Case, Event and Task are copied from real describe
captures (only the documented keys, org-specific custom fields left out); the others
are written from Salesforce's object reference: User, Profile, Group, CaseComment,
ContentVersion, ContentDocument, ContentDocumentLink and Organization as JSON files,
the Sales Cloud objects (Lead, Opportunity, products and price books, campaigns,
contracts, orders, assets, notes) as the tables of :mod:`.sales_cloud`. Each is a
``GET /sobjects/{O}/describe`` body; ``PROVENANCE.md`` names the sources.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

from crossmap.schema import Schema, UnknownObjectError
from crossmap_salesforce.describe import schema_from_describes
from crossmap_salesforce.standard_objects import sales_cloud

STANDARD_OBJECTS: tuple[str, ...] = (
    "Account",
    "Contact",
    "Case",
    "Event",
    "Task",
    "User",
    "Profile",
    "Group",
    "CaseComment",
    "ContentVersion",
    "ContentDocument",
    "ContentDocumentLink",
    "Organization",
    *sales_cloud.OBJECTS,
)
"""The names of the shipped objects."""

_BY_FOLDED = {name.casefold(): name for name in STANDARD_OBJECTS}


@functools.cache
def _text(name: str) -> str:
    return resources.files(__name__).joinpath(f"{name}.json").read_text(encoding="utf-8")


def load_describe(name: str) -> dict[str, Any]:
    """The describe result of standard object ``name`` (matched case-insensitively),
    freshly parsed, so callers may change it. Raises ``UnknownObjectError`` for an
    object that is not shipped."""
    real = _BY_FOLDED.get(name.casefold())
    if real is None:
        raise UnknownObjectError(name, STANDARD_OBJECTS)
    describe: dict[str, Any]
    if real in sales_cloud.OBJECTS:
        describe = sales_cloud.describe(real)
    else:
        describe = json.loads(_text(real))
    known = {(c["childSObject"], c["field"]) for c in describe["childRelationships"]}
    describe["childRelationships"].extend(
        c for c in sales_cloud.child_relationships(real)
        if (c["childSObject"], c["field"]) not in known
    )
    return describe


@functools.cache
def standard_schema() -> Schema:
    """Every shipped standard object as one crossmap ``Schema`` (built once)."""
    return schema_from_describes(load_describe(name) for name in STANDARD_OBJECTS)


__all__ = ["STANDARD_OBJECTS", "load_describe", "standard_schema", "static_schema"]


def static_schema() -> Schema:
    """The schema ``crossmap check`` uses without a connection: the standard objects
    (a live org's describe replaces it when connected)."""
    return standard_schema()
