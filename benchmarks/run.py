"""Every benchmark of issue 10 in one command, and one table of ratios against targets.

    .venv/bin/python benchmarks/run.py [--quick] [--records N] [--sizes 1000,10000,100000]
                                       [--b3-duration S] [--only b1,b2,b3,b4]

Runs B1 (``bench_transform.py``), B2 (``bench_e2e.py``), B3
(``bench_qdispatch_extract.py``) and B4 (``bench_compile.py``) one after another, each
in its own process, prints each one's own output, then one table: every measured
ratio with its target and PASS or MISS. ``--quick`` runs everything at a tiny size (a
smoke run for CI: the numbers mean nothing, the table must still be complete).
Exits 1 when a benchmark failed to run or its own output checks failed; a MISS is a
finding, not a failure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from attrs import frozen

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from bench_e2e import (
    TARGET_CPU_SHARE,
    TARGET_MEMORY_GROWTH_MB,
    TARGET_OVER_MINIMUM,
    calls_ratio,
    memory_growth,
    verify_growth,
)

TARGET_VS_HAND = 1.10
"""B1: generated code's time within 1.1x the hand-written function's."""
TARGET_VS_PEER = 9.5
"""B1: 'about 10x' the fastest peer (jsonatapy), read as at least 9.5x."""
TARGET_RATE_SHARE = 0.90
"""B3: at least 90% of the simulator's request rate limit."""
TARGET_WARM_MS = 200.0
"""B4: warm compile under 200 ms."""
TARGET_VERIFY_CALLS_PER_OBJECT = 8
"""B2 verify: API calls per object read back, whatever its size (a count, a Bulk API
2.0 query job's create, status checks, results, delete; file bytes aside)."""


@frozen
class Ratio:
    """One line of the table: what was measured, its value, the target, met or not."""

    benchmark: str
    measure: str
    value: str
    target: str
    met: bool


@frozen
class Outcome:
    """A benchmark's run: its output, whether it ran cleanly, and its ratios."""

    name: str
    output: str
    ok: bool
    ratios: tuple[Ratio, ...]
    seconds: float


def _run(command: Sequence[str], timeout: float) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, *command], cwd=ROOT, capture_output=True, text=True, check=False,
        timeout=timeout, env={**os.environ, "PYTHONPATH": str(HERE)},
    )
    return done.returncode, done.stdout + (done.stderr if done.returncode else "")


def b1(output: str) -> tuple[Ratio, ...]:
    """B1's ratios from ``bench_transform.py``'s Job -> Case table."""
    rates: dict[str, float] = {}
    table = output.partition("B1 whole flagship plan")[0]
    for line in table.splitlines():
        found = re.match(r"^(hand-written|generated|jsonatapy)\s+([\d,]+)\s", line)
        if found:
            rates[found.group(1)] = float(found.group(2).replace(",", ""))
    vs_hand = rates["hand-written"] / rates["generated"]
    vs_peer = rates["generated"] / rates["jsonatapy"]
    return (
        Ratio("B1", "generated time / hand-written time (Job -> Case)", f"{vs_hand:.2f}x",
              f"<= {TARGET_VS_HAND:.2f}x", vs_hand <= TARGET_VS_HAND),
        Ratio("B1", "generated speed / jsonatapy speed", f"{vs_peer:.2f}x",
              f">= {TARGET_VS_PEER:.1f}x (~10x)", vs_peer >= TARGET_VS_PEER),
    )


def b2(output: str) -> tuple[Ratio, ...]:
    """B2's ratios from ``bench_e2e.py``'s JSON line."""
    reports: list[Mapping[str, Any]] = json.loads(output.strip().splitlines()[-1])["b2"]
    last = reports[-1]
    ratios = []
    growth = memory_growth(reports)
    if growth is not None:
        sizes = f"{reports[-2]['extracted']:,} -> {last['extracted']:,} records"
        ratios.append(Ratio("B2", f"peak memory growth, {sizes}", f"{growth:+.1f} MB",
                            f"< {TARGET_MEMORY_GROWTH_MB:.0f} MB", growth < TARGET_MEMORY_GROWTH_MB))
    over = calls_ratio(last)
    ratios.append(Ratio("B2", f"API calls / minimum, {last['extracted']:,} records", f"{over:.2f}x",
                        f"<= {TARGET_OVER_MINIMUM:.2f}x", over <= TARGET_OVER_MINIMUM))
    verified = last["verify"]
    per_object = (verified["org_calls"] - verified["downloads"]) / max(1, verified["objects"])
    ratios.append(Ratio("B2", f"verify of the run: API calls per object read, {verified['checked']:,} records, "
                              f"{'verified' if verified['ok'] else 'NOT verified'} "
                              f"(and {verified['downloads']:,} file downloads)",
                        f"{per_object:.1f}", f"<= {TARGET_VERIFY_CALLS_PER_OBJECT}",
                        per_object <= TARGET_VERIFY_CALLS_PER_OBJECT))
    growth = verify_growth(reports)
    if growth is not None:
        ratios.append(Ratio("B2", f"verify peak memory growth, {reports[-2]['extracted']:,} -> "
                                  f"{last['extracted']:,} records", f"{growth:+.1f} MB",
                            f"< {TARGET_MEMORY_GROWTH_MB:.0f} MB", growth < TARGET_MEMORY_GROWTH_MB))
    share = float(last["cpu_share"])
    ratios.append(Ratio("B2", f"crossmap CPU / wall, {last['extracted']:,} records at "
                              f"{last['per_minute']:,} requests/min "
                              f"({last['cpu_s_per_1000']:.3f} CPU s per 1,000)",
                        f"{share:.2f}", f"<= {TARGET_CPU_SHARE:.2f}", share <= TARGET_CPU_SHARE))
    return tuple(ratios)


def b3(output: str) -> tuple[Ratio, ...]:
    """B3's ratios from ``bench_qdispatch_extract.py``'s JSON report."""
    report = json.loads(output.strip().splitlines()[-1])
    share = float(report["ratio"])
    failed = int(report["failed_requests"])
    return (
        Ratio("B3", f"request rate / limit ({report['limit_per_minute']}/min)", f"{share:.2f}",
              f">= {TARGET_RATE_SHARE:.2f}", share >= TARGET_RATE_SHARE),
        Ratio("B3", "failed requests", str(failed), "0", failed == 0),
    )


def b4(output: str) -> tuple[Ratio, ...]:
    """B4's ratio from ``bench_compile.py``'s warm line."""
    found = re.search(r"warm .*?best\s+([\d.]+) ms", output)
    assert found is not None, output
    warm = float(found.group(1))
    return (Ratio("B4", "warm compile of the flagship spec", f"{warm:.1f} ms",
                  f"< {TARGET_WARM_MS:.0f} ms", warm < TARGET_WARM_MS),)


def commands(args: argparse.Namespace) -> dict[str, tuple[list[str], Callable[[str], tuple[Ratio, ...]]]]:
    """Each benchmark's command line (sized by the arguments) and its ratio reader."""
    quick = args.quick
    return {
        "b1": (["benchmarks/bench_transform.py",
                *(["--quick"] if quick else ["--records", str(args.records)])], b1),
        "b2": (["benchmarks/bench_e2e.py", *(["--quick"] if quick else ["--sizes", args.sizes])], b2),
        "b3": (["benchmarks/bench_qdispatch_extract.py",
                "--duration", str(3.0 if quick else args.b3_duration)], b3),
        "b4": (["benchmarks/bench_compile.py", "--repeat", "1" if quick else "10"], b4),
    }


def run(args: argparse.Namespace, say: Callable[[str], None]) -> list[Outcome]:
    """Run the chosen benchmarks; each one's output goes to ``say`` as it finishes."""
    outcomes = []
    for name, (command, read) in commands(args).items():
        if name not in args.only:
            continue
        started = time.perf_counter()
        code, output = _run(command, args.timeout)
        seconds = time.perf_counter() - started
        say(f"== {name.upper()}: {' '.join(command)} ({seconds:.0f} s) ==\n{output.rstrip()}\n")
        ratios: tuple[Ratio, ...] = ()
        # B3 exits 1 on a missed target; its report is still read.
        ran = code == 0 or (name == "b3" and output.strip().startswith("{"))
        if ran:
            ratios = read(output)
        outcomes.append(Outcome(name, output, code == 0 or (ran and name == "b3"), ratios, seconds))
    return outcomes


def machine() -> str:
    """Where it ran: cores, CPU model, Python, load average."""
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"model name\s*:\s*(.+)", cpuinfo.read_text(encoding="utf-8"))
        if found:
            model = found.group(1).strip()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"{os.cpu_count()} cores, {model}, Python {platform.python_version()}, "
            f"load average {load}")


def table(outcomes: Sequence[Outcome]) -> str:
    """The one table of ratios: benchmark, measure, value, target, PASS or MISS."""
    width = max([len(r.measure) for o in outcomes for r in o.ratios] + [10])
    lines = [f"{'':<3} {'measure':<{width}} {'value':>10} {'target':>16}  result",]
    for outcome in outcomes:
        if not outcome.ratios:
            lines.append(f"{outcome.name.upper():<3} {'(did not run: see its output above)':<{width}}"
                         f" {'':>10} {'':>16}  ERROR")
        for r in outcome.ratios:
            lines.append(f"{r.benchmark:<3} {r.measure:<{width}} {r.value:>10} {r.target:>16}  "
                         f"{'PASS' if r.met else 'MISS'}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run, print each benchmark's output and the table; 1 if a benchmark broke."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run")
    parser.add_argument("--records", type=int, default=200_000, help="B1 records (default 200,000)")
    parser.add_argument("--sizes", default="1000,10000,100000", help="B2 source record counts")
    parser.add_argument("--b3-duration", type=float, default=20.0, help="B3 seconds (default 20)")
    parser.add_argument("--only", default="b1,b2,b3,b4", help="which benchmarks (default all)")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per benchmark")
    args = parser.parse_args(argv)
    args.only = {s.strip().lower() for s in args.only.split(",")}
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    outcomes = run(args, print)
    print(f"== issue 10 targets ({started}; {machine()}) ==")
    print(table(outcomes))
    return 0 if all(o.ok for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
