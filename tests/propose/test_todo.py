"""``todo("...")``: the compiler reports every one as XM240 with its text, and
nothing else about it."""

from __future__ import annotations

from crossmap.compiler import compile_spec
from crossmap.functions import registry
from crossmap.schema import Schema
from crossmap.syntax import parse

SPEC = """xmap 1
source qdispatch
target salesforce
map contacts -> Contact {
  insert
  let todo_1 = todo("decide on contacts.sms_opt_in")
  LastName = todo("Contact requires LastName")
  FirstName = todo()
}
"""


def test_each_todo_is_one_xm240_with_its_text(qdispatch_schema: Schema, salesforce_schema: Schema) -> None:
    result = compile_spec(parse(SPEC), source_schema=qdispatch_schema, target_schema=salesforce_schema,
                          functions=registry())
    assert result.plan is None
    assert [(d.code, d.message, d.span.line) for d in result.diagnostics] == [
        ("XM240", "TODO: decide on contacts.sms_opt_in", 6),
        ("XM240", "TODO: Contact requires LastName", 7),
        ("XM240", "TODO: a decision is left open here", 8),
    ]
    assert all(d.hint and "replace this todo(...)" in d.hint for d in result.diagnostics)


def test_a_spec_may_define_its_own_todo(qdispatch_schema: Schema, salesforce_schema: Schema) -> None:
    spec = SPEC.replace("map contacts", 'def todo(x) { "x" }\n\nmap contacts').replace("todo()", 'todo("y")')
    result = compile_spec(parse(spec), source_schema=qdispatch_schema, target_schema=salesforce_schema,
                          functions=registry())
    assert [d.code for d in result.diagnostics if d.severity == "error"] == []
