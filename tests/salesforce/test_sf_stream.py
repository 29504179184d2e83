"""Load streams: any number of rows as one Bulk API 2.0 job, results in the order the
rows came, collections for few rows and for files, and nothing lost under faults."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sf_support import count, create_ext_field, org_at, token_profile, waiter

from crossmap.connectors.protocols import LoadResult, StreamingDestination
from crossmap_salesforce import stream as stream_module
from crossmap_salesforce.connector import ConnectorSettings, SalesforceDestination
from crossmap_salesforce.emulator import FaultPlan, OrgHandle


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrgHandle]:
    with org_at(tmp_path_factory.mktemp("sf-stream")) as handle:
        create_ext_field(handle)
        yield handle


def _dest(org: OrgHandle, **settings: Any) -> SalesforceDestination:
    settings = {"retry_wait": 0.0, "lock_wait": 0.0, "bulk_poll_interval": 0.0, **settings}
    return SalesforceDestination.connect(token_profile(org), ConnectorSettings(**settings), sleep=waiter(org))


def _send(dest: SalesforceDestination, object: str, operation: Any, rows: list[tuple[str, dict[str, Any]]],
          external_id: str | None = None) -> list[list[LoadResult]]:
    stream = dest.open_load(object, operation, external_id=external_id)
    try:
        for ref, row in rows:
            stream.add(ref, row)
        return [list(results) for results in stream.send()]
    finally:
        stream.close()


def test_thousands_of_rows_take_one_job_at_the_minimum_of_calls(org: OrgHandle) -> None:
    dest = _dest(org)
    assert isinstance(dest, StreamingDestination)
    rows = [(f"s{i}", {"Name": f"stream {i}" if i % 1000 else None, "NumberOfEmployees": i})
            for i in range(4500)]
    before = dest.api.calls
    lists = _send(dest, "Account", "insert", rows)
    results = [r for results in lists for r in results]
    assert [r.ref for r in results] == [ref for ref, _ in rows]
    assert len(dest.loader.bulk_jobs) == 1
    assert all(len(results) <= stream_module.RESULTS_PER_LIST for results in lists)
    refused = [r for r in results if not r.ok]
    assert [r.ref for r in refused] == ["s0", "s1000", "s2000", "s3000", "s4000"]
    assert {r.error_code for r in refused} == {"REQUIRED_FIELD_MISSING"}
    assert all(r.created and r.id for r in results if r.ok)
    # Create, upload, close, a poll (two when the first finds the job still running),
    # successful and failed results.
    assert dest.api.calls - before in (6, 7)
    assert count(org, "SELECT COUNT() FROM Account WHERE Name LIKE 'stream %'") == 4495


def test_a_job_file_that_fills_up_starts_another(org: OrgHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream_module, "MAX_ROWS_PER_JOB", 1000)
    dest = _dest(org, bulk_threshold=2)
    rows = [(f"j{i}", {"Name": f"jobs {i}"}) for i in range(2500)]
    results = [r for results in _send(dest, "Account", "insert", rows) for r in results]
    assert len(dest.loader.bulk_jobs) == 3
    assert [r.ref for r in results] == [ref for ref, _ in rows]
    assert len({r.id for r in results if r.ok}) == 2500


def test_a_job_file_that_reaches_its_size_starts_another(org: OrgHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream_module, "MAX_BYTES_PER_JOB", 20_000)
    dest = _dest(org, bulk_threshold=2)
    rows = [(f"b{i}", {"Name": f"bytes {i:06d}"}) for i in range(2500)]
    results = [r for results in _send(dest, "Account", "insert", rows) for r in results]
    assert len(dest.loader.bulk_jobs) == 2  # ~13 bytes a line: the first job stops past 20,000 bytes
    assert [r.ref for r in results] == [ref for ref, _ in rows]
    assert all(r.ok for r in results)


def test_rows_refused_before_sending_keep_their_place(org: OrgHandle) -> None:
    dest = _dest(org, bulk_threshold=2)
    rows = [("u1", {"Ext__c": "up-1", "Name": "up one"}), ("u2", {"Name": "no key"}),
            ("u3", {"Ext__c": "up-3", "Name": "up three"})]
    results = [r for results in _send(dest, "Account", "upsert", rows, "Ext__c") for r in results]
    assert [(r.ref, r.ok) for r in results] == [("u1", True), ("u2", False), ("u3", True)]
    assert results[1].error_code == "CROSSMAP_MISSING_EXTERNAL_ID"
    again = [r for results in _send(dest, "Account", "upsert", rows[::2], "Ext__c") for r in results]
    assert [r.created for r in again] == [False, False]
    assert [r.id for r in again] == [results[0].id, results[2].id]


def test_few_rows_go_through_collections(org: OrgHandle) -> None:
    dest = _dest(org)
    before = dest.api.calls
    results = [r for results in _send(dest, "Account", "insert", [(f"c{i}", {"Name": f"few {i}"})
                                                                   for i in range(450)]) for r in results]
    assert all(r.ok for r in results) and len(results) == 450
    assert dest.loader.bulk_jobs == []
    assert dest.api.calls - before == 3


def test_files_go_through_collections_whatever_their_number(org: OrgHandle) -> None:
    dest = _dest(org, bulk_threshold=1)
    rows = [(f"f{i}", {"Title": f"file {i}", "PathOnClient": f"file{i}.txt", "VersionData": b"bytes %d" % i})
            for i in range(3)]
    results = [r for results in _send(dest, "ContentVersion", "insert", rows) for r in results]
    assert [r.ref for r in results if r.ok] == ["f0", "f1", "f2"]
    assert dest.loader.bulk_jobs == []


def test_nothing_is_lost_or_doubled_under_faults(tmp_path_factory: pytest.TempPathFactory) -> None:
    faults = FaultPlan(seed=5, lock_row_rate=0.1, bulk_fail_rate=0.5)
    with org_at(tmp_path_factory.mktemp("sf-stream-faults"), faults=faults) as org:
        create_ext_field(org)
        dest = _dest(org, bulk_threshold=2, lock_attempts=10, bulk_job_attempts=8)
        rows = [(f"x{i}", {"Ext__c": f"x-{i}", "Name": f"fault {i}"}) for i in range(3000)]
        results = [r for results in _send(dest, "Account", "upsert", rows, "Ext__c") for r in results]
        assert [r.ref for r in results] == [ref for ref, _ in rows]
        assert all(r.ok for r in results), {r.error_code for r in results if not r.ok}
        assert len(dest.loader.bulk_jobs) > 1  # the failed job went round again
        assert count(org, "SELECT COUNT() FROM Account WHERE Name LIKE 'fault %'") == 3000
        assert len({r.id for r in results}) == 3000
