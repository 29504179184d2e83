"""Outcomes: how each source record's journey through a step ended, for the audit log.

One row per (run, step, source key): a record's later outcome in the same run
replaces its earlier one, so a record that failed, was retried and then loaded ends
as loaded, and the counts reconcile.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import attrs
from attrs import frozen
from attrs.validators import in_, instance_of, optional

from crossmap.state.database import PAGE, Database, placeholders
from crossmap.state.runs import require_run

OUTCOMES = ("created", "updated", "matched", "skipped", "failed", "held_back", "deleted")
"""How a source record can end; ``matched``: a resolve block found its destination record."""
# The outcomes the partial index ``outcomes_problems`` covers. Queries must repeat
# its WHERE term literally for SQLite to use it.
PROBLEMS = ("failed", "held_back")
_PROBLEMS_TERM = "outcome IN ('failed', 'held_back')"
SAMPLE_KEYS = 5


@frozen
class Outcome:
    """The end of one source record in one step.

    ``code`` names the cause (``"REQUIRED_FIELD_MISSING"``, ``"XMTRANSFORM"``, the
    skip rule…), ``field`` the field involved, ``line`` the spec line to fix, and
    ``reason`` the full message. ``step`` and ``source_object`` are filled in when an
    outcome is read back; when recording, leave them ``None`` (or equal to the
    call's arguments).
    """

    key: str = attrs.field(validator=instance_of(str))
    outcome: str = attrs.field(validator=in_(OUTCOMES))
    code: str | None = None
    field: str | None = None
    line: int | None = attrs.field(default=None, validator=optional(instance_of(int)))
    reason: str | None = None
    step: str | None = None
    source_object: str | None = None


@frozen
class ErrorGroup:
    """Records of one step that ended the same way for the same cause.

    ``sample_keys`` are up to five keys of the group in key order; ``reason`` is the
    first of those records' reason. ``outcome`` is ``"failed"`` unless other outcomes
    were asked for.
    """

    step: str
    code: str | None
    field: str | None
    count: int
    sample_keys: tuple[str, ...]
    reason: str | None
    outcome: str = "failed"


def _check_outcomes(outcomes: tuple[str, ...]) -> None:
    unknown = [name for name in outcomes if name not in OUTCOMES]
    if unknown or not outcomes:
        raise ValueError(f"unknown outcomes {unknown!r}; expected some of {', '.join(OUTCOMES)}")


def _outcome_filter(outcomes: tuple[str, ...]) -> str:
    term = f"outcome IN ({placeholders(len(outcomes))})"
    if set(outcomes) <= set(PROBLEMS):
        term = f"{_PROBLEMS_TERM} AND {term}"
    return term


@frozen
class Outcomes:
    """The ``outcomes`` table."""

    db: Database

    def record(
        self, run_id: int, step: str, source_object: str, outcomes: Iterable[Outcome]
    ) -> None:
        """Store outcomes of ``step`` in one transaction; a key's newest outcome wins."""
        step_id = self.db.name_id(step)
        object_id = self.db.name_id(source_object)

        def rows() -> Iterator[tuple[Any, ...]]:
            for item in outcomes:
                if item.step not in (None, step) or item.source_object not in (
                    None,
                    source_object,
                ):
                    raise ValueError(
                        f"outcome of {item.key!r} belongs to step {item.step!r} "
                        f"({item.source_object!r}), not {step!r} ({source_object!r})"
                    )
                yield (
                    run_id,
                    step_id,
                    item.key,
                    object_id,
                    item.outcome,
                    item.code,
                    item.field,
                    item.line,
                    item.reason,
                )

        with self.db.transaction() as connection:
            require_run(connection, run_id)
            connection.executemany(
                "INSERT INTO outcomes (run_id, step_id, source_key, source_object_id, outcome,"
                " code, field, line, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (run_id, step_id, source_key) DO UPDATE SET"
                " source_object_id = excluded.source_object_id, outcome = excluded.outcome,"
                " code = excluded.code, field = excluded.field, line = excluded.line,"
                " reason = excluded.reason",
                rows(),
            )

    def counts(self, run_id: int) -> dict[str, dict[str, int]]:
        """``{step: {outcome: count}}`` for the run; outcomes with no record are absent."""
        result: dict[str, dict[str, int]] = {}
        with self.db.reading() as connection:
            require_run(connection, run_id)
            rows = connection.execute(
                "SELECT step_id, outcome, COUNT(*) FROM outcomes WHERE run_id = ?"
                " GROUP BY step_id, outcome",
                (run_id,),
            ).fetchall()
        for step_id, outcome, count in rows:
            result.setdefault(self.db.name(step_id), {})[outcome] = count
        return result

    def failures(
        self, run_id: int, step: str | None = None, *, outcomes: tuple[str, ...] = ("failed",)
    ) -> Iterator[Outcome]:
        """Outcomes of the run (in ``step``, if given) that ended in ``outcomes``, streamed.

        Ordered by step (in the order this file first saw each step), then by key.
        """
        _check_outcomes(outcomes)
        with self.db.reading() as connection:
            require_run(connection, run_id)
        step_ids: list[int]
        if step is None:
            with self.db.reading() as connection:
                step_ids = [
                    row[0]
                    for row in connection.execute(
                        "SELECT DISTINCT step_id FROM outcomes WHERE run_id = ? ORDER BY step_id",
                        (run_id,),
                    )
                ]
        else:
            found = self.db.existing_name_id(step)
            step_ids = [] if found is None else [found]
        for step_id in step_ids:
            step_name = self.db.name(step_id)
            after = ""
            while True:
                with self.db.reading() as connection:
                    page = connection.execute(
                        "SELECT source_key, outcome, code, field, line, reason, source_object_id"
                        f" FROM outcomes WHERE run_id = ? AND {_outcome_filter(outcomes)}"
                        " AND step_id = ? AND source_key > ? ORDER BY source_key LIMIT ?",
                        (run_id, *outcomes, step_id, after, PAGE),
                    ).fetchall()
                for key, outcome, code, field_name, line, reason, object_id in page:
                    yield Outcome(
                        key=key,
                        outcome=outcome,
                        code=code,
                        field=field_name,
                        line=line,
                        reason=reason,
                        step=step_name,
                        source_object=self.db.name(object_id),
                    )
                if len(page) < PAGE:
                    break
                after = page[-1][0]

    def failed_keys(
        self, run_id: int, step: str, *, outcomes: tuple[str, ...] = ("failed",)
    ) -> set[str]:
        """The source keys of ``step`` that ended in ``outcomes`` in the run."""
        _check_outcomes(outcomes)
        step_id = self.db.existing_name_id(step)
        with self.db.reading() as connection:
            require_run(connection, run_id)
            if step_id is None:
                return set()
            return {
                row[0]
                for row in connection.execute(
                    "SELECT source_key FROM outcomes WHERE run_id = ? AND step_id = ?"
                    f" AND {_outcome_filter(outcomes)}",
                    (run_id, step_id, *outcomes),
                )
            }

    def error_groups(
        self, run_id: int, *, outcomes: tuple[str, ...] = ("failed",)
    ) -> list[ErrorGroup]:
        """The run's records in ``outcomes`` grouped by (step, outcome, code, field).

        Largest group first; each with its count, up to five sample keys (key order)
        and the first sample's reason.
        """
        _check_outcomes(outcomes)
        with self.db.reading() as connection:
            require_run(connection, run_id)
            rows = connection.execute(
                "SELECT step_id, outcome, code, field, source_key, reason, total, rank FROM ("
                " SELECT step_id, outcome, code, field, source_key, reason,"
                "  ROW_NUMBER() OVER win AS rank, COUNT(*) OVER whole AS total"
                f" FROM outcomes WHERE run_id = ? AND {_outcome_filter(outcomes)}"
                " WINDOW whole AS (PARTITION BY step_id, outcome, code, field),"
                "  win AS (whole ORDER BY source_key)"
                ") WHERE rank <= ?",
                (run_id, *outcomes, SAMPLE_KEYS),
            ).fetchall()
        groups: dict[tuple[Any, ...], list[Any]] = {}
        for step_id, outcome, code, field_name, key, reason, total, rank in rows:
            group = groups.setdefault((step_id, outcome, code, field_name), [total, [], None])
            group[1].append(key)
            if rank == 1:
                group[2] = reason
        built = [
            ErrorGroup(
                step=self.db.name(step_id),
                code=code,
                field=field_name,
                count=total,
                sample_keys=tuple(sorted(keys)),
                reason=reason,
                outcome=outcome,
            )
            for (step_id, outcome, code, field_name), (total, keys, reason) in groups.items()
        ]
        built.sort(key=lambda g: (-g.count, g.step, g.outcome, g.code or "", g.field or ""))
        return built
