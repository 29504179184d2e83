"""Files through the engine: read in as their records are extracted, a page cut
where its file bytes reach ``FILE_PAGE_BYTES``."""

from __future__ import annotations

from pathlib import Path

import pytest

from crossmap.compiler import compile
from crossmap.connectors.builtin.memory import MemoryDestination, MemorySource
from crossmap.engine import Engine, RunOptions
from crossmap.engine import run as engine_run
from crossmap.functions import registry
from crossmap.schema import Blob, FieldSchema, Id, ObjectSchema, Schema, String
from crossmap.state import StateStore

SOURCE = Schema([ObjectSchema("files", [
    FieldSchema("id", String(20), nullable=False), FieldSchema("content", Blob()),
], key="id")])
TARGET = Schema([ObjectSchema("Doc", [
    FieldSchema("Id", Id(), nullable=False, createable=False, updateable=False, defaulted_on_create=True),
    FieldSchema("Title", String(80)), FieldSchema("Body", Blob()),
], key="Id")])
SPEC = """source memory
target memory

map files -> Doc {
  insert
  Title = id
  Body  = content
}
"""


def test_a_page_of_files_is_cut_where_its_bytes_reach_the_bound(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_run, "FILE_PAGE_BYTES", 10)
    data = {"files": [{"id": f"f{i}", "content": bytes([i]) * 6} for i in range(5)]}
    plan = compile(SPEC, source_schema=SOURCE, target_schema=TARGET, functions=registry())
    destination = MemoryDestination(TARGET)
    progress: list[int] = []
    with StateStore.open(tmp_path / "state.db") as store:
        summary = Engine(plan, MemorySource(data, SOURCE), destination, store,
                         RunOptions(progress=lambda step, done: progress.append(done))).run()
    assert progress == [2, 4, 5]  # one source page of five, handed over as 12 + 12 + 6 bytes
    assert summary.counts == {"files->Doc": {"created": 5}}
    assert {r["Title"]: r["Body"] for r in destination.records("Doc")} == {
        f"f{i}": bytes([i]) * 6 for i in range(5)}


def test_a_null_file_loads_as_none_and_an_unreadable_file_fails_its_record_alone(tmp_path: Path) -> None:
    data = {"files": [{"id": "f1", "content": b"one"}, {"id": "f2", "content": None},
                      {"id": "f3", "content": "not base64 at all!"}, {"id": "f4", "content": b"four"}]}
    plan = compile(SPEC, source_schema=SOURCE, target_schema=TARGET, functions=registry())
    destination = MemoryDestination(TARGET)
    with StateStore.open(tmp_path / "state.db") as store:
        summary = Engine(plan, MemorySource(data, SOURCE), destination, store).run()
        (failure,) = store.failures(summary.run.id, "files->Doc")
    assert summary.counts == {"files->Doc": {"created": 3, "failed": 1}}
    assert {r["Title"]: r.get("Body") for r in destination.records("Doc")} == {
        "f1": b"one", "f2": None, "f4": b"four"}
    assert failure.key == "f3" and failure.field == "content" and "its file cannot be read" in (failure.reason or "")
