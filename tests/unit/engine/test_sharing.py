"""Which steps of a wave share their load streams (``crossmap.engine.sharing``)."""

from __future__ import annotations

from crossmap.compiler import Step, ir
from crossmap.compiler import types as t
from crossmap.engine.sharing import groups, share_key


def step(name: str, target: str, mode: str = "insert", external_id: str | None = None) -> Step:
    return Step(name, name.split("->")[0], target, ir.Const(t.NULL, None), mode, external_id, ())


def test_steps_into_one_object_the_same_way_share_and_others_do_not() -> None:
    history = step("jobs.status_history->CaseComment", "CaseComment")
    notes = step("job_notes->CaseComment", "CaseComment")
    tasks = step("communications->Task", "Task", "upsert", "QD_Communication_Id__c")
    calls = step("calls->Task", "Task", "upsert", "QD_Communication_Id__c")
    other_id = step("emails->Task", "Task", "upsert", "Email_Id__c")
    inserted = step("texts->Task", "Task")
    found = groups([history, tasks, notes, calls, other_id, inserted])
    assert [[s.name for s in g] for g in found] == [
        [history.name, notes.name],  # both insert CaseComments: one stream
        # Upserts never share, even on one external id: a value both steps give
        # would fail every row carrying it in one write (DUPLICATE_EXTERNAL_ID).
        [tasks.name],
        [calls.name],
        [other_id.name],
        [inserted.name],  # inserts and upserts are different jobs
    ]
    assert share_key(history) == ("CaseComment", "insert", None)
