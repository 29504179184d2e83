"""Helpers for the Salesforce connector tests (a module, so tests can import it)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from crossmap.connectors.profiles import Profile
from crossmap_salesforce.connector import ConnectorSettings, SalesforceDestination
from crossmap_salesforce.emulator import OrgHandle, running_org


def waiter(org: OrgHandle) -> Callable[[float], None]:
    """A ``sleep`` for the connector that waits for the org's Bulk worker instead of
    the clock (and does not wait at all between retries)."""
    assert org.emulator is not None
    bulk = org.emulator.bulk

    def sleep(_seconds: float) -> None:
        bulk.wait_idle()

    return sleep


def token_profile(org: OrgHandle) -> Profile:
    """A resolved token profile for the org."""
    return Profile("test", {"auth": "token", "instance_url": org.instance_url,
                            "ca_file": org.ca_file}, {"access_token": org.access_token})


def destination(org: OrgHandle, **settings: Any) -> SalesforceDestination:
    """A connector on the org's access token; settings are ``ConnectorSettings`` keys."""
    settings.setdefault("retry_wait", 0.0)
    settings.setdefault("lock_wait", 0.0)
    return SalesforceDestination.connect(token_profile(org), ConnectorSettings(**settings),
                                         sleep=waiter(org))


@contextmanager
def org_at(path: Path, **kwargs: Any) -> Iterator[OrgHandle]:
    """``running_org`` (a named wrapper so fixtures read alike)."""
    with running_org(path, **kwargs) as handle:
        yield handle


def count(org: OrgHandle, soql: str) -> int:
    """``totalSize`` of a query on the org's own client."""
    return int(org.sf.query(soql)["totalSize"])


def create_ext_field(org: OrgHandle, object: str = "Account", name: str = "Ext__c") -> str:
    """A unique external id text field created through the Tooling API."""
    org.sf.toolingexecute("sobjects/CustomField", method="POST", data={
        "FullName": f"{object}.{name}",
        "Metadata": {"label": "Ext", "type": "Text", "length": 40, "externalId": True,
                     "unique": True},
    })
    return name
