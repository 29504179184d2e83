"""The crosswalk: put, look up (one, many, streamed) and forget source key ↔ id rows."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import crossmap.state.crosswalk as crosswalk_module
from crossmap.state import Run, StateError, StateStore


def test_put_then_look_up(store: StateStore, run: Run) -> None:
    store.put_ids(
        run.id, "Customer->Account", "Account", [("C1", "001A", True), ("C2", "001B", False)]
    )
    assert store.ids("Customer->Account", ["C1", "C2", "C3"]) == {"C1": "001A", "C2": "001B"}
    assert store.id_for("Customer->Account", "C2") == "001B"
    assert store.id_for("Customer->Account", "C3") is None
    assert list(store.crosswalk("Customer->Account")) == [("C1", "001A"), ("C2", "001B")]


def test_steps_are_separate_namespaces(store: StateStore, run: Run) -> None:
    store.put_ids(run.id, "Customer->Account", "Account", [("K", "001", True)])
    store.put_ids(run.id, "Customer->Contact", "Contact", [("K", "003", True)])
    assert store.id_for("Customer->Account", "K") == "001"
    assert store.id_for("Customer->Contact", "K") == "003"
    assert store.ids("Never->Loaded", ["K"]) == {}
    assert list(store.crosswalk("Never->Loaded")) == []


def test_newest_write_wins_and_records_run_and_created(store: StateStore, run: Run) -> None:
    later = store.begin_run(spec=run.spec, spec_hash="h", kind="delta", options={})
    store.put_ids(run.id, "S", "Account", [("K", "001OLD", True)])
    store.put_ids(later.id, "S", "Account", [("K", "001NEW", False)])
    assert store.id_for("S", "K") == "001NEW"
    row = store._db.connection.execute(
        "SELECT target, destination_id, created, run_id FROM crosswalk_view WHERE step = 'S'"
    ).fetchall()
    assert row == [("Account", "001NEW", 0, later.id)]


def test_lookups_span_many_chunks(store: StateStore, run: Run) -> None:
    # More keys than one IN (...) chunk of 500, with absent keys mixed in.
    store.put_ids(run.id, "S", "T", ((f"k{i}", f"id{i}", True) for i in range(0, 2400, 2)))
    wanted = [f"k{i}" for i in range(2400)]
    found = store.ids("S", iter(wanted))
    assert found == {f"k{i}": f"id{i}" for i in range(0, 2400, 2)}


def test_crosswalk_streams_in_pages(
    store: StateStore, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(crosswalk_module, "PAGE", 7)
    rows = [(f"k{i:03d}", f"id{i}") for i in range(50)]
    store.put_ids(run.id, "S", "T", ((k, v, True) for k, v in reversed(rows)))
    stream = store.crosswalk("S")
    first = next(stream)
    # Between pages the store is free: another write goes through mid-iteration.
    store.put_ids(run.id, "Other", "T", [("x", "y", True)])
    assert [first, *stream] == rows


def test_forget_ids(store: StateStore, run: Run) -> None:
    store.put_ids(run.id, "S", "T", ((f"k{i}", f"id{i}", True) for i in range(1200)))
    store.forget_ids("S", (f"k{i}" for i in range(0, 1200, 3)))
    store.forget_ids("S", ["absent"])
    store.forget_ids("Unknown", ["k1"])
    left = dict(store.crosswalk("S"))
    assert left == {f"k{i}": f"id{i}" for i in range(1200) if i % 3}


def test_failing_rows_iterable_stores_nothing(store: StateStore, run: Run) -> None:
    def rows() -> Iterator[tuple[str, str, bool]]:
        for i in range(1000):
            yield f"k{i}", f"id{i}", True
        raise RuntimeError("source broke")

    with pytest.raises(RuntimeError, match="source broke"):
        store.put_ids(run.id, "S", "T", rows())
    assert store.ids("S", [f"k{i}" for i in range(1000)]) == {}
    # The store is still usable after the rolled-back call.
    store.put_ids(run.id, "S", "T", [("k1", "id1", True)])
    assert store.id_for("S", "k1") == "id1"


def test_put_ids_for_unknown_run_stores_nothing(store: StateStore) -> None:
    with pytest.raises(StateError, match="unknown run 9"):
        store.put_ids(9, "S", "T", [("k", "id", True)])
    assert store.id_for("S", "k") is None


_keys = st.text(alphabet="abc", min_size=1, max_size=3)
_operations = st.lists(
    st.one_of(
        st.tuples(st.just("put"), st.lists(st.tuples(_keys, _keys), max_size=6)),
        # Forgetting takes keys only; the paired text is unused.
        st.tuples(st.just("forget"), st.lists(st.tuples(_keys, st.just("")), max_size=4)),
    ),
    max_size=12,
)


@settings(max_examples=40, deadline=None)
@given(operations=_operations)
def test_crosswalk_behaves_like_a_dict(operations: list[tuple[str, list[tuple[str, str]]]]) -> None:
    model: dict[str, str] = {}
    with (
        tempfile.TemporaryDirectory() as folder,
        StateStore.open(Path(folder) / "state.db") as store,
    ):
        run = store.begin_run(spec="s", spec_hash="h", kind="full", options={})
        for name, pairs in operations:
            if name == "put":
                store.put_ids(run.id, "S", "T", ((k, v, True) for k, v in pairs))
                model.update(pairs)
            else:
                keys = [k for k, _ in pairs]
                store.forget_ids("S", keys)
                for key in keys:
                    model.pop(key, None)
        assert dict(store.crosswalk("S")) == model
        assert [k for k, _ in store.crosswalk("S")] == sorted(model)
        probe = ["a", "b", "ab", "abc", "cc"]
        assert store.ids("S", probe) == {k: model[k] for k in probe if k in model}
