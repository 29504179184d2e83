"""The org definition: which objects and fields exist, and the org's settings.

Standard objects come from :mod:`crossmap_salesforce.standard_objects` (describe JSON
as Salesforce returns it); custom objects and fields created at run time through the
Tooling API are stored in the org's database and merged in. :class:`ObjectDef` wraps
one describe with the lookups the hot paths need (case-insensitive field names,
relationship names), computed once per object.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterator, Mapping
from functools import cached_property
from typing import Any

from attrs import frozen

from crossmap_salesforce.emulator.errors import OrgError
from crossmap_salesforce.emulator.ids import STANDARD_PREFIXES
from crossmap_salesforce.emulator.storage import Store

STANDARD_OBJECTS: tuple[str, ...] = tuple(STANDARD_PREFIXES)

#: Audit fields the "Set Audit Fields upon Record Creation" permission unlocks.
AUDIT_FIELDS = frozenset({"CreatedDate", "CreatedById", "LastModifiedDate", "LastModifiedById"})

#: Fields of one object the same permission unlocks too: a migrated Case keeps the
#: date it was closed.
OBJECT_AUDIT_FIELDS: Mapping[str, frozenset[str]] = {"Case": frozenset({"ClosedDate"})}


def audit_fields(object_name: str) -> frozenset[str]:
    """The fields of ``object_name`` an insert may set when the org has "Set Audit
    Fields upon Record Creation" (on create only: updates never may)."""
    return AUDIT_FIELDS | OBJECT_AUDIT_FIELDS.get(object_name, frozenset())

@frozen
class OrgSettings:
    """Settings of one emulated org (the knobs an admin would turn in Setup)."""

    set_audit_fields: bool = False
    """"Set Audit Fields upon Record Creation": allows CreatedDate & co. (and
    Case.ClosedDate) on insert, and describes show them createable."""
    daily_api_requests: int = 1_000_000
    """The 24-hour API request allowance (``DailyApiRequests``)."""
    session_seconds: int = 7200
    """How long an access token stays valid."""
    bulk_daily_records: int = 150_000_000
    """Bulk API 2.0 records per 24 hours."""
    bulk_upload_bytes: int = 150 * 1024 * 1024
    """The largest CSV a Bulk API 2.0 upload may carry."""
    bulk_api_hard_delete: bool = False
    """The "Bulk API Hard Delete" user permission: without it (the default, as for
    every user of a new org, administrators included) a ``hardDelete`` job is
    refused."""


class ObjectDef:
    """One object's describe plus precomputed lookups."""

    def __init__(self, describe: dict[str, Any]) -> None:
        self.describe = describe
        self.name: str = describe["name"]
        self.key_prefix: str = describe.get("keyPrefix") or ""
        self.fields: dict[str, dict[str, Any]] = {f["name"]: f for f in describe["fields"]}
        self._lower = {name.lower(): name for name in self.fields}
        self.relationships: dict[str, dict[str, Any]] = {
            f["relationshipName"].lower(): f
            for f in describe["fields"]
            if f.get("type") == "reference" and f.get("relationshipName")
        }

    def field_name(self, name: str) -> str | None:
        """The canonical spelling of a field name, matched case-insensitively."""
        return self._lower.get(name.lower())

    def field(self, name: str) -> dict[str, Any] | None:
        """A field's describe, matched case-insensitively."""
        canonical = self._lower.get(name.lower())
        return None if canonical is None else self.fields[canonical]

    def relationship(self, name: str) -> dict[str, Any] | None:
        """The reference field behind a relationship name (``Account`` → AccountId)."""
        return self.relationships.get(name.lower())

    @cached_property
    def external_ids(self) -> tuple[str, ...]:
        """Fields whose values must be unique (external ids, unique fields)."""
        return tuple(
            n for n, f in self.fields.items()
            if (f.get("externalId") or f.get("unique")) and f.get("type") != "id"
        )

    @cached_property
    def schema(self) -> Any:
        """The crossmap ``ObjectSchema`` the row validator checks against."""
        from crossmap_salesforce.describe import object_from_describe

        return object_from_describe(self.describe)


def describe_for(od: ObjectDef, settings: OrgSettings) -> dict[str, Any]:
    """A copy of ``od``'s describe as this org answers it: with "Set Audit Fields upon
    Record Creation", the audit fields are ``createable`` (still not ``updateable``),
    as Salesforce shows them to a user holding the permission."""
    body = copy.deepcopy(od.describe)
    if settings.set_audit_fields:
        unlocked = audit_fields(od.name)
        for field in body["fields"]:
            if field["name"] in unlocked:
                field["createable"] = True
    return body


class OrgDefinition:
    """All objects of the org: standard ones plus custom ones from the database."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._objects: dict[str, ObjectDef] = {}
        self._lower: dict[str, str] = {}
        self._by_prefix: dict[str, str] = {}
        from crossmap_salesforce.standard_objects import load_describe

        for name in STANDARD_OBJECTS:
            self._install(copy.deepcopy(load_describe(name)))
        for (text,) in store.read().execute("SELECT describe FROM custom_objects ORDER BY name"):
            self._install(json.loads(text))

    def _install(self, describe: dict[str, Any]) -> None:
        od = ObjectDef(describe)
        self._objects[od.name] = od
        self._lower[od.name.lower()] = od.name
        if od.key_prefix:
            self._by_prefix[od.key_prefix] = od.name

    def names(self) -> list[str]:
        """Every object name, in a stable order."""
        return sorted(self._objects)

    def __iter__(self) -> Iterator[ObjectDef]:
        return iter([self._objects[n] for n in self.names()])

    def find(self, name: str) -> ObjectDef | None:
        """An object by name, case-insensitively."""
        canonical = self._lower.get(name.lower())
        return None if canonical is None else self._objects[canonical]

    def get(self, name: str) -> ObjectDef:
        """An object by name, or the 404 Salesforce gives for an unknown type."""
        od = self.find(name)
        if od is None:
            raise OrgError(404, "NOT_FOUND", "The requested resource does not exist")
        return od

    def object_for_prefix(self, prefix: str) -> str | None:
        """Which object a key prefix belongs to."""
        return self._by_prefix.get(prefix)

    def children(self, parent: str) -> list[tuple[str, str, bool]]:
        """``(child object, reference field, cascade)`` for every reference to
        ``parent``; ``cascade`` is true for master-detail style references."""
        out = []
        for od in self._objects.values():
            for f in od.fields.values():
                if f.get("type") == "reference" and parent in (f.get("referenceTo") or []):
                    out.append((od.name, f["name"], bool(f.get("cascadeDelete"))))
        return out

    # -- runtime customisation (the Tooling API) ----------------------------------

    def save_custom(self, describe: dict[str, Any]) -> None:
        """Persist and install a custom object's describe (new or extended)."""
        with self._lock, self._store.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO custom_objects (name, describe) VALUES (?, ?)",
                (describe["name"], json.dumps(describe)),
            )
            self._install(describe)

    def next_custom_prefix(self) -> str:
        """The next free custom-object key prefix (``a00`` … ``a0z``, ``a10`` …)."""
        alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
        for a in alphabet:
            for b in alphabet:
                prefix = f"a{a}{b}"
                if prefix not in self._by_prefix:
                    return prefix
        raise OrgError(400, "LIMIT_EXCEEDED", "No more custom object key prefixes")


def field_describe(name: str, type_: str, **overrides: Any) -> dict[str, Any]:
    """A field describe with every key Salesforce sends, defaults filled in."""
    base: dict[str, Any] = {
        "aggregatable": True, "autoNumber": False, "byteLength": 0, "calculated": False,
        "calculatedFormula": None, "cascadeDelete": False, "caseSensitive": False,
        "createable": True, "custom": False, "defaultValue": None,
        "defaultedOnCreate": False, "dependentPicklist": False,
        "deprecatedAndHidden": False, "digits": 0, "externalId": False,
        "filterable": True, "groupable": True, "htmlFormatted": False, "idLookup": False,
        "inlineHelpText": None, "label": name, "length": 0, "name": name,
        "nameField": False, "namePointing": False, "nillable": True,
        "picklistValues": [], "polymorphicForeignKey": False, "precision": 0,
        "referenceTo": [], "relationshipName": None, "relationshipOrder": None,
        "restrictedDelete": False, "restrictedPicklist": False, "scale": 0,
        "soapType": _SOAP_TYPES.get(type_, "xsd:string"), "sortable": True,
        "type": type_, "unique": False, "updateable": True,
    }
    base.update(overrides)
    return base


_SOAP_TYPES: Mapping[str, str] = {
    "id": "tns:ID", "reference": "tns:ID", "boolean": "xsd:boolean", "int": "xsd:int",
    "double": "xsd:double", "currency": "xsd:double", "percent": "xsd:double",
    "date": "xsd:date", "datetime": "xsd:dateTime", "base64": "xsd:base64Binary",
}
