"""``crossmap propose`` against valentine's schema matchers, on the propose corpus.

valentine (https://github.com/delftdata/valentine, PyPI ``valentine``) implements
published column matchers: COMA, Cupid, similarity flooding, distribution-based and
Jaccard-distance matching. This script gives each the same corpus as
``tests/propose/test_quality.py`` (tests/propose/corpus) and scores its column pairs
with crossmap's own scorer, beside crossmap's proposal.

valentine matches the columns of two tables; it neither pairs objects nor proposes
custom fields or conversions. So it is *given* the reference's object pairs (crossmap
finds them itself), the destination's writable fields as the target table's columns
(with their picklist values as instances: the destination of a migration holds no
records yet), and the source's sampled records; and both tools are scored on the
assignments to existing destination fields only (external ids and custom fields,
which valentine cannot name, are left out of both). A valentine pair into a
reference field counts as a lookup.

valentine and its dependencies (pandas, scipy, nltk, POT ...) are not part of any
crossmap extra; run this from a separate virtual environment::

    python3 -m venv /tmp/valentine-venv
    /tmp/valentine-venv/bin/pip install valentine==1.0.1 -e .
    /tmp/valentine-venv/bin/python benchmarks/propose_valentine.py

It prints a Markdown table (docs/propose.md shows its output). Matchers that cannot
run here are listed with the error they raise.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from valentine import valentine_match
from valentine.algorithms import (
    Coma,
    Cupid,
    DistributionBased,
    JaccardDistanceMatcher,
    SimilarityFlooding,
)

from crossmap import schema
from crossmap.connectors import static_schema
from crossmap.propose.corpus import load_corpus, run_export, sample_export
from crossmap.propose.evaluate import Pair, direct_pairs, lookup_pairs, object_pairs
from crossmap.propose.hints import destination_hints
from crossmap.propose.match import writable

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "propose" / "corpus"

MATCHERS: dict[str, Callable[[], Any]] = {
    "COMA (schema)": lambda: Coma(use_schema=True, use_instances=False),
    "COMA (schema + instances)": lambda: Coma(use_schema=True, use_instances=True),
    "Cupid": Cupid,
    "Similarity flooding": SimilarityFlooding,
    "Distribution-based": DistributionBased,
    "Jaccard distance": JaccardDistanceMatcher,
}


def _cell(value: object) -> object:
    if isinstance(value, list | dict):
        return json.dumps(value)
    return value


def source_frame(records: Sequence[Mapping[str, object]], obj: schema.ObjectSchema) -> pd.DataFrame:
    columns = list(obj.fields)
    return pd.DataFrame([[_cell(r.get(c)) for c in columns] for r in records], columns=columns)


def target_frame(obj: schema.ObjectSchema) -> pd.DataFrame:
    fields = [f for f in obj if writable(f)]
    values = {f.name: list(f.type.values) if isinstance(f.type, schema.Enum) and f.type.values else [None]
              for f in fields}
    rows = max(len(v) for v in values.values())
    return pd.DataFrame({name: [v[i % len(v)] for i in range(rows)] for name, v in values.items()})


Rate = tuple[float | None, float]
"""(precision, recall); precision is None when nothing was proposed."""


def rate(proposed: set[Pair], expected: set[Pair], reference: set[Pair], assigned: set[tuple[str, str]]) -> Rate:
    scored = {p for p in proposed if (p[0], p[1]) in assigned}
    precision = len(scored & reference) / len(scored) if scored else None
    recall = len(expected & proposed) / len(expected) if expected else 1.0
    return precision, recall


def main() -> None:
    target = static_schema("target", "salesforce")
    hints = destination_hints("salesforce")
    rows: list[tuple[str, str, Rate, Rate]] = []
    theirs_only: set[Pair] = set()
    ours_only: set[Pair] = set()
    failures: dict[str, str] = {}
    for export in load_corpus(CORPUS):
        source, samples = sample_export(export, 200)
        reference = export.reference

        def existing(pairs: set[Pair]) -> set[Pair]:
            return {p for p in pairs if (d := target.find_object(p[2])) is not None and d.find_field(p[3]) is not None}

        all_direct = direct_pairs(reference)
        fields_expected = existing(all_direct)
        lookups_expected = existing(lookup_pairs(reference))
        assigned = {(p[0], p[1]) for p in all_direct}
        result = run_export(export, target, target_system="salesforce", hints=hints, sample=200)
        ours = {p for p in result.proposal.pairs(kinds=("field", "lookup"))}
        our_lookups = result.proposal.pairs(kinds=("lookup",))
        found_by_any: set[Pair] = set()
        rows.append((export.name, "crossmap propose",
                     rate(ours, fields_expected, all_direct, assigned),
                     rate(our_lookups, lookups_expected, lookup_pairs(reference), assigned)))
        for label, make in MATCHERS.items():
            if label in failures:
                continue
            found: set[Pair] = set()
            references: set[Pair] = set()
            try:
                for s_name, d_name in sorted(object_pairs(reference)):
                    d_obj = target.find_object(d_name)
                    if d_obj is None:
                        continue
                    frames = [source_frame(samples[s_name], source.object(s_name)), target_frame(d_obj)]
                    with contextlib.redirect_stderr(io.StringIO()):
                        matches = valentine_match(frames, make(), df_names=[s_name, d_name]).one_to_one_greedy()
                    for pair, score in matches.items():
                        if score <= 0:
                            continue
                        found.add((s_name, pair.source_column, d_name, pair.target_column))
                        if isinstance(d_obj.fields[pair.target_column].type, schema.Reference):
                            references.add((s_name, pair.source_column, d_name, pair.target_column))
            except Exception as error:  # noqa: BLE001 - a matcher that cannot run is reported, not fatal
                failures[label] = f"{type(error).__name__}: {str(error).splitlines()[0][:160]}"
                continue
            found_by_any |= found
            rows.append((export.name, label, rate(found, fields_expected, all_direct, assigned),
                         rate(references, lookups_expected, lookup_pairs(reference), assigned)))
        theirs_only |= (found_by_any & fields_expected) - ours
        ours_only |= (ours & fields_expected) - found_by_any
    write(rows, failures, sys.stdout, theirs_only, ours_only)


def _p(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def write(rows: list[tuple[str, str, Rate, Rate]], failures: Mapping[str, str], out: Any,
          theirs_only: set[Pair], ours_only: set[Pair]) -> None:
    exports = sorted({r[0] for r in rows})
    tools = list(dict.fromkeys(r[1] for r in rows))
    out.write("| Tool | " + " | ".join(exports) + " | average |\n")
    out.write("|---|" + "---|" * (len(exports) + 1) + "\n")
    for tool in tools:
        cells = []
        mine = [next(r for r in rows if r[0] == name and r[1] == tool) for name in exports]
        for row in mine:
            (p, r), (lp1, lr1) = row[2], row[3]
            cells.append(f"F {_p(p)}/{r:.2f} · L {_p(lp1)}/{lr1:.2f}")

        def mean(values: list[float | None]) -> float | None:
            known = [v for v in values if v is not None]
            return sum(known) / len(known) if known else None

        fp, fr = mean([r[2][0] for r in mine]), mean([r[2][1] for r in mine])
        lp, lr = mean([r[3][0] for r in mine]), mean([r[3][1] for r in mine])
        cells.append(f"F {_p(fp)}/{_p(fr)} · L {_p(lp)}/{_p(lr)}")
        out.write(f"| {tool} | " + " | ".join(cells) + " |\n")
    out.write("\nF: fields, L: lookups, each precision/recall; – where nothing was proposed.\n")
    for label, error in failures.items():
        out.write(f"\n{label}: could not run here ({error})\n")
    out.write("\nFound by a valentine matcher, missed by crossmap:\n")
    for pair in sorted(theirs_only):
        out.write(f"- {pair[0]}.{pair[1]} → {pair[2]}.{pair[3]}\n")
    out.write(f"\nFound by crossmap, missed by every valentine matcher: {len(ours_only)} pairs\n")


if __name__ == "__main__":
    main()
