"""A local Salesforce org: an HTTPS emulator of the REST and Bulk API 2.0 wire protocol.

Start one with ``python -m crossmap_salesforce.emulator --port 0 --data-dir DIR`` or,
from Python, with :func:`running_org`::

    with running_org(tmp_dir) as org:
        org.salesforce().Account.create({"Name": "Acme"})
"""

from crossmap_salesforce.emulator.clock import ManualClock
from crossmap_salesforce.emulator.faults import FaultPlan
from crossmap_salesforce.emulator.orgdef import OrgSettings
from crossmap_salesforce.emulator.runner import LoginRoutingSession, OrgHandle, running_org

__all__ = ["FaultPlan", "LoginRoutingSession", "ManualClock", "OrgHandle", "OrgSettings",
           "running_org"]
