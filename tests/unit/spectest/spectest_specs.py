"""Spec texts against the tiny fixture schemas (tests/fixtures/schemas, named by
absolute path through the built-in jsonl connector, so the specs compile wherever the
tests write them and need no plugin), for the CLI and pytest-plugin tests (imported
by the test modules beside it)."""

from __future__ import annotations

from pathlib import Path

SCHEMAS = Path(__file__).resolve().parents[2] / "fixtures" / "schemas"

MAPPINGS = f'''xmap 1
source jsonl {{ path = "{SCHEMAS}" schema = "{SCHEMAS / 'source.json'}" }}
target jsonl {{ schema = "{SCHEMAS / 'target.json'}" }}

map customers -> Account {{
  Name  = company_name ?? "(no name)"
  Phone = phone
}}

map contacts -> Contact {{
  AccountId = lookup(customers, customer_id) missing fail
  LastName  = last_name ?? "(no last name)"
}}
'''

PASSING = MAPPINGS + '''
test "a company keeps its name" {
  given customers { id: "c1", company_name: "Acme" }
  given contacts { id: "k1", customer_id: "c1" }
  expect Account { Name: "Acme" }
  expect Contact { AccountId: "<Account 1>", LastName: "(no last name)" }
}
'''

FAILING = MAPPINGS + '''
test "the company name is kept" {
  given customers { id: "c1", company_name: "Acme", phone: "555" }
  expect Account { Name: "Acme Inc", Phone: "555" }
}

test "nobody is a contact" {
  given customers { id: "c1", company_name: "Acme" }
  expect no Contact
}
'''

FAILING_LINE = 15
"""The line of the failing test block in ``FAILING``."""

NOT_COMPILING = MAPPINGS.replace("Phone = phone", "Phone = phnoe") + '''
test "never runs" {
  given customers { id: "c1" }
  expect no Contact
}
'''

FRAGMENT = '''valuemap unused {
  "a" -> "b"
}
'''
