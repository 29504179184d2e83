"""The shipped spec ``specs/csv_to_jsonl.xmap`` checks against the built-in
connectors' schemas, and its plan moves the sample CSV export into JSON lines."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from crossmap.codegen import MemoryLookups, generate
from crossmap.codegen.runtime import Skipped
from crossmap.compiler import Plan, compile
from crossmap.connectors.builtin import CsvSource, JsonlDestination
from crossmap.syntax import ast, load

ROOT = Path(__file__).resolve().parents[3]
SPEC = ROOT / "specs" / "csv_to_jsonl.xmap"


def options(spec: ast.Spec, role: str, spec_dir: Path) -> dict[str, Any]:
    connector = spec.connector(role)
    assert connector is not None
    found = {o.name: o.value.value for o in connector.options if isinstance(o.value, ast.Literal)}
    return {**found, "spec_dir": str(spec_dir)}


def compiled() -> tuple[Plan, dict[str, Any], dict[str, Any]]:
    spec = load(SPEC)
    source, target = options(spec, "source", SPEC.parent), options(spec, "target", SPEC.parent)
    plan = compile(spec, source_schema=CsvSource.static_schema(source),
                   target_schema=JsonlDestination.static_schema(target))
    return plan, source, target


def test_the_spec_compiles_against_the_builtin_schemas() -> None:
    plan, source, target = compiled()
    assert (plan.source.name, plan.target.name) == ("csv", "jsonl")
    assert plan.waves == (("customers->Account",), ("jobs->WorkOrder",))
    assert len(plan.tests) == 2
    assert source["path"] == "data/csv" and target["schema"] == "data/jsonl/schema.json"


def test_the_plan_moves_the_export_into_json_lines(tmp_path: Path) -> None:
    plan, source_options, target_options = compiled()
    source = CsvSource.from_options(source_options)
    # Write into a copy of the destination folder, not into the repository.
    shutil.copy(ROOT / "specs" / target_options["schema"], tmp_path / "schema.json")
    target = JsonlDestination.from_options({"path": "out", "schema": "schema.json", "spec_dir": str(tmp_path)})
    lookups = MemoryLookups()
    program = generate(plan, lookups=lookups)
    skipped: dict[str, list[str | None]] = {}
    for wave in plan.waves:
        for name in wave:
            step = plan.step(name)
            for page in source.extract(step.source):
                rows, problems = program[name].run_batch(page)
                assert all(isinstance(p, Skipped) for p in problems), problems
                skipped.setdefault(name, []).extend(p.key for p in problems)
                for result in target.load(step.target, "upsert", rows, external_id=step.external_id):
                    assert result.ok, result
                    lookups.add(name, result.ref, result.id)  # type: ignore[arg-type]
    target.close()
    assert skipped == {"customers->Account": ["C-1004"], "jobs->WorkOrder": ["J-5004"]}
    accounts = [json.loads(line) for line in (tmp_path / "out" / "Account.jsonl").read_text().splitlines()]
    assert accounts[1] == {"Id": "Account-2", "Customer_No": "C-1002", "Name": "Tom Ng", "Type": "Household",
                           "Email": "tom.ng@mail.example", "Credit_Limit": None,
                           "Customer_Since": "2020-07-01", "Active": True}
    reread = JsonlDestination(tmp_path / "out", schema=target.describe())
    (job,) = reread.read("WorkOrder", ["WorkOrder-1"], ["AccountId", "Subject", "Status", "Priority",
                                                       "Scheduled_Start", "Estimated_Hours", "Description"])
    assert job == {"Id": "WorkOrder-1", "AccountId": "Account-1", "Subject": "Oven not heating",
                   "Status": "Completed", "Priority": "High",
                   "Scheduled_Start": datetime(2024, 4, 2, 8, tzinfo=UTC), "Estimated_Hours": Decimal("2.5"),
                   "Description": "Replaced thermostat.\nTested for an hour."}
    assert [r["Customer_Since"] for r in reread.records("Account")] == [
        date(2019, 3, 14), date(2020, 7, 1), date(2018, 11, 20)]
    reread.close()

