"""Salesforce's template for the objects a spec declares (``Schema.new_object``) and
the lookups that may point at them (``new_object_referrers``), as the static
catalogue supplies them; the compiler's side of both is tested with a schema of its
own in tests/unit/compiler/test_new_object_template.py."""

from __future__ import annotations

import attrs
import pytest

from crossmap import schema as s
from crossmap.compiler import compile
from crossmap.errors import SpecError
from crossmap.functions import registry
from crossmap_salesforce.standard_objects import standard_schema

SOURCE = s.Schema([
    s.ObjectSchema("people", [
        s.FieldSchema("id", s.String(20), nullable=False),
        s.FieldSchema("boss_id", s.Reference(("people",))),
    ], key="id"),
    s.ObjectSchema("teams", [s.FieldSchema("id", s.String(20), nullable=False),
                             s.FieldSchema("visit_id", s.String(20))], key="id"),
])

SPEC = """
object Visit__c {
  Note__c: text(40)
}

map people -> Visit__c {
  Name = "visit"
  Note__c = "x"
}
"""


def _compile(target: s.Schema, body: str = SPEC) -> object:
    return compile("source src\ntarget dst\n" + body, source_schema=SOURCE, target_schema=target,
                   functions=registry())


def test_salesforce_gives_every_custom_object_name_owner_and_audit_fields() -> None:
    """Salesforce Help, "Custom Object Standard Fields" (sf.dev_objectfields.htm):
    custom objects automatically include Name, OwnerId, CreatedById, CreatedDate,
    LastModifiedById, LastModifiedDate (and the system fields Id, IsDeleted,
    SystemModstamp)."""
    template = standard_schema().new_object
    assert template is not None
    fields = template.fields
    assert {"Id", "Name", "OwnerId", "IsDeleted", "CreatedDate", "CreatedById",
            "LastModifiedDate", "LastModifiedById", "SystemModstamp"} <= set(fields)
    assert template.key == "Id"
    assert fields["Name"].type == s.String(80) and fields["Name"].createable
    assert not fields["Name"].required_on_create  # named after its Id when left out
    assert fields["OwnerId"].type == s.Reference(("Group", "User"))
    for audit in ("CreatedDate", "CreatedById", "LastModifiedDate", "SystemModstamp"):
        assert not fields[audit].createable and not fields[audit].updateable
    # `check` no longer asks to declare Name: the spec maps it without declaring it.
    plan = _compile(standard_schema())
    assert [f.name for f in plan.declarations[0].fields] == ["Note__c"]  # type: ignore[attr-defined]


def test_salesforce_activities_may_point_at_declared_objects() -> None:
    """scaffold creates declared objects with "Allow Activities" (enableActivities),
    so Task.WhatId and Event.WhatId may point at them; a Note may be attached to any
    custom object (Object Reference, Note)."""
    schema = standard_schema()
    assert set(schema.new_object_referrers) == {("Task", "WhatId"), ("Event", "WhatId"),
                                                ("Note", "ParentId")}
    spec = """
object Visit__c {
  Note__c: text(40)
}

map people -> Visit__c {
  Note__c = "x"
}

map teams -> Task {
  Subject = "t"
  WhatId = lookup(people, visit_id)
}
"""
    _compile(schema, spec)  # Task.WhatId may point at the declared Visit__c
    with pytest.raises(SpecError) as refused:
        _compile(attrs.evolve(schema, new_object_referrers=()), spec)
    assert [d.code for d in refused.value.diagnostics] == ["XM218"]
