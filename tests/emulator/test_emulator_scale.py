"""Scale: Bulk API 2.0 round trips at ``CROSSMAP_SCALE`` records (small by default)."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest

from crossmap_salesforce.emulator import running_org

SCALE = int(os.environ.get("CROSSMAP_SCALE", "5000"))


@pytest.mark.slow
def test_bulk_upsert_is_idempotent_and_counts_reconcile_at_scale(tmp_path: Path) -> None:
    with running_org(tmp_path / "org") as org:
        sf = org.salesforce()
        try:
            field = {"FullName": "Contact.Key__c",
                     "Metadata": {"type": "Text", "length": 20, "externalId": True,
                                  "unique": True}}
            assert sf.restful("tooling/sobjects/CustomField", method="POST",
                              json=field)["success"] is True
            account = sf.Account.create({"Name": "Scale"})["id"]
            rows = [{"Key__c": f"K{i}", "LastName": f"L{i}", "AccountId": account,
                     "Birthdate": "1990-01-02"} for i in range(SCALE)]
            data = tmp_path / "contacts.csv"
            with data.open("w", newline="") as f:
                writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
                writer.writeheader()
                writer.writerows(rows)
            for expect_created in ("true", "false"):
                (result,) = sf.bulk2.Contact.upsert(csv_file=str(data),
                                                    external_id_field="Key__c", wait=0)
                assert result["numberRecordsProcessed"] == SCALE
                assert result["numberRecordsFailed"] == 0
                ok = sf.bulk2.Contact.get_successful_records(result["job_id"])
                created = {r["sf__Created"] for r in csv.DictReader(io.StringIO(ok))}
                assert created == {expect_created}
            assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == SCALE
            pages = sf.bulk2.Contact.query("SELECT Key__c, Account.Name FROM Contact",
                                           max_records=max(1, SCALE // 3), wait=0)
            keys = [r["Key__c"] for page in pages for r in csv.DictReader(io.StringIO(page))]
            assert sorted(keys) == sorted(r["Key__c"] for r in rows)
            rest = sf.query_all("SELECT Id FROM Contact WHERE Account.Name = 'Scale'")
            assert rest["totalSize"] == len(rest["records"]) == SCALE
        finally:
            sf.session.close()
