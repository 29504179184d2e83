"""Salesforce's vocabulary for ``crossmap propose``: what other systems call its
objects and fields.

The core's matcher knows no destination (``crossmap.propose.hints``); this table is
the Salesforce plugin's word for it. Every phrase is ordinary CRM vocabulary (what a
deal, a ticket, a meeting is called in other products), lower case and singular; a
phrase that names an object not in the catalogue yet (``Opportunity``, ``Lead``)
simply matches nothing until it is there.
"""

from __future__ import annotations

from crossmap.propose.hints import DestinationHints, NamingRules
from crossmap_salesforce.describe import CUSTOM_SUFFIX

OBJECT_SYNONYMS: dict[str, tuple[str, ...]] = {
    "Account": ("company", "organization", "organisation", "client", "business", "firm",
                "household", "account"),
    "Contact": ("contact", "person", "people", "user", "customer", "member", "subscriber",
                "audience member", "end user", "customer contact", "client contact"),
    "Lead": ("lead", "prospect", "inquiry", "subscriber", "sign up"),
    "Opportunity": ("deal", "opportunity", "pipeline", "pipeline deal", "sale"),
    "Case": ("ticket", "case", "job", "work order", "service request", "incident", "issue",
             "support request", "return", "return request", "rma", "complaint"),
    "CaseComment": ("ticket comment", "case comment", "job note", "ticket reply", "comment"),
    "Task": ("engagement", "activity", "call", "note", "task", "to do", "communication",
             "interaction", "email activity", "email event"),
    "Event": ("engagement", "activity", "meeting", "appointment", "visit", "booking", "calendar entry",
              "event"),
    "User": ("user", "technician", "employee", "staff member", "agent", "worker", "resource", "owner"),
    "Campaign": ("campaign", "email campaign", "newsletter"),
    "Product2": ("product", "item", "sku", "part", "catalog item"),
    "Order": ("order", "purchase", "sales order"),
    "ContentVersion": ("attachment", "file", "document", "upload"),
}
"""Destination object → the phrases a source object may be called by."""

OBJECT_GROUPS: tuple[tuple[str, ...], ...] = (
    ("account", "customer", "client", "company", "organization", "household"),
    ("case", "job", "work order", "ticket", "service request", "incident", "issue"),
    ("event", "appointment", "visit", "meeting", "booking", "calendar entry"),
    ("user", "technician", "employee", "staff member", "agent", "worker", "resource"),
    ("contact", "customer contact", "person", "client contact"),
    ("comment", "note", "remark"),
    ("content version", "attachment", "file", "document", "upload"),
    ("task", "communication", "call", "activity", "interaction", "to do"),
    ("opportunity", "deal", "estimate", "quote request"),
    ("lead", "prospect", "inquiry"),
    ("product", "part", "sku"),
)
"""Object words rewritten to Salesforce's before comparison (also read in a
reference field's name: ``customer_id`` points at an ``account``)."""

FIELD_GROUPS: tuple[tuple[str, ...], ...] = (
    ("subject", "title", "headline", "file name", "summary"),
    ("origin", "channel", "source channel", "intake channel", "via channel"),
    ("name", "company name", "account name", "organization name", "business name"),
    ("comment body", "body", "comment text", "note body"),
    ("start datetime", "starts datetime", "begin datetime", "scheduled start datetime"),
    ("end datetime", "ends datetime", "finish datetime", "scheduled end datetime"),
    ("all day event", "all day", "full day"),
)
"""Field words rewritten to Salesforce's before comparison."""

FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "Contact.Title": ("job title", "position"),
    "Contact.LastName": ("name", "full name", "surname", "family name"),
    "Contact.MailingStreet": ("street", "address", "street address"),
    "Contact.MailingCity": ("city",),
    "Contact.MailingState": ("state",),
    "Contact.MailingPostalCode": ("postal code",),
    "Contact.MailingCountry": ("country",),
    "Account.BillingStreet": ("street", "address", "street address"),
    "Account.BillingCity": ("city",),
    "Account.BillingState": ("state",),
    "Account.BillingPostalCode": ("postal code",),
    "Account.BillingCountry": ("country",),
    "Lead.Title": ("job title", "position"),
    "Account.NumberOfEmployees": ("employee count", "employees", "headcount", "company size"),
    "Lead.NumberOfEmployees": ("employee count", "employees", "headcount", "company size"),
    "Account.AnnualRevenue": ("revenue", "annual revenue"),
    "Account.Website": ("domain", "web domain", "company domain"),
    "Account.Sic": ("sic code",),
    "Contact.Description": ("note", "notes"),
    "Contact.HasOptedOutOfEmail": ("unsubscribed", "email opt out"),
    "Opportunity.Name": ("deal name", "opportunity name"),
    "Opportunity.StageName": ("stage", "deal stage", "pipeline stage"),
    "Opportunity.CloseDate": ("close date", "closing date", "expected close date"),
    "Opportunity.Probability": ("probability", "deal probability", "win probability"),
    "Opportunity.Amount": ("amount", "deal amount", "value", "deal value"),
    "Case.ContactId": ("requester", "reporter", "requested by"),
    "Case.Subject": ("subject", "title", "summary"),
    "Case.Reason": ("reason", "return reason", "cause"),
    "Event.Location": ("location", "meeting location", "place", "venue"),
    "Event.StartDateTime": ("start time", "meeting start time", "starts at", "start"),
    "Event.EndDateTime": ("end time", "meeting end time", "ends at", "end"),
    "Task.Description": ("body", "details", "notes", "content"),
    "Event.Description": ("body", "details", "notes", "agenda"),
    "Task.ActivityDate": ("due date", "activity date", "timestamp", "date"),
    "Task.CallDurationInSeconds": ("call duration", "duration"),
    "CaseComment.IsPublished": ("public", "published", "visible to customer"),
    "CaseComment.CommentBody": ("body", "comment", "text"),
    "Product2.Name": ("title", "product name", "product title"),
    "Product2.Description": ("body", "body html", "details"),
    "Product2.IsActive": ("published", "active", "enabled", "available"),
    "Order.BillToContactId": ("customer", "buyer", "bill to", "purchaser"),
    "Order.EffectiveDate": ("order date", "ordered at", "placed at"),
    "Campaign.Name": ("title", "campaign name"),
    "Product2.ProductCode": ("sku", "product code", "item code", "variant sku"),
    "Product2.Family": ("type", "product type", "category", "product family"),
    "Campaign.NumberSent": ("recipients", "total recipients", "emails sent", "sent"),
    "Campaign.StartDate": ("send date", "sent date", "start date"),
}
"""``Object.Field`` → more phrases for that field. A bare address (``city``) is the
primary one: a Contact's mailing address, an Account's billing address."""

SPLIT_OBJECTS: dict[str, tuple[str, ...]] = {
    "Event": ("meeting", "appointment", "event", "visit", "booking"),
    "Task": ("call", "note", "email", "task", "todo", "to do", "letter", "message", "sms"),
}
"""Activities: a source object of mixed activities (a type column holding CALL,
MEETING, NOTE ...) becomes Tasks and Events, by the words of each type value."""

NAMING = NamingRules(custom_suffix=CUSTOM_SUFFIX, max_length=40, allowed="A-Za-z0-9_", max_label=40)
"""How Salesforce names a custom field: a ``__c`` suffix ("In the API, the names of
custom fields are identified by a suffix of two underscores immediately followed by a
lowercase 'c' character", Object Reference, "Custom Fields",
https://developer.salesforce.com/docs/atlas.en-us.260.0.object_reference.meta/object_reference/custom_fields.htm);
names and labels of at most 40 characters ("The current character limit for creating
field names and labels is 40 characters", Salesforce Help 000381913,
https://help.salesforce.com/s/articleView?id=000381913). The proposal keeps the name,
suffix included, within 40: stricter than Salesforce, which suffixes a 40-character
name, and what proposals have always done."""

HINTS = DestinationHints(
    object_synonyms=OBJECT_SYNONYMS,
    object_groups=OBJECT_GROUPS,
    field_groups=FIELD_GROUPS,
    field_aliases=FIELD_ALIASES,
    split_objects=SPLIT_OBJECTS,
    naming=NAMING,
)
"""What ``SalesforceDestination.propose_hints()`` returns."""
