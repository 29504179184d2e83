"""The drafted spec: canonical, checked by the compiler, failing only on its TODOs,
and compiling once they are resolved."""

from __future__ import annotations

import re
from pathlib import Path

from crossmap.compiler import CompileResult
from crossmap.propose import Proposal, propose, render
from crossmap.schema import Schema
from crossmap.syntax import format_spec, load
from crossmap.systems import compile_offline
from crossmap_salesforce.propose_hints import HINTS

TODO_LET = re.compile(r"^\s*let todo_\d+ = todo\(.*\)\n", re.MULTILINE)


def _check(text: str, folder: Path) -> CompileResult:
    path = folder / "draft.xmap"
    path.write_text(text, encoding="utf-8")
    return compile_offline(load(path))


def test_the_draft_is_canonical(flagship_proposal: Proposal) -> None:
    text = render(flagship_proposal)
    assert format_spec(text) == text


def test_the_flagship_draft_fails_check_only_on_its_todos(flagship_proposal: Proposal, tmp_path: Path) -> None:
    text = render(flagship_proposal)
    result = _check(text, tmp_path)
    errors = [d for d in result.diagnostics if d.severity == "error"]
    assert errors, "the flagship draft has open questions"
    assert {d.code for d in errors} == {"XM240"}
    assert all(d.message.startswith("TODO: ") for d in errors)
    messages = "\n".join(d.message for d in errors)
    assert "jobs.status_history" in messages  # a nested list with no destination
    assert "value map case_priority" in messages  # values with no counterpart
    assert result.plan is None


def test_with_its_todos_resolved_the_flagship_draft_compiles(flagship_proposal: Proposal, tmp_path: Path) -> None:
    text = render(flagship_proposal)
    resolved = TODO_LET.sub("", text)
    assert not [line for line in resolved.splitlines() if "todo(" in line and not line.startswith("#")]
    result = _check(resolved, tmp_path)
    assert [d.render() for d in result.diagnostics if d.severity == "error"] == []
    assert result.plan is not None
    steps = {(s.source, s.target) for s in result.plan.steps}
    assert {("customers", "Account"), ("contacts", "Contact"), ("jobs", "Case"), ("appointments", "Event")} <= steps
    assert [(r.source, r.target) for r in result.plan.resolutions] == [("technicians", "User")]


def test_a_required_field_todo_names_the_field_and_resolves_by_assignment(
    qdispatch_schema: Schema, salesforce_schema: Schema, tmp_path: Path,
) -> None:
    # Without company or name fields nothing can fill Account.Name.
    source = qdispatch_schema.with_object(
        qdispatch_schema.object("customers").__class__(
            "customers",
            [f for f in qdispatch_schema.object("customers") if "name" not in f.name],
            key="id",
        )
    )
    text = render(propose(source, salesforce_schema, source_system="qdispatch", target_system="salesforce",
                          objects=["customers"], hints=HINTS))
    assert re.search(r'^  Name += todo\("Account requires Name', text, re.MULTILINE)
    result = _check(text, tmp_path)
    errors = [d for d in result.diagnostics if d.severity == "error"]
    assert {d.code for d in errors} == {"XM240"}
    assert any(d.message.startswith("TODO: Account requires Name (string(255))") for d in errors)
    fixed = re.sub(r"^(  Name += )todo\(.*\)$", r'\1"(unnamed)"', TODO_LET.sub("", text), flags=re.MULTILINE)
    assert _check(fixed, tmp_path).plan is not None


def test_every_assignment_carries_its_confidence(flagship_proposal: Proposal) -> None:
    text = render(flagship_proposal)
    lines = text.splitlines()
    first_map = next(i for i, line in enumerate(lines) if line.startswith("map "))
    for index, line in enumerate(lines[first_map:], first_map):
        if re.match(r"^  [A-Za-z]\w* += ", line) and "todo(" not in line:
            assert lines[index - 1].lstrip().startswith(("# confidence ", "# proposed custom field")), line
    assert re.search(r"# confidence 0\.\d\d: name\+type\+values \d+%\n  Priority += urgency \| case_priority", text)
