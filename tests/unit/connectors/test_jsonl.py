"""The jsonl source and destination."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from crossmap.connectors import Destination, InvalidRecord, InvalidValue, Source
from crossmap.connectors.builtin import (
    ConnectorOptionError,
    JsonlDestination,
    JsonlSource,
    SourceDataError,
)
from crossmap.connectors.builtin.inference import SAMPLE_SIZE
from crossmap.connectors.registry import ConnectorError
from crossmap.schema import (
    Boolean,
    Date,
    DateTime,
    FieldSchema,
    Id,
    Integer,
    ObjectSchema,
    Schema,
    String,
    Untyped,
    schema_to_dict,
)
from crossmap.schema import Numeric as DecimalType


def write_lines(path: Path, records: Sequence[Mapping[str, object]]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    write_lines(data / "customers.jsonl", [
        {"id": "c1", "name": "Ana", "balance": 1.5, "visits": 3, "vip": True, "tags": ["a"],
         "updated_at": "2024-01-01T00:00:00Z"},
        {"id": "c2", "name": None, "balance": 2, "visits": 4, "vip": False, "tags": [],
         "updated_at": "2024-03-01T00:00:00Z", "extra": {"x": 1}},
    ])
    write_lines(data / "customers.deleted.jsonl", [
        {"key": "c0", "deleted_at": "2024-01-15T00:00:00Z"},
        {"key": "c9", "deleted_at": "2024-02-15T00:00:00Z", "merged_into": "c1"},
    ])
    return data


def test_the_jsonl_connectors_satisfy_the_protocols(folder: Path) -> None:
    assert isinstance(JsonlSource(folder), Source)
    assert isinstance(JsonlDestination(folder / "out"), Destination)


def test_the_schema_is_inferred_from_the_files(folder: Path) -> None:
    source = JsonlSource(folder)
    assert source.objects() == ["customers"]  # the .deleted file is no object
    obj = source.schema().object("customers")
    assert obj.key == "id"
    assert obj.field("balance").type == DecimalType() and not obj.field("balance").nullable
    assert obj.field("visits").type == Integer()
    assert obj.field("vip").type == Boolean()
    assert obj.field("name").type == String() and obj.field("name").nullable
    assert obj.field("tags").type == Untyped()
    assert obj.field("extra").nullable  # missing from the first record


def test_inference_reads_only_the_first_lines(tmp_path: Path) -> None:
    write_lines(tmp_path / "t.jsonl", [{"id": i} for i in range(SAMPLE_SIZE)] + [{"id": "late", "new": 1}])
    obj = JsonlSource(tmp_path).schema().object("t")
    assert obj.field("id").type == Integer() and "new" not in obj.fields


def test_extract_pages_decimals_and_watermarks(folder: Path) -> None:
    source = JsonlSource(folder, page_size=1)
    pages = list(source.extract("customers"))
    assert [[r["id"] for r in p] for p in pages] == [["c1"], ["c2"]]
    assert pages[0][0]["balance"] == Decimal("1.5") and isinstance(pages[1][0]["balance"], Decimal)
    changed = [r["id"] for p in source.extract("customers", since=datetime(2024, 2, 1, tzinfo=UTC)) for r in p]
    assert changed == ["c2"]


def test_tombstones(folder: Path) -> None:
    source = JsonlSource(folder)
    stones = list(source.tombstones("customers"))
    assert [(t.key, t.merged_into) for t in stones] == [("c0", None), ("c9", "c1")]
    assert stones[0].deleted_at == datetime(2024, 1, 15, tzinfo=UTC)
    assert [t.key for t in source.tombstones("customers", since=datetime(2024, 2, 1))] == ["c9"]
    write_lines(folder / "jobs.jsonl", [{"id": "j"}])
    assert list(source.tombstones("jobs")) == []


def test_a_schema_file_types_the_values(tmp_path: Path) -> None:
    schema = Schema([ObjectSchema("visits", [
        FieldSchema("ref", String(10), nullable=False),
        FieldSchema("day", Date()),
        FieldSchema("at", DateTime()),
        FieldSchema("cost", DecimalType(8, 2)),
    ], key="ref")])
    (tmp_path / "schema.json").write_text(json.dumps(schema_to_dict(schema)))
    write_lines(tmp_path / "visits.jsonl", [{"ref": "v1", "day": "2024-02-03", "at": "2024-02-03T04:05:06Z",
                                             "cost": 12}])
    source = JsonlSource.from_options({"path": ".", "schema": "schema.json", "spec_dir": str(tmp_path)})
    assert source.schema() == schema and source.key_of("visits") == "ref"
    (record,) = next(source.extract("visits"))
    assert record == {"ref": "v1", "day": date(2024, 2, 3), "at": datetime(2024, 2, 3, 4, 5, 6, tzinfo=UTC),
                      "cost": Decimal(12)}

def test_a_value_that_is_not_its_type_marks_its_record_and_the_others_read_on(tmp_path: Path) -> None:
    schema = Schema([ObjectSchema("visits", [
        FieldSchema("ref", String(10), nullable=False), FieldSchema("day", Date()),
        FieldSchema("n", Integer()), FieldSchema("ok", Boolean()), FieldSchema("cost", DecimalType(8, 2)),
    ], key="ref")])
    long = "x" * 200
    write_lines(tmp_path / "visits.jsonl", [
        {"ref": "v1", "day": "2024-02-29"}, {"ref": "v2", "day": "2024-02-30"},
        {"ref": "v3", "day": 20240301, "n": "7"}, {"ref": "v4", "n": 1.5, "ok": "maybe", "cost": long},
        {"ref": "v5", "n": 2, "ok": True, "cost": 1.25}])
    records = [r for page in JsonlSource(tmp_path, schema=schema).extract("visits") for r in page]
    assert [r["ref"] for r in records] == ["v1", "v2", "v3", "v4", "v5"]
    good = [r for r in records if not isinstance(r, InvalidRecord)]
    assert [r["ref"] for r in good] == ["v1", "v5"] and good[1]["cost"] == Decimal("1.25")
    v2, v3, v4 = (r for r in records if isinstance(r, InvalidRecord))
    assert v2["day"] == "2024-02-30"  # the raw value stays
    assert v2.reason() == f"field 'day' holds '2024-02-30': not a date (out of range) ({tmp_path / 'visits.jsonl'}:2)"
    assert v3.problems == (InvalidValue("day", 20240301, f"not a date: a JSON number ({tmp_path / 'visits.jsonl'}:3)"),)
    assert v3["n"] == 7  # the other fields are typed
    assert [p.field for p in v4.problems] == ["n", "ok", "cost"]
    assert "not an integer: a JSON number" in v4.reason() and "not a boolean" in v4.reason()
    assert "field 'n' holds 1.5: not an integer" in v4.reason()
    assert f"holds '{'x' * 38}…: not a number (" in v4.reason()  # the raw value abbreviated


def test_extract_streams_the_file(tmp_path: Path) -> None:
    # A broken line near the end is only reached after the first pages were handed over.
    lines = "".join(json.dumps({"id": i}) + "\n" for i in range(50)) + "{oops\n"
    (tmp_path / "t.jsonl").write_text(lines)
    pages = JsonlSource(tmp_path, schema=Schema([ObjectSchema("t", [FieldSchema("id", Integer())])]),
                        page_size=10).extract("t")
    assert [r["id"] for r in next(pages)] == list(range(10))
    with pytest.raises(SourceDataError, match=r"t.jsonl:51:2: not JSON"):
        list(pages)


def test_options_and_unknown_objects(folder: Path) -> None:
    with pytest.raises(ConnectorOptionError, match="needs the option 'path'"):
        JsonlSource.from_options({})
    with pytest.raises(ConnectorOptionError, match="does not exist"):
        JsonlSource.from_options({"path": "nowhere", "spec_dir": str(folder)})
    with pytest.raises(ConnectorOptionError, match="page_size"):
        JsonlSource.from_options({"path": str(folder), "page_size": 0})
    source = JsonlSource.from_options({"path": str(folder), "key_customers": "name"})
    assert source.key_of("customers") == "name"
    with pytest.raises(ConnectorError, match="did you mean 'customers'"):
        source.extract("customer")
    with pytest.raises(ConnectorError, match="cannot be a file name"):
        source.extract("../customers")


def test_open_blob_streams_base64_content(tmp_path: Path) -> None:
    content = bytes(range(256)) * 2000  # more than one chunk
    write_lines(tmp_path / "files.jsonl", [{"id": "f0"}, {"id": "f1", "data": base64.b64encode(content).decode()}])
    chunks = list(JsonlSource(tmp_path).open_blob("files", "f1", "data"))
    assert len(chunks) > 1 and b"".join(chunks) == content
    with pytest.raises(ConnectorError, match="no content in 'data'"):
        JsonlSource(tmp_path).open_blob("files", "f0", "data")


DEST = Schema([ObjectSchema("Account", [
    FieldSchema("Id", Id(), nullable=False, createable=False, updateable=False),
    FieldSchema("Name", String(20), nullable=False),
    FieldSchema("Ext", String(10), external_id=True, unique=True),
    FieldSchema("Since", Date()),
    FieldSchema("Limit", DecimalType(8, 2)),
], key="Id")])


def test_destination_round_trip_survives_reopening(tmp_path: Path) -> None:
    with JsonlDestination(tmp_path, schema=DEST) as target:
        made = target.load("Account", "upsert", [
            ("a", {"Ext": "E1", "Name": "Ann", "Since": date(2020, 1, 2), "Limit": Decimal("10.50")}),
            ("b", {"Ext": "E2", "Name": "Bob"}),
        ], external_id="Ext")
        assert [r.id for r in made] == ["Account-1", "Account-2"] and all(r.created for r in made)
    with JsonlDestination(tmp_path, schema=DEST) as target:
        again = target.load("Account", "upsert", [("a", {"Ext": "E1", "Name": "Anna"})], external_id="Ext")
        assert again[0].id == "Account-1" and not again[0].created
        (back,) = target.read("Account", ["Account-1"], ["Name", "Since", "Limit"])
        assert back == {"Id": "Account-1", "Name": "Anna", "Since": date(2020, 1, 2), "Limit": Decimal("10.50")}
    lines = (tmp_path / "Account.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in lines] == [
        {"Id": "Account-2", "Ext": "E2", "Name": "Bob"},
        {"Id": "Account-1", "Ext": "E1", "Name": "Anna", "Since": "2020-01-02", "Limit": "10.50"},
    ]
    # The compacted folder reads back as a jsonl source.
    assert [r["Id"] for page in JsonlSource(tmp_path, default_key="Id").extract("Account") for r in page] == [
        "Account-2", "Account-1"]


def test_ids_stay_unique_across_runs_after_deletes(tmp_path: Path) -> None:
    with JsonlDestination(tmp_path) as target:
        target.load("Job", "insert", [("a", {"N": 1}), ("b", {"N": 2})])
        deleted = target.load("Job", "delete", [("b", {"Id": "Job-2"})])
        assert deleted[0].ok
    with JsonlDestination(tmp_path) as target:
        (made,) = target.load("Job", "insert", [("c", {"N": 3})])
        assert made.id == "Job-3"
        assert target.records("Job") == [{"Id": "Job-1", "N": 1}, {"Id": "Job-3", "N": 3}]


def test_without_compaction_the_journal_is_replayed(tmp_path: Path) -> None:
    target = JsonlDestination(tmp_path, compact_on_close=False)
    target.load("Job", "insert", [("a", {"N": 1}), ("b", {"N": 2})])
    target.load("Job", "update", [("a", {"Id": "Job-1", "N": 10})])
    target.load("Job", "delete", [("b", {"Id": "Job-2"})])
    target.close()
    assert len((tmp_path / "Job.jsonl").read_text().splitlines()) == 4
    reopened = JsonlDestination(tmp_path)
    assert reopened.records("Job") == [{"Id": "Job-1", "N": 10}]
    assert reopened.load("Job", "update", [("b", {"Id": "Job-2", "N": 5})])[0].error_code == "RECORD_DELETED"
    reopened.close()


def test_a_torn_last_line_is_cut_off(tmp_path: Path) -> None:
    target = JsonlDestination(tmp_path, compact_on_close=False)
    target.load("Job", "insert", [("a", {"N": 1})])
    target.close()
    with (tmp_path / "Job.jsonl").open("a") as journal:
        journal.write('{"Id":"Job-2","N":')  # a process killed in mid-write
    reopened = JsonlDestination(tmp_path)
    assert reopened.records("Job") == [{"Id": "Job-1", "N": 1}]
    (made,) = reopened.load("Job", "insert", [("b", {"N": 2})])
    assert made.ok and reopened.records("Job")[1] == {"Id": made.id, "N": 2}
    reopened.close()


def test_destination_validates_and_reports_per_row(tmp_path: Path) -> None:
    with JsonlDestination(tmp_path, schema=DEST) as target:
        results = target.load("Account", "insert", [("a", {"Name": "A", "Since": "not a date"}),
                                                    ("b", {"Name": "B"}), ("c", {"Ext": "E"})])
        assert [r.error_code for r in results] == ["WRONG_TYPE", None, "MISSING_REQUIRED"]
        assert [r["Name"] for r in target.records("Account")] == ["B"]


def test_destination_options_and_describe(tmp_path: Path) -> None:
    (tmp_path / "schema.json").write_text(json.dumps(schema_to_dict(DEST)))
    options = {"path": "out", "schema": "schema.json", "spec_dir": str(tmp_path)}
    assert JsonlDestination.static_schema(options) == DEST
    target = JsonlDestination.from_options({**options, "fsync": True})
    assert target.describe() == DEST and target.fsync
    target.load("Account", "insert", [("a", {"Name": "A"})])
    target.close()
    assert (tmp_path / "out" / "Account.jsonl").exists()
    permissive = JsonlDestination.static_schema({"path": str(tmp_path / "out")})
    assert list(permissive.object("Account").fields) == ["Id", "Name"]
    assert JsonlDestination.static_schema({"path": str(tmp_path / "never")}) == Schema([])
    with pytest.raises(ConnectorOptionError, match="'fsync' must be true or false"):
        JsonlDestination.from_options({"path": str(tmp_path), "fsync": "yes"})


def test_a_damaged_journal_is_reported_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "Job.jsonl").write_text('{"Id":"Job-1","N":1}\n\n{broken\n{"Id":"Job-2"}\n')
    with pytest.raises(ConnectorError, match=r"Job.jsonl:3: the journal is damaged"):
        JsonlDestination(tmp_path).records("Job")
    (tmp_path / "Job.jsonl").write_text('{"Id":"Job-1","N":1}\n\n{"N":2}\n')
    with pytest.raises(ConnectorError, match=r"Job.jsonl:3: a destination record needs a string 'Id'"):
        JsonlDestination(tmp_path).records("Job")
    (tmp_path / "Job.jsonl").write_text('{"Id":"Job-1","N":1}\n\n')
    with JsonlDestination(tmp_path) as target:
        assert target.records("Job") == [{"Id": "Job-1", "N": 1}]


def test_undelete_brings_a_record_back_under_its_id(tmp_path: Path) -> None:
    with JsonlDestination(tmp_path) as destination:
        (made,) = destination.load("T", "insert", [("a", {"Name": "x"})])
        assert destination.load("T", "delete", [("a", {"Id": made.id})])[0].ok
        (back, again) = destination.undelete("T", [("a", {"Id": made.id, "Name": "x"}),
                                                   ("b", {"Id": made.id, "Name": "y"})])
        assert back.ok and back.id == made.id and again.ok  # live already: left as it is
        assert destination.records("T") == [{"Id": made.id, "Name": "x"}]
        assert destination.load("T", "update", [("a", {"Id": made.id, "Name": "z"})])[0].ok
    with JsonlDestination(tmp_path) as reopened:  # it survives the folder's compaction
        assert reopened.records("T") == [{"Id": made.id, "Name": "z"}]
        (missing,) = reopened.undelete("T", [("m", {"Name": "no id"})])
        assert missing.error_code == "MISSING_ID"
