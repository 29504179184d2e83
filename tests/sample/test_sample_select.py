"""Selecting a sample: coverage, closure, determinism and size."""

from __future__ import annotations

from typing import Any

import pytest

from crossmap.connectors.builtin.memory import MemorySource
from crossmap.sample import SelectedSource, Selection, select_sample
from tests.sample.sample_support import KINDS, SOURCE, data, plan, source


def keys(selection: Selection, obj: str) -> list[str]:
    return [str(r["id"]) for r in selection.records[obj]]


def by_id(selection: Selection, obj: str) -> dict[str, Any]:
    return {str(r["id"]): r for r in selection.records[obj]}


def test_every_value_and_both_null_and_set_are_covered() -> None:
    selection = select_sample(plan(), source(), 40)
    jobs, items = selection.records["jobs"], selection.records["items"]
    # status goes through a value map: each of its values is covered, the rare
    # `cancelled` (only under the last customer) included.
    assert {j["status"] for j in jobs} == {"pending", "assigned", "done", "cancelled"}
    assert {i["kind"] for i in items} == set(KINDS)
    assert {j["urgent"] for j in jobs} == {True, False}
    assert {c["tier"] for c in selection.records["customers"]} == {"gold", "silver", None}
    # optional fields that feed assignments: both null and set
    assert any(j["done_at"] is None for j in jobs) and any(j["done_at"] is not None for j in jobs)
    assert any(c["name"] is None for c in selection.records["customers"])
    assert any(c["parent_id"] for c in selection.records["customers"])
    assert not any(selection.missing.values())


def test_the_selection_is_closed() -> None:
    selection = select_sample(plan(), source(), 40)
    customers, jobs = by_id(selection, "customers"), by_id(selection, "jobs")
    assert all(j["customer_id"] in customers for j in jobs.values())
    assert all(i["job_id"] in jobs for i in selection.records["items"])
    # a self lookup (parent_id) pulls the parent in too
    assert all(c["parent_id"] in customers for c in customers.values() if c["parent_id"])
    # the rare values were rescued from outside the first parents, with their parents
    assert "c059" in customers and "c058" in customers
    # techs are only matched by a resolve block: served whole, not selected
    assert selection.whole == frozenset({"techs"}) and "techs" not in selection.records


def test_deterministic_for_a_source_and_seed() -> None:
    first = select_sample(plan(), source(), 40, seed=3)
    again = select_sample(plan(), source(), 40, seed=3)
    assert first.records == again.records
    other = select_sample(plan(), source(), 40, seed=4)
    assert other.records != first.records  # the seed breaks ties differently
    assert set(other.counts()) == set(first.counts())


@pytest.mark.parametrize("size", [20, 60, 150])
def test_size_is_about_what_was_asked(size: int) -> None:
    selection = select_sample(plan(), source(), size)
    assert size * 0.5 <= selection.total <= size * 1.5 + 10
    # records are kept in the source's order
    order = [r["id"] for r in data()["jobs"]]
    assert keys(selection, "jobs") == sorted(keys(selection, "jobs"), key=order.index)


def test_lookup_keys_the_source_lacks_are_reported() -> None:
    rows = data(12)
    rows["jobs"].append({"id": "orphan", "customer_id": "c-deleted", "title": "x", "status": "zzz",
                         "done_at": None, "hours": None, "urgent": None})
    selection = select_sample(plan(), MemorySource(rows, SOURCE), 30)
    assert "orphan" in keys(selection, "jobs")  # its status value is found nowhere else
    assert selection.unresolved == {"customers": frozenset({"c-deleted"})}


def test_selected_source_serves_the_selection_and_delegates_the_rest() -> None:
    real = source(10)
    selection = select_sample(plan(), real, 12)
    served = SelectedSource(real, selection)
    pages = list(served.extract("jobs"))
    assert [r["id"] for p in pages for r in p] == keys(selection, "jobs")
    pages[0][0]["title"] = "edited"
    assert selection.records["jobs"][0]["title"] != "edited"  # copies
    assert len([r for p in served.extract("techs") for r in p]) == 4  # whole
    assert served.schema() is real.schema()


def test_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        select_sample(plan(), source(), 0)
