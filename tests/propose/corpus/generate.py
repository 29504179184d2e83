"""Writes the synthetic exports of the propose evaluation corpus.

Four exports from other domains and vendors than the flagship, shaped like what
those products export (column names as the vendors spell them, messy values as
exports hold them: currency strings, thousands separators, percents, epoch
timestamps, several date formats). The data is made up and seeded, so running this
again writes the same files: ``python tests/propose/corpus/generate.py``.

Each export's ``expected.xmap`` is the spec a person would write for it; the data
here only has to look like the real thing, and to keep the references a spec
relies on intact (every ``associatedcompanyid`` is some company's
``hs_object_id``).
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROWS = 30

FIRST = ["Ana", "Ben", "Chloe", "Dev", "Elif", "Femi", "Greta", "Hiro", "Ines", "Jonas", "Kemal", "Lena",
         "Mateo", "Nora", "Omar", "Priya", "Quinn", "Rosa", "Sami", "Tess"]
LAST = ["Alvarez", "Brown", "Chen", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ito", "Jansen",
        "Kowalski", "Lopez", "Moreau", "Nakamura", "Okafor", "Patel", "Rossi", "Schmidt", "Tanaka", "Weber"]
COMPANY = ["Acme", "Birch", "Cobalt", "Delta", "Ember", "Fjord", "Granite", "Harbor", "Iris", "Juniper",
           "Kestrel", "Lumen", "Maple", "Nimbus", "Onyx", "Pioneer", "Quartz", "Redwood", "Summit", "Tidal"]
SUFFIX = ["Labs", "Systems", "Logistics", "Foods", "Health", "Capital", "Works", "Energy"]
CITY = [("Austin", "TX", "78701"), ("Denver", "CO", "80202"), ("Boston", "MA", "02108"),
        ("Seattle", "WA", "98101"), ("Chicago", "IL", "60601"), ("Portland", "OR", "97201")]
STREET = ["Main St", "Oak Ave", "Pine Rd", "Market St", "2nd Ave", "Elm St"]
TITLES = ["VP Sales", "Office Manager", "CTO", "Head of Operations", "Buyer", "Marketing Lead"]
START = datetime(2024, 1, 8, 9, 0, tzinfo=UTC)


def money(rng: random.Random, low: int, high: int) -> float:
    return round(rng.uniform(low, high), 2)


def dollars(value: float, symbol: str = "$") -> str:
    return f"{symbol}{value:,.2f}"


def when(rng: random.Random, days: int = 300) -> datetime:
    return START + timedelta(days=rng.randrange(days), minutes=15 * rng.randrange(40))


def write_csv(path: Path, rows: Sequence[dict[str, object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def write_jsonl(path: Path, rows: Sequence[dict[str, object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def person(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FIRST), rng.choice(LAST)


def hubspot(root: Path) -> None:
    """A HubSpot CRM export (CSV, HubSpot's internal property names)."""
    rng = random.Random(11)
    companies = []
    for i in range(ROWS):
        city, state, zip_code = rng.choice(CITY)
        name = f"{COMPANY[i % len(COMPANY)]} {rng.choice(SUFFIX)}"
        revenue = money(rng, 50_000, 9_000_000)
        companies.append({
            "hs_object_id": str(5_100_000 + i * 7),
            "name": name,
            "domain": name.split()[0].lower() + ".example",
            "phone": f"+1 555 01{i:02d}",
            "address": f"{rng.randrange(1, 999)} {rng.choice(STREET)}",
            "city": city, "state": state, "zip": zip_code, "country": "United States",
            "industry": rng.choice(["COMPUTER_SOFTWARE", "BANKING", "CONSTRUCTION", "FOOD_BEVERAGES", "HOSPITAL_HEALTH_CARE"]),
            "annualrevenue": "" if i % 9 == 0 else (dollars(revenue) if i % 2 else f"{revenue:,.2f}"),
            "numberofemployees": f"{rng.randrange(5, 4000):,}",
            "description": f"{name} — customer since {2015 + i % 8}",
            "lifecyclestage": rng.choice(["lead", "opportunity", "customer"]),
            "createdate": when(rng).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        })
    company_ids = [c["hs_object_id"] for c in companies]
    contacts = []
    for i in range(ROWS * 2):
        first, last = person(rng)
        city, state, zip_code = rng.choice(CITY)
        contacts.append({
            "hs_object_id": str(801 + i),
            "firstname": first, "lastname": last,
            "email": f"{first.lower()}.{last.lower()}{i}@mail.example",
            "phone": f"(555) 02{i:02d}-{rng.randrange(1000, 9999)}",
            "mobilephone": f"+1 555 03{i:02d} {rng.randrange(100, 999)}" if i % 3 else "",
            "jobtitle": rng.choice(TITLES),
            "associatedcompanyid": rng.choice(company_ids) if i % 10 else "",
            "address": f"{rng.randrange(1, 999)} {rng.choice(STREET)}",
            "city": city, "state": state, "zip": zip_code, "country": "United States",
            "hs_lead_status": rng.choice(["NEW", "OPEN", "IN_PROGRESS", "CONNECTED"]),
            "createdate": when(rng).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        })
    contact_ids = [c["hs_object_id"] for c in contacts]
    deals = []
    for i in range(ROWS):
        deals.append({
            "hs_object_id": str(9_000_100 + i),
            "dealname": f"{rng.choice(COMPANY)} renewal {2024 + i % 2}",
            "amount": dollars(money(rng, 1000, 90_000)),
            "closedate": when(rng).strftime("%m/%d/%Y"),
            "dealstage": rng.choice(["appointmentscheduled", "qualifiedtobuy", "closedwon", "closedlost"]),
            "pipeline": "default",
            "hs_deal_stage_probability": f"{rng.choice([10, 20, 40, 60, 80, 100])}%",
            "dealtype": rng.choice(["newbusiness", "existingbusiness"]),
            "associatedcompanyid": rng.choice(company_ids),
            "description": "Annual plan" if i % 2 else "",
        })
    engagements = []
    for i in range(ROWS * 2):
        kind = ["CALL", "MEETING", "NOTE", "CALL", "EMAIL"][i % 5]
        at = when(rng)
        meeting = kind == "MEETING"
        engagements.append({
            "hs_object_id": str(30_000 + i),
            "engagement_type": kind,
            "hs_timestamp": str(int(at.timestamp() * 1000)),
            "subject": {"CALL": "Follow-up call", "MEETING": "Quarterly review", "NOTE": "Note",
                        "EMAIL": "Pricing question"}[kind],
            "body": f"Discussed {rng.choice(['pricing', 'onboarding', 'renewal', 'support'])}.",
            "contact_id": rng.choice(contact_ids),
            "company_id": rng.choice(company_ids) if i % 4 else "",
            "hs_call_duration": str(rng.randrange(30, 1800) * 1000) if kind == "CALL" else "",
            "meeting_start_time": at.strftime("%Y-%m-%dT%H:%M:%SZ") if meeting else "",
            "meeting_end_time": (at + timedelta(minutes=45)).strftime("%Y-%m-%dT%H:%M:%SZ") if meeting else "",
            "meeting_location": rng.choice(["Zoom", "HQ", "Client office"]) if meeting else "",
            "status": rng.choice(["COMPLETED", "SCHEDULED"]) if kind != "NOTE" else "COMPLETED",
        })
    write_csv(root / "data" / "companies.csv", companies)
    write_csv(root / "data" / "contacts.csv", contacts)
    write_csv(root / "data" / "deals.csv", deals)
    write_csv(root / "data" / "engagements.csv", engagements)


def zendesk(root: Path) -> None:
    """A Zendesk Support export (JSON lines, Zendesk's API field names; ``via`` is
    flattened to ``via_channel`` as Zendesk's CSV and BI exports do)."""
    rng = random.Random(22)
    organizations = []
    for i in range(ROWS // 2):
        name = f"{COMPANY[i]} {rng.choice(SUFFIX)}"
        organizations.append({
            "id": 360_001_000 + i, "name": name, "domain_names": [name.split()[0].lower() + ".example"],
            "details": f"{rng.choice(['Enterprise', 'SMB'])} plan",
            "notes": "Key account" if i % 3 == 0 else None,
            "shared_tickets": i % 2 == 0, "tags": ["vip"] if i % 4 == 0 else [],
            "created_at": when(rng).strftime("%Y-%m-%dT%H:%M:%SZ"),
        })
    org_ids = [o["id"] for o in organizations]
    users = []
    for i in range(ROWS * 2):
        first, last = person(rng)
        agent = i < 5
        users.append({
            "id": 9_100_000 + i, "name": f"{first} {last}",
            "email": f"{first.lower()}{i}@{'support' if agent else 'client'}.example",
            "phone": f"+1-555-04{i:02d}-{rng.randrange(1000, 9999)}" if i % 3 else None,
            "organization_id": None if agent or i % 7 == 0 else rng.choice(org_ids),
            "role": "agent" if agent else "end-user",
            "time_zone": rng.choice(["Eastern Time (US & Canada)", "Pacific Time (US & Canada)"]),
            "locale": "en-US", "active": True, "verified": i % 5 != 0,
            "notes": "Prefers email" if i % 6 == 0 else None,
            "created_at": when(rng).strftime("%Y-%m-%dT%H:%M:%SZ"),
        })
    agents = [u["id"] for u in users if u["role"] == "agent"]
    end_users = [u for u in users if u["role"] == "end-user"]
    tickets = []
    for i in range(ROWS * 2):
        requester = rng.choice(end_users)
        tickets.append({
            "id": 1000 + i,
            "subject": rng.choice(["Cannot log in", "Invoice is wrong", "Export fails", "Feature request"]),
            "description": "Customer reports a problem; details in the first comment.",
            "status": rng.choice(["new", "open", "pending", "hold", "solved", "closed"]),
            "priority": rng.choice(["low", "normal", "high", "urgent", None]),
            "type": rng.choice(["question", "incident", "problem", "task"]),
            "requester_id": requester["id"],
            # An agent files a ticket taken over the phone on the requester's behalf.
            "submitter_id": requester["id"] if i % 3 else agents[i % len(agents)],
            "assignee_id": rng.choice(agents),
            "organization_id": requester["organization_id"],
            "via_channel": rng.choice(["email", "web", "voice", "chat"]),
            "tags": ["billing"] if i % 3 == 0 else [],
            "created_at": when(rng).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "due_at": when(rng).strftime("%Y-%m-%dT%H:%M:%SZ") if i % 4 == 0 else None,
        })
    comments = []
    for i in range(ROWS * 3):
        ticket = tickets[i % len(tickets)]
        comments.append({
            "id": 77_000 + i, "ticket_id": ticket["id"],
            "author_id": ticket["requester_id"] if i % 2 else ticket["assignee_id"],
            "body": rng.choice(["Thanks, that fixed it.", "Could you send a screenshot?", "Escalated to tier 2."]),
            "public": i % 4 != 0,
            "created_at": when(rng).strftime("%Y-%m-%dT%H:%M:%SZ"),
        })
    write_jsonl(root / "data" / "organizations.jsonl", organizations)
    write_jsonl(root / "data" / "users.jsonl", users)
    write_jsonl(root / "data" / "tickets.jsonl", tickets)
    write_jsonl(root / "data" / "ticket_comments.jsonl", comments)


def mailchimp(root: Path) -> None:
    """A Mailchimp audience and campaign export (CSV, Mailchimp's column headers)."""
    rng = random.Random(33)
    members = []
    for i in range(ROWS * 2):
        first, last = person(rng)
        _, state, _ = rng.choice(CITY)
        members.append({
            "Email Address": f"{first.lower()}.{last.lower()}{i}@inbox.example",
            "First Name": first, "Last Name": last,
            "Phone Number": f"555-05{i:02d}-{rng.randrange(1000, 9999)}" if i % 2 else "",
            "Company": f"{rng.choice(COMPANY)} {rng.choice(SUFFIX)}" if i % 3 else "",
            "MEMBER_RATING": str(rng.randrange(1, 6)),
            "OPTIN_TIME": when(rng).strftime("%Y-%m-%d %H:%M:%S"),
            "CONFIRM_TIME": when(rng).strftime("%Y-%m-%d %H:%M:%S"),
            "REGION": state, "CC": "US",
            "TIMEZONE": "America/Chicago",
            "LAST_CHANGED": when(rng).strftime("%Y-%m-%d %H:%M:%S"),
            "NOTES": "Met at trade show" if i % 5 == 0 else "",
            "TAGS": rng.choice(['"Newsletter"', '"Newsletter","Webinar"', ""]),
        })
    emails = [m["Email Address"] for m in members]
    campaigns = []
    for i in range(ROWS // 3):
        sent = 400 + rng.randrange(2000)
        campaigns.append({
            "Campaign ID": f"{rng.randrange(16**10):010x}",
            "Title": f"{['March', 'April', 'May', 'June', 'July'][i % 5]} newsletter {i}",
            "Subject": rng.choice(["What's new", "Your monthly update", "Save the date"]),
            "Send Date": when(rng).strftime("%b %d, %Y %I:%M %p"),
            "Total Recipients": f"{sent:,}",
            "Open Rate": f"{rng.uniform(12, 48):.2f}%",
            "Click Rate": f"{rng.uniform(1, 9):.2f}%",
            "Unsubscribes": str(rng.randrange(0, 12)),
        })
    campaign_ids = [c["Campaign ID"] for c in campaigns]
    activity = []
    for i in range(ROWS * 3):
        at = when(rng)
        action = rng.choice(["open", "click", "bounce"])
        activity.append({
            "Email Address": rng.choice(emails),
            "Campaign ID": rng.choice(campaign_ids),
            "Action": action,
            "Timestamp": str(int(at.timestamp())),
            "URL": "https://shop.example/spring" if action == "click" else "",
            "IP": f"203.0.113.{rng.randrange(1, 254)}",
        })
    write_csv(root / "data" / "members.csv", members)
    write_csv(root / "data" / "campaigns.csv", campaigns)
    write_csv(root / "data" / "email_activity.csv", activity)


def shopify(root: Path) -> None:
    """A Shopify store export (CSV, Shopify's column headers) with a return-request
    export from a returns app."""
    rng = random.Random(44)
    customers = []
    for i in range(ROWS * 2):
        first, last = person(rng)
        city, state, zip_code = rng.choice(CITY)
        spent = money(rng, 0, 4000)
        customers.append({
            "Customer ID": str(6_400_000_000 + i * 13),
            "First Name": first, "Last Name": last,
            "Email": f"{first.lower()}{i}@shopper.example",
            "Accepts Email Marketing": rng.choice(["yes", "no"]),
            "Company": f"{rng.choice(COMPANY)} {rng.choice(SUFFIX)}" if i % 4 == 0 else "",
            "Address1": f"{rng.randrange(1, 999)} {rng.choice(STREET)}",
            "City": city, "Province": state, "Province Code": state,
            "Country": "United States", "Country Code": "US", "Zip": f"'{zip_code}",
            "Phone": f"+1555060{i:02d}" if i % 3 else "",
            "Total Spent": f"{spent:,.2f}",
            "Total Orders": str(rng.randrange(0, 30)),
            "Note": "Wholesale buyer" if i % 9 == 0 else "",
            "Tax Exempt": rng.choice(["yes", "no"]),
            "Tags": rng.choice(["vip", "", "newsletter"]),
        })
    customer_ids = [c["Customer ID"] for c in customers]
    products = []
    for i in range(ROWS // 2):
        products.append({
            "Handle": f"product-{i}",
            "Title": f"{rng.choice(['Linen', 'Wool', 'Canvas'])} {rng.choice(['Tote', 'Scarf', 'Apron'])} {i}",
            "Body (HTML)": "<p>Hand made.</p>",
            "Vendor": rng.choice(COMPANY),
            "Type": rng.choice(["Bags", "Accessories", "Kitchen"]),
            "Variant SKU": f"SKU-{1000 + i}",
            "Variant Price": f"{money(rng, 9, 120):.2f}",
            "Published": rng.choice(["TRUE", "FALSE"]),
            "Status": rng.choice(["active", "draft"]),
        })
    orders = []
    for i in range(ROWS * 2):
        created = when(rng)
        subtotal = money(rng, 10, 800)
        tax = round(subtotal * 0.08, 2)
        orders.append({
            "Id": str(5_500_000_000 + i * 3),
            "Name": f"#{1001 + i}",
            "Customer ID": rng.choice(customer_ids),
            "Email": f"buyer{i}@shopper.example",
            "Financial Status": rng.choice(["paid", "pending", "refunded", "partially_refunded"]),
            "Fulfillment Status": rng.choice(["fulfilled", "unfulfilled", "partial"]),
            "Currency": "USD",
            "Subtotal": f"{subtotal:.2f}", "Taxes": f"{tax:.2f}", "Total": f"{subtotal + tax:,.2f}",
            "Created at": created.strftime("%Y-%m-%d %H:%M:%S -0500"),
            "Paid at": (created + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S -0500"),
            "Note": "Gift wrap" if i % 6 == 0 else "",
        })
    order_ids = [o["Id"] for o in orders]
    returns = []
    for i in range(ROWS):
        returns.append({
            "return_id": f"R-{2000 + i}",
            "order_id": rng.choice(order_ids),
            "customer_id": rng.choice(customer_ids),
            "reason": rng.choice(["Damaged", "Wrong size", "Not as described", "Changed mind"]),
            "status": rng.choice(["requested", "approved", "rejected", "refunded"]),
            "refund_amount": dollars(money(rng, 5, 300)),
            "requested_on": when(rng).strftime("%d.%m.%Y"),
            "customer_note": rng.choice(["Box was crushed", "Too small", ""]),
        })
    write_csv(root / "data" / "customers.csv", customers)
    write_csv(root / "data" / "products.csv", products)
    write_csv(root / "data" / "orders.csv", orders)
    write_csv(root / "data" / "returns.csv", returns)


def pipedrive(root: Path) -> None:
    """A Pipedrive CRM export (CSV, Pipedrive's export headers). Held out: written
    after the vocabulary was settled, and scored once (docs/propose.md)."""
    rng = random.Random(55)
    organizations = []
    for i in range(ROWS // 2):
        city, state, zip_code = rng.choice(CITY)
        name = f"{COMPANY[(i * 3) % len(COMPANY)]} {rng.choice(SUFFIX)}"
        organizations.append({
            "Organization - ID": str(i + 1),
            "Organization - Name": name,
            "Organization - Address": f"{rng.randrange(1, 999)} {rng.choice(STREET)}, {city}, {state} {zip_code}",
            "Organization - Owner": rng.choice(["Dana Lee", "Sam Ortiz"]),
            "Organization - Number of employees": str(rng.randrange(3, 900)),
            "Organization - Annual revenue": f"{money(rng, 10_000, 5_000_000):,.2f} USD",
            "Organization - Website": f"https://{name.split()[0].lower()}.example",
        })
    org_ids = [o["Organization - ID"] for o in organizations]
    persons = []
    for i in range(ROWS):
        first, last = person(rng)
        persons.append({
            "Person - ID": str(i + 1),
            "Person - Name": f"{first} {last}",
            "Person - First name": first, "Person - Last name": last,
            "Person - Email - Work": f"{first.lower()}.{last.lower()}@work.example",
            "Person - Phone - Work": f"+1 555 07{i:02d} {rng.randrange(100, 999)}",
            "Person - Organization ID": rng.choice(org_ids) if i % 6 else "",
            "Person - Job title": rng.choice(TITLES),
            "Person - Label": rng.choice(["Hot lead", "Warm lead", "Cold lead", "Customer"]),
        })
    person_ids = [p["Person - ID"] for p in persons]
    deals = []
    for i in range(ROWS):
        deals.append({
            "Deal - ID": str(i + 1),
            "Deal - Title": f"{rng.choice(COMPANY)} deal",
            "Deal - Value": f"{money(rng, 500, 60_000):.2f}",
            "Deal - Currency": "USD",
            "Deal - Stage": rng.choice(["Qualified", "Contact Made", "Proposal Made", "Negotiations Started"]),
            "Deal - Status": rng.choice(["open", "won", "lost"]),
            "Deal - Expected close date": when(rng).strftime("%Y-%m-%d"),
            "Deal - Probability": str(rng.choice([10, 25, 50, 75, 90])),
            "Deal - Organization ID": rng.choice(org_ids),
            "Deal - Contact person ID": rng.choice(person_ids),
        })
    deal_ids = [d["Deal - ID"] for d in deals]
    activities = []
    for i in range(ROWS * 2):
        kind = ["call", "meeting", "task", "email", "deadline", "lunch"][i % 6]
        due = when(rng)
        activities.append({
            "Activity - ID": str(i + 1),
            "Activity - Type": kind,
            "Activity - Subject": f"{kind.capitalize()} with client",
            "Activity - Due date": due.strftime("%Y-%m-%d"),
            "Activity - Due time": due.strftime("%H:%M"),
            "Activity - Duration": rng.choice(["00:30", "01:00", ""]),
            "Activity - Done": rng.choice(["Done", "To do"]),
            "Activity - Note": "Bring the proposal" if i % 4 == 0 else "",
            "Activity - Person ID": rng.choice(person_ids),
            "Activity - Organization ID": rng.choice(org_ids) if i % 3 else "",
            "Activity - Deal ID": rng.choice(deal_ids) if i % 2 else "",
        })
    write_csv(root / "data" / "organizations.csv", organizations)
    write_csv(root / "data" / "persons.csv", persons)
    write_csv(root / "data" / "deals.csv", deals)
    write_csv(root / "data" / "activities.csv", activities)


EXPORTS = {"hubspot": hubspot, "zendesk": zendesk, "mailchimp": mailchimp, "shopify": shopify}
HOLDOUT = {"pipedrive": pipedrive}
"""Exports written after the vocabulary was settled: scored, never tuned on; they
live in ../holdout so that the corpus's averages do not include them."""


def main() -> None:
    for name, write in EXPORTS.items():
        write(HERE / name)
    for name, write in HOLDOUT.items():
        write(HERE.parent / "holdout" / name)


if __name__ == "__main__":
    main()
