"""The connector registry: entry points, did-you-mean, plugins that fail to load."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from crossmap.connectors import ConnectorError, available, plugin, registry, static_schema


def test_builtins_are_registered_like_any_plugin() -> None:
    assert {"jsonl", "csv"} <= set(available("source"))
    assert "jsonl" in available("target")


@pytest.mark.plugins
def test_the_flagship_plugins_are_registered() -> None:
    assert "qdispatch" in available("source")
    assert "salesforce" in available("target")


def test_unknown_connector_gets_did_you_mean() -> None:
    with pytest.raises(ConnectorError, match=r"no source connector named 'jsnol' \(did you mean 'jsonl'\?\)"):
        plugin("source", "jsnol")


def test_a_plugin_that_fails_to_import_names_its_distribution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    info = tmp_path / "broken_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[crossmap.sources]\nbroken = broken_plugin_module:Source\n")
    (tmp_path / "broken_plugin_module.py").write_text("raise ImportError('needs libfoo')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry.plugin.cache_clear()
    try:
        with pytest.raises(ConnectorError) as caught:
            plugin("source", "broken")
        message = str(caught.value)
        assert "'broken = broken_plugin_module:Source' of broken-plugin failed to load" in message
        assert "ImportError: needs libfoo" in message
    finally:
        registry.plugin.cache_clear()
        sys.modules.pop("broken_plugin_module", None)


def test_static_schema_passes_options_to_those_that_take_them() -> None:
    schema = static_schema("source", "csv", {"spec_dir": "specs", "path": "data/csv", "schema": "data/csv/schema.json"})
    assert "customers" in schema


def test_an_unknown_role_is_a_clear_error() -> None:
    with pytest.raises(ConnectorError, match="the roles are 'source' and 'target'.*role is 'target'"):
        available("destination")  # type: ignore[arg-type]
