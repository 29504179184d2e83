"""Files: ContentVersion uploads of several MIME types, both wire forms, linked to
their record, read back byte for byte, and not uploaded again on a re-run."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator

import pytest
import requests
from sf_support import count, destination, org_at, token_profile

from crossmap_salesforce.auth import make_session
from crossmap_salesforce.connector import ConnectorSettings, SalesforceDestination
from crossmap_salesforce.emulator import OrgHandle
from crossmap_salesforce.files import FileUpload, path_on_client

INLINE_MAX = 64 * 1024


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrgHandle]:
    with org_at(tmp_path_factory.mktemp("sf-files")) as handle:
        yield handle


@pytest.fixture(scope="module")
def case_id(org: OrgHandle) -> str:
    result = destination(org).load("Case", "insert", [("c", {"Subject": "with files"})])[0]
    assert result.id is not None
    return result.id


def _chunks(data: bytes, size: int = 10_000) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start:start + size]


FILES = [
    ("notes.txt", "text/plain", b"plain text\nwith two lines\n"),
    ("scan", "application/pdf", b"%PDF-1.7\n" + bytes(range(256)) * 40),
    ("photo.png", "image/png", b"\x89PNG\r\n\x1a\n" + os.urandom(3000)),
    ("big.zip", "application/zip", b"PK\x03\x04" + os.urandom(3 * INLINE_MAX)),  # multipart
]


def test_uploads_read_back_identical_and_keep_their_type(org: OrgHandle, case_id: str) -> None:
    dest = destination(org, file_inline_max=INLINE_MAX)
    uploads = [FileUpload(f"f{i}", name, _chunks(data), link_to=case_id, mime_type=mime)
               for i, (name, mime, data) in enumerate(FILES)]
    results = dest.upload_files(uploads)
    assert all(r.ok and r.created for r in results), results
    versions = {r["Id"]: r for r in dest.read("ContentVersion", [r.id or "" for r in results],
                                              ["PathOnClient", "FileType", "FileExtension",
                                               "ContentSize", "ContentDocumentId"])}
    for result, (_name, _mime, data) in zip(results, FILES, strict=True):
        assert b"".join(dest.download_file(result.id or "")) == data
        assert versions[result.id]["ContentSize"] == len(data)
    types = [(versions[r.id]["FileExtension"], versions[r.id]["FileType"]) for r in results]
    assert types == [("txt", "TEXT"), ("pdf", "PDF"), ("png", "PNG"), ("zip", "ZIP")]
    links = org.sf.query(f"SELECT ContentDocumentId FROM ContentDocumentLink "
                         f"WHERE LinkedEntityId = '{case_id}'")
    assert {r["ContentDocumentId"] for r in links["records"]} == \
        {v["ContentDocumentId"] for v in versions.values()}


def test_a_rerun_finds_the_same_bytes_and_uploads_nothing(org: OrgHandle, case_id: str) -> None:
    dest = destination(org, file_inline_max=INLINE_MAX)
    data = b"report body " * 100
    first = dest.upload_files([FileUpload("r", "report.csv", [data], link_to=case_id)])[0]
    again = dest.upload_files([
        FileUpload("r", "report.csv", _chunks(data, 7), link_to=case_id),
        FileUpload("r2", "report.csv", [data + b"changed"], link_to=case_id),
    ])
    assert again[0].ok and not again[0].created and again[0].id == first.id
    assert again[1].created and again[1].id != first.id
    assert count(org, "SELECT COUNT() FROM ContentVersion WHERE PathOnClient = 'report.csv'") == 2


class _LosesUploadAnswer(requests.Session):
    """Delivers the first upload, then drops its answer (a timeout after sending)."""

    def __init__(self, inner: requests.Session) -> None:
        super().__init__()
        self.inner, self.left = inner, 1

    def request(self, method: str | bytes, url: str | bytes, *args: object, **kwargs: object) -> requests.Response:
        response = self.inner.request(str(method), str(url), *args, **kwargs)  # type: ignore[arg-type]
        if self.left and method == "POST" and "ContentVersion" in str(url):
            self.left -= 1
            raise requests.exceptions.ReadTimeout("answer lost")
        return response


def test_a_lost_upload_answer_is_not_uploaded_twice(org: OrgHandle, case_id: str) -> None:
    session = _LosesUploadAnswer(make_session(token_profile(org)))
    dest = SalesforceDestination.connect(token_profile(org), ConnectorSettings(retry_wait=0),
                                         session=session)
    result = dest.upload_files([FileUpload("l", "lost.txt", [b"once only"], link_to=case_id)])[0]
    assert session.left == 0
    assert result.ok and result.created
    assert count(org, "SELECT COUNT() FROM ContentVersion WHERE PathOnClient = 'lost.txt'") == 1
    assert hashlib.md5(b"".join(dest.download_file(result.id or "")), usedforsecurity=False).hexdigest() == \
        hashlib.md5(b"once only", usedforsecurity=False).hexdigest()


def test_a_bad_link_fails_with_the_org_code(org: OrgHandle) -> None:
    result = destination(org).upload_files([
        FileUpload("b", "x.txt", [b"x"], link_to="500000000000000AAA")])[0]
    assert not result.ok and result.error_code is not None
    assert "hint:" in (result.error_message or "")


def test_the_extension_comes_from_the_mime_type_when_missing() -> None:
    assert path_on_client("scan", "application/pdf") == "scan.pdf"
    assert path_on_client("C:\\docs\\memo.docx", None) == "memo.docx"
    assert path_on_client("photo.jpeg", "image/png") == "photo.jpeg"
    assert path_on_client("blob", None) == "blob"


def test_deleting_a_version_deletes_its_document(org: OrgHandle, case_id: str) -> None:
    """Salesforce refuses to delete a ContentVersion; the connector deletes its
    ContentDocument, and answers for the version ids it was given."""
    dest = destination(org)
    (uploaded,) = dest.upload_files([FileUpload("gone-1", "gone.txt", [b"to be rolled back"], link_to=case_id,
                                                mime_type="text/plain")])
    assert uploaded.id is not None
    (document,) = [r["ContentDocumentId"] for r in dest.read("ContentVersion", [uploaded.id], ["ContentDocumentId"])]
    results = dest.load("ContentVersion", "delete", [("gone-1", {"Id": uploaded.id})])
    assert [(r.ref, r.ok) for r in results] == [("gone-1", True)]
    assert list(dest.read("ContentVersion", [uploaded.id], ["Id"])) == []
    assert list(dest.read("ContentDocument", [document], ["Id"])) == []
    again = dest.load("ContentVersion", "delete", [("gone-1", {"Id": uploaded.id})])
    assert again[0].error_code == "ENTITY_IS_DELETED"
