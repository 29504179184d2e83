"""Where reports go: every report is written twice, as JSON for tools and as a
self-contained HTML page for people."""

from __future__ import annotations

from pathlib import Path


def write_report(json_text: str, html: str, json_path: Path, html_path: Path | None = None) -> tuple[Path, Path]:
    """Write a report's JSON and HTML (beside the JSON unless ``html_path`` says
    otherwise), creating the folders; returns both paths."""
    html_path = html_path or json_path.with_suffix(".html")
    for path, text in ((json_path, json_text), (html_path, html)):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return json_path, html_path
