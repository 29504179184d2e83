"""crossmap check --live: a spec is checked against what the org describes now, so a
field created in the org (by a deploy, by an admin) is known, where the offline check
only knows the schemas the connectors ship."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sf_support import create_ext_field

from crossmap.cli import main
from crossmap_salesforce.emulator import running_org

SPEC = """xmap 1
source jsonl {
  path = "data"
}
target salesforce {
  profile = "salesforce"
}

extend Account {
  Region__c: text(40) external unique
}

map people -> Account {
  upsert on Region__c
  Name        = truncate(name, 255)
  Region__c   = truncate(region, 40)
}
"""


def test_check_live_sees_the_fields_the_org_has(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "people.jsonl").write_text(json.dumps({"id": "1", "name": "Ng", "region": "North"}) + "\n")
    spec = tmp_path / "accounts.xmap"
    spec.write_text(SPEC, encoding="utf-8")
    with running_org(tmp_path / "org") as org:
        (tmp_path / "crossmap.toml").write_text(
            f'[profiles.salesforce]\nauth = "token"\ninstance_url = "{org.instance_url}"\n'
            f'ca_file = "{org.ca_file}"\naccess_token_env = "CHECK_SF_TOKEN"\n')
        monkeypatch.setenv("CHECK_SF_TOKEN", org.access_token)
        runner = CliRunner()
        offline = runner.invoke(main, ["check", str(spec)])
        assert offline.exit_code == 0, offline.output  # the spec declares the field
        live = runner.invoke(main, ["check", "--live", str(spec)])
        assert live.exit_code == 1, live.output
        assert "error[XM241]: the destination has no field 'Account.Region__c', which the spec declares" in live.output
        assert "crossmap scaffold" in live.output
        create_ext_field(org, "Account", "Region__c")
        live = runner.invoke(main, ["check", "--live", str(spec)])
        assert live.exit_code == 0, live.output
        assert "accounts.xmap: ok" in live.output and org.access_token not in live.output
    gone = CliRunner().invoke(main, ["check", "--live", str(spec)])  # the org is down
    assert gone.exit_code == 1 and "error[XM100]" in gone.output and "Traceback" not in gone.output
