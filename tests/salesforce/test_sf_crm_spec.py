"""specs/crm_to_salesforce.xmap end to end (issue 21): a marketing CRM's CSV export,
as exported (no schema file), into a local Salesforce org: the spec's custom fields
are deployed, every record loads with one outcome, lookups point where the export
says (Task.WhatId at an Opportunity or an Account, objects its referenceTo lists),
and a re-run creates nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner
from sf_support import destination, org_at

from crossmap.cli import main
from crossmap.compiler import compile
from crossmap.connectors.builtin import CsvSource
from crossmap.engine import Engine, RunOptions
from crossmap.state import StateStore
from crossmap.syntax import load

SPECS = Path(__file__).resolve().parents[2] / "specs"


def test_the_crm_export_into_a_salesforce_org(tmp_path: Path) -> None:
    shutil.copy(SPECS / "crm_to_salesforce.xmap", tmp_path)
    shutil.copytree(SPECS / "data" / "crm", tmp_path / "data" / "crm")
    spec_path = tmp_path / "crm_to_salesforce.xmap"
    for command in ("check", "test"):
        result = CliRunner().invoke(main, [command, str(spec_path)])
        assert result.exit_code == 0, result.output
    spec = load(spec_path)
    source = CsvSource.from_options({"path": "data/crm", "key": "Record ID", "key_engagements": "Engagement ID",
                                     "key_deals": "Deal ID", "spec_dir": str(tmp_path)})
    with org_at(tmp_path / "org") as org, StateStore.open(tmp_path / "state.db") as store:
        target = destination(org)
        plan = compile(spec, source_schema=source.schema(), target_schema=target.describe())
        report = target.deploy_declarations(plan.declarations)
        assert not report.problems, report
        first = Engine(plan, source, target, store, RunOptions(batch_size=10)).run()
        assert first.counts == {
            "companies->Account": {"created": 3},
            "contacts->Contact": {"created": 3},
            "deals->Opportunity": {"created": 3},
            "engagements->Task": {"created": 4},
        }
        accounts = {r["CRM_Company_Id__c"]: r for r in org.sf.query_all(
            "SELECT Id, CRM_Company_Id__c, Name, Industry, AnnualRevenue, Description FROM Account")["records"]}
        assert accounts["1002"]["Name"] == "Northwind Traders"
        assert accounts["1001"]["Industry"] == "Food & Beverage" and accounts["1001"]["AnnualRevenue"] == 1250000.5
        assert accounts["1001"]["Description"] == "In the CRM since 2020-01-01"
        contacts = {r["CRM_Contact_Id__c"]: r for r in org.sf.query_all(
            "SELECT Id, CRM_Contact_Id__c, LastName, AccountId, Description FROM Contact")["records"]}
        assert contacts["2002"]["LastName"] == "Bo" and contacts["2002"]["AccountId"] == accounts["1002"]["Id"]
        assert contacts["2002"]["Description"] == "Created 2021-02-15 14:00 UTC"  # day-first, London time
        assert contacts["2003"]["AccountId"] is None
        deals = {r["CRM_Deal_Id__c"]: r for r in org.sf.query_all(
            "SELECT Id, CRM_Deal_Id__c, StageName, Amount, CloseDate, AccountId FROM Opportunity")["records"]}
        assert (deals["4002"]["StageName"], deals["4002"]["CloseDate"]) == ("Negotiation/Review", "2024-06-05")
        assert deals["4003"]["CloseDate"] == "2025-12-31" and deals["4003"]["AccountId"] == accounts["1003"]["Id"]
        tasks = {r["CRM_Engagement_Id__c"]: r for r in org.sf.query_all(
            "SELECT CRM_Engagement_Id__c, Subject, Status, WhoId, WhatId, ActivityDate FROM Task")["records"]}
        assert tasks["3001"]["WhatId"] == accounts["1001"]["Id"] and tasks["3001"]["WhoId"] == contacts["2001"]["Id"]
        assert tasks["3002"]["WhatId"] == deals["4002"]["Id"]  # on the deal rather than the company
        assert (tasks["3003"]["Status"], tasks["3003"]["ActivityDate"]) == ("Not Started", "2025-01-01")
        assert (tasks["3004"]["Subject"], tasks["3004"]["Status"], tasks["3004"]["WhatId"]) == ("NOTE", "Completed", None)

        again = Engine(plan, source, target, store, RunOptions(batch_size=10)).run()
        assert all("created" not in counts for counts in again.counts.values()), again.counts
        assert org.sf.query("SELECT COUNT() FROM Task")["totalSize"] == 4
