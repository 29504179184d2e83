"""The local org behaves like a real one where crash recovery relies on it (issue 19):

- a completed Bulk API 2.0 job's results stay readable, again and again, from any
  client, until the job is deleted ("Get Job Successful Record Results" is a plain GET
  on the job, Bulk API 2.0 Developer Guide);
- the same external id twice in one upsert fails every row carrying it, the first
  too, and stores nothing for them. Salesforce: "If the key is matched multiple times,
  then an error is generated and the object record is neither inserted or updated"
  (Apex Developer Guide, Upserting Records,
  https://developer.salesforce.com/docs/atlas.en-us.apexcode.meta/apexcode/langCon_apex_dml_examples_upsert.htm),
  and the failure reaches row 0 ("First exception on row 0; first error:
  DUPLICATE_VALUE, Duplicate external id specified",
  https://salesforce.stackexchange.com/questions/104048). The local org applies it to
  a whole Bulk job, whichever of its processing chunks the repeats fall in.
"""

from __future__ import annotations

import csv
import io

from emulator_support import Raw
from simple_salesforce import Salesforce


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_a_completed_jobs_results_stay_readable(sf: Salesforce, raw: Raw) -> None:
    (result,) = sf.bulk2.Account.insert(records=[{"Name": f"kept-{i}"} for i in range(3)], wait=0)
    job = result["job_id"]
    first = _rows(sf.bulk2.Account.get_successful_records(job))
    assert len(first) == 3
    for _ in range(2):  # read again, and through another client
        assert _rows(raw("GET", f"/jobs/ingest/{job}/successfulResults").text) == first
    assert raw("GET", f"/jobs/ingest/{job}").json()["state"] == "JobComplete"


def test_an_external_id_twice_in_a_bulk_upsert_fails_every_row_carrying_it(
        sf: Salesforce, raw: Raw, ext_field: str) -> None:
    sf.Account.create({"Name": "before", ext_field: "DU-1"})
    records = [{ext_field: "DU-1", "Name": "first"}, {ext_field: "DU-2", "Name": "alone"},
               {ext_field: "du-1", "Name": "second"}]  # the field is case-insensitive
    (result,) = sf.bulk2.Account.upsert(records=records, external_id_field=ext_field, wait=0)
    assert result["numberRecordsProcessed"] == 3 and result["numberRecordsFailed"] == 2
    failed = _rows(sf.bulk2.Account.get_failed_records(result["job_id"]))
    assert sorted(r["Name"] for r in failed) == ["first", "second"]
    assert all(r["sf__Error"].startswith("DUPLICATE_VALUE:Duplicate external id specified:") for r in failed)
    assert sf.Account.get_by_custom_id(ext_field, "DU-1")["Name"] == "before"  # nothing stored
    assert sf.Account.get_by_custom_id(ext_field, "DU-2")["Name"] == "alone"


def test_an_external_id_twice_in_a_collections_upsert_fails_every_row_carrying_it(
        sf: Salesforce, raw: Raw, ext_field: str) -> None:
    r = raw("PATCH", f"/composite/sobjects/Account/{ext_field}", json={"records": [
        {"attributes": {"type": "Account"}, ext_field: "DC-1", "Name": "one"},
        {"attributes": {"type": "Account"}, ext_field: "DC-1", "Name": "two"},
        {"attributes": {"type": "Account"}, ext_field: "DC-2", "Name": "other"},
    ]})
    answers = r.json()
    assert [a["success"] for a in answers] == [False, False, True]
    assert {a["errors"][0]["statusCode"] for a in answers[:2]} == {"DUPLICATE_VALUE"}
    found = sf.query(f"SELECT Id FROM Account WHERE {ext_field} = 'DC-1'")
    assert found["totalSize"] == 0
