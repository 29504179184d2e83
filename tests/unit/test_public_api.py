"""Every package's __all__ is complete and importable, as httpx checks its own."""

from __future__ import annotations

import importlib
import types

import pytest

PACKAGES = [
    "crossmap", "crossmap.errors", "crossmap.syntax", "crossmap.schema", "crossmap.compiler",
    "crossmap.codegen", "crossmap.connectors", "crossmap.engine", "crossmap.state", "crossmap.reports",
    "crossmap.functions", "crossmap.testing",
]


@pytest.mark.parametrize("name", PACKAGES)
def test_all_is_complete(name: str) -> None:
    module = importlib.import_module(name)
    exported = set(module.__all__)
    for attribute in exported:
        assert hasattr(module, attribute), f"{name}.__all__ names {attribute}, which is missing"
    public = {
        n for n, v in vars(module).items()
        if not n.startswith("_") and not isinstance(v, types.ModuleType) and getattr(v, "__module__", "").startswith("crossmap")
    }
    assert public - exported == set(), f"{name} has public names missing from __all__"


def test_the_everyday_api_compiles_and_runs() -> None:
    import crossmap
    from crossmap.connectors import static_schema

    plan = crossmap.compile("specs/csv_to_jsonl.xmap", source_schema=static_schema("source", "csv", {"spec_dir": "specs", "path": "data/csv", "schema": "data/csv/schema.json"}),
                            target_schema=static_schema("target", "jsonl", {"spec_dir": "specs", "path": "data/jsonl", "schema": "data/jsonl/schema.json"}))
    assert isinstance(crossmap.generate(plan), crossmap.Program)


def test_check_gives_the_plan_and_every_diagnostic_without_raising() -> None:
    import crossmap
    from crossmap import schema as s

    source = s.Schema([s.ObjectSchema("people", [s.FieldSchema("id", s.String()), s.FieldSchema("nick", s.String())],
                                      key="id")])
    target = s.Schema([s.ObjectSchema("Contact", [s.FieldSchema("Id", s.Id(), createable=False),
                                                  s.FieldSchema("Name", s.String(80))], key="Id")])
    spec = 'xmap 1\nsource memory\ntarget memory\nvaluemap unused {\n  "a" -> "b"\n}\nmap people -> Contact {\n  Name = nick\n}\n'
    result = crossmap.check(spec, source_schema=source, target_schema=target)
    assert result.plan is not None
    assert "XM222" in [d.code for d in result.warnings]  # compile() would drop this warning
    broken = crossmap.check(spec.replace("nick", "nickname"), source_schema=source, target_schema=target)
    assert broken.plan is None and any(d.severity == "error" for d in broken.diagnostics)
