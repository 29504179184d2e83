"""The connector conformance kit: the built-in connectors pass it, and each check
catches the mistake it is there for."""

from __future__ import annotations

import base64
import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from crossmap import schema as s
from crossmap.connectors import LoadResult, Operation
from crossmap.connectors.builtin.csv import CsvSource
from crossmap.connectors.builtin.jsonl import JsonlDestination, JsonlSource
from crossmap.connectors.builtin.memory import MemoryDestination, MemorySource
from crossmap.testing.connectors import (
    ConformanceError,
    DestinationCase,
    SourceCase,
    check_destination,
    check_source,
    destination_checks,
    source_checks,
)

NOTES = s.Schema([s.ObjectSchema("Note", [
    s.FieldSchema("Id", s.Id(), nullable=False, createable=False, updateable=False),
    s.FieldSchema("Ext", s.String(40), external_id=True, unique=True),
    s.FieldSchema("Body", s.String(80)),
    s.FieldSchema("Title", s.String(20), nullable=False),
], key="Id")])
CASE = DestinationCase(object="Note", external_id="Ext", field="Body", extra={"Title": "t"})


@pytest.mark.parametrize("check", destination_checks(lambda: MemoryDestination(NOTES), CASE), ids=str)
def test_the_memory_destination_conforms(check: Any) -> None:
    check()


def test_the_memory_destination_without_a_schema_conforms() -> None:
    check_destination(MemoryDestination, DestinationCase(object="Note", external_id="Ext", field="Body"))


def test_the_jsonl_destination_conforms(tmp_path: Path) -> None:
    folders = iter(range(100))
    check_destination(lambda: JsonlDestination(tmp_path / str(next(folders)), schema=NOTES), CASE)


RECORDS = [{"id": "1", "name": "Ng", "updated_at": "2024-01-01T00:00:00+00:00",
            "file": base64.b64encode(b"hello").decode()},
           {"id": "2", "name": "Ortiz", "updated_at": "2024-01-02T00:00:00+00:00", "file": None}]


def test_the_memory_source_conforms() -> None:
    check_source(lambda: MemorySource({"people": RECORDS}),
                 SourceCase(object="people", key="id", blob_field="file"))


def test_the_jsonl_and_csv_sources_conform(tmp_path: Path) -> None:
    (tmp_path / "people.jsonl").write_text("".join(json.dumps(r) + "\n" for r in RECORDS))
    (tmp_path / "people.csv").write_text("id,name\n1,Ng\n2,Ortiz\n")
    check_source(lambda: JsonlSource(tmp_path), SourceCase(object="people", key="id", blob_field="file"))
    check_source(lambda: CsvSource(tmp_path), SourceCase(object="people", key="id"))


class SqliteDestination:
    """The mistake a connector author made: a SQLite connection is bound to the
    thread that opened it, and the engine calls the destination from others."""

    def __init__(self) -> None:
        self.db = sqlite3.connect(":memory:")
        self.db.execute("create table note (id integer primary key, ext text unique, body text)")

    def describe(self) -> s.Schema:
        return NOTES

    def load(self, object: str, operation: Operation, rows: Sequence[tuple[str, Mapping[str, Any]]],
             *, external_id: str | None = None) -> list[LoadResult]:
        results = []
        for ref, row in rows:
            if operation == "insert":
                cursor = self.db.execute("insert into note (ext, body) values (?, ?)", (row["Ext"], row["Body"]))
                results.append(LoadResult(ref, str(cursor.lastrowid), created=True))
            elif operation == "update":
                found = self.db.execute("update note set body = ? where id = ?", (row["Body"], row["Id"]))
                if found.rowcount == 0:
                    raise KeyError(row["Id"])  # the second mistake: a bad row raises
                results.append(LoadResult(ref, str(row["Id"])))
            else:
                self.db.execute("delete from note where id = ?", (row["Id"],))
                results.append(LoadResult(ref, str(row["Id"])))
        return results[::-1]  # the third: results in another order, fine only if matched by ref

    def read(self, object: str, ids: Iterable[str] | None, fields: Sequence[str]) -> Iterator[dict[str, Any]]:
        rows = self.db.execute("select id, ext, body from note").fetchall()
        wanted = None if ids is None else set(ids)
        return iter([{"Id": str(i), "Ext": e, "Body": b} for i, e, b in rows
                     if wanted is None or str(i) in wanted])


def test_each_check_catches_its_mistake() -> None:
    checks = {c.name: c for c in destination_checks(SqliteDestination, CASE)}
    checks["destination: results by ref"]()  # results out of order are fine when refs match
    with pytest.raises(ConformanceError, match="raised KeyError"):
        checks["destination: a bad row fails alone"]()
    with pytest.raises(ConformanceError) as caught:
        check_destination(SqliteDestination, CASE)
    report = str(caught.value)
    assert "destination: from other threads: ProgrammingError" in report
    assert "SQLite objects created in a thread" in report
    assert "destination: upsert creates then updates" in report


def test_a_source_that_is_not_repeatable_fails() -> None:
    class Once(MemorySource):
        served = threading.Event()

        def extract(self, object: str, *, since: Any = None) -> Iterator[list[dict[str, Any]]]:
            if self.served.is_set():
                return iter([])
            self.served.set()
            return super().extract(object, since=since)

    checks = {c.name: c for c in source_checks(lambda: Once({"people": RECORDS}),
                                                SourceCase(object="people", key="id"))}
    with pytest.raises(ConformanceError, match="a resumed run extracts again"):
        checks["source: extract is repeatable"]()
