"""The pytest plugin's fixtures for spec authors (the plugin is registered through
the pytest11 entry point, so these are available in any project)."""

from __future__ import annotations

from pathlib import Path

from crossmap.codegen import generate
from crossmap.engine import Engine
from crossmap.state import StateStore

ROOT = Path(__file__).resolve().parents[3]


def test_compile_and_run_in_memory(xmap_compile, memory_source, memory_destination, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    plan = xmap_compile(ROOT / "specs" / "csv_to_jsonl.xmap")
    assert [s.name for s in plan.steps] == ["customers->Account", "jobs->WorkOrder"]
    step = generate(plan)["customers->Account"]
    assert step.step.target == "Account"
    source = memory_source({"customers": [], "jobs": []})
    with StateStore.open(tmp_path / "s.db") as store:
        summary = Engine(plan, source, memory_destination, store).run()
    assert summary.counts == {}
    assert memory_destination.records("Account") == []
