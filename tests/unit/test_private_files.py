"""Owner-only folders and files whatever the umask, and the warning for shared ones."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from crossmap.private_files import (
    create_private_file,
    private_dir,
    secure_sqlite_files,
    warn_if_shared,
    write_private,
)
from crossmap.reports import reports_folder, write_report
from crossmap.state import StateStore

OwnerOnly = Callable[[Path], list[Path]]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_private_dir_creates_every_missing_level_0700(tmp_path: Path, permissive_umask: int,
                                                      owner_only: OwnerOnly) -> None:
    made = private_dir(tmp_path / "a" / "b" / "c")
    assert made.is_dir()
    owner_only(tmp_path / "a")


def test_private_dir_leaves_existing_folders_alone(tmp_path: Path, permissive_umask: int) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o755)
    private_dir(shared / "mine")
    assert mode(shared) == 0o755 and mode(shared / "mine") == 0o700


def test_write_private_creates_0600_and_narrows_a_file_it_replaces(tmp_path: Path, permissive_umask: int,
                                                                   owner_only: OwnerOnly) -> None:
    written = write_private(tmp_path / "out" / "report.json", "é{}")
    assert written.read_bytes() == "é{}".encode()
    old = tmp_path / "out" / "old.html"
    old.write_text("a longer old text")
    os.chmod(old, 0o666)
    write_private(old, b"new")
    assert old.read_bytes() == b"new"
    owner_only(tmp_path / "out")


def test_create_private_file_only_creates(tmp_path: Path, permissive_umask: int) -> None:
    path = tmp_path / "db" / "state.db"
    assert create_private_file(path) is True
    assert mode(path) == 0o600 and mode(path.parent) == 0o700
    os.chmod(path, 0o640)
    assert create_private_file(path) is False
    assert mode(path) == 0o640


def test_sqlite_side_files_follow_an_owner_only_database(tmp_path: Path) -> None:
    main, wal, shm = (tmp_path / name for name in ("x.db", "x.db-wal", "x.db-shm"))
    for path in (main, wal, shm):
        path.write_bytes(b"")
    os.chmod(main, 0o600)
    os.chmod(wal, 0o644)
    os.chmod(shm, 0o666)
    secure_sqlite_files(main)
    assert (mode(wal), mode(shm)) == (0o600, 0o600)
    # A database shared on purpose keeps its side files readable by the same people.
    os.chmod(main, 0o660)
    os.chmod(wal, 0o660)
    secure_sqlite_files(main)
    assert mode(wal) == 0o660


def test_warning_names_the_path_and_the_chmod(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    store, folder = tmp_path / "state.db", tmp_path / "reports"
    store.write_bytes(b"")
    folder.mkdir()
    os.chmod(store, 0o644)
    os.chmod(folder, 0o755)
    with caplog.at_level(logging.WARNING, logger="crossmap.files"):
        on_store = warn_if_shared(store, "the state store", sqlite=True)
        on_folder = warn_if_shared(folder, "the reports folder")
    assert on_store == (f"warning: the state store {store} can be read by other users (mode 0644); "
                        f"`chmod 600 {store}*` makes it owner-only")
    assert on_folder is not None and f"`chmod 700 {folder}`" in on_folder and "\n" not in on_folder
    assert [r.getMessage() for r in caplog.records] == [on_store, on_folder]
    os.chmod(store, 0o600)
    assert warn_if_shared(store, "the state store") is None
    assert warn_if_shared(tmp_path / "absent", "the state store") is None


def test_a_path_with_spaces_is_quoted_in_the_chmod(tmp_path: Path) -> None:
    folder = tmp_path / "my reports"
    folder.mkdir()
    os.chmod(folder, 0o750)
    message = warn_if_shared(folder, "the reports folder")
    assert message is not None and f"`chmod 700 '{folder}'`" in message


def test_a_new_state_store_and_its_wal_files_are_owner_only(tmp_path: Path, permissive_umask: int,
                                                            owner_only: OwnerOnly) -> None:
    with StateStore.open(tmp_path / "project" / ".crossmap" / "state.db") as store:
        run = store.begin_run(spec="a.xmap", spec_hash="h", kind="full", options={})
        store.record_preimages(run.id, "Account", [("001", {"Phone": "555-0100"})])
        files = owner_only(tmp_path / "project" / ".crossmap")
        assert {f.name for f in files} >= {"state.db", "state.db-wal", "state.db-shm"}


def test_an_existing_shared_store_is_opened_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "state.db"
    StateStore.open(path).close()
    os.chmod(path, 0o644)
    with caplog.at_level(logging.WARNING, logger="crossmap.files"), StateStore.open(path):
        pass
    [record] = caplog.records
    assert str(path) in record.getMessage() and f"chmod 600 {path}*" in record.getMessage()
    assert mode(path) == 0o644  # left as the user set it


def test_reports_are_owner_only_and_a_shared_reports_folder_is_named(
        tmp_path: Path, permissive_umask: int, owner_only: OwnerOnly, caplog: pytest.LogCaptureFixture) -> None:
    base = tmp_path / ".crossmap"
    json_path, html_path = write_report("{}", "<p>", reports_folder(base) / "run-1.json")
    assert json_path.read_text() == "{}" and html_path.read_text() == "<p>"
    owner_only(base)
    assert not caplog.records
    os.chmod(base / "reports", 0o755)
    with caplog.at_level(logging.WARNING, logger="crossmap.files"):
        reports_folder(base)
    [record] = caplog.records
    assert f"chmod 700 {base / 'reports'}" in record.getMessage()
