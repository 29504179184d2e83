"""The Salesforce destination passes the connector conformance kit against the
local org, on both load paths (sObject Collections, and Bulk API 2.0 forced)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sf_support import create_ext_field, destination, org_at

from crossmap.testing.connectors import Check, DestinationCase, destination_checks
from crossmap_salesforce.emulator import OrgHandle

CASE = DestinationCase(object="Account", external_id="Ext__c", field="Description",
                       extra={"Name": "Conformance"})


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrgHandle]:
    with org_at(tmp_path_factory.mktemp("sf-conformance")) as handle:
        create_ext_field(handle)
        yield handle


@pytest.mark.parametrize("bulk_threshold", [100_000, 1], ids=["collections", "bulk"])
@pytest.mark.parametrize("name", [c.name for c in destination_checks(lambda: None, CASE)])  # type: ignore[arg-type, return-value]
def test_the_salesforce_destination_conforms(org: OrgHandle, bulk_threshold: int, name: str) -> None:
    checks: dict[str, Check] = {
        c.name: c for c in destination_checks(
            lambda: destination(org, bulk_threshold=bulk_threshold, bulk_poll_interval=0.0), CASE)
    }
    checks[name]()
