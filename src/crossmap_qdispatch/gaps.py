"""What a Q Dispatch tenant does that the migration does not carry: the features to
rebuild natively in the destination (the source's ``native_gaps`` capability for
``crossmap preflight``).

Only recurring appointments can be counted (the appointments are streamed once for
it): the API exposes each appointment's RRULE, but not the dispatch board's
scheduling rules, route optimisation, utilisation automations or workflows — those
are listed without a count, to be reviewed in the Q Dispatch admin screens.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from crossmap.preflight.gaps import Gap


def recurring(pages: Iterable[Iterable[Mapping[str, Any]]]) -> int:
    """Appointments carrying a recurrence rule, counted page by page."""
    return sum(1 for page in pages for record in page if record.get("recurrence_rule"))


def native_gaps(appointments: Iterable[Iterable[Mapping[str, Any]]], counts: Mapping[str, int]) -> list[Gap]:
    """The gaps of a Q Dispatch migration: ``appointments`` are the pages of the
    tenant's appointments (to count the recurring ones), ``counts`` the records per
    object."""
    billing = [counts[name] for name in ("invoices", "payments") if name in counts]
    return [
        Gap("Recurring appointments",
            "each series arrives as one Event with its RFC 5545 rule kept in a text field; the "
            "occurrences are not expanded", recurring(appointments),
            "a scheduled Flow that creates the occurrences (or Field Service maintenance plans)"),
        Gap("Scheduling rules",
            "arrival windows, skill matching and capacity rules of the dispatch board are not exposed "
            "by the Q Dispatch API", None,
            "Field Service scheduling policies, or assignment rules and Flow"),
        Gap("Route optimisation", "Q Dispatch's route planning does not transfer", None,
            "Field Service optimisation, or a routing app from AppExchange"),
        Gap("Technician-utilisation automations",
            "utilisation targets and the automations that balance technicians' load stay behind",
            counts.get("technicians"), "Flow with reports and dashboards on Job_Technician__c hours"),
        Gap("Invoice and payment reconciliation",
            "invoices and payments are not migrated; balances must be reconciled in the accounting "
            "system before cutover", sum(billing) if billing else None,
            "the accounting or ERP integration (or Salesforce Billing)"),
        Gap("Workflow automation",
            "status-change notifications and automatic assignments configured in Q Dispatch", None,
            "record-triggered Flows (Workflow Rules and Process Builder are retired)"),
    ]
