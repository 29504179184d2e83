"""Property: whatever valid values a client writes, it reads back unchanged."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from simple_salesforce import Salesforce

_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=80)

contacts = st.fixed_dictionaries(
    {"LastName": _TEXT},
    optional={
        "FirstName": st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1,
                             max_size=40),
        "Birthdate": st.dates(date(1900, 1, 1), date(2100, 12, 31)).map(date.isoformat),
        "MailingLatitude": st.integers(-90, 90),
        # Salesforce's datetime range is 1700-4000.
        "EmailBouncedDate": st.datetimes(datetime(1700, 1, 1), datetime(4000, 12, 31)).map(
            lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond // 1000:03d}+0000"),
        "Description": st.text(st.characters(blacklist_categories=("Cs",)), min_size=1,
                               max_size=500),
        "LeadSource": st.sampled_from(["Web", "Phone Inquiry", "Other"]),
    },
)


@settings(max_examples=25, deadline=None)
@given(row=contacts)
def test_rest_writes_read_back_identical(sf: Salesforce, row: dict[str, Any]) -> None:
    rid = sf.Contact.create(row)["id"]
    got = sf.Contact.get(rid)
    for name, value in row.items():
        assert got[name] == value, name
