"""A conformance suite for connector authors: what the engine relies on, checked.

A connector package runs these from its own tests::

    import pytest
    from crossmap.testing.connectors import DestinationCase, destination_checks

    CASE = DestinationCase(object="Note", external_id="Ext__c", field="Body")

    @pytest.mark.parametrize("check", destination_checks(make_destination, CASE), ids=str)
    def test_conforms(check):
        check()

Each check is a small named callable that raises ``ConformanceError`` (an
``AssertionError``) saying what the engine expected and what the connector did;
``check_destination`` and ``check_source`` run them all and raise one error listing
every failure. The checks are the rules the engine's correctness rests on:

- one result per row, matched by ``ref`` (never by position), a failing row is a
  result with an error code, never an exception, and never stops its batch;
- insert creates, upsert creates then updates the same record, update by Id,
  delete by Id, and rows that name a record that is not there fail on their own;
- ``read(ids)`` leaves out records that do not exist, ``read(None)`` gives them all;
- a rollback round trip (delete what was created, write pre-images back) leaves
  the destination as it was;
- the engine calls connectors from threads other than the one that built them
  (extraction runs in background threads), and several at once.

The suite needs no Hypothesis and no pytest.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from attrs import frozen

from crossmap.connectors.protocols import Destination, LoadResult, Source
from crossmap.systems import close


class ConformanceError(AssertionError):
    """A connector does not do what the engine relies on."""


@frozen
class Check:
    """One named check; call it to run it."""

    name: str
    run: Callable[[], None]

    def __call__(self) -> None:
        self.run()

    def __str__(self) -> str:
        return self.name


@frozen
class DestinationCase:
    """Where the destination checks write: ``object`` with ``external_id`` (an
    external-id field upserts match on) and ``field`` (a writable text field).
    ``extra`` is merged into every row (the object's other required fields)."""

    object: str
    external_id: str
    field: str
    extra: Mapping[str, Any] = {}


@frozen
class SourceCase:
    """What the source checks read: ``object``, whose records carry ``key``;
    ``blob_field`` names a binary field to stream, if the object has one."""

    object: str
    key: str
    blob_field: str | None = None


_counter = itertools.count(1)


def _unique(prefix: str) -> str:
    # Values no other check (or earlier run against the same system) has written.
    return f"{prefix}-{threading.get_ident() % 10_000}-{next(_counter)}"


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise ConformanceError(message)


def _one_per_ref(results: Sequence[LoadResult], refs: Sequence[str], what: str) -> dict[str, LoadResult]:
    _expect(isinstance(results, list), f"{what}: load() must return a list, not {type(results).__name__}")
    by_ref = {r.ref: r for r in results}
    _expect(len(results) == len(refs) and set(by_ref) == set(refs),
            f"{what}: expected one result per row with refs {sorted(refs)}, got {[r.ref for r in results]}")
    return by_ref


def _all_ok(results: Mapping[str, LoadResult], what: str) -> None:
    failed = {ref: f"{r.error_code}: {r.error_message}" for ref, r in results.items() if not r.ok}
    _expect(not failed, f"{what}: rows failed: {failed}")


class _Checks:
    """Named checks over connectors built by a factory; each check closes what it
    opened, as the engine does at the end of a run (a jsonl folder compacts)."""

    names: tuple[str, ...] = ()
    role = ""

    def __init__(self, make: Callable[[], Any]) -> None:
        self._make = make
        self._opened: list[Any] = []

    def make(self) -> Any:
        connector = self._make()
        self._opened.append(connector)
        return connector

    def _closing(self, check: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                check()
            finally:
                while self._opened:
                    close(self._opened.pop())
        return run

    def checks(self) -> list[Check]:
        return [Check(f"{self.role}: {name.replace('_', ' ')}", self._closing(getattr(self, name)))
                for name in self.names]


class _Destination(_Checks):
    """The checks of one destination factory and case."""

    role = "destination"
    names = ("protocol", "insert_creates", "results_by_ref", "upsert_creates_then_updates",
             "update_by_id", "a_bad_row_fails_alone", "delete_and_read", "rollback_round_trip",
             "from_other_threads")

    def __init__(self, make: Callable[[], Destination], case: DestinationCase) -> None:
        super().__init__(make)
        self.case = case

    def row(self, key: str, value: str) -> dict[str, Any]:
        return {**self.case.extra, self.case.external_id: key, self.case.field: value}

    def insert(self, target: Destination, count: int, what: str) -> dict[str, LoadResult]:
        rows = [(_unique("ref"), self.row(_unique("ext"), _unique("value"))) for _ in range(count)]
        by_ref = _one_per_ref(target.load(self.case.object, "insert", rows), [r for r, _ in rows], what)
        _all_ok(by_ref, what)
        return by_ref

    def read(self, target: Destination, ids: list[str] | None) -> dict[str, dict[str, Any]]:
        records = target.read(self.case.object, ids, [self.case.field, self.case.external_id])
        return {str(r["Id"]): r for r in records}

    # --- the checks ----------------------------------------------------------------------
    def protocol(self) -> None:
        target = self.make()
        _expect(isinstance(target, Destination),
                "the factory's object lacks a Destination method (describe, load, read)")
        schema = target.describe()
        _expect(schema.find_object(self.case.object) is not None or not list(schema),
                f"describe() does not list '{self.case.object}'")

    def insert_creates(self) -> None:
        target = self.make()
        by_ref = self.insert(target, 3, "insert")
        ids = [r.id for r in by_ref.values()]
        _expect(all(r.created for r in by_ref.values()), "insert: every created row needs created=True")
        _expect(all(ids) and len(set(ids)) == 3, f"insert: three rows need three distinct Ids, got {ids}")

    def results_by_ref(self) -> None:
        target = self.make()
        rows = [(ref, self.row(_unique("ext"), ref)) for ref in ("z", "a", "m")]
        by_ref = _one_per_ref(target.load(self.case.object, "insert", rows), ["z", "a", "m"], "insert")
        _all_ok(by_ref, "insert")
        stored = self.read(target, [str(by_ref[ref].id) for ref in ("z", "a", "m")])
        for ref in ("z", "a", "m"):
            got = stored.get(str(by_ref[ref].id), {}).get(self.case.field)
            _expect(got == ref, f"the result for ref '{ref}' names a record holding {got!r}, not {ref!r}")

    def upsert_creates_then_updates(self) -> None:
        target = self.make()
        key = _unique("ext")
        first = target.load(self.case.object, "upsert", [("r1", self.row(key, "one"))],
                            external_id=self.case.external_id)
        second = target.load(self.case.object, "upsert", [("r2", self.row(key, "two"))],
                             external_id=self.case.external_id)
        a = _one_per_ref(first, ["r1"], "upsert")["r1"]
        b = _one_per_ref(second, ["r2"], "upsert")["r2"]
        _all_ok({"r1": a, "r2": b}, "upsert")
        _expect(a.created and not b.created, "upsert: the first must create (created=True), the second update")
        _expect(a.id == b.id, f"upsert on the same external id must write one record, got {a.id} and {b.id}")
        _expect(self.read(target, [str(a.id)])[str(a.id)][self.case.field] == "two",
                "upsert: the second upsert's value was not stored")

    def update_by_id(self) -> None:
        target = self.make()
        created = next(iter(self.insert(target, 1, "insert").values()))
        updated = target.load(self.case.object, "update", [("u", {"Id": created.id, self.case.field: "new"})])
        _all_ok(_one_per_ref(updated, ["u"], "update"), "update")
        _expect(self.read(target, [str(created.id)])[str(created.id)][self.case.field] == "new",
                "update: the new value was not stored")

    def a_bad_row_fails_alone(self) -> None:
        target = self.make()
        created = next(iter(self.insert(target, 1, "insert").values()))
        missing = f"{created.id}-does-not-exist"
        rows = [("good", {"Id": created.id, self.case.field: "ok"}),
                ("bad", {"Id": missing, self.case.field: "never"})]
        try:
            results = target.load(self.case.object, "update", rows)
        except Exception as error:  # noqa: BLE001 - whatever the plugin raised is the finding
            raise ConformanceError(
                f"update of a missing Id raised {type(error).__name__}: {error}; a row that fails "
                "is a LoadResult with an error_code, and the batch goes on") from None
        by_ref = _one_per_ref(results, ["good", "bad"], "update")
        _expect(by_ref["good"].ok, f"the good row failed with the bad one: {by_ref['good'].error_message}")
        bad = by_ref["bad"]
        _expect(not bad.ok and bool(bad.error_code) and bool(bad.error_message),
                "a row naming a missing record must fail with an error_code and an error_message")

    def delete_and_read(self) -> None:
        target = self.make()
        ids = [str(r.id) for r in self.insert(target, 2, "insert").values()]
        deleted = target.load(self.case.object, "delete", [("d", {"Id": ids[0]})])
        _all_ok(_one_per_ref(deleted, ["d"], "delete"), "delete")
        left = self.read(target, ids)
        _expect(ids[0] not in left and ids[1] in left,
                f"read(ids) must leave out deleted records and keep the others, got {sorted(left)}")
        everything = self.read(target, None)
        _expect(ids[1] in everything and ids[0] not in everything,
                "read(None) must give every live record of the object")

    def rollback_round_trip(self) -> None:
        target = self.make()
        before = self.read(target, None)
        kept = next(iter(self.insert(target, 1, "insert").values()))
        pre_image = self.read(target, [str(kept.id)])[str(kept.id)]
        run = self.insert(target, 2, "a run's insert")
        target.load(self.case.object, "update", [("u", {"Id": kept.id, self.case.field: "changed"})])
        # Undo the run as rollback does: delete what it created, write pre-images back.
        undo = [(ref, {"Id": r.id}) for ref, r in run.items()]
        _all_ok(_one_per_ref(target.load(self.case.object, "delete", undo), list(run), "delete"), "delete")
        restore = {"Id": kept.id, self.case.field: pre_image[self.case.field]}
        _all_ok(_one_per_ref(target.load(self.case.object, "update", [("p", restore)]), ["p"], "update"),
                "update")
        after = self.read(target, None)
        expected = {**before, str(kept.id): pre_image}
        _expect(after == expected, f"after the round trip the object holds {after}, expected {expected}")

    def from_other_threads(self) -> None:
        target = self.make()  # built here; used only from the pool's threads
        with ThreadPoolExecutor(max_workers=4) as pool:
            batches = list(pool.map(lambda _: self.insert(target, 5, "insert from a thread"), range(4)))
            ids = [str(r.id) for batch in batches for r in batch.values()]
            read = pool.submit(self.read, target, ids).result()
        _expect(len(set(ids)) == 20 and set(read) == set(ids),
                f"four threads inserting five rows each must give 20 distinct, readable records; "
                f"got {len(set(ids))} Ids, {len(read)} read back")


def destination_checks(make: Callable[[], Destination], case: DestinationCase) -> list[Check]:
    """The destination checks, each on a destination ``make()`` returns (a fresh one,
    or one whose ``case.object`` other checks may also write to: every check writes
    values of its own)."""
    return _Destination(make, case).checks()


class _Source(_Checks):
    """The checks of one source factory and case."""

    role = "source"
    names = ("protocol", "extract_pages", "extract_is_repeatable", "from_other_threads", "blobs")

    def __init__(self, make: Callable[[], Source], case: SourceCase) -> None:
        super().__init__(make)
        self.case = case

    def pages(self, source: Source) -> list[list[dict[str, Any]]]:
        pages = source.extract(self.case.object)
        _expect(isinstance(pages, Iterator),
                "extract() must return an iterator of pages (stream; do not build a list of everything)")
        return [list(page) for page in pages]

    def protocol(self) -> None:
        source = self.make()
        _expect(isinstance(source, Source),
                "the factory's object lacks a Source method (schema, extract, tombstones, open_blob)")
        _expect(source.schema().find_object(self.case.object) is not None,
                f"schema() does not list '{self.case.object}'")

    def extract_pages(self) -> None:
        pages = self.pages(self.make())
        records = [r for page in pages for r in page]
        _expect(bool(records), f"extract('{self.case.object}') gave no records to check")
        _expect(all(isinstance(r, dict) for r in records), "a page must be a list of dicts")
        keys = [r.get(self.case.key) for r in records]
        _expect(None not in keys, f"every record must carry its key '{self.case.key}'")
        _expect(len(set(map(str, keys))) == len(keys), "the key must identify one record")

    def extract_is_repeatable(self) -> None:
        source = self.make()
        _expect(self.pages(source) == self.pages(source),
                "extract() twice must give the same records (a resumed run extracts again)")

    def from_other_threads(self) -> None:
        source = self.make()  # built here; used only from the pool's threads
        with ThreadPoolExecutor(max_workers=3) as pool:
            results = list(pool.map(lambda _: self.pages(source), range(3)))
            tombstones = pool.submit(lambda: list(source.tombstones(self.case.object))).result()
        _expect(results[0] == results[1] == results[2],
                "extract() from three threads at once must give the same records")
        _expect(isinstance(tombstones, list), "tombstones() must be iterable")

    def blobs(self) -> None:
        field = self.case.blob_field
        if field is None:
            return
        source = self.make()
        record = next((r for page in self.pages(source) for r in page if r.get(field) is not None), None)
        _expect(record is not None, f"no record of '{self.case.object}' has content in '{field}'")
        assert record is not None
        chunks = source.open_blob(self.case.object, str(record[self.case.key]), field)
        _expect(isinstance(chunks, Iterator), "open_blob() must return an iterator of bytes chunks")
        _expect(all(isinstance(chunk, bytes) for chunk in chunks), "open_blob() must yield bytes")


def source_checks(make: Callable[[], Source], case: SourceCase) -> list[Check]:
    """The source checks, each on a source ``make()`` returns, holding at least one
    record of ``case.object``."""
    return _Source(make, case).checks()


def _run_all(checks: list[Check]) -> None:
    failures = []
    for check in checks:
        try:
            check()
        except Exception as error:  # noqa: BLE001 - a crash is a finding to report, like a ConformanceError
            failures.append(f"- {check.name}: {type(error).__name__}: {error}"
                            if not isinstance(error, ConformanceError) else f"- {check.name}: {error}")
    if failures:
        raise ConformanceError(f"{len(failures)} of {len(checks)} checks failed:\n" + "\n".join(failures))


def check_destination(make: Callable[[], Destination], case: DestinationCase) -> None:
    """Run every destination check; raise one ``ConformanceError`` listing each failure."""
    _run_all(destination_checks(make, case))


def check_source(make: Callable[[], Source], case: SourceCase) -> None:
    """Run every source check; raise one ``ConformanceError`` listing each failure."""
    _run_all(source_checks(make, case))


__all__ = [
    "Check",
    "ConformanceError",
    "DestinationCase",
    "SourceCase",
    "check_destination",
    "check_source",
    "destination_checks",
    "source_checks",
]
