"""Outcomes: one per record and step, the newest winning; counts, failures, error groups."""

from __future__ import annotations

import pytest

import crossmap.state.outcomes as outcomes_module
from crossmap.state import ErrorGroup, Outcome, Run, StateError, StateStore

STEP = "Contact->Contact"


def missing_last_name(key: str) -> Outcome:
    return Outcome(
        key,
        "failed",
        code="REQUIRED_FIELD_MISSING",
        field="LastName",
        line=12,
        reason=f"Contact {key}: LastName is required",
    )


def test_counts_per_step_and_outcome(store: StateStore, run: Run) -> None:
    store.record_outcomes(
        run.id,
        STEP,
        "Contact",
        [
            Outcome("c1", "created"),
            Outcome("c2", "updated"),
            Outcome("c3", "skipped", code="inactive"),
            missing_last_name("c4"),
            Outcome("c5", "held_back", code="PARENT_FAILED", reason="account a9 failed"),
        ],
    )
    store.record_outcomes(run.id, "Customer->Account", "Customer", [Outcome("a1", "deleted")])
    assert store.outcome_counts(run.id) == {
        STEP: {"created": 1, "updated": 1, "skipped": 1, "failed": 1, "held_back": 1},
        "Customer->Account": {"deleted": 1},
    }
    other = store.begin_run(spec=run.spec, spec_hash="h", kind="full", options={})
    assert store.outcome_counts(other.id) == {}


def test_a_later_outcome_replaces_the_earlier(store: StateStore, run: Run) -> None:
    store.record_outcomes(
        run.id, STEP, "Contact", [missing_last_name("c1"), missing_last_name("c2")]
    )
    # c1 is retried within the run and loads; it must no longer count as failed.
    store.record_outcomes(run.id, STEP, "Contact", [Outcome("c1", "created")])
    assert store.outcome_counts(run.id) == {STEP: {"created": 1, "failed": 1}}
    assert store.failed_keys(run.id, STEP) == {"c2"}
    assert [o.key for o in store.failures(run.id)] == ["c2"]


def test_same_key_in_another_run_is_kept_apart(store: StateStore, run: Run) -> None:
    retry = store.begin_run(spec=run.spec, spec_hash="h", kind="retry", options={}, parent=run.id)
    store.record_outcomes(run.id, STEP, "Contact", [missing_last_name("c1")])
    store.record_outcomes(retry.id, STEP, "Contact", [Outcome("c1", "created")])
    assert store.failed_keys(run.id, STEP) == {"c1"}
    assert store.failed_keys(retry.id, STEP) == set()


def test_failures_come_back_whole_with_step_and_object(store: StateStore, run: Run) -> None:
    store.record_outcomes(
        run.id,
        "Customer->Account",
        "Customer",
        [
            Outcome("a2", "failed", code="XMTRANSFORM", line=4, reason="bad date"),
            Outcome("a1", "created"),
        ],
    )
    store.record_outcomes(run.id, STEP, "Contact", [missing_last_name("c1")])
    failures = list(store.failures(run.id))
    assert failures == [
        Outcome(
            "a2",
            "failed",
            code="XMTRANSFORM",
            line=4,
            reason="bad date",
            step="Customer->Account",
            source_object="Customer",
        ),
        Outcome(
            "c1",
            "failed",
            code="REQUIRED_FIELD_MISSING",
            field="LastName",
            line=12,
            reason="Contact c1: LastName is required",
            step=STEP,
            source_object="Contact",
        ),
    ]
    assert [o.key for o in store.failures(run.id, STEP)] == ["c1"]
    assert list(store.failures(run.id, "No->Such")) == []
    # An outcome read back can be recorded again (its step and object match).
    store.record_outcomes(run.id, STEP, "Contact", failures[1:])


def test_held_back_on_request(store: StateStore, run: Run) -> None:
    store.record_outcomes(
        run.id,
        STEP,
        "Contact",
        [
            missing_last_name("c1"),
            Outcome("c2", "held_back", code="PARENT_FAILED"),
            Outcome("c3", "skipped", code="inactive"),
        ],
    )
    both = ("failed", "held_back")
    assert store.failed_keys(run.id, STEP, outcomes=both) == {"c1", "c2"}
    assert [o.key for o in store.failures(run.id, outcomes=both)] == ["c1", "c2"]
    assert store.failed_keys(run.id, STEP, outcomes=("skipped",)) == {"c3"}
    with pytest.raises(ValueError, match="unknown outcomes"):
        store.failed_keys(run.id, STEP, outcomes=("lost",))
    with pytest.raises(ValueError, match="unknown outcomes"):
        list(store.failures(run.id, outcomes=()))


def test_failures_stream_in_pages(
    store: StateStore, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outcomes_module, "PAGE", 3)
    keys = [f"c{i:02d}" for i in range(20)]
    store.record_outcomes(run.id, STEP, "Contact", [missing_last_name(k) for k in reversed(keys)])
    store.record_outcomes(run.id, "B", "Contact", [missing_last_name("b1")])
    assert [(o.step, o.key) for o in store.failures(run.id)] == [
        *((STEP, k) for k in keys),
        ("B", "b1"),
    ]


def test_error_groups(store: StateStore, run: Run) -> None:
    store.record_outcomes(
        run.id,
        STEP,
        "Contact",
        [
            *(missing_last_name(f"c{i}") for i in (7, 3, 9, 1, 5, 8, 2)),
            Outcome("e1", "failed", code="INVALID_EMAIL", field="Email", reason="not an email"),
            Outcome("e2", "failed", code="INVALID_EMAIL", field="Email", reason="also bad"),
            Outcome("ok", "created"),
            Outcome("h1", "held_back", code="PARENT_FAILED", reason="parent a1 failed"),
        ],
    )
    store.record_outcomes(
        run.id, "Job->Case", "Job", [Outcome("j1", "failed", code="XMTRANSFORM", reason="boom")]
    )
    assert store.error_groups(run.id) == [
        ErrorGroup(
            step=STEP,
            code="REQUIRED_FIELD_MISSING",
            field="LastName",
            count=7,
            sample_keys=("c1", "c2", "c3", "c5", "c7"),
            reason="Contact c1: LastName is required",
        ),
        ErrorGroup(STEP, "INVALID_EMAIL", "Email", 2, ("e1", "e2"), "not an email"),
        ErrorGroup("Job->Case", "XMTRANSFORM", None, 1, ("j1",), "boom"),
    ]
    held = store.error_groups(run.id, outcomes=("held_back",))
    assert held == [
        ErrorGroup(STEP, "PARENT_FAILED", None, 1, ("h1",), "parent a1 failed", "held_back")
    ]


def test_problem_queries_use_the_partial_index(store: StateStore, run: Run) -> None:
    plan = store._db.connection.execute(
        "EXPLAIN QUERY PLAN SELECT source_key FROM outcomes WHERE run_id = ? AND step_id = ?"
        f" AND {outcomes_module._outcome_filter(('failed',))}",
        (run.id, 1, "failed"),
    ).fetchall()
    assert "outcomes_problems" in " ".join(str(row) for row in plan)


def test_outcome_validation() -> None:
    with pytest.raises(ValueError):
        Outcome("k", "lost")
    with pytest.raises(TypeError):
        Outcome("k", "failed", line="12")  # type: ignore[arg-type]


def test_outcome_of_another_step_refused(store: StateStore, run: Run) -> None:
    with pytest.raises(ValueError, match="belongs to step 'Other'"):
        store.record_outcomes(
            run.id,
            STEP,
            "Contact",
            [
                Outcome("c0", "created"),
                Outcome("c1", "created", step="Other"),
            ],
        )
    # The whole call was refused.
    assert store.outcome_counts(run.id) == {}


def test_unknown_run(store: StateStore) -> None:
    with pytest.raises(StateError, match="unknown run 8"):
        store.record_outcomes(8, STEP, "Contact", [Outcome("c", "created")])
    for call in (
        lambda: store.outcome_counts(8),
        lambda: list(store.failures(8)),
        lambda: store.failed_keys(8, STEP),
        lambda: store.error_groups(8),
    ):
        with pytest.raises(StateError, match="unknown run 8"):
            call()
