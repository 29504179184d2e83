"""Measured quality: the proposal for Q Dispatch → Salesforce against the
hand-written flagship spec (docs/propose.md reports these numbers)."""

from __future__ import annotations

from crossmap.propose import Proposal
from crossmap.propose.evaluate import direct_pairs, evaluate
from crossmap.schema import Schema
from crossmap.syntax import load, parse

from .conftest import FLAGSHIP


def test_what_counts_as_a_direct_assignment() -> None:
    spec = parse(
        "map a -> B {\n"
        "  A1 = x\n"
        "  A2 = truncate(trim(y), 40)\n"
        "  A3 = z | vm\n"
        "  A4 = nonblank(w) ?? \"none\"\n"
        "  A5 = lookup(c, c_id) missing fail\n"
        "  A6 = x + y\n"
        "  A7 = join(v, \";\")\n"
        "  A8 = p ?? q\n"
        "  A9 = if x == 1 then y else z\n"
        "}\n"
        "valuemap vm {\n  \"a\" -> \"b\"\n}\n"
    )
    assert direct_pairs(spec) == {
        ("a", "x", "B", "A1"), ("a", "y", "B", "A2"), ("a", "z", "B", "A3"), ("a", "w", "B", "A4"),
        ("a", "c_id", "B", "A5"),
    }


def test_precision_and_recall_against_the_flagship(
    flagship_proposal: Proposal, qdispatch_schema: Schema, salesforce_schema: Schema,
) -> None:
    quality = evaluate(flagship_proposal, load(FLAGSHIP), qdispatch_schema, salesforce_schema, "QD")
    report = (f"precision {quality.precision:.2f} over {len(quality.proposed)} matches, "
              f"recall {quality.recall:.2f} of {len(quality.expected)} direct assignments; "
              f"missed {sorted(quality.missed)}; wrong {sorted(quality.wrong)}")
    print(report)
    assert len(quality.expected) >= 30, report  # the comparison is not vacuous
    assert quality.recall >= 0.80, report
    assert quality.precision >= 0.90, report
