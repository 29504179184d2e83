"""A plan in words (``crossmap.compiler.describe``): what ``crossmap plan`` prints and
``crossmap check`` sums up, on the CSV → JSON-lines example."""

from __future__ import annotations

from pathlib import Path

from crossmap.compiler import Plan
from crossmap.compiler.describe import describe_declarations, describe_plan, summarize_plan
from crossmap.syntax import load
from crossmap.systems import compile_offline

SPEC = Path(__file__).resolve().parents[3] / "specs" / "csv_to_jsonl.xmap"


def _plan() -> Plan:
    plan = compile_offline(load(SPEC)).plan
    assert plan is not None
    return plan


def test_the_summary_counts_every_part() -> None:
    plan = _plan()
    assert summarize_plan(plan) == (
        f"2 steps, 2 waves, 0 resolutions, {len(plan.value_maps)} value maps, 0 object declarations, 2 tests")
    assert len(plan.value_maps) == 3 and len(plan.tests) == 2


def test_the_plan_in_words_lists_the_waves_in_order() -> None:
    text = describe_plan(_plan())
    assert text.splitlines()[0] == "CSV customers and jobs into JSON lines: csv -> jsonl"
    assert "\nwave 1:\n  customers->Account: 7 fields, upsert on Customer_No" in text
    assert "\nwave 2:\n  jobs->WorkOrder: 8 fields, upsert on Job_No  (after customers->Account)" in text
    assert text.index("wave 1:") < text.index("wave 2:")
    assert "the destination must have" not in text  # the example declares nothing


def test_declarations_say_new_object_or_fields_on() -> None:
    plan = compile_offline(load(SPEC)).plan
    assert plan is not None
    text = SPEC.read_text(encoding="utf-8").replace(
        "map customers -> Account {", "extend Account {\n  Region: text(40)\n}\n\nmap customers -> Account {", 1)
    from crossmap.syntax import parse

    declared = compile_offline(parse(text, path=str(SPEC))).plan
    assert declared is not None
    assert describe_declarations(declared) == ["  fields on Account: Region"]
    assert "\nthe destination must have:\n  fields on Account: Region" in describe_plan(declared)
