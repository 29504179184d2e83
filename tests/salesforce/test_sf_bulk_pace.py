"""When a Bulk API 2.0 ingest job is checked: each status check is an API call, so a
job's first check waits for the time the org took, at the pace of the jobs it
finished, for as many rows (``numberRecordsProcessed`` and ``totalProcessingTime``,
Bulk API 2.0 Developer Guide, *Get Information About an Ingest Job*,
https://developer.salesforce.com/docs/platform/api-asynch/guide/get-job-info.md)."""

from __future__ import annotations

from typing import Any

from crossmap_salesforce.bulk import BulkLoader, BulkSettings, Pace


class Org:
    """Answers status checks by a fake clock: a job is complete from ``done_at``."""

    def __init__(self, done_at: float, rows: int, millis: int) -> None:
        self.now = 0.0
        self.done_at = done_at
        self.rows, self.millis = rows, millis
        self.checks = 0

    def json(self, method: str, path: str, **_: Any) -> dict[str, Any]:
        assert (method, path) == ("GET", "jobs/ingest/750J")
        self.checks += 1
        if self.now < self.done_at:
            return {"state": "InProgress", "numberRecordsProcessed": 0, "totalProcessingTime": 0}
        return {"state": "JobComplete", "numberRecordsProcessed": self.rows, "totalProcessingTime": self.millis}

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def _loader(org: Org, pace: Pace) -> BulkLoader:
    return BulkLoader(org, BulkSettings(poll_interval=2.0, poll_max=30.0),  # type: ignore[arg-type]
                      sleep=org.sleep, clock=lambda: org.now, pace=pace)


def test_a_connection_that_has_seen_no_job_checks_at_once_then_backs_off() -> None:
    org = Org(done_at=1.0, rows=500, millis=1000)
    info = _loader(org, Pace())._wait("750J", 500)
    assert info["state"] == "JobComplete"
    assert org.checks == 2 and org.now == 2.0


def test_after_one_job_the_next_is_checked_once_when_the_org_keeps_its_pace() -> None:
    pace = Pace()
    first = Org(done_at=1.0, rows=500, millis=1000)
    _loader(first, pace)._wait("750J", 500)
    assert (pace.rows, pace.millis) == (500, 1000)

    second = Org(done_at=4.0, rows=2000, millis=4000)  # four times the rows, the same pace
    assert _loader(second, pace)._wait("750J", 2000)["state"] == "JobComplete"
    assert second.checks == 1
    assert second.now == 2000 * 1000 / 500 / 1000 * Pace.MARGIN


def test_a_slower_job_falls_back_to_the_usual_back_off() -> None:
    pace = Pace(rows=1000, millis=1000)
    org = Org(done_at=10.0, rows=1000, millis=10_000)
    assert _loader(org, pace)._wait("750J", 1000)["state"] == "JobComplete"
    assert org.checks > 1 and org.now >= 10.0


def test_the_first_wait_is_capped_and_learns_only_from_what_the_org_counted() -> None:
    pace = Pace()
    pace.learn({"numberRecordsProcessed": 0, "totalProcessingTime": 0})
    pace.learn({"state": "JobComplete"})
    assert pace.first_check(10_000, cap=30.0) == 0.0
    pace.learn({"numberRecordsProcessed": 100, "totalProcessingTime": 60_000})
    assert pace.first_check(10_000, cap=30.0) == 30.0
    assert pace.first_check(0, cap=30.0) == 0.0
