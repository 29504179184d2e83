"""The ``qdispatch`` source: protocol, schema, typed records, delta, tombstones,
attachments, re-authentication, and secrets kept out of reprs and errors."""

from __future__ import annotations

import hashlib
import random
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from qdispatch_support import SCALE, SEED, START, make_source

from crossmap.connectors.protocols import InvalidRecord, Source, Tombstone
from crossmap.errors import CrossmapError
from crossmap.schema import Boolean, DateTime, Enum, ListOf, Reference, String
from crossmap_qdispatch.auth import Credentials
from crossmap_qdispatch.clock import ManualClock
from crossmap_qdispatch.connector import Options, QDispatchSource, UnknownQDispatchObjectError
from crossmap_qdispatch.errors import AuthError, QDispatchError
from crossmap_qdispatch.generator import CUSTOM_PROPERTY_DEFINITIONS, generate
from crossmap_qdispatch.objects import OBJECT_NAMES
from crossmap_qdispatch.records import RecordConverter
from crossmap_qdispatch.simulator import Faults, Limits, Simulator


def test_it_is_a_source(source: QDispatchSource) -> None:
    assert isinstance(source, Source)


def test_schema_has_every_object_and_typed_custom_properties(source: QDispatchSource) -> None:
    schema = source.schema()
    nested = {"job_status_changes", "job_custom_properties", "technician_skills"}
    assert {o.name for o in schema} == set(OBJECT_NAMES) | nested
    jobs = schema.object("jobs")
    history = jobs.field("status_history").type
    assert isinstance(history, ListOf) and history.object == "job_status_changes"
    assert isinstance(schema.object("job_status_changes").field("changed_at").type, DateTime)
    assert jobs.field("id").type == String(32) and jobs.field("id").external_id
    tier = jobs.field("custom_service_tier")
    assert tier.custom and isinstance(tier.type, Enum) and not tier.type.restricted
    assert "Platinum" not in tier.type.values  # removed from the definition ...
    assert isinstance(jobs.field("custom_warranty_claim").type, Boolean)
    assert isinstance(jobs.field("status_completed_at").type, DateTime)
    assert jobs.field("customer_id").type == Reference(("customers",))
    assert jobs.key == "id"


def test_typed_records_follow_the_schema(source: QDispatchSource) -> None:
    jobs = [r for page in source.extract("jobs") for r in page]
    # ... yet a job still holding the removed value reads fine.
    assert any(j["custom_service_tier"] == "Platinum" for j in jobs)
    assert all(isinstance(j["updated_at"], datetime) for j in jobs)
    assert any(j["completed_at"] is None and j["status"] != "Completed" for j in jobs)
    done = next(j for j in jobs if j["status"] == "Completed")
    assert done["completed_at"] == done["status_completed_at"]
    assert done["status_history"][-1] == {"status": "Completed",
                                          "changed_at": done["completed_at"],
                                          "changed_by_id": done["status_history"][-1]["changed_by_id"]}
    techs = [r for page in source.extract("technicians") for r in page]
    for t in techs:
        assert t["certified_skills"] == tuple(s["name"] for s in t["skills"] if s["certified"])
    items = [r for page in source.extract("line_items") for r in page]
    assert all(isinstance(i["quantity"], Decimal) for i in items)
    assert all(i["rate"] == Decimal(i["rate_cents"]) / 100 for i in items)
    customers = [r for page in source.extract("customers") for r in page]
    assert all(isinstance(c["tax_exempt"], bool) for c in customers)
    assert all("billing_address_city" in c and "billing_address" not in c for c in customers)
    assert any(isinstance(c["preferred_service_windows"], tuple) and
               c["preferred_service_windows"] for c in customers)
    invoices = [r for page in source.extract("invoices") for r in page]
    assert all(i["due_on"] is None or isinstance(i["due_on"], date) for i in invoices)


def test_static_schema_needs_no_connection_and_matches_the_live_one(
        source: QDispatchSource) -> None:
    assert QDispatchSource.static_schema() == source.schema()


def test_a_value_that_does_not_parse_names_object_record_and_field() -> None:
    convert = RecordConverter("line_items")
    record = convert({"id": "lin_1", "quantity": "lots"})
    assert isinstance(record, InvalidRecord) and record["quantity"] == "lots"
    assert record.reason() == ("field 'quantity' holds 'lots': not a decimal number; fix the record in Q Dispatch "
                               "or map the field as text")
    bad = [convert({"id": "l", "quantity": v}) for v in ({"a": 1}, True, [1], 1.5)]
    assert all(isinstance(r, InvalidRecord) and r.problems[0].field == "quantity" for r in bad)
    assert not isinstance(convert({"id": "l", "quantity": "3"}), InvalidRecord)
    jobs = RecordConverter("jobs", [dict(d, options=list(d["options"] or ()))
                                    for d in CUSTOM_PROPERTY_DEFINITIONS])
    rec = jobs({"id": "j", "custom_properties": [{"key": "install_date", "value": "0000-00-00"},
                                                 {"key": "gone", "value": "x"}]})
    assert rec["custom_install_date"] is None and rec["custom_gone"] == "x"


def test_unknown_objects_and_blob_fields_are_refused(source: QDispatchSource) -> None:
    with pytest.raises(UnknownQDispatchObjectError, match="did you mean 'customers'"):
        source.extract("customer")
    with pytest.raises(UnknownQDispatchObjectError, match="did you mean 'job_notes'"):
        source.tombstones("job_note")
    with pytest.raises(UnknownQDispatchObjectError):
        source.open_blob("jobs", "job_0000001", "content")


def test_attachments_stream_in_chunks_matching_their_metadata(source: QDispatchSource) -> None:
    attachments = [r for page in source.extract("attachments") for r in page]
    biggest = max(attachments, key=lambda a: a["size_bytes"])
    chunks = list(source.open_blob("attachments", biggest["id"], "content"))
    assert hashlib.sha256(b"".join(chunks)).hexdigest() == biggest["sha256"]
    if biggest["size_bytes"] > 64 * 1024:
        assert len(chunks) > 1
    with pytest.raises(QDispatchError, match="HTTP 404"):
        list(source.open_blob("attachments", "att_9999999", "content"))


def test_delta_by_each_objects_own_watermark(sim: Simulator, module_clock: ManualClock,
                                             source: QDispatchSource) -> None:
    module_clock.advance(600)
    watermark = datetime.fromtimestamp(module_clock.now(), UTC)
    item = next(g.record for g in generate(SEED, SCALE, ["line_items"]) if g.live)
    contact = next(g.record for g in generate(SEED, SCALE, ["contacts"]) if g.live)
    sim.store.update("line_items", item["id"], {"quantity": "4.25"})
    note = sim.store.create("job_notes", {"job_id": item["job_id"], "author_id": None,
                                          "body": "added during cutover",
                                          "visibility": "internal"})
    sim.store.delete("contacts", contact["id"])
    changed = [r for page in source.extract("line_items", since=watermark) for r in page]
    assert [(r["id"], r["quantity"]) for r in changed] == [(item["id"], Decimal("4.25"))]
    # The job's own updated_at did not move: a job-level watermark would miss the edit.
    assert [r for page in source.extract("jobs", since=watermark) for r in page] == []
    assert [r["id"] for p in source.extract("job_notes", since=watermark) for r in p] == [note["id"]]
    tombs = list(source.tombstones("contacts", since=watermark))
    assert [(t.object, t.key) for t in tombs] == [("contacts", contact["id"])]
    assert isinstance(tombs[0], Tombstone)
    assert tombs[0].deleted_at >= watermark.replace(microsecond=0)  # whole seconds on the wire


def test_delta_overlap_reaches_back_before_the_watermark(sim: Simulator,
                                                          module_clock: ManualClock) -> None:
    module_clock.advance(600)
    item = next(g.record for g in generate(SEED, SCALE, ["line_items"]) if g.live)
    sim.store.update("line_items", item["id"], {"sku": "LATE"})
    later = datetime.fromtimestamp(module_clock.now(), UTC) + timedelta(minutes=2)
    with make_source(sim, module_clock, overlap=timedelta(minutes=5)) as wide, \
            make_source(sim, module_clock, overlap=timedelta(0)) as narrow:
        assert [r["id"] for p in wide.extract("line_items", since=later) for r in p] == [item["id"]]
        assert list(narrow.extract("line_items", since=later)) == []


def test_token_dying_during_a_long_backoff_is_renewed() -> None:
    clock = ManualClock(START)
    # Every 429 asks for 120 s; tokens live 60 s: each retry finds its token dead.
    faults = Faults(burst_429_every=3, burst_429_length=1, burst_retry_after=120)
    with Simulator(4, 1, clock=clock, faults=faults, token_ttl=60,
                   limits=Limits(600, 10**6)) as sim, \
            make_source(sim, clock, max_concurrency=1, page_size=3) as source:
        got = sum(len(p) for p in source.extract("contacts"))
        assert got == sum(1 for g in generate(4, 1, ["contacts"]) if g.live)
        assert source.stats["token_fetches"] > 2


def test_persistent_failure_gives_up_with_a_clear_error() -> None:
    clock = ManualClock(START)
    with Simulator(4, 1, clock=clock, faults=Faults(error_5xx_rate=1.0)) as sim, \
            make_source(sim, clock, max_attempts=3) as source:
        with pytest.raises(QDispatchError, match=r"GET /v1/technicians: HTTP 50\d"):
            list(source.extract("technicians"))
        assert source.stats["retries"] == 2


def test_secrets_stay_out_of_reprs_and_errors(sim: Simulator, module_clock: ManualClock) -> None:
    secret = "s3cr3t-never-print-me"
    creds = Credentials(sim.client_id, secret)
    assert secret not in repr(creds)
    source = QDispatchSource(sim.base_url, creds, sim.ca_file, Options(clock=module_clock))
    try:
        assert secret not in repr(source) and secret not in repr(source.options)
        with pytest.raises(AuthError) as info:
            list(source.extract("technicians"))
        assert isinstance(info.value, CrossmapError)
        assert secret not in str(info.value) and sim.client_id in str(info.value)
        assert secret not in repr(source.api.tokens)
    finally:
        source.close()


def test_extract_many_runs_objects_concurrently_and_surfaces_errors(
        source: QDispatchSource) -> None:
    seen = {obj for obj, _ in source.extract_many(["technicians", "contacts", "jobs"])}
    assert seen == {"technicians", "contacts", "jobs"}
    with pytest.raises(UnknownQDispatchObjectError):
        list(source.extract_many(["technicians", "nope"]))


def test_credentials_may_be_a_mapping(sim: Simulator, module_clock: ManualClock) -> None:
    with QDispatchSource(sim.base_url, {"client_id": sim.client_id,
                                        "client_secret": sim.client_secret},
                         str(sim.ca_file), Options(clock=module_clock)) as source:
        assert len(source.definitions()) == len(CUSTOM_PROPERTY_DEFINITIONS)


def test_untrusted_certificate_is_refused(sim: Simulator, module_clock: ManualClock) -> None:
    with QDispatchSource(sim.base_url, Credentials(sim.client_id, sim.client_secret), None,
                         Options(clock=module_clock, max_attempts=1)) as source:
        with pytest.raises(QDispatchError, match="ConnectError") as refused:
            source.definitions()
        assert isinstance(httpx.ConnectError("x"), httpx.TransportError)
    port = sim.base_url.rsplit(":", 1)[1].strip("/")
    assert f"cannot reach Q Dispatch at 127.0.0.1:{port}" in str(refused.value)
    assert "check the profile's ca_file" in str(refused.value)


def test_an_unreachable_server_names_host_port_and_what_to_check(module_clock: ManualClock) -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with (QDispatchSource(f"https://127.0.0.1:{port}", Credentials("id", "s3cret"), None,
                          Options(clock=module_clock, max_attempts=1)) as source,
          pytest.raises(QDispatchError) as refused):
        source.definitions()
    message = str(refused.value)
    assert message.startswith(f"token request failed: cannot reach Q Dispatch at 127.0.0.1:{port} (ConnectError: ")
    assert "check the profile's base_url, that the Q Dispatch server is up" in message
    assert "s3cret" not in message


def test_a_ca_file_that_does_not_exist_is_a_clear_error(tmp_path: Path, module_clock: ManualClock) -> None:
    with pytest.raises(QDispatchError, match=r"ca_file .*nope.pem does not exist; fix the path in crossmap.toml"):
        QDispatchSource("https://127.0.0.1:1", Credentials("id", "s"), tmp_path / "nope.pem",
                        Options(clock=module_clock))
    (tmp_path / "junk.pem").write_text("not a certificate")
    with pytest.raises(QDispatchError, match="cannot be used as a CA bundle"):
        QDispatchSource("https://127.0.0.1:1", Credentials("id", "s"), tmp_path / "junk.pem",
                        Options(clock=module_clock))


class _Cut(httpx.SyncByteStream):
    closed = False

    def __iter__(self) -> Iterator[bytes]:
        raise httpx.ReadError("the body broke off")

    def close(self) -> None:
        self.closed = True


def test_a_body_cut_off_is_dropped_and_the_request_retried(sim: Simulator, module_clock: ManualClock) -> None:
    cut = _Cut()

    class CutOnce(httpx.BaseTransport):
        def __init__(self, inner: httpx.BaseTransport) -> None:
            self.inner = inner

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            response = self.inner.handle_request(request)
            if request.url.path.endswith("/custom_property_definitions") and not cut.closed:
                response.read()
                return httpx.Response(200, headers=response.headers, stream=cut)
            return response

    with QDispatchSource(sim.base_url, Credentials(sim.client_id, sim.client_secret), str(sim.ca_file),
                         Options(clock=module_clock)) as source:
        source.api._transport = CutOnce(source.api._transport)
        assert len(source.definitions()) == len(CUSTOM_PROPERTY_DEFINITIONS)
        assert cut.closed and source.api.retries == 1


def test_numbered_pages_survive_records_moving_behind_the_reader() -> None:
    """Deleting or updating already-read records shifts every later record one place
    to the left; plain page numbers then skip a record at each page boundary. The
    connector re-anchors on the last ``updated_at`` it saw, so nothing is skipped."""
    clock = ManualClock(START)
    with Simulator(9, 2, clock=clock, limits=Limits(6000, 10**6)) as sim, \
            make_source(sim, clock, typed=False, page_size=3, max_concurrency=1) as source:
        before = {r["id"] for r in sim.store.iter_all("communications")}
        stamps = [r["updated_at"] for r in sim.store.iter_all("communications")]
        assert max(stamps.count(s) for s in stamps) > 3  # a tie longer than a page
        seen: list[str] = []
        touched: set[str] = set()
        pages = source.extract("communications")
        for number, page in enumerate(pages):
            seen += [r["id"] for r in page]
            if number in (1, 3, 5):
                clock.advance(1)
                behind = [i for i in dict.fromkeys(seen) if i not in touched]
                sim.store.delete("communications", behind[0])
                sim.store.update("communications", behind[1], {"subject": "moved"})
                touched.update(behind[:2])
        assert before <= set(seen)
        assert len(seen) == len(set(seen)) + 3  # only the three updated records, again

        # The naive reader, for contrast, loses records under the same edits.
        naive, page_no = [], 1
        http = source.api
        while True:
            body = http.get_json("/v1/communications", {"page": page_no, "page_size": 3})
            naive += [r["id"] for r in body["data"]]
            if page_no in (2, 4, 6):
                clock.advance(1)
                sim.store.delete("communications", body["data"][0]["id"])
            if not body["has_more"]:
                break
            page_no += 1
        still_there = {r["id"] for r in sim.store.iter_all("communications")}
        assert not still_there <= set(naive)


def test_slow_answers_time_out_and_are_retried() -> None:
    clock = ManualClock(START)
    # Timeouts are real seconds (the server really stalls); a generous margin keeps
    # the normal answers well inside the timeout on a loaded machine.
    faults = Faults(slow_rate=0.3, slow_seconds=1.5)
    with Simulator(8, 1, clock=clock, faults=faults) as sim, \
            make_source(sim, clock, timeout=0.5, max_concurrency=1) as source:
        got = sum(len(p) for p in source.extract("contacts"))
        assert got == sum(1 for g in generate(8, 1, ["contacts"]) if g.live)
        assert source.stats["retries"] > 0


def test_retries_are_logged_without_secrets_or_tokens(caplog: pytest.LogCaptureFixture) -> None:
    clock = ManualClock(START)
    faults = Faults(token_expire_every=2, error_5xx_rate=0.3)
    caplog.set_level("INFO", logger="crossmap_qdispatch")
    with Simulator(6, 1, clock=clock, faults=faults) as sim, \
            make_source(sim, clock) as source:
        list(source.extract("contacts"))
        token = source.api.tokens.get()
    assert "retry" in caplog.text and "token rejected" in caplog.text
    assert sim.client_secret not in caplog.text and token not in caplog.text


def test_options_are_validated() -> None:
    with pytest.raises(ValueError):
        Options(page_size=500)
    with pytest.raises(ValueError):
        Options(headroom=1.5)


def test_cursor_extraction_survives_edits_and_deletes_while_it_runs() -> None:
    clock = ManualClock(START)
    with Simulator(9, 2, clock=clock) as sim, \
            make_source(sim, clock, typed=False, page_size=4, max_concurrency=1) as source:
        before = {r["id"] for r in sim.store.iter_all("line_items")}
        seen: list[tuple[str, str]] = []
        deleted: set[str] = set()
        for number, page in enumerate(source.extract("line_items")):
            seen += [(r["id"], r["updated_at"]) for r in page]
            if number % 3 == 1:
                clock.advance(1)
                unread = sorted(before - {s[0] for s in seen} - deleted)
                sim.store.update("line_items", page[0]["id"], {"sku": "EDITED"})
                if unread:
                    sim.store.delete("line_items", unread[0])
                    deleted.add(unread[0])
        assert deleted
        ids = {s[0] for s in seen}
        assert before - deleted <= ids  # nothing live was skipped
        assert len(seen) == len(set(seen))  # no exact repeat ...
        assert len(seen) > len(ids)  # ... but edited records come back as new versions


def test_a_large_attachment_streams_in_flat_memory(sim: Simulator,
                                                   source: QDispatchSource) -> None:
    content = random.Random(1).randbytes(3_000_000)
    meta = sim.store.create("attachments", {"job_id": "job_0000001", "file_name": "big.bin",
                                            "content_type": "application/octet-stream",
                                            "description": None}, content)
    digest, size = hashlib.sha256(), 0
    tracemalloc.start()
    try:
        for chunk in source.open_blob("attachments", meta["id"], "content"):
            digest.update(chunk)
            size += len(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert size == len(content) and digest.hexdigest() == meta["sha256"]
    assert peak < len(content) // 3


def test_an_exhausted_daily_quota_stops_with_the_time_to_resume() -> None:
    clock = ManualClock(START)
    with Simulator(4, 1, clock=clock, limits=Limits(per_minute=600, per_day=3)) as sim, \
            make_source(sim, clock, page_size=5, max_concurrency=1) as source:
        with pytest.raises(QDispatchError, match=r"resume the run after \d{4}-\d\d-\d\d"):
            list(source.extract("contacts"))
        assert source.stats["requests"] == 4  # three allowed, the fourth told to wait a day


def test_a_value_that_does_not_parse_fails_its_record_in_a_run_and_the_others_load(tmp_path: Path) -> None:
    # A Q Dispatch line item whose quantity is not a number: that record fails
    # (SOURCE_VALUE, naming field and value) and every other line item loads.
    from crossmap.compiler import compile
    from crossmap.connectors.builtin.memory import MemoryDestination
    from crossmap.engine import Engine, RunOptions
    from crossmap.functions import registry
    from crossmap.schema import Decimal as DecimalType
    from crossmap.schema import FieldSchema, Id, ObjectSchema, Schema
    from crossmap.state import StateStore

    clock = ManualClock(START)
    with Simulator(SEED, SCALE, clock=clock, faults=Faults(),
                   limits=Limits(per_minute=600, per_day=1_000_000)) as sim, make_source(sim, clock) as source:
        items = list(sim.store.iter_all("line_items"))
        sim.store.update("line_items", items[1]["id"], {"quantity": "lots"})
        target = Schema([ObjectSchema("Item", [
            FieldSchema("Id", Id(), nullable=False, createable=False, updateable=False, defaulted_on_create=True),
            FieldSchema("Ext", String(40), external_id=True, unique=True), FieldSchema("Qty", DecimalType(12, 3))],
            key="Id")])
        plan = compile("source qdispatch\ntarget memory\nmap line_items -> Item {\n  upsert on Ext\n  Ext = id\n"
                       "  Qty = quantity\n}\n", source_schema=source.schema(), target_schema=target,
                       functions=registry())
        destination = MemoryDestination(target)
        with StateStore.open(tmp_path / "state.db") as store:
            summary = Engine(plan, source, destination, store, RunOptions()).run()
            (failed,) = store.failures(summary.run.id)
    assert summary.counts["line_items->Item"] == {"created": len(items) - 1, "failed": 1}
    assert (failed.key, failed.code, failed.field) == (items[1]["id"], "SOURCE_VALUE", "quantity")
    assert failed.reason.startswith("field 'quantity' holds 'lots': not a decimal number")
