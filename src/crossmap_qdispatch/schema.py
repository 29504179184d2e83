"""The Q Dispatch source schema: a table of typed fields per object, plus the custom
job properties discovered from the definitions endpoint.

Wire records are flattened for mapping: addresses become ``<prefix>_line1`` ...,
money in cents also appears as a decimal amount, each job status gets a ``<status>_at``
timestamp from the history (``status_<status>_at``), and every custom property becomes a typed ``custom_<key>``
field. Nested lists (a job's status history and custom properties, a technician's
skills) are ``ListOf`` typed fields whose element objects are part of the schema, so a
spec can fan them out (``map jobs.status_history as change -> ...``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any as _Any

from crossmap.schema import (
    Blob as BlobType,
)
from crossmap.schema import (
    Boolean,
    Date,
    DateTime,
    Enum,
    FieldSchema,
    FieldType,
    Integer,
    ListOf,
    Numeric,
    ObjectSchema,
    Reference,
    Schema,
    String,
    Text,
    Untyped,
)
from crossmap_qdispatch.objects import JOB_STATUSES, OBJECTS

ADDRESS_PARTS = ("line1", "line2", "city", "region", "postal_code", "country")
CUSTOM_PREFIX = "custom_"
MONEY = Numeric(18, 2)
EMAIL = String(255, "email")
PHONE = String(40, "phone")
ID = String(32)


def _ref(*targets: str) -> Reference:
    return Reference(targets)


# Per object: wire field -> type. Address fields are listed by their prefix with the
# marker "address"; ``*_cents`` integers get a decimal twin without the suffix.
FIELDS: dict[str, dict[str, FieldType | str]] = {
    "technicians": {
        "first_name": String(80), "last_name": String(80), "display_name": String(161),
        "email": EMAIL, "phone": PHONE, "active": Boolean(),
        "skills": ListOf("technician_skills"),
        "hourly_rate_cents": Integer(), "hired_on": Date(),
    },
    "customers": {
        "type": Enum(("residential", "commercial")), "display_name": String(255),
        "first_name": String(80), "last_name": String(80), "company_name": String(255),
        "email": EMAIL, "phone": PHONE, "billing_address": "address",
        "credit_status": Enum(("good", "hold", "cod", "review")),
        "preferred_service_windows": Enum(("morning", "afternoon", "evening"), multi=True),
        "account_manager_id": _ref("technicians"), "active": Boolean(),
        "balance_cents": Integer(), "tax_exempt": Boolean(), "notes": Text(),
    },
    "customer_locations": {
        "customer_id": _ref("customers"), "label": String(80), "address": "address",
        "access_notes": Text(), "active": Boolean(),
    },
    "contacts": {
        "customer_id": _ref("customers"), "first_name": String(80), "last_name": String(80),
        "email": EMAIL, "phone": PHONE, "role": Enum(("site", "billing", "dispatch")),
        "is_primary": Boolean(), "sms_opt_in": Boolean(),
    },
    "jobs": {
        "number": String(20), "customer_id": _ref("customers"),
        "location_id": _ref("customer_locations"), "title": String(255),
        "description": Text(), "urgency": Enum(("low", "normal", "high", "emergency")),
        "channel": Enum(("phone", "web", "email", "app", "walk_in")),
        "status": Enum(JOB_STATUSES), "status_history": ListOf("job_status_changes"),
        "completed_at": DateTime(), "custom_properties": ListOf("job_custom_properties"),
        # Technician ids, each once, following the job's assignments; a multi enum is
        # the schema's list of strings.
        "assigned_technician_ids": Enum((), restricted=False, multi=True),
    },
    "technician_assignments": {
        "job_id": _ref("jobs"), "technician_id": _ref("technicians"),
        "role": Enum(("Primary", "Secondary", "Helper")), "hours_worked": Numeric(8, 2),
        "assigned_at": DateTime(),
    },
    "appointments": {
        "job_id": _ref("jobs"), "technician_id": _ref("technicians"), "all_day": Boolean(),
        "start_at": DateTime(), "end_at": DateTime(), "arrival_window_start": DateTime(),
        "arrival_window_end": DateTime(), "timezone": String(64),
        "service_type": String(80), "notes": Text(), "recurrence_rule": String(255),
    },
    "line_items": {
        "job_id": _ref("jobs"), "kind": Enum(("labor", "material", "flat_rate")),
        "description": String(255), "sku": String(40), "rate_cents": Integer(),
        "quantity": Numeric(12, 3), "total_cents": Integer(), "taxable": Boolean(),
    },
    "job_notes": {
        "job_id": _ref("jobs"), "author_id": _ref("technicians"), "body": Text(),
        "visibility": Enum(("internal", "customer")),
    },
    "attachments": {
        "job_id": _ref("jobs"), "file_name": String(255), "content_type": String(120),
        "size_bytes": Integer(), "sha256": String(64), "description": String(255),
        "content": "blob",
    },
    "communications": {
        "customer_id": _ref("customers"), "job_id": _ref("jobs"),
        "channel": Enum(("call", "email", "sms")), "direction": Enum(("inbound", "outbound")),
        "occurred_at": DateTime(), "subject": String(255), "body": Text(),
        "duration_seconds": Integer(),
    },
    "invoices": {
        "number": String(20), "job_id": _ref("jobs"), "customer_id": _ref("customers"),
        "status": Enum(("draft", "sent", "paid", "partially_paid", "void")),
        "issued_on": Date(), "due_on": Date(), "subtotal_cents": Integer(),
        "tax_cents": Integer(), "total_cents": Integer(), "balance_cents": Integer(),
    },
    "payments": {
        "invoice_id": _ref("invoices"), "amount_cents": Integer(),
        "method": Enum(("card", "cash", "check", "ach")), "received_at": DateTime(),
        "reference": String(80),
    },
}

# Element objects of the nested lists: in the schema (a ``ListOf`` names them) but not
# extractable on their own; they travel inside their parent record.
NESTED: dict[str, tuple[str, dict[str, FieldType]]] = {
    "job_status_changes": ("Job Status Change", {
        "status": Enum(JOB_STATUSES), "changed_at": DateTime(),
        "changed_by_id": _ref("technicians"),
    }),
    "job_custom_properties": ("Job Custom Property", {
        "key": String(80), "value": Text(),
    }),
    "technician_skills": ("Technician Skill", {
        "name": String(80), "certified": Boolean(), "expires_on": Date(),
    }),
}

CUSTOM_TYPES: dict[str, FieldType] = {
    "text": String(255), "long_text": Text(), "number": Numeric(18, 4),
    "boolean": Boolean(), "date": Date(),
}


def status_field(status: str) -> str:
    """The derived field holding when a job last entered ``status``."""
    return "status_" + status.lower().replace(" ", "_") + "_at"


def _object_fields(name: str) -> list[FieldSchema]:
    # Ids are short opaque strings (``cus_0000001``); the contract caps them at 32
    # characters, so a spec can store them in a text(32) external id without truncating.
    out = [FieldSchema("id", ID, nullable=False, createable=False, updateable=False,
                       unique=True, external_id=True, label="Q Dispatch id")]
    for fname, ftype in FIELDS[name].items():
        if ftype == "address":
            out += [FieldSchema(f"{fname}_{part}", String(255)) for part in ADDRESS_PARTS]
        elif ftype == "blob":
            out.append(FieldSchema(fname, BlobType(), label="Content (streamed by open_blob)"))
        else:
            assert not isinstance(ftype, str)
            out.append(FieldSchema(fname, ftype, nullable=fname not in ("customer_id", "job_id",
                                                                        "invoice_id")))
            if fname.endswith("_cents"):
                out.append(FieldSchema(fname[: -len("_cents")], MONEY,
                                       label=f"{fname} / 100"))
    if name == "technicians":
        out.append(FieldSchema("certified_skills", Enum((), restricted=False, multi=True),
                               label="Names of the skills with a current certification"))
    if name == "jobs":
        out += [FieldSchema(status_field(s), DateTime(), label=f"Entered {s}")
                for s in JOB_STATUSES]
    out += [FieldSchema("created_at", DateTime(), nullable=False),
            FieldSchema("updated_at", DateTime(), nullable=False)]
    return out


def custom_fields(definitions: Iterable[Mapping[str, _Any]]) -> list[FieldSchema]:
    """Typed job fields for the custom property definitions.

    A dropdown is an unrestricted enum: values removed from the definition still
    appear on old jobs and must stay readable.
    """
    out = []
    for d in definitions:
        if d.get("applies_to", "jobs") != "jobs":
            continue
        kind = d["type"]
        ftype: FieldType
        if kind == "dropdown":
            ftype = Enum(tuple(d.get("options") or ()), restricted=False)
        else:
            ftype = CUSTOM_TYPES.get(kind, Untyped())
        out.append(FieldSchema(CUSTOM_PREFIX + d["key"], ftype, label=d.get("label"),
                               custom=True))
    return out


def build_schema(definitions: Sequence[Mapping[str, _Any]] = ()) -> Schema:
    """The whole source schema; ``definitions`` from the definitions endpoint."""
    objects = []
    for info in OBJECTS:
        fields = _object_fields(info.name)
        if info.name == "jobs":
            fields += custom_fields(definitions)
        objects.append(ObjectSchema(info.name, fields, label=info.label, key="id",
                                    createable=False, updateable=False, deletable=False))
    for name, (label, nested) in NESTED.items():
        objects.append(ObjectSchema(name, [FieldSchema(k, t) for k, t in nested.items()],
                                    label=label, createable=False, updateable=False,
                                    deletable=False))
    return Schema(objects)


def static_schema() -> Schema:
    """The schema ``crossmap check`` uses without a connection: the standard objects
    and the custom job properties of the demo tenant the simulator serves (a live
    connection reads the tenant's own definitions instead)."""
    from crossmap_qdispatch.generator import CUSTOM_PROPERTY_DEFINITIONS

    return build_schema([dict(d, applies_to="jobs") for d in CUSTOM_PROPERTY_DEFINITIONS])
