#!/usr/bin/env python3
"""The project's entry points, needing nothing but Python 3.11+ (and, for ``sf-cli``,
Node.js and npm).

    python3 tasks.py demo    set up .venv and run the end-to-end demo (the flagship
                             migration on a local Q Dispatch and a local Salesforce org)
    python3 tasks.py test    set up .venv and run the whole test suite
    python3 tasks.py sf-cli  install the pinned Salesforce CLI into .cache/sf-cli (needs
                             Node.js 18+ and npm; the sf CLI tests do this themselves)

Setup (for ``demo`` and ``test``) is a virtual environment in ``.venv`` with the
project installed in editable mode; it is redone only when ``pyproject.toml`` changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".crossmap-installed"


def setup() -> None:
    """Create ``.venv`` and install the project with its dev and benchmark extras
    (the suite runs the benchmarks at a tiny size), if stale."""
    if sys.version_info < (3, 11):  # noqa: UP036 - this script says so on any Python 3
        sys.exit(f"crossmap needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not (BIN / "python").exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
    pip = [str(BIN / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "install", "-e", f"{ROOT}[dev,bench]"], check=True)
    STAMP.write_text(wanted)


def sf_cli() -> int:
    """Install the Salesforce CLI pinned in tools/sf-cli; print where ``sf`` is."""
    sys.path.insert(0, str(ROOT / "tests" / "emulator"))
    from sf_cli_support import SfCliUnavailable, ensure_sf_cli

    try:
        print(ensure_sf_cli())
    except SfCliUnavailable as exc:
        print(f"tasks.py sf-cli: {exc}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"demo", "test", "sf-cli"}:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    if argv[0] == "sf-cli":
        return sf_cli()
    setup()
    command, rest = argv[0], argv[1:]
    if command == "demo":
        # The flagship migration end to end on the two embedded local systems.
        args = [str(BIN / "crossmap"), "demo", *rest]
    else:
        args = [str(BIN / "python"), "-m", "pytest", *rest]
    return subprocess.run(args, cwd=ROOT, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
