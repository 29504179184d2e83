"""Faults a real org produces, recovered without losing or duplicating records:
UNABLE_TO_LOCK_ROW, 503s, failed Bulk jobs, and answers lost after a write was sent."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from sf_support import count, create_ext_field, org_at, token_profile, waiter

from crossmap_salesforce.auth import make_session
from crossmap_salesforce.bulk import _failure, _job_groups, _prepare
from crossmap_salesforce.connector import ConnectorSettings, SalesforceDestination
from crossmap_salesforce.emulator import FaultPlan, OrgHandle
from crossmap_salesforce.loader import _parent_key

PATHS = {"collections": 100_000, "bulk": 1}


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrgHandle]:
    faults = FaultPlan(seed=11, lock_row_rate=0.2, unavailable_rate=0.15, bulk_fail_rate=0.4)
    with org_at(tmp_path_factory.mktemp("sf-faults"), faults=faults) as handle:
        # Set-up calls meet the 503s too; the org's own client does not retry.
        for _ in range(20):
            try:
                create_ext_field(handle)
                break
            except Exception as exc:  # noqa: BLE001 - only 503s are expected here
                assert "SERVER_UNAVAILABLE" in str(exc)
        yield handle


def _dest(org: OrgHandle, session: requests.Session | None = None, **settings: Any) -> SalesforceDestination:
    settings = {"retry_wait": 0.0, "lock_wait": 0.0, "retry_attempts": 8, "lock_attempts": 8,
                "bulk_poll_interval": 0.0, "bulk_job_attempts": 6, **settings}
    return SalesforceDestination.connect(token_profile(org), ConnectorSettings(**settings),
                                         session=session, sleep=waiter(org))


def _count(org: OrgHandle, soql: str) -> int:
    for _ in range(30):
        try:
            return count(org, soql)
        except Exception as exc:  # noqa: BLE001 - the test's own query meets 503s too
            assert "SERVER_UNAVAILABLE" in str(exc)
    raise AssertionError("the org stayed unavailable")


@pytest.mark.parametrize("path", sorted(PATHS))
def test_inserts_survive_every_fault_without_duplicates(
        path: str, org: OrgHandle, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    dest = _dest(org, bulk_threshold=PATHS[path])
    tag = f"fault-{path}"
    rows = [(f"r{i}", {"Name": f"{tag} {i}"}) for i in range(300)]
    results = dest.load("Account", "insert", rows)
    assert [r.ref for r in results] == [ref for ref, _ in rows]
    assert all(r.ok for r in results), [r for r in results if not r.ok][:3]
    assert len({r.id for r in results}) == 300
    assert _count(org, f"SELECT COUNT() FROM Account WHERE Name LIKE '{tag} %'") == 300
    assert "UNABLE_TO_LOCK_ROW; re-queuing" in caplog.text
    assert "SERVER_UNAVAILABLE; retrying" in caplog.text
    if path == "bulk":
        # Some jobs ended Failed and their rows ran again in later jobs.
        assert "left" in caplog.text and len(dest.loader.bulk_jobs) > 1


@pytest.mark.parametrize("path", sorted(PATHS))
def test_upserts_and_updates_survive_faults(path: str, org: OrgHandle) -> None:
    dest = _dest(org, bulk_threshold=PATHS[path])
    rows = [(f"u{i}", {"Ext__c": f"{path}-{i}", "Name": f"up {path} {i}"}) for i in range(120)]
    first = dest.load("Account", "upsert", rows, external_id="Ext__c")
    assert all(r.ok and r.created for r in first)
    again = dest.load("Account", "upsert", rows, external_id="Ext__c")
    assert all(r.ok and not r.created for r in again)
    assert [r.id for r in again] == [r.id for r in first]
    updated = dest.load("Account", "update", [(r.ref, {"Id": r.id, "Phone": "555"}) for r in first])
    assert all(r.ok for r in updated)
    assert _count(org, f"SELECT COUNT() FROM Account WHERE Ext__c LIKE '{path}-%' "
                       "AND Phone = '555'") == 120


def test_locks_that_never_clear_fail_with_the_code_and_a_hint(tmp_path_factory: pytest.TempPathFactory) -> None:
    with org_at(tmp_path_factory.mktemp("sf-locked"), faults=FaultPlan(lock_row_rate=1.0)) as org:
        dest = _dest(org, lock_attempts=3)
        before = dest.api.calls
        result = dest.load("Account", "insert", [("x", {"Name": "locked"})])[0]
        assert result.error_code == "UNABLE_TO_LOCK_ROW"
        assert "re-queued" in (result.error_message or "")
        assert dest.api.calls - before == 3


def test_a_bulk_job_failing_every_time_fails_its_rows(tmp_path_factory: pytest.TempPathFactory) -> None:
    with org_at(tmp_path_factory.mktemp("sf-bulkfail"), faults=FaultPlan(bulk_fail_rate=1.0)) as org:
        dest = _dest(org, bulk_threshold=1, bulk_job_attempts=3)
        results = dest.load("Account", "update", [(f"b{i}", {"Id": f"00100000000000{i}AAA", "Name": "n"})
                                                  for i in range(4)])
        assert {r.error_code for r in results} == {"BULK_JOB_FAILED"}
        # Whole, whole again, then the two halves.
        assert len(dest.loader.bulk_jobs) == 4


class _LosesAnswers(requests.Session):
    """Lets chosen requests reach the org, then drops the answer (a read timeout after
    the org did the work): the one failure that can duplicate records."""

    def __init__(self, inner: requests.Session, method: str, path_end: str, times: int = 1) -> None:
        super().__init__()
        self.inner, self.method, self.path_end, self.left = inner, method, path_end, times

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        response = self.inner.request(str(method), str(url), *args, **kwargs)
        if self.left and method == self.method and str(url).split("?")[0].rstrip("/").endswith(self.path_end):
            self.left -= 1
            raise requests.exceptions.ReadTimeout("answer lost")
        return response

    def close(self) -> None:
        self.inner.close()
        super().close()


@pytest.fixture(scope="module")
def calm_org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrgHandle]:
    with org_at(tmp_path_factory.mktemp("sf-calm")) as handle:
        create_ext_field(handle)
        yield handle


def test_a_lost_insert_answer_is_reconciled_on_the_external_id(calm_org: OrgHandle) -> None:
    session = _LosesAnswers(make_session(token_profile(calm_org)), "POST", "composite/sobjects")
    dest = _dest(calm_org, session=session)
    rows = [(f"l{i}", {"Ext__c": f"lost-{i}", "Name": "lost answer"}) for i in range(5)]
    results = dest.load("Account", "insert", rows, external_id="Ext__c")
    assert session.left == 0
    assert all(r.ok and r.created for r in results)
    assert _count(calm_org, "SELECT COUNT() FROM Account WHERE Ext__c LIKE 'lost-%'") == 5
    got = {r["Ext__c"]: r["Id"] for r in dest.read("Account", None, ["Ext__c"]) if r["Ext__c"]}
    assert [got[f"lost-{i}"] for i in range(5)] == [r.id for r in results]


def test_a_lost_insert_answer_without_external_id_is_not_guessed(calm_org: OrgHandle) -> None:
    session = _LosesAnswers(make_session(token_profile(calm_org)), "POST", "composite/sobjects")
    dest = _dest(calm_org, session=session)
    results = dest.load("Account", "insert", [("n1", {"Name": "unknowable"})])
    assert results[0].error_code == "CROSSMAP_UNCERTAIN_INSERT"
    assert "external id" in (results[0].error_message or "")
    # It was created once and not sent again.
    assert _count(calm_org, "SELECT COUNT() FROM Account WHERE Name = 'unknowable'") == 1


def test_a_lost_bulk_upload_answer_drops_the_job_and_starts_over(calm_org: OrgHandle) -> None:
    session = _LosesAnswers(make_session(token_profile(calm_org)), "PUT", "batches")
    dest = _dest(calm_org, session=session, bulk_threshold=1)
    results = dest.load("Account", "insert", [(f"b{i}", {"Name": "bulk lost"}) for i in range(4)])
    assert all(r.ok for r in results)
    assert len(dest.loader.bulk_jobs) == 2
    assert _count(calm_org, "SELECT COUNT() FROM Account WHERE Name = 'bulk lost'") == 4


def test_bulk_error_text_is_parsed_into_code_message_and_fields() -> None:
    r = _failure("x", "REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --")
    assert (r.error_code, r.error_fields) == ("REQUIRED_FIELD_MISSING", ("Name",))
    assert (r.error_message or "").startswith("Required fields are missing: [Name] (hint:")
    r = _failure("x", "UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this record: --")
    assert (r.error_code, r.error_fields) == ("UNABLE_TO_LOCK_ROW", ())


def test_lock_retries_group_children_by_parent() -> None:
    rows = [{"AccountId": "001000000000002AAA", "LastName": "b"},
            {"AccountId": "001000000000001AAA", "LastName": "a"},
            {"AccountId": "001000000000002AAA", "LastName": "c"}]
    ordered = sorted(rows, key=_parent_key)
    assert [r["LastName"] for r in ordered] == ["a", "b", "c"]


def test_bulk_batches_are_split_into_jobs_by_rows_and_bytes() -> None:
    upload = _prepare("insert", [(str(i), {"Name": "x" * 10}) for i in range(7)])
    assert _job_groups(upload, max_rows=3) == [[0, 1, 2], [3, 4, 5], [6]]
    assert _job_groups(upload, max_bytes=30) == [[0, 1], [2, 3], [4, 5], [6]]
    assert _job_groups(upload) == [list(range(7))]


def test_a_lost_update_answer_is_simply_retried(calm_org: OrgHandle, caplog: pytest.LogCaptureFixture) -> None:
    made = _dest(calm_org).load("Account", "insert", [("t", {"Name": "before timeout"})])[0]
    session = _LosesAnswers(make_session(token_profile(calm_org)), "PATCH", "composite/sobjects")
    dest = _dest(calm_org, session=session)
    result = dest.load("Account", "update", [("t", {"Id": made.id, "Name": "after timeout"})])[0]
    assert session.left == 0
    assert result.ok and result.id == made.id
    assert "ReadTimeout); retrying" in caplog.text
    assert next(iter(dest.read("Account", [made.id or ""], ["Name"])))["Name"] == "after timeout"
