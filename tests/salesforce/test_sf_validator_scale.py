"""The row validator's speed at scale on Salesforce's Account (the static catalogue's
describe): the local org validates every Bulk API row with it. Moved from
tests/unit/schema so the schema layer's tests need no plugin."""

from __future__ import annotations

import decimal
import os
import time

import pytest

from crossmap.schema import format_value, row_validator
from crossmap_salesforce.standard_objects import standard_schema

SCALE = int(os.environ.get("CROSSMAP_SCALE", "5000"))
# The target is 100,000 Account rows in well under 2 s (20 µs a row); the bound leaves
# room for a loaded CI machine without letting a quadratic slip through.
MAX_SECONDS_PER_ROW = 40e-6


def account_rows(n: int) -> list[dict[str, object]]:
    return [
        {
            "Name": f"Acme {i}",
            "Type": "Customer - Direct",
            "Phone": "555-0100",
            "Website": "https://acme.example",
            "AnnualRevenue": decimal.Decimal(1000000),
            "NumberOfEmployees": 120 + i,
            "BillingCity": "Springfield",
            "BillingState": "IL",
            "Industry": "Banking",
            "Description": "A customer since 1999",
            "Rating": "Hot",
            "AccountNumber": str(i),
        }
        for i in range(n)
    ]


@pytest.mark.slow
@pytest.mark.parametrize("text_values", [False, True])
def test_account_rows_validate_fast(text_values: bool) -> None:
    rows = account_rows(SCALE)
    if text_values:
        rows = [{k: format_value(v) for k, v in row.items()} for row in rows]
    validate = row_validator(
        standard_schema().object("Account"), operation="insert", text_values=text_values
    )
    started = time.perf_counter()
    failures = sum(1 for row in rows if validate(row))
    elapsed = time.perf_counter() - started
    assert failures == 0
    # A floor keeps tiny scales from measuring timer noise.
    budget = max(SCALE * MAX_SECONDS_PER_ROW, 0.05)
    assert elapsed < budget, f"{SCALE} rows took {elapsed:.2f}s"
