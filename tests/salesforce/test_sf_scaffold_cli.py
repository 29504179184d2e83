"""crossmap scaffold against the local org: the checklist, the metadata package,
and --apply followed by a clean describe; no secret anywhere in the output."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from crossmap.cli import main
from crossmap_salesforce.emulator import running_org

SPECS = Path(__file__).resolve().parents[2] / "specs"


def test_scaffold_checklist_package_and_apply(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              permissive_umask: int,
                                              owner_only: Callable[[Path], list[Path]]) -> None:
    shutil.copy(SPECS / "qdispatch_to_salesforce.xmap", tmp_path)
    shutil.copytree(SPECS / "shared", tmp_path / "shared")
    with running_org(tmp_path / "org") as org:
        (tmp_path / "crossmap.toml").write_text(
            f'[profiles.salesforce]\nauth = "token"\ninstance_url = "{org.instance_url}"\n'
            f'ca_file = "{org.ca_file}"\naccess_token_env = "DEMO_SF_TOKEN"\n'
        )
        monkeypatch.setenv("DEMO_SF_TOKEN", org.access_token)
        spec = str(tmp_path / "qdispatch_to_salesforce.xmap")
        runner = CliRunner()

        listed = runner.invoke(main, ["scaffold", spec])
        assert listed.exit_code == 0, listed.output
        assert "new object Work_Order_Line_Item__c: QD_Line_Item_Id__c" in listed.output

        packaged = runner.invoke(main, ["scaffold", spec, "--out", str(tmp_path / "pkg")])
        assert packaged.exit_code == 0, packaged.output
        assert any((tmp_path / "pkg").rglob("*.xml"))
        # under umask 000: the package, and the emulated org's data and TLS files
        assert "package.xml" in {f.name for f in owner_only(tmp_path / "pkg")}
        assert {"org.sqlite3", "ca.pem", "server.pem"} <= {f.name for f in owner_only(tmp_path / "org")}

        applied = runner.invoke(main, ["scaffold", spec, "--apply"])
        assert applied.exit_code == 0, applied.output
        assert "created" in applied.output
        again = runner.invoke(main, ["scaffold", spec, "--apply"])
        assert again.exit_code == 0 and "created 0" in again.output
        fields = {f["name"] for f in org.sf.Case.describe()["fields"]}
        assert {"Work_Order_Status__c", "QD_Job_Id__c"} <= fields
        for output in (listed.output, packaged.output, applied.output, again.output):
            assert org.access_token not in output
