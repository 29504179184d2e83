"""A declared object starts with the fields its destination gives every new object
(``Schema.new_object``): the compiler applies the template without knowing any
system's rules. Salesforce's template and referrers: tests/salesforce/test_sf_new_object_template.py."""

from __future__ import annotations

import attrs
import pytest
from compiler_schemas import HEADER, SOURCE, TARGET

from crossmap import schema as s
from crossmap.compiler import compile
from crossmap.errors import SpecError
from crossmap.functions import registry

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
    return compile(HEADER + body, source_schema=SOURCE, target_schema=target,
                   functions=registry())


def test_without_a_template_a_declared_object_has_only_its_key_and_fields() -> None:
    with pytest.raises(SpecError, match="'Visit__c' has no field 'Name'"):
        _compile(TARGET)


def test_a_template_gives_a_declared_object_its_fields() -> None:
    template = s.ObjectSchema("New", [
        s.FieldSchema("Id", s.Id(), nullable=False, createable=False, updateable=False,
                      defaulted_on_create=True),
        s.FieldSchema("Name", s.String(80), defaulted_on_create=True),
        s.FieldSchema("Made", s.DateTime(), createable=False, updateable=False),
    ], key="Id")
    plan = _compile(attrs.evolve(TARGET, new_object=template))
    decl = plan.declarations[0]  # type: ignore[attr-defined]
    assert [f.name for f in decl.fields] == ["Note__c"]  # only what the spec declares
    with pytest.raises(SpecError, match="Made"):
        _compile(attrs.evolve(TARGET, new_object=template), SPEC.replace('Name = "visit"',
                                                                        'Made = now()'))


def test_referrers_may_point_at_a_declared_object() -> None:
    """The destination names the lookups that may point at any declared object;
    the compiler widens their targets without knowing why."""
    spec = """
object Visit__c {
  Note__c: text(40)
}

map teams -> Visit__c {
  Note__c = "x"
}

map people -> Tag {
  Label = "t"
  Person = lookup(teams, team_id)
}
"""
    with pytest.raises(SpecError, match="XM218"):
        _compile(TARGET, spec)
    plan = _compile(attrs.evolve(TARGET, new_object_referrers=[("Tag", "Person")]), spec)
    assert [d.object for d in plan.declarations] == ["Visit__c"]  # type: ignore[attr-defined]
