"""The simulator's behaviour beyond the contract's shapes: auth, paging at equal
timestamps, filters, limits, faults, mutations, exports and the command line."""

from __future__ import annotations

import json
import signal
import ssl
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from qdispatch_support import SCALE, SEED, START

from crossmap_qdispatch.clock import ManualClock
from crossmap_qdispatch.generator import LEGACY_IMPORT, generate, ts
from crossmap_qdispatch.simulator import Faults, Limits, Simulator
from crossmap_qdispatch.simulator.faults import FaultInjector


def _client(sim: Simulator) -> httpx.Client:
    return httpx.Client(base_url=sim.base_url,
                        verify=ssl.create_default_context(cafile=str(sim.ca_file)))


def _token(client: httpx.Client, sim: Simulator) -> str:
    r = client.post("/v1/oauth/token", data={"grant_type": "client_credentials",
                                             "client_id": sim.client_id,
                                             "client_secret": sim.client_secret})
    assert r.status_code == 200
    return str(r.json()["access_token"])


@pytest.fixture(scope="module")
def http(sim: Simulator) -> Iterator[httpx.Client]:
    with _client(sim) as c:
        c.headers["Authorization"] = f"Bearer {_token(c, sim)}"
        yield c


def _walk(http: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    out, cursor = [], None
    while True:
        body = http.get(path, params={**params, **({"cursor": cursor} if cursor else {})}).json()
        out += body["data"]
        cursor = body["next_cursor"]
        if cursor is None:
            assert body["has_more"] is False
            return out


def test_wrong_secret_and_missing_token_are_401(sim: Simulator) -> None:
    with _client(sim) as c:
        r = c.post("/v1/oauth/token", data={"grant_type": "client_credentials",
                                            "client_id": sim.client_id, "client_secret": "nope"})
        assert r.status_code == 401 and r.json()["error"] == "invalid_client"
        assert c.get("/v1/customers").status_code == 401
        r = c.get("/v1/customers", headers={"Authorization": "Bearer forged"})
        assert r.status_code == 401 and r.json()["error"] == "invalid_token"


def test_secret_stays_out_of_the_simulator_repr(sim: Simulator) -> None:
    assert sim.client_secret not in repr(sim)
    assert sim.client_secret not in repr(sim.state)


def test_cursor_paging_at_equal_timestamps_neither_skips_nor_repeats(http: httpx.Client) -> None:
    want = sorted((g.record["updated_at"], g.record["id"])
                  for g in generate(SEED, SCALE, ["line_items"]) if g.live)
    assert sum(1 for w in want if w[0] == ts(LEGACY_IMPORT)) > 3
    for limit in (1, 3, 7, 200):
        got = [(r["updated_at"], r["id"]) for r in _walk(http, "/v1/line_items", limit=limit)]
        assert got == want


def test_inactive_records_only_when_asked(http: httpx.Client) -> None:
    every = _walk(http, "/v1/technicians", include_inactive="true")
    active = _walk(http, "/v1/technicians")
    assert {r["id"] for r in active} == {r["id"] for r in every if r["active"]}
    assert len(active) < len(every)


def test_updated_since_is_inclusive(http: httpx.Client) -> None:
    stamp = ts(LEGACY_IMPORT)
    got = _walk(http, "/v1/line_items", updated_since=stamp, limit=5)
    assert got and min(r["updated_at"] for r in got) == stamp
    assert http.get("/v1/line_items", params={"updated_since": "yesterday"}).status_code == 400


def test_bad_parameters_are_400(http: httpx.Client) -> None:
    assert http.get("/v1/jobs", params={"limit": 0}).status_code == 400
    assert http.get("/v1/jobs", params={"cursor": "!!"}).json()["error"] == "invalid_cursor"
    assert http.get("/v1/jobs/job_9999999").status_code == 404


def test_numbered_pages_cover_everything_once(http: httpx.Client) -> None:
    seen, page = [], 1
    while True:
        body = http.get("/v1/communications", params={"page": page, "page_size": 4}).json()
        seen += [r["id"] for r in body["data"]]
        if not body["has_more"]:
            break
        page += 1
    assert len(seen) == len(set(seen)) == body["total"]


def test_tombstones_list_deleted_and_merged_records(http: httpx.Client) -> None:
    want = {(g.object, g.record["id"], g.merged_into)
            for g in generate(SEED, SCALE) if not g.live}
    got = {(t["object"], t["id"], t["merged_into_id"]) for t in _walk(http, "/v1/deleted", limit=2)}
    assert got == want
    only = _walk(http, "/v1/deleted", object="customers")
    assert only and {t["object"] for t in only} == {"customers"}


def test_rate_limit_headers_and_429_with_retry_after() -> None:
    clock = ManualClock(START)
    with Simulator(1, 1, clock=clock, limits=Limits(per_minute=3, per_day=5)) as sim, \
            _client(sim) as c:
        c.headers["Authorization"] = f"Bearer {_token(c, sim)}"
        answers = [c.get("/v1/technicians") for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert answers[0].headers["X-RateLimit-Limit"] == "3"
        assert answers[2].headers["X-RateLimit-Remaining"] == "0"
        retry = int(answers[3].headers["Retry-After"])
        assert 1 <= retry <= 60
        clock.advance(retry)
        assert c.get("/v1/technicians").status_code == 200
        clock.advance(60)
        day = c.get("/v1/technicians")
        assert day.status_code == 200 and day.headers["X-RateLimit-Remaining-Day"] == "0"
        clock.advance(60)
        over = c.get("/v1/technicians")
        assert over.status_code == 429 and int(over.headers["Retry-After"]) > 60


def test_tokens_expire_by_the_clock() -> None:
    clock = ManualClock(START)
    with Simulator(1, 1, clock=clock, token_ttl=100) as sim, _client(sim) as c:
        c.headers["Authorization"] = f"Bearer {_token(c, sim)}"
        assert c.get("/v1/technicians").status_code == 200
        clock.advance(100)
        r = c.get("/v1/technicians")
        assert r.status_code == 401 and r.json()["error"] == "token_expired"


def test_faults_are_deterministic_by_seed_and_switchable() -> None:
    def decisions(seed: int) -> list[Any]:
        f = FaultInjector(seed, Faults(burst_429_every=5, error_5xx_rate=0.3, slow_rate=0.3,
                                       token_expire_every=4))
        return [(f.throttle(n), f.server_error(n), f.delay(n), f.expire_token(n))
                for n in range(1, 60)]
    assert decisions(1) == decisions(1)
    assert decisions(1) != decisions(2)
    f = FaultInjector(1, Faults(burst_429_every=5, burst_429_length=2))
    assert [f.throttle(n) for n in range(4, 9)] == [None, 1, 1, None, None]
    f.configure(Faults())
    assert all(f.server_error(n) is None and f.throttle(n) is None for n in range(1, 50))
    assert Faults.named("all").error_5xx_rate > 0
    with pytest.raises(ValueError, match="known"):
        Faults.named("meteor")


def test_fault_switch_over_http_and_processing_attachments(sim: Simulator,
                                                            http: httpx.Client) -> None:
    aid = next(g.record["id"] for g in generate(SEED, SCALE, ["attachments"]) if g.live)
    r = http.put("/_sim/faults", json={"processing_rate": 1.0, "processing_polls": 1})
    assert r.status_code == 200
    try:
        first = http.get(f"/v1/attachments/{aid}/content")
        assert first.status_code == 202 and first.headers["Retry-After"] == "1"
        second = http.get(f"/v1/attachments/{aid}/content")
        assert second.status_code == 200 and second.content
    finally:
        sim.set_faults(Faults())
    assert http.put("/_sim/faults", json={"meteor": 1}).status_code == 400
    # The control plane itself is never faulted, whatever is switched on.
    hostile = {"token_expire_every": 1, "error_5xx_rate": 1.0, "burst_429_every": 1}
    try:
        assert all(http.put("/_sim/faults", json=hostile).status_code == 200 for _ in range(3))
    finally:
        sim.set_faults(Faults())


def test_mutations_bump_only_their_own_record(sim: Simulator, http: httpx.Client,
                                               module_clock: ManualClock) -> None:
    module_clock.advance(120)  # well inside the module token's lifetime
    item = _walk(http, "/v1/line_items", limit=200)[0]
    job_before = http.get(f"/v1/jobs/{item['job_id']}").json()
    r = http.patch(f"/_sim/records/line_items/{item['id']}", json={"quantity": "9.5"})
    assert r.status_code == 200 and r.json()["updated_at"] > item["updated_at"]
    assert http.get(f"/v1/jobs/{item['job_id']}").json() == job_before
    created = http.post("/_sim/records/job_notes", json={"job_id": item["job_id"],
                                                          "body": "new", "author_id": None,
                                                          "visibility": "internal"}).json()
    newest = _walk(http, "/v1/job_notes", updated_since=created["updated_at"])
    assert created["id"] in {n["id"] for n in newest}
    gone = http.delete(f"/_sim/records/job_notes/{created['id']}").json()
    assert gone["object"] == "job_notes" and gone["deleted_at"] >= created["updated_at"]
    assert http.get(f"/v1/job_notes/{created['id']}").status_code == 404
    assert http.patch("/_sim/records/jobs/job_0000001", json={"id": "x"}).status_code == 400


def test_export_bundle_is_a_snapshot_with_a_manifest(http: httpx.Client) -> None:
    created = http.post("/v1/exports", json={"objects": ["technicians", "contacts"]})
    assert created.status_code == 202 and created.json()["status"] == "processing"
    eid = created.json()["id"]
    assert http.get(f"/v1/exports/{eid}/download").status_code == 409
    status = http.get(f"/v1/exports/{eid}").json()
    assert status["status"] == "ready"
    lines = [json.loads(x) for x in http.get(status["download_url"]).text.splitlines()]
    manifest, rest = lines[0], lines[1:]
    assert manifest["type"] == "manifest"
    records = [x for x in rest if x["type"] == "record"]
    assert manifest["counts"] == {
        "technicians": sum(1 for x in records if x["object"] == "technicians"),
        "contacts": sum(1 for x in records if x["object"] == "contacts")}
    assert http.post("/v1/exports", json={"objects": ["nope"]}).status_code == 400


def test_command_line_prints_one_json_line_and_stops_on_sigterm() -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "crossmap_qdispatch.simulator", "--port", "0", "--seed", "2",
         "--scale", "1"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    ) as proc:
        try:
            assert proc.stdout is not None
            info = json.loads(proc.stdout.readline())
            assert set(info) == {"base_url", "ca_file", "client_id", "client_secret"}
            with httpx.Client(base_url=info["base_url"],
                              verify=ssl.create_default_context(cafile=info["ca_file"])) as c:
                r = c.post("/v1/oauth/token", data={"grant_type": "client_credentials",
                                                    "client_id": info["client_id"],
                                                    "client_secret": info["client_secret"]})
                assert r.status_code == 200
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=20) == 0
        finally:
            if proc.poll() is None:  # a failed assertion must not leave it running
                proc.kill()


def test_a_jobs_technician_list_follows_its_assignments(sim: Simulator, http: httpx.Client,
                                                         module_clock: ManualClock) -> None:
    module_clock.advance(60)
    jobs = _walk(http, "/v1/jobs", limit=200)
    job = next(j for j in jobs if not j["assigned_technician_ids"])
    techs = [t["id"] for t in _walk(http, "/v1/technicians", limit=200)[:2]]

    def assign(tech: str) -> dict[str, Any]:
        r = http.post("/_sim/records/technician_assignments", json={
            "job_id": job["id"], "technician_id": tech, "role": "Primary",
            "hours_worked": None, "assigned_at": job["created_at"]})
        assert r.status_code == 201
        return dict(r.json())

    first = assign(techs[0])
    after_one = http.get(f"/v1/jobs/{job['id']}").json()
    assert after_one["assigned_technician_ids"] == [techs[0]]
    assert after_one["updated_at"] > job["updated_at"]  # a delta run sees the job change
    assign(techs[1])
    assign(techs[0])  # the same technician twice is listed once
    assert http.get(f"/v1/jobs/{job['id']}").json()["assigned_technician_ids"] == techs
    module_clock.advance(60)
    before_delete = http.get(f"/v1/jobs/{job['id']}").json()
    assert http.delete(f"/_sim/records/technician_assignments/{first['id']}").status_code == 200
    # techs[0] keeps the list position of the assignment that still names them.
    after = http.get(f"/v1/jobs/{job['id']}").json()
    assert after["assigned_technician_ids"] == [techs[1], techs[0]]
    assert after["updated_at"] > before_delete["updated_at"]
    # Moving an assignment to another job changes both jobs' lists.
    other = next(j for j in jobs if j["id"] != job["id"] and j["assigned_technician_ids"])
    mine = [a for a in _walk(http, "/v1/technician_assignments", limit=200) if a["job_id"] == job["id"]]
    for a in mine:
        http.patch(f"/_sim/records/technician_assignments/{a['id']}", json={"job_id": other["id"]})
    assert http.get(f"/v1/jobs/{job['id']}").json()["assigned_technician_ids"] == []
    moved = http.get(f"/v1/jobs/{other['id']}").json()["assigned_technician_ids"]
    assert set(techs) <= set(moved) and len(moved) == len(set(moved))
