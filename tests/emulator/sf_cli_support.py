"""The Salesforce CLI (``sf``) for the tests that drive it against the local org.

:func:`ensure_sf_cli` installs the CLI pinned in ``tools/sf-cli/package.json`` (and
its lock file) into ``.cache/sf-cli/`` with ``npm ci``, once: a stamp of the two files
says the cache is current, so later sessions start at once. A fresh install downloads
about 1,000 packages (~350 MB on disk) and takes one to three minutes; it is bounded by
``timeout``. Without Node.js 18+ and npm there is no CLI: :class:`SfCliUnavailable`
says why, and the tests skip, except under CI (``CI=true``), where they fail.

:class:`SfCli` runs one ``sf`` command against an org with a private ``HOME`` (the
CLI's auth files and config stay out of the user's ``~/.sf``), telemetry and update
checks off, and ``NODE_EXTRA_CA_CERTS`` set to the org's CA.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "tools" / "sf-cli"
CACHE = ROOT / ".cache" / "sf-cli"
MIN_NODE = 18
INSTALL_TIMEOUT = 900.0


class SfCliUnavailable(Exception):
    """The CLI cannot be installed here (the message says why)."""


def _stamp() -> str:
    digest = hashlib.sha256()
    for name in ("package.json", "package-lock.json"):
        path = SPEC / name
        if path.exists():
            digest.update(name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _node_major(node: str) -> int:
    out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30,
                         check=False).stdout
    m = re.match(r"v(\d+)\.", out.strip())
    return int(m.group(1)) if m else 0


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One installer at a time (two pytest sessions on one checkout)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        try:
            import fcntl
        except ImportError:  # Windows: no concurrent sessions to guard against
            yield
            return
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def sf_binary(cache: Path = CACHE) -> Path:
    """Where the installed CLI's entry point is."""
    return cache / "node_modules" / ".bin" / "sf"


def ensure_sf_cli(cache: Path = CACHE, timeout: float = INSTALL_TIMEOUT) -> Path:
    """The path of a ``sf`` executable, installing the pinned CLI into ``cache`` first
    if it is missing or stale. Raises :class:`SfCliUnavailable` without Node.js/npm,
    or when the install fails (the message carries npm's last lines)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        missing = " and ".join(n for n, p in (("node", node), ("npm", npm)) if p is None)
        raise SfCliUnavailable(f"the Salesforce CLI needs Node.js {MIN_NODE}+ and npm; "
                               f"{missing} not found on PATH")
    major = _node_major(node)
    if major < MIN_NODE:
        raise SfCliUnavailable(f"the Salesforce CLI needs Node.js {MIN_NODE}+; "
                               f"{node} is version {major or 'unknown'}")
    wanted = _stamp()
    stamp = cache / ".crossmap-installed"
    with _locked(cache.parent / "sf-cli.lock"):
        if stamp.exists() and stamp.read_text() == wanted and sf_binary(cache).exists():
            return sf_binary(cache)
        cache.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            if (SPEC / name).exists():
                shutil.copyfile(SPEC / name, cache / name)
        has_lock = (cache / "package-lock.json").exists()
        command = [npm, "ci" if has_lock else "install", "--no-audit", "--no-fund",
                   "--omit=dev", "--loglevel=error"]
        try:
            done = subprocess.run(command, cwd=cache, capture_output=True, text=True,
                                  timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise SfCliUnavailable(f"npm did not install the Salesforce CLI within "
                                   f"{timeout:.0f} s (in {cache})") from None
        if done.returncode != 0 or not sf_binary(cache).exists():
            tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-8:])
            raise SfCliUnavailable(f"npm could not install the Salesforce CLI into {cache} "
                                   f"(exit {done.returncode}):\n{tail}")
        stamp.write_text(wanted)
    return sf_binary(cache)


def require_sf_cli(environ: dict[str, str] | None = None) -> Path:
    """:func:`ensure_sf_cli` for a test: skips with the reason when the CLI cannot be
    had, except under CI (``CI=true``), where a missing CLI fails the run."""
    import pytest

    env = os.environ if environ is None else environ
    try:
        return ensure_sf_cli()
    except SfCliUnavailable as exc:
        if env.get("CI", "").lower() == "true":
            pytest.fail(f"CI needs the Salesforce CLI: {exc}")
        pytest.skip(str(exc))


QUIET = {
    # Nothing leaves the machine: no telemetry, no update or version checks. Without
    # SF_DISABLE_AUTOUPDATE the CLI spawns a detached `sf update --autoupdate` that
    # outlives the test and rewrites the pinned install.
    "SF_DISABLE_TELEMETRY": "true",
    "SFDX_DISABLE_TELEMETRY": "true",
    "SF_AUTOUPDATE_DISABLE": "true",
    "SF_SKIP_NEW_VERSION_CHECK": "true",
    "SF_DISABLE_AUTOUPDATE": "true",
    "SF_HIDE_RELEASE_NOTES": "true",
    "SF_HIDE_RELEASE_NOTES_FOOTER": "true",
    "SF_DISABLE_DNS_CHECK": "true",
    "SF_USE_GENERIC_UNIX_KEYCHAIN": "true",
}
"""The environment every ``sf`` the tests start runs in."""


class SfCli:
    """Runs ``sf`` commands against one org, as a user on that machine would."""

    def __init__(self, binary: Path, home: Path, ca_file: str, access_token: str) -> None:
        self.binary = binary
        self.home = home
        home.mkdir(parents=True, exist_ok=True)
        self.env = {
            # The CLI's hooks spawn ``sf`` by name: the installed one must come first.
            "PATH": os.pathsep.join([str(binary.parent), os.environ.get("PATH", "")]),
            "HOME": str(home),
            "USERPROFILE": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_DATA_HOME": str(home / ".local" / "share"),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "NODE_EXTRA_CA_CERTS": ca_file,
            "SF_ACCESS_TOKEN": access_token,
            **QUIET,
            "SF_CONTENT_TYPE": "JSON",
            "NO_COLOR": "1",
        }

    def run_text(self, *args: str, cwd: Path | None = None, timeout: float = 120.0) -> str:
        """Run ``sf ARGS`` without ``--json``; returns stdout (fails on a non-zero exit)."""
        env = {k: v for k, v in self.env.items() if k != "SF_CONTENT_TYPE"}
        done = subprocess.run([str(self.binary), *args], cwd=cwd or self.home, env=env,
                              capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode != 0:
            raise AssertionError(f"sf {' '.join(args)} exited {done.returncode}\n"
                                 f"stdout: {done.stdout[-2000:]}\nstderr: {done.stderr[-2000:]}")
        return done.stdout

    def run(self, *args: str, cwd: Path | None = None, timeout: float = 120.0,
            check: bool = True) -> dict[str, Any]:
        """Run ``sf ARGS --json``; returns the parsed JSON envelope (``status``,
        ``result`` or ``message``). With ``check``, a non-zero status fails with the
        CLI's message."""
        done = subprocess.run([str(self.binary), *args, "--json"], cwd=cwd or self.home,
                              env=self.env, capture_output=True, text=True, timeout=timeout,
                              check=False)
        try:
            envelope: dict[str, Any] = json.loads(done.stdout)
        except ValueError:
            raise AssertionError(f"sf {' '.join(args)}: no JSON on stdout "
                                 f"(exit {done.returncode})\nstdout: {done.stdout[-2000:]}\n"
                                 f"stderr: {done.stderr[-2000:]}") from None
        if check and envelope.get("status", done.returncode) != 0:
            raise AssertionError(f"sf {' '.join(args)} failed: "
                                 f"{envelope.get('name')}: {envelope.get('message')}\n"
                                 f"{json.dumps(envelope)[:3000]}")
        return envelope
