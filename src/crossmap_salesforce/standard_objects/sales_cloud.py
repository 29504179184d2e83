"""The Sales Cloud objects, written from Salesforce's Object Reference.

No real describe capture of these objects is available to the project, so each one
is a table of the facts the Object Reference states for its fields (type, length or
precision, the "Properties" line: Create, Update, Nillable, Defaulted on create,
Restricted picklist, and "Refers to" / "Relationship name"), and :func:`describe`
turns a table into the ``GET /sobjects/{O}/describe`` body a real org returns, with
the same keys as the captured objects. Picklist values are those of a new
Developer Edition org (the Object Reference names the fields; an org's admin may
change the values). The pages each object comes from are listed in
``PROVENANCE.md`` beside this module.

A field row is ``(name, label, type, props, extra)``. ``props`` spells the
Reference's properties with one letter each: ``C`` Create, ``U`` Update, ``N``
Nillable, ``D`` Defaulted on create, ``R`` Restricted picklist, ``A`` Auto number,
``K`` calculated, ``L`` idLookup.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crossmap_salesforce.custom_objects import Row, field

_NO: Mapping[str, Any] = {}


# -- the fields most objects share ------------------------------------------------

def _head(label: str) -> list[Row]:
    return [
        ("Id", f"{label} ID", "id", "D", _NO),
        ("IsDeleted", "Deleted", "boolean", "D", {"defaultValue": False}),
    ]


def _audit() -> list[Row]:
    return [
        ("CreatedDate", "Created Date", "datetime", "D", _NO),
        ("CreatedById", "Created By ID", "reference", "D", {"ref": ("User",), "rel": "CreatedBy"}),
        ("LastModifiedDate", "Last Modified Date", "datetime", "D", _NO),
        ("LastModifiedById", "Last Modified By ID", "reference", "D",
         {"ref": ("User",), "rel": "LastModifiedBy"}),
        ("SystemModstamp", "System Modstamp", "datetime", "D", _NO),
    ]


def _owner(*to: str) -> Row:
    return ("OwnerId", "Owner ID", "reference", "CUD", {"ref": to or ("User",), "rel": "Owner"})


def _viewed() -> list[Row]:
    return [
        ("LastViewedDate", "Last Viewed Date", "datetime", "N", _NO),
        ("LastReferencedDate", "Last Referenced Date", "datetime", "N", _NO),
    ]


_ACTIVITY: Row = ("LastActivityDate", "Last Activity", "date", "N", _NO)


def _address(prefix: str, label: str) -> list[Row]:
    p = prefix
    return [
        (f"{p}Street", f"{label} Street", "textarea", "CUN", {"length": 255}),
        (f"{p}City", f"{label} City", "string", "CUN", {"length": 40}),
        (f"{p}State", f"{label} State/Province", "string", "CUN", {"length": 80}),
        (f"{p}PostalCode", f"{label} Zip/Postal Code", "string", "CUN", {"length": 20}),
        (f"{p}Country", f"{label} Country", "string", "CUN", {"length": 80}),
        (f"{p}Latitude", f"{label} Latitude", "double", "CUN", {"precision": 18, "scale": 15}),
        (f"{p}Longitude", f"{label} Longitude", "double", "CUN", {"precision": 18, "scale": 15}),
        (f"{p}GeocodeAccuracy", f"{label} Geocode Accuracy", "picklist", "CUNR",
         {"length": 40, "values": GEOCODE_ACCURACY}),
        (f"{p}Address", f"{label} Address", "address", "N", _NO),
    ]


GEOCODE_ACCURACY = ("Address", "NearAddress", "Block", "Street", "ExtendedZip", "Zip",
                    "Neighborhood", "City", "County", "State", "Unknown")
LEAD_SOURCE = ("Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other")
SALUTATION = ("Mr.", "Ms.", "Mrs.", "Dr.", "Prof.")
INDUSTRY = (
    "Agriculture", "Apparel", "Banking", "Biotechnology", "Chemicals", "Communications",
    "Construction", "Consulting", "Education", "Electronics", "Energy", "Engineering",
    "Entertainment", "Environmental", "Finance", "Food & Beverage", "Government",
    "Healthcare", "Hospitality", "Insurance", "Machinery", "Manufacturing", "Media",
    "Not For Profit", "Recreation", "Retail", "Shipping", "Technology",
    "Telecommunications", "Transportation", "Utilities", "Other",
)

#: The opportunity stages of a new org: (stage, default probability, forecast category
#: name, closed, won), as ``OpportunityStage`` holds them. Setting ``StageName`` sets
#: ``Probability``, ``ForecastCategoryName``, ``IsClosed`` and ``IsWon`` from its row.
OPPORTUNITY_STAGES: tuple[tuple[str, int, str, bool, bool], ...] = (
    ("Prospecting", 10, "Pipeline", False, False),
    ("Qualification", 10, "Pipeline", False, False),
    ("Needs Analysis", 20, "Pipeline", False, False),
    ("Value Proposition", 50, "Pipeline", False, False),
    ("Id. Decision Makers", 60, "Pipeline", False, False),
    ("Perception Analysis", 70, "Pipeline", False, False),
    ("Proposal/Price Quote", 75, "Pipeline", False, False),
    ("Negotiation/Review", 90, "Pipeline", False, False),
    ("Closed Won", 100, "Closed", True, True),
    ("Closed Lost", 0, "Omitted", True, False),
)

#: ForecastCategoryName → the ForecastCategory API value it stands for.
FORECAST_CATEGORIES: Mapping[str, str] = {
    "Omitted": "Omitted", "Pipeline": "Pipeline", "Best Case": "BestCase",
    "Commit": "Forecast", "Closed": "Closed",
}

#: Objects a Note may be attached to (``Note.ParentId``), besides custom objects.
NOTE_PARENTS = ("Account", "Asset", "Contact", "Contract", "Lead", "Opportunity", "Order",
                "Product2")


# -- the objects ------------------------------------------------------------------

_LEAD: list[Row] = [
    *_head("Lead"),
    ("MasterRecordId", "Master Record ID", "reference", "N",
     {"ref": ("Lead",), "rel": "MasterRecord"}),
    ("LastName", "Last Name", "string", "CU", {"length": 80}),
    ("FirstName", "First Name", "string", "CUN", {"length": 40}),
    ("Salutation", "Salutation", "picklist", "CUN", {"length": 40, "values": SALUTATION}),
    ("Name", "Full Name", "string", "", {"length": 121}),
    ("Title", "Title", "string", "CUN", {"length": 128}),
    ("Company", "Company", "string", "CU", {"length": 255}),
    *_address("", ""),
    ("Phone", "Phone", "phone", "CUN", {"length": 40}),
    ("MobilePhone", "Mobile Phone", "phone", "CUN", {"length": 40}),
    ("Fax", "Fax", "phone", "CUN", {"length": 40}),
    ("Email", "Email", "email", "CUNL", {"length": 80}),
    ("Website", "Website", "url", "CUN", {"length": 255}),
    ("PhotoUrl", "Photo URL", "url", "N", {"length": 255}),
    ("Description", "Description", "textarea", "CUN", {"length": 32000}),
    ("LeadSource", "Lead Source", "picklist", "CUN", {"length": 255, "values": LEAD_SOURCE}),
    ("Status", "Status", "picklist", "CUD", {
        "length": 255, "default": "Open - Not Contacted",
        "values": ("Open - Not Contacted", "Working - Contacted", "Closed - Converted",
                   "Closed - Not Converted"),
    }),
    ("Industry", "Industry", "picklist", "CUN", {"length": 255, "values": INDUSTRY}),
    ("Rating", "Rating", "picklist", "CUN", {"length": 255, "values": ("Hot", "Warm", "Cold")}),
    ("AnnualRevenue", "Annual Revenue", "currency", "CUN", {"precision": 18}),
    ("NumberOfEmployees", "Employees", "int", "CUN", {"digits": 8}),
    _owner("Group", "User"),
    ("HasOptedOutOfEmail", "Email Opt Out", "boolean", "CUD", {"defaultValue": False}),
    ("IsConverted", "Converted", "boolean", "CD", {"defaultValue": False}),
    ("ConvertedDate", "Converted Date", "date", "N", _NO),
    ("ConvertedAccountId", "Converted Account ID", "reference", "N",
     {"ref": ("Account",), "rel": "ConvertedAccount"}),
    ("ConvertedContactId", "Converted Contact ID", "reference", "N",
     {"ref": ("Contact",), "rel": "ConvertedContact"}),
    ("ConvertedOpportunityId", "Converted Opportunity ID", "reference", "N",
     {"ref": ("Opportunity",), "rel": "ConvertedOpportunity"}),
    ("IsUnreadByOwner", "Unread By Owner", "boolean", "CUD", {"defaultValue": False}),
    *_audit(),
    _ACTIVITY,
    ("DoNotCall", "Do Not Call", "boolean", "CUD", {"defaultValue": False}),
    ("HasOptedOutOfFax", "Fax Opt Out", "boolean", "CUD", {"defaultValue": False}),
    *_viewed(),
    ("Jigsaw", "Data.com Key", "string", "CUN", {"length": 20}),
    ("JigsawContactId", "Jigsaw Contact ID", "string", "N", {"length": 20}),
    ("EmailBouncedReason", "Email Bounced Reason", "string", "CUN", {"length": 255}),
    ("EmailBouncedDate", "Email Bounced Date", "datetime", "CUN", _NO),
]

_OPPORTUNITY: list[Row] = [
    *_head("Opportunity"),
    ("AccountId", "Account ID", "reference", "CUN", {"ref": ("Account",), "rel": "Account"}),
    ("IsPrivate", "Private", "boolean", "CUD", {"defaultValue": False}),
    ("Name", "Name", "string", "CU", {"length": 120}),
    ("Description", "Description", "textarea", "CUN", {"length": 32000}),
    ("StageName", "Stage", "picklist", "CU", {
        "length": 255, "values": tuple(s[0] for s in OPPORTUNITY_STAGES)}),
    ("Amount", "Amount", "currency", "CUN", {"precision": 18, "scale": 2}),
    ("Probability", "Probability (%)", "percent", "CUND", {"precision": 3}),
    ("ExpectedRevenue", "Expected Amount", "currency", "NK", {"precision": 18, "scale": 2}),
    ("TotalOpportunityQuantity", "Quantity", "double", "CUN", {"precision": 18, "scale": 2}),
    ("CloseDate", "Close Date", "date", "CU", _NO),
    ("Type", "Opportunity Type", "picklist", "CUN", {
        "length": 255,
        "values": ("Existing Customer - Upgrade", "Existing Customer - Replacement",
                   "Existing Customer - Downgrade", "New Customer"),
    }),
    ("NextStep", "Next Step", "string", "CUN", {"length": 255}),
    ("LeadSource", "Lead Source", "picklist", "CUN", {"length": 255, "values": LEAD_SOURCE}),
    ("IsClosed", "Closed", "boolean", "D", {"defaultValue": False}),
    ("IsWon", "Won", "boolean", "D", {"defaultValue": False}),
    ("ForecastCategory", "Forecast Category", "picklist", "DR", {
        "length": 40, "values": ("Omitted", "Pipeline", "BestCase", "Forecast", "Closed")}),
    ("ForecastCategoryName", "Forecast Category", "picklist", "CUNDR", {
        "length": 255, "values": tuple(FORECAST_CATEGORIES)}),
    ("CampaignId", "Campaign ID", "reference", "CUN", {"ref": ("Campaign",), "rel": "Campaign"}),
    ("HasOpportunityLineItem", "Has Line Item", "boolean", "D", {"defaultValue": False}),
    ("Pricebook2Id", "Price Book ID", "reference", "CUN",
     {"ref": ("Pricebook2",), "rel": "Pricebook2"}),
    _owner("User"),
    ("ContactId", "Contact ID", "reference", "CUN", {"ref": ("Contact",), "rel": "Contact"}),
    *_audit(),
    _ACTIVITY,
    ("FiscalQuarter", "Fiscal Quarter", "int", "N", {"digits": 8}),
    ("FiscalYear", "Fiscal Year", "int", "N", {"digits": 8}),
    ("Fiscal", "Fiscal Period", "string", "N", {"length": 6}),
    *_viewed(),
    ("HasOpenActivity", "Has Open Activity", "boolean", "D", {"defaultValue": False}),
    ("HasOverdueTask", "Has Overdue Task", "boolean", "D", {"defaultValue": False}),
]

_OPPORTUNITY_CONTACT_ROLE: list[Row] = [
    *_head("Opportunity Contact Role"),
    ("OpportunityId", "Opportunity ID", "reference", "C",
     {"ref": ("Opportunity",), "rel": "Opportunity"}),
    ("ContactId", "Contact ID", "reference", "CU", {"ref": ("Contact",), "rel": "Contact"}),
    ("Role", "Role", "picklist", "CUN", {
        "length": 255,
        "values": ("Business User", "Decision Maker", "Economic Buyer", "Economic Decision Maker",
                   "Evaluator", "Executive Sponsor", "Influencer", "Technical Buyer", "Other"),
    }),
    ("IsPrimary", "Primary", "boolean", "CUD", {"defaultValue": False}),
    *_audit(),
]

_OPPORTUNITY_LINE_ITEM: list[Row] = [
    *_head("Line Item"),
    ("OpportunityId", "Opportunity ID", "reference", "C",
     {"ref": ("Opportunity",), "rel": "Opportunity"}),
    ("SortOrder", "Sort Order", "int", "N", {"digits": 9}),
    ("PricebookEntryId", "Price Book Entry ID", "reference", "CN",
     {"ref": ("PricebookEntry",), "rel": "PricebookEntry"}),
    ("Product2Id", "Product ID", "reference", "CN", {"ref": ("Product2",), "rel": "Product2"}),
    ("ProductCode", "Product Code", "string", "N", {"length": 255}),
    ("Name", "Opportunity Product Name", "string", "N", {"length": 376}),
    ("Quantity", "Quantity", "double", "CU", {"precision": 12, "scale": 2}),
    ("TotalPrice", "Total Price", "currency", "CUN", {"precision": 18, "scale": 2}),
    ("UnitPrice", "Sales Price", "currency", "CUN", {"precision": 18, "scale": 2}),
    ("ListPrice", "List Price", "currency", "N", {"precision": 18, "scale": 2}),
    ("ServiceDate", "Date", "date", "CUN", _NO),
    ("Description", "Line Description", "string", "CUN", {"length": 255}),
    *_audit(),
]

_PRODUCT2: list[Row] = [
    ("Id", "Product ID", "id", "D", _NO),
    ("Name", "Product Name", "string", "CU", {"length": 255}),
    ("ProductCode", "Product Code", "string", "CUN", {"length": 255}),
    ("Description", "Product Description", "textarea", "CUN", {"length": 4000}),
    ("IsActive", "Active", "boolean", "CUD", {"defaultValue": False}),
    *_audit(),
    ("Family", "Product Family", "picklist", "CUN", {"length": 40}),
    ("ExternalId", "External ID", "string", "CUN", {"length": 255}),
    ("DisplayUrl", "Display URL", "url", "CUN", {"length": 1000}),
    ("QuantityUnitOfMeasure", "Quantity Unit Of Measure", "picklist", "CUN",
     {"length": 255, "values": ("Each",)}),
    ("IsDeleted", "Deleted", "boolean", "D", {"defaultValue": False}),
    ("IsArchived", "Archived", "boolean", "D", {"defaultValue": False}),
    *_viewed(),
    ("StockKeepingUnit", "Product SKU", "string", "CUN", {"length": 180}),
]

_PRICEBOOK2: list[Row] = [
    *_head("Price Book"),
    ("Name", "Price Book Name", "string", "CU", {"length": 255}),
    *_audit(),
    *_viewed(),
    ("IsActive", "Active", "boolean", "CUD", {"defaultValue": False}),
    ("IsArchived", "Archived", "boolean", "D", {"defaultValue": False}),
    ("Description", "Description", "string", "CUN", {"length": 255}),
    ("IsStandard", "Is Standard Price Book", "boolean", "D", {"defaultValue": False}),
]

_PRICEBOOK_ENTRY: list[Row] = [
    ("Id", "Price Book Entry ID", "id", "D", _NO),
    ("Name", "Product Name", "string", "N", {"length": 255}),
    ("Pricebook2Id", "Price Book ID", "reference", "C",
     {"ref": ("Pricebook2",), "rel": "Pricebook2"}),
    ("Product2Id", "Product ID", "reference", "C", {"ref": ("Product2",), "rel": "Product2"}),
    ("UnitPrice", "List Price", "currency", "CU", {"precision": 18, "scale": 2}),
    ("IsActive", "Active", "boolean", "CUD", {"defaultValue": False}),
    ("UseStandardPrice", "Use Standard Price", "boolean", "CUD", {"defaultValue": False}),
    *_audit(),
    ("ProductCode", "Product Code", "string", "N", {"length": 255}),
    ("IsDeleted", "Deleted", "boolean", "D", {"defaultValue": False}),
    ("IsArchived", "Archived", "boolean", "D", {"defaultValue": False}),
]

_CAMPAIGN: list[Row] = [
    *_head("Campaign"),
    ("Name", "Name", "string", "CU", {"length": 80}),
    ("ParentId", "Parent Campaign ID", "reference", "CUN", {"ref": ("Campaign",), "rel": "Parent"}),
    ("Type", "Type", "picklist", "CUN", {
        "length": 255,
        "values": ("Conference", "Webinar", "Trade Show", "Public Relations", "Partners",
                   "Referral Program", "Advertisement", "Banner Ads", "Direct Mail", "Email",
                   "Telemarketing", "Other"),
    }),
    ("Status", "Status", "picklist", "CUN", {
        "length": 255, "values": ("Planned", "In Progress", "Completed", "Aborted")}),
    ("StartDate", "Start Date", "date", "CUN", _NO),
    ("EndDate", "End Date", "date", "CUN", _NO),
    ("ExpectedRevenue", "Expected Revenue in Campaign", "currency", "CUN", {"precision": 18}),
    ("BudgetedCost", "Budgeted Cost in Campaign", "currency", "CUN", {"precision": 18}),
    ("ActualCost", "Actual Cost in Campaign", "currency", "CUN", {"precision": 18}),
    ("ExpectedResponse", "Expected Response (%)", "percent", "CUN", {"precision": 10, "scale": 2}),
    ("NumberSent", "Num Sent in Campaign", "double", "CUN", {"precision": 18}),
    ("IsActive", "Active", "boolean", "CUD", {"defaultValue": False}),
    ("Description", "Description", "textarea", "CUN", {"length": 32000}),
    ("NumberOfLeads", "Leads in Campaign", "int", "D", {"digits": 9}),
    ("NumberOfConvertedLeads", "Converted Leads in Campaign", "int", "D", {"digits": 9}),
    ("NumberOfContacts", "Contacts in Campaign", "int", "D", {"digits": 9}),
    ("NumberOfResponses", "Responses in Campaign", "int", "D", {"digits": 9}),
    ("NumberOfOpportunities", "Opportunities in Campaign", "int", "D", {"digits": 9}),
    ("NumberOfWonOpportunities", "Won Opportunities in Campaign", "int", "D", {"digits": 9}),
    ("AmountAllOpportunities", "Value Opportunities in Campaign", "currency", "D",
     {"precision": 18}),
    ("AmountWonOpportunities", "Value Won Opportunities in Campaign", "currency", "D",
     {"precision": 18}),
    _owner("User"),
    *_audit(),
    _ACTIVITY,
    *_viewed(),
]

_CAMPAIGN_MEMBER: list[Row] = [
    *_head("Campaign Member"),
    ("CampaignId", "Campaign ID", "reference", "C", {"ref": ("Campaign",), "rel": "Campaign"}),
    ("LeadId", "Lead ID", "reference", "CN", {"ref": ("Lead",), "rel": "Lead"}),
    ("ContactId", "Contact ID", "reference", "CN", {"ref": ("Contact",), "rel": "Contact"}),
    ("Status", "Status", "picklist", "CUND",
     {"length": 40, "default": "Sent", "values": ("Sent", "Responded")}),
    ("HasResponded", "Responded", "boolean", "D", {"defaultValue": False}),
    *_audit(),
    ("FirstRespondedDate", "First Responded Date", "date", "N", _NO),
    ("Name", "Name", "string", "N", {"length": 121}),
    ("LeadOrContactId", "Contact or Lead ID", "reference", "N",
     {"ref": ("Contact", "Lead")}),
    ("LeadOrContactOwnerId", "Lead or Contact Owner ID", "reference", "N",
     {"ref": ("Group", "User"), "rel": "LeadOrContactOwner"}),
]

_CONTRACT: list[Row] = [
    *_head("Contract"),
    ("AccountId", "Account ID", "reference", "CU", {"ref": ("Account",), "rel": "Account"}),
    ("Pricebook2Id", "Price Book ID", "reference", "CUN",
     {"ref": ("Pricebook2",), "rel": "Pricebook2"}),
    ("OwnerExpirationNotice", "Owner Expiration Notice", "picklist", "CUN",
     {"length": 40, "values": ("15", "30", "45", "60", "90", "120")}),
    ("StartDate", "Contract Start Date", "date", "CUN", _NO),
    ("EndDate", "Contract End Date", "date", "NK", _NO),
    *_address("Billing", "Billing"),
    ("ContractTerm", "Contract Term", "int", "CUN", {"digits": 4}),
    _owner("User"),
    ("Status", "Status", "picklist", "CUD", {
        "length": 40, "default": "Draft",
        "values": ("In Approval Process", "Activated", "Draft")}),
    ("CompanySignedId", "Company Signed By ID", "reference", "CUN",
     {"ref": ("User",), "rel": "CompanySigned"}),
    ("CompanySignedDate", "Company Signed Date", "date", "CUN", _NO),
    ("CustomerSignedId", "Customer Signed By ID", "reference", "CUN",
     {"ref": ("Contact",), "rel": "CustomerSigned"}),
    ("CustomerSignedTitle", "Customer Signed Title", "string", "CUN", {"length": 40}),
    ("CustomerSignedDate", "Customer Signed Date", "date", "CUN", _NO),
    ("SpecialTerms", "Special Terms", "textarea", "CUN", {"length": 4000}),
    ("ActivatedById", "Activated By ID", "reference", "N", {"ref": ("User",), "rel": "ActivatedBy"}),
    ("ActivatedDate", "Activated Date", "datetime", "N", _NO),
    ("StatusCode", "Status Category", "picklist", "DR", {
        "length": 40,
        "values": ("Draft", "InApproval", "Activated", "Terminated", "Expired")}),
    ("Description", "Description", "textarea", "CUN", {"length": 32000}),
    ("ContractNumber", "Contract Number", "string", "DA", {"length": 30}),
    ("LastApprovedDate", "Last Approved Date", "datetime", "N", _NO),
    *_audit(),
    _ACTIVITY,
    *_viewed(),
]

_ORDER: list[Row] = [
    ("Id", "Order ID", "id", "D", _NO),
    _owner("Group", "User"),
    ("ContractId", "Contract ID", "reference", "CUN", {"ref": ("Contract",), "rel": "Contract"}),
    ("AccountId", "Account ID", "reference", "CUN", {"ref": ("Account",), "rel": "Account"}),
    ("Pricebook2Id", "Price Book ID", "reference", "CUN",
     {"ref": ("Pricebook2",), "rel": "Pricebook2"}),
    ("OriginalOrderId", "Original Order ID", "reference", "CN",
     {"ref": ("Order",), "rel": "OriginalOrder"}),
    ("EffectiveDate", "Order Start Date", "date", "CU", _NO),
    ("EndDate", "Order End Date", "date", "CUN", _NO),
    ("IsReductionOrder", "Reduction Order", "boolean", "CD", {"defaultValue": False}),
    ("Status", "Status", "picklist", "CU", {"length": 40, "values": ("Draft", "Activated")}),
    ("Description", "Description", "textarea", "CUN", {"length": 32000}),
    ("CustomerAuthorizedById", "Customer Authorized By ID", "reference", "CUN",
     {"ref": ("Contact",), "rel": "CustomerAuthorizedBy"}),
    ("CustomerAuthorizedDate", "Customer Authorized Date", "date", "CUN", _NO),
    ("CompanyAuthorizedById", "Company Authorized By ID", "reference", "CUN",
     {"ref": ("User",), "rel": "CompanyAuthorizedBy"}),
    ("CompanyAuthorizedDate", "Company Authorized Date", "date", "CUN", _NO),
    ("Type", "Order Type", "picklist", "CUN", {"length": 255}),
    *_address("Billing", "Billing"),
    *_address("Shipping", "Shipping"),
    ("Name", "Order Name", "string", "CUN", {"length": 80}),
    ("PoDate", "PO Date", "date", "CUN", _NO),
    ("PoNumber", "PO Number", "string", "CUN", {"length": 80}),
    ("OrderReferenceNumber", "Order Reference Number", "string", "CUN", {"length": 80}),
    ("BillToContactId", "Bill To Contact ID", "reference", "CUN",
     {"ref": ("Contact",), "rel": "BillToContact"}),
    ("ShipToContactId", "Ship To Contact ID", "reference", "CUN",
     {"ref": ("Contact",), "rel": "ShipToContact"}),
    ("ActivatedDate", "Activated Date", "datetime", "N", _NO),
    ("ActivatedById", "Activated By ID", "reference", "N", {"ref": ("User",), "rel": "ActivatedBy"}),
    ("StatusCode", "Status Category", "picklist", "DR", {
        "length": 40, "values": ("Draft", "Activated", "Canceled", "Expired")}),
    ("OrderNumber", "Order Number", "string", "DA", {"length": 30}),
    ("TotalAmount", "Order Amount", "currency", "D", {"precision": 18, "scale": 2}),
    *_audit(),
    ("IsDeleted", "Deleted", "boolean", "D", {"defaultValue": False}),
    *_viewed(),
]

_ORDER_ITEM: list[Row] = [
    ("Id", "Order Product ID", "id", "D", _NO),
    ("Product2Id", "Product ID", "reference", "N", {"ref": ("Product2",), "rel": "Product2"}),
    ("IsDeleted", "Deleted", "boolean", "D", {"defaultValue": False}),
    ("OrderId", "Order ID", "reference", "C", {"ref": ("Order",), "rel": "Order"}),
    ("PricebookEntryId", "Price Book Entry ID", "reference", "C",
     {"ref": ("PricebookEntry",), "rel": "PricebookEntry"}),
    ("OriginalOrderItemId", "Original Order Item ID", "reference", "CN",
     {"ref": ("OrderItem",), "rel": "OriginalOrderItem"}),
    ("AvailableQuantity", "Available Quantity", "double", "N", {"precision": 18, "scale": 2}),
    ("Quantity", "Quantity", "double", "CU", {"precision": 18, "scale": 2}),
    ("UnitPrice", "Unit Price", "currency", "CU", {"precision": 18, "scale": 2}),
    ("ListPrice", "List Price", "currency", "CN", {"precision": 18, "scale": 2}),
    ("TotalPrice", "Total Price", "currency", "N", {"precision": 18, "scale": 2}),
    ("ServiceDate", "Start Date", "date", "CUN", _NO),
    ("EndDate", "End Date", "date", "CUN", _NO),
    ("Description", "Line Description", "string", "CUN", {"length": 255}),
    *_audit(),
    ("OrderItemNumber", "Order Product Number", "string", "DA", {"length": 10}),
]

_ASSET: list[Row] = [
    ("Id", "Asset ID", "id", "D", _NO),
    ("ContactId", "Contact ID", "reference", "CUN", {"ref": ("Contact",), "rel": "Contact"}),
    ("AccountId", "Account ID", "reference", "CUN", {"ref": ("Account",), "rel": "Account"}),
    ("ParentId", "Parent Asset ID", "reference", "CUN", {"ref": ("Asset",), "rel": "Parent"}),
    ("RootAssetId", "Root Asset ID", "reference", "N", {"ref": ("Asset",), "rel": "RootAsset"}),
    ("Product2Id", "Product ID", "reference", "CUN", {"ref": ("Product2",), "rel": "Product2"}),
    ("ProductCode", "Product Code", "string", "N", {"length": 255}),
    ("IsCompetitorProduct", "Competitor Asset", "boolean", "CUD", {"defaultValue": False}),
    *_audit(),
    ("IsDeleted", "Deleted", "boolean", "D", {"defaultValue": False}),
    ("Name", "Asset Name", "string", "CU", {"length": 255}),
    ("SerialNumber", "Serial Number", "string", "CUN", {"length": 80}),
    ("InstallDate", "Install Date", "date", "CUN", _NO),
    ("PurchaseDate", "Purchase Date", "date", "CUN", _NO),
    ("UsageEndDate", "Usage End Date", "date", "CUN", _NO),
    ("Status", "Status", "picklist", "CUN", {
        "length": 255,
        "values": ("Purchased", "Shipped", "Installed", "Registered", "Obsolete")}),
    ("Price", "Price", "currency", "CUN", {"precision": 18, "scale": 2}),
    ("Quantity", "Quantity", "double", "CUN", {"precision": 18, "scale": 2}),
    ("Description", "Description", "textarea", "CUN", {"length": 32000}),
    _owner("User"),
    ("AssetProvidedById", "Provided By ID", "reference", "CUN",
     {"ref": ("Account",), "rel": "AssetProvidedBy"}),
    ("AssetServicedById", "Serviced By ID", "reference", "CUN",
     {"ref": ("Account",), "rel": "AssetServicedBy"}),
    ("IsInternal", "Internal Asset", "boolean", "CUD", {"defaultValue": False}),
    ("AssetLevel", "Asset Level", "int", "N", {"digits": 9}),
    ("StockKeepingUnit", "Product SKU", "string", "N", {"length": 180}),
    *_viewed(),
]

_NOTE: list[Row] = [
    *_head("Note"),
    ("ParentId", "Parent ID", "reference", "C", {"ref": NOTE_PARENTS, "rel": "Parent"}),
    ("Title", "Title", "string", "CU", {"length": 80}),
    ("IsPrivate", "Private", "boolean", "CUD", {"defaultValue": False}),
    ("Body", "Body", "textarea", "CUN", {"length": 32000}),
    _owner("User"),
    *_audit(),
]


#: name → (label, plural label, key prefix, fields), in the order they are shipped.
OBJECTS: Mapping[str, tuple[str, str, str, list[Row]]] = {
    "Lead": ("Lead", "Leads", "00Q", _LEAD),
    "Opportunity": ("Opportunity", "Opportunities", "006", _OPPORTUNITY),
    "OpportunityContactRole": ("Opportunity Contact Role", "Opportunity Contact Roles",
                               "00K", _OPPORTUNITY_CONTACT_ROLE),
    "OpportunityLineItem": ("Opportunity Product", "Opportunity Products", "00k",
                            _OPPORTUNITY_LINE_ITEM),
    "Product2": ("Product", "Products", "01t", _PRODUCT2),
    "Pricebook2": ("Price Book", "Price Books", "01s", _PRICEBOOK2),
    "PricebookEntry": ("Price Book Entry", "Price Book Entries", "01u", _PRICEBOOK_ENTRY),
    "Campaign": ("Campaign", "Campaigns", "701", _CAMPAIGN),
    "CampaignMember": ("Campaign Member", "Campaign Members", "00v", _CAMPAIGN_MEMBER),
    "Contract": ("Contract", "Contracts", "800", _CONTRACT),
    "Order": ("Order", "Orders", "801", _ORDER),
    "OrderItem": ("Order Product", "Order Products", "802", _ORDER_ITEM),
    "Asset": ("Asset", "Assets", "02i", _ASSET),
    "Note": ("Note", "Notes", "002", _NOTE),
}

#: Child relationships the Sales Cloud objects add: (parent, child, field,
#: relationship name, cascade delete). Subqueries name a child by these names
#: (``SELECT Name, (SELECT Name FROM Opportunities) FROM Account``).
CHILD_RELATIONSHIPS: tuple[tuple[str, str, str, str, bool], ...] = (
    ("Account", "Opportunity", "AccountId", "Opportunities", True),
    ("Account", "Contract", "AccountId", "Contracts", False),
    ("Account", "Order", "AccountId", "Orders", False),
    ("Account", "Asset", "AccountId", "Assets", False),
    ("Account", "Note", "ParentId", "Notes", True),
    ("Contact", "OpportunityContactRole", "ContactId", "OpportunityContactRoles", True),
    ("Contact", "CampaignMember", "ContactId", "CampaignMembers", True),
    ("Contact", "Asset", "ContactId", "Assets", False),
    ("Contact", "Note", "ParentId", "Notes", True),
    ("Lead", "CampaignMember", "LeadId", "CampaignMembers", True),
    ("Lead", "Task", "WhoId", "Tasks", True),
    ("Lead", "Event", "WhoId", "Events", True),
    ("Lead", "Note", "ParentId", "Notes", True),
    ("Opportunity", "OpportunityContactRole", "OpportunityId", "OpportunityContactRoles", True),
    ("Opportunity", "OpportunityLineItem", "OpportunityId", "OpportunityLineItems", True),
    ("Opportunity", "Task", "WhatId", "Tasks", True),
    ("Opportunity", "Event", "WhatId", "Events", True),
    ("Opportunity", "Note", "ParentId", "Notes", True),
    ("Campaign", "Campaign", "ParentId", "ChildCampaigns", False),
    ("Campaign", "CampaignMember", "CampaignId", "CampaignMembers", True),
    ("Campaign", "Opportunity", "CampaignId", "Opportunities", False),
    ("Campaign", "Task", "WhatId", "Tasks", True),
    ("Campaign", "Event", "WhatId", "Events", True),
    ("Product2", "PricebookEntry", "Product2Id", "PricebookEntries", True),
    ("Product2", "Asset", "Product2Id", "Assets", False),
    ("Product2", "Note", "ParentId", "Notes", True),
    ("Pricebook2", "PricebookEntry", "Pricebook2Id", "PricebookEntries", True),
    ("Pricebook2", "Opportunity", "Pricebook2Id", "Opportunities", False),
    ("PricebookEntry", "OpportunityLineItem", "PricebookEntryId", "OpportunityLineItems", False),
    ("PricebookEntry", "OrderItem", "PricebookEntryId", "OrderItems", False),
    ("Contract", "Order", "ContractId", "Orders", False),
    ("Contract", "Task", "WhatId", "Tasks", True),
    ("Contract", "Event", "WhatId", "Events", True),
    ("Contract", "Note", "ParentId", "Notes", True),
    ("Order", "OrderItem", "OrderId", "OrderItems", True),
    ("Order", "Task", "WhatId", "Tasks", True),
    ("Order", "Event", "WhatId", "Events", True),
    ("Order", "Note", "ParentId", "Notes", True),
    ("Asset", "Asset", "ParentId", "ChildAssets", False),
    ("Asset", "Case", "AssetId", "Cases", False),
    ("Asset", "Task", "WhatId", "Tasks", True),
    ("Asset", "Event", "WhatId", "Events", True),
    ("Asset", "Note", "ParentId", "Notes", True),
)


def child_relationships(parent: str) -> list[dict[str, Any]]:
    """The child relationships of ``parent`` that point from a Sales Cloud object (or
    from an activity to one), in describe form."""
    return [
        {"cascadeDelete": cascade, "childSObject": child, "field": fname,
         "relationshipName": rel, "restrictedDelete": False}
        for par, child, fname, rel, cascade in CHILD_RELATIONSHIPS
        if par == parent
    ]


def describe(name: str) -> dict[str, Any]:
    """The describe result of Sales Cloud object ``name`` (exact spelling)."""
    label, plural, prefix, rows = OBJECTS[name]
    return {
        "name": name,
        "label": label,
        "labelPlural": plural,
        "keyPrefix": prefix,
        "custom": False,
        "createable": True,
        "updateable": True,
        "deletable": True,
        "queryable": True,
        "fields": [field(*row) for row in rows],
        "childRelationships": [],
    }
