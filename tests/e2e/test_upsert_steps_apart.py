"""Two upsert steps of one wave into one object, giving one external id value, each
write their own rows: upserts never share a load stream (``crossmap.engine.sharing``),
because one write that carries an external id twice fails every row carrying it
(Salesforce's ``DUPLICATE_EXTERNAL_ID``; the built-in destinations' ``NOT_UNIQUE``)."""

from __future__ import annotations

import crossmap

SPEC = """
xmap 1
source memory
target memory

map customers -> Contact {
  upsert on Ext
  Ext  = email
  Name = name
}

map leads -> Contact {
  upsert on Ext
  Ext  = email
  Name = name
}
"""


def test_two_upsert_steps_giving_one_external_id_both_load() -> None:
    target = crossmap.Schema([crossmap.ObjectSchema("Contact", [
        crossmap.FieldSchema("Id", crossmap.schema.Id(), nullable=False, createable=False, updateable=False),
        crossmap.FieldSchema("Ext", crossmap.schema.String(80), external_id=True, unique=True),
        crossmap.FieldSchema("Name", crossmap.schema.String(40)),
    ], key="Id")])
    source = crossmap.MemorySource({
        "customers": [{"id": "c1", "email": "ana@example.com", "name": "Ana"},
                      {"id": "c2", "email": "bo@example.com", "name": "Bo"}],
        "leads": [{"id": "l1", "email": "ana@example.com", "name": "Ana Lead"},
                  {"id": "l2", "email": "cy@example.com", "name": "Cy"}],
    })
    destination = crossmap.MemoryDestination(target)

    summary = crossmap.migrate(SPEC, source, destination)

    assert summary.errors == ()
    records = {r["Ext"]: r for r in destination.records("Contact")}
    assert sorted(records) == ["ana@example.com", "bo@example.com", "cy@example.com"]
    assert records["ana@example.com"]["Name"] in {"Ana", "Ana Lead"}
