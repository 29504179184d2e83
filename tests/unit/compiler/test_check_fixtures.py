"""Every static check has a failing-spec fixture under tests/fixtures/compile with its
exact diagnostics, checked as `crossmap check` does offline: each spec names the
built-in jsonl connector with a schema file, the tiny source / destination pair in
tests/fixtures/schemas (every field type, references, a polymorphic one, enums,
required, read-only and external-id fields, a template for declared objects). So the
compiler's goldens need neither plugin installed. The goldens whose point was a fact
of Salesforce's describe keep their output against the flagship pair in
tests/salesforce/test_sf_check_goldens.py.

Run with CROSSMAP_UPDATE_GOLDEN=1 to rewrite the .expected files after a deliberate
change of wording; review the diff before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from crossmap.connectors.builtin.options import load_schema_file
from crossmap.errors import SpecError
from crossmap.schema import Reference
from crossmap.schema.types import FIELD_TYPES
from crossmap.syntax import load
from crossmap.systems import compile_offline

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "compile"
CASES = sorted(p.name for p in FIXTURES.glob("*.xmap"))


def render(name: str) -> tuple[str, bool]:
    """The rendered diagnostics, and whether a plan was produced."""
    try:
        result = compile_offline(load(name))
    except SpecError as error:
        return error.render() + "\n", False
    return "\n\n".join(d.render() for d in result.diagnostics) + "\n", result.plan is not None


@pytest.mark.parametrize("name", CASES)
def test_check_diagnostics(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    actual, planned = render(name)
    expected_path = FIXTURES / (name.removesuffix(".xmap") + ".expected")
    if os.environ.get("CROSSMAP_UPDATE_GOLDEN"):
        expected_path.write_text(actual, encoding="utf-8")
    assert actual == expected_path.read_text(encoding="utf-8")
    # A fixture named *_warning compiles (warnings only); every other one is rejected.
    assert planned == name.removesuffix(".xmap").endswith("_warning")


def test_the_fixture_schemas_hold_every_field_type() -> None:
    """What tests/fixtures/schemas/README.md says of them: every field type of the
    schema layer, a polymorphic reference, an external id, a template for declared
    objects."""
    schemas = FIXTURES.parent / "schemas"
    source = load_schema_file(schemas / "source.json")
    target = load_schema_file(schemas / "target.json")
    fields = [f for schema in (source, target) for obj in schema.objects.values() for f in obj]
    assert {type(f.type) for f in fields} == set(FIELD_TYPES)
    assert any(isinstance(f.type, Reference) and len(f.type.targets) > 1 for f in fields)
    assert any(f.external_id for f in fields) and target.new_object is not None
    assert len(source.objects) + len(target.objects) <= 14  # tiny, and meant to stay so
