"""Rollback is exact: what a run created is deleted (whatever form the destination
gives its values back in), what a delta run deleted comes back with its Id, what
existed before is restored from its pre-images, and a rollback that cannot get the
destination back to its state before the run says what and exits 4."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from click.testing import CliRunner

from crossmap import exitcodes
from crossmap import schema as s
from crossmap.cli import main
from crossmap.compiler import compile
from crossmap.connectors import LoadResult, Tombstone
from crossmap.connectors.builtin.memory import MemoryDestination, MemorySource
from crossmap.engine import Engine, RunOptions, rollback
from crossmap.functions import registry
from crossmap.state import StateStore

REPRO = """xmap 1
source jsonl {
  path = "src"
}
target jsonl {
  path = "out"
}

object P {
  K: text(10) external unique
  A: text(10)
  T: datetime
}

map p -> P {
  upsert on K
  K = "P-" + id
  A = a
  T = to_datetime(t, "iso8601")
}
"""


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout + result.stderr


def test_the_issue_repro_a_datetime_on_a_schemaless_jsonl_folder_is_rolled_back(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "p.jsonl").write_text('{"id":"1","a":"x","t":"2024-01-01T00:00:00Z"}\n')
    spec = tmp_path / "p.xmap"
    spec.write_text(REPRO)
    assert cli("run", str(spec))[0] == exitcodes.OK
    assert json.loads((tmp_path / "out" / "P.jsonl").read_text())["T"] == "2024-01-01T00:00:00.000+0000"
    code, out = cli("rollback", str(spec), "1")
    assert (code, out) == (exitcodes.OK, "run 1: deleted 1, restored 0\n")
    assert (tmp_path / "out" / "P.jsonl").read_text() == ""


def test_a_record_changed_after_the_run_is_left_alone_reported_and_the_exit_is_4(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "p.jsonl").write_text('{"id":"1","a":"x","t":"2024-01-01T00:00:00Z"}\n'
                                              '{"id":"2","a":"y","t":"2024-01-02T00:00:00Z"}\n')
    spec = tmp_path / "p.xmap"
    spec.write_text(REPRO)
    assert cli("run", str(spec))[0] == exitcodes.OK
    lines = (tmp_path / "out" / "P.jsonl").read_text().splitlines()
    edited = {**json.loads(lines[0]), "A": "by hand"}
    (tmp_path / "out" / "P.jsonl").write_text(json.dumps(edited) + "\n" + lines[1] + "\n")
    code, out = cli("rollback", str(spec), "1")
    assert code == exitcodes.NOT_RESTORED
    assert "run 1: deleted 1, restored 0" in out
    assert f"left alone, changed in the destination after the run: P {edited['Id']}" in out
    assert "the destination is not back to its state before run 1: 1 left alone" in out
    assert [json.loads(line)["A"] for line in (tmp_path / "out" / "P.jsonl").read_text().splitlines()] == ["by hand"]


# ---- a delta run's deletions, and pre-images of records that existed before ----------

T0 = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
SOURCE = s.Schema([s.ObjectSchema("things", [
    s.FieldSchema("id", s.String(10), nullable=False), s.FieldSchema("name", s.String(20)),
    s.FieldSchema("updated_at", s.DateTime())], key="id")])
TARGET = s.Schema([s.ObjectSchema("Thing", [
    s.FieldSchema("Id", s.Id(), nullable=False, createable=False, updateable=False, defaulted_on_create=True),
    s.FieldSchema("Ext", s.String(10), external_id=True, unique=True),
    s.FieldSchema("Name", s.String(20)), s.FieldSchema("Note", s.String(20))], key="Id")])
SPEC = "source memory\ntarget memory\nmap things -> Thing {\n  upsert on Ext\n  on delete delete\n  Ext = id\n  Name = name\n}\n"


def _plan():  # type: ignore[no-untyped-def]
    return compile(SPEC, source_schema=SOURCE, target_schema=TARGET, functions=registry())


def _run(store: StateStore, destination: object, records: list[dict], *, delta: bool = False,
         tombstones: tuple[Tombstone, ...] = ()):  # type: ignore[no-untyped-def]
    now = T0 + dt.timedelta(days=5 if delta else 0)
    return Engine(_plan(), MemorySource({"things": records}, SOURCE, tombstones=tombstones), destination,  # type: ignore[arg-type]
                  store, RunOptions(now=lambda: now)).run(delta=delta)


def test_a_delta_runs_deletion_is_undone_with_the_same_id_and_the_crosswalk_knows_it_again(tmp_path: Path) -> None:
    destination = MemoryDestination(TARGET)
    records = [{"id": "a", "name": "Alpha", "updated_at": T0}, {"id": "b", "name": "Beta", "updated_at": T0}]
    with StateStore.open(tmp_path / "state.db") as store:
        _run(store, destination, records)
        # Someone set a field crossmap does not map: a deleted record must come back with it too.
        beta = next(r for r in destination.records("Thing") if r["Ext"] == "b")
        assert destination.load("Thing", "update", [("n", {"Id": beta["Id"], "Note": "kept"})])[0].ok
        before = {r["Id"]: r for r in destination.records("Thing")}
        delta = _run(store, destination, records[:1], delta=True,
                     tombstones=(Tombstone("things", "b", T0 + dt.timedelta(days=4)),))
        assert delta.counts["things->Thing"]["deleted"] == 1
        assert [r["Ext"] for r in destination.records("Thing")] == ["a"]
        undo = rollback(_plan(), destination, store, delta.run.id)
        assert undo.exact and undo.undeleted == 1, undo
        assert {r["Id"]: r for r in destination.records("Thing")} == before
        assert store.ids("things->Thing", ["b"]) == {"b": beta["Id"]}  # a later run updates it, not a twin
        again = _run(store, destination, records)
        assert again.counts["things->Thing"] == {"updated": 2}


class _NoUndelete:
    """A destination that can delete but not undelete (every other call is the memory one)."""

    def __init__(self) -> None:
        self.inner = MemoryDestination(TARGET)

    def describe(self) -> s.Schema:
        return self.inner.describe()

    def load(self, *args: object, **kwargs: object) -> list[LoadResult]:
        return self.inner.load(*args, **kwargs)  # type: ignore[arg-type]

    def read(self, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        return self.inner.read(*args, **kwargs)  # type: ignore[arg-type]


def test_a_destination_that_cannot_undelete_is_reported_not_hidden(tmp_path: Path) -> None:
    destination = _NoUndelete()
    records = [{"id": "a", "name": "Alpha", "updated_at": T0}]
    with StateStore.open(tmp_path / "state.db") as store:
        _run(store, destination, records)
        (gone,) = destination.inner.records("Thing")
        delta = _run(store, destination, [], delta=True, tombstones=(Tombstone("things", "a", T0),))
        undo = rollback(_plan(), destination, store, delta.run.id)
    assert not undo.ok and not undo.exact
    (failure,) = undo.failures
    assert failure.startswith(f"Thing {gone['Id']}: the run deleted it and this destination cannot undelete")
    assert "re-create it from the pre-image" in failure


def test_records_that_existed_before_the_run_are_restored_from_the_ledgers_pre_images(tmp_path: Path) -> None:
    # Read-before-write (the exactly-once work) records the pre-image of a record the
    # run matches by external id; rollback restores whatever pre-images the ledger holds.
    destination = MemoryDestination(TARGET)
    (old,) = destination.load("Thing", "insert", [("a", {"Ext": "a", "Name": "Before", "Note": "n"})])
    with StateStore.open(tmp_path / "state.db") as store:
        run = _run(store, destination, [{"id": "a", "name": "After", "updated_at": T0}])
        assert run.counts["things->Thing"] == {"updated": 1}
        store.record_preimages(run.run.id, "Thing", [(str(old.id), {"Name": "Before"})])
        undo = rollback(_plan(), destination, store, run.run.id)
    assert undo.exact and undo.restored == 1
    assert destination.records("Thing") == [{"Id": old.id, "Ext": "a", "Name": "Before", "Note": "n"}]
