"""The ``salesforce`` destination: crossmap's ``Destination`` protocol on a live org.

Registered as ``crossmap.destinations: salesforce =
"crossmap_salesforce.connector:SalesforceDestination"``. ``crossmap check`` calls
:meth:`SalesforceDestination.static_schema` (the shipped standard objects, no
connection); a run calls :meth:`SalesforceDestination.from_options` with the spec's
target options plus ``spec_dir``.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Self

import requests
from attrs import define, evolve, field, frozen

from crossmap.compiler.plan import Declaration
from crossmap.connectors.profiles import Profile, resolve_profile
from crossmap.connectors.protocols import Landed, LoadResult, Operation, Page, Record
from crossmap.connectors.vocabulary import ErrorVocabulary
from crossmap.errors import CrossmapError
from crossmap.propose.hints import DestinationHints
from crossmap.schema import FieldSchema, Schema
from crossmap_salesforce import (
    bulkquery,
    files,
    fill_ins,
    hints,
    metadata,
    propose_hints,
    reading,
    undelete,
)
from crossmap_salesforce.auth import Connection, check_keys, connect
from crossmap_salesforce.authored import created_since, user_id
from crossmap_salesforce.budget import BULK_THRESHOLD, Limits, check_budget, estimate_calls
from crossmap_salesforce.bulk import BulkLoader, BulkSettings
from crossmap_salesforce.describe import schema_from_describes
from crossmap_salesforce.loader import Loader, LoadSettings
from crossmap_salesforce.standard_objects import STANDARD_OBJECTS, standard_schema
from crossmap_salesforce.stream import BulkStream
from crossmap_salesforce.transport import Api, BudgetExceeded, RetryPolicy, SalesforceApiError

log = logging.getLogger(__name__)

OPERATIONS: tuple[str, ...] = ("insert", "upsert", "update", "delete", "hard_delete")


class SalesforceOptionError(CrossmapError):
    """A connector option has a bad value."""


@frozen
class ConnectorSettings:
    """The connector's own options (everything else in the options is profile keys).

    | option | default | meaning |
    |---|---|---|
    | ``profile`` | ``salesforce`` | the profile's name in ``crossmap.toml`` |
    | ``profile_file`` | ``crossmap.toml`` beside the spec | another profile file |
    | ``bulk_threshold`` | 1200 | rows from which Bulk API 2.0 is used (a job's ~6 calls cost no more than collections then) |
    | ``lock_attempts`` | 4 | rounds for rows that hit ``UNABLE_TO_LOCK_ROW`` |
    | ``lock_wait`` | 1.0 | seconds; the jittered pause between lock rounds grows with it |
    | ``retry_attempts`` | 5 | tries per call on 5xx / timeouts |
    | ``retry_wait`` | 0.5 | seconds; base of the jittered exponential backoff |
    | ``bulk_poll_interval`` | 2.0 | seconds before the second Bulk job status check (each later wait is 1.5× the one before, up to 30 s) |
    | ``bulk_timeout`` | 3600 | seconds to wait for one Bulk job |
    | ``bulk_job_attempts`` | 3 | runs of a failed Bulk job (whole, then split in halves) |
    | ``budget_reserve`` | 0 | daily API requests never to use (left to other integrations) |
    | ``objects`` | standard + custom | the objects ``describe()`` reads from the org |
    | ``file_inline_max`` | 8 MiB | bytes up to which a file goes as base64 JSON, not multipart |
    """

    profile: str = "salesforce"
    profile_file: str | None = None
    bulk_threshold: int = BULK_THRESHOLD
    lock_attempts: int = 4
    lock_wait: float = 1.0
    retry_attempts: int = 5
    retry_wait: float = 0.5
    bulk_poll_interval: float = 2.0
    bulk_timeout: float = 3600.0
    bulk_job_attempts: int = 3
    budget_reserve: int = 0
    objects: tuple[str, ...] | None = None
    file_inline_max: int = files.SMALL_FILE_MAX

    def load_settings(self) -> LoadSettings:
        """The loader's part."""
        return LoadSettings(
            bulk_threshold=self.bulk_threshold, lock_attempts=self.lock_attempts,
            lock_wait=self.lock_wait,
            bulk=BulkSettings(poll_interval=self.bulk_poll_interval, timeout=self.bulk_timeout,
                              job_attempts=self.bulk_job_attempts),
        )


_SETTING_TYPES: dict[str, Callable[[Any], Any]] = {
    "profile": str, "profile_file": str, "bulk_threshold": int, "lock_attempts": int,
    "lock_wait": float, "retry_attempts": int, "retry_wait": float, "bulk_poll_interval": float,
    "bulk_timeout": float, "bulk_job_attempts": int, "budget_reserve": int, "file_inline_max": int,
    "objects": lambda v: tuple(str(x) for x in ([v] if isinstance(v, str) else v)),
}


def split_options(options: Mapping[str, Any]) -> tuple[ConnectorSettings, dict[str, Any], str | None]:
    """``(connector settings, profile overrides, spec_dir)`` from a spec's options."""
    settings: dict[str, Any] = {}
    overrides: dict[str, Any] = {}
    spec_dir = options.get("spec_dir")
    for key, value in options.items():
        if key == "spec_dir":
            continue
        convert = _SETTING_TYPES.get(key)
        if convert is None:
            overrides[key] = value
            continue
        try:
            settings[key] = convert(value)
        except (TypeError, ValueError):
            raise SalesforceOptionError(f"salesforce option '{key}': bad value {value!r}") from None
    if settings.get("bulk_threshold", 1) < 1:
        raise SalesforceOptionError("salesforce option 'bulk_threshold' must be at least 1")
    return ConnectorSettings(**settings), overrides, str(spec_dir) if spec_dir is not None else None


@define
class SalesforceDestination:
    """A connected Salesforce org as a crossmap destination."""

    connection: Connection = field(repr=False)
    settings: ConnectorSettings = field(factory=ConnectorSettings)
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    api: Api = field(init=False, repr=False)
    loader: Loader = field(init=False, repr=False)
    _user_id: str | None = field(default=None, init=False, repr=False)
    _describes: dict[str, dict[str, Any]] = field(factory=dict, init=False, repr=False)
    _global: list[dict[str, Any]] | None = field(default=None, init=False, repr=False)
    _fill_ins: Callable[[str, str, Any, bool], bool] | None = field(default=None, init=False, repr=False)
    _schema: Schema | None = field(default=None, init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        retry = RetryPolicy(attempts=self.settings.retry_attempts, wait_base=self.settings.retry_wait)
        self.api = Api(self.connection.sf, self.connection.login, retry, self.sleep)
        self.loader = Loader(self.api, self.settings.load_settings(), self.sleep, describe=self.describe_object)

    # -- the registry's two entry points ------------------------------------------

    @staticmethod
    def static_schema(options: Mapping[str, Any] | None = None) -> Schema:
        """The shipped standard objects, for ``crossmap check`` without a connection."""
        return standard_schema()

    @staticmethod
    def propose_hints() -> DestinationHints:
        """Salesforce's vocabulary for ``crossmap propose`` (``propose_hints.HINTS``)."""
        return propose_hints.HINTS

    @staticmethod
    def error_vocabulary() -> ErrorVocabulary:
        """Salesforce's error codes, messages and hints (``hints.VOCABULARY``)."""
        return hints.VOCABULARY

    @classmethod
    def from_options(
        cls,
        options: Mapping[str, Any],
        *,
        environ: Mapping[str, str] = os.environ,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> SalesforceDestination:
        """Connect as the options' profile says (``profile``, ``profile_file``, any
        profile key as an override, and the connector settings above)."""
        settings, overrides, spec_dir = split_options(options)
        profile = resolve_profile(settings.profile, spec_dir, environ, path=settings.profile_file,
                                  overrides=overrides)
        check_keys(profile, also=_SETTING_TYPES)
        return cls.connect(profile, settings, session=session, sleep=sleep)

    @classmethod
    def connect(
        cls,
        profile: Profile,
        settings: ConnectorSettings | None = None,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> SalesforceDestination:
        """Log in with a resolved profile."""
        connection = connect(profile, session=session)
        log.info("connected to Salesforce with profile '%s' (%s auth)", profile.name, connection.auth)
        return cls(connection, settings or ConnectorSettings(), sleep)

    def close(self) -> None:
        """Close the connection's HTTP session."""
        self.api.sf.session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- describe -------------------------------------------------------------------

    def object_names(self) -> list[str]:
        """Every object of the org (global describe, cached)."""
        if self._global is None:
            body = self.api.json("GET", "sobjects/")
            self._global = list(body.get("sobjects") or [])
        return [str(o["name"]) for o in self._global]

    def describe_object(self, name: str) -> dict[str, Any] | None:
        """One object's live describe result (cached), or ``None`` if the org lacks it."""
        key = name.casefold()
        if key not in self._describes:
            try:
                self._describes[key] = self.api.json("GET", f"sobjects/{name}/describe/")
            except SalesforceApiError as exc:
                if exc.status == 404:
                    return None
                raise
        return self._describes[key]

    def describe_objects(self, names: Iterable[str]) -> Schema:
        """The crossmap schema of these objects, from the live describe."""
        found = [d for d in (self.describe_object(n) for n in names) if d is not None]
        return schema_from_describes(found)

    def describe(self) -> Schema:
        """The destination schema: the ``objects`` option's objects, or the standard
        objects plus every custom object of the org.

        Built once per connector and kept until :meth:`refresh` (which
        ``deploy_declarations`` calls after changing the org's metadata): the
        describes it is built from are cached already, so building it again could
        only repeat the same work; a compile, a preflight and a run each ask for it."""
        if self._schema is None:
            self._schema = self._build_schema()
        return self._schema

    def _build_schema(self) -> Schema:
        if self.settings.objects is not None:
            return self.describe_objects(self.settings.objects)
        available = {n.casefold(): n for n in self.object_names()}
        custom = [str(o["name"]) for o in self._global or () if o.get("custom")]
        wanted = [available[n.casefold()] for n in STANDARD_OBJECTS if n.casefold() in available]
        return self.describe_objects([*wanted, *custom])

    def refresh(self) -> None:
        """Forget cached describes and the schema built from them (after the org's
        metadata changed)."""
        self._describes.clear()
        self._global = None
        self._fill_ins = None
        self._schema = None

    # -- loading and reading ------------------------------------------------------

    def load(
        self,
        object: str,
        operation: Operation,
        rows: Sequence[tuple[str, Mapping[str, Any]]],
        *,
        external_id: str | None = None,
        on_job: Callable[[str], None] | None = None,
    ) -> list[LoadResult]:
        """Write one batch; one result per row, in the rows' order (``on_job``: told
        each Bulk job's id as soon as it is known)."""
        _check_operation(object, operation, external_id)
        if not rows:
            return []
        self.guard_budget(len(rows))
        if operation == "delete" and object == "ContentVersion":
            return self._delete_files(rows)
        return self.loader.load(object, operation, rows, external_id, on_job)

    def settle_jobs(self, object: str, jobs: Sequence[str]) -> Iterator[Landed]:
        """The rows Bulk jobs of an interrupted run wrote, each job brought to an end
        first (``crossmap.connectors.protocols.JobReconciling``): a job still open for
        upload is aborted (the org processes nothing before ``UploadComplete``), one
        being processed is awaited, and a finished one is read back through its
        ``successfulResults``, which the org keeps with the job."""
        bulk = BulkLoader(self.api, self.loader.settings.bulk, sleep=self.sleep, pace=self.loader.pace)
        for job in jobs:
            for cells, rid, created in bulk.settle(job):
                yield Landed(cells, rid, created)

    def fetch(self, object: str, field: str, values: Sequence[str], fields: Sequence[str]) -> Iterator[Record]:
        """``Id`` and ``fields`` of the records whose ``field`` is one of ``values``, by
        SOQL ``IN`` lists (``crossmap.connectors.protocols.FetchingDestination``)."""
        return reading.query_by_values(self.api, object, field, values, ["Id", *fields, field])

    def clock(self) -> datetime | None:
        """The org's time as its last response's ``Date`` header said
        (``crossmap.connectors.protocols.AuthoredDestination``): never later than the
        org's time now, so no record created from now on is stamped earlier."""
        return self.api.server_time

    def created_since(self, object: str, field: str | None, values: Sequence[str], fields: Sequence[str],
                      since: datetime | None) -> Iterator[Record]:
        """``Id`` and ``fields`` of the records of ``object`` this session's user
        created (``CreatedById``) at or after ``since`` (``CreatedDate``) whose ``field``
        is one of ``values`` (see :mod:`crossmap_salesforce.authored`)."""
        describe = self.describe_object(object)
        names = {str(f.get("name")) for f in (describe or {}).get("fields") or ()}
        user = None
        if "CreatedById" in names:
            if self._user_id is None:
                self._user_id = user_id(self.api)
            user = self._user_id
        return created_since(self.api, object, field, values, fields, user,
                             since if "CreatedDate" in names else None)

    def snapshot(self, object: str, key: str, fields: Sequence[str]) -> Iterator[Record]:
        """Every record of ``object`` whose external id ``key`` holds a value, with
        ``Id`` and ``fields``, in one query: a REST query call when they are few, a
        Bulk API 2.0 query job from ``bulkquery.SNAPSHOT_BULK_FROM`` records
        (``crossmap.connectors.protocols.SnapshotDestination``)."""
        return bulkquery.snapshot(self.api, object, key, fields, settings=self.settings.load_settings().bulk,
                                  sleep=self.sleep)

    def open_load(self, object: str, operation: Operation, *, external_id: str | None = None) -> BulkStream:
        """A load stream (``crossmap.connectors.StreamingDestination``): rows spooled to
        disk, then sent as one Bulk API 2.0 job (see :mod:`crossmap_salesforce.stream`)."""
        _check_operation(object, operation, external_id)
        return BulkStream(self, object, operation, external_id)

    def _delete_files(self, rows: Sequence[tuple[str, Mapping[str, Any]]]) -> list[LoadResult]:
        """Salesforce refuses to delete a ContentVersion: a file goes by deleting its
        ContentDocument, which takes every version and link with it."""
        ids = [str(row["Id"]) for _, row in rows]
        documents = {str(r["Id"]): r.get("ContentDocumentId")
                     for r in self.read("ContentVersion", ids, ["Id", "ContentDocumentId"])}
        targets = [(ref, {"Id": documents[str(row["Id"])]}) for ref, row in rows if documents.get(str(row["Id"]))]
        answers = {r.ref: r for r in self.loader.load("ContentDocument", "delete", targets, None)} if targets else {}
        return [answers.get(ref) or LoadResult(ref, str(row["Id"]), error_code="ENTITY_IS_DELETED",
                                               error_message="the file is gone already")
                for ref, row in rows]

    def guard_budget(self, size: int) -> None:
        """:class:`BudgetExceeded` before loading ``size`` rows would take calls the
        org's last reported daily allowance (less ``budget_reserve``) no longer has."""
        remaining = self.api.usage.remaining
        if remaining is None:
            return
        needed = estimate_calls([size], bulk_threshold=self.settings.bulk_threshold)
        if needed + self.settings.budget_reserve > remaining:
            raise BudgetExceeded(
                f"the next batch needs about {needed} API requests but only {remaining} of the "
                f"org's daily requests are left (reserve: {self.settings.budget_reserve}); the run "
                "stopped before it and can be resumed once requests free up"
            )

    def undelete(self, object: str, rows: Sequence[tuple[str, Mapping[str, Any]]]) -> list[LoadResult]:
        """Bring deleted records back from the recycle bin with their Ids (the SOAP
        API's ``undelete()``; the rows' other values are not needed: the record comes
        back whole, with the records deleted along with it)."""
        pairs = [(ref, str(row.get("Id") or "")) for ref, row in rows]
        if object.casefold() == "contentversion":
            return self._undelete_files(pairs)
        return undelete.undelete(self.api, pairs,
                                 lambda ids: {r["Id"] for r in self.read(object, list(ids), ["Id"])})

    def _undelete_files(self, pairs: Sequence[tuple[str, str]]) -> list[LoadResult]:
        """A file comes back as it went (see ``_delete_files``): its ContentDocument is
        undeleted, with every version and link deleted with it; a ContentVersion is
        no record of the recycle bin. ContentDocument, "Supported Calls: delete(), ...
        undelete(), update()" (Object Reference,
        https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_contentdocument.htm)."""
        documents: dict[str, str] = {}
        for start in range(0, len(pairs), undelete.LIMIT):
            listed = ", ".join(reading.quote(i) for _, i in pairs[start : start + undelete.LIMIT] if i)
            if listed:
                soql = f"SELECT Id, ContentDocumentId FROM ContentVersion WHERE Id IN ({listed})"
                documents.update((str(r["Id"]), str(r["ContentDocumentId"]))
                                 for r in reading.query(self.api, soql, deleted=True) if r.get("ContentDocumentId"))
        results = undelete.undelete(
            self.api, [(ref, documents.get(version, version)) for ref, version in pairs],
            lambda ids: {r["Id"] for r in self.read("ContentDocument", list(ids), ["Id"])})
        versions = dict(pairs)
        return [evolve(r, id=versions[r.ref]) if r.ok else r for r in results]

    def read(self, object: str, ids: Iterable[str] | None, fields: Sequence[str]) -> Iterator[Record]:
        """Records by Id (missing ones left out), or every record with ``ids=None``."""
        return reading.read(self.api, object, ids, fields)

    def scan(self, object: str, fields: Sequence[str]) -> Iterator[Page]:
        """Every record of ``object``, page by page (``crossmap.connectors.protocols.
        ScanningDestination``): a REST query below ``bulk_threshold`` records, a Bulk
        API 2.0 query job from it (see :mod:`crossmap_salesforce.bulkquery`)."""
        return bulkquery.scan(self.api, object, fields, threshold=self.settings.bulk_threshold,
                              settings=self.settings.load_settings().bulk, sleep=self.sleep)

    def api_calls(self) -> int:
        """API calls made since the connection opened (``CountingDestination``)."""
        return self.api.calls

    def modified_field(self, object: str) -> str | None:
        """``SystemModstamp``, when ``object`` has it (``ModstampDestination``): "Date
        and time when a user or automated process (such as a trigger) last modified
        this record" (Salesforce, *System Fields*,
        https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/system_fields.htm)."""
        describe = self.describe_object(object)
        names = {str(f.get("name")) for f in (describe or {}).get("fields") or ()}
        return "SystemModstamp" if "SystemModstamp" in names else None

    def fills_in(self, object: str, field: str, value: Any, *, created: bool) -> bool:
        """Is ``value`` what the org stores by itself in ``field`` written empty
        (``FillingDestination``; the rules are in ``crossmap_salesforce.fill_ins``)?"""
        if self._fill_ins is None:
            self._fill_ins = fill_ins.matcher(self.describe_object)
        return self._fill_ins(object, field, value, created)

    def active_field(self, object: str) -> str | None:
        """The field saying whether a record is active (``IsActive``, as on User), for
        the preflight's resolution check; None when the object has none."""
        describe = self.describe_object(object)
        names = {str(f.get("name")) for f in (describe or {}).get("fields") or ()}
        return "IsActive" if "IsActive" in names else None

    # -- files --------------------------------------------------------------------

    def upload_files(self, uploads: Iterable[files.FileUpload]) -> list[LoadResult]:
        """Upload files as ContentVersions linked to their records; one result each
        (``created=False`` when a re-run found the same bytes uploaded already)."""
        return [files.upload(self.api, f, small_max=self.settings.file_inline_max) for f in uploads]

    def download_file(self, version_id: str) -> Iterator[bytes]:
        """A ContentVersion's bytes, streamed."""
        return files.download(self.api, version_id)

    # -- budget and metadata --------------------------------------------------------

    def check_budget(self, estimated_calls: int) -> Limits:
        """Read ``/limits``; raise ``BudgetExceeded`` when the remaining daily requests
        (less ``budget_reserve``) would not cover ``estimated_calls``."""
        return check_budget(self.api, estimated_calls, reserve=self.settings.budget_reserve)

    def estimate_calls(self, batch_sizes: Iterable[int]) -> int:
        """API calls to load batches of these sizes with this connector's threshold."""
        return estimate_calls(batch_sizes, bulk_threshold=self.settings.bulk_threshold)

    def deploy_declarations(
        self,
        declarations: Iterable[Declaration],
        *,
        folder: str | Path | None = None,
        apply: bool = True,
    ) -> metadata.DeployReport:
        """Write the metadata package into ``folder`` (if given) and, with ``apply``,
        create the missing objects and fields through the Tooling API; then check them
        against a fresh describe."""
        decls = list(declarations)
        if folder is not None:
            metadata.write_package(decls, folder)
        created: list[str] = []
        existing: list[str] = []
        if apply:
            for decl in decls:
                self._create_object(decl, created, existing)
            self.refresh()
            for decl in decls:
                for f in metadata.custom_fields(decl):
                    self._create_field(decl, f, created, existing)
        self.refresh()
        problems = metadata.verify(decls, self.describe_object) if apply else []
        return metadata.DeployReport(tuple(created), tuple(existing), tuple(problems))

    def _create_object(self, decl: Declaration, created: list[str], existing: list[str]) -> None:
        if not decl.new:
            return
        if self.describe_object(decl.object) is not None:
            existing.append(decl.object)
            return
        body = {"FullName": decl.object, "Metadata": metadata.object_metadata(decl)}
        if self._tooling_create("CustomObject", body):
            created.append(decl.object)
        else:
            existing.append(decl.object)

    def _create_field(self, decl: Declaration, f: FieldSchema, created: list[str],
                      existing: list[str]) -> None:
        name = f"{decl.object}.{f.name}"
        describe = self.describe_object(decl.object)
        names = {str(x["name"]).casefold() for x in (describe or {}).get("fields") or ()}
        if f.name.casefold() in names:
            existing.append(name)
            return
        body = {"FullName": name, "Metadata": metadata.field_metadata(f, decl)}
        (created if self._tooling_create("CustomField", body) else existing).append(name)

    def _tooling_create(self, kind: str, body: dict[str, Any]) -> bool:
        try:
            # A retried create answers DUPLICATE_DEVELOPER_NAME, handled below.
            self.api.call("POST", f"tooling/sobjects/{kind}/", json=body)
        except SalesforceApiError as exc:
            if exc.code == "DUPLICATE_DEVELOPER_NAME":
                return False
            raise CrossmapError(f"creating {kind} {body['FullName']} failed: {exc.code}: "
                                f"{exc.message}") from None
        return True


def _check_operation(object: str, operation: str, external_id: str | None) -> None:
    if operation not in OPERATIONS:
        raise SalesforceOptionError(f"unknown operation '{operation}' (one of: {', '.join(OPERATIONS)})")
    if operation == "upsert" and not external_id:
        raise SalesforceOptionError(f"an upsert into {object} needs an external id field")
