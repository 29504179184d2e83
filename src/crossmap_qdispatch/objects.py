"""The catalogue of Q Dispatch objects: names, keys, parents and paging style.

One table shared by the generator, the simulator and the connector, so the three can
never disagree about which objects exist or how they are paged.
"""

from __future__ import annotations

from typing import Literal

from attrs import frozen

Paging = Literal["cursor", "page"]


@frozen
class ObjectInfo:
    """One Q Dispatch object as the API exposes it.

    ``path`` is the collection under ``/v1/``; ``parent`` names the object whose id the
    ``parent_field`` holds (children carry their own ``updated_at``: editing a child
    does not touch its parent, so every object is extracted by its own watermark).
    """

    name: str
    label: str
    prefix: str
    paging: Paging = "cursor"
    parent: str | None = None
    parent_field: str | None = None
    has_active: bool = False


OBJECTS: tuple[ObjectInfo, ...] = (
    ObjectInfo("technicians", "Technician", "tec", has_active=True),
    ObjectInfo("customers", "Customer", "cus", has_active=True),
    ObjectInfo("customer_locations", "Customer Location", "loc", parent="customers",
               parent_field="customer_id", has_active=True),
    ObjectInfo("contacts", "Customer Contact", "con", parent="customers",
               parent_field="customer_id"),
    ObjectInfo("jobs", "Job", "job", parent="customers", parent_field="customer_id"),
    ObjectInfo("technician_assignments", "Technician Assignment", "asg", parent="jobs",
               parent_field="job_id"),
    ObjectInfo("appointments", "Appointment", "apt", parent="jobs", parent_field="job_id"),
    ObjectInfo("line_items", "Service Line Item", "lin", parent="jobs", parent_field="job_id"),
    ObjectInfo("job_notes", "Job Note", "not", parent="jobs", parent_field="job_id"),
    ObjectInfo("attachments", "Attachment", "att", parent="jobs", parent_field="job_id"),
    # The one older endpoint: page numbers instead of cursors, as real vendors mix styles.
    ObjectInfo("communications", "Communication", "com", paging="page", parent="customers",
               parent_field="customer_id"),
    ObjectInfo("invoices", "Invoice", "inv", parent="jobs", parent_field="job_id"),
    ObjectInfo("payments", "Payment", "pay", parent="invoices", parent_field="invoice_id"),
)
"""Every extractable object, parents before children."""

BY_NAME: dict[str, ObjectInfo] = {o.name: o for o in OBJECTS}
OBJECT_NAMES: tuple[str, ...] = tuple(o.name for o in OBJECTS)

JOB_STATUSES: tuple[str, ...] = (
    "Pending", "Assigned", "En Route", "In Progress", "Completed", "Cancelled",
)
"""Every job status, in the order a job normally moves through them."""


def object_info(name: str) -> ObjectInfo:
    """The catalogue entry for ``name``; ``KeyError`` with the known names if absent."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown Q Dispatch object {name!r}; known: {', '.join(OBJECT_NAMES)}") from None
