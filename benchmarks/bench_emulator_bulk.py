"""Benchmark: a Bulk API 2.0 insert of N Accounts into the local org emulator.

    python benchmarks/bench_emulator_bulk.py [N]      # N defaults to 100000

Runs the emulator in its own process (as a user would) and drives it with
simple-salesforce's ``bulk2``; prints the seconds the insert took, end to end
(upload, processing, polling), and the records per second.
"""

from __future__ import annotations

import csv
import sys
import tempfile
import time
from pathlib import Path

from crossmap_salesforce.emulator import running_org


def main(n: int) -> float:
    """Insert ``n`` Accounts; returns the elapsed seconds."""
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "accounts.csv"
        with data.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(["Name", "NumberOfEmployees", "Industry", "Website", "Phone"])
            for i in range(n):
                writer.writerow([f"Account {i}", i % 5000, "Energy", f"https://a{i}.example",
                                 f"+1 555 {i:07d}"])
        with running_org(Path(tmp) / "org", mode="process") as org:
            sf = org.salesforce()
            try:
                started = time.perf_counter()
                results = sf.bulk2.Account.insert(csv_file=str(data), wait=0)
                elapsed = time.perf_counter() - started
                processed = sum(r["numberRecordsProcessed"] for r in results)
                failed = sum(r["numberRecordsFailed"] for r in results)
                count = sf.query("SELECT COUNT() FROM Account")["totalSize"]
            finally:
                sf.session.close()
    if processed != n or failed or count != n:
        raise SystemExit(f"expected {n} inserted, got processed={processed} failed={failed} "
                         f"stored={count}")
    print(f"bulk2 insert of {n} Accounts: {elapsed:.2f} s ({n / elapsed:,.0f} records/s)")
    return elapsed


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
