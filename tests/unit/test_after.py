"""``after SOURCE, ...``: a mapping loads after the mappings of other source objects,
though no lookup needs them — parse, format, waves, and its errors (XM234)."""

from __future__ import annotations

import pytest

from crossmap import schema as s
from crossmap.compiler import compile, plan_from_dict, plan_to_dict
from crossmap.errors import SpecError
from crossmap.functions import registry
from crossmap.syntax import ast, format_spec, parse

ID = s.FieldSchema("Id", s.Id(), nullable=False, createable=False, updateable=False, defaulted_on_create=True)
SOURCE = s.Schema([
    s.ObjectSchema(name, [s.FieldSchema("id", s.String(20), nullable=False),
                          s.FieldSchema("items", s.ListOf("item"))], key="id")
    for name in ("jobs", "parts", "notes")
] + [s.ObjectSchema("item", [s.FieldSchema("n", s.Integer())])])
TARGET = s.Schema([
    s.ObjectSchema(name, [ID, s.FieldSchema("Ext", s.String(40))], key="Id") for name in ("A", "B", "C", "D")
])


def plan_of(body: str) -> object:
    return compile("source src\ntarget dst\n\n" + body, source_schema=SOURCE, target_schema=TARGET,
                   functions=registry())


def test_after_parses_and_formats() -> None:
    text = "source src\ntarget dst\n\nmap jobs -> A {\n  after parts,notes.items\n  Ext = id\n}\n"
    mapping = parse(text).of_type(ast.Mapping)[0]
    assert mapping.body[0] == ast.After(("parts", "notes.items"))
    assert "  after parts, notes.items\n" in format_spec(text)


def test_after_puts_a_step_in_a_later_wave() -> None:
    plan = plan_of("""map jobs -> A {
  Ext = id
}

map parts -> B {
  after jobs
  Ext = id
}

map notes.items as item -> C {
  key id + to_string(item.n)
  after parts
  Ext = id
}

map notes -> D {
  after notes.items
  Ext = id
}
""")
    assert plan.waves == (("jobs->A",), ("parts->B",), ("notes.items->C",), ("notes->D",))
    assert plan_from_dict(plan_to_dict(plan)) == plan


@pytest.mark.parametrize(("body", "message"), [
    ("map jobs -> A {\n  after part\n  Ext = id\n}\n\nmap parts -> B {\n  Ext = id\n}\n",
     "`after part`: no other mapping reads 'part'"),
    ("map jobs -> A {\n  after jobs\n  Ext = id\n}\n", "`after jobs`: no other mapping reads 'jobs'"),
    ("map jobs -> A {\n  after parts\n  Ext = id\n}\n\nmap parts -> B {\n  after jobs\n  Ext = id\n}\n",
     "makes 'jobs->A' wait for steps that wait for it"),
])
def test_after_errors(body: str, message: str) -> None:
    with pytest.raises(SpecError) as raised:
        plan_of(body)
    rendered = raised.value.render()
    assert "XM234" in rendered and message in rendered, rendered
    if "'part'" in message:
        assert "did you mean 'parts'" in rendered.lower()
