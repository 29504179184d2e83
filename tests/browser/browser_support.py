"""Opening a report in a real headless Chromium (Debian's ``chromium`` package),
driven by Playwright's Python client, which launches the system's browser and
downloads none of its own.

Where Chromium or Playwright is missing the tests skip and say how to get them,
except under CI (``CI=true``), where ``.ci/run`` installs Chromium and a missing
browser fails the run.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from attrs import frozen

VIEWPORT = {"width": 1280, "height": 800}
"""The first screen: what a person sees before scrolling."""

# Flags for a closed network: without them Chromium keeps trying to reach Google.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

HOW_TO_GET_IT = ("headless Chromium is needed: `apt-get install chromium` (Debian/Ubuntu) and "
                 "`pip install playwright` (in crossmap's dev extra); .ci/run installs Chromium")


def chromium() -> str:
    """The system's Chromium; skips the test (fails under CI) when there is none."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"no Chromium under CI: {HOW_TO_GET_IT}")
        pytest.skip(HOW_TO_GET_IT)
    return found


@frozen
class Rendered:
    """A page as Chromium showed it."""

    errors: tuple[str, ...]
    """Console errors and uncaught exceptions."""
    first_screen: str
    """The text of the elements visible without scrolling."""
    screenshot: bytes


@contextmanager
def browser() -> Iterator[object]:
    """A headless Chromium for the test (one per call: tests are few and short)."""
    executable = chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ModuleNotFoundError:
        if os.environ.get("CI") == "true":
            pytest.fail(f"no Playwright under CI: {HOW_TO_GET_IT}")
        pytest.skip(HOW_TO_GET_IT)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=FLAGS)
        try:
            yield launched
        finally:
            launched.close()


# Every piece of text drawn inside the first screen, in document order: the text
# nodes whose rendered box intersects the viewport (hidden ones have no box).
FIRST_SCREEN = """() => {
  const seen = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim();
    if (!text) continue;
    range.selectNodeContents(node);
    const box = range.getBoundingClientRect();
    if (box.width > 0 && box.height > 0 && box.bottom > 0 && box.top < window.innerHeight
        && box.right > 0 && box.left < window.innerWidth) {
      seen.push(text);
    }
  }
  return seen.join('\\n');
}"""


def render(browser: object, page_file: Path) -> Rendered:
    """Open ``page_file`` and read what a person would see first."""
    page = browser.new_page(viewport=VIEWPORT)  # type: ignore[attr-defined]
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(page_file.resolve().as_uri())
    page.wait_for_load_state("load")
    rendered = Rendered(tuple(errors), page.evaluate(FIRST_SCREEN), page.screenshot())
    page.close()
    return rendered
