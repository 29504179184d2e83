"""Where reports go: every report is written twice, as JSON for tools and as a
self-contained HTML page for people. Both are owner-only (``0600``, folders
``0700``): reports name records and, unless redacted, show their values."""

from __future__ import annotations

from pathlib import Path

from crossmap.private_files import private_dir, warn_if_shared, write_private


def reports_folder(base: Path) -> Path:
    """``base/reports``, the default folder of reports (``base`` is usually
    ``.crossmap``): created owner-only, or, if it exists and others can read it,
    left as it is with a one-line warning naming the ``chmod`` that fixes it."""
    folder = base / "reports"
    if folder.exists():
        warn_if_shared(folder, "the reports folder")
    return private_dir(folder)


def write_report(json_text: str, html: str, json_path: Path, html_path: Path | None = None) -> tuple[Path, Path]:
    """Write a report's JSON and HTML (beside the JSON unless ``html_path`` says
    otherwise), owner-only, creating missing folders owner-only; returns both paths."""
    html_path = html_path or json_path.with_suffix(".html")
    for path, text in ((json_path, json_text), (html_path, html)):
        write_private(path, text)
    return json_path, html_path
