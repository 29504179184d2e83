"""The jsonl destination (reopened between batches, journal replayed or compacted)
gives the same results and keeps the same records as the memory destination, for
any sequence of batches."""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from crossmap.connectors.builtin import JsonlDestination, MemoryDestination
from crossmap.schema import FieldSchema, Id, ObjectSchema, Schema, String
from crossmap.schema import Numeric as DecimalType

SCHEMA = Schema([ObjectSchema("Thing", [
    FieldSchema("Id", Id(), nullable=False, createable=False, updateable=False),
    FieldSchema("Ext", String(4), external_id=True, unique=True),
    FieldSchema("Name", String(5), nullable=False),
    FieldSchema("Size", DecimalType(4, 1)),
], key="Id")])

ids = st.sampled_from(["Thing-1", "Thing-2", "Thing-9"])
names = st.one_of(st.none(), st.text("abc", max_size=6))
sizes = st.one_of(st.none(), st.decimals(min_value=-999, max_value=999, places=1))
exts = st.one_of(st.none(), st.sampled_from(["e1", "e2", "e3"]))


def _row(ext: str | None, name: str | None, size: Decimal | None) -> dict[str, Any]:
    row: dict[str, Any] = {"Name": name, "Size": size}
    if ext is not None:
        row["Ext"] = ext
    return row


batch = st.one_of(
    st.tuples(st.just("insert"), st.lists(st.builds(_row, exts, names, sizes), max_size=3)),
    st.tuples(st.just("upsert"), st.lists(st.builds(_row, exts, names, sizes), max_size=3)),
    st.tuples(st.just("update"), st.lists(st.builds(lambda i, n, s: {"Id": i, "Name": n, "Size": s},
                                                    ids, names, sizes), max_size=3)),
    st.tuples(st.sampled_from(["delete", "hard_delete"]), st.lists(st.builds(lambda i: {"Id": i}, ids), max_size=2)),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(batch, st.sampled_from(["keep", "reopen", "compact"])), max_size=8))
@example([(("insert", [{"Name": "a", "Ext": "e1"}, {"Name": "b"}]), "keep"),
          (("delete", [{"Id": "Thing-1"}]), "reopen"),
          (("update", [{"Id": "Thing-1", "Name": "c"}, {"Id": "Thing-2", "Size": Decimal("1.5")}]), "compact"),
          (("delete", [{"Id": "Thing-1"}]), "reopen"),
          (("upsert", [{"Ext": "e1", "Name": "d"}]), "keep")])
def test_jsonl_and_memory_destinations_agree(batches: list[tuple[tuple[str, list[dict[str, Any]]], str]]) -> None:
    memory = MemoryDestination(SCHEMA)
    with tempfile.TemporaryDirectory() as folder:
        jsonl = JsonlDestination(Path(folder), schema=SCHEMA, compact_on_close=False)
        for (operation, rows), then in batches:
            refs = [(str(n), row) for n, row in enumerate(rows)]
            external = "Ext" if operation == "upsert" else None
            expected = memory.load("Thing", operation, refs, external_id=external)  # type: ignore[arg-type]
            got = jsonl.load("Thing", operation, refs, external_id=external)  # type: ignore[arg-type]
            assert got == expected
            if then != "keep":
                jsonl.compact_on_close = then == "compact"
                jsonl.close()
                if then == "compact":
                    # Compaction forgets deletions: a deleted Id becomes an unknown one
                    # (NO_SUCH_RECORD rather than RECORD_DELETED).
                    forget_deletions(memory)
                jsonl = JsonlDestination(Path(folder), schema=SCHEMA, compact_on_close=False)
        # Soft-deleted ids are forgotten by compaction, so only live records are compared.
        assert jsonl.records("Thing") == sorted_like(memory.records("Thing"), jsonl.records("Thing"))
        jsonl.close()


def forget_deletions(memory: MemoryDestination) -> None:
    """Model a compaction in the memory destination."""
    for table in memory._tables.values():
        table.deleted.clear()


def sorted_like(expected: list[dict[str, Any]], got: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``expected`` in the order of ``got``'s Ids (a journal keeps records in the
    order they were last written), with values as the JSON file gives them back."""
    order = {r["Id"]: n for n, r in enumerate(got)}
    return sorted(expected, key=lambda r: order.get(r["Id"], len(order)))
