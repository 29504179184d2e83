"""A small source and destination schema for the spec-test tests (imported by the
test modules beside it)."""

from __future__ import annotations

from crossmap import schema as s
from crossmap.compiler import Plan, compile
from crossmap.functions import registry

SOURCE = s.Schema([
    s.ObjectSchema("people", [
        s.FieldSchema("pid", s.String(20), nullable=False),
        s.FieldSchema("name", s.String(50)),
        s.FieldSchema("team_id", s.Reference(("teams",))),
        s.FieldSchema("boss_id", s.Reference(("people",))),
        s.FieldSchema("owner_id", s.Reference(("staff",))),
        s.FieldSchema("email", s.String(80)),
        s.FieldSchema("score", s.Numeric(6, 2)),
        s.FieldSchema("born", s.String(10)),
        s.FieldSchema("visits", s.ListOf("visits")),
    ], key="pid"),
    s.ObjectSchema("visits", [s.FieldSchema("on", s.Date()), s.FieldSchema("note", s.String(40))]),
    s.ObjectSchema("teams", [s.FieldSchema("id", s.Integer(), nullable=False), s.FieldSchema("title", s.String(40))], key="id"),
    s.ObjectSchema("staff", [s.FieldSchema("id", s.String(20), nullable=False), s.FieldSchema("email", s.String(80))], key="id"),
])

ID = s.FieldSchema("Id", s.Id(), nullable=False, createable=False, updateable=False, defaulted_on_create=True)
TARGET = s.Schema([
    s.ObjectSchema("Person", [
        ID,
        s.FieldSchema("Name", s.String(80), nullable=False),
        s.FieldSchema("Team", s.Reference(("Team",))),
        s.FieldSchema("Boss", s.Reference(("Person",))),
        s.FieldSchema("Owner", s.Reference(("User",))),
        s.FieldSchema("Score", s.Numeric(8, 2)),
        s.FieldSchema("Born", s.Date()),
        s.FieldSchema("Active", s.Boolean()),
    ], key="Id"),
    s.ObjectSchema("Team", [ID, s.FieldSchema("Title", s.String(80))], key="Id"),
    s.ObjectSchema("Visit", [ID, s.FieldSchema("On", s.Date()), s.FieldSchema("Person", s.Reference(("Person",)))], key="Id"),
    s.ObjectSchema("User", [ID, s.FieldSchema("Email", s.String(80))], key="Id"),
])

HEADER = "source src\ntarget dst\n"


def build(body: str) -> Plan:
    """Compile a spec body (the header is added) against the test schemas."""
    return compile(HEADER + body, source_schema=SOURCE, target_schema=TARGET, functions=registry())
