"""Files: ContentVersion uploads, streamed, linked, and never uploaded twice.

A file arrives as a stream of chunks (a source's ``open_blob``). It is spooled once
(in memory while small, to a temporary file beyond that) while its MD5 and size are
taken, so memory stays flat whatever the file's size. Then:

- a re-run finds the version it uploaded before: same record, same client path, same
  size and the same checksum (the org's ``Checksum`` when it fills it, else the
  bytes read back and hashed) — and answers with that version instead of a copy;
- small files go as JSON with base64 ``VersionData``; large ones as a streamed
  ``multipart/form-data`` body (``entity_content`` + ``VersionData``), because the JSON
  form is capped at 37.5 MB of base64;
- ``FirstPublishLocationId`` links the file to its record; the client path keeps the
  file's extension (added from the MIME type when the name lacks one), from which
  Salesforce derives ``FileType``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import mimetypes
import secrets
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import PurePosixPath
from typing import IO, Any

from attrs import frozen

from crossmap.connectors.protocols import LoadResult
from crossmap_salesforce.hints import failed
from crossmap_salesforce.reading import query, quote
from crossmap_salesforce.transport import Api, SalesforceApiError, UncertainWrite

log = logging.getLogger(__name__)

SMALL_FILE_MAX = 8 * 1024 * 1024
"""Bytes up to which a file goes as base64 JSON (and stays in memory while spooled)."""
CHUNK = 1024 * 1024


@frozen
class FileUpload:
    """One file to put into the org."""

    ref: str
    """The caller's reference (the source key), as for rows."""
    filename: str
    content: Iterable[bytes]
    link_to: str | None = None
    """The record the file belongs to (``FirstPublishLocationId``)."""
    title: str | None = None
    mime_type: str | None = None


def path_on_client(filename: str, mime_type: str | None) -> str:
    """The file name with an extension (from the MIME type when it has none)."""
    name = PurePosixPath(filename.replace("\\", "/")).name or "file"
    if PurePosixPath(name).suffix or not mime_type:
        return name
    ext = mimetypes.guess_extension(mime_type.split(";")[0].strip(), strict=False)
    return name + ext if ext else name


def _mime(path: str, given: str | None) -> str:
    return given or mimetypes.guess_type(path, strict=False)[0] or "application/octet-stream"


class _Spool:
    """The file's bytes, spooled once, with their size and MD5."""

    def __init__(self, chunks: Iterable[bytes], small_max: int) -> None:
        self.file: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=small_max)  # noqa: SIM115
        digest = hashlib.md5(usedforsecurity=False)
        self.size = 0
        for chunk in chunks:
            digest.update(chunk)
            self.file.write(chunk)
            self.size += len(chunk)
        self.md5 = digest.hexdigest()

    def chunks(self) -> Iterator[bytes]:
        self.file.seek(0)
        while block := self.file.read(CHUNK):
            yield block

    def read_all(self) -> bytes:
        self.file.seek(0)
        return self.file.read()

    def close(self) -> None:
        self.file.close()


class _Multipart:
    """A ``multipart/form-data`` body that streams the file; its length is known up
    front so the request carries a ``Content-Length`` (not chunked encoding)."""

    def __init__(self, record: dict[str, Any], spool: _Spool, path: str, mime: str) -> None:
        self.boundary = "crossmap" + secrets.token_hex(12)
        b = self.boundary
        self.head = (
            f"--{b}\r\nContent-Disposition: form-data; name=\"entity_content\"\r\n"
            f"Content-Type: application/json\r\n\r\n{json.dumps(record)}\r\n"
            f"--{b}\r\nContent-Disposition: form-data; name=\"VersionData\"; "
            f"filename=\"{path.replace(chr(34), '')}\"\r\nContent-Type: {mime}\r\n\r\n"
        ).encode()
        self.tail = f"\r\n--{b}--\r\n".encode()
        self.spool = spool

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def __len__(self) -> int:
        return len(self.head) + self.spool.size + len(self.tail)

    def __iter__(self) -> Iterator[bytes]:
        yield self.head
        yield from self.spool.chunks()
        yield self.tail


def download(api: Api, version_id: str) -> Iterator[bytes]:
    """A ContentVersion's bytes, streamed."""
    response = api.call("GET", f"sobjects/ContentVersion/{version_id}/VersionData",
                        headers={"Accept": "*/*"}, stream=True)
    try:
        yield from response.iter_content(CHUNK)
    finally:
        response.close()


def _md5_of(api: Api, version_id: str) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    for chunk in download(api, version_id):
        digest.update(chunk)
    return digest.hexdigest()


def find_uploaded(api: Api, path: str, link_to: str | None, size: int, md5: str) -> str | None:
    """The Id of an earlier upload of the same bytes to the same record, if any."""
    where = [f"PathOnClient = {quote(path)}", f"ContentSize = {size}"]
    if link_to:
        where.append(f"FirstPublishLocationId = {quote(link_to)}")
    soql = f"SELECT Id, Checksum FROM ContentVersion WHERE {' AND '.join(where)}"
    for version in query(api, soql):
        checksum = version.get("Checksum")
        same = checksum.lower() == md5 if checksum else _md5_of(api, str(version["Id"])) == md5
        if same:
            return str(version["Id"])
    return None


def upload(api: Api, file: FileUpload, *, small_max: int = SMALL_FILE_MAX,
           dedupe: bool = True) -> LoadResult:
    """Upload one file (or find it uploaded already); a result like a row's."""
    path = path_on_client(file.filename, file.mime_type)
    spool = _Spool(file.content, small_max)
    try:
        if dedupe:
            found = find_uploaded(api, path, file.link_to, spool.size, spool.md5)
            if found is not None:
                return LoadResult(file.ref, found, created=False)
        record: dict[str, Any] = {"Title": file.title or PurePosixPath(path).stem,
                                  "PathOnClient": path}
        if file.link_to:
            record["FirstPublishLocationId"] = file.link_to
        try:
            return _send(api, file.ref, record, spool, path, _mime(path, file.mime_type), small_max)
        except UncertainWrite as exc:
            # The version may exist now: look before sending the bytes again.
            found = find_uploaded(api, path, file.link_to, spool.size, spool.md5)
            if found is not None:
                return LoadResult(file.ref, found, created=True)
            log.info("file %s was not stored (%s); uploading it again", path, exc.code)
            return _send(api, file.ref, record, spool, path, _mime(path, file.mime_type), small_max)
    except UncertainWrite as exc:
        return failed(file.ref, "CROSSMAP_UNCERTAIN_INSERT", f"the upload of {path} failed after "
                      f"sending twice ({exc.code})")
    except SalesforceApiError as exc:
        return failed(file.ref, exc.code, exc.message, exc.fields)
    finally:
        spool.close()


def _send(api: Api, ref: str, record: dict[str, Any], spool: _Spool, path: str, mime: str,
          small_max: int) -> LoadResult:
    if spool.size <= small_max:
        body = {**record, "VersionData": base64.b64encode(spool.read_all()).decode("ascii")}
        answer = api.json("POST", "sobjects/ContentVersion/", json=body, idempotent=False)
    else:
        multipart = _Multipart(record, spool, path, mime)
        answer = api.json("POST", "sobjects/ContentVersion/", data=multipart, idempotent=False,
                          headers={"Content-Type": multipart.content_type})
    return LoadResult(ref, str(answer["id"]), created=True)
