"""The ``qdispatch`` source: crossmap's ``Source`` protocol over the Q Dispatch API.

    source = QDispatchSource(base_url, Credentials(client_id, secret), ca_file)
    for page in source.extract("jobs", since=watermark): ...

Every object is extracted by its own ``updated_at`` watermark (editing a child such
as a line item does not touch its job, so a job watermark would miss it). With
``since``, the filter starts ``overlap`` earlier to catch records committed late with
an earlier timestamp; the engine's keyed upserts make that overlap idempotent.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self

from attrs import field, frozen
from attrs.validators import ge, gt, le, optional

from crossmap.connectors.protocols import Blob, Page, Tombstone
from crossmap.errors import CrossmapError, did_you_mean
from crossmap.schema import Schema
from crossmap_qdispatch.auth import Credentials
from crossmap_qdispatch.bulk import BulkBundle
from crossmap_qdispatch.client import ApiClient
from crossmap_qdispatch.clock import Clock, SystemClock
from crossmap_qdispatch.objects import OBJECT_NAMES, ObjectInfo, object_info
from crossmap_qdispatch.records import RecordConverter
from crossmap_qdispatch.schema import build_schema, static_schema

__all__ = ["Credentials", "Options", "QDispatchSource", "UnknownQDispatchObjectError"]

Wire = dict[str, Any]


class UnknownQDispatchObjectError(CrossmapError):
    """The caller asked for an object Q Dispatch does not have."""


@frozen
class Options:
    """Tuning of the connector; the defaults suit the published limits.

    ``requests_per_minute`` None learns the limit from ``X-RateLimit-Limit``;
    ``headroom`` is the fraction of it to use. ``mode="bulk"`` reads the export bundle
    instead of the record endpoints. ``typed=False`` yields wire records unchanged.
    ``clock`` drives pacing and backoff (a ``ManualClock`` in tests). A ``Retry-After``
    longer than ``max_retry_after`` seconds (an exhausted daily quota) fails the run with
    the time to resume instead of sleeping for hours.
    """

    page_size: int = field(default=200, validator=[ge(1), le(200)])
    max_concurrency: int = field(default=4, validator=ge(1))
    requests_per_minute: int | None = field(default=None, validator=optional(ge(1)))
    headroom: float = field(default=0.95, validator=[gt(0.0), le(1.0)])
    overlap: timedelta = timedelta(minutes=5)
    timeout: float = field(default=30.0, validator=gt(0.0))
    max_attempts: int = field(default=10, validator=ge(1))
    backoff_initial: float = 0.25
    backoff_max: float = 20.0
    max_retry_after: float = field(default=900.0, validator=ge(0.0))
    mode: Literal["api", "bulk"] = "api"
    typed: bool = True
    clock: Clock = field(factory=SystemClock, eq=False, repr=False)


def _wire_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Dedupe:
    """Drops exact repeats ``(id, updated_at)``. Records arrive in ``updated_at``
    order, so a repeat can only sit in the current timestamp group: memory is bounded
    by the largest group, not by the record count."""

    def __init__(self) -> None:
        self._stamp: str | None = None
        self._ids: set[str] = set()
        self.dropped = 0

    def first(self, rec: Mapping[str, Any]) -> bool:
        stamp = rec.get("updated_at")
        if stamp != self._stamp:
            self._stamp, self._ids = stamp, set()
        if rec["id"] in self._ids:
            self.dropped += 1
            return False
        self._ids.add(rec["id"])
        return True


class QDispatchSource:
    """A Q Dispatch tenant as a crossmap ``Source``."""

    def __init__(self, base_url: str, credentials: Credentials | Mapping[str, str],
                 ca_file: str | Path | None = None, options: Options | None = None) -> None:
        if not isinstance(credentials, Credentials):
            credentials = Credentials(credentials["client_id"], credentials["client_secret"])
        self.base_url = base_url.rstrip("/")
        self.options = options or Options()
        self._client_id = credentials.client_id
        o = self.options
        self.api = ApiClient(
            self.base_url, credentials, ca_file, clock=o.clock,
            per_minute=o.requests_per_minute, headroom=o.headroom,
            max_connections=o.max_concurrency + 2, timeout=o.timeout,
            max_attempts=o.max_attempts, backoff_initial=o.backoff_initial,
            backoff_max=o.backoff_max, max_retry_after=o.max_retry_after)
        self._pool = ThreadPoolExecutor(o.max_concurrency, thread_name_prefix="qdispatch")
        self._definitions: list[Wire] | None = None
        self._bundles: dict[str | None, BulkBundle] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return (f"QDispatchSource(base_url={self.base_url!r}, client_id={self._client_id!r}, "
                f"mode={self.options.mode!r})")

    # --- lifecycle --------------------------------------------------------------------
    def close(self) -> None:
        """Release connections, worker threads and export spools."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        for bundle in self._bundles.values():
            bundle.close()
        self._bundles.clear()
        self.api.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    @property
    def stats(self) -> dict[str, float]:
        """Requests sent, retries, token fetches and seconds spent pacing."""
        return {"requests": self.api.pacer.requests, "retries": self.api.retries,
                "token_fetches": self.api.tokens.fetches, "paced_seconds": self.api.pacer.waited}

    # --- Source protocol -----------------------------------------------------------
    def definitions(self) -> list[Wire]:
        """The custom property definitions (fetched once)."""
        with self._lock:
            if self._definitions is None:
                self._definitions = list(self.api.get_json("/v1/custom_property_definitions")["data"])
            return self._definitions

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> QDispatchSource:
        """The source a spec's ``source qdispatch { profile = "..." }`` names: the
        profile (in ``crossmap.toml`` beside the spec) gives ``base_url``,
        ``client_id``, ``ca_file`` and the variable holding the client secret
        (``client_secret_env``)."""
        from crossmap.connectors.profiles import resolve_profile

        plain = {k: v for k, v in options.items() if k not in ("profile", "spec_dir")}
        profile = resolve_profile(str(options.get("profile", "qdispatch")), options.get("spec_dir"), overrides=plain)
        return cls(
            str(profile.get("base_url")),
            Credentials(str(profile.get("client_id")), profile.secret("client_secret")),
            profile.path("ca_file") if profile.get("ca_file") else None,
        )

    @staticmethod
    def static_schema() -> Schema:
        """The schema without connecting (for ``crossmap check``): standard objects plus
        the reference tenant's custom properties."""
        return static_schema()

    def schema(self) -> Schema:
        """Standard objects plus custom job properties as typed ``custom_<key>`` fields."""
        return build_schema(self.definitions())

    def extract(self, object: str, *, since: datetime | None = None) -> Iterator[Page]:
        """Pages of ``object`` (inactive records included), in ``(updated_at, id)``
        order; with ``since``, those updated at or after ``since - overlap``. An unknown
        object fails here, not at the first page."""
        info = self._info(object)
        convert: Callable[[Wire], Wire] = (
            RecordConverter(object, self.definitions() if object == "jobs" else ())
            if self.options.typed else dict)
        anchor = _wire_time(since - self.options.overlap) if since is not None else None
        if self.options.mode == "bulk":
            pages = self._bundle(anchor).records(object, self.options.page_size)
        elif info.paging == "page":
            pages = self._numbered_pages(info, anchor)
        else:
            pages = self._cursor_pages(f"/v1/{info.name}", {
                "limit": self.options.page_size, "include_inactive": "true",
                **({"updated_since": anchor} if anchor else {})})
        return self._typed_pages(pages, convert)

    @staticmethod
    def _typed_pages(pages: Iterable[list[Wire]], convert: Callable[[Wire], Wire]
                     ) -> Iterator[Page]:
        dedupe = _Dedupe()
        for wire_page in pages:
            page = [convert(r) for r in wire_page if dedupe.first(r)]
            if page:
                yield page

    def tombstones(self, object: str, *, since: datetime | None = None) -> Iterator[Tombstone]:
        """Deleted and merged records of ``object`` at or after ``since - overlap``."""
        self._info(object)
        anchor = _wire_time(since - self.options.overlap) if since is not None else None
        if self.options.mode == "bulk":
            pages: Iterable[list[Wire]] = self._bundle(anchor).tombstones(self.options.page_size)
        else:
            pages = self._cursor_pages("/v1/deleted", {
                "object": object, "limit": self.options.page_size,
                **({"since": anchor} if anchor else {})})
        return (Tombstone(object=t["object"], key=t["id"],
                          deleted_at=datetime.fromisoformat(t["deleted_at"]),
                          merged_into=t.get("merged_into_id"))
                for page in pages for t in page if t["object"] == object)

    def open_blob(self, object: str, key: str, field: str) -> Blob:
        """Stream an attachment's content (``attachments``, field ``content``)."""
        if object != "attachments" or field != "content":
            raise UnknownQDispatchObjectError(f"Q Dispatch has binary content only in attachments.content, "
                                     f"not {object}.{field}")
        return self.api.stream_bytes(f"/v1/attachments/{key}/content")

    # --- beyond the protocol ---------------------------------------------------------
    def extract_many(self, objects: Iterable[str] | None = None, *,
                     since: datetime | None = None) -> Iterator[tuple[str, Page]]:
        """``(object, page)`` for several objects extracted concurrently (bounded by
        ``max_concurrency``), in the order pages arrive."""
        names = list(objects or OBJECT_NAMES)
        for name in names:
            self._info(name)
        done = object()
        out: queue.Queue[Any] = queue.Queue(maxsize=4 * self.options.max_concurrency)
        stop = threading.Event()
        slots = threading.Semaphore(self.options.max_concurrency)

        def run(name: str) -> None:
            try:
                with slots:
                    if stop.is_set():
                        return
                    for page in self.extract(name, since=since):
                        if stop.is_set():
                            return
                        out.put((name, page))
            except BaseException as exc:  # noqa: BLE001 - re-raised in the consumer's thread
                out.put(exc)
            finally:
                out.put(done)

        threads = [threading.Thread(target=run, args=(n,), daemon=True,
                                    name=f"qdispatch-{n}") for n in names]
        for t in threads:
            t.start()
        finished = 0
        try:
            while finished < len(threads):
                item = out.get()
                if item is done:
                    finished += 1
                elif isinstance(item, BaseException):
                    raise item
                else:
                    yield item
        finally:
            stop.set()
            while any(t.is_alive() for t in threads):
                try:
                    out.get(timeout=0.05)
                except queue.Empty:
                    pass

    # --- preflight capabilities (docs/connectors/writing-a-connector.md) ---------------
    def count(self, object: str) -> int | None:
        """Records of ``object`` when one request tells (the page-numbered endpoint
        answers with a ``total``); None where only paging through would."""
        info = self._info(object)
        if info.paging != "page":
            return None
        return int(self.api.get_json(f"/v1/{info.name}", {"page": 1, "page_size": 1})["total"])

    def extraction_requests(self, object: str, records: int) -> int:
        """Requests to extract ``records`` of ``object``: one per page, and one per
        attachment for its content."""
        pages = max(1, -(-records // self.options.page_size))
        return pages + (records if object == "attachments" else 0)

    def requests_per_minute(self) -> float:
        """The pace this connector keeps: the limit (learned from the responses)
        times the headroom."""
        return self.api.pacer.per_minute * self.options.headroom

    def native_gaps(self, counts: Mapping[str, int]) -> list[Any]:
        """What must be rebuilt natively (``crossmap_qdispatch.gaps``)."""
        from crossmap_qdispatch.gaps import native_gaps

        return list(native_gaps(self.extract("appointments"), counts))

    # --- paging -------------------------------------------------------------------------
    def _info(self, object: str) -> ObjectInfo:
        try:
            return object_info(object)
        except KeyError:
            hint = did_you_mean(object, OBJECT_NAMES)
            raise UnknownQDispatchObjectError(f"Q Dispatch has no object {object!r}"
                                     + (f"; {hint}" if hint else "")) from None

    def _cursor_pages(self, path: str, params: dict[str, Any]) -> Iterator[list[Wire]]:
        # The next page is requested before the current one is handed over, so the
        # network and the consumer overlap (one request ahead per object).
        future: Future[Any] | None = self._pool.submit(self.api.get_json, path, params)
        try:
            while future is not None:
                body = future.result()
                cursor = body.get("next_cursor")
                future = (self._pool.submit(self.api.get_json, path, {**params, "cursor": cursor})
                          if cursor else None)
                yield body["data"]
        finally:
            if future is not None:
                future.cancel()

    def _numbered_pages(self, info: ObjectInfo, since: str | None) -> Iterator[list[Wire]]:
        """The page-numbered endpoint, made safe: after each page the filter moves up
        to the last ``updated_at`` seen and paging restarts at 1, so records moving or
        vanishing behind us cannot shift a page boundary over an unseen record. Only a
        run of equal timestamps longer than a page is paged by number."""
        size = self.options.page_size
        anchor, number = since, 1

        def params() -> dict[str, Any]:
            return {"page": number, "page_size": size,
                    **({"updated_since": anchor} if anchor else {})}

        path = f"/v1/{info.name}"
        future: Future[Any] | None = self._pool.submit(self.api.get_json, path, params())
        try:
            while future is not None:
                body = future.result()
                data = body["data"]
                future = None
                if body["has_more"] and data:
                    last = data[-1]["updated_at"]
                    if last != anchor:
                        anchor, number = last, 1
                    else:
                        number += 1
                    future = self._pool.submit(self.api.get_json, path, params())
                yield data
        finally:
            if future is not None:
                future.cancel()

    def _bundle(self, since: str | None) -> BulkBundle:
        with self._lock:
            if since not in self._bundles:
                self._bundles[since] = BulkBundle(self.api, since)
            return self._bundles[since]
