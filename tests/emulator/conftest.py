"""One emulated org for the whole session (starting one per test would dominate the
run time), on a manual clock; tests that need other settings start their own."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from emulator_support import Raw
from simple_salesforce import Salesforce

from crossmap_salesforce.emulator import ManualClock, OrgHandle, running_org


@pytest.fixture(scope="session")
def clock() -> ManualClock:
    """The shared org's clock. Do not move it: every fixture's token would expire."""
    return ManualClock(datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC))


@pytest.fixture(scope="session")
def org(tmp_path_factory: pytest.TempPathFactory, clock: ManualClock) -> Iterator[OrgHandle]:
    with running_org(tmp_path_factory.mktemp("org"), clock=clock) as handle:
        yield handle


@pytest.fixture(scope="session")
def sf(org: OrgHandle) -> Salesforce:
    return org.sf


@pytest.fixture(scope="session")
def raw(org: OrgHandle) -> Iterator[Raw]:
    client = Raw(org)
    yield client
    client.close()


@pytest.fixture(scope="session")
def ext_field(raw: Raw) -> str:
    """``Account.Ext__c``: a unique, case-insensitive external id created through the
    Tooling API (the standard objects have none)."""
    r = raw("POST", "/tooling/sobjects/CustomField", json={
        "FullName": "Account.Ext__c",
        "Metadata": {"label": "Ext", "type": "Text", "length": 20, "externalId": True,
                     "unique": True},
    })
    assert r.status_code == 201, r.text
    return "Ext__c"
