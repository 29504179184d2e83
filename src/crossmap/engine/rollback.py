"""Undoing a run: delete what it created (newest first, so children go before their
parents), bring back what it deleted (oldest first, so parents come back before their
children), restore what it overwrote, then check the destination matches.

What the run overwrote or deleted is in the ledger as pre-images: the old values of
the fields it wrote (``record_preimages``, by the loader before an update, or by
read-before-write for a record that existed before the run), and, for a record a
delta run deleted (``capture_deleted``), every value it held, marked ``$deleted``. A
deleted record comes back with its own Id through the destination's ``undelete``
(Salesforce: the recycle bin; the folder destinations re-create it under its Id);
a destination that cannot undelete leaves it gone, and the rollback says so.

Resumable and idempotent: each batch is marked undone as it completes, so a
rollback that is cut off and started again goes on where it stopped; records
already gone count as deleted.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from itertools import groupby
from typing import Any

from attrs import frozen

from crossmap import schema as s
from crossmap.compiler import Plan
from crossmap.connectors import Destination, UndeletingDestination
from crossmap.connectors.builtin.vocabulary import BUILTIN_ERRORS
from crossmap.connectors.protocols import ErrorNaming, capability
from crossmap.connectors.vocabulary import destination_vocabulary
from crossmap.engine.fingerprint import canonical, digest
from crossmap.state import StateStore
from crossmap.state.retention import require_rollback_window

DELETED = "$deleted"
"""The mark of a pre-image kept for a record the run deleted (all its values); its
value is ``[step, source key]``, so the crosswalk learns the record again when it
comes back."""


@frozen
class RollbackSummary:
    """What a rollback did, and what its verification found."""

    run_id: int
    deleted: int
    restored: int
    failures: tuple[str, ...]
    mismatches: tuple[str, ...]
    changed: tuple[str, ...] = ()
    """Records changed in the destination after the run: left as they are."""
    undeleted: int = 0
    """Records the run deleted, brought back."""

    @property
    def ok(self) -> bool:
        """Everything the rollback did worked and verified (records left alone on
        purpose aside: see ``exact``)."""
        return not self.failures and not self.mismatches

    @property
    def exact(self) -> bool:
        """The destination is back to its state before the run: nothing failed,
        nothing differs, nothing was left alone."""
        return self.ok and not self.changed


def capture_deleted(destination: Destination, store: StateStore, run_id: int, step: str, target: str,
                    known: Mapping[str, str]) -> None:
    """Before run ``run_id`` deletes the records ``known`` maps source keys to (in
    ``target``, loaded by ``step``): keep every value they hold (the fields a client
    can write) in the ledger, so a rollback can bring them back."""
    keys = {id: key for key, id in known.items()}
    obj = destination.describe().find_object(target)
    if obj is None or not keys:
        return
    fields = [f.name for f in obj if f.name != "Id" and (f.createable or f.updateable)]
    images = [(str(record["Id"]), {**{k: _storable(v) for k, v in record.items() if k != "Id"},
                                   DELETED: [step, keys.get(str(record["Id"]))]})
              for record in destination.read(target, list(keys), ["Id", *fields])]
    if images:
        store.record_preimages(run_id, target, images)


def _storable(value: Any) -> Any:
    """A value as the ledger's JSON keeps it faithfully (bytes as base64; a
    multi-select as a list; the rest as the ledger stores them)."""
    if isinstance(value, bytes | bytearray):
        return s.format_value(bytes(value))
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    return value


def rollback(plan: Plan, destination: Destination, store: StateStore, run_id: int, *, batch_size: int = 200) -> RollbackSummary:
    """Undo run ``run_id``; see the module docstring."""
    original = store.run(run_id)
    require_rollback_window(original)
    # Which error codes say "that record is gone already" is the destination's word.
    naming = capability(destination, ErrorNaming)
    gone_codes = (naming.error_vocabulary() if naming is not None
                  else destination_vocabulary(plan.target.name, BUILTIN_ERRORS)).gone
    undo = store.begin_run(spec=plan.spec, spec_hash=original.spec_hash, kind="rollback",
                           options={"rollback_of": run_id}, parent=run_id)
    failures: list[str] = []
    deleted_ids: list[tuple[str, str]] = []
    deleted = restored = 0
    changed: list[str] = []
    for target, ids in _batches(store.created(run_id), batch_size):
        touched = _changed_since(destination, store, run_id, target, ids)
        if touched:
            changed += [f"{target} {id}" for id in touched]
            store.mark_undone(run_id, target, touched)  # left alone, on purpose: reported
            ids = [id for id in ids if id not in touched]
            if not ids:
                continue
        results = destination.load(target, "delete", [(id, {"Id": id}) for id in ids])
        done = [r.ref for r in results if r.ok or r.error_code in gone_codes]
        failures += [f"{target} {r.ref}: {r.error_code} {r.error_message}" for r in results
                     if not (r.ok or r.error_code in gone_codes)]
        store.mark_undone(run_id, target, done)
        deleted += len(done)
        deleted_ids += [(target, id) for id in done]
    pending = list(store.preimages(run_id))  # newest first
    marks = {(target, id): fields.pop(DELETED) for target, id, fields in pending if DELETED in fields}
    gone = [(target, id, fields) for target, id, fields in pending if (target, id) in marks]
    undeleted, lost = _undelete(destination, run_id, list(reversed(gone)), batch_size, failures)
    _relearn(store, undo.id, {place: mark for place, mark in marks.items() if place not in lost})
    schema = destination.describe()  # once: a destination may build it anew on every call
    images = [(target, id, _typed(schema, target, fields)) for target, id, fields in pending
              if (target, id) not in lost]
    for target, group in groupby(images, key=lambda image: image[0]):
        batch = [(id, {"Id": id, **fields}) for _, id, fields in group]
        touched = _changed_since(destination, store, run_id, target, [id for id, _ in batch])
        if touched:
            changed += [f"{target} {id}" for id in touched]
            store.mark_undone(run_id, target, touched)
            batch = [(id, row) for id, row in batch if id not in touched]
        for start in range(0, len(batch), batch_size):
            chunk = batch[start : start + batch_size]
            results = destination.load(target, "update", chunk)
            # A record the run created and then updated is already deleted above.
            done = [r.ref for r in results if r.ok or r.error_code in gone_codes]
            failures += [f"{target} {r.ref}: {r.error_code} {r.error_message}" for r in results
                         if not (r.ok or r.error_code in gone_codes)]
            store.mark_undone(run_id, target, done)
            restored += sum(1 for r in results if r.ok)
    _forget(plan, store, {id for _, id in deleted_ids})
    skipped = {entry.split(" ", 1)[1] for entry in changed}
    mismatches = _verify(destination, deleted_ids, [i for i in images if i[1] not in skipped])
    status = "succeeded" if not failures and not mismatches else "failed"
    store.end_run(undo.id, status)
    if status == "succeeded":
        store.end_run(run_id, "rolled_back")
    return RollbackSummary(run_id, deleted, restored, tuple(failures), tuple(mismatches), tuple(changed),
                           undeleted)


def _relearn(store: StateStore, run_id: int, marks: Mapping[tuple[str, str], Any]) -> None:
    """Put records brought back into the crosswalk again, under the source keys
    they had when the run deleted them (so later runs update them)."""
    by_step: dict[tuple[str, str], list[tuple[str, str, bool]]] = {}
    for (target, id), mark in marks.items():
        if isinstance(mark, list) and len(mark) == 2 and all(isinstance(m, str) for m in mark):
            by_step.setdefault((mark[0], target), []).append((mark[1], id, False))
    for (step, target), entries in by_step.items():
        store.put_ids(run_id, step, target, entries)


def _undelete(destination: Destination, run_id: int,
              gone: list[tuple[str, str, dict[str, Any]]], batch_size: int,
              failures: list[str]) -> tuple[int, set[tuple[str, str]]]:
    """Bring back the records the run deleted, oldest deletion first; the count
    brought back, and the (target, id) that could not be (reported in ``failures``)."""
    lost: set[tuple[str, str]] = set()
    count = 0
    schema = destination.describe() if gone else None
    for target, group in groupby(gone, key=lambda image: image[0]):
        assert schema is not None
        rows = [(id, {"Id": id, **_typed(schema, target, fields, restoring=True)}) for _, id, fields in group]
        if not isinstance(destination, UndeletingDestination):
            for id, _ in rows:
                lost.add((target, id))
                failures.append(f"{target} {id}: the run deleted it and this destination cannot undelete, so "
                                f"it cannot come back with its Id; re-create it from the pre-image the ledger "
                                f"keeps for run {run_id}, and re-point the records that referred to it")
            continue
        for start in range(0, len(rows), batch_size):
            results = destination.undelete(target, rows[start : start + batch_size])
            for result in results:
                if result.ok:
                    count += 1
                else:
                    lost.add((target, result.ref))
                    failures.append(f"{target} {result.ref}: the run deleted it and it could not be brought back: "
                                    f"{result.error_code} {result.error_message}")
    return count, lost


def _changed_since(destination: Destination, store: StateStore, run_id: int, target: str, ids: list[str]) -> set[str]:
    """The ids whose fields no longer hold what the run wrote."""
    written = store.written(run_id, target, ids)
    if not written:
        return set()
    fields = sorted({f for entries in written.values() for names, _ in entries for f in names.split(",") if f})
    obj = destination.describe().find_object(target)
    current = {r["Id"]: r for r in destination.read(target, list(written), ["Id", *fields])}
    changed = set()
    for id, entries in written.items():
        record = current.get(id)
        if record is None:
            continue  # gone already: nothing to protect
        if any(digest(obj, record, [f for f in names.split(",") if f]) != value for names, value in entries):
            changed.add(id)
    return changed


def _batches(items: Iterable[tuple[str, str]], size: int) -> Iterator[tuple[str, list[str]]]:
    """Consecutive (target, ids) batches, keeping the newest-first order."""
    for target, group in groupby(items, key=lambda item: item[0]):
        ids = [id for _, id in group]
        for start in range(0, len(ids), size):
            yield target, ids[start : start + size]


def _forget(plan: Plan, store: StateStore, ids: set[str]) -> None:
    """Drop crosswalk entries pointing at deleted records, so later runs insert anew."""
    if not ids:
        return
    for step in plan.steps:
        stale = [key for key, id in store.crosswalk(step.name) if id in ids]
        if stale:
            store.forget_ids(step.name, stale)


def _verify(
    destination: Destination, deleted: list[tuple[str, str]], images: list[tuple[str, str, dict[str, Any]]]
) -> list[str]:
    mismatches = []
    for target, pairs in groupby(sorted(deleted), key=lambda item: item[0]):
        ids = [id for _, id in pairs]
        for record in destination.read(target, ids, ["Id"]):
            mismatches.append(f"{target} {record['Id']} still exists")
    for target, group in groupby(images, key=lambda image: image[0]):
        wanted = {id: fields for _, id, fields in group}
        fields = sorted({f for values in wanted.values() for f in values})
        obj = destination.describe().find_object(target)
        found = list(destination.read(target, list(wanted), ["Id", *fields]))
        missing = set(wanted) - {record["Id"] for record in found}
        mismatches += [f"{target} {id} does not exist (it should hold its values from before the run)"
                       for id in sorted(missing)]
        for record in found:
            expected = wanted[record["Id"]]
            for field, value in expected.items():
                # One canonical form: the org answers a datetime as text in its own format.
                schema = obj.find_field(field) if obj else None
                if canonical(schema, record.get(field)) != canonical(schema, value):
                    mismatches.append(f"{target} {record['Id']}.{field} is {record.get(field)!r}, not {value!r}")
    return mismatches


def _typed(schema: s.Schema, target: str, fields: dict[str, Any], *,
           restoring: bool = False) -> dict[str, Any]:
    """A pre-image with the values the store kept as text (decimals, dates) typed
    again by the destination's schema; ``restoring`` (a record brought back) keeps
    the fields that can only be written on create too."""
    obj = schema.find_object(target)
    if obj is None:
        return fields
    typed = {}
    for name, value in fields.items():
        field = obj.find_field(name)
        if field is not None and not field.updateable and not (restoring and field.createable):
            continue  # cannot be written back (and the run could not have changed it)
        if isinstance(value, list) and field is not None and isinstance(field.type, s.Enum):
            value = tuple(value)  # a multi-select, kept as a JSON list
        elif isinstance(value, str) and field is not None and not isinstance(field.type, s.String | s.Text | s.Enum):
            try:
                value = s.parse_value(field.type, value)
            except ValueError:
                pass  # left as text: the destination judges it
        typed[name] = value
    return typed

