"""The spool: items back in the order written, however they are read."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crossmap import schema as s
from crossmap.connectors.builtin.memory import MemoryDestination
from crossmap.connectors.spool import RowSpool, Spool, SpoolError
from crossmap.connectors.streams import FILES_PER_BATCH, BatchedStream, open_load
from crossmap.errors import CrossmapError


@given(st.lists(st.integers()), st.integers(min_value=1, max_value=7))
def test_items_come_back_in_order_in_chunks_and_batches(items: list[int], chunk: int) -> None:
    with Spool[int](chunk=chunk) as spool:
        for item in items:
            spool.append(item)
        assert len(spool) == len(items)
        assert list(spool) == items
        assert list(spool) == items  # again
        assert [x for c in spool.chunks() for x in c] == items
        assert all(len(c) <= chunk for c in spool.chunks())
        assert [x for b in spool.batches(3) for x in b] == items
        assert all(len(b) == 3 for b in list(spool.batches(3))[:-1])


def test_a_read_inside_a_read_does_not_lose_the_outer_place() -> None:
    spool = Spool[int](chunk=2)
    for i in range(7):
        spool.append(i)
    seen = []
    for item in spool:
        seen.append(item)
        if item == 2:
            assert list(spool) == list(range(7))
    assert seen == list(range(7))
    spool.close()


def test_typed_values_survive() -> None:
    row = {"When": dt.datetime(2024, 1, 2, 3, 4, tzinfo=dt.UTC), "Day": dt.date(2024, 1, 2),
           "Amount": Decimal("1.50"), "Data": b"\x00\xff"}
    with Spool[dict[str, object]]() as spool:
        spool.append(row)
        assert list(spool) == [row]


def test_rows_with_file_bytes_are_written_at_once_and_sent_in_small_batches() -> None:
    with RowSpool() as spool:
        spool.append(("a", {"Name": "x"}))
        assert not spool.files and len(list(spool.chunks())) == 1
        spool.append(("f", {"Data": b"\x00" * 10}))
        spool.append(("g", {"Data": b"\x01"}))
        assert spool.files
        assert [len(c) for c in spool.chunks()] == [1, 1, 1]  # no file waited with another
    target = s.Schema([s.ObjectSchema("Doc", [
        s.FieldSchema("Id", s.Id(), nullable=False, createable=False, updateable=False, defaulted_on_create=True),
        s.FieldSchema("Data", s.Blob())], key="Id")])
    stream = open_load(MemoryDestination(target), "Doc", "insert", batch_size=10_000)
    for i in range(FILES_PER_BATCH + 1):
        stream.add(f"d{i}", {"Data": b"%d" % i})
    assert [len(results) for results in stream.send()] == [FILES_PER_BATCH, 1]
    stream.close()


def test_a_destination_without_a_stream_is_loaded_a_batch_at_a_time() -> None:
    target = s.Schema([s.ObjectSchema("Thing", [
        s.FieldSchema("Id", s.Id(), nullable=False, createable=False, updateable=False, defaulted_on_create=True),
        s.FieldSchema("Name", s.String())], key="Id")])
    calls: list[int] = []

    class Counting(MemoryDestination):
        def load(self, object, operation, rows, *, external_id=None):  # type: ignore[no-untyped-def]
            calls.append(len(rows))
            return super().load(object, operation, rows, external_id=external_id)

    stream = open_load(Counting(target), "Thing", "insert", batch_size=2)
    assert isinstance(stream, BatchedStream)
    for i in range(5):
        stream.add(f"k{i}", {"Name": f"n{i}"})
    lists = list(stream.send())
    stream.close()
    assert calls == [2, 2, 1]
    assert [r.ref for results in lists for r in results] == [f"k{i}" for i in range(5)]
    assert all(r.ok for results in lists for r in results)


def test_the_documented_example_prints_what_the_doc_says(capsys: pytest.CaptureFixture[str]) -> None:
    doc = (Path(__file__).resolve().parents[3] / "docs" / "connectors" / "writing-a-connector.md").read_text()
    section = doc.split("#### Optional: load streams", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    shown = re.search(r"```text\n(.*?)```", section, re.DOTALL)
    assert code and shown
    exec(compile(code.group(1), "writing-a-connector.md", "exec"), {})  # noqa: S102
    assert capsys.readouterr().out == shown.group(1)


def test_a_temporary_folder_that_cannot_be_written_is_a_clear_error(monkeypatch: pytest.MonkeyPatch,
                                                                    tmp_path: Path) -> None:
    missing = tmp_path / "gone"
    monkeypatch.setattr(tempfile, "tempdir", str(missing))
    with pytest.raises(SpoolError) as caught:
        Spool[int]()
    message = str(caught.value)
    assert str(missing) in message and "TMPDIR" in message and "--resume" in message
    assert isinstance(caught.value, CrossmapError)  # the CLI prints it, no traceback
