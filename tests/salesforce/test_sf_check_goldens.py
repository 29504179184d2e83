"""`crossmap check` on the flagship pair (Q Dispatch → Salesforce) against the
plugins' shipped schemas: the compile goldens whose point is a fact of Salesforce's
describe, kept here with their exact output (tests/fixtures/salesforce-check) when
the compiler's own goldens moved to a fixture schema pair that needs no plugin.

The Salesforce facts each shows, as the Object Reference states them:
- ``lookup_polymorphic_target``: ``Task.WhatId`` is polymorphic and lists the objects a
  task may be related to, not Contact (a task's contact is its ``WhoId``): "can also be
  related to one account, asset, campaign, case, contract, opportunity, product,
  solution, or custom object" (TaskRelation,
  https://developer.salesforce.com/docs/atlas.en-us.264.0.object_reference.meta/object_reference/sforce_api_objects_taskrelation.htm).
- ``not_createable`` and ``optional_not_writable_warning``: ``Case.ClosedDate`` has
  the properties "Filter, Nillable, Sort", no Create (Case,
  https://developer.salesforce.com/docs/atlas.en-us.252.0.object_reference.meta/object_reference/sforce_api_objects_case.htm),
  and ``CreatedDate`` is a read-only audit field ("System Fields",
  https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/system_fields.htm).
- ``required_unset``: ``Contact.LastName`` is not nillable and has no default (Contact,
  https://developer.salesforce.com/docs/atlas.en-us.206.0.object_reference.meta/object_reference/sforce_api_objects_contact.htm).
- ``unknown_connector``: the destination plugin registers itself as ``salesforce``.

Run with CROSSMAP_UPDATE_GOLDEN=1 to rewrite the .expected files.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from crossmap.errors import SpecError
from crossmap.syntax import load
from crossmap.systems import compile_offline

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "salesforce-check"
CASES = sorted(p.name for p in FIXTURES.glob("*.xmap"))


def render(name: str) -> tuple[str, bool]:
    """The rendered diagnostics, and whether a plan was produced."""
    try:
        result = compile_offline(load(name))
    except SpecError as error:
        return error.render() + "\n", False
    return "\n\n".join(d.render() for d in result.diagnostics) + "\n", result.plan is not None


def test_the_folder_holds_the_cases() -> None:
    assert len(CASES) == 5


@pytest.mark.parametrize("name", CASES)
def test_check_diagnostics_on_the_flagship_pair(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    actual, planned = render(name)
    expected_path = FIXTURES / (name.removesuffix(".xmap") + ".expected")
    if os.environ.get("CROSSMAP_UPDATE_GOLDEN"):
        expected_path.write_text(actual, encoding="utf-8")
    assert actual == expected_path.read_text(encoding="utf-8")
    assert planned == name.removesuffix(".xmap").endswith("_warning")
