"""One bad value fails one record, never the run: a source value that cannot be read
as its declared type fails that record (object, key, field, reason, the raw value
abbreviated) and the other records load."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from crossmap.cli import main
from crossmap.schema import Date, FieldSchema, ObjectSchema, Schema, String, schema_to_dict
from crossmap.state import StateStore

SPEC = """xmap 1
source {kind} {{
  path = "src"
  schema = "src/schema.json"
}}
target jsonl {{
  path = "out"
}}

object Person {{
  Ref: text(10) external unique
  Name: text(40)
  Born: date
  Friend: lookup(Person)
}}

map contacts -> Person {{
  upsert on Ref
  Ref  = id
  Name = name
  Born = born
}}

map notes -> Person {{
  upsert on Ref
  Ref    = truncate("N-" + id, 10)
  Friend = lookup(contacts, contact) missing fail
}}
"""

SCHEMA = Schema([
    ObjectSchema("contacts", [FieldSchema("id", String(10), nullable=False), FieldSchema("name", String(40)),
                              FieldSchema("born", Date())], key="id"),
    ObjectSchema("notes", [FieldSchema("id", String(10), nullable=False), FieldSchema("contact", String(10))],
                 key="id"),
])
BORN = [f"1990-01-0{i}" for i in range(1, 9)]
BORN[7] = "2024-02-30"


def _folder(tmp_path: Path, kind: str) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "schema.json").write_text(json.dumps(schema_to_dict(SCHEMA)))
    contacts = [{"id": f"c{i}", "name": f"Person {i}", "born": born} for i, born in enumerate(BORN, 1)]
    notes = [{"id": "n1", "contact": "c8"}, {"id": "n2", "contact": "c1"}]
    if kind == "jsonl":
        for name, rows in (("contacts", contacts), ("notes", notes)):
            (tmp_path / "src" / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    else:
        for name, rows in (("contacts", contacts), ("notes", notes)):
            header = list(rows[0])
            lines = [",".join(header)] + [",".join(str(r[h]) for h in header) for r in rows]
            (tmp_path / "src" / f"{name}.csv").write_text("\n".join(lines) + "\n")
    spec = tmp_path / "people.xmap"
    spec.write_text(SPEC.format(kind=kind))
    return spec


def _check(tmp_path: Path, kind: str) -> None:
    spec = _folder(tmp_path, kind)
    result = CliRunner().invoke(main, ["run", str(spec)])
    out = result.stdout + result.stderr
    assert "Traceback" not in out
    people = [json.loads(line) for line in (tmp_path / "out" / "Person.jsonl").read_text().splitlines()]
    assert sorted(p["Ref"] for p in people) == ["N-n2"] + [f"c{i}" for i in range(1, 8)]
    store = StateStore.open(tmp_path / ".crossmap" / "state.db")
    try:
        (failed,) = store.failures(1, "contacts->Person")
        held = list(store.failures(1, "notes->Person", outcomes=("failed", "held_back")))
    finally:
        store.close()
    assert (failed.key, failed.code, failed.field) == ("c8", "SOURCE_VALUE", "born")
    assert failed.reason.startswith("field 'born' holds '2024-02-30': not a date (out of range)")
    line = 9 if kind == "csv" else 8  # the header is line 1 of a csv
    assert failed.reason.endswith(f"contacts.{kind}:{line})")  # the file and line
    assert [(o.key, o.outcome) for o in held] == [("n1", "held_back")]


def test_a_jsonl_value_that_is_not_its_type_fails_its_record_only(tmp_path: Path) -> None:
    _check(tmp_path, "jsonl")


def test_a_csv_cell_that_is_not_its_type_fails_its_record_only(tmp_path: Path) -> None:
    _check(tmp_path, "csv")


def test_the_connector_guide_example_runs() -> None:
    import re

    doc = (Path(__file__).resolve().parents[2] / "docs" / "connectors" / "writing-a-connector.md").read_text()
    (block,) = [b for b in re.findall(r"```python\n(.*?)```", doc, re.DOTALL) if "InvalidRecord(" in b]
    exec(compile(block, "writing-a-connector.md", "exec"), {})  # noqa: S102
