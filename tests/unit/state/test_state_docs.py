"""docs/state.md's Python example runs, and its sqlite3 queries work on what it wrote."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from crossmap.state import MIGRATIONS

DOC = Path(__file__).resolve().parents[3] / "docs" / "state.md"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)


def test_examples_run_and_queries_answer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    python, *others = blocks("python")
    for i, other in enumerate(others):  # the later examples, each in a folder of its own
        folder = tmp_path / f"other-{i}"
        folder.mkdir()
        monkeypatch.chdir(folder)
        exec(compile(other, f"{DOC}:example {i + 2}", "exec"), {})  # noqa: S102 - our own documentation
    monkeypatch.chdir(tmp_path)
    exec(compile(python, f"{DOC}:example", "exec"), {})  # noqa: S102 - our own documentation

    (sql,) = blocks("sql")
    queries = [q.strip() for q in sql.split(";") if q.strip()]
    assert len(queries) == 6
    connection = sqlite3.connect(tmp_path / ".crossmap" / "state.db")
    try:
        answers = [connection.execute(query).fetchall() for query in queries]
    finally:
        connection.close()
    runs, per_step, failures, where, rollback, watermarks = answers
    assert [row[:4] for row in runs] == [(1, "specs/shop.xmap", "full", "succeeded")]
    assert sorted(per_step) == [
        ("Customer->Account", "created", 1),
        ("Customer->Account", "failed", 1),
    ]
    assert failures == [("Customer->Account", "REQUIRED_FIELD_MISSING", "Name", 1, "C-2")]
    assert where == [("Customer->Account", "Account", "001000000000001", 1, 1)]
    assert rollback == [("created", "Account", "001000000000001", None)]
    assert watermarks == [("specs/shop.xmap", "Customer", "2026-01-01T00:00:00.000000+00:00", 1)]


def test_the_version_table_lists_every_migration() -> None:
    text = DOC.read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\d+) \|", text, re.MULTILINE)
    assert [int(v) for v in rows] == list(range(1, len(MIGRATIONS) + 1))
