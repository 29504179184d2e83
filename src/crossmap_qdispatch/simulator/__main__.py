"""``python -m crossmap_qdispatch.simulator``: serve until SIGTERM or SIGINT."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading

from crossmap_qdispatch.simulator import Faults, Limits, Simulator


def main(argv: list[str] | None = None) -> int:
    """Start a simulator, print its JSON line, wait for a termination signal."""
    parser = argparse.ArgumentParser(prog="python -m crossmap_qdispatch.simulator",
                                     description="A local Q Dispatch API simulator (HTTPS).")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--faults", default="none",
                        help="none, 429, 5xx, slow, token_expiry, processing or all")
    parser.add_argument("--per-minute", type=int, default=Limits().per_minute)
    parser.add_argument("--per-day", type=int, default=Limits().per_day)
    args = parser.parse_args(argv)
    try:
        faults = Faults.named(args.faults)
    except ValueError as exc:
        parser.error(str(exc))
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    sim = Simulator(args.seed, args.scale, port=args.port, faults=faults,
                    limits=Limits(args.per_minute, args.per_day))
    with sim:
        print(json.dumps(sim.info()), flush=True)
        while not stop.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
