"""The daily API budget: /limits read before a run, a clear stop before running dry."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sf_support import count, destination, org_at

from crossmap_salesforce.budget import estimate_calls
from crossmap_salesforce.emulator import OrgHandle, OrgSettings
from crossmap_salesforce.transport import BudgetExceeded

DAILY = 40


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrgHandle]:
    settings = OrgSettings(daily_api_requests=DAILY)
    with org_at(tmp_path_factory.mktemp("sf-budget"), settings=settings) as handle:
        yield handle


def test_estimates_count_collection_calls_and_bulk_jobs() -> None:
    assert estimate_calls([1, 200, 201]) == 1 + 1 + 2
    assert estimate_calls([2000]) == 7
    assert estimate_calls([250_000]) == 21
    assert estimate_calls([500], bulk_threshold=100) == 7
    assert estimate_calls([0]) == 0


def test_check_budget_passes_then_stops_with_a_clear_message(org: OrgHandle) -> None:
    dest = destination(org)
    limits = dest.check_budget(5)
    assert limits.daily_api_max == DAILY
    assert 0 < limits.daily_api_remaining < DAILY
    with pytest.raises(BudgetExceeded) as info:
        dest.check_budget(10_000)
    message = str(info.value)
    assert "10000 API requests" in message
    assert f"of its {DAILY} daily requests left" in message
    assert "nothing was loaded" in message and "Resume" in message


def test_reserve_is_kept_for_other_integrations(org: OrgHandle) -> None:
    dest = destination(org, budget_reserve=DAILY)
    with pytest.raises(BudgetExceeded, match=f"plus {DAILY} kept in reserve"):
        dest.check_budget(1)


def test_a_batch_that_would_run_dry_stops_before_sending(org: OrgHandle) -> None:
    # Collections only: one call per 200 rows, so the batch below needs one call more
    # than the org has left.
    dest = destination(org, bulk_threshold=10**9)
    assert dest.load("Account", "insert", [("one", {"Name": "budget one"})])[0].ok
    remaining = dest.api.usage.remaining
    assert remaining is not None and remaining < DAILY
    calls = dest.api.calls
    rows = [(f"r{i}", {"Name": "budget many"}) for i in range(200 * (remaining + 1))]
    with pytest.raises(BudgetExceeded, match="stopped before it"):
        dest.load("Account", "insert", rows)
    assert dest.api.calls == calls
    assert count(org, "SELECT COUNT() FROM Account WHERE Name = 'budget many'") == 0
