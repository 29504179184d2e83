"""The connector through crossmap's registry, as its entry point will load it."""

from __future__ import annotations

from importlib.metadata import EntryPoint
from pathlib import Path

import pytest
from sf_support import org_at

from crossmap.connectors import registry
from crossmap_salesforce.connector import SalesforceDestination

NAME = "salesforce-under-test"  # not "salesforce": registry.plugin caches by name


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    real = registry._entry_points
    entry = EntryPoint(NAME, "crossmap_salesforce.connector:SalesforceDestination",
                       "crossmap.destinations")

    def with_ours(role: registry.Role) -> dict[str, EntryPoint]:
        found = dict(real(role))
        if role == "target":
            found[NAME] = entry
        return found

    monkeypatch.setattr(registry, "_entry_points", with_ours)


@pytest.mark.usefixtures("registered")
def test_check_and_run_reach_the_connector(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    schema = registry.static_schema("target", NAME, {"profile": "nowhere"})
    assert "Case" in schema.objects and not schema.objects["Case"].fields["ClosedDate"].createable
    with org_at(tmp_path / "org") as org:
        (tmp_path / "crossmap.toml").write_text(
            f'[profiles.salesforce]\nauth = "token"\ninstance_url = "{org.instance_url}"\n'
            f'ca_file = "{org.ca_file}"\naccess_token_env = "XM_SF_TOKEN"\n', encoding="utf-8")
        monkeypatch.setenv("XM_SF_TOKEN", org.access_token)
        dest = registry.open_connector("target", NAME, {"spec_dir": str(tmp_path),
                                                        "objects": ["Account"]})
        assert isinstance(dest, SalesforceDestination)
        assert dest.load("Account", "insert", [("r", {"Name": "via registry"})])[0].ok
