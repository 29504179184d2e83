"""The runs of a spec, newest first: what ``crossmap status`` prints as a table or as
JSON (docs/cli.md says its shape)."""

from __future__ import annotations

from typing import Any

from crossmap.reports.audit import run_status
from crossmap.state import StateStore


def runs_overview(store: StateStore) -> dict[str, Any]:
    """``{"holder": who holds the store or None, "runs": [...]}``, one entry per run,
    newest first: its id, kind, status, start and end, records touched, records failed
    or held back, records found already loaded, and whether it is closed."""
    holder = store.holder()
    runs: list[dict[str, Any]] = []
    for past in store.runs():
        counts = store.outcome_counts(past.id)
        runs.append({
            "id": past.id, "kind": past.kind, "status": run_status(past.status, counts),
            "started_at": f"{past.started_at:%Y-%m-%d %H:%M:%S}",
            "ended_at": f"{past.ended_at:%Y-%m-%d %H:%M:%S}" if past.ended_at else None,
            "records": sum(sum(c.values()) for c in counts.values()),
            "failed": sum(c.get("failed", 0) + c.get("held_back", 0) for c in counts.values()),
            "found_loaded": store.found_loaded(past.id), "closed": past.closed,
        })
    return {"holder": holder.describe() if holder else None, "runs": runs}


def render_status(overview: dict[str, Any]) -> list[str]:
    """The overview for people: who holds the store, then the runs under a header
    row (numbers right-aligned), or ``no runs yet``."""
    lines = [f"in use by {overview['holder']}"] if overview["holder"] is not None else []
    if not overview["runs"]:
        return [*lines, "no runs yet"]
    rows = [("run", "kind", "status", "started", "records", "failed", "notes")]
    for r in overview["runs"]:
        notes = [f"{r['found_loaded']} found already loaded" if r["found_loaded"] else "",
                 "closed: no rollback" if r["closed"] else ""]
        rows.append((str(r["id"]), str(r["kind"]), str(r["status"]), str(r["started_at"]), str(r["records"]),
                     str(r["failed"]), "; ".join(n for n in notes if n)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    numeric = {0, 4, 5}
    for row in rows:
        cells = [cell.rjust(w) if i in numeric else cell.ljust(w)
                 for i, (cell, w) in enumerate(zip(row, widths, strict=True))]
        lines.append("  ".join(cells).rstrip())
    return lines
