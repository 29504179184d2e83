"""``crossmap.preflight.live.check_live``, what ``crossmap check --live`` asks: a
declared field the destination lacks is an XM241 error at its declaration; once the
destination has it, the live plan comes back. The built-in JSON-lines destination
describes its schema file, so no org is needed (the Salesforce side:
tests/salesforce/test_sf_check_live.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from crossmap.preflight.live import check_live

SPECS = Path(__file__).resolve().parents[2] / "specs"


def _spec(folder: Path) -> Path:
    shutil.copytree(SPECS / "data", folder / "data", ignore=shutil.ignore_patterns("*.jsonl", ".jsonl-ids.json"))
    text = (SPECS / "csv_to_jsonl.xmap").read_text(encoding="utf-8")
    text = text.replace("map customers -> Account {", "extend Account {\n  Region: text(40)\n}\n\n"
                        "map customers -> Account {", 1)
    text = text.replace("  Active         = active\n", '  Active         = active\n  Region         = "North"\n', 1)
    spec = folder / "regions.xmap"
    spec.write_text(text, encoding="utf-8")
    return spec


def test_a_declared_field_the_destination_lacks_is_an_error_at_its_declaration(tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    result = check_live(spec)
    assert result.plan is None
    [missing] = [d for d in result.diagnostics if d.code == "XM241"]
    assert missing.message == "the destination has no field 'Account.Region', which the spec declares"
    assert missing.span.line == spec.read_text(encoding="utf-8").splitlines().index("  Region: text(40)") + 1
    assert f"crossmap scaffold {spec} --apply" in (missing.hint or "")


def test_once_the_destination_has_it_the_live_plan_comes_back(tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    schema_file = tmp_path / "data" / "jsonl" / "schema.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    schema["objects"]["Account"]["fields"]["Region"] = {"name": "Region",
                                                        "type": {"kind": "string", "max_length": 40}}
    schema_file.write_text(json.dumps(schema), encoding="utf-8")
    result = check_live(spec)
    assert result.plan is not None and not [d for d in result.diagnostics if d.code in ("XM241", "XM242")]
    assert "Region" in {a.field for step in result.plan.steps for a in step.assignments}


def test_a_declared_type_the_destination_types_otherwise_is_xm242(tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    schema_file = tmp_path / "data" / "jsonl" / "schema.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    schema["objects"]["Account"]["fields"]["Region"] = {"name": "Region", "type": {"kind": "boolean"}}
    schema_file.write_text(json.dumps(schema), encoding="utf-8")
    result = check_live(spec)
    assert result.plan is None
    assert [d.code for d in result.diagnostics if d.code.startswith("XM24")] == ["XM242"]
