"""Reading mode over the bulk export bundle instead of the record endpoints.

The NDJSON bundle is streamed once into a spool directory, one file per object (so
memory stays flat), checked against its manifest's counts, then served page by page.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

import httpx

from crossmap.private_files import open_private
from crossmap_qdispatch.client import ApiClient
from crossmap_qdispatch.errors import ExportError, QDispatchTransientError
from crossmap_qdispatch.objects import OBJECT_NAMES

POLL_SECONDS = 1.0


class BulkBundle:
    """One downloaded export (of every object changed at or after ``since``)."""

    def __init__(self, api: ApiClient, since: str | None, *, max_polls: int = 600) -> None:
        self._dir = Path(tempfile.mkdtemp(prefix="qdispatch-export-"))
        self.counts: dict[str, int] = {}
        self.tombstone_count = 0
        try:
            self._download(api, since, max_polls)
        except BaseException:
            self.close()
            raise

    def _download(self, api: ApiClient, since: str | None, max_polls: int) -> None:
        export = api.post_json("/v1/exports", {"objects": list(OBJECT_NAMES),
                                               "updated_since": since})
        for _ in range(max_polls):
            export = api.get_json(f"/v1/exports/{export['id']}")
            if export["status"] == "ready":
                break
            api.clock.sleep(POLL_SECONDS)
        else:
            raise ExportError(f"export {export['id']} was not ready after {max_polls} polls")
        for attempt in api._retrying():
            with attempt:
                self._spool(api, export["download_url"])

    def _spool(self, api: ApiClient, url: str) -> None:
        files: dict[str, IO[str]] = {}
        counts: dict[str, int] = {}
        tombstones = 0
        manifest: dict[str, Any] | None = None
        response = api.open_stream(url)
        stack = ExitStack()

        def spool(name: str) -> IO[str]:
            if name not in files:
                path = self._dir / f"{name}.ndjson"
                # Customer records, owner-only in the 0700 temporary folder (whatever the umask).
                files[name] = stack.enter_context(open_private(path))
            return files[name]

        try:
            for line in response.iter_lines():
                if not line:
                    continue
                item = json.loads(line)
                kind = item.get("type")
                if kind == "manifest":
                    manifest = item
                elif kind == "record":
                    obj = item["object"]
                    spool(obj).write(json.dumps(item["data"], ensure_ascii=False) + "\n")
                    counts[obj] = counts.get(obj, 0) + 1
                elif kind == "tombstone":
                    spool("tombstones").write(json.dumps(item["data"]) + "\n")
                    tombstones += 1
        except (json.JSONDecodeError, KeyError) as exc:
            raise ExportError(f"the export bundle is malformed: {exc}") from None
        except httpx.TransportError as exc:
            raise QDispatchTransientError(f"export download failed: {type(exc).__name__}") from None
        finally:
            response.close()
            stack.close()
        if manifest is None:
            raise QDispatchTransientError("the export bundle has no manifest line")
        expected = {k: v for k, v in manifest["counts"].items() if v}
        if expected != counts or manifest.get("tombstones", 0) != tombstones:
            # A truncated bundle: download it again.
            raise QDispatchTransientError(f"export bundle incomplete: {counts} != {expected}")
        self.counts, self.tombstone_count = counts, tombstones

    def records(self, object: str, page_size: int) -> Iterator[list[dict[str, Any]]]:
        """The bundle's records of ``object``, in pages."""
        yield from self._pages(self._dir / f"{object}.ndjson", page_size)

    def tombstones(self, page_size: int) -> Iterator[list[dict[str, Any]]]:
        """The bundle's tombstones, in pages."""
        yield from self._pages(self._dir / "tombstones.ndjson", page_size)

    @staticmethod
    def _pages(path: Path, page_size: int) -> Iterator[list[dict[str, Any]]]:
        if not path.exists():
            return
        page: list[dict[str, Any]] = []
        with open(path, encoding="utf-8") as f:
            for line in f:
                page.append(json.loads(line))
                if len(page) >= page_size:
                    yield page
                    page = []
        if page:
            yield page

    def close(self) -> None:
        """Delete the spool directory."""
        shutil.rmtree(self._dir, ignore_errors=True)
