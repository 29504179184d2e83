"""Benchmark: the Q Dispatch connector's achieved request rate against the simulator's
published per-minute limit (target: at least 90% of the limit, no failed requests).

    python benchmarks/bench_qdispatch_extract.py --per-minute 1200 --duration 20

Runs on the real clock against a local HTTPS simulator, extracting every object
repeatedly (small pages, so the run is request-bound) until ``--duration`` seconds
have passed. Prints one JSON report; exits 1 if the target was missed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from crossmap_qdispatch.connector import Credentials, Options, QDispatchSource
from crossmap_qdispatch.errors import QDispatchError
from crossmap_qdispatch.simulator import Faults, Limits, Simulator


def run(seed: int, scale: int, per_minute: int, duration: float, concurrency: int,
        page_size: int, faults: str) -> dict[str, object]:
    """Extract until ``duration`` is spent; the report as a dict."""
    with Simulator(seed, scale, faults=Faults.named(faults),
                   limits=Limits(per_minute=per_minute, per_day=10_000_000)) as sim:
        options = Options(page_size=page_size, max_concurrency=concurrency)
        with QDispatchSource(sim.base_url, Credentials(sim.client_id, sim.client_secret),
                             sim.ca_file, options) as source:
            source.definitions()  # learn the limit from the first response's headers
            started = time.monotonic()
            requests_before = source.stats["requests"]
            records = passes = failures = 0
            while time.monotonic() - started < duration:
                try:
                    for _, page in source.extract_many():
                        records += len(page)
                        if time.monotonic() - started >= duration:
                            break
                    else:
                        passes += 1
                except QDispatchError:
                    failures += 1
            elapsed = time.monotonic() - started
            stats = source.stats
    sent = stats["requests"] - requests_before
    rate = sent / elapsed * 60
    return {
        "limit_per_minute": per_minute, "achieved_per_minute": round(rate, 1),
        "ratio": round(rate / per_minute, 3), "requests": sent, "seconds": round(elapsed, 2),
        "records": records, "full_passes": passes, "retries": stats["retries"],
        "failed_requests": failures, "faults": faults, "concurrency": concurrency,
        "page_size": page_size, "scale": scale,
    }


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run, print the report; 1 if under 90% or any failure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scale", type=int, default=int(os.environ.get("CROSSMAP_SCALE", "2")))
    parser.add_argument("--per-minute", type=int, default=1200)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--page-size", type=int, default=10)
    parser.add_argument("--faults", default="none")
    args = parser.parse_args(argv)
    report = run(args.seed, args.scale, args.per_minute, args.duration, args.concurrency,
                 args.page_size, args.faults)
    print(json.dumps(report))
    ok = float(report["ratio"]) >= 0.9 and report["failed_requests"] == 0  # type: ignore[arg-type]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
