"""SOQL beyond one object's fields, through simple-salesforce: child relationship
subqueries, semi-joins and anti-joins, aggregates with GROUP BY and HAVING, date
functions and FIELDS(). Sources: SOQL and SOSL Reference (developer.salesforce.com/
docs/atlas.en-us.soql_sosl.meta/soql_sosl/): "Relationship Queries",
"Comparison Operators" (semi-joins and anti-joins), "Aggregate Functions",
"GROUP BY", "HAVING", "Date Functions", "FIELDS()"."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from crossmap_salesforce.emulator import ManualClock, OrgHandle, running_org


@pytest.fixture(scope="module")
def crm(tmp_path_factory: pytest.TempPathFactory, clock: ManualClock) -> Iterator[OrgHandle]:
    """An org of its own with a few accounts, contacts and opportunities."""
    with running_org(tmp_path_factory.mktemp("soql-rel"), clock=clock) as org:
        sf = org.sf
        acme = sf.Account.create({"Name": "Acme"})["id"]
        globex = sf.Account.create({"Name": "Globex"})["id"]
        sf.Account.create({"Name": "Initech"})
        for last in ("Zed", "Adams", "Moss"):
            sf.Contact.create({"LastName": last, "AccountId": acme})
        sf.Contact.create({"LastName": "Solo"})
        deals = [("A1", acme, "Prospecting", 100, "2024-02-10"),
                 ("A2", acme, "Closed Won", 250, "2024-05-01"),
                 ("G1", globex, "Prospecting", 50, "2023-11-30"),
                 ("G2", globex, "Closed Won", None, "2024-08-15")]
        for name, account, stage, amount, close in deals:
            sf.Opportunity.create({"Name": name, "AccountId": account, "StageName": stage,
                                   "Amount": amount, "CloseDate": close})
        yield org


def _sf(crm: OrgHandle) -> Salesforce:
    return crm.sf


def test_child_relationship_subqueries(crm: OrgHandle) -> None:
    rows = _sf(crm).query(
        "SELECT Name, (SELECT LastName FROM Contacts ORDER BY LastName LIMIT 2), "
        "(SELECT Name FROM Opportunities WHERE StageName = 'Closed Won') "
        "FROM Account ORDER BY Name")["records"]
    acme, globex, initech = rows
    assert [c["LastName"] for c in acme["Contacts"]["records"]] == ["Adams", "Moss"]
    assert acme["Contacts"]["totalSize"] == 2 and acme["Contacts"]["done"] is True
    assert acme["Contacts"]["records"][0]["attributes"]["type"] == "Contact"
    assert [o["Name"] for o in globex["Opportunities"]["records"]] == ["G2"]
    assert globex["Contacts"] is None and initech["Opportunities"] is None


def test_an_unknown_child_relationship_is_refused(crm: OrgHandle) -> None:
    with pytest.raises(SalesforceMalformedRequest) as info:
        _sf(crm).query("SELECT Name, (SELECT Id FROM Contact) FROM Account")
    assert info.value.content[0]["errorCode"] == "INVALID_TYPE"  # type: ignore[attr-defined]


def test_semi_join_and_anti_join(crm: OrgHandle) -> None:
    sf = _sf(crm)
    with_contacts = sf.query("SELECT Name FROM Account WHERE Id IN "
                             "(SELECT AccountId FROM Contact WHERE LastName LIKE 'M%')")
    assert [r["Name"] for r in with_contacts["records"]] == ["Acme"]
    without = sf.query("SELECT Name FROM Account WHERE Id NOT IN "
                       "(SELECT AccountId FROM Opportunity) ORDER BY Name")
    assert [r["Name"] for r in without["records"]] == ["Initech"]
    # Semi-joins only at the top level of WHERE.
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.query("SELECT Name FROM Account WHERE Name = 'x' OR "
                 "Id IN (SELECT AccountId FROM Contact)")
    assert "top level WHERE" in info.value.content[0]["message"]  # type: ignore[attr-defined]


def test_group_by_with_aggregates_and_having(crm: OrgHandle) -> None:
    result = _sf(crm).query(
        "SELECT StageName, COUNT(Id) n, SUM(Amount), MAX(CloseDate), MIN(Amount), AVG(Amount) "
        "FROM Opportunity GROUP BY StageName ORDER BY StageName")
    assert result["totalSize"] == 2
    closed, prospecting = result["records"]
    assert closed == {"attributes": {"type": "AggregateResult"}, "StageName": "Closed Won",
                      "n": 2, "expr0": 250, "expr1": "2024-08-15", "expr2": 250, "expr3": 250}
    assert (prospecting["n"], prospecting["expr0"], prospecting["expr3"]) == (2, 150, 75)
    having = _sf(crm).query("SELECT AccountId, COUNT(Id) FROM Opportunity GROUP BY AccountId "
                            "HAVING SUM(Amount) > 100")
    assert having["totalSize"] == 1 and having["records"][0]["expr0"] == 2
    everything = _sf(crm).query("SELECT COUNT(Id), COUNT_DISTINCT(AccountId) FROM Opportunity")
    assert everything["records"][0]["expr0"] == 4 and everything["records"][0]["expr1"] == 2


def test_aggregate_rules(crm: OrgHandle) -> None:
    sf = _sf(crm)
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.query("SELECT Name, COUNT(Id) FROM Opportunity GROUP BY StageName")
    assert "grouped or aggregated" in info.value.content[0]["message"]  # type: ignore[attr-defined]
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.query("SELECT SUM(Name) FROM Opportunity")
    assert info.value.content[0]["errorCode"] == "INVALID_FIELD"  # type: ignore[attr-defined]


def test_date_functions(crm: OrgHandle) -> None:
    sf = _sf(crm)
    in_2024 = sf.query("SELECT Name FROM Opportunity WHERE CALENDAR_YEAR(CloseDate) = 2024 "
                       "ORDER BY Name")
    assert [r["Name"] for r in in_2024["records"]] == ["A1", "A2", "G2"]
    by_quarter = sf.query("SELECT CALENDAR_QUARTER(CloseDate) q, COUNT(Id) FROM Opportunity "
                          "WHERE CALENDAR_YEAR(CloseDate) = 2024 "
                          "GROUP BY CALENDAR_QUARTER(CloseDate) ORDER BY CALENDAR_QUARTER(CloseDate)")
    assert [(r["q"], r["expr0"]) for r in by_quarter["records"]] == [(1, 1), (2, 1), (3, 1)]
    today = sf.query("SELECT COUNT() FROM Account WHERE DAY_ONLY(CreatedDate) = TODAY")
    assert today["totalSize"] == 3
    with pytest.raises(SalesforceMalformedRequest):
        sf.query("SELECT Name FROM Opportunity WHERE CALENDAR_YEAR(Name) = 2024")


def test_fields_macros(crm: OrgHandle) -> None:
    sf = _sf(crm)
    row = sf.query("SELECT FIELDS(STANDARD) FROM Account WHERE Name = 'Acme'")["records"][0]
    assert row["Name"] == "Acme" and "OwnerId" in row and "CreatedDate" in row
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.query("SELECT FIELDS(ALL) FROM Account")
    assert "LIMIT" in info.value.content[0]["message"]  # type: ignore[attr-defined]
    assert sf.query("SELECT FIELDS(ALL) FROM Account LIMIT 200")["totalSize"] == 3


def test_what_stays_unsupported_is_malformed(crm: OrgHandle) -> None:
    for soql in ("SELECT Id FROM Account WITH SECURITY_ENFORCED",
                 "SELECT TYPEOF What WHEN Account THEN Name END FROM Task",
                 "SELECT Id FROM Account FOR UPDATE",
                 "SELECT Name FROM Account GROUP BY ROLLUP(Name)"):
        with pytest.raises(SalesforceMalformedRequest) as info:
            _sf(crm).query(soql)
        assert info.value.content[0]["errorCode"] == "MALFORMED_QUERY"  # type: ignore[attr-defined]


def test_bulk_refuses_group_by_and_subqueries(crm: OrgHandle) -> None:
    """Bulk API 2.0 Developer Guide, "Understanding Bulk API 2.0 Query": no GROUP BY,
    no aggregates, no parent-to-child relationship queries."""
    for soql in ("SELECT StageName, COUNT(Id) FROM Opportunity GROUP BY StageName",
                 "SELECT Name, (SELECT Id FROM Contacts) FROM Account"):
        with pytest.raises(SalesforceMalformedRequest):
            list(_sf(crm).bulk2.Account.query(soql))


def test_relative_date_literals(crm: OrgHandle, clock: ManualClock) -> None:
    """SOQL and SOSL Reference, "Date Formats and Date Literals": THIS_/LAST_/NEXT_
    WEEK, MONTH, QUARTER, YEAR; LAST_N_MONTHS:n and the like cover whole periods."""
    sf = _sf(crm)
    today = clock().date()  # 2024-05-06
    assert today.isoformat() == "2024-05-06"

    def names(soql: str) -> list[str]:
        return [r["Name"] for r in sf.query(soql)["records"]]

    assert names("SELECT Name FROM Opportunity WHERE CloseDate = THIS_QUARTER") == ["A2"]
    assert names("SELECT Name FROM Opportunity WHERE CloseDate = LAST_QUARTER") == ["A1"]
    assert names("SELECT Name FROM Opportunity WHERE CloseDate = NEXT_QUARTER") == ["G2"]
    assert names("SELECT Name FROM Opportunity WHERE CloseDate = LAST_YEAR") == ["G1"]
    assert names("SELECT Name FROM Opportunity WHERE CloseDate = LAST_N_MONTHS:6 "
                 "ORDER BY Name") == ["A1", "G1"]
    assert names("SELECT Name FROM Opportunity WHERE CloseDate > THIS_MONTH") == ["G2"]
