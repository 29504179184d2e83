"""Files: ContentVersion inserts, documents, links, bytes read back."""

from __future__ import annotations

import base64
import json

from emulator_support import Raw
from simple_salesforce import Salesforce

PAYLOAD = bytes(range(256)) * 40


def test_json_insert_creates_document_and_link(sf: Salesforce) -> None:
    account = sf.Account.create({"Name": "Has files"})["id"]
    vid = sf.ContentVersion.create({
        "Title": "Report", "PathOnClient": "report.pdf", "FirstPublishLocationId": account,
        "VersionData": base64.b64encode(PAYLOAD).decode(),
    })["id"]
    version = sf.ContentVersion.get(vid)
    assert version["FileType"] == "PDF" and version["FileExtension"] == "pdf"
    assert version["ContentSize"] == len(PAYLOAD) and version["VersionNumber"] == "1"
    assert version["VersionData"].endswith(f"/ContentVersion/{vid}/VersionData")
    doc = sf.ContentDocument.get(version["ContentDocumentId"])
    assert doc["LatestPublishedVersionId"] == vid and doc["Title"] == "Report"
    links = sf.query("SELECT ContentDocumentId, ShareType FROM ContentDocumentLink "
                     f"WHERE LinkedEntityId = '{account}'")["records"]
    assert [(l["ContentDocumentId"], l["ShareType"]) for l in links] == [(doc["Id"], "V")]
    assert sf.ContentVersion.get_base64(vid, base64_field="VersionData") == PAYLOAD


def test_multipart_insert_reads_back_identical_bytes(raw: Raw) -> None:
    entity = json.dumps({"Title": "Sheet", "PathOnClient": "data.xlsx"})
    r = raw("POST", "/sobjects/ContentVersion", files={
        "entity_content": ("", entity, "application/json"),
        "VersionData": ("data.xlsx", PAYLOAD, "application/octet-stream"),
    })
    assert r.status_code == 201, r.text
    vid = r.json()["id"]
    assert raw("GET", f"/sobjects/ContentVersion/{vid}").json()["FileType"] == "EXCEL_X"
    assert raw("GET", f"/sobjects/ContentVersion/{vid}/VersionData").content == PAYLOAD


def test_a_new_version_of_a_document(sf: Salesforce) -> None:
    first = sf.ContentVersion.create({"Title": "v", "PathOnClient": "v.txt",
                                      "VersionData": base64.b64encode(b"one").decode()})["id"]
    doc = sf.ContentVersion.get(first)["ContentDocumentId"]
    second = sf.ContentVersion.create({"Title": "v", "PathOnClient": "v.txt",
                                       "ContentDocumentId": doc,
                                       "VersionData": base64.b64encode(b"two").decode()})["id"]
    assert sf.ContentVersion.get(second)["VersionNumber"] == "2"
    assert sf.ContentVersion.get(first)["IsLatest"] is False
    assert sf.ContentDocument.get(doc)["LatestPublishedVersionId"] == second


def test_deleting_a_record_cascades_to_its_file_links(sf: Salesforce) -> None:
    case = sf.Case.create({"Subject": "with file"})["id"]
    sf.ContentVersion.create({"Title": "f", "PathOnClient": "f.txt", "FirstPublishLocationId": case,
                              "VersionData": base64.b64encode(b"x").decode()})
    comment = sf.CaseComment.create({"ParentId": case, "CommentBody": "hi"})["id"]
    sf.Case.delete(case)
    links = sf.query(f"SELECT Id FROM ContentDocumentLink WHERE LinkedEntityId = '{case}'")
    assert links["totalSize"] == 0
    gone = sf.query_all(f"SELECT Id, IsDeleted FROM CaseComment WHERE Id = '{comment}'",
                        include_deleted=True)["records"]
    assert gone[0]["IsDeleted"] is True


def test_deleting_an_account_cascades_to_its_contacts(sf: Salesforce) -> None:
    account = sf.Account.create({"Name": "Parent"})["id"]
    contact = sf.Contact.create({"LastName": "Child", "AccountId": account})["id"]
    sf.Account.delete(account)
    assert sf.query(f"SELECT Id FROM Contact WHERE Id = '{contact}'")["totalSize"] == 0
