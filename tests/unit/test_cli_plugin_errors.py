"""A connector plugin that raises during a run: one line naming the plugin and its
distribution, not a traceback."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from crossmap.cli import main
from crossmap.connectors import plugin

ROOT = Path(__file__).resolve().parents[2]

PLUGIN = '''
from crossmap.connectors.builtin.jsonl import JsonlDestination
from crossmap.connectors.builtin.options import load_schema_file, resolve_path


class BoomDestination(JsonlDestination):
    @classmethod
    def static_schema(cls, options):
        return load_schema_file(resolve_path(options, "schema"))

    def load(self, object, operation, rows, *, external_id=None):
        raise RuntimeError("the disk is on fire")
'''


@pytest.fixture
def boom(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A destination plugin ``boom`` installed as pip would (module + dist-info)."""
    (tmp_path / "crossmap_boom.py").write_text(PLUGIN, encoding="utf-8")
    info = tmp_path / "crossmap_boom-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: crossmap-boom\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[crossmap.destinations]\nboom = crossmap_boom:BoomDestination\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    plugin.cache_clear()
    yield tmp_path
    plugin.cache_clear()
    sys.modules.pop("crossmap_boom", None)


def test_a_plugin_that_raises_is_named_in_one_line(boom: Path) -> None:
    specs = boom / "specs"
    shutil.copytree(ROOT / "specs" / "data", specs / "data")
    text = (ROOT / "specs" / "csv_to_jsonl.xmap").read_text(encoding="utf-8")
    (specs / "boom.xmap").write_text(text.replace("target jsonl {", "target boom {"), encoding="utf-8")
    result = CliRunner().invoke(main, ["run", str(specs / "boom.xmap"), "--state", str(boom / "state.db")])
    assert result.exit_code != 0
    assert ("error: the destination connector 'boom' (crossmap-boom) failed: "
            "RuntimeError: the disk is on fire") in result.output
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, RuntimeError)


def test_a_bug_outside_any_plugin_still_shows_its_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise ZeroDivisionError("crossmap's own bug")

    monkeypatch.setattr("crossmap.cli.spec.compile_offline", broken)
    result = CliRunner().invoke(main, ["check", str(ROOT / "specs" / "csv_to_jsonl.xmap")])
    assert isinstance(result.exception, ZeroDivisionError)
