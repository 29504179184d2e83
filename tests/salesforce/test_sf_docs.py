"""Every Python example in docs/connectors/salesforce.md runs, in order, in one
namespace, against an emulated org reached through the doc's own local profile."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sf_support import org_at

DOC = Path(__file__).resolve().parents[2] / "docs" / "connectors" / "salesforce.md"
PYTHON = re.compile(r"```python\n(.*?)```", re.DOTALL)
TOML = re.compile(r"```toml\n(.*?)```", re.DOTALL)


def test_the_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                          capsys: pytest.CaptureFixture[str]) -> None:
    text = DOC.read_text(encoding="utf-8")
    local = next(t for t in TOML.findall(text) if "[profiles.local]" in t)
    blocks = PYTHON.findall(text)
    assert len(blocks) == 9
    with org_at(tmp_path / "org") as org:
        profile = local.replace("https://127.0.0.1:8443", org.instance_url) \
                       .replace('"org/ca.pem"', f'"{org.ca_file}"')
        (tmp_path / "crossmap.toml").write_text(profile, encoding="utf-8")
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("SF_USERNAME", org.username)
        monkeypatch.setenv("SF_PASSWORD", org.password)
        monkeypatch.setenv("SF_TOKEN", "")
        namespace: dict[str, object] = {}
        for number, block in enumerate(blocks, 1):
            exec(compile(block, f"salesforce.md block {number}", "exec"), namespace)  # noqa: S102
    out = capsys.readouterr().out
    assert "Required fields are missing: [Name] (hint:" in out
    assert "[ ] Site__c.Kind__c: Picklist (values=Depot|Store)" in out
    assert (tmp_path / "metadata" / "objects" / "Site__c.object").is_file()


def test_every_option_is_documented() -> None:
    from crossmap_salesforce.connector import ConnectorSettings

    text = DOC.read_text(encoding="utf-8")
    for option in ConnectorSettings.__attrs_attrs__:
        assert f"| `{option.name}` |" in text, option.name
