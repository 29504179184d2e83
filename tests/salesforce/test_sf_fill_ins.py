"""What the org stores by itself in a field a write leaves empty (``fills_in``), from
the describe: a checkbox's false or default, a picklist's default on create, a value
the org picks for another ``defaultedOnCreate`` field, and the fields it derives from
others (an Event's end). Salesforce, SOAP API Developer Guide, "DescribeSObjectResult"
(https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_describesobjects_describesobjectresult.htm):
``defaultedOnCreate``, ``defaultValue``, ``picklistValues[].defaultValue``."""

from __future__ import annotations

from typing import Any

from crossmap_salesforce.fill_ins import matcher

DESCRIBES: dict[str, dict[str, Any]] = {
    "Thing__c": {"fields": [
        {"name": "Done__c", "type": "boolean", "defaultValue": False, "defaultedOnCreate": True},
        {"name": "Open__c", "type": "boolean", "defaultValue": True, "defaultedOnCreate": True},
        {"name": "Stage__c", "type": "picklist", "defaultedOnCreate": True,
         "picklistValues": [{"value": "New", "defaultValue": True, "active": True},
                            {"value": "Old", "defaultValue": False, "active": True}]},
        {"name": "Kind__c", "type": "picklist", "defaultedOnCreate": False,
         "picklistValues": [{"value": "A", "defaultValue": False, "active": True}]},
        {"name": "OwnerId", "type": "reference", "defaultedOnCreate": True},
        {"name": "Note__c", "type": "string", "defaultedOnCreate": False},
    ]},
    "Event": {"fields": [{"name": "EndDateTime", "type": "datetime", "defaultedOnCreate": False}]},
}


def test_the_orgs_fill_ins_by_field_and_operation() -> None:
    fills = matcher(DESCRIBES.get)
    assert fills("Thing__c", "Done__c", False, True) and fills("Thing__c", "Done__c", False, False)
    assert not fills("Thing__c", "Done__c", True, True)  # checked by hand
    assert fills("Thing__c", "Open__c", True, True) and not fills("Thing__c", "Open__c", True, False)
    assert fills("Thing__c", "Open__c", "false", False)  # a checkbox read back as text
    assert fills("Thing__c", "Stage__c", "New", True)
    assert not fills("Thing__c", "Stage__c", "Old", True)  # not the default: set by hand
    assert not fills("Thing__c", "Stage__c", "New", False)  # defaults apply on create only
    assert not fills("Thing__c", "Kind__c", "A", True)
    assert fills("Thing__c", "OwnerId", "0055g0000000001AAA", True)  # the org picks the owner
    assert not fills("Thing__c", "OwnerId", "0055g0000000001AAA", False)
    assert not fills("Thing__c", "Note__c", "by hand", True)
    assert fills("Event", "EndDateTime", "2025-01-01T10:00:00.000+0000", False)  # derived from the start
    assert not fills("Unknown__c", "Note__c", "x", True)
    assert not fills("Thing__c", "Stage__c", ["New"], True)  # unhashable: no fill-in
