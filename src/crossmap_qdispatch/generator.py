"""A deterministic, seeded generator of realistic and hostile Q Dispatch data.

``generate(seed, scale)`` yields every record of every object lazily: record ``i`` of
an object is a pure function of ``(seed, object, i)`` and the parent walk keeps only
counters, so memory stays flat at any scale and asking for one object skips building
the others' records. Records are in wire form (what the API returns as JSON), with the
quirks real field-service APIs show: booleans as ``"1"``/``"0"``, money as integer
cents, quantities as decimal strings, blank legacy dates as ``0000-00-00``.

Hostile on purpose: unicode and padded names, missing and empty fields, duplicate and
mixed-case emails, technicians whose email matches no Salesforce user, multi-location
customers, several contacts per customer, every job status with its history,
multi-technician jobs (each job lists its technicians, ``assigned_technician_ids``,
consistent with its assignments), all-day and recurring appointments, decimal
quantities with line totals that are mostly rate x quantity but sometimes rounded down
or edited by hand, long
notes, real PNG/JPEG/PDF attachments, custom properties holding dropdown values that
were since removed, soft-deleted and merged records, many records sharing one
``updated_at`` (a legacy import), and children edited after their parent.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from attrs import field, frozen

from crossmap_qdispatch import files
from crossmap_qdispatch.objects import JOB_STATUSES, OBJECT_NAMES
from crossmap_qdispatch.vocabulary import (
    CITIES,
    COMPANIES,
    FIRST,
    JOB_TITLES,
    LAST,
    NOTE_LINES,
    SERVICE_TYPES,
    SKILLS,
    STREETS,
)

EPOCH = datetime(2023, 1, 1, tzinfo=UTC)
DATA_NOW = datetime(2025, 6, 1, tzinfo=UTC)
"""The generated data's 'today': every generated timestamp is at or before it."""
LEGACY_IMPORT = datetime(2024, 1, 15, 3, 0, 0, tzinfo=UTC)
"""A bulk import stamped many records with this one ``updated_at``: naive cursors that
page by timestamp alone skip or repeat records here."""

SALESFORCE_DOMAIN = "fieldco.example"
"""Technicians with an email at this domain have a matching Salesforce user; the rest
(personal addresses, contractors, none at all) must be flagged before loading."""

Record = dict[str, Any]


@frozen(eq=False)
class Generated:
    """One generated record of ``object``; ``deleted_at`` marks a soft delete and
    ``merged_into`` the surviving record's id when it was merged away."""

    object: str
    record: Record = field(repr=False)
    deleted_at: str | None = None
    merged_into: str | None = None

    @property
    def live(self) -> bool:
        """Whether the API still lists the record (deleted ones become tombstones)."""
        return self.deleted_at is None


def ts(moment: datetime) -> str:
    """The API's timestamp format: ISO 8601, UTC, whole seconds, ``Z`` suffix."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _rng(seed: int, *parts: object) -> random.Random:
    # String seeds are hashed with SHA-512 by ``random``: stable across runs and
    # platforms, unlike ``hash()``.
    return random.Random("/".join([str(seed), *map(str, parts)]))


# Custom property definitions: typed by a separate endpoint, values always strings on
# the job. ``removed`` options no longer appear in the definition but remain on jobs.
CUSTOM_PROPERTY_DEFINITIONS: tuple[Record, ...] = (
    {"key": "equipment_model", "label": "Equipment Model", "type": "text", "options": None,
     "removed_options": ()},
    {"key": "parts_used", "label": "Parts Used", "type": "long_text", "options": None,
     "removed_options": ()},
    {"key": "site_conditions", "label": "Site Conditions", "type": "dropdown",
     "options": ("Clear access", "Confined space", "Roof access", "Pets on site",
                 "Hazardous materials"),
     "removed_options": ("Asbestos suspected",)},
    {"key": "service_tier", "label": "Service Tier", "type": "dropdown",
     "options": ("Bronze", "Silver", "Gold"), "removed_options": ("Platinum",)},
    {"key": "warranty_claim", "label": "Warranty Claim", "type": "boolean", "options": None,
     "removed_options": ()},
    {"key": "estimated_hours", "label": "Estimated Hours", "type": "number", "options": None,
     "removed_options": ()},
    {"key": "install_date", "label": "Install Date", "type": "date", "options": None,
     "removed_options": ()},
)


def custom_property_definitions() -> list[Record]:
    """The definitions endpoint's records (removed dropdown options are not listed)."""
    out = []
    for d in CUSTOM_PROPERTY_DEFINITIONS:
        out.append({
            "key": d["key"], "label": d["label"], "type": d["type"],
            "options": list(d["options"]) if d["options"] is not None else None,
            "applies_to": "jobs", "required": False,
            "created_at": ts(EPOCH), "updated_at": ts(LEGACY_IMPORT),
        })
    return out


def counts_hint(scale: int) -> dict[str, int]:
    """Rough record counts per object at ``scale`` (used to size timestamp batches)."""
    return {
        "technicians": 3 + 2 * scale, "customers": 15 * scale, "customer_locations": 8 * scale,
        "contacts": 35 * scale, "jobs": 40 * scale, "technician_assignments": 55 * scale,
        "appointments": 45 * scale, "line_items": 90 * scale, "job_notes": 50 * scale,
        "attachments": 15 * scale, "communications": 40 * scale, "invoices": 15 * scale,
        "payments": 15 * scale,
    }


class _Walk:
    """The parent-to-child walk; builds full records only for the wanted objects."""

    def __init__(self, seed: int, scale: int, want: set[str]) -> None:
        self.seed, self.scale, self.want = seed, scale, want
        self.hint = counts_hint(scale)
        self.n_technicians = 3 + 2 * scale
        self.counters = dict.fromkeys(OBJECT_NAMES, 0)

    # --- shared helpers -------------------------------------------------------
    def next_id(self, obj: str, prefix: str) -> tuple[int, str]:
        index = self.counters[obj]
        self.counters[obj] = index + 1
        return index, f"{prefix}_{index + 1:07d}"

    def stamps(self, rng: random.Random, obj: str, floor: datetime = EPOCH) -> tuple[str, str]:
        """(created_at, updated_at): updated_at falls on a shared batch timestamp so
        many records tie; a fifth of the records carry the legacy import's stamp."""
        if rng.random() < 0.2 and floor <= LEGACY_IMPORT:
            updated = LEGACY_IMPORT
        else:
            batches = max(3, self.hint[obj] // 5)
            span = (DATA_NOW - floor).total_seconds()
            slot = rng.randrange(batches)
            updated = floor + timedelta(seconds=int(span * (slot + 1) / (batches + 1)))
        created = max(floor, updated - timedelta(days=rng.randrange(0, 300)))
        return ts(created), ts(updated)

    def tombstone(self, rng: random.Random, rec: Record, rate: float) -> str | None:
        if rng.random() >= rate:
            return None
        updated = datetime.fromisoformat(rec["updated_at"])
        return ts(min(DATA_NOW, updated + timedelta(hours=rng.randrange(1, 24 * 30))))

    def person(self, rng: random.Random) -> tuple[str, str]:
        return rng.choice(FIRST), rng.choice(LAST)

    def email(self, rng: random.Random, first: str, last: str, domain: str) -> str | None:
        roll = rng.random()
        if roll < 0.07:
            return None
        if roll < 0.12:
            return ""
        local = "".join(ch for ch in f"{first}.{last}".strip().lower() if ch.isascii() and
                        (ch.isalnum() or ch in ".-'"))
        local = local.strip(".") or "info"
        address = f"{local}@{domain}"
        if rng.random() < 0.3:
            # Mixed case: the same mailbox written differently by different users.
            address = f"{local.capitalize()}@{domain.upper()}"
        return address

    def phone(self, rng: random.Random) -> str | None:
        roll = rng.random()
        if roll < 0.08:
            return None
        if roll < 0.12:
            return ""
        return rng.choice(("+1 (555) {}-{}", "555.{}.{}", "+49 89 {} {}")).format(
            rng.randrange(100, 999), rng.randrange(1000, 9999)
        )

    def address(self, rng: random.Random) -> Record:
        city, region, country = rng.choice(CITIES)
        return {
            "line1": f"{rng.randrange(1, 9999)} {rng.choice(STREETS)}",
            "line2": rng.choice((None, "", "Suite 200", "Apt. 4B", "Bâtiment C")),
            "city": city, "region": region, "postal_code": f"{rng.randrange(10000, 99999)}",
            "country": country,
        }

    def technician_id(self, rng: random.Random) -> str:
        return f"tec_{rng.randrange(self.n_technicians) + 1:07d}"

    # --- the walk ---------------------------------------------------------------
    def run(self) -> Iterator[Generated]:
        for _ in range(self.n_technicians):
            yield from self.technician()
        for _ in range(15 * self.scale):
            yield from self.customer()

    def technician(self) -> Iterator[Generated]:
        index, tid = self.next_id("technicians", "tec")
        if "technicians" not in self.want:
            return
        rng = _rng(self.seed, "technicians", index)
        first, last = self.person(rng)
        domain = SALESFORCE_DOMAIN if rng.random() < 0.7 else rng.choice(
            ("gmail.example", "contractor-mail.example"))
        created, updated = self.stamps(rng, "technicians")
        skills = [
            {"name": s, "certified": rng.random() < 0.7,
             "expires_on": rng.choice((None, f"{rng.randrange(2024, 2028)}-{rng.randrange(1, 13):02d}-01"))}
            for s in rng.sample(SKILLS, rng.randrange(0, 4))
        ]
        rec = {
            "id": tid, "first_name": first, "last_name": last,
            "display_name": f"{first.strip()} {last.strip()}",
            "email": self.email(rng, first, last, domain), "phone": self.phone(rng),
            # At least one inactive technician at every scale.
            "active": rng.random() > 0.15 and index % 5 != 3, "skills": skills,
            "hourly_rate_cents": rng.randrange(2500, 9500, 25),
            "hired_on": (EPOCH.date() - timedelta(days=rng.randrange(0, 3000))).isoformat(),
            "created_at": created, "updated_at": updated,
        }
        yield Generated("technicians", rec)

    def customer(self) -> Iterator[Generated]:
        index, cid = self.next_id("customers", "cus")
        skel = _rng(self.seed, "customers-skel", index)
        n_locations = 0 if skel.random() < 0.6 else skel.randrange(1, 4)
        n_contacts = 0 if skel.random() < 0.08 else skel.randrange(1, 5)
        n_jobs = skel.randrange(0, 6)
        n_comms = skel.randrange(0, 5)
        deleted_roll = skel.random()
        if "customers" in self.want:
            yield self.customer_record(index, cid, deleted_roll)
        location_ids = [self.location(cid) for _ in range(n_locations)]
        yield from (g for g in location_ids if isinstance(g, Generated))
        locs = [g.record["id"] if isinstance(g, Generated) else g for g in location_ids]
        for _ in range(n_contacts):
            yield from self.contact(cid)
        job_ids: list[str] = []
        for _ in range(n_jobs):
            yield from self.job(cid, locs, job_ids)
        for _ in range(n_comms):
            yield from self.communication(cid, job_ids)

    def customer_record(self, index: int, cid: str, deleted_roll: float) -> Generated:
        rng = _rng(self.seed, "customers", index)
        commercial = rng.random() < 0.35
        first, last = self.person(rng)
        company = rng.choice(COMPANIES) if commercial else None
        # Households share an address: a duplicate email across customers.
        email_rng = _rng(self.seed, "household", index // 3) if rng.random() < 0.3 else rng
        created, updated = self.stamps(rng, "customers")
        rec = {
            "id": cid, "type": "commercial" if commercial else "residential",
            "display_name": company or f"{first.strip()} {last.strip()}",
            "first_name": first if not commercial or rng.random() < 0.5 else None,
            "last_name": last, "company_name": company,
            "email": self.email(email_rng, first, last, "mail.example"),
            "phone": self.phone(rng), "billing_address": self.address(rng),
            "credit_status": rng.choice(("good", "good", "good", "hold", "cod", "review")),
            "preferred_service_windows": rng.sample(("morning", "afternoon", "evening"),
                                                    rng.randrange(0, 3)),
            "account_manager_id": self.technician_id(rng) if rng.random() < 0.5 else None,
            "active": rng.random() > 0.12 and index % 15 != 8,
            "balance_cents": rng.choice((0, 0, rng.randrange(-5000, 250000))),
            "tax_exempt": rng.choice(("1", "0", "0", "0")),
            "notes": rng.choice((None, "", "VIP — always send senior tech.", "\n".join(
                rng.choices(NOTE_LINES, k=rng.randrange(1, 40))))),
            "created_at": created, "updated_at": updated,
        }
        deleted = merged = None
        # At least one soft-deleted and one merged customer at every scale.
        if deleted_roll < 0.04 or index % 15 in (5, 11):
            deleted = self.tombstone(rng, rec, 1.0)
            if index > 0 and (deleted_roll < 0.02 or index % 15 == 11):
                merged = f"cus_{rng.randrange(index) + 1:07d}"
        return Generated("customers", rec, deleted, merged)

    def location(self, cid: str) -> Generated | str:
        index, lid = self.next_id("customer_locations", "loc")
        if "customer_locations" not in self.want:
            return lid
        rng = _rng(self.seed, "customer_locations", index)
        created, updated = self.stamps(rng, "customer_locations")
        rec = {
            "id": lid, "customer_id": cid,
            "label": rng.choice(("Warehouse", "Site B", "Lake house", "Store #12", "", None)),
            "address": self.address(rng),
            "access_notes": rng.choice((None, "Key at front desk", "Gate code 4417#", "")),
            "active": rng.random() > 0.1, "created_at": created, "updated_at": updated,
        }
        return Generated("customer_locations", rec)

    def contact(self, cid: str) -> Iterator[Generated]:
        index, kid = self.next_id("contacts", "con")
        if "contacts" not in self.want:
            return
        rng = _rng(self.seed, "contacts", index)
        first, last = self.person(rng)
        created, updated = self.stamps(rng, "contacts")
        rec = {
            "id": kid, "customer_id": cid, "first_name": first, "last_name": last,
            "email": self.email(rng, first, last, rng.choice(("mail.example", "corp.example"))),
            "phone": self.phone(rng), "role": rng.choice(("site", "billing", "dispatch")),
            "is_primary": rng.random() < 0.4, "sms_opt_in": rng.choice(("1", "0")),
            "created_at": created, "updated_at": updated,
        }
        yield Generated("contacts", rec, self.tombstone(rng, rec, 0.03))

    def job(self, cid: str, locations: list[str], job_ids: list[str]) -> Iterator[Generated]:
        index, jid = self.next_id("jobs", "job")
        job_ids.append(jid)
        skel = _rng(self.seed, "jobs-skel", index)
        status = JOB_STATUSES[index % len(JOB_STATUSES)] if index < 12 else skel.choice(
            JOB_STATUSES + ("Completed", "Completed"))
        opened = EPOCH + timedelta(minutes=skel.randrange(0, 60 * 24 * 800))
        counts = {
            "technician_assignments": 0 if status == "Pending" else (
                1 if skel.random() < 0.6 else skel.randrange(2, 4)),
            "appointments": skel.randrange(0 if status in ("Pending", "Cancelled") else 1, 3),
            "line_items": skel.randrange(0, 5), "job_notes": skel.randrange(0, 4),
            "attachments": skel.randrange(1, 3) if skel.random() < 0.3 else 0,
            "invoices": 1 if status == "Completed" or (
                status == "In Progress" and skel.random() < 0.3) else 0,
        }
        if "jobs" in self.want:
            # The job lists its technicians the way the assignments it is about to get
            # name them: the next ``n`` assignment indexes are this job's.
            first = self.counters["technician_assignments"]
            assigned = assigned_technicians(
                self.assignment_record(i, "", opened)["technician_id"]
                for i in range(first, first + counts["technician_assignments"]))
            yield self.job_record(index, jid, cid, locations, status, opened, assigned)
        for _ in range(counts["technician_assignments"]):
            yield from self.assignment(jid, opened)
        for _ in range(counts["appointments"]):
            yield from self.appointment(jid, opened)
        for _ in range(counts["line_items"]):
            yield from self.line_item(jid)
        for _ in range(counts["job_notes"]):
            yield from self.note(jid)
        for _ in range(counts["attachments"]):
            yield from self.attachment(jid)
        for _ in range(counts["invoices"]):
            yield from self.invoice(jid, cid, opened)

    def job_record(self, index: int, jid: str, cid: str, locations: list[str], status: str,
                   opened: datetime, assigned: list[str]) -> Generated:
        rng = _rng(self.seed, "jobs", index)
        path = list(JOB_STATUSES[: JOB_STATUSES.index(status) + 1])
        if status == "Cancelled":
            path = list(JOB_STATUSES[: rng.randrange(1, 4)]) + ["Cancelled"]
        history, moment = [], opened
        for step in path:
            history.append({"status": step, "changed_at": ts(moment),
                            "changed_by_id": self.technician_id(rng) if step != "Pending" else None})
            moment += timedelta(minutes=rng.randrange(5, 60 * 48))
        completed = history[-1]["changed_at"] if status == "Completed" else (
            "0000-00-00 00:00:00" if rng.random() < 0.1 else None)
        props = []
        for d in CUSTOM_PROPERTY_DEFINITIONS:
            if rng.random() < 0.45:
                continue
            props.append({"key": d["key"], "value": self.prop_value(rng, d)})
        created, updated = self.stamps(rng, "jobs", floor=EPOCH)
        description = rng.choice((None, "", rng.choice(NOTE_LINES), " ".join(
            rng.choices(NOTE_LINES, k=rng.randrange(50, 400)))))
        rec = {
            "id": jid, "number": f"J-{10000 + index}", "customer_id": cid,
            "location_id": rng.choice(locations) if locations and rng.random() < 0.7 else None,
            "title": rng.choice(JOB_TITLES), "description": description,
            "urgency": rng.choice(("low", "normal", "normal", "high", "emergency")),
            "channel": rng.choice(("phone", "web", "email", "app", "walk_in")),
            "status": status, "status_history": history, "completed_at": completed,
            "assigned_technician_ids": assigned, "custom_properties": props, "created_at": created, "updated_at": updated,
        }
        return Generated("jobs", rec, self.tombstone(rng, rec, 0.02))

    def prop_value(self, rng: random.Random, d: Record) -> str:
        kind = d["type"]
        if kind == "dropdown":
            choices = list(d["options"]) + list(d["removed_options"]) * 3
            return str(rng.choice(choices))
        if kind == "boolean":
            return rng.choice(("1", "0", "true", "false"))
        if kind == "number":
            return rng.choice(("1.5", "2", "0.25", "12.75", ""))
        if kind == "date":
            return rng.choice(("2021-04-30", "2019-11-02", "0000-00-00"))
        if kind == "long_text":
            return "; ".join(f"{rng.choice(('Filter', 'Valve', 'Fuse', 'Thermocouple'))} "
                             f"×{rng.randrange(1, 5)}" for _ in range(rng.randrange(1, 8)))
        return rng.choice(("Carrier 59TP6", "Lennox EL296V", "Rheem RTGH-95DVLN", "Трane XR", ""))

    def assignment(self, jid: str, opened: datetime) -> Iterator[Generated]:
        index, _ = self.next_id("technician_assignments", "asg")
        if "technician_assignments" not in self.want:
            return
        yield Generated("technician_assignments", self.assignment_record(index, jid, opened))

    def assignment_record(self, index: int, jid: str, opened: datetime) -> Record:
        """Assignment ``index``: a pure function of it, so its job can name the
        technician before the assignment itself is generated."""
        rng = _rng(self.seed, "technician_assignments", index)
        created, updated = self.stamps(rng, "technician_assignments")
        hours = rng.choice((None, "0", "1.5", "2.25", "7.75", "0.5", f"{rng.randrange(1, 12)}"))
        return {
            "id": f"asg_{index + 1:07d}", "job_id": jid, "technician_id": self.technician_id(rng),
            "role": rng.choice(("Primary", "Primary", "Secondary", "Helper")),
            "hours_worked": hours, "assigned_at": ts(opened + timedelta(hours=1)),
            "created_at": created, "updated_at": updated,
        }

    def appointment(self, jid: str, opened: datetime) -> Iterator[Generated]:
        index, pid = self.next_id("appointments", "apt")
        if "appointments" not in self.want:
            return
        rng = _rng(self.seed, "appointments", index)
        all_day = rng.random() < 0.15
        day = (opened + timedelta(days=rng.randrange(0, 14))).replace(hour=0, minute=0, second=0)
        if all_day:
            start, end = day, day + timedelta(days=1)
            window: tuple[str | None, str | None] = (None, None)
        else:
            start = day + timedelta(hours=rng.randrange(7, 17))
            end = start + timedelta(minutes=rng.choice((30, 60, 90, 120, 240)))
            window = (ts(start), ts(start + timedelta(hours=2)))
        created, updated = self.stamps(rng, "appointments")
        rec = {
            "id": pid, "job_id": jid,
            "technician_id": self.technician_id(rng) if rng.random() < 0.85 else None,
            "all_day": all_day, "start_at": ts(start), "end_at": ts(end),
            "arrival_window_start": window[0], "arrival_window_end": window[1],
            "timezone": rng.choice(("America/Chicago", "America/New_York", "Europe/Berlin")),
            "service_type": rng.choice(SERVICE_TYPES),
            "notes": rng.choice((None, "", rng.choice(NOTE_LINES))),
            "recurrence_rule": rng.choice((None, None, None, "FREQ=MONTHLY;INTERVAL=3;COUNT=4",
                                           "FREQ=WEEKLY;BYDAY=MO,TH", "FREQ=YEARLY")),
            "created_at": created, "updated_at": updated,
        }
        yield Generated("appointments", rec)

    def line_item(self, jid: str) -> Iterator[Generated]:
        index, lid = self.next_id("line_items", "lin")
        if "line_items" not in self.want:
            return
        rng = _rng(self.seed, "line_items", index)
        kind = rng.choice(("labor", "material", "flat_rate"))
        rate = rng.randrange(500, 45000, 5)
        quantity = {"labor": rng.choice(("0.25", "1.5", "2", "3.75")),
                    "material": rng.choice(("1", "2", "10", "0.333", "12.5")),
                    "flat_rate": "1"}[kind]
        total = line_total(rate, quantity)
        roll = rng.random()
        if roll < 0.06 or index % 40 == 17:
            # Rounded down by an older client: a cent short on fractional products.
            total = int((Decimal(rate) * Decimal(quantity)).quantize(Decimal(1), ROUND_DOWN))
        elif roll < 0.08 or index % 40 == 29:
            # Edited by hand after a discount agreed on site: the total no longer
            # matches rate x quantity, and only a check against them finds it.
            total = total - max(1, total // 10)
        created, updated = self.stamps(rng, "line_items")
        rec = {
            "id": lid, "job_id": jid, "kind": kind,
            "description": rng.choice(("Labour — standard rate", "Copper pipe ½\" (ft)",
                                       "Diagnostic fee", "Refrigerant R-410A (lb)", "")),
            "sku": rng.choice((None, f"SKU-{rng.randrange(1000, 9999)}")),
            "rate_cents": rate, "quantity": quantity, "total_cents": total,
            "taxable": kind == "material", "created_at": created, "updated_at": updated,
        }
        yield Generated("line_items", rec, self.tombstone(rng, rec, 0.02))

    def note(self, jid: str) -> Iterator[Generated]:
        index, nid = self.next_id("job_notes", "not")
        if "job_notes" not in self.want:
            return
        rng = _rng(self.seed, "job_notes", index)
        size = rng.choice((1, 2, 3, 5, 400))  # a few very long notes (tens of KB)
        created, updated = self.stamps(rng, "job_notes")
        rec = {
            "id": nid, "job_id": jid,
            "author_id": self.technician_id(rng) if rng.random() < 0.8 else None,
            "body": "\n".join(rng.choices(NOTE_LINES, k=size)),
            "visibility": rng.choice(("internal", "customer")),
            "created_at": created, "updated_at": updated,
        }
        yield Generated("job_notes", rec, self.tombstone(rng, rec, 0.02))

    def attachment(self, jid: str) -> Iterator[Generated]:
        index, aid = self.next_id("attachments", "att")
        if "attachments" not in self.want:
            return
        rng = _rng(self.seed, "attachments", index)
        content, mime, name = attachment_content(self.seed, aid)
        created, updated = self.stamps(rng, "attachments")
        rec = {
            "id": aid, "job_id": jid, "file_name": name, "content_type": mime,
            "size_bytes": len(content), "sha256": hashlib.sha256(content).hexdigest(),
            "description": rng.choice((None, "Before photo", "Signed work order", "")),
            "created_at": created, "updated_at": updated,
        }
        yield Generated("attachments", rec, self.tombstone(rng, rec, 0.03))

    def communication(self, cid: str, job_ids: list[str]) -> Iterator[Generated]:
        index, mid = self.next_id("communications", "com")
        if "communications" not in self.want:
            return
        rng = _rng(self.seed, "communications", index)
        channel = rng.choice(("call", "email", "sms"))
        created, updated = self.stamps(rng, "communications")
        rec = {
            "id": mid, "customer_id": cid,
            "job_id": rng.choice(job_ids) if job_ids and rng.random() < 0.6 else None,
            "channel": channel, "direction": rng.choice(("inbound", "outbound")),
            "occurred_at": created,
            "subject": rng.choice(("Appointment reminder", "Re: invoice", None))
            if channel == "email" else None,
            "body": rng.choice(NOTE_LINES) if channel != "call" else None,
            "duration_seconds": rng.randrange(0, 1800) if channel == "call" else None,
            "created_at": created, "updated_at": updated,
        }
        yield Generated("communications", rec)

    def invoice(self, jid: str, cid: str, opened: datetime) -> Iterator[Generated]:
        index, iid = self.next_id("invoices", "inv")
        skel = _rng(self.seed, "invoices-skel", index)
        n_payments = skel.randrange(0, 3)
        total = skel.randrange(5000, 500000)
        if "invoices" in self.want:
            rng = _rng(self.seed, "invoices", index)
            tax = total * 8 // 100
            issued = (opened + timedelta(days=rng.randrange(0, 10))).date()
            created, updated = self.stamps(rng, "invoices")
            rec = {
                "id": iid, "number": f"INV-{20000 + index}", "job_id": jid, "customer_id": cid,
                "status": rng.choice(("draft", "sent", "paid", "partially_paid", "void")),
                "issued_on": issued.isoformat(),
                "due_on": "0000-00-00" if rng.random() < 0.1 else
                (issued + timedelta(days=30)).isoformat(),
                "subtotal_cents": total - tax, "tax_cents": tax, "total_cents": total,
                "balance_cents": rng.choice((0, total, total // 2)),
                "created_at": created, "updated_at": updated,
            }
            yield Generated("invoices", rec)
        for _ in range(n_payments):
            yield from self.payment(iid, total)

    def payment(self, iid: str, total: int) -> Iterator[Generated]:
        index, pid = self.next_id("payments", "pay")
        if "payments" not in self.want:
            return
        rng = _rng(self.seed, "payments", index)
        created, updated = self.stamps(rng, "payments")
        rec = {
            "id": pid, "invoice_id": iid, "amount_cents": rng.choice((total, total // 2, 1999)),
            "method": rng.choice(("card", "cash", "check", "ach")), "received_at": created,
            "reference": rng.choice((None, f"CHK {rng.randrange(1000, 9999)}", "")),
            "created_at": created, "updated_at": updated,
        }
        yield Generated("payments", rec)


def line_total(rate_cents: int, quantity: str) -> int:
    """The total in cents Q Dispatch computes for a line item: rate x quantity,
    rounded half up to the cent."""
    return int((Decimal(rate_cents) * Decimal(quantity)).quantize(Decimal(1), ROUND_HALF_UP))


def assigned_technicians(technician_ids: Iterable[str | None]) -> list[str]:
    """A job's ``assigned_technician_ids`` for the technicians of its assignments (in
    assignment order): each technician once, however many assignments name them."""
    return list(dict.fromkeys(t for t in technician_ids if t))


def generate(seed: int, scale: int, objects: Iterable[str] | None = None) -> Iterator[Generated]:
    """Every generated record (live and deleted) of ``objects`` (default: all), lazily.

    Within one object records come in id order; across objects they interleave in the
    order of the parent walk (a customer, then its locations, contacts, jobs, ...).
    """
    if scale < 1:
        raise ValueError(f"scale must be at least 1, got {scale}")
    want = set(OBJECT_NAMES if objects is None else objects)
    unknown = want - set(OBJECT_NAMES)
    if unknown:
        raise ValueError(f"unknown Q Dispatch objects: {', '.join(sorted(unknown))}")
    return _Walk(seed, scale, want).run()


def records(seed: int, scale: int, object: str) -> Iterator[Generated]:
    """The generated records of one object, in id order."""
    return generate(seed, scale, [object])


def attachment_content(seed: int, attachment_id: str) -> tuple[bytes, str, str]:
    """(content, MIME type, file name) of an attachment, rebuilt from its id on demand
    so no attachment is ever stored."""
    rng = _rng(seed, "attachment-content", attachment_id)
    kind = rng.choice(("png", "png", "jpeg", "pdf"))
    stem = rng.choice(("photo", "Før bilde", "signed form", "IMG_2031", "site plan"))
    if kind == "png":
        big = rng.random() < 0.15
        side = rng.randrange(160, 320) if big else rng.randrange(4, 48)
        return files.png(side, side, rng, noisy=big), "image/png", f"{stem}.png"
    if kind == "jpeg":
        blocks = rng.randrange(1, 16)
        return files.jpeg(blocks, blocks, f"Q Dispatch {attachment_id}"), "image/jpeg", f"{stem}.jpg"
    lines = [f"Work order {attachment_id}", "Customer signature: ____________",
             *rng.choices(NOTE_LINES, k=rng.randrange(1, 20))]
    return files.pdf(lines), "application/pdf", f"{stem}.pdf"


def salesforce_user_emails(seed: int, scale: int) -> list[str]:
    """Emails of the generated technicians that have a Salesforce user (for seeding a
    destination org); technicians at other domains or without email have none."""
    out = []
    for g in records(seed, scale, "technicians"):
        email = g.record["email"]
        if email and email.lower().endswith("@" + SALESFORCE_DOMAIN):
            out.append(email.lower())
    return out
