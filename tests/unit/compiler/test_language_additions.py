"""The language a new migration needs (issue 21), each form typed and checked by the
compiler, and the generated code agreeing with the reference evaluator: epoch
timestamps, datetimes in an ordered list of formats, a condition over a list's
elements (``filter``/``any``/``all`` with ``x -> test``), and the parent record of
a fan-out by its object's name."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from crossmap import schema as s
from crossmap.codegen import Failed, Row, generate
from crossmap.codegen.reference import evaluate_record
from crossmap.compiler import Plan, compile
from crossmap.errors import SpecError
from crossmap.functions import FunctionContext, registry
from crossmap.syntax import parse
from crossmap.syntax.formatter import format_spec

CONTEXT = FunctionContext.fixed(dt.datetime(2025, 1, 2, tzinfo=dt.UTC))
ID = s.FieldSchema("Id", s.Id(), nullable=False, createable=False, updateable=False, defaulted_on_create=True)
SOURCE = s.Schema([
    s.ObjectSchema("tickets", [
        s.FieldSchema("id", s.String(20), nullable=False), s.FieldSchema("subject", s.String(40)),
        s.FieldSchema("requester", s.String(20)), s.FieldSchema("opened_ms", s.Integer()),
        s.FieldSchema("closed_s", s.Decimal()), s.FieldSchema("due", s.String(30)),
        s.FieldSchema("comments", s.ListOf("comments")),
    ], key="id"),
    s.ObjectSchema("comments", [
        s.FieldSchema("id", s.String(20), nullable=False), s.FieldSchema("author", s.String(20)),
        s.FieldSchema("public", s.Boolean()), s.FieldSchema("body", s.String(100)),
    ], key="id"),
])
TARGET = s.Schema([
    s.ObjectSchema("Ticket", [
        ID, s.FieldSchema("Opened", s.DateTime()), s.FieldSchema("Closed", s.DateTime()),
        s.FieldSchema("Due", s.DateTime()), s.FieldSchema("DueDay", s.Date()), s.FieldSchema("Public", s.Integer()),
        s.FieldSchema("Answered", s.Boolean()), s.FieldSchema("AllPublic", s.Boolean()),
        s.FieldSchema("Reply", s.String(100)),
    ], key="Id"),
    s.ObjectSchema("Comment", [ID, s.FieldSchema("Body", s.String(100)), s.FieldSchema("Subject", s.String(40)),
                               s.FieldSchema("ByRequester", s.Boolean())], key="Id"),
])
HEAD = "source src\ntarget dst\n"


def build(body: str) -> Plan:
    return compile(HEAD + body, source_schema=SOURCE, target_schema=TARGET, functions=registry())


def errors(body: str) -> list[tuple[str, str]]:
    with pytest.raises(SpecError) as caught:
        build(body)
    return [(d.code, d.message) for d in caught.value.diagnostics]


def results(plan: Plan, step: str, record: dict[str, Any]) -> list[object]:
    generated = list(generate(plan, context=CONTEXT)[step].run(record))
    assert generated == list(evaluate_record(plan, plan.step(step), record, context=CONTEXT))
    return generated


COMMENTS = [{"id": "c1", "author": "ana", "public": True, "body": "How?"},
            {"id": "c2", "author": "bo", "public": False, "body": "Internal note"},
            {"id": "c3", "author": "bo", "public": True, "body": "Like this."}]


def test_epoch_seconds_and_milliseconds_become_datetimes() -> None:
    plan = build("map tickets -> Ticket {\n  Opened = opened_ms | from_epoch_millis\n"
                 "  Closed = from_epoch_seconds(closed_s)\n}\n")
    record = {"id": "t1", "opened_ms": 1_700_000_000_123, "closed_s": Decimal("1700000100.5")}
    assert results(plan, "tickets->Ticket", record) == [Row("t1", {
        "Opened": dt.datetime(2023, 11, 14, 22, 13, 20, 123000, tzinfo=dt.UTC),
        "Closed": dt.datetime(2023, 11, 14, 22, 15, 0, 500000, tzinfo=dt.UTC),
    })]
    assert results(plan, "tickets->Ticket", {"id": "t2"}) == [Row("t2", {"Opened": None, "Closed": None})]
    assert errors("map tickets -> Ticket {\n  Opened = from_epoch_millis(subject)\n}\n")[0][0] == "XM211"


def test_datetimes_in_an_ordered_list_of_formats() -> None:
    plan = build('map tickets -> Ticket {\n  Due = to_datetime_in(due, ["iso8601", "%d/%m/%Y %H:%M"], tz: "Europe/Paris")\n'
                 '  DueDay = due | to_date_in(["%d/%m/%Y", "%Y-%m-%d"], on_error: null)\n}\n')
    step = "tickets->Ticket"
    paris = dt.datetime(2025, 2, 1, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    (row,) = results(plan, step, {"id": "t1", "due": "01/02/2025 09:30"})
    assert isinstance(row, Row) and row.values["Due"] == paris and row.values["DueDay"] is None
    (row,) = results(plan, step, {"id": "t2", "due": "2025-02-01T08:30:00Z"})
    assert isinstance(row, Row) and row.values["Due"] == paris
    (failed,) = results(plan, step, {"id": "t3", "due": "soon"})
    assert isinstance(failed, Failed) and failed.field == "Due"
    assert failed.reason == "'soon' is not a datetime in any of the formats iso8601, %d/%m/%Y %H:%M"
    # The formats are a list of strings, checked as such.
    assert errors('map tickets -> Ticket {\n  DueDay = to_date_in(due, "%d/%m/%Y")\n}\n')[0][0] == "XM211"


def test_a_condition_over_a_list() -> None:
    plan = build(
        "map tickets -> Ticket {\n"
        "  Public = count(filter(comments, c -> c.public))\n"
        "  Answered = any(comments, c -> c.author != requester and c.public)\n"
        "  AllPublic = comments | all(c -> c.public)\n"
        "  Reply = first(filter(comments, c -> c.author != requester)).body\n"
        "}\n"
    )
    step = "tickets->Ticket"
    assert results(plan, step, {"id": "t1", "requester": "ana", "comments": COMMENTS}) == [
        Row("t1", {"Public": 2, "Answered": True, "AllPublic": False, "Reply": "Internal note"})
    ]
    # A null list has no elements; a null condition does not hold.
    assert results(plan, step, {"id": "t2", "requester": "ana", "comments": [{"id": "c9"}]}) == [
        Row("t2", {"Public": 0, "Answered": False, "AllPublic": False, "Reply": None})
    ]
    assert results(plan, step, {"id": "t3"}) == [
        Row("t3", {"Public": 0, "Answered": False, "AllPublic": True, "Reply": None})
    ]


@pytest.mark.parametrize(("body", "code", "words"), [
    ("Public = count(filter(comments, c -> c.body))", "XM211", "expected true or false"),
    ("Public = count(filter(subject, c -> true))", "XM211", "'filter' needs a list"),
    ("Public = count(filter(comments, c -> c.nope))", "XM205", "unknown field 'nope' of 'comments'"),
    ("Public = count(filter(comments))", "XM226", "'filter' takes a list and a condition"),
    ("Public = count(c -> c.public)", "XM226", "is a condition on a list's elements"),
])
def test_a_condition_over_a_list_is_checked(body: str, code: str, words: str) -> None:
    found = errors(f"map tickets -> Ticket {{\n  {body}\n}}\n")
    assert any(c == code and words in m for c, m in found), found


def test_a_fan_out_reads_its_parent_record_by_the_objects_name() -> None:
    plan = build("map tickets.comments as c -> Comment {\n  key id + \":\" + c.id\n  Body = c.body\n"
                 "  Subject = tickets.subject\n  ByRequester = c.author == tickets.requester\n}\n")
    record = {"id": "t1", "subject": "Printer", "requester": "ana", "comments": COMMENTS[:2]}
    assert results(plan, "tickets.comments->Comment", record) == [
        Row("t1:c1", {"Body": "How?", "Subject": "Printer", "ByRequester": True}),
        Row("t1:c2", {"Body": "Internal note", "Subject": "Printer", "ByRequester": False}),
    ]


def test_a_condition_formats_and_parses_back() -> None:
    text = "map tickets -> Ticket {\n  Public = count(filter(comments, c->c.public and not (c.author == requester)))\n}\n"
    formatted = format_spec(text)
    assert "filter(comments, c -> c.public and not c.author == requester)" in formatted
    assert format_spec(formatted) == formatted
    assert parse(formatted) is not None
