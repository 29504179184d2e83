"""Record reads and writes: the one write pipeline every API (REST, composite,
Bulk API 2.0) goes through, so each applies the same rules.

A write takes a batch of rows and runs in phases: decide each row's operation and Id
(upsert matching), validate and convert, apply the per-object rules, check references
and unique values for the whole batch at once (a few queries, not one per row), then
write every accepted row in one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from attrs import frozen

from crossmap_salesforce.emulator.clock import sf_datetime
from crossmap_salesforce.emulator.errors import OrgError
from crossmap_salesforce.emulator.files import after_versions, prepare_version
from crossmap_salesforce.emulator.ids import make_id, normalize
from crossmap_salesforce.emulator.orgdef import ObjectDef
from crossmap_salesforce.emulator.sales import OBJECTS, apply_opportunity, roll_up
from crossmap_salesforce.emulator.sales import check as sales_check
from crossmap_salesforce.emulator.validation import (
    RowChecker,
    apply_case_status,
    check_event,
)

if TYPE_CHECKING:
    from crossmap_salesforce.emulator.org import Org

WriteOp = Literal["insert", "update", "upsert"]

#: Child references that are deleted with their parent (master-detail in Salesforce).
CASCADES: Mapping[str, tuple[tuple[str, str], ...]] = {
    "Account": (("Contact", "AccountId"),),
    "Case": (("CaseComment", "ParentId"),),
    "ContentDocument": (("ContentVersion", "ContentDocumentId"),
                        ("ContentDocumentLink", "ContentDocumentId")),
}

#: Unique values compared case-insensitively besides external ids.
EXTRA_UNIQUE: Mapping[str, tuple[str, ...]] = {"User": ("Username",)}


@frozen
class Outcome:
    """What happened to one row of a write."""

    id: str | None
    created: bool = False
    errors: tuple[OrgError, ...] = ()

    @property
    def ok(self) -> bool:
        """Did the row succeed?"""
        return not self.errors


class _Row:
    """Working state of one row during a write."""

    __slots__ = ("before", "blob", "errors", "op", "record", "refs", "rid", "values")

    def __init__(self) -> None:
        self.op: Literal["insert", "update"] = "insert"
        self.rid: str | None = None
        self.before: dict[str, Any] | None = None
        self.values: dict[str, Any] = {}
        self.record: dict[str, Any] = {}
        self.errors: list[OrgError] = []
        self.refs: list[tuple[str, str]] = []
        self.blob: bytes | None = None


def rolled_back() -> OrgError:
    """The error allOrNone gives every row that did not fail itself."""
    return OrgError(400, "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                    "Record rolled back because not all records were valid and the "
                    "request was using AllOrNone header")


class Records:
    """Reads and writes of one org's records."""

    def __init__(self, org: Org) -> None:
        self.org = org
        self._checkers: dict[int, RowChecker] = {}

    def checker(self, od: ObjectDef) -> RowChecker:
        """The (cached) validation helper for ``od``."""
        checker = self._checkers.get(id(od))
        if checker is None or checker.od is not od:
            checker = self._checkers[id(od)] = RowChecker(
                od, audit_fields=self.org.settings.set_audit_fields
            )
        return checker

    def unique_fields(self, od: ObjectDef) -> tuple[str, ...]:
        """Fields whose values must be unique in ``od``."""
        return od.external_ids + tuple(
            f for f in EXTRA_UNIQUE.get(od.name, ()) if f not in od.external_ids
        )

    # -- reads -------------------------------------------------------------------

    def fetch(self, od: ObjectDef, value: str, *, allow_deleted: bool = False) -> dict[str, Any]:
        """The stored record ``value`` names in a URL, or Salesforce's 404."""
        rid = normalize(value)
        if rid is None or not rid.startswith(od.key_prefix):
            raise OrgError(404, "NOT_FOUND",
                           f"Provided external ID field does not exist or is not accessible: {value}")
        found = self.org.store.get(rid)
        if found is None or found[0] != od.name:
            raise OrgError(404, "NOT_FOUND", "The requested resource does not exist")
        if found[1] and not allow_deleted:
            raise OrgError(404, "ENTITY_IS_DELETED", "entity is deleted")
        return found[2]

    def shape(
        self, od: ObjectDef, data: Mapping[str, Any], fields: Sequence[str] | None = None,
        version: str = "59.0",
    ) -> dict[str, Any]:
        """A record as the REST API returns it: ``attributes`` then every field (or
        just ``fields``), absent ones null, base64 fields as their content URL."""
        url = f"/services/data/v{version}/sobjects/{od.name}/{data['Id']}"
        out: dict[str, Any] = {"attributes": {"type": od.name, "url": url}}
        names = fields if fields is not None else list(od.fields)
        for name in names:
            f = od.field(name)
            if f is None:
                raise OrgError(400, "INVALID_FIELD",
                               f"No such column '{name}' on entity '{od.name}'. If you are "
                               "attempting to use a custom field, be sure to append the '__c' "
                               "after the custom field name.", (name,))
            canonical = f["name"]
            if f["type"] == "base64":
                out[canonical] = f"{url}/{canonical}" if data.get(canonical) else None
            elif f["type"] == "address":
                out[canonical] = _address(data, canonical)
            else:
                out[canonical] = data.get(canonical)
        return out

    # -- writes ------------------------------------------------------------------

    def write(
        self,
        od: ObjectDef,
        op: WriteOp,
        rows: Sequence[Mapping[str, Any]],
        *,
        user_id: str,
        text: bool = False,
        ext_field: str | None = None,
        all_or_none: bool = False,
    ) -> list[Outcome]:
        """Insert, update or upsert ``rows`` (JSON values, or CSV cells with
        ``text``); one outcome per row, in order."""
        # Checks and writes in one transaction: a concurrent writer can neither
        # change a matched record nor claim a unique value in between.
        with self.org.store.transaction():
            return self._write(od, op, rows, user_id=user_id, text=text,
                               ext_field=ext_field, all_or_none=all_or_none)

    def _write(
        self,
        od: ObjectDef,
        op: WriteOp,
        rows: Sequence[Mapping[str, Any]],
        *,
        user_id: str,
        text: bool,
        ext_field: str | None,
        all_or_none: bool,
    ) -> list[Outcome]:
        if op != "update" and not od.describe.get("createable", True):
            raise OrgError(400, "INVALID_TYPE_FOR_OPERATION",
                           f"entity type cannot be inserted: {od.name}")
        if op != "insert" and not od.describe.get("updateable", True):
            raise OrgError(400, "INVALID_TYPE_FOR_OPERATION",
                           f"entity type cannot be updated: {od.name}")
        checker = self.checker(od)
        work = [_Row() for _ in rows]
        canon = [checker.canonical(r) for r in rows]
        self._decide(od, op, canon, work, ext_field)
        self._resolve_foreign_keys(od, canon, work, text)
        now = sf_datetime(self.org.now())
        faults = self.org.faults
        for row, values, w in zip(rows, canon, work, strict=True):
            if w.errors:
                continue
            if faults.lock_row():
                w.errors.append(OrgError(400, "UNABLE_TO_LOCK_ROW",
                                         "unable to obtain exclusive access to this record"))
                continue
            payload = dict(values)
            if op != "insert":
                # Id selects the record; on insert the validator rejects it.
                payload.pop("Id", None)
            if op == "upsert" and ext_field and ext_field != "Id" and w.op == "update":
                # The matching key itself is not rewritten on update.
                payload.pop(ext_field, None)
            errors = checker.validate(payload, w.op, text)
            if errors:
                w.errors.extend(errors)
                continue
            try:
                w.values = checker.to_wire(payload, text)
            except OrgError as exc:
                w.errors.append(exc)
                continue
            self._build(od, w, now, user_id)
        self._check_references(od, work)
        if od.name in OBJECTS:
            sales_check(self.org, od.name, work)
        self._check_unique(od, work)
        failed = any(w.errors for w in work)
        if all_or_none and failed:
            return [
                Outcome(None, False, tuple(w.errors) if w.errors else (rolled_back(),))
                for w in work
            ]
        self._commit(od, [w for w in work if not w.errors], user_id)
        return [
            Outcome(w.rid if not w.errors else None, w.op == "insert" and not w.errors,
                    tuple(w.errors))
            for w in work
        ]

    def _decide(
        self, od: ObjectDef, op: WriteOp, rows: list[dict[str, Any]], work: list[_Row],
        ext_field: str | None,
    ) -> None:
        """Each row's concrete operation and target Id (upsert matching)."""
        store = self.org.store
        if op == "insert":
            return
        targets: list[str | None] = []
        if op == "update" or ext_field in (None, "Id"):
            for values, w in zip(rows, work, strict=True):
                raw = values.get("Id")
                if raw in (None, ""):
                    if op == "update":
                        w.errors.append(OrgError(400, "MISSING_ARGUMENT",
                                                 "Id not specified in an update call", ("Id",)))
                    targets.append(None)
                    continue
                rid = normalize(str(raw))
                if rid is None or not rid.startswith(od.key_prefix):
                    w.errors.append(OrgError(400, "MALFORMED_ID",
                                             f"{od.name} ID: id value of incorrect type: {raw}",
                                             ("Id",)))
                    targets.append(None)
                    continue
                targets.append(rid)
        else:
            # An external id given twice in one call fails every row carrying it, the
            # first too, and nothing is stored for them (Apex/SOAP upsert: "If the key is
            # matched multiple times, then an error is generated and the object record
            # is neither inserted or updated"; salesforce.stackexchange.com/q/104048
            # shows row 0 failing with "Duplicate external id specified").
            keys = [None if v.get(ext_field) in (None, "") else str(v[ext_field]).lower() for v in rows]
            twice = duplicated(keys)
            for values, w, key in zip(rows, work, keys, strict=True):
                raw = values.get(ext_field)
                if key is None:
                    w.errors.append(OrgError(400, "MISSING_ARGUMENT",
                                             f"{ext_field} not specified", (ext_field,)))
                    targets.append(None)
                    continue
                if key in twice:
                    w.errors.append(duplicate_external_id(ext_field, raw))
                    targets.append(None)
                    continue
                targets.append(store.find_unique(od.name, ext_field, key))
        existing = store.get_many(t for t in targets if t)
        for target, w in zip(targets, work, strict=True):
            if w.errors:
                continue
            if target is None:
                w.op = "insert"
                continue
            found = existing.get(target)
            if found is None or found[0] != od.name:
                if op == "upsert" and ext_field in (None, "Id"):
                    w.errors.append(OrgError(404, "NOT_FOUND",
                                             "The requested resource does not exist", ("Id",)))
                else:
                    w.errors.append(OrgError(400, "INVALID_CROSS_REFERENCE_KEY",
                                             "invalid cross reference id", ("Id",)))
            elif found[1]:
                w.errors.append(OrgError(400, "ENTITY_IS_DELETED", "entity is deleted", ("Id",)))
            else:
                w.op, w.rid, w.before = "update", target, found[2]

    def _resolve_foreign_keys(
        self, od: ObjectDef, rows: list[dict[str, Any]], work: list[_Row], text: bool
    ) -> None:
        """Parents named by external id: a CSV column ``Account.Ext__c`` or a JSON
        value ``"Account": {"Ext__c": "X"}`` becomes the parent's Id in ``AccountId``."""
        for values, w in zip(rows, work, strict=True):
            if w.errors:
                continue
            for key in [k for k, v in values.items() if "." in k or isinstance(v, dict)]:
                raw = values.pop(key)
                try:
                    resolved = self._foreign_key(od, key, raw, text)
                except OrgError as exc:
                    w.errors.append(exc)
                    break
                if resolved is not None:
                    values[resolved[0]] = resolved[1]

    def _foreign_key(self, od: ObjectDef, key: str, raw: Any, text: bool) -> tuple[str, Any] | None:
        type_hint: str | None = None
        if isinstance(raw, dict):
            relationship = key
            attrs = raw.get("attributes")
            type_hint = attrs.get("type") if isinstance(attrs, dict) else None
            pairs = [(k, v) for k, v in raw.items() if k != "attributes"]
            if len(pairs) != 1:
                raise OrgError(400, "INVALID_FIELD",
                               f"{key}: a parent reference names exactly one external id field",
                               (key,))
            ext, value = pairs[0]
        else:
            relationship, _, ext = key.partition(".")
            value = raw
        ref = od.relationship(relationship)
        if ref is None or "." in ext:
            raise OrgError(400, "INVALID_FIELD",
                           f"No such column '{key}' on sobject of type {od.name}", (key,))
        if text and value == "":
            return None  # an empty cell is "not given"
        if value is None or (text and value == "#N/A"):
            return ref["name"], None
        definition = self.org.definition
        for target in [type_hint] if type_hint else ref.get("referenceTo") or []:
            tod = definition.find(target)
            f = tod.field(ext) if tod is not None else None
            if tod is None or f is None or not (f.get("externalId") or f["type"] == "id"):
                continue
            if f["type"] == "id":
                rid = normalize(str(value))
            else:
                rid = self.org.store.find_unique(tod.name, f["name"], str(value).lower())
            if rid is None:
                raise OrgError(400, "INVALID_FIELD",
                               f"Foreign key external ID: {value} not found for field "
                               f"{f['name']} in entity {tod.name}", (ref["name"],))
            return ref["name"], rid
        raise OrgError(400, "INVALID_FIELD",
                       f"Field {ext} is not an external id field of the objects "
                       f"{ref['name']} references", (key,))

    def _build(self, od: ObjectDef, w: _Row, now: str, user_id: str) -> None:
        """The record as it will be stored, with defaults and per-object rules."""
        if w.op == "update":
            record = dict(w.before or {})
            record.update(w.values)
        else:
            record = _defaults(od, user_id)
            record.update({k: v for k, v in w.values.items() if v is not None})
            created = record.get("CreatedDate") or now
            record.setdefault("CreatedDate", created)
            record.setdefault("CreatedById", user_id)
            record.setdefault("LastModifiedDate", created)
            record.setdefault("LastModifiedById", user_id)
        if w.op == "update":
            record["LastModifiedDate"] = now
            record["LastModifiedById"] = user_id
        record["SystemModstamp"] = now
        name = od.name
        if name in ("Contact", "User", "Lead") and ("LastName" in w.values or w.op == "insert"):
            first, last = record.get("FirstName"), record.get("LastName")
            record["Name"] = " ".join(p for p in (first, last) if p)
        if name == "Event":
            w.errors.extend(check_event(record, w.values))
        elif name == "Case" and (w.op == "insert" or "Status" in w.values):
            apply_case_status(record, w.before, now)
        elif name == "Opportunity":
            apply_opportunity(record, w.values, w.op == "insert")
        elif name == "ContentVersion":
            try:
                w.blob = prepare_version(record, w.op == "insert")
            except OrgError as exc:
                w.errors.append(exc)
        w.record = {k: v for k, v in record.items() if k in od.fields}
        for fname, value in w.values.items():
            f = od.fields.get(fname)
            if value and f is not None and f["type"] == "reference":
                w.refs.append((fname, value))

    def _check_references(self, od: ObjectDef, work: list[_Row]) -> None:
        """Every reference must name a live record of an allowed type."""
        wanted = {normalize(v) for w in work if not w.errors for _, v in w.refs}
        wanted.discard(None)
        found = self.org.store.get_many(i for i in wanted if i)
        definition = self.org.definition
        for w in work:
            if w.errors:
                continue
            for fname, value in w.refs:
                f = od.fields[fname]
                label = f.get("label") or fname
                rid = normalize(value)
                if rid is None:
                    w.errors.append(OrgError(400, "MALFORMED_ID",
                                             f"{label}: id value of incorrect type: {value}",
                                             (fname,)))
                    continue
                target = definition.object_for_prefix(rid[:3])
                if target is None or target not in (f.get("referenceTo") or []):
                    w.errors.append(OrgError(400, "FIELD_INTEGRITY_EXCEPTION",
                                             f"{label}: id value of incorrect type: {value}",
                                             (fname,)))
                    continue
                hit = found.get(rid)
                if hit is None or hit[1] or hit[0] != target:
                    w.errors.append(OrgError(400, "INVALID_CROSS_REFERENCE_KEY",
                                             "invalid cross reference id", (fname,)))
                    continue
                w.record[fname] = rid

    def _check_unique(self, od: ObjectDef, work: list[_Row]) -> None:
        """External ids and other unique values must not repeat (case-insensitively)."""
        fields = self.unique_fields(od)
        if not fields:
            return
        store = self.org.store
        claimed: dict[tuple[str, str], int] = {}
        for index, w in enumerate(work):
            if w.errors:
                continue
            for fname in fields:
                value = w.record.get(fname)
                if value in (None, ""):
                    continue
                key = (fname, str(value).lower())
                holder = store.find_unique(od.name, fname, key[1])
                if key in claimed or (holder is not None and holder != w.rid):
                    other = holder or "(another record in this request)"
                    if fname == "Username" and od.name == "User":
                        w.errors.append(OrgError(400, "DUPLICATE_USERNAME",
                                                 "Duplicate Username.<br>The username already "
                                                 "exists in this or another Salesforce "
                                                 "organization. Usernames must be unique across "
                                                 "all Salesforce organizations.", (fname,)))
                    else:
                        w.errors.append(OrgError(400, "DUPLICATE_VALUE",
                                                 f"duplicate value found: {fname} duplicates value "
                                                 f"on record with id: {other}", (fname,)))
                    break
                claimed[key] = index

    def _commit(self, od: ObjectDef, rows: list[_Row], user_id: str) -> None:
        """Write accepted rows (and what they create besides) in one transaction."""
        if not rows:
            return
        store = self.org.store
        fields = self.unique_fields(od)
        with store.transaction() as conn:
            inserts = [w for w in rows if w.op == "insert"]
            if inserts:
                first = store.allocate(od.key_prefix, len(inserts))
                named = _text_name(od)
                for n, w in enumerate(inserts):
                    w.rid = make_id(od.key_prefix, first + n)
                    w.record["Id"] = w.rid
                    if named and not w.record.get("Name"):
                        # A custom object's record inserted without a name is named
                        # after its 15-character Id (salesforce.stackexchange.com
                        # /questions/139392; Name is defaultedOnCreate in describes).
                        w.record["Name"] = w.rid[:15]
                for auto in _autonumber_fields(od):
                    start = store.allocate(f"auto:{od.name}.{auto}", len(inserts))
                    for n, w in enumerate(inserts):
                        w.record[auto] = f"{start + n + 1000:08d}"
            unique_rows = []
            for w in rows:
                assert w.rid is not None
                if w.op == "update" and fields:
                    store.release_unique(conn, w.rid, fields)
                for fname in fields:
                    value = w.record.get(fname)
                    if value not in (None, ""):
                        unique_rows.append((od.name, fname, str(value).lower(), w.rid))
            if od.name == "ContentVersion":
                after_versions(self, conn, rows, user_id)
            store.put_records(conn, ((w.rid, od.name, False, w.record) for w in rows if w.rid))
            if od.name == "OpportunityLineItem":
                roll_up(conn, (str(w.record.get("OpportunityId")) for w in rows))
            if unique_rows:
                store.set_unique(conn, unique_rows)

    # -- deletes -----------------------------------------------------------------

    def delete(
        self, values: Iterable[str], *, user_id: str, hard: bool = False,
        all_or_none: bool = False, expected: ObjectDef | None = None,
    ) -> list[Outcome]:
        """Delete records by Id (to the recycle bin, or for good with ``hard``),
        cascading to master-detail children and file links."""
        with self.org.store.transaction():
            return self._delete(values, user_id=user_id, hard=hard, all_or_none=all_or_none,
                                expected=expected)

    def _delete(
        self, values: Iterable[str], *, user_id: str, hard: bool, all_or_none: bool,
        expected: ObjectDef | None,
    ) -> list[Outcome]:
        raw = list(values)
        ids = [normalize(v) if isinstance(v, str) else None for v in raw]
        found = self.org.store.get_many(i for i in ids if i)
        outcomes: list[Outcome] = []
        victims: dict[str, str] = {}
        for value, rid in zip(raw, ids, strict=True):
            if rid is None or (expected is not None and not rid.startswith(expected.key_prefix)):
                outcomes.append(Outcome(None, False, (OrgError(
                    400, "MALFORMED_ID", f"bad id {value}", ("Id",)),)))
                continue
            hit = found.get(rid)
            if rid in victims:
                outcomes.append(Outcome(None, False, (OrgError(
                    400, "INVALID_ID_FIELD", f"Duplicate id in list: {value}", ("Id",)),)))
            elif hit is None:
                outcomes.append(Outcome(None, False, (OrgError(
                    404, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id"),)))
            elif hit[1] and not hard:
                outcomes.append(Outcome(None, False, (OrgError(
                    404, "ENTITY_IS_DELETED", "entity is deleted"),)))
            elif self.org.faults.lock_row():
                outcomes.append(Outcome(None, False, (OrgError(
                    400, "UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to this record"),)))
            else:
                od = self.org.definition.find(hit[0])
                if od is not None and not od.describe.get("deletable", True):
                    outcomes.append(Outcome(None, False, (OrgError(
                        400, "INVALID_TYPE_FOR_OPERATION",
                        f"entity type cannot be deleted: {od.name}"),)))
                    continue
                victims[rid] = hit[0]
                outcomes.append(Outcome(rid))
        if all_or_none and any(not o.ok for o in outcomes):
            return [o if not o.ok else Outcome(None, False, (rolled_back(),)) for o in outcomes]
        if victims:
            self._remove(victims, hard=hard, user_id=user_id)
        return outcomes

    def _remove(self, victims: dict[str, str], *, hard: bool, user_id: str) -> None:
        store = self.org.store
        # Breadth-first over cascades; one scan per child object and level.
        level = dict(victims)
        everything = dict(victims)
        root_of = {rid: rid for rid in victims}  # each cascade victim's deleted ancestor
        while level:
            by_object: dict[str, set[str]] = {}
            for rid, obj in level.items():
                by_object.setdefault(obj, set()).add(rid)
            nxt: dict[str, str] = {}
            for obj, parents in by_object.items():
                links = list(CASCADES.get(obj, ())) + [("ContentDocumentLink", "LinkedEntityId")]
                links += [(child, fname) for child, fname, cascade
                          in self.org.definition.children(obj) if cascade]
                for child, fname in links:
                    for rec in store.scan(child):
                        if rec.get(fname) in parents and rec["Id"] not in everything:
                            nxt[rec["Id"]] = child
                            root_of[rec["Id"]] = root_of[rec[fname]]
            everything.update(nxt)
            level = nxt
        now = sf_datetime(self.org.now())
        with store.transaction() as conn:
            if hard:
                store.remove_records(conn, everything)
                return
            current = store.get_many(everything)
            rows = []
            for rid, (obj, _, data) in current.items():
                if root_of.get(rid, rid) != rid:
                    # Deleted with its parent: undeleting the parent brings it back too.
                    data[DELETED_WITH] = root_of[rid]
                data["IsDeleted"] = True
                data["LastModifiedDate"] = data["SystemModstamp"] = now
                data["LastModifiedById"] = user_id
                rows.append((rid, obj, True, data))
                store.release_unique(conn, rid)
            store.put_records(conn, rows)


    # -- undelete ----------------------------------------------------------------

    def undelete(self, values: Iterable[str], *, user_id: str) -> list[Outcome]:
        """Bring records back from the recycle bin with their Ids, as the SOAP API's
        ``undelete()`` does: each with the records deleted along with it (cascade), its
        unique values claimed again. A record that is not in the recycle bin fails
        (``UNDELETE_FAILED``), as does one whose unique value another record took
        meanwhile (``DUPLICATE_VALUE``)."""
        with self.org.store.transaction():
            return self._undelete(list(values), user_id=user_id)

    def _undelete(self, raw: list[str], *, user_id: str) -> list[Outcome]:
        store = self.org.store
        ids = [normalize(v) if isinstance(v, str) else None for v in raw]
        found = store.get_many(i for i in ids if i)
        outcomes: list[Outcome] = []
        back: dict[str, tuple[str, dict[str, Any]]] = {}
        for value, rid in zip(raw, ids, strict=True):
            hit = found.get(rid) if rid is not None else None
            if rid is None:
                outcomes.append(Outcome(None, False, (OrgError(400, "MALFORMED_ID", f"bad id {value}", ("Id",)),)))
            elif hit is None:
                outcomes.append(Outcome(None, False, (OrgError(
                    400, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id"),)))
            elif not hit[1]:
                outcomes.append(Outcome(None, False, (OrgError(
                    400, "UNDELETE_FAILED", "Entity is not in the recycle bin"),)))
            else:
                clash = self._unique_clash(hit[0], rid, hit[2])
                if clash is not None:
                    outcomes.append(Outcome(None, False, (clash,)))
                    continue
                back[rid] = (hit[0], hit[2])
                outcomes.append(Outcome(rid))
        if back:
            cascade = [(str(data["Id"]), obj, data) for obj in self.org.definition.names()
                       for data in store.scan(obj, include_deleted=True)
                       if data.get(DELETED_WITH) in back and data["Id"] not in back]
            for child, obj, data in cascade:
                back[child] = (obj, data)
            now = sf_datetime(self.org.now())
            with store.transaction() as conn:
                unique_rows = []
                rows = []
                for rid, (obj, data) in back.items():
                    data.pop(DELETED_WITH, None)
                    data["IsDeleted"] = False
                    data["LastModifiedDate"] = data["SystemModstamp"] = now
                    data["LastModifiedById"] = user_id
                    rows.append((rid, obj, False, data))
                    od = self.org.definition.find(obj)
                    for fname in self.unique_fields(od) if od is not None else ():
                        if data.get(fname) not in (None, ""):
                            unique_rows.append((obj, fname, str(data[fname]).lower(), rid))
                store.put_records(conn, rows)
                if unique_rows:
                    store.set_unique(conn, unique_rows)
        return outcomes

    def _unique_clash(self, obj: str, rid: str, data: Mapping[str, Any]) -> OrgError | None:
        od = self.org.definition.find(obj)
        for fname in self.unique_fields(od) if od is not None else ():
            value = data.get(fname)
            if value in (None, ""):
                continue
            holder = self.org.store.find_unique(obj, fname, str(value).lower())
            if holder is not None and holder != rid:
                return OrgError(400, "DUPLICATE_VALUE",
                                f"duplicate value found: {fname} duplicates value on record with id: {holder}",
                                (fname,))
        return None


DELETED_WITH = "$deletedWith"
"""Kept on a record deleted in cascade with its parent: the parent's Id (never
returned: reads name their fields)."""

_DEFAULTS: dict[int, tuple[ObjectDef, dict[str, Any]]] = {}


def _defaults(od: ObjectDef, user_id: str) -> dict[str, Any]:
    """Values Salesforce fills in on create when the row leaves them out (the
    per-object part computed once: the bulk path calls this per row)."""
    hit = _DEFAULTS.get(id(od))
    if hit is None or hit[0] is not od:
        hit = _DEFAULTS[id(od)] = (od, _default_template(od))
    out = dict(hit[1])
    if "OwnerId" in out:
        out["OwnerId"] = user_id
    return out


def _default_template(od: ObjectDef) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, f in od.fields.items():
        ftype = f["type"]
        if ftype == "boolean":
            default = f.get("defaultValue")
            out[name] = bool(default) if isinstance(default, bool) else False
        elif ftype in ("picklist", "multipicklist") and f.get("defaultedOnCreate", False):
            for p in f.get("picklistValues") or []:
                if p.get("defaultValue") and p.get("active", True):
                    out[name] = p["value"]
        elif name == "OwnerId" and ftype == "reference":
            out[name] = None
    out["IsDeleted"] = False
    return out


def _text_name(od: ObjectDef) -> bool:
    """Is ``od`` a custom object whose ``Name`` is text (not an auto number)?"""
    name = od.fields.get("Name")
    return bool(od.describe.get("custom")) and name is not None and not name.get("autoNumber")


def _autonumber_fields(od: ObjectDef) -> list[str]:
    return [n for n, f in od.fields.items() if f.get("autoNumber")]


def _address(data: Mapping[str, Any], compound: str) -> dict[str, Any] | None:
    """The compound address value built from its component fields."""
    prefix = compound.removesuffix("Address")
    parts = {
        "city": data.get(f"{prefix}City"), "country": data.get(f"{prefix}Country"),
        "geocodeAccuracy": data.get(f"{prefix}GeocodeAccuracy"),
        "latitude": data.get(f"{prefix}Latitude"), "longitude": data.get(f"{prefix}Longitude"),
        "postalCode": data.get(f"{prefix}PostalCode"), "state": data.get(f"{prefix}State"),
        "street": data.get(f"{prefix}Street"),
    }
    return parts if any(v is not None for v in parts.values()) else None


def dumps(value: Any) -> str:
    """JSON text of an API response body."""
    return json.dumps(value, separators=(",", ":"))


def duplicated(keys: Sequence[str | None]) -> set[str]:
    """The keys given more than once (``None``: no key)."""
    seen: set[str] = set()
    twice: set[str] = set()
    for key in keys:
        if key is not None:
            (twice if key in seen else seen).add(key)
    return twice


def duplicate_external_id(field: str, value: object) -> OrgError:
    """The error of every row of one upsert that repeats an external id value."""
    return OrgError(400, "DUPLICATE_VALUE", f"Duplicate external id specified: {value}", (field,))
