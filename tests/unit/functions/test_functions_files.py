"""with_extension: a file name the destination can tell the type of."""

from __future__ import annotations

import pytest

from crossmap.functions import registry


@pytest.mark.parametrize(("name", "mime", "expected"), [
    ("site plan", "application/pdf", "site plan.pdf"),
    ("IMG_2031", "image/png", "IMG_2031.png"),
    ("IMG_2031", "IMAGE/PNG; charset=binary", "IMG_2031.png"),
    ("photo.jpg", "image/png", "photo.jpg"),      # an extension is kept as it is
    ("notes", None, "notes"),                     # no type: nothing to add
    ("blob", "application/x-unheard-of", "blob"),  # a type with no known extension
])
def test_with_extension(name: str, mime: str | None, expected: str) -> None:
    assert registry()["with_extension"](name, mime) == expected
