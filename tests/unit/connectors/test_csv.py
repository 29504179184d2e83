"""The csv source."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from crossmap.connectors import InvalidRecord, Source
from crossmap.connectors.builtin import ConnectorOptionError, CsvSource, SourceDataError
from crossmap.schema import (
    Boolean,
    Date,
    DateTime,
    Enum,
    FieldSchema,
    ObjectSchema,
    Schema,
    String,
    schema_to_dict,
)
from crossmap.schema import Decimal as DecimalType

CUSTOMERS = (
    "no,name,since,limit,active,segments,updated_at\n"
    'C1,"Field & Sons, Ltd",2019-03-14,5000.00,true,a;b,2024-05-01T09:00:00Z\n'
    "C2,,2020-07-01,,false,,2024-06-01T09:00:00Z\n"
    "\n"
    'C3,"Two\nlines",,1,1\n'
)
SCHEMA = Schema([ObjectSchema("customers", [
    FieldSchema("no", String(5), nullable=False),
    FieldSchema("name", String(80)),
    FieldSchema("since", Date()),
    FieldSchema("limit", DecimalType(10, 2)),
    FieldSchema("active", Boolean()),
    FieldSchema("segments", Enum(["a", "b"], multi=True)),
    FieldSchema("updated_at", DateTime()),
], key="no")])


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "customers.csv").write_text(CUSTOMERS, encoding="utf-8")
    (tmp_path / "schema.json").write_text(json.dumps(schema_to_dict(SCHEMA)))
    return tmp_path


def records(source: CsvSource, object: str = "customers", **kw: object) -> list[dict[str, object]]:
    return [r for page in source.extract(object, **kw) for r in page]  # type: ignore[arg-type]


def test_without_a_schema_every_value_is_a_string(folder: Path) -> None:
    source = CsvSource(folder, default_key="no")
    assert isinstance(source, Source)
    obj = source.schema().object("customers")
    assert obj.key == "no" and {f.type for f in obj} == {String()}
    assert not obj.field("no").nullable and obj.field("name").nullable
    rows = records(source)
    assert rows[0]["name"] == "Field & Sons, Ltd" and rows[0]["limit"] == "5000.00"
    assert rows[1] == {"no": "C2", "name": None, "since": "2020-07-01", "limit": None, "active": "false",
                       "segments": None, "updated_at": "2024-06-01T09:00:00Z"}
    # A quoted line break is part of the cell; a short row's missing cells are null.
    assert rows[2]["name"] == "Two\nlines" and rows[2]["updated_at"] is None


def test_a_schema_file_types_the_cells(folder: Path) -> None:
    source = CsvSource.from_options({"path": ".", "schema": "schema.json", "spec_dir": str(folder)})
    first, second, third = records(source)
    assert first == {"no": "C1", "name": "Field & Sons, Ltd", "since": date(2019, 3, 14),
                     "limit": Decimal("5000.00"), "active": True, "segments": ("a", "b"),
                     "updated_at": datetime(2024, 5, 1, 9, tzinfo=UTC)}
    assert second["active"] is False and second["limit"] is None
    assert third["active"] is True
    assert [r["no"] for r in records(source, since=datetime(2024, 5, 15, tzinfo=UTC))] == ["C2", "C3"]


def test_bad_cells_name_the_file_line_and_field(folder: Path) -> None:
    (folder / "customers.csv").write_text("no,since\nC1,2019-01-01\nC2,14/03/2019\n")
    source = CsvSource(folder, schema=SCHEMA)
    first, second = records(source)  # a cell that is not its type marks its record; reading goes on
    assert not isinstance(first, InvalidRecord) and first["since"] == date(2019, 1, 1)
    assert isinstance(second, InvalidRecord) and second["since"] == "14/03/2019"
    assert second.reason() == (f"field 'since' holds '14/03/2019': not a date (YYYY-MM-DD) "
                               f"({folder / 'customers.csv'}:3)")
    (folder / "customers.csv").write_text("no,name\nC1,a,b\n")
    with pytest.raises(SourceDataError, match=r"customers.csv:2: 3 cells, but the header has 2"):
        records(source)
    (folder / "customers.csv").write_text("no,no\nC1,a\n")
    with pytest.raises(SourceDataError, match="distinct"):
        records(source)


def test_delimiter_encoding_and_a_byte_order_mark(tmp_path: Path) -> None:
    (tmp_path / "jobs.csv").write_bytes("\ufeffid;title\nJ1;Caf\u00e9\n".encode())
    source = CsvSource.from_options({"path": str(tmp_path), "delimiter": ";"})
    assert records(source, "jobs") == [{"id": "J1", "title": "Caf\u00e9"}]
    (tmp_path / "latin.csv").write_bytes("id\n\xe9\n".encode("latin-1"))
    with pytest.raises(SourceDataError, match="not utf-8-sig text"):
        records(source, "latin")
    assert records(CsvSource(tmp_path, delimiter=";", encoding="latin-1"), "latin") == [{"id": "\u00e9"}]
    with pytest.raises(ConnectorOptionError, match="one character"):
        CsvSource(tmp_path, delimiter=";;")


def test_tombstones_from_a_deleted_file(folder: Path) -> None:
    (folder / "customers.deleted.csv").write_text(
        "key,deleted_at,merged_into\nC7,2024-01-01T00:00:00Z,\nC8,2024-02-01,C1\n")
    stones = list(CsvSource(folder).tombstones("customers"))
    assert [(t.key, t.deleted_at, t.merged_into) for t in stones] == [
        ("C7", datetime(2024, 1, 1, tzinfo=UTC), None), ("C8", datetime(2024, 2, 1, tzinfo=UTC), "C1")]
    assert CsvSource(folder).objects() == ["customers"]
