"""Files: ContentVersion inserts create their ContentDocument and, with
``FirstPublishLocationId``, the ContentDocumentLink; the bytes live in the blob table.
"""

from __future__ import annotations

import base64
import binascii
import sqlite3
from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from crossmap_salesforce.emulator.clock import sf_datetime
from crossmap_salesforce.emulator.errors import OrgError
from crossmap_salesforce.emulator.ids import make_id

if TYPE_CHECKING:
    from crossmap_salesforce.emulator.records import Records, _Row

#: Marker stored in place of the bytes (which live in the blob table).
STORED = "stored"

#: File extension → ContentVersion.FileType, as Salesforce derives it.
FILE_TYPES = {
    "pdf": "PDF", "txt": "TEXT", "csv": "CSV", "png": "PNG", "jpg": "JPG", "jpeg": "JPEG",
    "gif": "GIF", "doc": "WORD", "docx": "WORD_X", "xls": "EXCEL", "xlsx": "EXCEL_X",
    "ppt": "POWER_POINT", "pptx": "POWER_POINT_X", "zip": "ZIP", "xml": "XML",
    "html": "HTML", "htm": "HTML", "json": "JSON", "mp4": "MP4", "rtf": "RTF",
}


def file_type(path: str | None) -> tuple[str, str]:
    """``(FileType, FileExtension)`` of a client path."""
    ext = PurePosixPath((path or "").replace("\\", "/")).suffix.lstrip(".").lower()
    return FILE_TYPES.get(ext, "UNKNOWN"), ext


def prepare_version(record: dict[str, Any], inserting: bool) -> bytes | None:
    """Decode VersionData and fill the fields Salesforce derives from the file."""
    if not inserting:
        if record.get("VersionData") not in (None, STORED):
            raise OrgError(400, "INVALID_FIELD_FOR_INSERT_UPDATE",
                           "Unable to create/update fields: VersionData.", ("VersionData",))
        return None
    encoded = record.get("VersionData")
    if not encoded:
        raise OrgError(400, "REQUIRED_FIELD_MISSING",
                       "Required fields are missing: [VersionData]", ("VersionData",))
    try:
        data = base64.b64decode(str(encoded), validate=True)
    except (binascii.Error, ValueError):
        raise OrgError(400, "INVALID_TYPE_ON_FIELD_IN_RECORD",
                       "VersionData: value not of required type", ("VersionData",)) from None
    ftype, ext = file_type(record.get("PathOnClient"))
    record["VersionData"] = STORED
    record["FileType"] = ftype
    record["FileExtension"] = ext
    record["ContentSize"] = len(data)
    record["IsLatest"] = True
    record.setdefault("Title", PurePosixPath(record.get("PathOnClient") or "file").stem)
    return data


def after_versions(records: Records, conn: sqlite3.Connection, rows: Sequence[_Row],
                   user_id: str) -> None:
    """Create documents and links for inserted versions; store their bytes."""
    org = records.org
    store = org.store
    doc_def = org.definition.get("ContentDocument")
    link_def = org.definition.get("ContentDocumentLink")
    now = sf_datetime(org.now())
    extra: list[tuple[str, str, bool, dict[str, Any]]] = []

    def system(data: dict[str, Any]) -> dict[str, Any]:
        data.update(CreatedDate=now, CreatedById=user_id, LastModifiedDate=now,
                    LastModifiedById=user_id, SystemModstamp=now, IsDeleted=False)
        return data

    for w in rows:
        if w.op != "insert" or w.rid is None:
            continue
        version = w.record
        if w.blob is not None:
            store.put_blob(conn, w.rid, w.blob)
        doc_id = version.get("ContentDocumentId")
        if doc_id:
            # A new version of an existing document.
            found = store.get(doc_id)
            assert found is not None
            doc = found[2]
            older = [v for v in store.scan("ContentVersion") if v.get("ContentDocumentId") == doc_id]
            for v in older:
                v["IsLatest"] = False
                extra.append((v["Id"], "ContentVersion", False, v))
            version["VersionNumber"] = str(len(older) + 1)
        else:
            doc_id = make_id(doc_def.key_prefix, store.allocate(doc_def.key_prefix))
            version["ContentDocumentId"] = doc_id
            version["VersionNumber"] = "1"
            doc = system({"Id": doc_id, "OwnerId": version.get("OwnerId", user_id)})
        doc.update(Title=version.get("Title"), FileType=version.get("FileType"),
                   FileExtension=version.get("FileExtension"),
                   ContentSize=version.get("ContentSize"), LatestPublishedVersionId=w.rid)
        extra.append((doc_id, "ContentDocument", False,
                      {k: v for k, v in doc.items() if k in doc_def.fields}))
        location = version.get("FirstPublishLocationId")
        if location and version.get("VersionNumber") == "1":
            link_id = make_id(link_def.key_prefix, store.allocate(link_def.key_prefix))
            link = system({"Id": link_id, "ContentDocumentId": doc_id, "LinkedEntityId": location,
                           "ShareType": "V", "Visibility": "AllUsers"})
            extra.append((link_id, "ContentDocumentLink", False,
                          {k: v for k, v in link.items() if k in link_def.fields}))
    store.put_records(conn, extra)
