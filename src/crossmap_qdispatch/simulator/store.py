"""The simulator's data: generated records in memory, indexed for keyset paging.

Each object keeps its live records by id plus a sorted index of ``(updated_at, id)``;
cursors are positions in that order, so equal timestamps never make a page boundary
skip or repeat a record. Records are replaced, never changed in place, so an export
snapshot can hold references while mutations go on.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import hashlib
import json
import threading
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from attrs import define, field, frozen

from crossmap_qdispatch.clock import Clock
from crossmap_qdispatch.generator import assigned_technicians, attachment_content, generate, ts
from crossmap_qdispatch.objects import OBJECT_NAMES, object_info

Record = dict[str, Any]
_IMMUTABLE = frozenset({"id", "created_at", "updated_at"})


class NotFound(LookupError):
    """No live record with that id."""


class BadRequest(ValueError):
    """A request the API rejects with 400 (bad cursor, unknown field, ...)."""


def encode_cursor(position: tuple[str, str]) -> str:
    """An opaque cursor for the keyset position ``(updated_at, id)``."""
    return base64.urlsafe_b64encode(json.dumps(list(position)).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, str]:
    """The keyset position of ``cursor``; ``BadRequest`` if it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise BadRequest("malformed cursor") from None
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)):
        raise BadRequest("malformed cursor")
    return value[0], value[1]


@frozen
class ListPage:
    """One page of a listing."""

    records: list[Record]
    next_position: tuple[str, str] | None


@define
class _Table:
    records: dict[str, Record] = field(factory=dict)
    order: list[tuple[str, str]] = field(factory=list)
    next_number: int = 0

    def put(self, rec: Record) -> None:
        old = self.records.get(rec["id"])
        if old is not None:
            self.order.pop(bisect.bisect_left(self.order, (old["updated_at"], old["id"])))
        self.records[rec["id"]] = rec
        bisect.insort(self.order, (rec["updated_at"], rec["id"]))

    def remove(self, rid: str) -> Record:
        old = self.records.pop(rid)
        self.order.pop(bisect.bisect_left(self.order, (old["updated_at"], rid)))
        return old


class Store:
    """All objects, tombstones and attachment blobs of one simulated tenant."""

    def __init__(self, seed: int, scale: int, clock: Clock) -> None:
        self.seed, self.scale, self.clock = seed, scale, clock
        self._lock = threading.RLock()
        self._tables = {name: _Table() for name in OBJECT_NAMES}
        self._tombstones: list[tuple[str, str, str, Record]] = []
        self._blobs: dict[str, bytes] = {}
        for g in generate(seed, scale):
            table = self._tables[g.object]
            table.next_number += 1
            if g.live:
                table.put(g.record)
            else:
                self._add_tombstone(g.object, g.record["id"], g.deleted_at or "", g.merged_into)

    # --- reads -------------------------------------------------------------------
    def get(self, obj: str, rid: str) -> Record:
        """A live record by id."""
        with self._lock:
            try:
                return self._tables[obj].records[rid]
            except KeyError:
                raise NotFound(f"{obj} {rid} not found") from None

    def count(self, obj: str) -> int:
        """Live records of ``obj`` (inactive included)."""
        with self._lock:
            return len(self._tables[obj].records)

    def listing(self, obj: str, *, limit: int, after: tuple[str, str] | None = None,
             since: str | None = None, include_inactive: bool = False) -> ListPage:
        """Up to ``limit`` records in ``(updated_at, id)`` order, after the keyset
        position ``after`` and at or after ``since`` (inclusive, like real APIs)."""
        with self._lock:
            table = self._tables[obj]
            pos = bisect.bisect_left(table.order, (since or "", ""))
            if after is not None:
                pos = max(pos, bisect.bisect_right(table.order, after))
            hide_inactive = object_info(obj).has_active and not include_inactive

            def visible(key: tuple[str, str]) -> bool:
                return not hide_inactive or bool(table.records[key[1]].get("active", True))

            out: list[Record] = []
            while pos < len(table.order) and len(out) < limit:
                key = table.order[pos]
                pos += 1
                if visible(key):
                    out.append(table.records[key[1]])
            more = any(visible(table.order[i]) for i in range(pos, len(table.order)))
            last = (out[-1]["updated_at"], out[-1]["id"]) if out and more else None
            return ListPage(out, last)

    def page(self, obj: str, *, page: int, page_size: int, since: str | None = None
             ) -> tuple[list[Record], int]:
        """Page ``page`` (1-based) of records ordered by ``(updated_at, id)``, and the
        total: the older endpoint's offset paging, with all its weaknesses."""
        with self._lock:
            order = self._tables[obj].order
            start = bisect.bisect_left(order, (since, "")) if since is not None else 0
            total = len(order) - start
            first = start + (page - 1) * page_size
            keys = order[first:first + page_size]
            return [self._tables[obj].records[k[1]] for k in keys], total

    def tombstones(self, *, limit: int, after: tuple[str, str] | None = None,
                   since: str | None = None, obj: str | None = None) -> ListPage:
        """Deleted-record tombstones in ``(deleted_at, "object/id")`` order."""
        with self._lock:
            keys = [(t[0], t[1]) for t in self._tombstones]
            pos = bisect.bisect_left(keys, (since or "", ""))
            if after is not None:
                pos = max(pos, bisect.bisect_right(keys, after))

            def wanted(entry: tuple[str, str, str, Record]) -> bool:
                return obj is None or entry[3]["object"] == obj

            out: list[Record] = []
            while pos < len(keys) and len(out) < limit:
                entry = self._tombstones[pos]
                pos += 1
                if wanted(entry):
                    out.append(entry[3])
            more = any(wanted(self._tombstones[i]) for i in range(pos, len(keys)))
            last = out[-1] if out and more else None
            nxt = (last["deleted_at"], f"{last['object']}/{last['id']}") if last else None
            return ListPage(out, nxt)

    def snapshot(self, objects: list[str], since: str | None) -> dict[str, list[Record]]:
        """References to the current records (records are never mutated in place)."""
        with self._lock:
            out = {}
            for obj in objects:
                table = self._tables[obj]
                start = bisect.bisect_left(table.order, (since, "")) if since else 0
                out[obj] = [table.records[k[1]] for k in table.order[start:]]
            return out

    def tombstone_snapshot(self, objects: list[str], since: str | None) -> list[Record]:
        """Tombstones of ``objects`` at or after ``since``."""
        with self._lock:
            return [t[3] for t in self._tombstones if t[3]["object"] in objects and
                    (since is None or t[0] >= since)]

    def blob(self, attachment_id: str) -> bytes:
        """The content of a live attachment."""
        self.get("attachments", attachment_id)
        with self._lock:
            if attachment_id in self._blobs:
                return self._blobs[attachment_id]
        return attachment_content(self.seed, attachment_id)[0]

    # --- mutations (the simulator's control API, for delta tests) -----------------
    def now(self) -> str:
        """The clock's time in the API's timestamp format."""
        return ts(datetime.fromtimestamp(self.clock.now(), UTC))

    def create(self, obj: str, values: Mapping[str, Any], content: bytes | None = None) -> Record:
        """Insert a record of ``obj`` with a fresh id; attachments take ``content``."""
        info = object_info(obj)
        self._check_fields(values)
        with self._lock:
            table = self._tables[obj]
            table.next_number += 1
            now = self.now()
            rec = {**values, "id": f"{info.prefix}_{table.next_number:07d}",
                   "created_at": now, "updated_at": now}
            if obj == "attachments":
                data = content if content is not None else b""
                self._blobs[rec["id"]] = data
                rec["size_bytes"] = len(data)
                rec["sha256"] = hashlib.sha256(data).hexdigest()
            table.put(rec)
            self._follow_assignments(obj, rec.get("job_id"))
            return rec

    def update(self, obj: str, rid: str, values: Mapping[str, Any]) -> Record:
        """Change fields of a live record, bumping only its own ``updated_at``."""
        self._check_fields(values)
        with self._lock:
            old = self.get(obj, rid)
            rec = {**old, **values, "updated_at": self.now()}
            self._tables[obj].put(rec)
            self._follow_assignments(obj, old.get("job_id"), rec.get("job_id"))
            return rec

    def delete(self, obj: str, rid: str, merged_into: str | None = None) -> Record:
        """Remove a live record, leaving a tombstone (``merged_into`` for a merge)."""
        with self._lock:
            self.get(obj, rid)
            old = self._tables[obj].remove(rid)
            self._blobs.pop(rid, None)
            self._follow_assignments(obj, old.get("job_id"))
            return self._add_tombstone(obj, rid, self.now(), merged_into)

    def _follow_assignments(self, obj: str, *job_ids: str | None) -> None:
        """Keep each job's ``assigned_technician_ids`` equal to the technicians of its
        live assignments, as Q Dispatch does: a changed list is a change to the job, so
        its ``updated_at`` moves and a delta run picks the job up."""
        if obj != "technician_assignments":
            return
        jobs = self._tables["jobs"].records
        for job_id in dict.fromkeys(j for j in job_ids if j in jobs):
            assert job_id is not None
            mine = sorted((a for a in self._tables[obj].records.values() if a["job_id"] == job_id),
                          key=lambda a: str(a["id"]))
            listed = assigned_technicians(a.get("technician_id") for a in mine)
            job = jobs[job_id]
            if job.get("assigned_technician_ids") != listed:
                self._tables["jobs"].put({**job, "assigned_technician_ids": listed,
                                          "updated_at": self.now()})

    def _add_tombstone(self, obj: str, rid: str, deleted_at: str, merged: str | None) -> Record:
        entry = {"object": obj, "id": rid, "deleted_at": deleted_at, "merged_into_id": merged}
        bisect.insort(self._tombstones, (deleted_at, f"{obj}/{rid}", rid, entry),
                      key=lambda t: (t[0], t[1]))
        return entry

    @staticmethod
    def _check_fields(values: Mapping[str, Any]) -> None:
        bad = sorted(set(values) & _IMMUTABLE)
        if bad:
            raise BadRequest(f"fields set by the server: {', '.join(bad)}")

    def iter_all(self, obj: str) -> Iterator[Record]:
        """Every live record of ``obj`` in keyset order (a copy, safe to iterate)."""
        with self._lock:
            records = [self._tables[obj].records[k[1]] for k in self._tables[obj].order]
        return iter(records)
