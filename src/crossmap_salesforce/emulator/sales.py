"""The rules a real org applies to opportunities, price books and their products.

From Salesforce's Object Reference (developer.salesforce.com/docs/platform/
object-reference/references/standard-objects/):

- object-opportunity.html: ``IsClosed``, ``IsWon`` and ``ForecastCategory`` are
  "directly controlled by StageName"; ``Probability`` and ``ForecastCategoryName`` are
  implied by the stage unless the row sets them; ``ExpectedRevenue`` is ``Amount``
  times ``Probability``; the fiscal fields follow ``CloseDate`` (a calendar fiscal
  year, the default). ``Amount`` is the sum of the line items' ``TotalPrice`` once the
  opportunity has products, and adding a product sets ``Pricebook2Id``.
- object-opportunitystage.html: the stage values with their default probability,
  forecast category and closed/won flags (``sales_cloud.OPPORTUNITY_STAGES``).
- object-pricebookentry.html and object-pricebook2.html: one standard price book; a
  product needs its standard price before an entry in a custom price book, and
  ``UseStandardPrice`` takes the standard entry's price; one entry per product and
  price book.
- object-asset.html: every asset needs an account, a contact, or both.
- object-order.html: an order needs an account; object-campaignmember.html: a
  campaign member is a lead or a contact.
- object-opportunitylineitem.html: a line names a ``PricebookEntryId`` (or a
  ``Product2Id`` found in the opportunity's price book); the entry must be active and
  in the opportunity's price book; exactly one of ``UnitPrice`` and ``TotalPrice``;
  ``ListPrice``, ``Product2Id``, ``ProductCode`` and ``Name`` come from the entry.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from crossmap_salesforce.emulator.errors import OrgError
from crossmap_salesforce.emulator.ids import normalize
from crossmap_salesforce.standard_objects.sales_cloud import (
    FORECAST_CATEGORIES,
    OPPORTUNITY_STAGES,
)

if TYPE_CHECKING:
    from crossmap_salesforce.emulator.org import Org

#: Stage (case-folded) → (stage, probability, forecast category name, closed, won).
STAGES: Mapping[str, tuple[str, int, str, bool, bool]] = {
    s[0].casefold(): s for s in OPPORTUNITY_STAGES
}

OBJECTS = frozenset({"Opportunity", "PricebookEntry", "OpportunityLineItem", "Asset", "Order",
                     "CampaignMember"})
"""Objects with rules here."""


class WorkRow(Protocol):
    """What the write pipeline keeps per row (``records._Row``)."""

    @property
    def op(self) -> str: ...
    @property
    def record(self) -> dict[str, Any]: ...
    @property
    def values(self) -> dict[str, Any]: ...
    @property
    def errors(self) -> list[OrgError]: ...


def integrity(message: str, field: str) -> OrgError:
    """A ``FIELD_INTEGRITY_EXCEPTION`` as Salesforce words it."""
    return OrgError(400, "FIELD_INTEGRITY_EXCEPTION", f"field integrity exception: {message}",
                    (field,))


def apply_opportunity(record: dict[str, Any], changed: Mapping[str, Any], creating: bool) -> None:
    """The fields the stage, amount and close date imply."""
    if creating or "StageName" in changed:
        stage = STAGES.get(str(record.get("StageName") or "").casefold())
        if stage is not None:
            record["StageName"] = stage[0]
            if "Probability" not in changed or changed.get("Probability") is None:
                record["Probability"] = stage[1]
            if "ForecastCategoryName" not in changed or changed.get("ForecastCategoryName") is None:
                record["ForecastCategoryName"] = stage[2]
            record["IsClosed"], record["IsWon"] = stage[3], stage[4]
    category = record.get("ForecastCategoryName")
    record["ForecastCategory"] = FORECAST_CATEGORIES.get(category) if category else None
    amount, probability = record.get("Amount"), record.get("Probability")
    record["ExpectedRevenue"] = (
        None if amount is None or probability is None
        else round(float(amount) * float(probability) / 100, 2)
    )
    close = record.get("CloseDate")
    if close:
        day = date.fromisoformat(str(close)[:10])
        quarter = (day.month - 1) // 3 + 1
        record["FiscalYear"], record["FiscalQuarter"] = day.year, quarter
        record["Fiscal"] = f"{day.year} {quarter}"


def check(org: Org, object_name: str, work: Sequence[WorkRow]) -> None:
    """Apply the cross-record rules of ``object_name`` to the rows still valid
    (references already checked): errors go on the rows, derived fields in them."""
    rows = [w for w in work if not w.errors]
    if not rows:
        return
    if object_name == "PricebookEntry":
        _price_book_entries(org, rows)
    elif object_name == "OpportunityLineItem":
        _line_items(org, rows)
    elif object_name == "Order":
        # Object Reference, Order.AccountId: "Required. ID of the Account associated
        # with this order" (nillable in the describe, enforced by the org).
        for w in rows:
            if w.op == "insert" and not w.record.get("AccountId"):
                w.errors.append(OrgError(400, "REQUIRED_FIELD_MISSING",
                                         "Required fields are missing: [AccountId]",
                                         ("AccountId",)))
    elif object_name == "CampaignMember":
        # Object Reference, CampaignMember: a member is a lead or a contact
        # ("Represents the association between a campaign and either a lead or a
        # contact"; LeadId and ContactId are each "Required").
        for w in rows:
            if w.op == "insert" and not w.record.get("LeadId") and not w.record.get("ContactId"):
                w.errors.append(OrgError(400, "REQUIRED_FIELD_MISSING",
                                         "Required fields are missing: [ContactId, LeadId]",
                                         ("ContactId", "LeadId")))
    elif object_name == "Asset":
        for w in rows:
            # Object Reference, Asset (AccountId, ContactId): "Every asset needs an
            # account, a contact, or both."
            if not w.record.get("AccountId") and not w.record.get("ContactId"):
                w.errors.append(OrgError(400, "FIELD_INTEGRITY_EXCEPTION",
                                         "Every asset needs an account, a contact, or both.",
                                         ("AccountId", "ContactId")))


def _records(org: Org, ids: Iterable[Any]) -> dict[str, dict[str, Any]]:
    wanted = {normalize(i) for i in ids if isinstance(i, str)}
    found = org.store.get_many(i for i in wanted if i)
    return {rid: data for rid, (_obj, deleted, data) in found.items() if not deleted}


def _entries_of(org: Org, field: str, values: Iterable[str]) -> list[dict[str, Any]]:
    """Live price book entries whose ``field`` is one of ``values``."""
    wanted = sorted(set(values))
    if not wanted:
        return []
    marks = ",".join("?" * len(wanted))
    rows = org.store.read().execute(
        f"SELECT data FROM records WHERE object = 'PricebookEntry' AND deleted = 0 "
        f"AND json_extract(data, '$.{field}') IN ({marks})", wanted,
    )
    return [json.loads(text) for (text,) in rows]


def _price_book_entries(org: Org, rows: list[WorkRow]) -> None:
    standard_book = org.standard_pricebook_id
    inserts = [w for w in rows if w.op == "insert"]
    products = _records(org, [w.record.get("Product2Id") for w in rows])
    existing = _entries_of(org, "Product2Id", products)
    standard = {e["Product2Id"]: e for e in existing if e.get("Pricebook2Id") == standard_book}
    taken = {(e.get("Pricebook2Id"), e.get("Product2Id")) for e in existing}
    for w in inserts:
        book, product = w.record.get("Pricebook2Id"), w.record.get("Product2Id")
        if (book, product) in taken:
            w.errors.append(OrgError(400, "DUPLICATE_VALUE",
                                     "This price definition already exists in this price book",
                                     ()))
            continue
        if book == standard_book:
            if w.record.get("UseStandardPrice"):
                w.errors.append(integrity("UseStandardPrice (the standard price book cannot "
                                          "use the standard price)", "UseStandardPrice"))
                continue
            standard[product] = w.record
        elif product not in standard:
            w.errors.append(OrgError(400, "STANDARD_PRICE_NOT_DEFINED",
                                     "No standard price defined for this product", ()))
            continue
        taken.add((book, product))
    for w in rows:
        if w.errors:
            continue
        product = products.get(str(w.record.get("Product2Id")))
        if product is not None:
            w.record["Name"] = product.get("Name")
            w.record["ProductCode"] = product.get("ProductCode")
        if w.record.get("UseStandardPrice"):
            base = standard.get(w.record.get("Product2Id"))
            if base is not None:
                w.record["UnitPrice"] = base.get("UnitPrice")


def _line_items(org: Org, rows: list[WorkRow]) -> None:
    opportunities = _records(org, [w.record.get("OpportunityId") for w in rows])
    entries = _records(org, [w.record.get("PricebookEntryId") for w in rows])
    by_product: dict[tuple[Any, Any], dict[str, Any]] = {}
    lacking = [w for w in rows if w.op == "insert" and not w.record.get("PricebookEntryId")]
    if lacking:
        for found in _entries_of(org, "Product2Id", [str(w.record.get("Product2Id"))
                                                     for w in lacking]):
            by_product[(found.get("Pricebook2Id"), found.get("Product2Id"))] = found
    products = _records(org, [*(e.get("Product2Id") for e in entries.values()),
                              *(e.get("Product2Id") for e in by_product.values())])
    for w in rows:
        record = w.record
        opp = opportunities.get(str(record.get("OpportunityId"))) or {}
        if w.op == "insert":
            entry: dict[str, Any] | None = entries.get(str(record.get("PricebookEntryId")))
            if entry is None and record.get("Product2Id"):
                entry = by_product.get((opp.get("Pricebook2Id") or org.standard_pricebook_id,
                                        record.get("Product2Id")))
                if entry is None:
                    w.errors.append(integrity("PricebookEntryId (no price book entry for this "
                                              "product in the opportunity's price book)",
                                              "Product2Id"))
                    continue
                record["PricebookEntryId"] = entry["Id"]
            if entry is None:
                w.errors.append(OrgError(400, "REQUIRED_FIELD_MISSING",
                                         "Required fields are missing: [PricebookEntryId]",
                                         ("PricebookEntryId",)))
                continue
            if not entry.get("IsActive"):
                w.errors.append(integrity("PricebookEntryId (pricebook entry is inactive)",
                                          "PricebookEntryId"))
                continue
            book = opp.get("Pricebook2Id")
            if book and book != entry.get("Pricebook2Id"):
                w.errors.append(integrity("PricebookEntryId (pricebook entry is in a different "
                                          "pricebook than the one assigned to the opportunity)",
                                          "PricebookEntryId"))
                continue
            product = products.get(str(entry.get("Product2Id"))) or {}
            record["Product2Id"] = entry.get("Product2Id")
            record["ListPrice"] = entry.get("UnitPrice")
            record["ProductCode"] = product.get("ProductCode")
            record["Name"] = " ".join(p for p in (opp.get("Name"), product.get("Name")) if p)
        _prices(w)


def _prices(w: WorkRow) -> None:
    """Exactly one of UnitPrice and TotalPrice is given; the other follows from the
    quantity."""
    record, given = w.record, w.values
    unit_given = given.get("UnitPrice") is not None
    total_given = given.get("TotalPrice") is not None
    if unit_given and total_given:
        w.errors.append(integrity("TotalPrice (only one of unit price or total price may be "
                                  "specified)", "TotalPrice"))
        return
    quantity = float(record.get("Quantity") or 0)
    if total_given:
        total = float(given["TotalPrice"])
        record["UnitPrice"] = round(total / quantity, 2) if quantity else None
        return
    if w.op == "insert" and not unit_given:
        w.errors.append(integrity("UnitPrice (either unit price or total price must be "
                                  "specified)", "UnitPrice"))
        return
    unit = record.get("UnitPrice")
    record["TotalPrice"] = None if unit is None else round(float(unit) * quantity, 2)


def roll_up(conn: sqlite3.Connection, opportunity_ids: Iterable[str]) -> None:
    """Each opportunity's ``Amount``, ``HasOpportunityLineItem`` and price book from
    its live line items (inside the write transaction that changed them)."""
    for opp_id in sorted(set(opportunity_ids)):
        row = conn.execute("SELECT data FROM records WHERE id = ? AND deleted = 0",
                           (opp_id,)).fetchone()
        if row is None:
            continue
        opp = json.loads(row[0])
        items = [json.loads(text) for (text,) in conn.execute(
            "SELECT data FROM records WHERE object = 'OpportunityLineItem' AND deleted = 0 "
            "AND json_extract(data, '$.OpportunityId') = ?", (opp_id,))]
        opp["HasOpportunityLineItem"] = bool(items)
        if items:
            opp["Amount"] = round(sum(float(i.get("TotalPrice") or 0) for i in items), 2)
            if not opp.get("Pricebook2Id"):
                entry_id = items[0].get("PricebookEntryId")
                entry = conn.execute("SELECT data FROM records WHERE id = ?",
                                     (entry_id,)).fetchone()
                if entry is not None:
                    opp["Pricebook2Id"] = json.loads(entry[0]).get("Pricebook2Id")
            apply_opportunity(opp, {}, creating=False)
        conn.execute("UPDATE records SET data = ? WHERE id = ?", (json.dumps(opp), opp_id))
