"""``Field ?= expr``: an assignment written only where the destination lets the field
be written (Salesforce's audit fields, which need "Set Audit Fields upon Record
Creation"); elsewhere it is left out with warning XM233 and recorded in the plan.

Against Salesforce's static schema and emulated orgs with and without the permission
(the live describe decides, the static schema never does):
tests/salesforce/test_sf_optional_assign.py.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from crossmap import schema as s
from crossmap.codegen import Row, generate
from crossmap.codegen.reference import evaluate_step
from crossmap.compiler import (
    Assignment,
    CompileResult,
    DroppedAssignment,
    compile_spec,
    plan_from_dict,
    plan_to_dict,
)
from crossmap.compiler.describe import describe_plan
from crossmap.connectors.builtin.memory import MemoryDestination, MemorySource
from crossmap.engine import Engine, RunOptions
from crossmap.functions import registry
from crossmap.state import StateStore
from crossmap.syntax import ast, format_spec, parse

ID = s.FieldSchema("Id", s.Id(), nullable=False, createable=False, updateable=False, defaulted_on_create=True)
SOURCE = s.Schema([
    s.ObjectSchema("jobs", [
        s.FieldSchema("id", s.String(20), nullable=False),
        s.FieldSchema("title", s.String(80)),
        s.FieldSchema("status", s.String(20)),
        s.FieldSchema("created_at", s.DateTime()),
        s.FieldSchema("completed_at", s.DateTime()),
        s.FieldSchema("owner_id", s.Reference(("people",))),
    ], key="id"),
    s.ObjectSchema("people", [s.FieldSchema("id", s.String(20), nullable=False)], key="id"),
])


def _target(audit: bool) -> s.Schema:
    """A Case-like object whose audit fields are createable only with ``audit``; they
    are never updateable."""
    return s.Schema([
        s.ObjectSchema("Case", [
            ID,
            s.FieldSchema("Subject", s.String(255)),
            s.FieldSchema("Status", s.String(40)),
            s.FieldSchema("Job_Id__c", s.String(20), external_id=True, unique=True),
            s.FieldSchema("ClosedDate", s.DateTime(), createable=audit, updateable=False),
            s.FieldSchema("CreatedDate", s.DateTime(), nullable=False, createable=audit, updateable=False,
                          defaulted_on_create=True),
            s.FieldSchema("Owner__c", s.Reference(("Person",))),
        ], key="Id"),
        s.ObjectSchema("Person", [ID, s.FieldSchema("Email", s.String(80))], key="Id"),
    ])


SPEC = """source src
target dst

map jobs -> Case {
  upsert on Job_Id__c
  Job_Id__c    = id
  Subject      = title
  Status       = status
  ClosedDate  ?= completed_at
  CreatedDate ?= created_at
}
"""

RECORD = {
    "id": "j1", "title": "No heat", "status": "Closed",
    "created_at": dt.datetime(2024, 1, 2, 9, 0, tzinfo=dt.UTC),
    "completed_at": dt.datetime(2024, 1, 3, 17, 30, tzinfo=dt.UTC),
}


def _compile(text: str, target: s.Schema) -> CompileResult:
    return compile_spec(parse(text, path="spec.xmap"), source_schema=SOURCE, target_schema=target,
                        functions=registry())


def _codes(result: CompileResult) -> list[tuple[str, str, int]]:
    return [(d.code, d.severity, d.span.line) for d in result.diagnostics]


# ---- syntax ------------------------------------------------------------------------------------


def test_parses_as_an_optional_assignment() -> None:
    mapping = parse(SPEC).items[2]
    assert isinstance(mapping, ast.Mapping)
    optional = [st for st in mapping.body if isinstance(st, ast.Assign) and st.optional]
    assert [a.field for a in optional] == ["ClosedDate", "CreatedDate"]
    plain = next(st for st in mapping.body if isinstance(st, ast.Assign) and st.field == "Subject")
    assert not plain.optional
    # `=` and `?=` mean different things: the trees differ.
    assert parse("map a -> B { X = y }") != parse("map a -> B { X ?= y }")


def test_the_formatter_lines_up_the_equals_signs() -> None:
    assert format_spec(SPEC) == SPEC
    messy = "map jobs -> Case {\n  ClosedDate?=completed_at\n  Subject = title\n}\n"
    assert format_spec(messy) == "map jobs -> Case {\n  ClosedDate ?= completed_at\n  Subject     = title\n}\n"
    assert format_spec(format_spec(messy)) == format_spec(messy)


def test_resolve_blocks_accept_it() -> None:
    text = "resolve people -> Person {\n  by id = Email\n  Email ?= id\n}\n"
    assert format_spec(text) == text
    resolve = parse(text).items[0]
    assert isinstance(resolve, ast.Resolve)
    assert resolve.body[1] == ast.Assign("Email", ast.Name("id"), optional=True)


# ---- compiler ----------------------------------------------------------------------------------


def test_where_the_field_is_writable_it_is_an_ordinary_assignment() -> None:
    result = _compile(SPEC, _target(audit=True))
    assert result.plan is not None and result.diagnostics == []
    step = result.plan.step("jobs->Case")
    assert [a.field for a in step.assignments] == ["Job_Id__c", "Subject", "Status", "ClosedDate", "CreatedDate"]
    assert step.dropped == () and result.plan.dropped == ()


def test_where_it_is_not_writable_it_is_dropped_with_a_warning() -> None:
    result = _compile(SPEC, _target(audit=False))
    assert result.plan is not None
    assert _codes(result) == [("XM233", "warning", 9), ("XM233", "warning", 10)]
    first = result.diagnostics[0]
    assert first.message == (
        "'Case.ClosedDate' cannot be set when a record is created in this destination; `?=` leaves it out"
    )
    assert first.hint is not None and "the same spec writes it" in first.hint
    step = result.plan.step("jobs->Case")
    assert [a.field for a in step.assignments] == ["Job_Id__c", "Subject", "Status"]
    reason = "'Case.ClosedDate' cannot be set when a record is created in this destination"
    assert step.dropped[0] == DroppedAssignment("ClosedDate", 9, reason)
    assert result.plan.dropped == tuple(("jobs->Case", d) for d in step.dropped)


def test_dropped_assignments_round_trip_through_the_plan_json() -> None:
    plan = _compile(SPEC, _target(audit=False)).plan
    assert plan is not None
    data = plan_to_dict(plan)
    [step] = data["steps"]
    assert [d["field"] for d in step["dropped"]] == ["ClosedDate", "CreatedDate"]
    assert plan_from_dict(data) == plan


def test_the_printed_plan_lists_what_is_left_out() -> None:
    dropped = _compile(SPEC, _target(audit=False)).plan
    kept = _compile(SPEC, _target(audit=True)).plan
    assert dropped is not None and kept is not None
    text = describe_plan(dropped)
    assert "jobs->Case.ClosedDate (line 9)" in text and "jobs->Case.CreatedDate (line 10)" in text
    assert "left out" not in describe_plan(kept)


def test_generated_code_and_the_reference_leave_a_dropped_field_out() -> None:
    for audit, fields in ((False, {"Job_Id__c", "Subject", "Status"}),
                          (True, {"Job_Id__c", "Subject", "Status", "ClosedDate", "CreatedDate"})):
        plan = _compile(SPEC, _target(audit)).plan
        assert plan is not None
        step = plan.step("jobs->Case")
        row = generate(plan)["jobs->Case"].apply(RECORD)
        assert row == evaluate_step(plan, step, RECORD)
        assert isinstance(row, Row) and set(row.values) == fields
        assert row.values.get("ClosedDate") == (RECORD["completed_at"] if audit else None)


def test_an_unknown_field_is_still_an_error() -> None:
    result = _compile(SPEC.replace("ClosedDate  ?=", "ClosedDat   ?="), _target(audit=False))
    assert result.plan is None
    assert ("XM204", "error", 9) in _codes(result)
    assert "did you mean 'ClosedDate'?" in (result.diagnostics[0].hint or "")


def test_a_dropped_value_is_still_type_checked() -> None:
    # The spec must hold in every org it may run against, not only this one.
    text = SPEC.replace("ClosedDate  ?= completed_at", "ClosedDate  ?= title")
    for audit in (False, True):
        result = _compile(text, _target(audit))
        assert result.plan is None
        assert ("XM211", "error", 9) in _codes(result)


def test_assigning_twice_is_still_an_error() -> None:
    text = SPEC.replace("CreatedDate ?= created_at", "ClosedDate  ?= created_at")
    result = _compile(text, _target(audit=False))
    assert ("XM210", "error", 10) in _codes(result)


def test_a_plain_assignment_to_the_same_field_stays_an_error() -> None:
    result = _compile(SPEC.replace("ClosedDate  ?=", "ClosedDate   ="), _target(audit=False))
    assert result.plan is None
    assert ("XM209", "error", 9) in _codes(result)
    assert "`?=` writes it only where the destination allows it" in (result.diagnostics[0].hint or "")


def test_a_dropped_lookup_does_not_order_the_step() -> None:
    text = ("source src\ntarget dst\nmap people -> Person {\n  Email = id\n}\n"
            "map jobs -> Case {\n  ClosedDate ?= if lookup(people, owner_id) == null then null else completed_at\n}\n")
    dropped = _compile(text, _target(audit=False)).plan
    kept = _compile(text, _target(audit=True)).plan
    assert dropped is not None and kept is not None
    assert dropped.step("jobs->Case").depends_on == ()
    assert kept.step("jobs->Case").depends_on == ("people->Person",)


def test_in_a_resolve_block_it_needs_an_updateable_field() -> None:
    text = ("source src\ntarget dst\nresolve people -> Person {\n  by id = Email\n  Email ?= id\n}\n"
            "resolve jobs -> Case {\n  by id = Job_Id__c\n  ClosedDate ?= completed_at\n  Subject ?= title\n}\n")
    result = _compile(text, _target(audit=True))  # audit fields are createable, never updateable
    assert result.plan is not None
    assert _codes(result) == [("XM233", "warning", 9)]
    assert result.diagnostics[0].message.startswith("'Case.ClosedDate' cannot be updated in this destination")
    person, case = result.plan.resolutions
    assert [u.field for u in person.updates if isinstance(u, Assignment)] == ["Email"]
    assert [u.field for u in case.updates if isinstance(u, Assignment)] == ["Subject"]
    assert [d.field for d in case.dropped] == ["ClosedDate"]


def test_a_kept_audit_field_is_written_on_insert_and_left_out_of_updates(tmp_path: Path) -> None:
    plan = _compile(SPEC, _target(audit=True)).plan
    assert plan is not None
    target = _target(audit=True)
    destination = MemoryDestination(target)
    with StateStore.open(tmp_path / "state.db") as store:
        first = Engine(plan, MemorySource({"jobs": [RECORD]}, SOURCE), destination, store, RunOptions()).run()
        assert first.counts == {"jobs->Case": {"created": 1}}
        [case] = destination.records("Case")
        assert case["ClosedDate"] == RECORD["completed_at"]
        # The re-run updates the case: the create-only field is not sent again (the
        # destination refuses it on update), and the update succeeds.
        changed = {**RECORD, "title": "No heat (fixed)"}
        second = Engine(plan, MemorySource({"jobs": [changed]}, SOURCE), destination, store, RunOptions()).run()
        assert second.counts == {"jobs->Case": {"updated": 1}}
    [case] = destination.records("Case")
    assert case["Subject"] == "No heat (fixed)" and case["ClosedDate"] == RECORD["completed_at"]
    [refused] = destination.load("Case", "update", [("x", {"Id": case["Id"], "ClosedDate": RECORD["created_at"]})])
    assert not refused.ok
