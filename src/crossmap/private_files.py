"""Owner-only files: where crossmap keeps customer data at rest.

The state store holds pre-images of the fields a run overwrote, reports and sample
diffs hold source values: none of it may be readable by other users of the machine
(a jump box, a CI runner). Every folder crossmap creates for its state, reports and
metadata packages is made ``0700`` and every file it writes there ``0600``. The
modes are set with ``chmod`` after creating, so a permissive umask (``0002``,
``0000``) does not widen them.

A folder or file that already exists is not narrowed behind the user's back (a team
may share a store on purpose): ``warn_if_shared`` logs a one-line warning naming the
path and the ``chmod`` that fixes it. Library code never prints; the warning goes to
the ``crossmap.files`` logger, which Python shows on stderr when nothing else is
configured.
"""

from __future__ import annotations

import logging
import os
import shlex
import stat
from pathlib import Path
from typing import IO

DIR_MODE = 0o700
FILE_MODE = 0o600
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")
"""The files SQLite keeps beside a database: the write-ahead log, its shared-memory
index, and the rollback journal of a store not (yet) in WAL mode."""

log = logging.getLogger("crossmap.files")


def private_dir(path: str | Path) -> Path:
    """Create ``path`` and its missing parents owner-only (``0700``); returns it.

    Folders that already exist keep their mode (see ``warn_if_shared``).
    """
    folder = Path(path)
    missing: list[Path] = []
    current = folder
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for created in reversed(missing):
        try:
            created.mkdir(mode=DIR_MODE)
        except FileExistsError:
            continue  # another process made it meanwhile: its mode is its own
        os.chmod(created, DIR_MODE)
    return folder


def write_private(path: str | Path, data: str | bytes, *, encoding: str = "utf-8") -> Path:
    """Write ``data`` to ``path`` owner-only (``0600``), creating its folders ``0700``.

    An existing file is truncated and narrowed to ``0600``: it is being replaced.
    """
    target = Path(path)
    private_dir(target.parent)
    payload = data.encode(encoding) if isinstance(data, str) else data
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        os.fchmod(descriptor, FILE_MODE)
        with os.fdopen(descriptor, "wb") as handle:
            descriptor = -1  # the file object owns it now
            handle.write(payload)
    finally:
        if descriptor >= 0:
            os.close(descriptor)
    return target


def open_private(path: str | Path, *, encoding: str = "utf-8") -> IO[str]:
    """``path`` opened for writing text, created (or truncated) owner-only ``0600``."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        os.fchmod(descriptor, FILE_MODE)
        return os.fdopen(descriptor, "w", encoding=encoding)
    except BaseException:
        os.close(descriptor)
        raise


def create_private_file(path: str | Path) -> bool:
    """Create ``path`` empty and owner-only if it does not exist (its folders ``0700``).

    Returns whether it was created. Used before SQLite opens a new database, so the
    file (and the ``-wal``/``-shm`` files SQLite gives the database's own mode) never
    exists with a wider mode, not even for an instant.
    """
    target = Path(path)
    private_dir(target.parent)
    try:
        descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return False
    try:
        os.fchmod(descriptor, FILE_MODE)
    finally:
        os.close(descriptor)
    return True


def secure_sqlite_files(database: str | Path) -> None:
    """Narrow the side files of an owner-only database to ``0600``.

    SQLite creates ``-wal`` and ``-shm`` with the database file's mode, but files left
    by an older crossmap (or another tool) keep theirs. A database that is itself
    shared on purpose is left as it is (``warn_if_shared`` says so).
    """
    main = Path(database)
    try:
        if shared_bits(main):
            return
    except FileNotFoundError:
        return
    for suffix in SQLITE_SIDE_FILES:
        side = main.with_name(main.name + suffix)
        try:
            if shared_bits(side):
                os.chmod(side, FILE_MODE)
        except FileNotFoundError:
            continue


def shared_bits(path: str | Path) -> int:
    """The group and other permission bits of ``path`` (0 when it is owner-only)."""
    return stat.S_IMODE(os.stat(path).st_mode) & 0o077


def warn_if_shared(path: str | Path, what: str, *, sqlite: bool = False) -> str | None:
    """Log (and return) a one-line warning if ``path`` can be read or written by
    users other than its owner; ``None`` when it is owner-only or absent.

    ``what`` names it for people ("the state store", "the reports folder");
    ``sqlite`` makes the suggested ``chmod`` take the database's side files along.
    """
    target = Path(path)
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        return None
    if not mode & 0o077:
        return None
    quoted = shlex.quote(str(target))
    fix = f"chmod 700 {quoted}" if target.is_dir() else f"chmod 600 {quoted}" + ("*" if sqlite else "")
    message = (f"warning: {what} {target} can be read by other users (mode {mode:04o}); "
               f"`{fix}` makes it owner-only")
    log.warning(message)
    return message
