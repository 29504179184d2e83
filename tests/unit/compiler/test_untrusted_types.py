"""Off the flagship path, nothing may go silently wrong (issue 21): a fan-out over a
list of strings makes one row per string, and a field a sample said is never null
gives null in, null out when a null comes after all, never a crash. The generated
code and the reference evaluator agree on both."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import attrs
import pytest

from crossmap import schema as s
from crossmap.codegen import Failed, Row, generate
from crossmap.codegen.reference import evaluate_record
from crossmap.compiler import Plan, compile, compile_spec
from crossmap.connectors.builtin.inference import infer_object
from crossmap.functions import FunctionContext, registry
from crossmap.spectest import run_spec_tests
from crossmap.syntax import parse
from crossmap.systems import compile_offline

CONTEXT = FunctionContext.fixed(dt.datetime(2025, 1, 2, tzinfo=dt.UTC))
ID = s.FieldSchema("Id", s.Id(), nullable=False, createable=False, updateable=False, defaulted_on_create=True)
TARGET = s.Schema([
    s.ObjectSchema("Ticket", [ID, s.FieldSchema("Subject", s.String(10)), s.FieldSchema("Body", s.Text(200)),
                              s.FieldSchema("Size", s.Integer()), s.FieldSchema("Channel", s.String(20))], key="Id"),
    s.ObjectSchema("Tag", [ID, s.FieldSchema("Key", s.String(80)), s.FieldSchema("Label", s.String(40))], key="Id"),
])

# A sample in which every ticket has a subject, a body and tags (lists of strings).
SAMPLE = [{"id": f"t{i}", "subject": f" Ticket {i} ", "body": "text", "size": i, "via": "web",
           "tags": ["billing", "vip"]} for i in range(20)]


def compiled(body: str) -> Plan:
    source = s.Schema([infer_object("tickets", SAMPLE, "id")])
    return compile("source src\ntarget dst\n" + body, source_schema=source, target_schema=TARGET,
                   functions=registry())


def both(plan: Plan, step: str, record: dict[str, Any]) -> list[object]:
    """The generated code's results for one record, checked against the reference's."""
    generated = list(generate(plan, context=CONTEXT)[step].run(record))
    rows, others = generate(plan, context=CONTEXT)[step].run_batch([record])
    reference = list(evaluate_record(plan, plan.step(step), record, context=CONTEXT))
    assert generated == reference
    assert rows == [(r.key, r.values) for r in generated if isinstance(r, Row)]
    assert others == [r for r in generated if not isinstance(r, Row)]
    return generated


def test_a_fan_out_over_a_list_of_strings_makes_a_row_per_string() -> None:
    plan = compiled(
        'map tickets.tags as tag -> Tag {\n  key id + ":" + to_string(tag)\n'
        '  Key = id + ":" + to_string(tag)\n  Label = upper(to_string(tag))\n}\n'
    )
    results = both(plan, "tickets.tags->Tag", {"id": "t1", "tags": ["billing", "vip"]})
    assert results == [Row("t1:billing", {"Key": "t1:billing", "Label": "BILLING"}),
                       Row("t1:vip", {"Key": "t1:vip", "Label": "VIP"})]


def test_every_element_of_a_fan_out_has_an_outcome() -> None:
    plan = compiled('map tickets.tags as tag -> Tag {\n  key id + ":" + to_string(tag)\n  Label = tag.name\n}\n')
    results = both(plan, "tickets.tags->Tag", {"id": "t1", "tags": ["billing", {"name": "vip"}, None]})
    assert [type(r) for r in results] == [Failed, Failed, Failed]
    first, second, last = results
    assert isinstance(first, Failed) and first.key == "t1:billing" and first.field == "Label"
    assert first.reason == "'.name' reads a field of a record, but the value is str 'billing'"
    assert isinstance(second, Failed) and second.reason == "its key: {'name': 'vip'} (dict) cannot be converted to text"
    assert isinstance(last, Failed) and last.reason == "its key: the key is null"  # a null element has no key


def test_a_null_after_the_sample_gives_null_not_a_crash() -> None:
    plan = compiled(
        "map tickets -> Ticket {\n  Subject = truncate(trim(subject), 10)\n  Body = lower(body) + \"!\"\n"
        "  Size = size * 2\n  Channel = via | channel\n}\n"
        'valuemap channel {\n  "web" -> "Web"\n  else "Other"\n}\n'
    )
    step = plan.step("tickets->Ticket")
    assert step.body[0].value.type.nullable is False  # the sample never saw a null  # type: ignore[union-attr]
    record = {"id": "t1051", "subject": None, "body": None, "size": None, "via": None}
    assert both(plan, "tickets->Ticket", record) == [
        Row("t1051", {"Subject": None, "Body": None, "Size": None, "Channel": None})
    ]
    assert both(plan, "tickets->Ticket", {"id": "t1"}) == [
        Row("t1", {"Subject": None, "Body": None, "Size": None, "Channel": None})
    ]
    # The fast path still gives what it gave when every value is there.
    assert both(plan, "tickets->Ticket", SAMPLE[3]) == [
        Row("t3", {"Subject": "Ticket 3", "Body": "text!", "Size": 6, "Channel": "Web"})
    ]


def test_a_value_of_another_type_than_the_sample_said_fails_its_record() -> None:
    plan = compiled("map tickets -> Ticket {\n  Subject = truncate(trim(subject), 10)\n}\n")
    (failed,) = both(plan, "tickets->Ticket", {"id": "t9", "subject": 42})
    assert isinstance(failed, Failed) and failed.field == "Subject"
    assert failed.reason == ("the expression got a value of a type the expression cannot take; check the type "
                             "the source declares for the fields it reads, or convert them explicitly")


def test_a_jsonl_destination_without_a_schema_file_knows_only_declared_objects(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/connectors/builtin.md: without a schema file, `check` rejects a mapping
    into an undeclared object (XM204) and accepts one the spec declares."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "customers.jsonl").write_text('{"id": "a1", "name": "Ann"}\n', encoding="utf-8")
    head = 'source jsonl {\n  path = "data"\n}\ntarget jsonl {\n  path = "out"\n}\n'
    body = "map customers -> Account {\n  Name = truncate(name, 80)\n}\n"
    declared = "object Account {\n  Name: text(80)\n}\n"
    monkeypatch.chdir(tmp_path)
    undeclared = compile_offline(parse(head + body, path="spec.xmap"))
    assert undeclared.plan is None and [d.code for d in undeclared.diagnostics] == ["XM204"]
    assert compile_offline(parse(head + declared + body, path="spec.xmap")).plan is not None


def test_an_inferred_schema_says_so_and_its_length_warnings_come_grouped() -> None:
    target = s.Schema([s.ObjectSchema("Ticket", [
        ID, s.FieldSchema("Subject", s.String(10)), s.FieldSchema("Body", s.Text(200)),
        s.FieldSchema("Channel", s.String(20)), s.FieldSchema("Key", s.String(5)),
    ], key="Id")])
    inferred = s.Schema([infer_object("tickets", SAMPLE, "id")])
    assert inferred.object("tickets").inferred_from == len(SAMPLE)
    assert s.schema_from_dict(s.schema_to_dict(inferred)) == inferred  # the file format keeps it
    spec = ("source src\ntarget dst\nmap tickets -> Ticket {\n  Subject = subject\n  Body = trim(body)\n"
            "  Channel = via\n  Key = truncate(id, 5)\n}\n")
    result = compile_spec(parse(spec, path="t.xmap"), source_schema=inferred, target_schema=target,
                          functions=registry())
    assert [d.code for d in result.diagnostics] == ["XM236", "XM214"]
    said, lengths = result.diagnostics
    assert said.message == "the source schema is inferred from a sample: 'tickets' from 20 records"
    assert lengths.span.line == 3
    assert lengths.message == ("'Ticket': 3 fields hold limited text whose source length is not known: "
                               "Subject (10), Body (200), Channel (20)")
    # A declared schema of unknown lengths keeps one warning per field, at the field.
    declared = s.Schema([attrs.evolve(inferred.object("tickets"), inferred_from=None)])
    result = compile_spec(parse(spec, path="t.xmap"), source_schema=declared, target_schema=target,
                          functions=registry())
    assert [(d.code, d.span.line) for d in result.diagnostics] == [("XM214", 4), ("XM214", 5), ("XM214", 6)]


def test_a_spec_test_that_leaves_out_a_field_the_sample_always_had_runs() -> None:
    """`crossmap test` ran the given records through a transform that trusted the
    inferred schema, and `trim` of the missing subject raised AttributeError."""
    plan = compiled(
        "map tickets -> Ticket {\n  Subject = truncate(trim(subject), 10)\n  Body = lower(body)\n}\n"
        'test "no subject" {\n  given tickets {\n    id: "t1"\n  }\n  expect Ticket {\n    Subject: null\n  }\n}\n'
    )
    (result,) = run_spec_tests(plan, context=CONTEXT)
    assert result.error is None and result.passed, result.render()
