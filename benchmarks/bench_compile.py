"""B4: compile time of the flagship spec, cold (a fresh process: imports, grammar,
schemas) and warm (the same process, again).

    .venv/bin/python benchmarks/bench_compile.py [--repeat R]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

SPEC = "specs/qdispatch_to_salesforce.xmap"

_COLD = f"""
import json, time
start = time.perf_counter()
from crossmap.systems import compile_offline
from crossmap.syntax import load
result = compile_offline(load({SPEC!r}))
assert result.plan is not None
print(json.dumps(time.perf_counter() - start))
"""


def warm(repeat: int) -> list[float]:
    from crossmap.syntax import load
    from crossmap.systems import compile_offline

    compile_offline(load(SPEC))  # the first one is cold
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = compile_offline(load(SPEC))
        times.append(time.perf_counter() - start)
        assert result.plan is not None
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    cold = [json.loads(subprocess.run([sys.executable, "-c", _COLD], capture_output=True, text=True, check=True).stdout)
            for _ in range(min(args.repeat, 5))]
    hot = warm(args.repeat)
    print(f"B4 compile of {SPEC} (parse, includes, schemas, checks, plan)")
    print(f"  cold (fresh process, imports included): best {min(cold) * 1000:7.1f} ms")
    print(f"  warm (same process):                    best {min(hot) * 1000:7.1f} ms, "
          f"median {sorted(hot)[len(hot) // 2] * 1000:.1f} ms  (target: < 200 ms)")


if __name__ == "__main__":
    main()
