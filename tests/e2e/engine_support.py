"""Schemas, a spec and data for the engine's end-to-end tests (imported by them)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from crossmap import schema as s
from crossmap.compiler import Plan, compile
from crossmap.functions import registry

T0 = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)

SOURCE = s.Schema([
    s.ObjectSchema("customers", [
        s.FieldSchema("id", s.String(20), nullable=False),
        s.FieldSchema("name", s.String()),  # length unknown: the destination decides
        s.FieldSchema("parent_id", s.Reference(("customers",))),
        s.FieldSchema("updated_at", s.DateTime()),
    ], key="id"),
    s.ObjectSchema("jobs", [
        s.FieldSchema("id", s.String(20), nullable=False),
        s.FieldSchema("customer_id", s.Reference(("customers",)), nullable=False),
        s.FieldSchema("title", s.String(80)),
        s.FieldSchema("notes", s.ListOf("notes")),
        s.FieldSchema("updated_at", s.DateTime()),
    ], key="id"),
    s.ObjectSchema("notes", [s.FieldSchema("n", s.Integer(), nullable=False), s.FieldSchema("text", s.String(80))]),
])

_ID = s.FieldSchema("Id", s.Id(), nullable=False, createable=False, updateable=False, defaulted_on_create=True)
TARGET = s.Schema([
    s.ObjectSchema("Account", [
        _ID,
        s.FieldSchema("Name", s.String(30), nullable=False),
        s.FieldSchema("Ext__c", s.String(20), external_id=True, unique=True),
        s.FieldSchema("Parent", s.Reference(("Account",))),
        s.FieldSchema("Gone__c", s.Boolean(), nullable=False, defaulted_on_create=True),
    ], key="Id"),
    s.ObjectSchema("Case", [
        _ID,
        s.FieldSchema("Subject", s.String(80)),
        s.FieldSchema("Ext__c", s.String(20), external_id=True, unique=True),
        s.FieldSchema("AccountId", s.Reference(("Account",)), nullable=False),
    ], key="Id"),
    s.ObjectSchema("Comment", [
        _ID,
        s.FieldSchema("Body", s.String(80)),
        s.FieldSchema("Ext__c", s.String(40), external_id=True, unique=True),
        s.FieldSchema("CaseId", s.Reference(("Case",)), nullable=False),
    ], key="Id"),
])

SPEC = """source memory
target memory

map customers -> Account {
  upsert on Ext__c
  on delete flag Gone__c
  Ext__c = id
  Name   = name ?? "(none)"
  Parent = lookup(customers, parent_id) missing defer
}

map jobs -> Case {
  upsert on Ext__c
  on delete delete
  Ext__c    = id
  Subject   = title
  AccountId = lookup(customers, customer_id)
}

map jobs.notes as note -> Comment {
  key id + "#" + to_string(note.n)
  upsert on Ext__c
  Ext__c = id + "#" + to_string(note.n)
  Body   = note.text
  CaseId = lookup(jobs, id)
}
"""


def plan() -> Plan:
    return compile(SPEC, source_schema=SOURCE, target_schema=TARGET, functions=registry())


def big_dataset(customers: int) -> dict[str, list[dict[str, Any]]]:
    """A larger connected dataset: ``customers`` customers, two jobs each, notes on half."""
    data: dict[str, list[dict[str, Any]]] = {"customers": [], "jobs": []}
    for i in range(customers):
        parent = {"parent_id": f"c{i // 10 * 10}"} if i % 10 else {}
        data["customers"].append({"id": f"c{i}", "name": f"Customer {i}", "updated_at": T0, **parent})
        for j in range(2):
            notes = [{"n": n, "text": f"note {n}"} for n in range(2)] if (i + j) % 2 else []
            data["jobs"].append({"id": f"j{i}-{j}", "customer_id": f"c{i}", "title": f"Job {j}",
                                 "updated_at": T0, "notes": notes})
    return data


def dataset() -> dict[str, list[dict[str, Any]]]:
    """Three customers (c2's parent is c1; c3's name is too long for Account.Name, so
    it fails and its job is held back), three jobs, notes on the first job."""
    return {
        "customers": [
            {"id": "c1", "name": "Acme", "updated_at": T0},
            {"id": "c2", "name": "Acme East", "parent_id": "c1", "updated_at": T0},
            {"id": "c3", "name": "N" * 40, "updated_at": T0},
        ],
        "jobs": [
            {"id": "j1", "customer_id": "c1", "title": "No heat", "updated_at": T0,
             "notes": [{"n": 1, "text": "called"}, {"n": 2, "text": "fixed"}]},
            {"id": "j2", "customer_id": "c2", "title": "Leak", "updated_at": T0},
            {"id": "j3", "customer_id": "c3", "title": "Noise", "updated_at": T0},
        ],
    }
