"""Typed source records for every object the flagship plan maps, made fast.

``crossmap.testing.from_object`` draws records through Hypothesis, which is far too
slow for hundreds of thousands; these factories make plausible records directly,
flattened and typed as the Q Dispatch connector yields them, seeded so every run
maps the same data. Ids reference each other (jobs point at customers, line items
at jobs, ...) within ``CUSTOMERS`` customers, ``JOBS`` jobs and ``TECHNICIANS``
technicians, whose destination Ids ``lookup_ids`` gives.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

CUSTOMERS = 5000
JOBS = 20000
TECHNICIANS = 50
STATUSES = ("Pending", "Assigned", "En Route", "In Progress", "Completed", "Cancelled")
AT = dt.datetime(2024, 5, 1, 9, 30, tzinfo=dt.UTC)

Record = dict[str, Any]


def customer_id(i: int) -> str:
    """The source id of customer ``i`` (taken modulo ``CUSTOMERS``)."""
    return f"cus_{i % CUSTOMERS:05d}"


def job_id(i: int) -> str:
    """The source id of job ``i`` (taken modulo ``JOBS``)."""
    return f"job_{i % JOBS:07d}"


def technician_id(i: int) -> str:
    """The source id of technician ``i``; one in ten is unknown (the fallback user)."""
    return f"tec_{i % (TECHNICIANS + 5):03d}"


def lookup_ids() -> tuple[dict[str, dict[object, str]], dict[str, str]]:
    """Destination Ids of every parent the plan looks up, by step, and the
    technicians' fallback user: what a run's crosswalk would hold."""
    ids: dict[str, dict[object, str]] = {
        "customers->Account": {customer_id(i): f"001{i:015d}" for i in range(CUSTOMERS)},
        "jobs->Case": {job_id(i): f"500{i:015d}" for i in range(JOBS)},
        "technicians->User": {f"tec_{i:03d}": f"005{i:015d}" for i in range(TECHNICIANS)},
    }
    return ids, {"technicians->User": "005" + "9" * 15}


def jobs(count: int, seed: int = 7, *, history: bool = True) -> list[Record]:
    """Job records, with their status history (the CaseComment fan-out) unless
    ``history`` is false (B1 maps Job -> Case alone, which does not read it)."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        status = STATUSES[i % 6]
        changes = (
            [
                {
                    "status": s,
                    "changed_at": AT + dt.timedelta(hours=n),
                    "changed_by_id": technician_id(i + n),
                }
                for n, s in enumerate(STATUSES[: i % 6 + 1])
            ]
            if history
            else []
        )
        out.append(
            {
                "id": f"job_{i:07d}",
                "number": f"J-{10000 + i}",
                "customer_id": customer_id(i),
                "title": rng.choice(
                    ("  No heat ", "Leaking valve", "Annual service", "AC not cooling")
                ),
                "description": rng.choice(
                    (None, "", "Gate code 4417#", "Customer requests afternoon.")
                ),
                "urgency": rng.choice(("low", "normal", "high", "emergency")),
                "channel": rng.choice(("phone", "web", "email", "app", "walk_in")),
                "status": status,
                # None, one (the Case's owner) or two technicians (the fallback user).
                "assigned_technician_ids": [technician_id(i + n) for n in range(i % 3)],
                **({"status_history": changes} if history else {}),
                "completed_at": AT if status == "Completed" else None,
                "status_assigned_at": AT if status != "Pending" else None,
                "status_en_route_at": None,
                "status_in_progress_at": None,
                "status_cancelled_at": None,
                "custom_equipment_model": rng.choice((None, "Carrier 59TP6")),
                "custom_parts_used": rng.choice((None, "Filter ×2; Valve ×1")),
                "custom_site_conditions": rng.choice((None, "Roof access")),
                "custom_service_tier": rng.choice((None, "Gold")),
                "custom_warranty_claim": rng.choice((None, True, False)),
                "custom_estimated_hours": rng.choice((None, Decimal("1.5"))),
                "custom_install_date": rng.choice((None, dt.date(2021, 4, 30))),
            }
        )
    return out


def customers(count: int, seed: int = 1) -> list[Record]:
    """Customer records: residential people and commercial companies."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        commercial = i % 3 == 0
        out.append(
            {
                "id": customer_id(i),
                "type": "commercial" if commercial else "residential",
                "company_name": f"  Acme {i} Ltd " if commercial else None,
                "first_name": None if commercial else rng.choice(("Ana", "Bo", None)),
                # One residential customer in 50 has no name at all: the spec skips it.
                "last_name": None
                if commercial or i % 50 == 1
                else rng.choice(("Ng", "Okafor", "Smith")),
                "phone": rng.choice((None, "+1 555 0100")),
                "billing_address_line1": f"{i} Main St",
                "billing_address_city": "Springfield",
                "billing_address_region": "IL",
                "billing_address_postal_code": "62701",
                "billing_address_country": rng.choice(("US", None)),
                "credit_status": rng.choice(("good", "hold", "cod", "review")),
                "preferred_service_windows": rng.choice(([], ["morning"], ["morning", "evening"])),
                "account_manager_id": rng.choice((None, technician_id(i))),
                "notes": rng.choice((None, "Dog in yard.")),
            }
        )
    return out


def customer_locations(count: int, seed: int = 2) -> list[Record]:
    """Service addresses of customers."""
    rng = random.Random(seed)
    return [
        {
            "id": f"loc_{i:07d}",
            "customer_id": customer_id(i),
            "label": rng.choice((None, "Home", "Depot")),
            "address_line1": f"{i} Elm St",
            "address_city": "Springfield",
            "address_region": "IL",
            "address_postal_code": "62701",
            "address_country": "US",
            "access_notes": rng.choice((None, "Key under mat.")),
        }
        for i in range(count)
    ]


def contacts(count: int, seed: int = 3) -> list[Record]:
    """Contacts of customers, some with malformed emails or no last name."""
    rng = random.Random(seed)
    return [
        {
            "id": f"con_{i:07d}",
            "customer_id": customer_id(i),
            "first_name": rng.choice(("Ana", "Bo", None)),
            "last_name": rng.choice(("Ng", "", None)),
            "email": rng.choice((f" Person{i}@Example.com ", "not-an-email", None)),
            "phone": rng.choice((None, "+1 555 0101")),
            "role": rng.choice(("site", "billing", "dispatch")),
            "is_primary": rng.choice((None, True, False)),
        }
        for i in range(count)
    ]


def technician_assignments(count: int, seed: int = 4) -> list[Record]:
    """Technicians assigned to jobs (some technicians unknown: the fallback)."""
    rng = random.Random(seed)
    return [
        {
            "id": f"asg_{i:07d}",
            "job_id": job_id(i),
            "technician_id": technician_id(i),
            "role": rng.choice(("Primary", "Secondary", "Helper")),
            "hours_worked": rng.choice((None, Decimal("2.25"))),
        }
        for i in range(count)
    ]


def appointments(count: int, seed: int = 5) -> list[Record]:
    """Scheduled visits of jobs."""
    rng = random.Random(seed)
    return [
        {
            "id": f"apt_{i:07d}",
            "job_id": job_id(i),
            "technician_id": technician_id(i),
            "all_day": rng.choice((None, False, True)),
            "start_at": AT,
            "end_at": AT + dt.timedelta(hours=2),
            "service_type": rng.choice((None, "Repair", "Maintenance")),
            "notes": rng.choice((None, "Bring ladder.")),
            "recurrence_rule": rng.choice((None, "FREQ=YEARLY")),
        }
        for i in range(count)
    ]


def line_items(count: int, seed: int = 6) -> list[Record]:
    """Priced lines of jobs."""
    rng = random.Random(seed)
    return [
        {
            "id": f"li_{i:07d}",
            "job_id": job_id(i),
            "kind": rng.choice(("labor", "material", "flat_rate")),
            "description": rng.choice(("Labor", "Valve", None)),
            "rate": Decimal("95.00"),
            "quantity": Decimal("1.500"),
            "total": Decimal("142.50"),
        }
        for i in range(count)
    ]


def job_notes(count: int, seed: int = 8) -> list[Record]:
    """Notes on jobs, internal or shown to the customer."""
    rng = random.Random(seed)
    return [
        {
            "id": f"note_{i:07d}",
            "job_id": job_id(i),
            "body": rng.choice(("Arrived on site.", "Parts ordered.")),
            "visibility": rng.choice(("internal", "customer")),
        }
        for i in range(count)
    ]


def attachments(count: int, seed: int = 9) -> list[Record]:
    """Files attached to jobs."""
    rng = random.Random(seed)
    return [
        {
            "id": f"att_{i:07d}",
            "job_id": job_id(i),
            "file_name": rng.choice(("photo.jpg", "", None)),
            "description": rng.choice((None, "Before repair")),
            "content": b"\x89PNG\r\n" * 8,
        }
        for i in range(count)
    ]


def communications(count: int, seed: int = 10) -> list[Record]:
    """Calls, emails and texts with customers, most about a job (a Task each)."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        channel = rng.choice(("call", "email", "sms"))
        out.append({
            "id": f"com_{i:07d}",
            "customer_id": customer_id(i),
            "job_id": rng.choice((job_id(i), None)),
            "channel": channel,
            "direction": rng.choice(("inbound", "outbound")),
            "occurred_at": AT + dt.timedelta(minutes=i),
            "subject": rng.choice(("  ", "Reschedule", None)),
            "body": rng.choice((None, "Customer asked for a morning slot.")),
            "duration_seconds": rng.randrange(30, 900) if channel == "call" else None,
        })
    return out


FACTORIES: dict[str, Callable[[int], list[Record]]] = {
    "customers": customers,
    "customer_locations": customer_locations,
    "contacts": contacts,
    "jobs": jobs,
    "technician_assignments": technician_assignments,
    "appointments": appointments,
    "line_items": line_items,
    "job_notes": job_notes,
    "attachments": attachments,
    "communications": communications,
}
"""A record factory per source object the flagship plan reads."""
