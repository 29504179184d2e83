"""A small field-service world in memory for the sample tests: schemas, a spec, and
seeded data with rare values hidden under a few parents."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from crossmap import schema as s
from crossmap.compiler import Plan, compile
from crossmap.connectors.builtin.memory import MemoryDestination, MemorySource
from crossmap.functions import registry

T0 = dt.datetime(2025, 3, 1, 8, 0, tzinfo=dt.UTC)
STATUSES = ("pending", "assigned", "done", "cancelled")
KINDS = ("labor", "material", "flat_rate")

SOURCE = s.Schema([
    s.ObjectSchema("customers", [
        s.FieldSchema("id", s.String(20), nullable=False),
        s.FieldSchema("name", s.String(80)),
        s.FieldSchema("tier", s.Enum(("gold", "silver"))),
        s.FieldSchema("parent_id", s.Reference(("customers",))),
        s.FieldSchema("manager_id", s.Reference(("techs",))),
    ], key="id"),
    s.ObjectSchema("techs", [
        s.FieldSchema("id", s.String(20), nullable=False),
        s.FieldSchema("email", s.String(80)),
    ], key="id"),
    s.ObjectSchema("jobs", [
        s.FieldSchema("id", s.String(20), nullable=False),
        s.FieldSchema("customer_id", s.Reference(("customers",)), nullable=False),
        s.FieldSchema("title", s.String(200)),
        s.FieldSchema("status", s.String(20)),  # a plain string: the value map makes it an enumeration
        s.FieldSchema("done_at", s.DateTime()),
        s.FieldSchema("hours", s.Numeric(8, 2)),
        s.FieldSchema("urgent", s.Boolean()),
    ], key="id"),
    s.ObjectSchema("items", [
        s.FieldSchema("id", s.String(20), nullable=False),
        s.FieldSchema("job_id", s.Reference(("jobs",)), nullable=False),
        s.FieldSchema("kind", s.Enum(KINDS)),
        s.FieldSchema("rate", s.Numeric(10, 2)),
    ], key="id"),
])

_ID = s.FieldSchema("Id", s.Id(), nullable=False, createable=False, updateable=False, defaulted_on_create=True)
TARGET = s.Schema([
    s.ObjectSchema("User", [_ID, s.FieldSchema("Email", s.String(80))], key="Id"),
    s.ObjectSchema("Account", [
        _ID,
        s.FieldSchema("Name", s.String(80), nullable=False),
        s.FieldSchema("Ext__c", s.String(20), external_id=True, unique=True),
        s.FieldSchema("Tier__c", s.Enum(("gold", "silver"), restricted=False)),
        s.FieldSchema("ParentId", s.Reference(("Account",))),
        s.FieldSchema("Manager__c", s.Reference(("User",))),
    ], key="Id"),
    s.ObjectSchema("Case", [
        _ID,
        s.FieldSchema("Ext__c", s.String(20), external_id=True, unique=True),
        s.FieldSchema("AccountId", s.Reference(("Account",)), nullable=False),
        s.FieldSchema("Subject", s.String(200)),
        s.FieldSchema("Status", s.Enum(("New", "Working", "Closed"))),
        s.FieldSchema("Closed_At__c", s.DateTime()),
        s.FieldSchema("Hours__c", s.Numeric(8, 2)),
        s.FieldSchema("Urgent__c", s.Boolean(), nullable=False, defaulted_on_create=True),
    ], key="Id"),
    s.ObjectSchema("Item__c", [
        _ID,
        s.FieldSchema("Ext__c", s.String(20), external_id=True, unique=True),
        s.FieldSchema("Case__c", s.Reference(("Case",)), nullable=False),
        s.FieldSchema("Kind__c", s.Enum(("Labor", "Material", "Flat Rate"))),
        s.FieldSchema("Rate__c", s.Numeric(10, 2)),
    ], key="Id"),
])

SPEC = """source memory
target memory

resolve techs -> User {
  by lower(email) = lower(Email)
  fallback "boss@example.com"
}

map customers -> Account {
  upsert on Ext__c
  Ext__c     = id
  Name       = name ?? "(none)"
  Tier__c    = tier
  ParentId   = lookup(customers, parent_id) missing defer
  Manager__c = lookup(techs, manager_id) missing fallback
}

map jobs -> Case {
  upsert on Ext__c
  Ext__c       = id
  AccountId    = lookup(customers, customer_id) missing fail
  Subject      = title
  Status       = status | case_status
  Closed_At__c = done_at
  Hours__c     = hours
  Urgent__c    = urgent ?? false
}

map items -> Item__c {
  upsert on Ext__c
  Ext__c  = id
  Case__c = lookup(jobs, job_id) missing fail
  Kind__c = kind | item_kind
  Rate__c = rate
}

valuemap case_status {
  "pending"   -> "New"
  "assigned"  -> "Working"
  "done"      -> "Closed"
  "cancelled" -> "Closed"
}

valuemap item_kind {
  "labor"     -> "Labor"
  "material"  -> "Material"
  "flat_rate" -> "Flat Rate"
}
"""


def plan() -> Plan:
    """The spec compiled against the two schemas."""
    return compile(SPEC, source_schema=SOURCE, target_schema=TARGET, functions=registry())


def data(customers: int = 60, seed: int = 7) -> dict[str, list[dict[str, Any]]]:
    """Customers with jobs and items. Rare values live under late customers only:
    the status ``cancelled`` under the last customer, the item kind ``flat_rate``
    under the last-but-one (so a sample must reach for them)."""
    rng = random.Random(seed)
    techs = [{"id": f"t{n}", "email": f"Tech{n}@example.com"} for n in range(4)]
    rows: dict[str, list[dict[str, Any]]] = {"customers": [], "techs": techs, "jobs": [], "items": []}
    for c in range(customers):
        rows["customers"].append({
            "id": f"c{c:03}", "name": f"Customer {c}" if c % 7 else None,
            "tier": ("gold", "silver", None)[c % 3],
            "parent_id": f"c{c - 1:03}" if c % 10 == 9 else None,
            "manager_id": f"t{c % 5}" if c % 5 < 4 else "t-missing",
        })
        for j in range(3):
            job = f"j{c:03}{j}"
            status = "cancelled" if c == customers - 1 else STATUSES[(c + j) % 3]
            rows["jobs"].append({
                "id": job, "customer_id": f"c{c:03}", "title": f"Job {job}" if j else "  ",
                "status": status, "done_at": T0 + dt.timedelta(hours=c * 3 + j) if status == "done" else None,
                "hours": Decimal(rng.randint(1, 80)) / 4, "urgent": (c + j) % 4 == 0,
            })
            for i in range(2):
                kind = "flat_rate" if c == customers - 2 else KINDS[(c + i) % 2]
                rows["items"].append({"id": f"i{job}{i}", "job_id": job, "kind": kind,
                                      "rate": Decimal(rng.randint(100, 9000)) / 100})
    return rows


def source(customers: int = 60) -> MemorySource:
    """The memory source over ``data``."""
    return MemorySource(data(customers), SOURCE, page_size=25)


def destination() -> MemoryDestination:
    """A memory destination with the Users the technicians match, and the fallback."""
    target = MemoryDestination(TARGET)
    users = [(f"u{n}", {"Email": f"tech{n}@example.com"}) for n in range(3)] + [("boss", {"Email": "boss@example.com"})]
    assert all(r.ok for r in target.load("User", "insert", users))
    return target
