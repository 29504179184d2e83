"""Helpers shared by the emulator tests (a module, not a conftest, so tests can
import them)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import requests

from crossmap_salesforce.emulator import OrgHandle


class Raw:
    """Authenticated raw HTTPS calls to the org's REST API."""

    def __init__(self, org: OrgHandle, version: str = "59.0") -> None:
        self.org = org
        self.session = org.session()
        self.session.headers["Authorization"] = f"Bearer {org.access_token}"
        self.prefix = f"{org.instance_url}/services/data/v{version}"

    def __call__(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        url = path if path.startswith("https://") else (
            self.org.instance_url + path if path.startswith("/services") else self.prefix + path)
        return self.session.request(method, url, **kwargs)

    def close(self) -> None:
        self.session.close()


def error_of(exc: BaseException) -> dict[str, Any]:
    """The first error of a simple-salesforce exception's JSON body."""
    content = exc.content  # type: ignore[attr-defined]
    assert isinstance(content, list), content
    return content[0]  # type: ignore[no-any-return]


#: Real describe captures, kept in the repository (see its PROVENANCE.md).
CAPTURES = Path(__file__).resolve().parents[1] / "fixtures" / "salesforce-describe"
