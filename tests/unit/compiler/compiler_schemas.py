"""A small source and destination schema for compiler and codegen tests (imported
by the test modules beside it)."""

from __future__ import annotations

from crossmap import schema as s
from crossmap.compiler import Plan, compile
from crossmap.functions import registry

SOURCE = s.Schema(
    [
        s.ObjectSchema(
            "people",
            [
                s.FieldSchema("id", s.String(20), nullable=False),
                s.FieldSchema("name", s.String(50)),
                s.FieldSchema("boss_id", s.Reference(("people",))),
                s.FieldSchema("team_id", s.Reference(("teams",))),
                s.FieldSchema("kind", s.Enum(("a", "b"))),
                s.FieldSchema("born", s.String(10)),
                s.FieldSchema("score", s.Numeric(6, 2)),
                s.FieldSchema("visits", s.Integer()),
                s.FieldSchema("tags", s.ListOf("tags")),
            ],
            key="id",
        ),
        s.ObjectSchema("tags", [s.FieldSchema("label", s.String(20)), s.FieldSchema("n", s.Integer())]),
        s.ObjectSchema("teams", [s.FieldSchema("id", s.String(20), nullable=False), s.FieldSchema("title", s.String(40))], key="id"),
    ]
)

ID = s.FieldSchema("Id", s.Id(), nullable=False, createable=False, updateable=False, defaulted_on_create=True)
TARGET = s.Schema(
    [
        s.ObjectSchema(
            "Person",
            [
                ID,
                s.FieldSchema("Name", s.String(80), nullable=False),
                s.FieldSchema("Kind", s.Enum(("Alpha", "Beta"), restricted=True)),
                s.FieldSchema("Born", s.Date()),
                s.FieldSchema("Score", s.Numeric(8, 2)),
                s.FieldSchema("Boss", s.Reference(("Person",))),
                s.FieldSchema("Team", s.Reference(("Team",))),
                s.FieldSchema("Note", s.String(255)),
                s.FieldSchema("Made", s.DateTime(), createable=False, updateable=False),
            ],
            key="Id",
        ),
        s.ObjectSchema("Team", [ID, s.FieldSchema("Title", s.String(80))], key="Id"),
        s.ObjectSchema("Tag", [ID, s.FieldSchema("Label", s.String(20)), s.FieldSchema("Person", s.Reference(("Person",)))], key="Id"),
    ]
)

HEADER = "source src\ntarget dst\n"


def build(body: str) -> Plan:
    """Compile a spec body (the header is added) against the test schemas."""
    return compile(HEADER + body, source_schema=SOURCE, target_schema=TARGET, functions=registry())

