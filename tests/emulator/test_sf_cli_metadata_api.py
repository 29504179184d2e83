"""The Metadata API's file-based deploy in the local org, on the SOAP wire (the
Salesforce CLI's own deploys are in test_sf_cli.py).

References (Metadata API Developer Guide,
https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/):
- "deploy()": a base64 zip and DeployOptions in, an AsyncResult (id) out;
  ``rollbackOnError``: any failure rolls the whole deployment back; ``checkOnly``:
  validate without changing the org.
- "checkDeployStatus()" / "DeployResult": status (Pending, InProgress, Succeeded,
  SucceededPartial, Failed, Canceling, Canceled), done, success, the component counts,
  and with ``includeDetails`` the DeployDetails (componentSuccesses,
  componentFailures).
- "DeployMessage" (and the Apex Metadata.DeployMessage reference): changed, created,
  componentType, fileName, fullName, id, problem, problemType, success; ``changed``
  false when the deployed component was the same as the one already in the org.
- "cancelDeploy()" / "CancelDeployResult": a deployment still in the queue is
  canceled at once (done true); faults INVALID_ID_FIELD "Invalid deploy ID" and
  "Deployment already completed".
- "CustomObject" / "CustomField": a .object file holds the object's settings and its
  fields; field types, ``externalId``, ``referenceTo``, ``relationshipName``,
  ``valueSet``.
"""

from __future__ import annotations

import base64
import io
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest

from crossmap_salesforce.emulator import OrgHandle, running_org
from crossmap_salesforce.emulator.metadata_package import to_value

MD = "http://soap.sforce.com/2006/04/metadata"
ENV = "http://schemas.xmlsoap.org/soap/envelope/"


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrgHandle]:
    """An org of its own: the objects and fields deployed here stay out of the
    session's shared org."""
    with running_org(tmp_path_factory.mktemp("metadata-org")) as handle:
        yield handle


def _package(types: dict[str, list[str]], files: dict[str, str], version: str = "62.0") -> str:
    manifest = "".join(
        "<types>" + "".join(f"<members>{m}</members>" for m in members) + f"<name>{name}</name></types>"
        for name, members in types.items())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("unpackaged/package.xml", f'<?xml version="1.0" encoding="UTF-8"?>'
                         f'<Package xmlns="{MD}">{manifest}<version>{version}</version></Package>')
        for name, body in files.items():
            archive.writestr(f"unpackaged/{name}", f'<?xml version="1.0" encoding="UTF-8"?>{body}')
    return base64.b64encode(buffer.getvalue()).decode()


def _object(body: str) -> str:
    return f'<CustomObject xmlns="{MD}">{body}</CustomObject>'


def _call(org: OrgHandle, operation: str, inner: str, token: str | None = None) -> tuple[int, Any]:
    envelope = (f'<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="{ENV}">'
                f'<soapenv:Header xmlns="{MD}"><SessionHeader><sessionId>{token or org.access_token}'
                f'</sessionId></SessionHeader></soapenv:Header><soapenv:Body xmlns="{MD}">'
                f"<{operation}>{inner}</{operation}></soapenv:Body></soapenv:Envelope>")
    with org.session() as s:
        r = s.post(f"{org.instance_url}/services/Soap/m/62.0", data=envelope.encode(),
                   headers={"Content-Type": "text/xml", "SOAPAction": '""'})
    root = ET.fromstring(r.content)
    body = root.find(f"{{{ENV}}}Body")
    assert body is not None
    fault = body.find(f"{{{ENV}}}Fault")
    if fault is not None:
        return r.status_code, {"faultcode": fault.findtext("faultcode"),
                               "faultstring": fault.findtext("faultstring")}
    response = next(iter(body))
    return r.status_code, to_value(response)["result"]


def _deploy(org: OrgHandle, zip_b64: str, **options: bool) -> dict[str, Any]:
    opts = "".join(f"<{k}>{'true' if v else 'false'}</{k}>" for k, v in options.items())
    status, started = _call(org, "deploy", f"<ZipFile>{zip_b64}</ZipFile><DeployOptions>{opts}</DeployOptions>")
    assert status == 200 and started["state"] == "Queued" and started["done"] is False
    assert started["id"].startswith("0Af")
    status, result = _call(org, "checkDeployStatus",
                           f"<asyncProcessId>{started['id']}</asyncProcessId><includeDetails>true</includeDetails>")
    assert status == 200 and result["done"] is True
    counts = ("numberComponentsTotal", "numberComponentsDeployed", "numberComponentErrors")
    return {k: int(v) if k in counts else v for k, v in result.items()}


def _messages(result: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    found = result.get("details", {}).get(kind) or []
    found = found if isinstance(found, list) else [found]
    return {m["fullName"]: m for m in found}


def _field(org: OrgHandle, obj: str, name: str) -> dict[str, Any] | None:
    fields = org.sf.restful(f"sobjects/{obj}/describe")["fields"]
    return next((f for f in fields if f["name"] == name), None)


WIDGET = _object(
    "<label>Widget</label><pluralLabel>Widgets</pluralLabel><deploymentStatus>Deployed</deploymentStatus>"
    "<sharingModel>ReadWrite</sharingModel><nameField><type>Text</type><label>Widget Name</label></nameField>"
    "<fields><fullName>Code__c</fullName><label>Code</label><type>Text</type><length>20</length>"
    "<externalId>true</externalId><unique>true</unique></fields>"
    "<fields><fullName>Size__c</fullName><label>Size</label><type>Picklist</type><valueSet>"
    "<restricted>true</restricted><valueSetDefinition><sorted>false</sorted>"
    "<value><fullName>S</fullName><default>false</default><label>S</label></value>"
    "<value><fullName>L</fullName><default>false</default><label>L</label></value>"
    "</valueSetDefinition></valueSet></fields>"
    "<fields><fullName>Account__c</fullName><label>Account</label><type>Lookup</type>"
    "<referenceTo>Account</referenceTo><relationshipName>Widgets</relationshipName>"
    "<deleteConstraint>SetNull</deleteConstraint></fields>")


@pytest.fixture(scope="module")
def deployed(org: OrgHandle) -> dict[str, Any]:
    """Widget__c (text external id, restricted picklist, lookup), a master-detail
    child Part__c, and a field on the standard Account, in one deployment."""
    part = _object(
        "<label>Part</label><pluralLabel>Parts</pluralLabel><deploymentStatus>Deployed</deploymentStatus>"
        "<sharingModel>ControlledByParent</sharingModel><nameField><type>Text</type><label>Part Name</label>"
        "</nameField><fields><fullName>Widget__c</fullName><label>Widget</label><type>MasterDetail</type>"
        "<referenceTo>Widget__c</referenceTo><relationshipName>Parts</relationshipName></fields>")
    account = _object("<fields><fullName>Legacy_Id__c</fullName><label>Legacy Id</label><type>Text</type>"
                      "<length>40</length><externalId>true</externalId></fields>")
    return _deploy(org, _package(
        {"CustomObject": ["Widget__c", "Part__c"], "CustomField": ["Account.Legacy_Id__c"]},
        {"objects/Widget__c.object": WIDGET, "objects/Part__c.object": part,
         "objects/Account.object": account}), rollbackOnError=True)


def test_a_deployment_creates_objects_and_fields_of_every_kind_crossmap_writes(
        org: OrgHandle, deployed: dict[str, Any]) -> None:
    assert deployed["status"] == "Succeeded" and deployed["success"] is True
    assert deployed["numberComponentsTotal"] == deployed["numberComponentsDeployed"] == 7
    assert deployed["numberComponentErrors"] == 0
    ok = _messages(deployed, "componentSuccesses")
    assert ok["Widget__c"]["componentType"] == "CustomObject" and ok["Widget__c"]["created"] is True
    assert ok["Widget__c"]["id"].startswith("01I")
    assert ok["Widget__c.Code__c"]["fileName"] == "unpackaged/objects/Widget__c.object"
    assert ok["Account.Legacy_Id__c"]["id"].startswith("00N")
    assert ok["package.xml"]["fileName"] == "unpackaged/package.xml"
    code = _field(org, "Widget__c", "Code__c")
    assert code is not None and code["externalId"] is True and code["length"] == 20
    size = _field(org, "Widget__c", "Size__c")
    assert size is not None and [v["value"] for v in size["picklistValues"]] == ["S", "L"]
    assert size["restrictedPicklist"] is True
    lookup = _field(org, "Widget__c", "Account__c")
    assert lookup is not None and lookup["referenceTo"] == ["Account"]
    master = _field(org, "Part__c", "Widget__c")
    assert master is not None and master["referenceTo"] == ["Widget__c"] and master["nillable"] is False
    legacy = _field(org, "Account", "Legacy_Id__c")
    assert legacy is not None and legacy["externalId"] is True
    # The new objects take records at once.
    widget = org.sf.Widget__c.create({"Name": "W", "Code__c": "W-1", "Size__c": "S"})
    assert org.sf.Part__c.create({"Name": "P", "Widget__c": widget["id"]})["success"]


def test_deploying_the_same_package_again_changes_nothing(org: OrgHandle, deployed: dict[str, Any]) -> None:
    again = _deploy(org, _package({"CustomObject": ["Widget__c"]},
                                  {"objects/Widget__c.object": WIDGET}), rollbackOnError=True)
    assert again["status"] == "Succeeded"
    ok = _messages(again, "componentSuccesses")
    assert ok["Widget__c"]["changed"] is False and ok["Widget__c"]["created"] is False
    assert ok["Widget__c.Size__c"]["changed"] is False


def test_unsupported_types_fail_component_by_component_and_roll_everything_back(
        org: OrgHandle) -> None:
    gizmo = _object(
        "<label>Gizmo</label><pluralLabel>Gizmos</pluralLabel><deploymentStatus>Deployed</deploymentStatus>"
        "<sharingModel>ReadWrite</sharingModel><nameField><type>Text</type><label>Gizmo Name</label></nameField>"
        "<fields><fullName>Total__c</fullName><label>Total</label><type>Number</type><precision>10</precision>"
        "<scale>2</scale><formula>1 + 1</formula></fields>"
        "<fields><fullName>Where__c</fullName><label>Where</label><type>Location</type></fields>"
        "<listViews><fullName>All</fullName><filterScope>Everything</filterScope><label>All</label></listViews>")
    result = _deploy(org, _package(
        {"CustomObject": ["Gizmo__c"], "ApexClass": ["Hello"], "CustomField": ["Gizmo__c.Missing__c"]},
        {"objects/Gizmo__c.object": gizmo, "classes/Hello.cls": "public class Hello {}",
         "classes/Hello.cls-meta.xml": f'<ApexClass xmlns="{MD}"><apiVersion>62.0</apiVersion></ApexClass>',
         "layouts/Gizmo__c-Gizmo Layout.layout": f'<Layout xmlns="{MD}"/>'}),
        rollbackOnError=True)
    assert result["status"] == "Failed" and result["success"] is False
    failed = _messages(result, "componentFailures")
    assert failed["Gizmo__c.Where__c"]["problem"].startswith(
        "The local org does not model field type 'Location'")
    assert failed["Gizmo__c.All"]["componentType"] == "ListView"
    assert "does not model ListView" in failed["Gizmo__c.All"]["problem"]
    assert failed["Hello"]["componentType"] == "ApexClass"
    assert failed["Hello"]["fileName"] in ("unpackaged/classes/Hello.cls",
                                           "unpackaged/classes/Hello.cls-meta.xml")
    # A file package.xml does not name fails on its own, once per component.
    assert failed["Gizmo__c-Gizmo Layout"]["problem"] == (
        "The local org does not model the metadata in 'layouts/': only CustomObject and "
        "CustomField deploy here")
    assert sum(1 for m in failed.values() if m["fileName"].startswith("unpackaged/classes/")) == 1
    assert failed["Gizmo__c.Missing__c"]["problem"] == (
        "An object 'Gizmo__c.Missing__c' of type CustomField was named in package.xml, but was "
        "not found in zipped directory")
    assert all(m["problemType"] == "Error" and m["success"] is False for m in failed.values())
    assert result["numberComponentErrors"] == len(failed) and result["numberComponentsDeployed"] == 0
    # rollbackOnError: the object that would have deployed was not created.
    assert "Gizmo__c" in _messages(result, "componentSuccesses")
    assert "Gizmo__c" not in {o["name"] for o in org.sf.describe()["sobjects"]}


def test_allow_missing_files_lets_package_xml_name_more_than_the_zip_holds(org: OrgHandle) -> None:
    """DeployOptions ``allowMissingFiles``: "If files that are specified in package.xml
    are not in the .zip file, specifies whether a deployment can still succeed"."""
    account = _object("<fields><fullName>Present__c</fullName><label>Present</label><type>Date</type></fields>")
    package = _package({"CustomField": ["Account.Present__c", "Account.Absent__c"]},
                       {"objects/Account.object": account})
    assert _deploy(org, package, rollbackOnError=True)["status"] == "Failed"
    result = _deploy(org, package, rollbackOnError=True, allowMissingFiles=True)
    assert result["status"] == "Succeeded" and result["numberComponentsTotal"] == 1
    assert _field(org, "Account", "Present__c") is not None


def test_without_rollback_on_error_the_rest_is_applied(org: OrgHandle) -> None:
    account = _object("<fields><fullName>Partial_A__c</fullName><label>A</label><type>Date</type></fields>"
                      "<fields><fullName>Partial_B__c</fullName><label>B</label><type>Html</type></fields>")
    result = _deploy(org, _package({"CustomField": ["Account.Partial_A__c", "Account.Partial_B__c"]},
                                   {"objects/Account.object": account}), rollbackOnError=False)
    assert result["status"] == "SucceededPartial" and result["success"] is True
    assert result["numberComponentsDeployed"] == 1 and result["numberComponentErrors"] == 1
    assert _field(org, "Account", "Partial_A__c") is not None
    assert _field(org, "Account", "Partial_B__c") is None


def test_check_only_validates_and_changes_nothing(org: OrgHandle) -> None:
    account = _object("<fields><fullName>Checked__c</fullName><label>Checked</label><type>Checkbox</type>"
                      "<defaultValue>false</defaultValue></fields>")
    result = _deploy(org, _package({"CustomField": ["Account.Checked__c"]},
                                   {"objects/Account.object": account}), checkOnly=True)
    assert result["status"] == "Succeeded" and result["checkOnly"] is True
    assert _field(org, "Account", "Checked__c") is None


def test_an_existing_field_with_another_definition_fails_clearly(org: OrgHandle,
                                                                 deployed: dict[str, Any]) -> None:
    account = _object("<fields><fullName>Legacy_Id__c</fullName><label>Legacy Id</label>"
                      "<type>Number</type><precision>18</precision><scale>0</scale></fields>")
    result = _deploy(org, _package({"CustomField": ["Account.Legacy_Id__c"]},
                                   {"objects/Account.object": account}), rollbackOnError=True)
    assert result["status"] == "Failed"
    problem = _messages(result, "componentFailures")["Account.Legacy_Id__c"]["problem"]
    assert problem == ("Account.Legacy_Id__c exists as string; the local org does not change an "
                       "existing field to Number")


def test_a_zip_without_package_xml_fails_the_deployment(org: OrgHandle) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("objects/Thing__c.object", _object("<label>Thing</label>"))
    result = _deploy(org, base64.b64encode(buffer.getvalue()).decode())
    assert result["status"] == "Failed"
    assert _messages(result, "componentFailures")["package.xml"]["problem"] == "No package.xml found"


def test_cancel_a_queued_deployment_then_its_status_is_canceled(org: OrgHandle) -> None:
    account = _object("<fields><fullName>Never__c</fullName><label>Never</label><type>Date</type></fields>")
    _, started = _call(org, "deploy", f"<ZipFile>{_package({'CustomField': ['Account.Never__c']}, {'objects/Account.object': account})}"
                                      "</ZipFile><DeployOptions><rollbackOnError>true</rollbackOnError></DeployOptions>")
    status, canceled = _call(org, "cancelDeploy", f"<id>{started['id']}</id>")
    assert status == 200 and canceled == {"done": True, "id": started["id"]}
    _, result = _call(org, "checkDeployStatus", f"<asyncProcessId>{started['id']}</asyncProcessId>")
    assert result["status"] == "Canceled" and result["done"] is True and result["success"] is False
    assert _field(org, "Account", "Never__c") is None
    status, fault = _call(org, "cancelDeploy", f"<id>{started['id']}</id>")
    assert status == 500
    assert fault == {"faultcode": "sf:INVALID_ID_FIELD",
                     "faultstring": "INVALID_ID_FIELD: Deployment already completed"}


def test_a_deployment_nobody_polls_runs_after_its_time_in_the_queue(
        org: OrgHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    """A real deployment leaves the queue whether or not anyone asks about it."""
    from crossmap_salesforce.emulator import metadata_api

    assert org.emulator is not None
    monkeypatch.setattr(metadata_api, "QUEUE_SECONDS", 0.0)
    account = _object("<fields><fullName>Unpolled__c</fullName><label>U</label><type>Date</type></fields>")
    earlier = set(metadata_api.queued(org.emulator))
    _, started = _call(org, "deploy", f"<ZipFile>{_package({'CustomField': ['Account.Unpolled__c']}, {'objects/Account.object': account})}"
                                      "</ZipFile><DeployOptions></DeployOptions>")
    (timer,) = set(metadata_api.queued(org.emulator)) - earlier
    timer.join(timeout=30)
    assert _field(org, "Account", "Unpolled__c") is not None
    _, result = _call(org, "checkDeployStatus", f"<asyncProcessId>{started['id']}</asyncProcessId>")
    assert result["status"] == "Succeeded"
    _, fault = _call(org, "cancelDeploy", f"<id>{started['id']}</id>")
    assert fault["faultstring"] == "INVALID_ID_FIELD: Deployment already completed"


def test_unknown_ids_and_bad_sessions_are_faults(org: OrgHandle) -> None:
    status, fault = _call(org, "checkDeployStatus", "<asyncProcessId>0Af000000000000AAA</asyncProcessId>")
    assert status == 500 and fault["faultstring"] == "INVALID_ID_FIELD: Invalid deploy ID"
    status, fault = _call(org, "cancelDeploy", "<id>0Af000000000000AAA</id>", token="bad")
    assert status == 500 and fault["faultcode"] == "sf:INVALID_SESSION_ID"
    status, fault = _call(org, "listMetadata", "<queries><type>CustomObject</type></queries>")
    assert status == 500 and "deploy, checkDeployStatus and cancelDeploy" in fault["faultstring"]


def test_the_metadata_server_url_of_the_soap_login_answers(org: OrgHandle) -> None:
    """The SOAP login names ``metadataServerUrl`` as ``/services/Soap/m/{v}/{orgId15}``;
    a client that follows it reaches the same endpoint."""
    with org.session() as s:
        r = s.post(f"{org.instance_url}/services/Soap/u/62.0", headers={
            "Content-Type": "text/xml", "SOAPAction": "login"}, data=(
            f'<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="{ENV}" '
            'xmlns:urn="urn:partner.soap.sforce.com"><soapenv:Body><urn:login>'
            f"<urn:username>{org.username}</urn:username><urn:password>{org.password}"
            "</urn:password></urn:login></soapenv:Body></soapenv:Envelope>").encode())
        url = ET.fromstring(r.content).findtext(".//{urn:partner.soap.sforce.com}metadataServerUrl")
        assert url is not None and url.startswith(f"{org.instance_url}/services/Soap/m/62.0/00D")
        envelope = (f'<soapenv:Envelope xmlns:soapenv="{ENV}"><soapenv:Header xmlns="{MD}"><SessionHeader>'
                    f"<sessionId>{org.access_token}</sessionId></SessionHeader></soapenv:Header>"
                    f'<soapenv:Body xmlns="{MD}"><checkDeployStatus><asyncProcessId>0Af000000000000AAA'
                    "</asyncProcessId></checkDeployStatus></soapenv:Body></soapenv:Envelope>")
        answer = s.post(url, data=envelope.encode(), headers={"Content-Type": "text/xml"})
    assert answer.status_code == 500 and b"Invalid deploy ID" in answer.content
