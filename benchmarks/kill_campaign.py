"""A random ``kill -9`` campaign against the local Salesforce org (issue 19).

Each trial runs the crash-point spec (Account and Case upserted on an external id,
Case with a create-only ``CreatedDate ?=``, CaseComment insert-only with identical
comments on most cases) in a real child process with the Bulk API 2.0 path forced
(``bulk_threshold=2``), sends it SIGKILL after a random delay spread over the whole
length of an uncrashed run, resumes the run, and compares the org field by field
with an uncrashed run's: lost, duplicated and wrong-parent records.

    python benchmarks/kill_campaign.py [--trials 20] [--seed 1] [--customers 40]

Prints one line per trial and a total; exits 1 if any record was lost, duplicated or
on a wrong parent.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "tests" / "salesforce"), str(HERE.parent / "tests" / "e2e")]

import test_sf_crash_points as spec

from crossmap.compiler import compile
from crossmap.connectors.builtin.memory import MemorySource
from crossmap.connectors.profiles import Profile
from crossmap.engine import Engine, RunOptions
from crossmap.functions import registry
from crossmap.state import StateStore
from crossmap_salesforce.connector import ConnectorSettings, SalesforceDestination
from crossmap_salesforce.emulator import OrgHandle, OrgSettings, running_org


def settings() -> ConnectorSettings:
    return ConnectorSettings(bulk_threshold=2, bulk_poll_interval=0.05, retry_wait=0.0, lock_wait=0.0)


def connect(where: dict[str, str]) -> SalesforceDestination:
    profile = Profile("campaign", {"auth": "token", "instance_url": where["instance_url"],
                                   "ca_file": where["ca_file"]}, {"access_token": where["access_token"]})
    return SalesforceDestination.connect(profile, settings())


def run(where: dict[str, str], state: Path, customers: int, resume: int | None = None) -> int:
    """One run (or resume) of the spec into the org; the run's id."""
    target = connect(where)
    spec.CUSTOMERS = customers
    plan = compile(spec.SPEC, source_schema=spec.SOURCE, target_schema=target.describe(), functions=registry())
    with StateStore.open(state) as store:
        engine = Engine(plan, MemorySource(spec.dataset(), spec.SOURCE), target, store, RunOptions(batch_size=50))
        summary = engine.resume(resume) if resume is not None else engine.run()
        if summary.failed:
            raise SystemExit(f"the run failed records: {store.error_groups(summary.run.id)}")
        return summary.run.id


def child(args: argparse.Namespace) -> None:
    run(json.loads(os.environ["CROSSMAP_CAMPAIGN_ORG"]), Path(args.state), args.customers)


def where_of(org: OrgHandle) -> dict[str, str]:
    return {"instance_url": org.instance_url, "ca_file": org.ca_file, "access_token": org.access_token}


def trial(root: Path, customers: int, delay: float | None,
          reference: dict[str, Counter[tuple[Any, ...]]] | None) -> tuple[dict[str, Counter[tuple[Any, ...]]], dict[str, Any]]:
    """One run, killed after ``delay`` seconds (``None``: not killed), then resumed."""
    with running_org(root / "org", settings=OrgSettings(set_audit_fields=True)) as org:
        spec.setup_org(org)
        where = where_of(org)
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, __file__, "--child", "--state", str(root / "state.db"), "--customers", str(customers)],
            env={**os.environ, "CROSSMAP_CAMPAIGN_ORG": json.dumps(where)})
        killed = False
        if delay is not None:
            try:
                process.wait(timeout=delay)
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGKILL)
                killed = True
        code = process.wait()
        took = time.monotonic() - started
        resumed = found = 0
        if code != 0:
            with StateStore.open(root / "state.db") as store:
                stopped = store.runs()
            if stopped and stopped[0].status == "succeeded":
                pass  # killed after the run had ended
            elif stopped:
                run(where, root / "state.db", customers, resume=stopped[0].id)
                with StateStore.open(root / "state.db") as store:
                    found = store.found_loaded(stopped[0].id)
                resumed = 1
            else:  # killed before its run began: a run from scratch
                run(where, root / "state.db", customers)
        state = spec.org_state(org)
    row: dict[str, Any] = {"killed": killed, "code": code, "seconds": took, "resumed": resumed, "found": found}
    if reference is not None:
        row["lost"] = sum((reference[o] - state[o]).total() for o in reference)
        row["duplicated"] = sum((state[o] - reference[o]).total() for o in reference)
        # A record on a wrong parent is one lost and one extra of the same values
        # elsewhere: count the records whose values are right but whose parent is not.
        row["wrong_parent"] = wrong_parent(reference, state)
    return state, row


PARENT = {"Case": 2, "CaseComment": 1, "Task": 1}
"""Where a record's parent stands in ``org_state``'s tuples."""


def wrong_parent(reference: dict[str, Counter[tuple[Any, ...]]], found: dict[str, Counter[tuple[Any, ...]]]) -> int:
    """Records present with their values but under another parent than in the reference."""
    count = 0
    for o, place in PARENT.items():
        def values(record: tuple[Any, ...], place: int = place) -> tuple[Any, ...]:
            return record[:place] + record[place + 1:]
        missing = Counter({values(k): n for k, n in (reference[o] - found[o]).items()})
        extra = Counter({values(k): n for k, n in (found[o] - reference[o]).items()})
        count += (missing & extra).total()
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--customers", type=int, default=40)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--state", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    logging.basicConfig(level=logging.ERROR)  # a lock taken over from a killed run is expected here
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="crossmap-kill-") as folder:
        root = Path(folder)
        (root / "reference").mkdir()
        reference, base = trial(root / "reference", args.customers, None, None)
        length = base["seconds"]
        print(f"uncrashed run: {length:.1f} s, "
              f"{sum(sum(c.values()) for c in reference.values())} records; Bulk forced (bulk_threshold=2)")
        print(f"{'trial':>5} {'kill at':>8} {'killed':>6} {'found':>5} {'lost':>4} {'duplicated':>10} {'wrong parent':>12}")
        totals = Counter[str]()
        for n in range(1, args.trials + 1):
            delay = rng.uniform(0.0, length)
            (root / f"t{n}").mkdir()
            _, row = trial(root / f"t{n}", args.customers, delay, reference)
            totals.update({k: row[k] for k in ("lost", "duplicated", "wrong_parent")})
            totals["killed"] += row["killed"]
            print(f"{n:>5} {delay:>7.2f}s {'yes' if row['killed'] else 'no':>6} {row['found']:>5} "
                  f"{row['lost']:>4} {row['duplicated']:>10} {row['wrong_parent']:>12}", flush=True)
        print(f"total: {args.trials} trials, {totals['killed']} killed mid-run; lost {totals['lost']}, "
              f"duplicated {totals['duplicated']}, on a wrong parent {totals['wrong_parent']}")
    sys.exit(1 if totals["lost"] or totals["duplicated"] or totals["wrong_parent"] else 0)


if __name__ == "__main__":
    main()
