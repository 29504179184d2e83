"""A small spec, schemas and data for the preflight's unit tests (memory connectors)."""

from __future__ import annotations

from typing import Any

from crossmap import schema as s
from crossmap.compiler import Plan, compile
from crossmap.connectors.builtin.memory import MemoryDestination, MemorySource
from crossmap.functions import registry

SOURCE = s.Schema([
    s.ObjectSchema("customers", [
        s.FieldSchema("id", s.String(20), nullable=False),
        s.FieldSchema("name", s.String()),
        s.FieldSchema("tier", s.String()),
        s.FieldSchema("segment", s.String()),
        s.FieldSchema("fax", s.String()),
    ], key="id"),
    s.ObjectSchema("jobs", [
        s.FieldSchema("id", s.String(20), nullable=False),
        s.FieldSchema("customer_id", s.Reference(("customers",))),
        s.FieldSchema("title", s.String()),
        s.FieldSchema("tech_id", s.Reference(("staff",))),
    ], key="id"),
    s.ObjectSchema("staff", [
        s.FieldSchema("id", s.String(20), nullable=False),
        s.FieldSchema("email", s.String()),
    ], key="id"),
    s.ObjectSchema("invoices", [
        s.FieldSchema("id", s.String(20), nullable=False),
        s.FieldSchema("job_id", s.Reference(("jobs",))),
    ], key="id"),
])

_ID = s.FieldSchema("Id", s.Id(), nullable=False, createable=False, updateable=False, defaulted_on_create=True)

# What the "org" has now: no Tier__c, a Segment__c lacking "Large", no Visit__c.
TARGET = s.Schema([
    s.ObjectSchema("Account", [
        _ID,
        s.FieldSchema("Name", s.String(30), nullable=False),
        s.FieldSchema("Ext__c", s.String(20), external_id=True, unique=True),
        s.FieldSchema("Segment__c", s.Enum(["Small"], restricted=False)),
    ], key="Id"),
    s.ObjectSchema("Case", [
        _ID,
        s.FieldSchema("Subject", s.String(20)),
        s.FieldSchema("Ext__c", s.String(20), external_id=True, unique=True),
        s.FieldSchema("AccountId", s.Reference(("Account",)), nullable=False),
        s.FieldSchema("OwnerId", s.Reference(("User",))),
    ], key="Id"),
    s.ObjectSchema("User", [
        _ID,
        s.FieldSchema("Email", s.String(80)),
        s.FieldSchema("IsActive", s.Boolean(), nullable=False, defaulted_on_create=True),
    ], key="Id"),
])

SPEC = """source memory
target memory

extend Account {
  Tier__c:    picklist restricted ["Gold", "Silver"]
  Segment__c: picklist ["Small", "Large"]
}

object Visit__c "Visit" {
  Ext__c:  text(20) external unique
  Case__c: master-detail(Case)
}

resolve staff -> User {
  by lower(email) = lower(Email)
  fallback "boss@example.com"
}

map customers -> Account {
  upsert on Ext__c
  skip when name == null because "a customer without a name"
  Ext__c     = id
  Name       = name ?? "(none)"
  Tier__c    = tier
  Segment__c = segment
}

map jobs -> Case {
  upsert on Ext__c
  Ext__c    = id
  Subject   = title
  AccountId = lookup(customers, customer_id) missing fail
  OwnerId   = lookup(staff, tech_id) missing fallback
}
"""


def plan(spec: str = SPEC) -> Plan:
    """The spec compiled as `crossmap run` would: against the schemas, declarations
    extending the target."""
    return compile(spec, source_schema=SOURCE, target_schema=TARGET, functions=registry())


def data() -> dict[str, list[dict[str, Any]]]:
    """Five customers (one without a name, one with an empty one, two 'Platinum', one
    name too long), three jobs,
    four staff (one without a user, one inactive, one matching two users), two
    invoices."""
    return {
        "customers": [
            {"id": "c1", "name": "Acme", "tier": "Gold", "segment": "Small"},
            {"id": "c2", "name": "Bolt", "tier": "Platinum", "segment": "Large"},
            {"id": "c3", "name": None, "tier": "Gold"},
            {"id": "c4", "name": "N" * 40, "tier": "Platinum", "segment": "Large"},
            {"id": "c5", "name": "", "tier": "Silver"},
        ],
        "jobs": [
            {"id": "j1", "customer_id": "c1", "title": "No heat", "tech_id": "t1"},
            {"id": "j2", "customer_id": "c2", "title": "A title much too long for it", "tech_id": "t2"},
            {"id": "j3", "customer_id": "c2", "title": "Leak", "tech_id": None},
        ],
        "staff": [
            {"id": "t1", "email": "Ann@Example.com"},
            {"id": "t2", "email": "bob@example.com"},
            {"id": "t3", "email": "cy@example.com"},
            {"id": "t4", "email": "dee@example.com"},
        ],
        "invoices": [{"id": "i1", "job_id": "j1"}, {"id": "i2", "job_id": "j2"}],
    }


def users(*, fallback: bool = True, fallback_active: bool = True) -> list[dict[str, Any]]:
    """The org's Users: ann (active), cy (inactive), dee twice; boss is the fallback."""
    rows = [
        {"Email": "ann@example.com", "IsActive": True},
        {"Email": "cy@example.com", "IsActive": False},
        {"Email": "dee@example.com", "IsActive": True},
        {"Email": "DEE@example.com", "IsActive": True},
    ]
    if fallback:
        rows.append({"Email": "boss@example.com", "IsActive": fallback_active})
    return rows


class UserDirectory(MemoryDestination):
    """A memory destination whose Users say which field tells activity."""

    def active_field(self, object: str) -> str | None:
        return "IsActive" if object == "User" else None


def systems(*, fallback: bool = True, fallback_active: bool = True,
            records: dict[str, list[dict[str, Any]]] | None = None) -> tuple[MemorySource, UserDirectory]:
    """The memory source with ``data()`` and a destination holding the Users."""
    source = MemorySource(records or data(), SOURCE, page_size=2)
    destination = UserDirectory(TARGET)
    results = destination.load("User", "insert", [(str(i), u) for i, u in
                                                   enumerate(users(fallback=fallback, fallback_active=fallback_active))])
    assert all(r.ok for r in results)
    return source, destination
