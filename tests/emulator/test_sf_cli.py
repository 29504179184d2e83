"""The official Salesforce CLI (``sf``) against the local org.

The CLI is installed by the session fixture ``sf_binary`` (``sf_cli_support``: the
pinned ``@salesforce/cli`` of ``tools/sf-cli/package.json`` into ``.cache/sf-cli/``);
without Node.js and npm these tests skip with the reason, except under CI
(``CI=true``), where they fail. Each command spawns Node (2 to 7 s each), so the
module logs in once and runs each command once; it takes one and a half to two
minutes on two busy cores.

What the CLI is expected to do comes from its own command reference (Salesforce CLI
Command Reference, https://developer.salesforce.com/docs/atlas.en-us.sfdx_cli_reference.meta/sfdx_cli_reference/):
``org login access-token`` reads the token from ``SF_ACCESS_TOKEN`` with
``--no-prompt``; ``data export bulk`` is the Bulk API 2.0 query (``data query`` has
no ``--bulk`` in CLI 2.146); ``data import/upsert/delete bulk`` are Bulk API 2.0
ingest jobs; ``data import tree`` posts sObject trees; ``project deploy start
--metadata-dir`` deploys a Metadata API package, ``--async`` returns the job id at
once and ``project deploy cancel`` cancels it.
"""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sf_cli_support import SfCli, require_sf_cli

from crossmap.cli import main as cli_main
from crossmap.syntax import ast, load
from crossmap.systems import compile_offline
from crossmap_qdispatch.simulator import Simulator
from crossmap_qdispatch.simulator.ratelimit import Limits
from crossmap_salesforce.emulator import OrgHandle, running_org
from crossmap_salesforce.metadata import custom_fields

ALIAS = "local"
FLAGSHIP = Path(__file__).resolve().parents[2] / "specs" / "qdispatch_to_salesforce.xmap"


@pytest.fixture(scope="session")
def sf_binary() -> Path:
    """The installed ``sf`` (installed now if the cache is missing or stale)."""
    return require_sf_cli()


@pytest.fixture(scope="module")
def sf_org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrgHandle]:
    """An org of its own: the CLI's records stay out of the shared org's counts."""
    with running_org(tmp_path_factory.mktemp("sf-cli-org")) as handle:
        yield handle


@pytest.fixture(scope="module")
def cli(sf_binary: Path, sf_org: OrgHandle, tmp_path_factory: pytest.TempPathFactory) -> SfCli:
    """The CLI, logged in to ``sf_org`` under the alias ``local``."""
    runner = SfCli(sf_binary, tmp_path_factory.mktemp("sf-home"), sf_org.ca_file,
                   sf_org.access_token)
    login = runner.run("org", "login", "access-token", "--instance-url", sf_org.instance_url,
                       "--no-prompt", "--alias", ALIAS)
    assert login["result"]["username"] == sf_org.username
    return runner


def _query(sf_org: OrgHandle, soql: str) -> list[dict[str, Any]]:
    return list(sf_org.sf.query_all(soql)["records"])


def test_login_and_org_display(cli: SfCli, sf_org: OrgHandle) -> None:
    """``org login access-token`` needs the userinfo call and the versions listing;
    ``org display`` then shows the org connected."""
    shown = cli.run("org", "display", "-o", ALIAS)["result"]
    assert shown["connectedStatus"] == "Connected"
    assert shown["username"] == sf_org.username
    assert shown["id"] == sf_org.emulator.org.org_id  # type: ignore[union-attr]
    assert shown["apiVersion"] == "62.0"
    assert shown["instanceUrl"].rstrip("/") == sf_org.instance_url


def test_org_list_limits(cli: SfCli) -> None:
    limits = {row["name"]: row for row in cli.run("org", "list", "limits", "-o", ALIAS)["result"]}
    daily = limits["DailyApiRequests"]
    assert 0 < daily["remaining"] < daily["max"]


def test_sobject_list_and_describe(cli: SfCli) -> None:
    names = cli.run("sobject", "list", "-o", ALIAS)["result"]
    assert {"Account", "Contact", "Case", "User"} <= set(names)
    described = cli.run("sobject", "describe", "-s", "Contact", "-o", ALIAS)["result"]
    assert described["name"] == "Contact"
    assert "AccountId" in {f["name"] for f in described["fields"]}


def test_data_create_update_and_delete_record(cli: SfCli, sf_org: OrgHandle) -> None:
    created = cli.run("data", "create", "record", "-s", "Account", "-v",
                      "Name='CLI Record' Industry=Energy", "-o", ALIAS)["result"]
    assert created["success"] is True
    record_id = created["id"]
    assert sf_org.sf.Account.get(record_id)["Industry"] == "Energy"
    cli.run("data", "update", "record", "-s", "Account", "-i", record_id,
            "-v", "Industry=Retail", "-o", ALIAS)
    assert sf_org.sf.Account.get(record_id)["Industry"] == "Retail"
    cli.run("data", "delete", "record", "-s", "Account", "-i", record_id, "-o", ALIAS)
    assert _query(sf_org, f"SELECT Id FROM Account WHERE Id = '{record_id}'") == []


def test_data_query_lays_out_columns_from_the_column_metadata(cli: SfCli, sf_org: OrgHandle) -> None:
    """``sf data query`` runs the query, then asks ``columns=true`` for the layout: a
    relationship path comes back as its own column."""
    sf_org.sf.Account.create({"Name": "Queried by the CLI"})
    out = cli.run("data", "query", "-q",
                  "SELECT Id, Name, Owner.Name FROM Account WHERE Name = 'Queried by the CLI'",
                  "-o", ALIAS)["result"]
    assert out["totalSize"] == 1
    assert out["records"][0]["Owner"]["Name"] == "Org Admin"
    csv_out = cli.run_text("data", "query", "-q",
                           "SELECT Name, Owner.Name FROM Account "
                           "WHERE Name = 'Queried by the CLI'", "-r", "csv", "-o", ALIAS)
    assert csv_out.splitlines()[:2] == ["Name,Owner.Name", "Queried by the CLI,Org Admin"]


def _write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_data_bulk_import_export_upsert_and_delete(cli: SfCli, sf_org: OrgHandle,
                                                   tmp_path: Path) -> None:
    """Bulk API 2.0 through the CLI: insert, query (export), upsert on Id, delete."""
    source = _write_csv(tmp_path / "accounts.csv", [
        {"Name": "Bulk CLI 1", "Industry": "Energy"},
        {"Name": "Bulk CLI 2", "Industry": "Retail"},
    ])
    imported = cli.run("data", "import", "bulk", "--file", str(source), "--sobject", "Account",
                       "--wait", "2", "-o", ALIAS)["result"]
    assert imported["successfulRecords"] == 2 and imported["failedRecords"] == 0

    exported = tmp_path / "export.csv"
    done = cli.run("data", "export", "bulk", "-q",
                   "SELECT Id, Name FROM Account WHERE Name LIKE 'Bulk CLI%' ORDER BY Name",
                   "--output-file", str(exported), "--wait", "2", "-o", ALIAS)["result"]
    assert done["totalSize"] == 2
    with exported.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["Name"] for r in rows] == ["Bulk CLI 1", "Bulk CLI 2"]

    upserts = _write_csv(tmp_path / "upsert.csv", [{"Id": rows[0]["Id"], "Industry": "Banking"}])
    cli.run("data", "upsert", "bulk", "--file", str(upserts), "--sobject", "Account",
            "--external-id", "Id", "--wait", "2", "-o", ALIAS)
    assert sf_org.sf.Account.get(rows[0]["Id"])["Industry"] == "Banking"

    deletes = _write_csv(tmp_path / "delete.csv", [{"Id": r["Id"]} for r in rows])
    cli.run("data", "delete", "bulk", "--file", str(deletes), "--sobject", "Account",
            "--wait", "2", "-o", ALIAS)
    assert _query(sf_org, "SELECT Id FROM Account WHERE Name LIKE 'Bulk CLI%'") == []


def _preflight(folder: Path, *args: str) -> tuple[int, dict[str, Any]]:
    out = folder / "preflight.json"
    result = CliRunner().invoke(cli_main, ["preflight", str(folder / FLAGSHIP.name), "--json-file",
                                           str(out), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, json.loads(out.read_text(encoding="utf-8"))


def test_project_deploy_start_of_crossmaps_package(cli: SfCli, sf_org: OrgHandle, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """``crossmap preflight --out`` writes the flagship spec's metadata package; ``sf
    project deploy start --metadata-dir`` deploys it into the org (Metadata API
    ``deploy``, then ``checkDeployStatus`` until done); ``crossmap preflight`` run
    again finds every declared object and field, as declared."""
    shutil.copy(FLAGSHIP, tmp_path / FLAGSHIP.name)
    for include in load(FLAGSHIP).of_type(ast.Include):
        (tmp_path / include.path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(FLAGSHIP.parent / include.path, tmp_path / include.path)
    with Simulator(seed=1, scale=1, limits=Limits(per_minute=20_000)) as sim:
        shutil.copy(sim.ca_file, tmp_path / "qdispatch-ca.pem")
        (tmp_path / "crossmap.toml").write_text(
            f'[profiles.qdispatch]\nbase_url = "{sim.base_url}"\nca_file = "qdispatch-ca.pem"\n'
            f'client_id = "{sim.client_id}"\nclient_secret_env = "SF_CLI_TEST_QD_SECRET"\n\n'
            f'[profiles.salesforce]\nauth = "token"\ninstance_url = "{sf_org.instance_url}"\n'
            f'ca_file = "{sf_org.ca_file}"\naccess_token_env = "SF_CLI_TEST_TOKEN"\n',
            encoding="utf-8")
        monkeypatch.setenv("SF_CLI_TEST_QD_SECRET", sim.client_secret)
        monkeypatch.setenv("SF_CLI_TEST_TOKEN", sf_org.access_token)
        code, before = _preflight(tmp_path, "--out", str(tmp_path / "metadata"))
        assert code == 1 and before["schema"]["missing"]
        assert any("declared objects or fields" in b for b in before["blockers"])
        checked = CliRunner().invoke(cli_main, ["check", "--live", str(tmp_path / FLAGSHIP.name)])
        assert checked.exit_code == 1 and "error[XM241]" in checked.output
        deployed = cli.run("project", "deploy", "start", "--metadata-dir", str(tmp_path / "metadata"),
                           "--wait", "2", "-o", ALIAS)["result"]
        _, after = _preflight(tmp_path)
        checked = CliRunner().invoke(cli_main, ["check", "--live", str(tmp_path / FLAGSHIP.name)])
        assert checked.exit_code == 0, checked.output
    compiled = compile_offline(load(FLAGSHIP))
    assert compiled.plan is not None
    expected = sum(len(custom_fields(d)) + int(d.new) for d in compiled.plan.declarations)
    assert deployed["status"] == "Succeeded" and deployed["success"] is True
    assert deployed["numberComponentsDeployed"] == deployed["numberComponentsTotal"] == expected
    assert after["schema"]["missing"] == [] and after["schema"]["mismatches"] == []
    assert not any("declared objects or fields" in b for b in after["blockers"])


def test_project_deploy_async_then_cancel(cli: SfCli, sf_org: OrgHandle, tmp_path: Path) -> None:
    """A deployment still in the queue is canceled at once (``cancelDeploy`` answers
    ``done``; Metadata API Developer Guide, "cancelDeploy()": "When the deployment is
    in the queue and hasn't started yet, calling cancelDeploy() cancels the deployment
    immediately"), and nothing of it reaches the org."""
    package = tmp_path / "cancel"
    (package / "objects").mkdir(parents=True)
    (package / "package.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?><Package xmlns="http://soap.sforce.com/2006/04/metadata">'
        "<types><members>Gadget__c</members><name>CustomObject</name></types><version>62.0</version>"
        "</Package>")
    (package / "objects" / "Gadget__c.object").write_text(
        '<?xml version="1.0" encoding="UTF-8"?><CustomObject xmlns="http://soap.sforce.com/2006/04/metadata">'
        "<label>Gadget</label><pluralLabel>Gadgets</pluralLabel><nameField><type>Text</type>"
        "<label>Gadget Name</label></nameField><deploymentStatus>Deployed</deploymentStatus>"
        "<sharingModel>ReadWrite</sharingModel></CustomObject>")
    started = cli.run("project", "deploy", "start", "--metadata-dir", str(package), "--async",
                      "-o", ALIAS)["result"]
    job = started["id"]
    canceled = cli.run("project", "deploy", "cancel", "--job-id", job, "--wait", "1",
                       "-o", ALIAS)["result"]
    assert canceled["status"] == "Canceled" and canceled["done"] is True
    assert canceled["canceledBy"] == sf_org.emulator.org.admin_id  # type: ignore[union-attr]
    assert "Gadget__c" not in {o["name"] for o in sf_org.sf.describe()["sobjects"]}


def test_data_import_tree(cli: SfCli, sf_org: OrgHandle, tmp_path: Path) -> None:
    """``sf data import tree`` posts the file to ``/composite/tree/Account``: a parent
    and its children by child relationship, all in one request (REST API Developer
    Guide, "sObject Tree")."""
    tree = tmp_path / "accounts.json"
    tree.write_text(json.dumps({"records": [{
        "attributes": {"type": "Account", "referenceId": "AcmeRef"},
        "Name": "Tree Acme", "Industry": "Energy",
        "Contacts": {"records": [
            {"attributes": {"type": "Contact", "referenceId": "JaneRef"}, "LastName": "Doe"},
            {"attributes": {"type": "Contact", "referenceId": "JohnRef"}, "LastName": "Roe"},
        ]},
    }]}))
    result = cli.run("data", "import", "tree", "--files", str(tree), "-o", ALIAS)["result"]
    ids = {row["refId"]: row["id"] for row in result}
    assert set(ids) == {"AcmeRef", "JaneRef", "JohnRef"}
    contacts = _query(sf_org, f"SELECT LastName, AccountId FROM Contact WHERE AccountId = '{ids['AcmeRef']}' "
                              "ORDER BY LastName")
    assert [(c["LastName"], c["AccountId"]) for c in contacts] == [("Doe", ids["AcmeRef"]),
                                                                 ("Roe", ids["AcmeRef"])]
