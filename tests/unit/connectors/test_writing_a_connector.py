"""The complete connector in docs/connectors/writing-a-connector.md, installed from
the page as a plugin (module + ``*.dist-info/entry_points.txt``) and used through
crossmap's registry."""

from __future__ import annotations

import re
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from crossmap.connectors import Source, available, open_connector, plugin, static_schema

DOC = Path(__file__).resolve().parents[3] / "docs" / "connectors" / "writing-a-connector.md"
EXAMPLE = re.compile(r"<!-- example: (?P<name>\S+) -->\n```\w+\n(?P<body>.*?)```", re.DOTALL)


def examples() -> dict[str, str]:
    return {m["name"]: m["body"] for m in EXAMPLE.finditer(DOC.read_text(encoding="utf-8"))}


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The example installed as pip would: the module and its distribution's metadata."""
    found = examples()
    project = tomllib.loads(found["pyproject.toml"])["project"]
    (tmp_path / "crossmap_recfile.py").write_text(found["crossmap_recfile.py"], encoding="utf-8")
    info = tmp_path / f"{project['name'].replace('-', '_')}-{project['version']}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n")
    lines = ["[crossmap.sources]"]
    lines += [f"{name} = {target}" for name, target in project["entry-points"]["crossmap.sources"].items()]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    plugin.cache_clear()
    yield tmp_path
    plugin.cache_clear()
    sys.modules.pop("crossmap_recfile", None)


def test_the_page_holds_the_whole_example() -> None:
    found = examples()
    assert set(found) == {"crossmap_recfile.py", "pyproject.toml", "conformance", "error-vocabulary"}
    assert "class RecfileSource" in found["crossmap_recfile.py"]


def test_crossmap_finds_loads_and_extracts_through_the_example(installed: Path) -> None:
    data = installed / "specs" / "exports"
    data.mkdir(parents=True)
    (data / "customers.rec").write_text(
        "# exported 2024-05-01\nid: c1\nname: Ana Silva\n\nid: c2\nname: Tom Ng\ncity: Oslo\n\n\nid: c3\nname: Lee\n",
        encoding="utf-8")
    assert "recfile" in available("source")
    factory = plugin("source", "recfile")
    assert factory.__name__ == "RecfileSource"  # type: ignore[attr-defined]
    options = {"path": "exports", "page_size": 2, "spec_dir": str(installed / "specs")}
    schema = static_schema("source", "recfile", options)
    customers = schema.object("customers")
    assert customers.key == "id" and list(customers.fields) == ["id", "name", "city"]
    assert customers.field("city").nullable and not customers.field("id").nullable
    source = open_connector("source", "recfile", options)
    assert isinstance(source, Source)
    pages = list(source.extract("customers"))
    assert pages == [
        [{"id": "c1", "name": "Ana Silva"}, {"id": "c2", "name": "Tom Ng", "city": "Oslo"}],
        [{"id": "c3", "name": "Lee"}],
    ]
    assert list(source.tombstones("customers")) == []


def test_the_conformance_example_runs_and_the_example_source_passes_the_kit(installed: Path) -> None:
    namespace: dict[str, object] = {}
    exec(compile(examples()["conformance"], "writing-a-connector.md", "exec"), namespace)  # noqa: S102
    for check in namespace["destination_checks"](  # type: ignore[operator]
            lambda: namespace["MemoryDestination"](namespace["NOTES"]), namespace["CASE"]):  # type: ignore[operator]
        check()

    from crossmap.testing.connectors import SourceCase, check_source

    data = installed / "specs" / "exports"
    data.mkdir(parents=True)
    (data / "customers.rec").write_text("id: c1\nname: Ana\n\nid: c2\nname: Tom\n", encoding="utf-8")
    options = {"path": "exports", "spec_dir": str(installed / "specs")}
    check_source(lambda: open_connector("source", "recfile", options), SourceCase(object="customers", key="id"))


def test_the_error_vocabulary_example_runs() -> None:
    """A destination's words for errors and names (issue 25): the example's asserts."""
    namespace: dict[str, object] = {}
    exec(compile(examples()["error-vocabulary"], "writing-a-connector.md", "exec"), namespace)  # noqa: S102
    assert namespace["VOCABULARY"].gone == frozenset({"GONE"})  # type: ignore[attr-defined]
