"""The seeded generator: deterministic, lazy, and as hostile as real data."""

from __future__ import annotations

import hashlib
import json
import re
import struct
import tracemalloc
import zlib
from collections import Counter, defaultdict
from decimal import Decimal

import pytest

from crossmap_qdispatch import files
from crossmap_qdispatch.generator import (
    CUSTOM_PROPERTY_DEFINITIONS,
    LEGACY_IMPORT,
    SALESFORCE_DOMAIN,
    Generated,
    attachment_content,
    generate,
    line_total,
    records,
    salesforce_user_emails,
    ts,
)
from crossmap_qdispatch.objects import JOB_STATUSES, OBJECT_NAMES

SEED, SCALE = 3, 4
Data = dict[str, list[Generated]]


@pytest.fixture(scope="module")
def data() -> Data:
    out: Data = defaultdict(list)
    for g in generate(SEED, SCALE):
        out[g.object].append(g)
    return out


def _digest(seed: int, scale: int) -> str:
    h = hashlib.sha256()
    for g in generate(seed, scale):
        h.update(json.dumps([g.object, g.record, g.deleted_at, g.merged_into],
                            sort_keys=True).encode())
    return h.hexdigest()


def test_same_seed_same_data_and_other_seed_other_data() -> None:
    assert _digest(5, 1) == _digest(5, 1)
    assert _digest(5, 1) != _digest(6, 1)


def test_one_object_alone_equals_its_share_of_the_whole(data: Data) -> None:
    alone = [g.record for g in records(SEED, SCALE, "line_items")]
    assert alone == [g.record for g in data["line_items"]]
    assert [r["id"] for r in alone] == sorted(r["id"] for r in alone)


def test_every_object_is_generated_and_scale_grows_counts(data: Data) -> None:
    assert set(data) == set(OBJECT_NAMES)
    small = Counter(g.object for g in generate(SEED, 1))
    assert all(len(data[o]) >= small[o] for o in OBJECT_NAMES)
    assert len(data["customers"]) == 4 * small["customers"]


def test_memory_stays_flat_while_streaming() -> None:
    tracemalloc.start()
    try:
        count = sum(1 for _ in generate(11, 30, ["customers", "jobs", "line_items"]))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count > 3000
    assert peak < 2_000_000  # a few records at a time, never the data set


def test_unknown_object_and_bad_scale_are_rejected() -> None:
    with pytest.raises(ValueError, match="unknown Q Dispatch objects: nope"):
        list(generate(1, 1, ["nope"]))
    with pytest.raises(ValueError, match="scale"):
        generate(1, 0)


def test_names_emails_and_phones_are_hostile(data: Data) -> None:
    people = [g.record for g in data["contacts"]] + [g.record for g in data["technicians"]]
    names = [p["first_name"] + p["last_name"] for p in people]
    assert any(not n.isascii() for n in names)
    assert any(n != n.strip() for n in names)
    emails = [g.record["email"] for g in data["customers"]] + [p["email"] for p in people]
    assert None in emails and "" in emails
    assert any(e and e != e.lower() for e in emails)
    lowered = Counter(e.lower() for e in emails if e)
    assert any(n > 1 for n in lowered.values())
    assert any(p["phone"] in (None, "") for p in people)


def test_technicians_with_and_without_a_salesforce_user(data: Data) -> None:
    matched = salesforce_user_emails(SEED, SCALE)
    techs = [g.record for g in data["technicians"]]
    assert matched and all(e.endswith("@" + SALESFORCE_DOMAIN) for e in matched)
    assert len(matched) < len(techs)
    assert any(not t["active"] for t in techs)


def test_customers_have_several_locations_and_contacts(data: Data) -> None:
    locations = Counter(g.record["customer_id"] for g in data["customer_locations"])
    contacts = Counter(g.record["customer_id"] for g in data["contacts"])
    assert max(locations.values()) > 1
    assert max(contacts.values()) > 1
    assert {g.record["role"] for g in data["contacts"]} == {"site", "billing", "dispatch"}


def test_jobs_cover_every_status_with_consistent_history(data: Data) -> None:
    jobs = [g.record for g in data["jobs"]]
    assert {j["status"] for j in jobs} == set(JOB_STATUSES)
    for job in jobs:
        history = job["status_history"]
        assert history[0]["status"] == "Pending"
        assert history[-1]["status"] == job["status"]
        stamps = [h["changed_at"] for h in history]
        assert stamps == sorted(stamps)
        if job["status"] == "Completed":
            assert job["completed_at"] == history[-1]["changed_at"]
    assert any(j["completed_at"] == "0000-00-00 00:00:00" for j in jobs)


def test_multi_technician_jobs_and_decimal_hours(data: Data) -> None:
    per_job = Counter(g.record["job_id"] for g in data["technician_assignments"])
    assert max(per_job.values()) >= 2
    roles = {g.record["role"] for g in data["technician_assignments"]}
    assert roles == {"Primary", "Secondary", "Helper"}
    hours = [g.record["hours_worked"] for g in data["technician_assignments"]]
    assert any(h and "." in h for h in hours)


def test_appointments_all_day_and_recurring(data: Data) -> None:
    appts = [g.record for g in data["appointments"]]
    all_day = [a for a in appts if a["all_day"]]
    assert all_day and all(a["start_at"].endswith("T00:00:00Z") for a in all_day)
    assert any(a["recurrence_rule"] and a["recurrence_rule"].startswith("FREQ=") for a in appts)
    assert all(a["start_at"] < a["end_at"] for a in appts)


def test_line_items_have_decimal_quantities_and_mostly_consistent_totals(data: Data) -> None:
    items = [g.record for g in data["line_items"]]
    assert {i["kind"] for i in items} == {"labor", "material", "flat_rate"}
    assert any("." in i["quantity"] for i in items)
    kinds: Counter[str] = Counter()
    for i in items:
        exact = Decimal(i["rate_cents"]) * Decimal(i["quantity"])
        if i["total_cents"] == line_total(i["rate_cents"], i["quantity"]):
            kinds["rounded half up"] += 1
        elif 0 < exact - i["total_cents"] < 1:
            kinds["rounded down"] += 1  # a cent short: within any sensible tolerance
        else:
            kinds["edited"] += 1
            assert i["total_cents"] < exact - 1  # a discount: less than rate x quantity
    # Mostly consistent, with a few of each awkward kind.
    assert kinds["rounded half up"] > 0.85 * len(items)
    assert kinds["rounded down"] >= 1 and kinds["edited"] >= 1


def test_jobs_list_the_technicians_of_their_assignments(data: Data) -> None:
    by_job: dict[str, list[str]] = defaultdict(list)
    for g in data["technician_assignments"]:
        by_job[g.record["job_id"]].append(g.record["technician_id"])
    sizes: Counter[int] = Counter()
    for g in data["jobs"]:
        job = g.record
        assert job["assigned_technician_ids"] == list(dict.fromkeys(by_job[job["id"]]))
        sizes[len(job["assigned_technician_ids"])] += 1
    assert sizes[0] and sizes[1] and sum(n for k, n in sizes.items() if k >= 2)
    # Two assignments of one technician list the technician once.
    assert any(len(techs) > len(set(techs)) for techs in by_job.values())


def test_long_notes(data: Data) -> None:
    assert max(len(g.record["body"]) for g in data["job_notes"]) > 10_000


def test_custom_properties_include_removed_dropdown_values(data: Data) -> None:
    removed = {o for d in CUSTOM_PROPERTY_DEFINITIONS for o in d["removed_options"]}
    values = {p["value"] for g in data["jobs"] for p in g.record["custom_properties"]}
    assert removed & values
    assert all(isinstance(v, str) for v in values)


def test_soft_deleted_and_merged_records(data: Data) -> None:
    customers = data["customers"]
    deleted = [g for g in customers if not g.live]
    assert any(g.merged_into for g in deleted) and any(not g.merged_into for g in deleted)
    live_or_not = {g.record["id"] for g in customers}
    assert all(g.merged_into in live_or_not for g in deleted if g.merged_into)
    assert all(g.deleted_at >= g.record["updated_at"] for g in deleted)
    assert any(not g.live for g in data["jobs"] + data["contacts"] + data["line_items"])


def test_many_records_share_one_updated_at(data: Data) -> None:
    stamps = Counter(g.record["updated_at"] for g in data["line_items"])
    assert stamps[ts(LEGACY_IMPORT)] > 20  # spans several pages of 10
    assert sum(1 for n in stamps.values() if n > 1) > 5


def test_children_edited_after_their_parent(data: Data) -> None:
    job_updated = {g.record["id"]: g.record["updated_at"] for g in data["jobs"]}
    later = [g for g in data["line_items"] if g.record["updated_at"] > job_updated[g.record["job_id"]]]
    assert later


def _png_chunks(blob: bytes) -> list[tuple[bytes, bytes]]:
    assert blob[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, []
    while pos < len(blob):
        (length,) = struct.unpack(">I", blob[pos:pos + 4])
        kind, body = blob[pos + 4:pos + 8], blob[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", blob[pos + 8 + length:pos + 12 + length])
        assert crc == zlib.crc32(kind + body)
        chunks.append((kind, body))
        pos += 12 + length
    return chunks


def test_attachments_are_real_files_matching_their_metadata(data: Data) -> None:
    kinds = set()
    for g in data["attachments"]:
        content, mime, _name = attachment_content(SEED, g.record["id"])
        assert g.record["size_bytes"] == len(content)
        assert g.record["sha256"] == hashlib.sha256(content).hexdigest()
        assert g.record["content_type"] == mime
        kinds.add(mime)
        if mime == "image/png":
            chunks = _png_chunks(content)
            width, height = struct.unpack(">II", chunks[0][1][:8])
            raw = zlib.decompress(b"".join(b for k, b in chunks if k == b"IDAT"))
            assert len(raw) == height * (1 + 3 * width)
            assert chunks[-1][0] == b"IEND"
        elif mime == "image/jpeg":
            assert content[:2] == b"\xff\xd8" and content[-2:] == b"\xff\xd9"
            assert b"\xff\xc0" in content and b"\xff\xda" in content
        else:
            assert content.startswith(b"%PDF-1.4") and content.rstrip().endswith(b"%%EOF")
    assert kinds == {"image/png", "image/jpeg", "application/pdf"}


def test_pdf_xref_offsets_point_at_their_objects() -> None:
    blob = files.pdf(["Hello (world)", "Ünïcode \\ line"])
    found = re.search(rb"startxref\n(\d+)", blob)
    assert found is not None
    xref_at = int(found.group(1))
    assert blob[xref_at:xref_at + 4] == b"xref"
    offsets = [int(m) for m in re.findall(rb"(\d{10}) 00000 n", blob)]
    for number, offset in enumerate(offsets, start=1):
        assert blob[offset:].startswith(b"%d 0 obj" % number)


def test_jpeg_scan_matches_its_block_count() -> None:
    blob = files.jpeg(3, 2, "c")
    sof = blob.index(b"\xff\xc0")
    height, width = struct.unpack(">HH", blob[sof + 5:sof + 9])
    assert (width, height) == (24, 16)
    scan = blob[blob.index(b"\xff\xda") + 10:-2]
    assert len(scan) == 2  # 6 blocks x 2 bits = 12 bits, padded to 2 bytes
