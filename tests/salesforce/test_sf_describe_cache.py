"""``SalesforceDestination.describe()`` builds the schema once per connector: asking
again sends no describe call and builds nothing; deploying declarations forgets it,
so the next describe sees the new object.

Each describe is one ``GET /services/data/vXX.X/sobjects/{sObject}/describe/``
("Get Field and Other Metadata for an Object", REST API Developer Guide,
https://developer.salesforce.com/docs/platform/api-rest/guide/dome-sobject-describe.md),
and every REST call counts against the org's total API request allocation ("API
Request Limits and Allocations", https://developer.salesforce.com/docs/platform/
salesforce-app-limits-cheatsheet/guide/salesforce-app-limits-platform-api.html)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sf_support import destination, org_at

import crossmap_salesforce.connector as connector_module
from crossmap.compiler.plan import Declaration
from crossmap.schema import FieldSchema, String
from crossmap_salesforce.emulator import OrgHandle


class CountingApi:
    """The connector's ``Api``, counting the describe calls it sends."""

    def __init__(self, api: Any) -> None:
        self._api = api
        self.describes: list[str] = []

    def json(self, method: str, path: str, *args: Any, **kwargs: Any) -> Any:
        if method == "GET" and path.endswith("/describe/"):
            self.describes.append(path)
        return self._api.json(method, path, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._api, name)


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrgHandle]:
    with org_at(tmp_path_factory.mktemp("sf-describe")) as handle:
        yield handle


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many objects each schema build was given."""
    built: list[int] = []
    original = connector_module.schema_from_describes

    def counting(describes: Any) -> Any:
        built.append(len(describes))
        return original(describes)

    monkeypatch.setattr(connector_module, "schema_from_describes", counting)
    return built


def test_describe_twice_sends_no_second_describe_and_builds_once(org: OrgHandle, builds: list[int]) -> None:
    dest = destination(org, objects=("Account", "Contact"))
    api = CountingApi(dest.api)
    dest.api = api  # type: ignore[assignment]
    first = dest.describe()
    assert sorted(api.describes) == ["sobjects/Account/describe/", "sobjects/Contact/describe/"]
    assert builds == [2]
    assert dest.describe() is first and dest.describe() is first
    assert len(api.describes) == 2 and builds == [2]


def test_deploying_declarations_forgets_the_schema(org: OrgHandle, builds: list[int]) -> None:
    dest = destination(org, objects=("Account", "Gadget__c"))
    api = CountingApi(dest.api)
    dest.api = api  # type: ignore[assignment]
    before = dest.describe()
    assert "Gadget__c" not in before.objects and builds == [1]
    gadget = Declaration("Gadget__c", True, "Gadget", (FieldSchema("Code__c", String(20), custom=True),))
    report = dest.deploy_declarations([gadget], apply=True)
    assert report.ok, report.problems
    after = dest.describe()
    assert after is not before and "Code__c" in after.objects["Gadget__c"].fields
    assert builds[-1] == 2
    calls = len(api.describes)
    assert dest.describe() is after and len(api.describes) == calls
